"""Batches: the order, each letter once, the stored PDF, one open batch per letter, cancelling (issue 9 item 3)."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, connection, transaction
from django.test import TestCase
from pypdf import PdfReader

from letters.models import LetterKind, PostalLetter
from postal import documents, services
from postal.models import Batch, BatchItem, LetterEvent, MailClassDefault
from tests.postal.conftest import letter_pdf, make_letter, postal_appeal

Status = PostalLetter.Status


def build(user, **kwargs) -> Batch:
    # The build is queued on commit; Celery is eager in the tests, so it runs here.
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = services.build_batch(user, **kwargs)
    batch.refresh_from_db()
    return batch


def pdf_pages(batch: Batch) -> PdfReader:
    with storages["attachments"].open(batch.pdf_path, "rb") as stored:
        return PdfReader(io.BytesIO(stored.read()), strict=True)


def test_a_new_letter_gets_the_default_class_its_sheets_envelope_and_weight(roles):
    appeal = postal_appeal(roles)
    answer = make_letter(appeal, pages=3)
    notice = make_letter(appeal, kind=LetterKind.EXTENSION)
    assert answer.mail_class == PostalLetter.MailClass.REGISTERED and answer.sheets == 3
    assert answer.envelope == documents.envelope_for_sheets(3)
    assert answer.weight == documents.estimate_weight(3, documents.Envelope(answer.envelope))
    assert notice.mail_class == PostalLetter.MailClass.SIMPLE
    # The administrator's table decides for the next letters.
    MailClassDefault.objects.filter(kind=LetterKind.EXTENSION).update(
        mail_class=PostalLetter.MailClass.REGISTERED_NOTICE)
    assert make_letter(appeal, kind=LetterKind.EXTENSION).mail_class == PostalLetter.MailClass.REGISTERED_NOTICE


def test_the_shipped_defaults_register_answers_and_art11_notices(db):
    registered = set(MailClassDefault.objects.filter(mail_class="registered").values_list("kind", flat=True))
    assert registered == {str(kind) for kind in services.REGISTERED_KINDS}
    assert MailClassDefault.objects.count() == len(LetterKind)


def test_the_letter_classes_are_those_of_the_documents():
    assert {c.value for c in PostalLetter.MailClass} == {c.value for c in documents.MailClass}
    assert {e.value for e in PostalLetter.Envelope} == {e.value for e in documents.Envelope}


def test_a_batch_of_all_waiting_letters_keeps_the_queue_order_with_an_envelope_after_each(roles, letters):
    batch = build(roles.clerk)
    assert batch.status == Batch.Status.READY and batch.done == batch.total == len(letters)
    items = list(batch.items.order_by("position").values_list("letter_id", flat=True))
    assert items == [letter.pk for letter in letters]  # oldest first, each once
    reader = pdf_pages(batch)
    # Each letter's pages, its envelope page; then one form 103 list per registered class (all are answers).
    lists = services.mail_lists(batch)
    assert [ml.mail_class for ml in lists] == [documents.MailClass.REGISTERED]
    list_pages = len(PdfReader(io.BytesIO(documents.render_mail_list(lists[0]))).pages)
    expected = sum(letter.sheets + 1 for letter in letters) + list_pages
    assert len(reader.pages) == batch.pages == expected
    first_envelope = reader.pages[letters[0].sheets]
    envelope_text = first_envelope.extract_text()
    assert "119034" in envelope_text
    list_text = reader.pages[-list_pages].extract_text()
    assert f"{batch.pk}-1" in list_text
    for letter in letters:
        letter.refresh_from_db()
        assert letter.status == Status.PRINTED and letter.printed_at is not None
        assert list(LetterEvent.objects.filter(letter=letter).values_list("action", flat=True)) == [
            "letter.queued", "letter.batched", "letter.printed"]


def test_selected_letters_only_and_windows_have_no_envelope_page(roles, letters):
    chosen = [letters[1], letters[3]]
    batch = build(roles.clerk, letter_ids=[letter.pk for letter in chosen], layout=Batch.Layout.WINDOW)
    assert list(batch.items.values_list("letter_id", flat=True)) == [letter.pk for letter in chosen]
    list_pages = len(PdfReader(io.BytesIO(documents.render_mail_list(services.mail_lists(batch)[0]))).pages)
    assert len(pdf_pages(batch).pages) == sum(letter.sheets for letter in chosen) + list_pages
    assert set(services.waiting_letters()) == {letters[0], letters[2], letters[4]}


def test_labels_instead_of_envelopes(roles, letters):
    batch = build(roles.clerk, layout=Batch.Layout.LABELS)
    sender = services.sender_party()
    labels = PdfReader(io.BytesIO(documents.render_labels(
        sender=sender, addressees=[services.addressee_party(letter) for letter in letters])))
    list_pages = len(PdfReader(io.BytesIO(documents.render_mail_list(services.mail_lists(batch)[0]))).pages)
    assert len(pdf_pages(batch).pages) == sum(letter.sheets for letter in letters) + len(labels.pages) + list_pages


def test_printing_again_serves_the_same_stored_file(client, roles, letters):
    batch = build(roles.clerk)
    client.force_login(roles.clerk)
    url = f"/admin/postal/batch/{batch.pk}/pdf/"
    first = b"".join(client.get(url).streaming_content)
    second = b"".join(client.get(url).streaming_content)
    assert first == second and first.startswith(b"%PDF")
    assert services.batch_digest(batch) == services.batch_digest(Batch.objects.get(pk=batch.pk))


def test_a_letter_is_in_one_open_batch_only(roles, letters):
    batch = build(roles.clerk)
    with pytest.raises(services.PostalError):
        services.build_batch(roles.clerk)  # nothing left waiting
    # The database refuses it too, whatever the code does.
    other = Batch.objects.create(created_by=roles.clerk, total=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchItem.objects.create(batch=other, letter=letters[0], position=1)
    assert BatchItem.objects.filter(letter=letters[0], open=True).get().batch == batch


def test_cancelling_sends_the_letters_back_to_the_queue_and_they_can_be_batched_again(roles, letters):
    batch = build(roles.clerk, letter_ids=[letters[0].pk, letters[1].pk])
    services.cancel_batch(batch, roles.clerk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CANCELLED
    assert list(services.waiting_letters()) == letters  # nothing lost, the old order kept
    again = build(roles.clerk)
    assert again.total == len(letters)
    with pytest.raises(services.PostalError):
        services.cancel_batch(batch, roles.clerk)


def test_a_build_that_fails_is_shown_and_can_be_built_again(roles, letters):
    storages["attachments"].delete(letters[2].pdf_path)
    batch = build(roles.clerk)
    assert batch.status == Batch.Status.FAILED and batch.error
    assert batch.done < batch.total
    assert storages["attachments"].save(letters[2].pdf_path, ContentFile(letter_pdf(1))) == letters[2].pdf_path
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.rebuild_batch(batch, roles.clerk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.READY


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clerks_building_at_once_never_share_a_letter(require_postgres, roles):
    made = [make_letter(postal_appeal(roles, "ab"[n % 2])) for n in range(40)]
    barrier = threading.Barrier(2)
    batches: list[Batch] = []
    errors: list[BaseException] = []

    def clerk_builds() -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                batch = services.build_batch(roles.clerk)
                # Hold the locks a moment, as a slow request would, so the two overlap.
                connection.cursor().execute("SELECT pg_sleep(0.3)")
            batches.append(batch)
        except services.PostalError as exc:
            errors.append(exc)
        except BaseException as exc:
            errors.append(exc)
            raise
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk_builds) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(error, services.PostalError) for error in errors), errors
    taken = list(BatchItem.objects.values_list("letter_id", flat=True))
    assert len(taken) == len(set(taken)) == len(made)  # each letter once, none lost
    assert len(batches) + len(errors) == 2 and batches


def test_a_letters_history_is_append_only(roles):
    letter = make_letter(postal_appeal(roles))
    event = services.log_event(letter, "letter.changed", comment="класс исправлен")
    event.comment = "исправлено задним числом"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert LetterEvent.objects.get(pk=event.pk).comment == "класс исправлен"
