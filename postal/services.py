"""The print room's steps: batches, their PDF, tracking numbers, dispatch, returns.

Each step takes the object and the acting user, runs in one transaction with
the rows it changes locked, checks the current state and writes the letter's
history (postal.LetterEvent); the steps the citizen sees (posted, returned)
go into the appeal's history too (appeals.services.handling.record).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.services import AppealError
from appeals.services.handling import record
from classifiers.models import Institution
from letters.models import TO_BODY_KINDS, LetterKind, PostalLetter
from postal import documents
from postal.models import Batch, BatchItem, LetterEvent, MailClassDefault
from postal.pdfstream import StreamingPdf

logger = logging.getLogger(__name__)

Status = PostalLetter.Status
MailClass = PostalLetter.MailClass

# The shipped defaults (migrations 0002 and 0005 load them; the administrator changes them):
# the answer on the merits and the art. 11 notices are the letters whose
# delivery the institution may have to prove, so they go registered; so does
# a new access code, a secret that opens the appeal's page: a registered
# letter is handed to the addressee against a signature, not left in a box.
REGISTERED_KINDS = frozenset({LetterKind.ANSWER, LetterKind.ACCESS_CODE}
                             | {kind for kind in LetterKind if kind.startswith("art11_")})
REGISTERED_CLASSES = (MailClass.REGISTERED, MailClass.REGISTERED_NOTICE)
# Progress is written every this many letters: one UPDATE, not one per letter.
PROGRESS_EVERY = 10
# Letters read and envelopes rendered together: bounds what the build holds besides the writer.
# Each chunk's envelopes are one fpdf2 document, and a document costs its font's parsing and
# subsetting (about 0.1-0.2 s) whatever its size: 100 a chunk makes a batch of 100 one document,
# as the ceiling's; the chunk writer then holds 100 letters' pages (a few MB) before writing them out.
CHUNK = 100
# A build that has not started after this long is offered to the clerk to start again.
STALLED_AFTER = dt.timedelta(minutes=2)


class PostalError(AppealError):
    """A step refused in the letter's or the batch's current state; the message is for the clerk."""


def shipped_mail_class(kind: str) -> str:
    return MailClass.REGISTERED if kind in REGISTERED_KINDS else MailClass.SIMPLE


def default_mail_class(kind: str) -> str:
    row = MailClassDefault.objects.filter(kind=kind).values_list("mail_class", flat=True).first()
    return row or shipped_mail_class(kind)


def log_event(letter: PostalLetter, action: str, *, user: Any = None, comment: str = "",
              data: dict[str, Any] | None = None) -> LetterEvent:
    return LetterEvent.objects.create(
        letter=letter, action=action, actor=user if user is not None and user.is_authenticated else None,
        comment=comment, data=data or {},
    )


# --- a new letter -------------------------------------------------------------------------
def read_letter_pdf(letter: PostalLetter) -> bytes:
    with storages["attachments"].open(letter.pdf_path, "rb") as stored:
        return stored.read()


def prepare_letter(letter: PostalLetter) -> None:
    """Give a new letter its default class, its sheets, the envelope they fit and the weight."""
    try:
        sheets = documents.page_count(read_letter_pdf(letter))
    except (OSError, ValueError) as exc:  # a missing or broken file is the batch's error, not the signing's
        logger.warning("postal letter %s: cannot count sheets: %s", letter.pk, exc)
        sheets = 1
    envelope = documents.envelope_for_sheets(sheets)
    PostalLetter.objects.filter(pk=letter.pk).update(
        mail_class=default_mail_class(letter.kind), sheets=sheets, envelope=envelope,
        weight=documents.estimate_weight(sheets, envelope),
    )
    log_event(letter, "letter.queued", comment=_("Письмо поставлено в очередь на печать."))


def update_letter(letter: PostalLetter, user: Any, *, mail_class: str, envelope: str, weight: int | None,
                  addressee: str, postal_index: str) -> PostalLetter:
    """The clerk's corrections on a letter not yet posted: class, envelope, weight, address."""
    with transaction.atomic():
        current = PostalLetter.objects.select_for_update().get(pk=letter.pk)
        if current.status in (Status.SENT, Status.RETURNED):
            raise PostalError(_("Письмо уже отправлено: его данные не меняются."))
        before = {name: getattr(current, name) for name in ("mail_class", "envelope", "weight", "addressee",
                                                             "postal_index")}
        readdressed = (addressee, postal_index) != (current.addressee, current.postal_index)
        if readdressed and current.status != Status.QUEUED:
            raise PostalError(_("Письмо уже в пакете на печать: чтобы исправить адрес, отмените пакет — письмо "
                                "вернётся в очередь."))
        if weight is None and current.sheets:
            chosen = documents.Envelope(envelope) if envelope else documents.envelope_for_sheets(current.sheets)
            weight = documents.estimate_weight(current.sheets, chosen)
        current.mail_class, current.envelope, current.weight = mail_class, envelope, weight
        current.addressee, current.postal_index = addressee, postal_index
        after = {name: getattr(current, name) for name in before}
        if after != before:
            fields = list(before)
            data: dict[str, Any] = {"before": before, "after": after}
            if readdressed:
                # The address is printed in the letter itself (a window envelope shows it): lay it out again.
                data["previous_pdf"] = current.pdf_path
                _readdress(current, addressee=addressee, postal_index=postal_index)
                fields += ["pdf_path", "layout", "sheets"]
                if weight == before["weight"]:
                    current.weight = documents.estimate_weight(current.sheets or 1, _envelope(current))
                    data["after"]["weight"] = current.weight
            current.save(update_fields=fields)
            log_event(current, "letter.changed", user=user, data=data,
                      comment=_("Адрес исправлен; письмо перепечатано с новым адресом.") if readdressed else "")
        return current


def _readdress(letter: PostalLetter, *, addressee: str, postal_index: str) -> None:
    """Put the letter's PDF laid out again for the new address (letters.services.readdressed_pdf) on the letter."""
    from letters.services import readdressed_pdf, store_pdf

    content, layout = readdressed_pdf(letter, addressee=addressee, postal_index=postal_index)
    letter.pdf_path, letter.layout = store_pdf(content), layout
    letter.sheets = documents.page_count(content)


# --- batches --------------------------------------------------------------------------------
def waiting_letters() -> QuerySet[PostalLetter]:
    """The print queue: letters waiting for a batch, oldest first."""
    return PostalLetter.objects.filter(status=Status.QUEUED).order_by("created_at", "pk")


def build_batch(user: Any, *, letter_ids: Iterable[int] | None = None,
                layout: str = Batch.Layout.ENVELOPES) -> Batch:
    """Take the chosen waiting letters (or all of them) into a new batch and queue the building of its PDF.

    Two clerks at once: each locks the letters it takes and skips those the
    other has locked (SKIP LOCKED), and the conditional status change plus
    the partial unique index on open batch items keep a letter in one batch.
    """
    with transaction.atomic():
        queryset = waiting_letters().filter(~Exists(BatchItem.objects.filter(letter=OuterRef("pk"), open=True)))
        if letter_ids is not None:
            queryset = queryset.filter(pk__in=list(letter_ids))
        letters = list(queryset.select_for_update(skip_locked=True).only("pk"))
        if not letters:
            raise PostalError(_("Нет писем, ожидающих печати: их могли взять в другой пакет."))
        ids = [letter.pk for letter in letters]
        # The re-check of the state under the lock: a letter taken meanwhile is not updated, and not added.
        taken = PostalLetter.objects.filter(pk__in=ids, status=Status.QUEUED).update(status=Status.BATCHED)
        if taken != len(ids):
            raise PostalError(_("Часть писем уже взята в другой пакет; повторите."))
        batch = Batch.objects.create(created_by=user, layout=layout, total=len(ids))
        BatchItem.objects.bulk_create(
            [BatchItem(batch=batch, letter_id=pk, position=number) for number, pk in enumerate(ids, start=1)]
        )
        LetterEvent.objects.bulk_create([
            LetterEvent(letter_id=pk, actor=user, action="letter.batched",
                        comment=_("Включено в пакет № %(batch)s.") % {"batch": batch.pk}, data={"batch": batch.pk})
            for pk in ids
        ])
        transaction.on_commit(lambda: queue_render(batch.pk))
    return batch


def queue_render(batch_id: int) -> None:
    from postal.tasks import render_batch_task

    try:
        render_batch_task.delay(batch_id)
    except Exception:  # a broker outage: the batch page offers to build again
        logger.exception("postal batch %s: the build could not be queued", batch_id)


def is_stalled(batch: Batch, *, now: dt.datetime | None = None) -> bool:
    """A batch still «собирается» with nothing done after STALLED_AFTER: its task was lost (a broker outage)."""
    now = now or timezone.now()
    return batch.status == Batch.Status.BUILDING and batch.done == 0 and now - batch.created_at > STALLED_AFTER


def rebuild_batch(batch: Batch, user: Any) -> Batch:
    """Build a failed (or stuck) batch again."""
    with transaction.atomic():
        current = Batch.objects.select_for_update().get(pk=batch.pk)
        if current.status not in (Batch.Status.FAILED, Batch.Status.BUILDING):
            raise PostalError(_("Пакет уже собран."))
        Batch.objects.filter(pk=current.pk).update(status=Batch.Status.BUILDING, done=0, error="")
        transaction.on_commit(lambda: queue_render(current.pk))
    current.refresh_from_db()
    return current


def sender_party(institution: Institution | None = None) -> documents.Party:
    institution = institution or Institution.get_current()
    return documents.Party(name=institution.full_name, address=institution.postal_address,
                           index=institution.postal_index)


def addressee_party(letter: PostalLetter) -> documents.Party:
    """The addressee as the letter names it: the first line of the block, then the address without the index."""
    lines = [line.strip() for line in letter.addressee.splitlines() if line.strip()]
    lines = [line for line in lines if line != letter.postal_index]
    name, address = (lines[0], ", ".join(lines[1:])) if lines else ("", "")
    extra: dict[str, str] = {}
    if letter.kind not in TO_BODY_KINDS:
        appeal = letter.appeal
        extra = {"surname": appeal.last_name, "given_name": appeal.first_name, "middle_name": appeal.patronymic}
    return documents.Party(name=name, address=address, index=letter.postal_index, **extra)


def _envelope(letter: PostalLetter) -> documents.Envelope:
    if letter.envelope:
        return documents.Envelope(letter.envelope)
    return documents.envelope_for_sheets(letter.sheets or 1)


def batch_letters(batch: Batch) -> QuerySet[PostalLetter]:
    return (PostalLetter.objects.filter(batch_items__batch=batch).select_related("appeal")
            .order_by("batch_items__position"))


def render_batch(batch_id: int) -> Batch | None:
    """Build the batch's PDF: each letter then its envelope (or the labels sheet at the end), then the lists.

    The letters are read CHUNK at a time, each letter's stored PDF opened,
    appended to the chunk's writer and closed, with its envelope page from
    the chunk's envelopes PDF; each chunk is written out to a temporary file
    at once (postal.pdfstream), so the build holds one chunk, whatever the
    batch's size; the file then goes into the storage. Progress goes onto the batch row every PROGRESS_EVERY
    letters. A batch cancelled meanwhile is left alone.
    """
    from pypdf import PdfReader, PdfWriter

    batch = Batch.objects.filter(pk=batch_id, status=Batch.Status.BUILDING).first()
    if batch is None:
        return None
    sender = sender_party()
    addressees: list[documents.Party] = []
    done = 0
    fd, temp_name = tempfile.mkstemp(suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as out:
            output = StreamingPdf(out)
            letters = batch_letters(batch).iterator(chunk_size=CHUNK)
            while chunk := list(itertools.islice(letters, CHUNK)):
                parties = [addressee_party(letter) for letter in chunk]
                addressees += parties
                envelopes = _chunk_envelopes(batch, chunk, parties, sender)
                part = PdfWriter()
                for letter in chunk:
                    with storages["attachments"].open(letter.pdf_path, "rb") as stored:
                        part.append(PdfReader(stored))
                    if letter.pk in envelopes:
                        part.add_page(envelopes[letter.pk])
                    done += 1
                    if done % PROGRESS_EVERY == 0 and not Batch.objects.filter(
                            pk=batch.pk, status=Batch.Status.BUILDING).update(done=done):
                        return None  # cancelled meanwhile
                output.add_part(part)  # written out: the next chunk starts from an empty writer
            part = PdfWriter()
            if batch.layout == Batch.Layout.LABELS and addressees:
                part.append(PdfReader(_bytes_io(documents.render_labels(sender=sender, addressees=addressees))))
            for mail_list in mail_lists(batch, sender=sender):
                part.append(PdfReader(_bytes_io(documents.render_mail_list(mail_list))))
            output.add_part(part)
            output.close()
        pages = output.page_count
        path = _store_file(temp_name, batch)
    except Exception as exc:
        logger.exception("postal batch %s: build failed", batch_id)
        Batch.objects.filter(pk=batch_id, status=Batch.Status.BUILDING).update(
            status=Batch.Status.FAILED, error=str(exc)[:2000], done=done)
        return Batch.objects.get(pk=batch_id)
    finally:
        os.unlink(temp_name)
    with transaction.atomic():
        current = Batch.objects.select_for_update().get(pk=batch_id)
        if current.status != Batch.Status.BUILDING:
            storages["attachments"].delete(path)
            return current
        current.status, current.done, current.pages = Batch.Status.READY, done, pages
        current.pdf_path, current.built_at = path, timezone.now()
        current.save(update_fields=["status", "done", "pages", "pdf_path", "built_at"])
        ids = list(current.items.values_list("letter_id", flat=True))
        now = timezone.now()
        PostalLetter.objects.filter(pk__in=ids, status=Status.BATCHED).update(status=Status.PRINTED, printed_at=now)
        LetterEvent.objects.bulk_create([
            LetterEvent(letter_id=pk, action="letter.printed", data={"batch": current.pk},
                        comment=_("Напечатано в пакете № %(batch)s.") % {"batch": current.pk}) for pk in ids
        ])
    return current


def _chunk_envelopes(batch: Batch, chunk: list[PostalLetter], parties: list[documents.Party],
                     sender: documents.Party) -> dict[int, Any]:
    """The envelope page of each letter of a chunk that needs one, from one PDF for the chunk.

    render_envelopes embeds the font once for the whole chunk (one envelope
    at a time costs the font every time); the chunk bounds what is held.
    """
    from pypdf import PdfReader

    if batch.layout != Batch.Layout.ENVELOPES:
        return {}
    wanted = [(letter, party, _envelope(letter)) for letter, party in zip(chunk, parties, strict=True)]
    wanted = [(letter, party, envelope) for letter, party, envelope in wanted
              if envelope != documents.Envelope.WINDOW]
    if not wanted:
        return {}
    pages = PdfReader(_bytes_io(documents.render_envelopes(
        [(envelope, party) for _letter, party, envelope in wanted], sender=sender))).pages
    return {letter.pk: page for (letter, _party, _envelope), page in zip(wanted, pages, strict=True)}


def _bytes_io(content: bytes) -> Any:
    import io

    return io.BytesIO(content)


def _store_file(name: str, batch: Batch) -> str:
    now = timezone.now()
    with open(name, "rb") as source:
        return storages["attachments"].save(f"postal/{now:%Y}/{now:%m}/batch-{batch.pk}.pdf", File(source))


def mail_lists(batch: Batch, *, sender: documents.Party | None = None) -> list[documents.MailList]:
    """Form 103 lists of the batch's registered letters, one per class, in the batch's order."""
    sender = sender or sender_party()
    lists = []
    letters = list(batch_letters(batch).filter(mail_class__in=REGISTERED_CLASSES))
    day = timezone.localdate(batch.built_at or batch.created_at)
    for number, mail_class in enumerate(REGISTERED_CLASSES, start=1):
        items = [
            documents.MailListItem(
                addressee=addressee_party(letter), tracking_number=letter.tracking_number,
                weight=letter.weight or 0, notice=mail_class == MailClass.REGISTERED_NOTICE,
            )
            for letter in letters if letter.mail_class == mail_class
        ]
        if items:
            # The batch's number is unique, so «batch-class» is unique per sender and day.
            lists.append(documents.MailList(number=f"{batch.pk}-{number}", date=day, sender=sender,
                                            mail_class=documents.MailClass(mail_class), items=items))
    return lists


def mail_list_pdf(batch: Batch) -> bytes:
    """The batch's form 103 lists as they are now (with the ШПИ entered since the build)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for mail_list in mail_lists(batch):
        writer.append(PdfReader(_bytes_io(documents.render_mail_list(mail_list))))
    import io

    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def export_lists(batch: Batch, fmt: str) -> bytes:
    """The «Отправка» export of the batch's registered letters: CSV or XLSX, every class in one file."""
    lists = mail_lists(batch)
    if fmt == "xlsx":
        if len(lists) == 1:
            return documents.export_xlsx(lists[0])
        merged = _merged_list(lists, batch)
        return documents.export_xlsx(merged)
    merged = _merged_list(lists, batch) if len(lists) != 1 else lists[0]
    return documents.export_csv(merged)


def _merged_list(lists: Sequence[documents.MailList], batch: Batch) -> documents.MailList:
    if not lists:
        return documents.MailList(number=str(batch.pk), date=timezone.localdate(), sender=sender_party(),
                                  mail_class=documents.MailClass.REGISTERED, items=[])
    # export_rows takes the notice from each item, so one file can hold both classes.
    return documents.MailList(number=lists[0].number, date=lists[0].date, sender=lists[0].sender,
                              mail_class=lists[0].mail_class, items=[item for ml in lists for item in ml.items])


def cancel_batch(batch: Batch, user: Any) -> Batch:
    """Cancel a batch not yet posted: its letters go back to the queue, in their old place."""
    with transaction.atomic():
        current = Batch.objects.select_for_update().get(pk=batch.pk)
        if not current.is_open:
            raise PostalError(_("Пакет уже отправлен или отменён."))
        ids = list(current.items.values_list("letter_id", flat=True))
        current.items.update(open=False)
        PostalLetter.objects.filter(pk__in=ids, status__in=(Status.BATCHED, Status.PRINTED)).update(
            status=Status.QUEUED, printed_at=None)
        current.status, current.cancelled_at = Batch.Status.CANCELLED, timezone.now()
        current.save(update_fields=["status", "cancelled_at"])
        LetterEvent.objects.bulk_create([
            LetterEvent(letter_id=pk, actor=user, action="letter.unbatched", data={"batch": current.pk},
                        comment=_("Пакет № %(batch)s отменён: письмо вернулось в очередь.") % {"batch": current.pk})
            for pk in ids
        ])
    return current


# --- tracking numbers -------------------------------------------------------------------
def check_tracking_number(number: str, *, confirmed: bool = False) -> str:
    """The number without spaces, or PostalError naming the expected check digit (unless confirmed)."""
    number = "".join(number.split())
    if len(number) != 14 or not number.isdigit():
        raise PostalError(_("ШПИ — 14 цифр: индекс места приёма (6), месяц (2), номер (5), контрольная цифра."))
    expected = documents.tracking_check_digit(number[:13])
    if int(number[13]) != expected and not confirmed:
        raise PostalError(
            _("Контрольная цифра ШПИ %(number)s не сходится: по расчёту должна быть %(digit)s. Проверьте номер "
              "или отметьте, что на наклейке напечатано именно так.") % {"number": number, "digit": expected})
    return number


def _set_tracking(letter: PostalLetter, user: Any, number: str, *, confirmed: bool) -> None:
    expected = documents.tracking_check_digit(number[:13])
    if PostalLetter.objects.filter(tracking_number=number).exclude(pk=letter.pk).exists():
        raise PostalError(_("ШПИ %(number)s уже присвоен другому письму.") % {"number": number})
    PostalLetter.objects.filter(pk=letter.pk).update(tracking_number=number)
    data: dict[str, Any] = {"tracking_number": number, "previous": letter.tracking_number}
    comment = _("Присвоен ШПИ %(number)s.") % {"number": number}
    if int(number[13]) != expected:
        data["check_digit_confirmed"] = True
        data["expected_check_digit"] = expected
        comment += " " + _("Контрольная цифра не сходится с расчётной (%(digit)s); сотрудник подтвердил, что на "
                           "наклейке так.") % {"digit": expected}
    log_event(letter, "letter.numbered", user=user, comment=comment, data=data)


def _numbered_letters(batch: Batch) -> list[PostalLetter]:
    return list(batch_letters(batch).filter(mail_class__in=REGISTERED_CLASSES).select_for_update(of=("self",)))


def set_tracking_number(letter: PostalLetter, user: Any, number: str, *, confirmed: bool = False) -> PostalLetter:
    number = check_tracking_number(number, confirmed=confirmed)
    try:
        with transaction.atomic():
            current = PostalLetter.objects.select_for_update().get(pk=letter.pk)
            if current.status in (Status.SENT, Status.RETURNED):
                raise PostalError(_("Письмо уже отправлено: ШПИ не меняется."))
            _set_tracking(current, user, number, confirmed=confirmed)
    except IntegrityError as exc:  # the same number entered at once for another letter
        raise PostalError(_("ШПИ %(number)s уже присвоен другому письму.") % {"number": number}) from exc
    current.refresh_from_db()
    return current


def number_batch(batch: Batch, user: Any, first: str, *, confirmed: bool = False) -> list[str]:
    """Number the batch's registered letters from the first label of a roll, in the batch's order."""
    first = check_tracking_number(first, confirmed=confirmed)
    try:
        with transaction.atomic():
            current = Batch.objects.select_for_update().get(pk=batch.pk)
            if not current.is_open:
                raise PostalError(_("Пакет уже отправлен или отменён."))
            letters = _numbered_letters(current)
            if not letters:
                raise PostalError(_("В пакете нет заказных писем: им не нужен ШПИ."))
            try:
                numbers = documents.tracking_roll(first, len(letters))
            except ValueError as exc:
                raise PostalError(_("Рулон не вмещает %(count)s номеров от %(first)s: %(error)s") % {
                    "count": len(letters), "first": first, "error": exc}) from exc
            # The first number stands as the clerk typed it (confirmed); the rest carry computed digits.
            numbers[0] = first
            for letter, number in zip(letters, numbers, strict=True):
                _set_tracking(letter, user, number, confirmed=confirmed and number == first)
    except IntegrityError as exc:
        raise PostalError(_("Часть номеров рулона уже присвоена другим письмам.")) from exc
    return numbers


# --- dispatch and returns ----------------------------------------------------------------
def posted_text(letter: PostalLetter, day: dt.date) -> str:
    text = _("Отправлено почтой %(date)s (%(kind)s, %(mail_class)s)") % {
        "date": day.strftime("%d.%m.%Y"), "kind": letter.get_kind_display(),
        "mail_class": letter.get_mail_class_display()}
    if letter.tracking_number:
        text += ", " + _("ШПИ %(number)s") % {"number": letter.tracking_number}
    return text + "."


def _noon(day: dt.date) -> dt.datetime:
    """A date the clerk entered, as a moment: noon, so that no time zone moves it to another day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def dispatch_batch(batch: Batch, user: Any, *, on: dt.date | None = None) -> Batch:
    """The batch went to the post office: each letter is posted with its date and ШПИ."""
    with transaction.atomic():
        current = Batch.objects.select_for_update().get(pk=batch.pk)
        if current.status != Batch.Status.READY:
            raise PostalError(_("Отправить можно только собранный пакет."))
        letters = list(batch_letters(current).select_for_update(of=("self",)))
        missing = [letter for letter in letters if letter.mail_class in REGISTERED_CLASSES
                   and not letter.tracking_number]
        if missing:
            raise PostalError(_("Не у всех заказных писем есть ШПИ (без номера: %(count)s).") % {
                "count": len(missing)})
        now = timezone.now()
        day = on or timezone.localdate(now)
        sent_at = now if on is None else _noon(on)
        for letter in letters:
            letter.status, letter.sent_at = Status.SENT, sent_at
            letter.save(update_fields=["status", "sent_at"])
            text = posted_text(letter, day)
            log_event(letter, "letter.posted", user=user, comment=text,
                      data={"batch": current.pk, "tracking_number": letter.tracking_number})
            record(letter.appeal, "letter.posted", user=user, comment=text,
                   after={"postal_letter": letter.pk, "tracking_number": letter.tracking_number,
                          "sent_on": day.isoformat()})
        current.items.update(open=False)
        current.status, current.dispatched_at, current.dispatched_by = Batch.Status.DISPATCHED, sent_at, user
        current.save(update_fields=["status", "dispatched_at", "dispatched_by"])
    return current


def record_return(letter: PostalLetter, user: Any, *, reason: str, note: str = "",
                  on: dt.date | None = None) -> PostalLetter:
    """A posted letter came back undelivered: its official is told and decides what to do."""
    from postal.notify import tell_official

    with transaction.atomic():
        current = PostalLetter.objects.select_for_update().select_related("appeal").get(pk=letter.pk)
        if current.status != Status.SENT:
            raise PostalError(_("Вернуться может только отправленное письмо."))
        current.status, current.return_reason, current.return_note = Status.RETURNED, reason, note
        current.returned_at = timezone.now() if on is None else _noon(on)
        current.save(update_fields=["status", "return_reason", "return_note", "returned_at"])
        text = _("Письмо вернулось: %(reason)s") % {"reason": current.get_return_reason_display()}
        if current.tracking_number:
            text += " " + _("(ШПИ %(number)s)") % {"number": current.tracking_number}
        text += "." + (f" {note}" if note else "")
        log_event(current, "letter.returned", user=user, comment=text, data={"reason": reason})
        record(current.appeal, "letter.returned", user=user, comment=text,
               after={"postal_letter": current.pk, "reason": reason})
        tell_official(current)
    return current


def _settle(letter: PostalLetter) -> PostalLetter:
    current = PostalLetter.objects.select_for_update().select_related("appeal").get(pk=letter.pk)
    if current.status != Status.RETURNED or current.return_settled_at is not None:
        raise PostalError(_("По этому возврату решение уже принято."))
    current.return_settled_at = timezone.now()
    current.save(update_fields=["return_settled_at"])
    return current


def resend_letter(letter: PostalLetter, user: Any, *, addressee: str | None = None,
                  postal_index: str | None = None) -> PostalLetter:
    """Send a returned letter again: a new letter in the queue with the same text, number and date.

    With the same address the new letter prints the same PDF. With a
    corrected one the letter is laid out again (letters.services.readdressed_pdf):
    the addressee block in the letter itself (what a window envelope shows)
    is the new one; the text, the outgoing number, the legal date (the
    signing date), the signature and the enclosures stay as signed.
    """
    with transaction.atomic():
        current = _settle(letter)
        addressee = current.addressee if addressee is None else addressee
        postal_index = current.postal_index if postal_index is None else postal_index
        pdf_path, layout = current.pdf_path, current.layout
        if (addressee, postal_index) != (current.addressee, current.postal_index):
            from letters.services import readdressed_pdf, store_pdf

            content, layout = readdressed_pdf(current, addressee=addressee, postal_index=postal_index)
            pdf_path = store_pdf(content)
        new = PostalLetter.objects.create(
            appeal=current.appeal, kind=current.kind, subject=current.subject, text=current.text,
            pdf_path=pdf_path, layout=layout, addressee=addressee, postal_index=postal_index,
            resent_from=current,
        )
        # Keep the clerk's class and envelope of the first attempt (prepare_letter ran on create).
        PostalLetter.objects.filter(pk=new.pk).update(mail_class=current.mail_class)
        readdressed = pdf_path != current.pdf_path
        if readdressed:
            text = _("Решено отправить письмо повторно по исправленному адресу; письмо перепечатано с новым "
                     "адресом (новое письмо № %(pk)s).") % {"pk": new.pk}
        else:
            text = _("Решено отправить письмо повторно (новое письмо № %(pk)s).") % {"pk": new.pk}
        log_event(current, "letter.resent", user=user, comment=text,
                  data={"new_letter": new.pk, "readdressed": readdressed})
        log_event(new, "letter.resend_of", user=user, data={"letter": current.pk},
                  comment=_("Повторная отправка письма № %(pk)s.") % {"pk": current.pk})
        record(current.appeal, "letter.resent", user=user, comment=text,
               after={"postal_letter": new.pk, "returned_letter": current.pk})
    new.refresh_from_db()
    return new


def answer_by_email(letter: PostalLetter, user: Any, *, email: str) -> Any:
    """Answer a returned letter another way: its text and PDF by e-mail to the citizen."""
    from outbox.services import queue_email

    with transaction.atomic():
        current = _settle(letter)
        message = queue_email(
            kind=f"letters.{current.kind}", to=email, template="emails/postal_returned_by_email",
            context={"appeal": current.appeal, "letter": current},
            appeal=current.appeal,
            attachment=(f"{current.appeal.number}.pdf".replace("/", "-"), current.pdf_path, "application/pdf"),
        )
        text = _("Вернувшееся письмо направлено по электронной почте на %(email)s.") % {"email": email}
        log_event(current, "letter.emailed", user=user, comment=text, data={"message": message.pk})
        record(current.appeal, "letter.emailed", user=user, comment=text, after={"postal_letter": current.pk})
    return message


def settle_return(letter: PostalLetter, user: Any, *, comment: str) -> PostalLetter:
    """Another way, recorded by the official (handed over in person, a phone call...)."""
    with transaction.atomic():
        current = _settle(letter)
        text = _("Решение по вернувшемуся письму: %(comment)s") % {"comment": comment}
        log_event(current, "letter.settled", user=user, comment=text)
        record(current.appeal, "letter.return_settled", user=user, comment=text,
               after={"postal_letter": current.pk})
    return current


def batch_digest(batch: Batch) -> str:
    """The SHA-256 of the stored batch PDF: printing again gives the same file."""
    digest = hashlib.sha256()
    with storages["attachments"].open(batch.pdf_path, "rb") as stored:
        for chunk in iter(lambda: stored.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()

