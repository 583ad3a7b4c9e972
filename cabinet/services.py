"""The cabinet's rules: who may sign in, with which link, and which appeals the address opens."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import tokens
from appeals.models import Appeal, AppealEvent
from appeals.services import AppealError, handling
from appeals.services.authorship import EMAIL_PROVING_METHODS
from cabinet.models import SignInLink
from outbox.services import queue_email

logger = logging.getLogger(__name__)


def fold_email(email: str) -> str:
    """Addresses compare case folded: «Maria.Ivanova@Mail.RU» is «maria.ivanova@mail.ru»."""
    return email.strip().lower()


def appeals_of(email: str) -> QuerySet[Appeal]:
    """The appeals confirmed with this address (the e-mail proof at intake), newest first.

    Only a proof counts: an address a registrar copied from a paper letter
    proves nothing about who wrote it (appeals.services.authorship). Served
    on PostgreSQL by the index on UPPER(identified_as) (migration 0001),
    which is what iexact compiles to.
    """
    return Appeal.objects.filter(
        identification_method__in=EMAIL_PROVING_METHODS, identified_as__iexact=fold_email(email),
    ).order_by("-received_at")


def sign_in_url(token: str) -> str:
    return settings.PORTAL_BASE_URL + reverse("cabinet:enter", args=[token])


def request_link(email: str, *, now: datetime | None = None) -> bool:
    """Write a sign-in link for the address and, if any appeal was confirmed with it, queue the letter.

    Returns whether a letter was queued; the citizen is never told (the
    page's answer is the same either way).
    """
    now = now or timezone.now()
    address = fold_email(email)
    token = tokens.new_link_token()
    expires_at = now + timedelta(minutes=settings.CABINET_LINK_MINUTES)
    with transaction.atomic():
        SignInLink.objects.create(email=address, token_hash=tokens.hash_secret(token), expires_at=expires_at)
        known = appeals_of(address).exists()
        if known:
            from classifiers.models import Institution

            queue_email(
                kind="cabinet.sign_in", to=address, secret=True, template="emails/cabinet_sign_in",
                context={"link": sign_in_url(token), "expires_at": expires_at,
                         "minutes": settings.CABINET_LINK_MINUTES, "institution": Institution.get_current()},
            )
    logger.info("cabinet link requested known=%s", known)
    return known


def peek_link(token: str, *, now: datetime | None = None) -> SignInLink | None:
    """The link if it still works (unused, in time), without using it: the page a GET shows."""
    now = now or timezone.now()
    return SignInLink.objects.filter(
        token_hash=tokens.hash_secret(token), used_at__isnull=True, expires_at__gt=now).first()


def use_link(token: str, *, now: datetime | None = None) -> str | None:
    """Use the link once: return its address, or None if it is unknown, used or expired.

    The conditional UPDATE claims the link: of two requests with the same
    token only one changes the row, on SQLite as on PostgreSQL.
    """
    now = now or timezone.now()
    token_hash = tokens.hash_secret(token)
    with transaction.atomic():
        claimed = SignInLink.objects.filter(
            token_hash=token_hash, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
        if not claimed:
            return None
        return SignInLink.objects.values_list("email", flat=True).get(token_hash=token_hash)


def delete_expired_links(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _rows = SignInLink.objects.filter(expires_at__lte=now).delete()
    return deleted


# --- a new access code ----------------------------------------------------------
def codes_issued_today(appeal: Appeal, *, now: datetime | None = None) -> int:
    since = (now or timezone.now()) - timedelta(days=1)
    return AppealEvent.objects.filter(appeal=appeal, action="appeal.access_code_issued",
                                      created_at__gte=since, actor__isnull=True).count()


def issue_access_code(appeal: Appeal, *, now: datetime | None = None) -> Appeal:
    """The citizen's own request for a new access code, through the officials' service (handling).

    Bounded per appeal and day (CABINET_ACCESS_CODES_PER_DAY): each one is a
    letter, and by post a sheet of paper for the clerk.
    """
    if codes_issued_today(appeal, now=now) >= settings.CABINET_ACCESS_CODES_PER_DAY:
        raise AppealError(_("Новый код доступа к этому обращению уже запрашивался сегодня несколько раз. "
                            "Воспользуйтесь кодом из последнего письма или запросите новый завтра."))
    return handling.issue_access_code(appeal, None, comment=str(_("запрошен заявителем в личном кабинете")))


def describe_route(appeal: Appeal) -> Any:
    if handling.access_code_route(appeal) == "email":
        return _("Новый код доступа направлен вам по электронной почте на адрес, указанный в обращении. "
                 "Прежний код больше не действует.")
    return _("Новый код доступа будет направлен вам почтовым письмом по адресу, указанному в обращении, "
             "как вы выбрали для ответа. Прежний код больше не действует.")
