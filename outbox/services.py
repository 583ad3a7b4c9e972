"""Queue and deliver e-mail through the outbox.

A message is written in the caller's transaction and handed to Celery only
after that transaction commits. Delivery claims the row with a conditional
UPDATE, so two workers (or a task run twice) never send the same message
twice; whatever the broker or the SMTP server loses, the periodic sweep finds
again in the table.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from outbox.models import OutgoingMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# A message claimed this long ago whose worker never reported back (killed
# mid-send) is offered again.
STALE_CLAIM = timedelta(minutes=10)

Status = OutgoingMessage.Status


class TransientDeliveryError(Exception):
    """The SMTP server or the network failed; the message will be tried again."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(template: str, context: dict[str, Any]) -> RenderedEmail:
    """Render templates/<template>.subject.txt, .txt and .html with one context."""
    subject = render_to_string(f"{template}.subject.txt", context)
    return RenderedEmail(
        subject=" ".join(subject.split()),  # a header is one line
        text=render_to_string(f"{template}.txt", context),
        html=render_to_string(f"{template}.html", context),
    )


REDACTED = "[текст удалён после отправки: письмо содержало одноразовый код]"


Attachment = tuple[str, str, str]
"""(file name shown to the recipient, name in the "attachments" storage, content type)."""


def queue_email(
    *,
    kind: str,
    to: str,
    template: str,
    context: dict[str, Any],
    appeal=None,
    secret: bool = False,
    attachment: Attachment | None = None,
) -> OutgoingMessage:
    """Render templates/<template>.* and write the message into the outbox.

    It is handed to Celery when the transaction commits. A secret message (a
    confirmation code) loses its text once sent.
    """
    rendered = render_email(template, context)
    return queue_rendered_email(
        kind=kind,
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        appeal=appeal,
        secret=secret,
        attachment=attachment,
    )


def queue_rendered_email(
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    appeal=None,
    secret: bool = False,
    attachment: Attachment | None = None,
) -> OutgoingMessage:
    """Write an already rendered message into the outbox; Celery gets it when the transaction commits.

    The attachment's file must already be in the "attachments" storage: the
    outbox keeps only its name there and reads the bytes at send time.
    """
    name, path, content_type = attachment or ("", "", "")
    message = OutgoingMessage.objects.create(
        kind=kind,
        to=to,
        appeal=appeal,
        redact_after_send=secret,
        subject=" ".join(subject.split()),  # a header is one line
        body_text=text,
        body_html=html,
        attachment_name=name,
        attachment_path=path,
        attachment_type=content_type,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: enqueue(message.pk))
    return message


def enqueue(message_id: int) -> bool:
    """Hand a message to the broker; if the broker is down, leave it to the sweep."""
    from outbox.tasks import deliver_message

    try:
        deliver_message.delay(message_id)
    except Exception as exc:  # kombu raises OperationalError and friends; all mean "not queued"
        logger.warning("outbox enqueue failed message=%s error=%r; the sweep will retry", message_id, exc)
        return False
    return True


def retry_delay(attempts: int) -> timedelta:
    """Back off exponentially: 30 s, 1, 2, 4 ... minutes (OUTBOX_RETRY_BASE_SECONDS), at most 2 hours."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 2 * 60 * 60))


def _claim(message_id: int) -> bool:
    now = timezone.now()
    claimed = OutgoingMessage.objects.filter(pk=message_id, status=Status.PENDING).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def _build(message: OutgoingMessage, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        connection=connection,
        headers={"Message-ID": f"<{message.uid}@{settings.DEFAULT_FROM_EMAIL.rsplit('@', 1)[-1].strip('>')}>"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if message.attachment_path:
        # Read at send time: an OSError here (the object store is unreachable)
        # is handled like an SMTP failure and tried again later.
        with storages["attachments"].open(message.attachment_path, "rb") as file:
            content = file.read()
        email.attach(message.attachment_name or "attachment", content, message.attachment_type or None)
    return email


def deliver(message_id: int) -> bool:
    """Send one message if it is still pending. Return True when this call sent it.

    Raise TransientDeliveryError when the SMTP server failed and another
    attempt is due later.
    """
    # 1. Claim the row: only one caller wins, a rerun finds nothing to do.
    if not _claim(message_id):
        return False
    message = OutgoingMessage.objects.get(pk=message_id)
    # 2. Talk to the SMTP server outside any transaction: it may be slow.
    try:
        connection = get_connection(fail_silently=False)
        _build(message, connection).send()
    except (smtplib.SMTPException, OSError) as exc:
        # 3a. Hand the message back (or give up after MAX_ATTEMPTS).
        final = message.attempts >= MAX_ATTEMPTS
        OutgoingMessage.objects.filter(pk=message_id, status=Status.SENDING).update(
            status=Status.FAILED if final else Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=None if final else timezone.now() + retry_delay(message.attempts),
        )
        if final:
            logger.error("outbox gave up message=%s kind=%s attempts=%s", message_id, message.kind, message.attempts)
            return False
        logger.warning("outbox send failed message=%s attempt=%s error=%r", message_id, message.attempts, exc)
        raise TransientDeliveryError(str(exc)) from exc
    # 3b. Record success.
    done: dict[str, Any] = {"status": Status.SENT, "sent_at": timezone.now(), "last_error": "", "next_attempt_at": None}
    if message.redact_after_send:
        done.update(body_text=REDACTED, body_html="")
    OutgoingMessage.objects.filter(pk=message_id).update(**done)
    logger.info("outbox sent message=%s kind=%s", message_id, message.kind)
    return True


def due_message_ids(limit: int = 500) -> list[int]:
    """Messages the sweep should queue: pending and due, or claimed by a worker that died."""
    now = timezone.now()
    OutgoingMessage.objects.filter(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=Status.PENDING, next_attempt_at=now
    )
    due = OutgoingMessage.objects.filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True), status=Status.PENDING
    )
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
