"""A letter re-sent to a corrected address is laid out again with that address (issue 9, the window envelope).

The addressee block is printed in the letter itself, where a DL window envelope
shows it: a letter that went back to the queue with the old block would go to
the old address again. The new letter has the new block and the same text,
outgoing number, legal date, signature and enclosures.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import TestCase
from pypdf import PdfReader, PdfWriter

from appeals.models import Appeal
from letters.models import LetterKind, PostalLetter
from letters.pdf import with_enclosures
from letters.services import deliver_to_citizen
from postal import services
from postal.models import LetterEvent
from tests.postal.conftest import make_letter, postal_appeal

pytestmark = pytest.mark.django_db

NEW_ADDRESS = "Ивановой Марии Петровне\nг. Санкт-Петербург, Невский пр-кт, д. 100, кв. 7"
NEW_INDEX = "191025"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def address_block(content: bytes) -> str:
    """The text printed where a DL window envelope shows it (the top right of the first page)."""
    from tests.postal.documents.conftest import fragments

    return " ".join(piece.text for piece in fragments(content) if piece.x > 105 and piece.y < 70)


def stored(letter: PostalLetter) -> bytes:
    return services.read_letter_pdf(letter)


def returned(letter: PostalLetter, roles) -> PostalLetter:
    """Take a queued letter through a batch, the post office and back."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = services.build_batch(roles.clerk, letter_ids=[letter.pk])
    letter.refresh_from_db()
    if letter.mail_class != PostalLetter.MailClass.SIMPLE:
        services.set_tracking_number(letter, roles.clerk, "80099008576514")
    services.dispatch_batch(batch, roles.clerk, on=dt.date(2026, 12, 1))
    services.record_return(letter, roles.clerk, reason=PostalLetter.ReturnReason.NOT_FOUND)
    letter.refresh_from_db()
    return letter


def signed_by_post(roles) -> PostalLetter:
    appeal = roles.appeal("answered", reply_method="post")
    return PostalLetter.objects.get(appeal=appeal, kind=LetterKind.ANSWER)


def test_a_signed_answer_resent_to_a_new_address_prints_the_new_address_and_the_same_answer(roles):
    letter = returned(signed_by_post(roles), roles)
    answer = letter.appeal.answer
    old = pdf_text(stored(letter))
    assert "Остоженка" in address_block(stored(letter)) and answer.outgoing_number in old

    new = services.resend_letter(letter, roles.executor_a, addressee=NEW_ADDRESS, postal_index=NEW_INDEX)
    text = pdf_text(stored(new))
    assert "Невский" in text and NEW_INDEX in text
    block = address_block(stored(new))
    assert "Невский" in block and "Остоженка" not in block and "119034" not in block
    assert "кв. 2" not in text  # the citizen's old flat is nowhere in the letter
    # The same answer: its number, its legal date (the signing date), the signer, the text.
    assert answer.outgoing_number in text and f"{answer.outgoing_date:%d.%m.%Y}" in text
    assert "перевод возможен при наличии мест" in text and "Проректор" in text
    assert old.count("Сообщаем") == text.count("Сообщаем") >= 1
    assert new.pdf_path != letter.pdf_path and new.text == letter.text and new.subject == letter.subject
    # The envelope, labels and list read the same address as the letter.
    party = services.addressee_party(new)
    assert "Невский" in party.address and party.index == NEW_INDEX
    history = letter.appeal.events.get(action="letter.resent")
    assert "по исправленному адресу" in history.comment
    # The returned letter keeps its PDF: the history has both attempts.
    assert "Остоженка" in address_block(stored(letter))


def test_the_new_address_block_stays_inside_the_window(roles):
    from tests.postal.documents.conftest import fragments
    from tests.postal.documents.test_letter_window import WINDOW_BOTTOM, WINDOW_LEFT, WINDOW_TOP

    letter = returned(signed_by_post(roles), roles)
    new = services.resend_letter(letter, roles.executor_a, addressee=NEW_ADDRESS, postal_index=NEW_INDEX)
    block = [piece for piece in fragments(stored(new)) if piece.x > 105 and piece.y < 70]
    printed = " ".join(piece.text for piece in block)
    assert "Невский" in printed and NEW_INDEX in printed
    assert all(piece.x >= WINDOW_LEFT and WINDOW_TOP <= piece.y <= WINDOW_BOTTOM for piece in block)


def test_resending_to_the_same_address_prints_the_same_pdf(roles):
    letter = returned(signed_by_post(roles), roles)
    new = services.resend_letter(letter, roles.executor_a, addressee=letter.addressee,
                                 postal_index=letter.postal_index)
    assert new.pdf_path == letter.pdf_path


def test_the_enclosures_follow_the_readdressed_letter(roles):
    appeal = postal_appeal(roles)
    enclosure = PdfWriter()
    for _ in range(2):
        enclosure.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    enclosure.write(buffer)
    from letters.pdf import answer_pdf
    from letters.services import letter_context

    context = letter_context(appeal, {"answer_text": "Сообщаем, что перевод возможен.", "signer_position": "Ректор",
                                      "signer_name": "И. И. Иванов", "outgoing_number": "ОГ-ИСХ-2026-000007",
                                      "outgoing_date": dt.date(2026, 11, 20)})
    own = answer_pdf(context)
    whole = with_enclosures(own, [("application/pdf", buffer.getvalue())])
    with TestCase.captureOnCommitCallbacks(execute=True):
        letter = deliver_to_citizen(appeal, "answer", context, pdf=whole, letter_pages=1)
    assert letter.layout["letter_pages"] == 1 and letter.sheets == 3
    letter = returned(letter, roles)
    new = services.resend_letter(letter, roles.executor_a, addressee=NEW_ADDRESS, postal_index=NEW_INDEX)
    pages = PdfReader(io.BytesIO(stored(new))).pages
    assert len(pages) == 3 and new.sheets == 3
    first = pages[0].extract_text()
    assert "Невский" in first and "ОГ-ИСХ-2026-000007" in first and "20.11.2026" in first
    assert "кв. 2" not in first


def test_a_letter_queued_before_layouts_were_kept_is_laid_out_from_its_appeal(roles):
    letter = make_letter(postal_appeal(roles))  # no layout, as letters queued before this change
    assert letter.layout == {}
    letter = returned(letter, roles)
    new = services.resend_letter(letter, roles.executor_a, addressee=NEW_ADDRESS, postal_index=NEW_INDEX)
    text = pdf_text(stored(new))
    assert "Невский" in text and letter.appeal.number in text and letter.text in text
    assert "Остоженка" not in address_block(stored(new))


def test_the_clerk_correcting_a_queued_letters_address_reprints_it(roles):
    letter = signed_by_post(roles)
    services.update_letter(letter, roles.clerk, mail_class=letter.mail_class, envelope=PostalLetter.Envelope.WINDOW,
                           weight=None, addressee=NEW_ADDRESS, postal_index=NEW_INDEX)
    letter.refresh_from_db()
    text = pdf_text(stored(letter))
    assert "Невский" in text and "кв. 2" not in text and letter.appeal.answer.outgoing_number in text
    event = LetterEvent.objects.filter(letter=letter, action="letter.changed").get()
    assert event.data["previous_pdf"] != letter.pdf_path and "перепечатано" in event.comment


def test_a_letter_in_a_batch_keeps_its_address_until_the_batch_is_cancelled(roles):
    letter = signed_by_post(roles)
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = services.build_batch(roles.clerk, letter_ids=[letter.pk])
    with pytest.raises(services.PostalError, match="отмените пакет"):
        services.update_letter(letter, roles.clerk, mail_class=letter.mail_class, envelope=letter.envelope,
                               weight=letter.weight, addressee=NEW_ADDRESS, postal_index=NEW_INDEX)
    services.cancel_batch(batch, roles.clerk)
    services.update_letter(letter, roles.clerk, mail_class=letter.mail_class, envelope=letter.envelope,
                           weight=letter.weight, addressee=NEW_ADDRESS, postal_index=NEW_INDEX)
    assert "Невский" in pdf_text(stored(PostalLetter.objects.get(pk=letter.pk)))


def test_the_clerks_form_says_why_a_batched_letters_address_is_locked(client, roles):
    from django.urls import reverse

    letter = signed_by_post(roles)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.build_batch(roles.clerk, letter_ids=[letter.pk])
    letter.refresh_from_db()
    client.force_login(roles.clerk)
    url = reverse("admin:letters_postalletter_change", args=[letter.pk])
    response = client.post(url, {"mail_class": letter.mail_class, "envelope": letter.envelope,
                                 "weight": letter.weight, "addressee": NEW_ADDRESS, "postal_index": NEW_INDEX})
    assert response.status_code == 200
    assert "отмените пакет" in response.content.decode()
    assert PostalLetter.objects.get(pk=letter.pk).addressee == letter.addressee
    assert Appeal.objects.filter(pk=letter.appeal_id).exists()
