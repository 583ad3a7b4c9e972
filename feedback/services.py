"""Ask the citizen whether the answer solved the question, record the answer once, let the head review it.

1. At signing (receivers.answer_signed) the appeal gets a SatisfactionKey: a
   link token for an e-mail answer, a short code for a postal one, both
   stored as hashes; the answer carries the link or the code.
2. Once the answer has gone out (the outbox marked the e-mail sent, or the
   clerk marked the letter sent), ask_sent_answers makes the request: asked
   once, because the request is one-to-one with the appeal and the sweep
   claims keys under a lock.
3. The citizen answers once (answer_request), may add the mark and comment
   left out (add_details); a «нет», a «частично» or a mark of 1-2 puts the
   request on the head's review list, where review_request records what was
   done. Each of these is written into the appeal's history.
4. An unanswered request expires (expire_requests) and stays, counted as expired.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import tokens
from appeals.models import Appeal, ReplyMethod
from appeals.services import access
from appeals.services.handling import record
from appeals.services.intake import AppealError
from feedback.models import SatisfactionChannel, SatisfactionKey, SatisfactionRequest
from feedback.signals import requests_changed
from letters.models import PostalLetter
from outbox.models import OutgoingMessage

logger = logging.getLogger(__name__)

Status = SatisfactionRequest.Status
Resolved = SatisfactionRequest.Resolved

# The outbox kind of the answer's e-mail and the letters kind of its postal letter.
ANSWER_MESSAGE_KIND = "letters.answer"
ANSWER_LETTER_KIND = "answer"
# Marks that put the request on the head's list, with «нет» and «частично».
LOW_MARKS = (1, 2)
CODE_ALPHABET = tokens.ACCESS_CODE_ALPHABET


class FeedbackError(AppealError):
    """A refused answer or review; the message is for the person who tried."""


@dataclass(frozen=True)
class IssuedKey:
    key: SatisfactionKey
    token: str
    code: str


def new_code() -> str:
    """Eight characters in two groups, «K7P2-M4QR», about 40 bits: typed from paper by people."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def feedback_url(token: str, resolved: str = "") -> str:
    url = settings.PORTAL_BASE_URL + reverse("feedback:by_token", args=[token])
    return f"{url}?answer={resolved}" if resolved else url


# --- 1. at signing ------------------------------------------------------------------
def issue_key(appeal: Appeal) -> IssuedKey:
    """Make (or renew) the appeal's key: a new token and a new code, stored as hashes."""
    token, code = tokens.new_link_token(), new_code()
    channel = SatisfactionChannel.POST if appeal.reply_method == ReplyMethod.POST else SatisfactionChannel.EMAIL
    key, _created = SatisfactionKey.objects.update_or_create(
        appeal=appeal,
        defaults={"channel": channel, "token_hash": tokens.hash_secret(token),
                  "code_hash": tokens.hash_secret(code) if channel == SatisfactionChannel.POST else "",
                  "code_attempts": 0},
    )
    return IssuedKey(key=key, token=token, code=code)


def letter_paragraph(appeal: Appeal, issued: IssuedKey) -> str:
    """The paragraph added to the answer: the links (e-mail) or the code and the status page (post)."""
    days = settings.FEEDBACK_EXPIRE_DAYS
    if issued.key.channel == SatisfactionChannel.EMAIL:
        return _(
            "Ответ решил ваш вопрос? Сообщите нам, пожалуйста, в течение %(days)d дней, перейдя по одной "
            "из ссылок: да — %(yes)s ; частично — %(partly)s ; нет — %(no)s . На открывшейся странице можно "
            "поставить оценку от 1 до 5 и оставить комментарий."
        ) % {"days": days, "yes": feedback_url(issued.token, Resolved.YES),
             "partly": feedback_url(issued.token, Resolved.PARTLY), "no": feedback_url(issued.token, Resolved.NO)}
    return _(
        "Ответ решил ваш вопрос? Сообщите нам, пожалуйста, в течение %(days)d дней после получения письма: "
        "на странице %(url)s введите номер обращения и код доступа, а затем код оценки ответа %(code)s."
    ) % {"days": days, "url": settings.PORTAL_BASE_URL + reverse("appeals:status"), "code": issued.code}


# What the preview prints where the code will be: the code's own shape, blank.
PREVIEW_CODE = "____-____"


def letter_paragraph_preview(appeal: Appeal) -> str:
    """letter_paragraph as the head's preview shows it: no key is made, the code is blank."""
    channel = SatisfactionChannel.POST if appeal.reply_method == ReplyMethod.POST else SatisfactionChannel.EMAIL
    issued = IssuedKey(key=SatisfactionKey(appeal=appeal, channel=channel), token="preview", code=PREVIEW_CODE)  # noqa: S106 (no key)
    return letter_paragraph(appeal, issued)


# --- 2. once the answer has gone out ----------------------------------------------------
def _sent_at() -> Coalesce:
    """When the answer went out: its e-mail sent by the outbox, else its postal letter marked sent."""
    mail = (OutgoingMessage.objects.filter(appeal=OuterRef("appeal_id"), kind=ANSWER_MESSAGE_KIND,
                                           status=OutgoingMessage.Status.SENT)
            .order_by("sent_at").values("sent_at")[:1])
    post = (PostalLetter.objects.filter(appeal=OuterRef("appeal_id"), kind=ANSWER_LETTER_KIND,
                                        status=PostalLetter.Status.SENT)
            .order_by("sent_at").values("sent_at")[:1])
    return Coalesce(Subquery(mail), Subquery(post))


def _make_requests(claimed: list[tuple[int, int, str, datetime]], now: datetime) -> int:
    """Create the requests of claimed keys (pk, appeal_id, channel, sent_at) and mark the keys asked.

    Call inside the transaction that claimed the keys: the receivers of
    requests_changed (the reports' tallies) count the new requests in it.
    """
    expire = timedelta(days=settings.FEEDBACK_EXPIRE_DAYS)
    made = SatisfactionRequest.objects.bulk_create(
        [SatisfactionRequest(appeal_id=appeal_id, channel=channel, asked_at=sent_at, expires_at=sent_at + expire)
         for _pk, appeal_id, channel, sent_at in claimed],
        # The one-to-one on the appeal: a request made meanwhile (the citizen's
        # click before the sweep) stays, and nobody is asked twice.
        ignore_conflicts=True,
    )
    SatisfactionKey.objects.filter(pk__in=[row[0] for row in claimed]).update(asked_at=now)
    requests_changed.send(sender=SatisfactionRequest, appeal_ids=[row[1] for row in claimed])
    return len(made)


def ask_sent_answers(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Make the requests of every answer that has gone out and was not asked about; return how many.

    Set-wise: the candidates are the keys not asked yet (a partial index
    holds only them, not the million answered appeals), each checked by two
    indexed subqueries; a batch is claimed under SKIP LOCKED, so two sweeps
    never take the same key, and memory stays at one batch.
    """
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            claimed = list(
                SatisfactionKey.objects.filter(asked_at__isnull=True)
                .select_for_update(skip_locked=True, of=("self",))
                .annotate(sent_at=_sent_at()).filter(sent_at__isnull=False)
                .order_by("pk").values_list("pk", "appeal_id", "channel", "sent_at")[:batch]
            )
            if claimed:
                total += _make_requests(claimed, now)
        if len(claimed) < batch:
            break
    if total:
        logger.info("feedback asked count=%s", total)
    return total


def request_for_key(key: SatisfactionKey, *, now: datetime | None = None) -> SatisfactionRequest:
    """The key's request; made now if the sweep has not run yet (the citizen holds the answer: it went out)."""
    existing = SatisfactionRequest.objects.filter(appeal_id=key.appeal_id).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    with transaction.atomic():
        locked = SatisfactionKey.objects.select_for_update().get(pk=key.pk)
        sent = SatisfactionKey.objects.filter(pk=key.pk).annotate(sent_at=_sent_at()).values_list(
            "sent_at", flat=True).first()
        _make_requests([(locked.pk, locked.appeal_id, locked.channel, sent or now)], now)
    return SatisfactionRequest.objects.get(appeal_id=key.appeal_id)


# --- the citizen's secrets ---------------------------------------------------------------
_DUMMY_HASH = tokens.hash_secret("no such feedback key: dummy")


def key_by_token(token: str) -> SatisfactionKey | None:
    """The key of this link token, or None. The token carries 256 bits: looked up by its hash."""
    if not token or len(token) > 100:
        return None
    return SatisfactionKey.objects.select_related("appeal").filter(token_hash=tokens.hash_secret(token)).first()


def key_by_code(appeal: Appeal, code: str) -> SatisfactionKey | None:
    """The appeal's key if `code` is its code; count a wrong code and refuse every code after too many."""
    normalized = tokens.normalize_access_code(code)
    if len(normalized) == 8:  # typed without the hyphen
        normalized = f"{normalized[:4]}-{normalized[4:]}"
    with transaction.atomic():
        key = SatisfactionKey.objects.select_for_update().filter(appeal=appeal).first()
        stored = key.code_hash if key is not None else _DUMMY_HASH
        matches = tokens.check_secret(normalized, stored)
        if key is None:
            return None
        if key.code_attempts >= settings.FEEDBACK_CODE_ATTEMPTS:
            logger.warning("feedback code locked appeal=%s", appeal.pk)
            return None
        if not matches:
            # Counted in the database: the cache's rate limit fails open when Redis is down.
            key.code_attempts += 1
            key.save(update_fields=["code_attempts"])
            return None
    return key


# --- 3. the citizen's answer and the head's review -------------------------------------------
def needs_review(resolved: str, mark: int | None) -> bool:
    return resolved in (Resolved.NO, Resolved.PARTLY) or (mark is not None and mark in LOW_MARKS)


def _lock_open(request: SatisfactionRequest, now: datetime) -> SatisfactionRequest:
    """Lock the request; refuse it once expired. Call inside a transaction, after _expire_one."""
    request = SatisfactionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status == Status.EXPIRED:
        raise FeedbackError(_("Срок, в который можно было оценить ответ, истёк."))
    return request


def _expire_one(request: SatisfactionRequest, now: datetime) -> None:
    """A request past its time that the expiry job has not reached yet is expired now, for good.

    Its own statement, not in the caller's transaction: the refusal that
    follows must not roll the expiry back.
    """
    with transaction.atomic():
        if SatisfactionRequest.objects.filter(pk=request.pk, status=Status.ASKED, expires_at__lte=now).update(
                status=Status.EXPIRED):
            requests_changed.send(sender=SatisfactionRequest, appeal_ids=[request.appeal_id])


def answer_request(request: SatisfactionRequest, *, resolved: str, mark: int | None = None, comment: str = "",
                   now: datetime | None = None) -> SatisfactionRequest:
    """Record the citizen's answer: once. A second answer is refused, the first one stays."""
    if resolved not in Resolved.values:
        raise FeedbackError(_("Выберите, решил ли ответ ваш вопрос."))
    now = now or timezone.now()
    _expire_one(request, now)
    with transaction.atomic():
        request = _lock_open(request, now)
        if request.status == Status.ANSWERED:
            raise FeedbackError(_("Ваш ответ уже получен. Спасибо!"))
        request.status, request.answered_at = Status.ANSWERED, now
        request.resolved, request.mark, request.comment = resolved, mark, comment.strip()
        request.needs_review = needs_review(resolved, mark)
        request.save(update_fields=["status", "answered_at", "resolved", "mark", "comment", "needs_review"])
        record(request.appeal, "feedback.answered", actor_label=_("заявитель"), comment=request.comment,
               after={"resolved": resolved, "mark": mark})
    return request


def add_details(request: SatisfactionRequest, *, mark: int | None = None, comment: str = "",
                now: datetime | None = None) -> SatisfactionRequest:
    """Add the mark or the comment the first answer left out; what was given is never changed."""
    now = now or timezone.now()
    _expire_one(request, now)
    with transaction.atomic():
        request = _lock_open(request, now)
        if request.status != Status.ANSWERED:
            raise FeedbackError(_("Сначала ответьте, решил ли ответ ваш вопрос."))
        changed: list[str] = []
        if mark is not None and request.mark is None:
            request.mark = mark
            changed.append("mark")
        added_comment = comment.strip() if not request.comment else ""
        if added_comment:
            request.comment = added_comment
            changed.append("comment")
        if not changed:
            raise FeedbackError(_("Оценка и комментарий уже получены."))
        request.needs_review = needs_review(request.resolved, request.mark)
        request.save(update_fields=[*changed, "needs_review"])
        record(request.appeal, "feedback.detailed", actor_label=_("заявитель"), comment=added_comment,
               after={"mark": request.mark} if "mark" in changed else {})
    return request


def review_request(request: SatisfactionRequest, user, *, note: str, now: datetime | None = None
                   ) -> SatisfactionRequest:
    """The head records what was done about an unresolved answer; written into the appeal's history."""
    if not user.has_perm("feedback.change_satisfactionrequest"):
        raise FeedbackError(_("Недостаточно прав для этого действия."))
    if not note.strip():
        raise FeedbackError(_("Опишите, что сделано."))
    with transaction.atomic():
        request = SatisfactionRequest.objects.select_for_update().select_related("appeal").get(pk=request.pk)
        if not access.can_see(user, request.appeal):
            raise FeedbackError(_("Обращение относится к другому подразделению."))
        if not request.needs_review:
            raise FeedbackError(_("Эта оценка не требует рассмотрения."))
        if request.reviewed_at is not None:
            raise FeedbackError(_("Оценка уже рассмотрена."))
        request.reviewed_at, request.reviewed_by, request.review_note = now or timezone.now(), user, note.strip()
        request.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
        record(request.appeal, "feedback.reviewed", user=user, comment=request.review_note)
    return request


# --- 4. expiry ---------------------------------------------------------------------------
def expire_requests(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Mark the unanswered requests whose time is up as expired; return how many.

    A batch at a time over the partial index of open requests, claimed under
    SKIP LOCKED (a request the citizen is answering right now is left to that
    answer): one UPDATE per batch, and the receivers of requests_changed (the
    reports' tallies) re-count the batch's appeals in the same transaction.
    Memory stays at one batch.
    """
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            claimed = list(
                SatisfactionRequest.objects.filter(status=Status.ASKED, expires_at__lte=now)
                .select_for_update(skip_locked=True).order_by("expires_at", "pk").values_list("pk", "appeal_id")[:batch]
            )
            if claimed:
                done += SatisfactionRequest.objects.filter(
                    pk__in=[pk for pk, _appeal in claimed], status=Status.ASKED).update(status=Status.EXPIRED)
                requests_changed.send(sender=SatisfactionRequest, appeal_ids=[appeal for _pk, appeal in claimed])
        if len(claimed) < batch:
            break
    if done:
        logger.info("feedback expired count=%s", done)
    return done
