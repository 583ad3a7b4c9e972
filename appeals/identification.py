"""Identification of the citizen before an electronic appeal is received (547-FZ).

Since 30 March 2025 an appeal sent through a site counts only when the site
identifies or authenticates its author. A backend proves who the citizen is
and, when it succeeds, hands an Identity to services.receive_appeal. The
portal ships one backend, proof of the e-mail address by a link or a code;
docs/identification.md explains how to add another (a Госуслуги/ЕСИА login).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from appeals import tokens

if TYPE_CHECKING:
    from appeals.models import Draft


@dataclass(frozen=True)
class Identity:
    method: str  # the backend's name, stored on the appeal
    identifier: str  # what was proven: the e-mail address, an ЕСИА user id...


class IdentificationError(Exception):
    """The proof was wrong, used up or expired; the message is for the citizen."""


class IdentificationBackend:
    """A way to identify the author of a draft.

    start() begins the proof for a submitted draft and returns the name of the
    URL pattern the citizen is sent to next (a page that says what to do, or
    an external login). Completing the proof is the backend's own view, which
    calls services.receive_appeal(draft, Identity(...)).
    """

    method: str = ""
    label: str | Promise = ""

    def start(self, draft: Draft) -> str:
        raise NotImplementedError


class EmailIdentification(IdentificationBackend):
    """Proof of the e-mail address: a letter with a link and a six-digit code."""

    method = "email"
    label = _("подтверждение адреса электронной почты")

    def can_resend(self, draft: Draft) -> bool:
        if draft.confirmation_sent_at is None:
            return True
        wait = timedelta(seconds=settings.APPEALS_CONFIRMATION_RESEND_SECONDS)
        return timezone.now() - draft.confirmation_sent_at >= wait

    def start(self, draft: Draft) -> str:
        if self.can_resend(draft):
            self.send_letter(draft)
        return "appeals:check_email"

    def send_letter(self, draft: Draft) -> None:
        """Issue a new link and code (the old ones stop working) and queue the letter."""
        from appeals.services import confirmation_url
        from classifiers.models import Institution
        from outbox.services import queue_email

        token, code = tokens.new_link_token(), tokens.new_numeric_code()
        with transaction.atomic():
            draft.token_hash = tokens.hash_secret(token)
            draft.code_hash = tokens.hash_secret(code)
            draft.code_attempts = 0
            draft.confirmation_sent_at = timezone.now()
            draft.save(update_fields=["token_hash", "code_hash", "code_attempts", "confirmation_sent_at"])
            queue_email(
                kind="appeals.confirmation",
                to=draft.email,
                secret=True,
                draft=draft,  # not sent once the draft no longer waits for this letter
                template="emails/appeal_confirm",
                context={
                    "link": confirmation_url(draft, token),
                    "code": code,
                    "expires_at": draft.expires_at,
                    "institution": Institution.get_current(),
                },
            )

    def check_token(self, draft: Draft, token: str) -> Identity:
        if draft.status != draft.Status.AWAITING or not tokens.check_secret(token, draft.token_hash):
            raise IdentificationError(
                _("Ссылка недействительна: возможно, вы запросили новое письмо. Воспользуйтесь последним письмом.")
            )
        return Identity(self.method, draft.email)

    def check_code(self, draft: Draft, code: str) -> Identity:
        """Check a typed code; after too many wrong tries the code stops working."""
        from appeals.models import Draft

        with transaction.atomic():
            locked = Draft.objects.select_for_update().get(pk=draft.pk)
            if locked.code_attempts >= settings.APPEALS_CONFIRMATION_MAX_ATTEMPTS:
                raise IdentificationError(
                    _("Слишком много неверных попыток. Запросите новое письмо с кодом.")
                )
            if locked.status == Draft.Status.AWAITING and tokens.check_secret(code, locked.code_hash):
                return Identity(self.method, locked.email)
            locked.code_attempts += 1
            locked.save(update_fields=["code_attempts"])
        raise IdentificationError(_("Код неверный. Проверьте код в последнем письме."))


@cache
def get_backends() -> dict[str, IdentificationBackend]:
    backends = [import_string(path)() for path in settings.APPEALS_IDENTIFICATION_BACKENDS]
    return {backend.method: backend for backend in backends}


def get_backend(method: str) -> IdentificationBackend:
    return get_backends()[method]


def email_backend() -> EmailIdentification:
    """The e-mail proof, which the citizen's pages drive step by step."""
    backend = get_backend(EmailIdentification.method)
    if not isinstance(backend, EmailIdentification):
        raise ImproperlyConfigured(
            "APPEALS_IDENTIFICATION_BACKENDS must include appeals.identification.EmailIdentification"
        )
    return backend
