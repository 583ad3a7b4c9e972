"""The rules of intake: drafts, their files, and the receipt of an appeal.

Nothing here knows about HTTP. Each function that changes rows runs in one
transaction; e-mail goes through the outbox, queued when the transaction
commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals import attachments as attachment_checks
from appeals import tokens
from appeals.attachments import CheckedFile
from appeals.identification import Identity
from appeals.models import (
    APPLICANT_FIELDS,
    COAUTHOR_FIELDS,
    Appeal,
    AppealEvent,
    Attachment,
    CoAuthor,
    Draft,
    RegistrationCounter,
    StoredFile,
)
from appeals.services import terms
from classifiers.models import Topic
from outbox.services import queue_rendered_email

logger = logging.getLogger(__name__)


class AppealError(Exception):
    """A step that the current state does not allow; the message is for the user."""


@dataclass(frozen=True)
class Receipt:
    appeal: Appeal
    # The access code in clear text exists only here, on the way to the
    # citizen's screen; the database keeps its hash.
    access_code: str | None
    created: bool


# --- drafts -----------------------------------------------------------------
def get_open_draft(key: str | None) -> Draft | None:
    """Return the draft with this key if it has not expired."""
    if not key:
        return None
    try:
        return Draft.objects.get(key=key, expires_at__gt=timezone.now())
    except (Draft.DoesNotExist, ValueError):
        return None


def create_draft() -> Draft:
    return Draft.objects.create()


FileRow = TypeVar("FileRow", bound=StoredFile)


def store_checked_file(
    model: type[FileRow], upload: UploadedFile, checked: CheckedFile, *, name: str, **owner: Any
) -> FileRow:
    """Store a checked file under a generated name, with its row (an Attachment or an AnswerFile).

    No row, no file: if the row cannot be saved the file is deleted again.
    """
    sha256 = attachment_checks.content_digest(upload, checked)
    content = attachment_checks.sanitized_content(upload, checked)
    stored = model(
        original_name=(upload.name or name)[:255],
        content_type=checked.content_type,
        size=content.size,
        sha256=sha256,
        **owner,
    )
    stored.file.save(f"{name}{checked.extension}", content, save=False)
    try:
        stored.save()
    except Exception:
        stored.file.delete(save=False)
        raise
    return stored


def store_files(draft: Draft, accepted: Iterable[tuple[UploadedFile, CheckedFile]]) -> list[Attachment]:
    """Keep files that passed their checks with the draft, under generated names.

    A file the draft already has (the same content, by SHA-256: attached
    again after an error) is not stored a second time.
    """
    stored: list[Attachment] = []
    have = set(draft.attachments.values_list("sha256", flat=True))
    for upload, checked in accepted:
        sha256 = attachment_checks.content_digest(upload, checked)
        if sha256 in have:
            logger.info("draft file skipped: same content already attached draft=%s", draft.pk)
            continue
        have.add(sha256)
        stored.append(store_checked_file(Attachment, upload, checked, name="upload", draft=draft))
    return stored


def store_scan(appeal: Appeal, upload: UploadedFile, checked: CheckedFile) -> Attachment:
    """Keep the scan of a paper appeal entered by the registrar, checked like a citizen's file."""
    return store_checked_file(Attachment, upload, checked, name="scan", appeal=appeal)


def remove_files(draft: Draft, items: Iterable[Attachment]) -> None:
    """Take files off a draft at the citizen's request and delete them."""
    for attachment in items:
        if attachment.draft_id != draft.pk:
            continue
        name = attachment.file.name
        attachment.delete()
        if name:
            storages["attachments"].delete(name)


def submit_draft(draft: Draft, data: dict[str, Any]) -> Draft:
    """Record the form's values; from now on the draft waits for identification."""
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        if draft.status == Draft.Status.CONFIRMED:
            raise AppealError(_("Это обращение уже принято."))
        if draft.email != data["email"]:
            # A proof sent to the old address must not vouch for the new one.
            draft.token_hash = draft.code_hash = ""
            draft.confirmation_sent_at = None
        draft.data = data
        draft.email = data["email"]
        draft.status = Draft.Status.AWAITING
        draft.submitted_at = timezone.now()
        draft.save(
            update_fields=["data", "email", "status", "submitted_at", "token_hash", "code_hash", "confirmation_sent_at"]
        )
    return draft


RESTARTED_AS = "restarted_as"


def restart_draft(draft: Draft) -> Draft:
    """Move what a draft holds (the typed values, the accepted files) to a new draft, to be submitted again.

    Used when the old draft is locked after too many wrong codes: the old row
    stays locked (its code and link keep being refused) until it expires,
    and keeps no personal data.
    """
    with transaction.atomic():
        old = Draft.objects.select_for_update().get(pk=draft.pk)
        # A second request of the same session (another tab) that waited on
        # the lock finds the draft already moved: it gets the same new one.
        successor = get_open_draft(old.data.get(RESTARTED_AS))
        if successor is not None:
            return successor
        new = Draft.objects.create(data=old.data)
        old.attachments.update(draft=new)
        old.data = {RESTARTED_AS: str(new.key)}  # the new draft's key, no personal data
        old.email = ""
        old.token_hash = old.code_hash = ""
        old.save(update_fields=["data", "email", "token_hash", "code_hash"])
    logger.info("draft restarted after wrong codes old=%s new=%s", old.pk, new.pk)
    return new


# --- receipt ----------------------------------------------------------------
def format_number(year: int, sequence: int) -> str:
    """«ОГ-2026-000123»: prefix, year, sequence within the year."""
    return f"{settings.APPEALS_NUMBER_PREFIX}-{year}-{sequence:06d}"


def next_sequence(year: int) -> int:
    """Take the next number of the year; call inside the receipt's transaction.

    The counter row is locked until the transaction ends, so concurrent
    receipts are numbered one after another, and a receipt that rolls back
    leaves no gap.
    """
    RegistrationCounter.objects.bulk_create([RegistrationCounter(year=year)], ignore_conflicts=True)
    counter = RegistrationCounter.objects.select_for_update().get(year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def receive_appeal(draft: Draft, identity: Identity, *, now: datetime | None = None) -> Receipt:
    """Turn an identified draft into an appeal with its number; idempotent per draft."""
    access_code = tokens.new_access_code()
    with transaction.atomic():
        # 1. Lock the draft: a second click waits here, then finds the appeal.
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        if draft.appeal_id is not None:
            return Receipt(appeal=Appeal.objects.get(pk=draft.appeal_id), access_code=None, created=False)
        if draft.status != Draft.Status.AWAITING or draft.is_expired:
            raise AppealError(_("Срок подтверждения истёк. Заполните обращение заново."))
        # 2. Number it and store it, with its files, in one go.
        received_at = now or timezone.now()
        year = timezone.localdate(received_at).year
        sequence = next_sequence(year)
        data = draft.data
        topic = Topic.objects.get(pk=data["topic"])
        appeal = Appeal(
            number=format_number(year, sequence),
            year=year,
            sequence=sequence,
            received_at=received_at,
            topic=topic,
            topic_code=topic.code,
            topic_title=topic.title,
            attachment_count=draft.attachments.count(),
            identification_method=identity.method,
            identified_as=identity.identifier,
            consent_at=draft.submitted_at or received_at,
            access_code_hash=tokens.hash_secret(access_code),
            organisation=data.get("organisation", ""),
            is_collective=bool(data.get("coauthors")),
            **{name: data[name] for name in APPLICANT_FIELDS},
        )
        terms.refresh_terms(appeal)  # the 3-day registration term starts now
        appeal.save(force_insert=True)
        coauthors = add_coauthors(appeal, data.get("coauthors") or [])
        draft.attachments.update(draft=None, appeal=appeal)
        after: dict[str, Any] = {"number": appeal.number, "identified_as": identity.identifier}
        if coauthors:
            after["coauthors"] = coauthors  # a count: the names are personal data, not history
        AppealEvent.objects.create(
            appeal=appeal, action="appeal.received", actor_label=str(_("заявитель")), created_at=received_at,
            after=after,
        )
        # 3. The draft keeps only the link to its appeal, no personal data.
        draft.status = Draft.Status.CONFIRMED
        draft.appeal = appeal
        draft.data = {}
        draft.token_hash = draft.code_hash = ""
        draft.save(update_fields=["status", "appeal", "data", "token_hash", "code_hash"])
        # 4. The acknowledgement goes through the outbox once this commits.
        queue_acknowledgement(appeal)
    logger.info("appeal received number=%s method=%s", appeal.number, identity.method)
    return Receipt(appeal=appeal, access_code=access_code, created=True)


def add_coauthors(appeal: Appeal, rows: Iterable[dict[str, Any]]) -> int:
    """Store the other authors of a collective appeal; return how many."""
    objects = [CoAuthor(appeal=appeal, **{name: str(row.get(name, "")) for name in COAUTHOR_FIELDS})
               for row in rows]
    CoAuthor.objects.bulk_create(objects)
    return len(objects)


def queue_acknowledgement(appeal: Appeal) -> None:
    """E-mail the number to the citizen (the administrator edits the text: letters, «acknowledgement»).

    It goes by e-mail whatever the way chosen for the answer: it costs
    nothing and tells the citizen at once that the appeal arrived. An appeal
    brought on paper without an e-mail address gets none.
    """
    from letters.services import letter_context, render_letter

    if not appeal.email:
        return
    context = letter_context(appeal, {
        "portal_url": settings.PORTAL_BASE_URL,
        "status_url": settings.PORTAL_BASE_URL + reverse("appeals:status"),
    })
    letter = render_letter("acknowledgement", context)
    queue_rendered_email(
        kind="appeals.acknowledgement", to=appeal.email, subject=letter.subject, text=letter.text,
        html=letter.html, appeal=appeal,
    )


# --- housekeeping -----------------------------------------------------------
def purge_expired_drafts(*, now: datetime | None = None, batch: int = 500) -> int:
    """Delete expired drafts with their files; return how many were deleted."""
    now = now or timezone.now()
    storage = storages["attachments"]
    deleted = 0
    while True:
        ids = list(Draft.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        names = list(Attachment.objects.filter(draft_id__in=ids).values_list("file", flat=True))
        with transaction.atomic():
            Draft.objects.filter(pk__in=ids).delete()
        # Files go only after their rows are gone, so a failed delete leaves
        # nothing pointing at a missing file.
        for name in names:
            storage.delete(name)
        deleted += len(ids)
        logger.info("drafts purged count=%s files=%s", len(ids), len(names))


def confirmation_url(draft: Draft, token: str) -> str:
    return settings.PORTAL_BASE_URL + reverse("appeals:confirm_link", args=[draft.key, token])
