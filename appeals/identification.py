"""Identification of the citizen before an electronic appeal is received (547-FZ).

Since 30 March 2025 an appeal sent through a site counts only when the site
identifies or authenticates its author. A backend proves who the citizen is
and, when it succeeds, hands an Identity to services.receive_appeal. The
portal ships one backend, proof of the e-mail address by a link or a code;
docs/identification.md explains how to add another (a Госуслуги/ЕСИА login).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage

from appeals import tokens

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from appeals.models import Draft


@dataclass(frozen=True)
class Identity:
    method: str  # the backend's name, stored on the appeal
    identifier: str  # what was proven: the e-mail address, an ЕСИА user id...


class IdentificationError(Exception):
    """The proof was wrong, used up or expired; the message is for the citizen.

    `code` tells the view what happened: "wrong" (try again), "locked" (too
    many wrong codes: the draft must be submitted again) or "invalid".
    """

    def __init__(self, message: str | Promise, code: str = "invalid", counted: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.counted = counted  # this attempt was counted as a wrong guess


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
    """Proof of the e-mail address: a letter with a link and a six-digit code.

    Guessing is bounded per draft: every wrong code, and every wrong link
    token sent by the button of the link's page, counts on the draft row for
    its whole life (a new letter does not reset it). After
    APPEALS_CONFIRMATION_MAX_WRONG_CODES of them neither the code nor the
    link works any more and the citizen submits the appeal again. With C
    possible codes and at most N guesses an attacker who cannot read the
    mailbox succeeds with a chance of at most N/C (tests/appeals/test_code_guessing.py).
    """

    method = "email"
    label = _("подтверждение адреса электронной почты")
    CODE_DIGITS = 6
    POSSIBLE_CODES = 10**CODE_DIGITS  # tokens.new_numeric_code draws uniformly among them

    @staticmethod
    def max_wrong_codes() -> int:
        return int(settings.APPEALS_CONFIRMATION_MAX_WRONG_CODES)

    def is_locked(self, draft: Draft) -> bool:
        return draft.wrong_codes >= self.max_wrong_codes()

    def tries_left(self, draft: Draft) -> int:
        return max(0, self.max_wrong_codes() - draft.wrong_codes)

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
            # The count of wrong codes is not reset: a new letter must not
            # buy new guesses.
            draft.token_hash = tokens.hash_secret(token)
            draft.code_hash = tokens.hash_secret(code)
            draft.confirmation_sent_at = timezone.now()
            draft.save(update_fields=["token_hash", "code_hash", "confirmation_sent_at"])
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

    def check_token(self, draft: Draft, token: str, *, count_wrong: bool = False) -> Identity:
        """Check the link's token; a locked draft refuses even the right one.

        A wrong token counts as a wrong guess only when the citizen's button
        sent it (`count_wrong`, the POST): mail scanners open links by
        themselves, and an old link opened ten times must not lock a draft.
        """
        return self._check(draft, token, "token_hash", count_wrong=count_wrong)

    def check_code(self, draft: Draft, code: str) -> Identity:
        """Check a typed code; after too many wrong ones the draft is locked."""
        return self._check(draft, code, "code_hash", count_wrong=True)

    def _check(self, draft: Draft, secret: str, hash_field: str, *, count_wrong: bool) -> Identity:
        from appeals.models import Draft

        limit = self.max_wrong_codes()
        with transaction.atomic():
            # 1. The row lock serialises guesses at one draft (PostgreSQL).
            locked = Draft.objects.select_for_update().get(pk=draft.pk)
            if locked.wrong_codes >= limit:
                raise self.locked_error()
            if locked.status != Draft.Status.AWAITING:
                raise self._invalid_error(hash_field)
            if not count_wrong:
                if not tokens.check_secret(secret, getattr(locked, hash_field)):
                    raise self._invalid_error(hash_field)
                return Identity(self.method, locked.email)
            # 2. Claim a guess before checking it: the conditional UPDATE
            #    cannot take the count past the limit even where the row lock
            #    is a no-op (SQLite), so two parallel guesses cannot both pass.
            claimed = Draft.objects.filter(pk=locked.pk, wrong_codes__lt=limit).update(
                wrong_codes=F("wrong_codes") + 1
            )
            if not claimed:
                raise self.locked_error()
            if tokens.check_secret(secret, getattr(locked, hash_field)):
                # 3. Right: the claim was not a wrong guess, give it back.
                Draft.objects.filter(pk=locked.pk).update(wrong_codes=F("wrong_codes") - 1)
                return Identity(self.method, locked.email)
            wrong = Draft.objects.values_list("wrong_codes", flat=True).get(pk=locked.pk)
        draft.wrong_codes = wrong
        if wrong >= limit:
            error = self.locked_error()
            error.counted = True
            raise error
        message = (
            _("Код неверный. Проверьте код в последнем письме. Осталось попыток: %(left)d.")
            if hash_field == "code_hash"
            else _("Ссылка недействительна: воспользуйтесь последним письмом. Осталось попыток: %(left)d.")
        )
        raise IdentificationError(message % {"left": limit - wrong}, code="wrong", counted=True)

    @staticmethod
    def _invalid_error(hash_field: str) -> IdentificationError:
        if hash_field == "token_hash":
            return IdentificationError(
                _("Ссылка недействительна: возможно, вы запросили новое письмо. Воспользуйтесь последним письмом.")
            )
        return IdentificationError(_("Код неверный. Проверьте код в последнем письме."))

    def locked_error(self) -> IdentificationError:
        return IdentificationError(
            _(
                "Код введён неверно слишком много раз (%(limit)d). Для защиты от подбора это подтверждение "
                "отменено: ни код, ни ссылка из письма больше не действуют. Отправьте обращение ещё раз — "
                "всё, что вы ввели, и принятые файлы сохранены в форме, а на почту придёт новое письмо."
            ) % {"limit": self.max_wrong_codes()},
            code="locked",
        )


# --- guesses from one client and at one address -----------------------------
# The per-draft count bounds the guesses at one draft. A new draft (the form
# sent again) brings new tries, so wrong codes are also counted per client IP
# and per e-mail address in the cache, in fixed windows (django-ratelimit's
# counters, keyed on a hash of the value). They only add refusals: if the
# cache is down they count nothing and the per-draft bound still holds.
WRONG_CODE_GROUPS = {
    "ip": ("appeals.wrong_code.ip", "APPEALS_RATE_WRONG_CODE_IP"),
    "email": ("appeals.wrong_code.email", "APPEALS_RATE_WRONG_CODE_EMAIL"),
}


def _wrong_code_usage(request: HttpRequest, email: str, *, increment: bool) -> bool:
    """Count (or only read) the wrong codes of this client and address; return whether either is over."""
    over = False
    for kind, (group, setting) in WRONG_CODE_GROUPS.items():
        key: str | Callable[[str, HttpRequest], str] = "ip" if kind == "ip" else (lambda g, r: email.lower())
        try:
            usage = get_usage(request, group=group, key=key, rate=getattr(settings, setting), increment=increment)
        except Exception:  # a cache outage must not stop the citizen: log and count nothing
            logger.warning("wrong-code counter unavailable group=%s", group, exc_info=True)
            continue
        if usage is None or (usage["limit"] == 0 and usage["time_left"] == -1):
            continue  # disabled, or the cache failed (django-ratelimit's own sign of it)
        # Reading: refused once the limit is used up; counting: over once past it.
        used_up = usage["should_limit"] if increment else usage["count"] >= usage["limit"]
        if used_up:
            over = True
            logger.warning("wrong-code limit reached group=%s", group)
    return over


def wrong_code_limit_reached(request: HttpRequest, email: str) -> bool:
    """Whether this client or this address has used up its wrong codes for now."""
    return _wrong_code_usage(request, email, increment=False)


def count_wrong_code(request: HttpRequest, email: str) -> None:
    _wrong_code_usage(request, email, increment=True)


TOO_MANY_FROM_CLIENT = _(
    "С вашего устройства или для этого адреса почты введено слишком много неверных кодов, поэтому код сейчас "
    "не проверяется. Подтвердите обращение по ссылке из последнего письма или введите код позже, через "
    "несколько часов: обращение и введённые данные сохраняются до срока, указанного выше."
)


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
