"""Queue and deliver e-mail through the outbox.

A message is written in the caller's transaction and handed to Celery only
after that transaction commits. Delivery claims the row with a conditional
UPDATE, so two live workers (or a task run twice) never send the same message
twice; whatever the broker or the SMTP server loses, the periodic sweep finds
again in the table.

What holds (docs/delivery.md): every message is delivered at least once. It
is delivered twice only when a worker dies in the window between the SMTP
server's acceptance of the letter and the UPDATE that marks the row sent
(one statement, nothing in between); the sweep then sends it again, with
the same Message-ID, CLAIM_TIMEOUT after the claim. A letter that became
obsolete meanwhile (the confirmation of a draft since confirmed) is not sent
again.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import models, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise

from outbox.models import OutgoingMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10

# How long a worker may hold a message, and why a live worker is never
# overtaken. The delivery task claims the row when it starts, so the claim is
# never older than the task. The worker interrupts the task SEND_SOFT_TIME_LIMIT
# seconds after its start (the letter goes back to «pending» and is tried
# later) and kills it after SEND_TIME_LIMIT (if the soft limit did not get
# through, e.g. stuck in C code). EMAIL_TIMEOUT bounds each blocking step of
# the SMTP conversation (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, the
# reply to the body) and must stay below the soft limit; the outbox's system
# check says so. So 45 s after its claim no worker is still sending a letter:
# the sweep re-offers only claims older than CLAIM_TIMEOUT = 60 s, 15 s later,
# which also covers the claim's own write and clocks of hosts kept by NTP.
# With the sweep every 30 s (CELERY_BEAT_SCHEDULE), the letters of a dead
# worker go out again 60-90 s after their claim.
SEND_SOFT_TIME_LIMIT = 30
SEND_TIME_LIMIT = 45
CLAIM_TIMEOUT = timedelta(seconds=60)

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


# --- letters rendered where they are delivered ------------------------------------------
# A sweep that queues hundreds of letters (the reminders) only finds what is
# due and writes one row per letter with the template's name and its values;
# the delivery task renders the letter, stores its text in the row and sends
# it. The values are kept as JSON: dates and moments tagged, a model instance
# as its label and primary key (read again when the letter is rendered), a
# lazy translation as the text it has in the language of the sweep.
def pack_context(value: Any) -> Any:
    """A template context as JSON; unpack_context gives back the same values."""
    if isinstance(value, models.Model):
        return {"$model": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {str(key): pack_context(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [pack_context(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot keep {type(value).__name__} in a deferred letter's context")


def unpack_context(value: Any) -> Any:
    if isinstance(value, list):
        return [unpack_context(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$model" in value:
        return apps.get_model(value["$model"])._default_manager.get(pk=value["pk"])
    if "$datetime" in value:
        return datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return date.fromisoformat(value["$date"])
    return {key: unpack_context(item) for key, item in value.items()}


@dataclass(frozen=True)
class DeferredEmail:
    """A letter to queue now and render at delivery: templates/<template>.* with this context."""

    kind: str
    to: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    appeal: Any = None


def queue_deferred_emails(letters: Sequence[DeferredEmail]) -> list[OutgoingMessage]:
    """Write the letters into the outbox in one insert; Celery gets them when the transaction commits.

    Nothing is rendered here: deliver() renders each letter before it sends it.
    """
    now = timezone.now()
    messages = OutgoingMessage.objects.bulk_create([
        OutgoingMessage(
            kind=letter.kind, to=letter.to, appeal=letter.appeal, template=letter.template,
            render_context=pack_context(letter.context), subject="", body_text="", next_attempt_at=now,
        )
        for letter in letters
    ])
    ids = [message.pk for message in messages]
    if ids:
        transaction.on_commit(lambda: _enqueue_all(ids), robust=True)
    return messages


def _enqueue_all(message_ids: list[int]) -> None:
    for message_id in message_ids:
        enqueue(message_id)


def _render_deferred(message: OutgoingMessage) -> None:
    """Render a deferred letter and store its text in its row (once: a second attempt sends the same text)."""
    rendered = render_email(message.template, unpack_context(message.render_context))
    message.subject, message.body_text, message.body_html = rendered.subject, rendered.text, rendered.html
    OutgoingMessage.objects.filter(pk=message.pk).update(
        subject=message.subject, body_text=message.body_text, body_html=message.body_html
    )


REDACTED = "[текст удалён после отправки: письмо содержало одноразовый код]"
REDACTED_OBSOLETE = "[текст удалён: письмо устарело и не отправлено; оно содержало одноразовый код]"


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
    draft=None,
) -> OutgoingMessage:
    """Render templates/<template>.* and write the message into the outbox.

    It is handed to Celery when the transaction commits. A secret message (a
    confirmation code) loses its text once sent. A message for a draft
    carries that draft's proof: it is not sent once the draft no longer
    waits for it (confirmed, expired, or sent a newer letter).
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
        draft=draft,
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
    draft=None,
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
        draft=draft,
        send_before=draft.expires_at if draft is not None else None,
        redact_after_send=secret,
        subject=" ".join(subject.split()),  # a header is one line
        body_text=text,
        body_html=html,
        attachment_name=name,
        attachment_path=path,
        attachment_type=content_type,
        next_attempt_at=timezone.now(),
    )
    # robust: whatever goes wrong with the broker, the request that saved
    # this row has succeeded and must not answer 500; the sweep sends it.
    transaction.on_commit(lambda: enqueue(message.pk), robust=True)
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


def _obsolete() -> Q:
    """Messages not worth sending any more: past their send-by time, or a draft's proof it no longer waits for."""
    from appeals.models import Draft  # appeals imports the outbox; import here, not at module level

    now = timezone.now()
    proof_unwanted = (
        ~Q(draft__status=Draft.Status.AWAITING)
        | Q(draft__expires_at__lte=now)
        # A newer letter replaced this one's link and code (or the address changed).
        | Q(draft__confirmation_sent_at__isnull=True)
        | Q(draft__confirmation_sent_at__gt=F("created_at"))
    )
    return Q(send_before__lte=now) | (Q(draft__isnull=False) & proof_unwanted)


def _retire_obsolete(rows) -> int:
    """Mark the obsolete ones among these rows «obsolete», dropping a secret text; return how many."""
    obsolete = OutgoingMessage.objects.filter(pk__in=rows.filter(_obsolete()).values("pk"))
    done = {"status": Status.OBSOLETE, "next_attempt_at": None, "claimed_at": None}
    retired = obsolete.filter(redact_after_send=True).update(body_text=REDACTED_OBSOLETE, body_html="", **done)
    retired += obsolete.filter(redact_after_send=False).update(**done)
    return retired


def _claim(message_id: int) -> bool:
    pending = OutgoingMessage.objects.filter(pk=message_id, status=Status.PENDING)
    if _retire_obsolete(pending):
        logger.info("outbox message=%s is obsolete; not sent", message_id)
        return False
    claimed = pending.update(status=Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1)
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


def _give_up(message: OutgoingMessage, exc: BaseException) -> None:
    OutgoingMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000], next_attempt_at=None,
    )


def _hand_back(message: OutgoingMessage, exc: BaseException) -> bool:
    """The send failed: offer the message again later, or give up after MAX_ATTEMPTS."""
    final = message.attempts >= MAX_ATTEMPTS
    OutgoingMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.FAILED if final else Status.PENDING,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
        next_attempt_at=None if final else timezone.now() + retry_delay(message.attempts),
    )
    if final:
        logger.error("outbox gave up message=%s kind=%s attempts=%s", message.pk, message.kind, message.attempts)
        return False
    logger.warning("outbox send failed message=%s attempt=%s error=%r", message.pk, message.attempts, exc)
    raise TransientDeliveryError(str(exc)) from exc


def _mark_sent(message: OutgoingMessage) -> None:
    """Record the SMTP server's acceptance: one UPDATE, which also drops a secret text.

    Status and redaction go together in one statement: a row is never
    redacted but unsent (the sweep would resend an empty letter), nor sent
    with its code still in it.
    """
    done: dict[str, Any] = {"status": Status.SENT, "sent_at": timezone.now(), "last_error": "", "next_attempt_at": None}
    if message.redact_after_send:
        done.update(body_text=REDACTED, body_html="")
    OutgoingMessage.objects.filter(pk=message.pk).update(**done)


DELIVERY_ERRORS = (smtplib.SMTPException, OSError, SoftTimeLimitExceeded)


def deliver(message_id: int) -> bool:
    """Send one message if it is still pending and not obsolete. Return True when this call sent it.

    Raise TransientDeliveryError when the SMTP server failed and another
    attempt is due later.
    """
    # 1. Claim the row: only one caller wins, a rerun finds nothing to do.
    if not _claim(message_id):
        return False
    message = OutgoingMessage.objects.get(pk=message_id)
    if message.template and not message.body_text:
        try:
            _render_deferred(message)
        except Exception as exc:  # a template or its data is broken: another attempt renders the same
            logger.exception("outbox could not render message=%s template=%s", message_id, message.template)
            _give_up(message, exc)
            return False
    # 2. Talk to the SMTP server outside any transaction: it may be slow.
    #    The connection is opened here and closed only after the row is
    #    marked, so nothing (not even QUIT) stands between the server's
    #    acceptance of the letter and the record of it.
    try:
        connection = get_connection(fail_silently=False)
        email = _build(message, connection)
        connection.open()
    except DELIVERY_ERRORS as exc:
        return _hand_back(message, exc)
    try:
        try:
            connection.send_messages([email])
        except DELIVERY_ERRORS as exc:
            return _hand_back(message, exc)
        # 3. The server has the letter: mark it sent at once. A crash before
        #    this statement is the only way to a duplicate (docs/delivery.md).
        _mark_sent(message)
    finally:
        try:
            connection.close()
        except DELIVERY_ERRORS as exc:  # the letter is recorded; a failed QUIT changes nothing
            logger.info("outbox SMTP close failed message=%s error=%r", message_id, exc)
    logger.info("outbox sent message=%s kind=%s", message_id, message.kind)
    return True


def due_message_ids(limit: int = 500) -> list[int]:
    """Messages the sweep should queue: pending and due, or claimed by a worker that died.

    Obsolete ones among them are marked so and not queued.
    """
    now = timezone.now()
    stale = Q(status=Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    retired = _retire_obsolete(OutgoingMessage.objects.filter(stale | Q(status=Status.PENDING)))
    if retired:
        logger.info("outbox sweep retired obsolete=%s", retired)
    OutgoingMessage.objects.filter(stale).update(status=Status.PENDING, next_attempt_at=now)
    due = OutgoingMessage.objects.filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True), status=Status.PENDING
    )
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
