"""An e-mail backend for the benchmarks: one file per letter, named after its recipient.

The load generator reads the confirmation code from the letter, as a citizen
does; the outbox keeps no copy of a sent confirmation letter's text.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class PerRecipientFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            data = message.message().as_bytes()
            for recipient in message.recipients():
                path = folder / f"{recipient}--{uuid.uuid4().hex}.log"
                tmp = path.with_suffix(".part")
                tmp.write_bytes(data)
                tmp.rename(path)  # readers never see half a letter
        return len(email_messages)
