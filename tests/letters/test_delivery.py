"""Letters go the way the addressee needs: e-mail through the outbox, or the clerk's print queue."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.files.storage import storages
from pypdf import PdfReader

from letters.models import PostalLetter
from letters.pdf import answer_pdf
from letters.services import deliver_to_body, deliver_to_citizen
from outbox.models import OutgoingMessage
from tests.letters.conftest import ANSWER_TEXT, external_body, full_context

pytestmark = pytest.mark.django_db


def pdf_text(path: str) -> str:
    with storages["attachments"].open(path, "rb") as file:
        reader = PdfReader(io.BytesIO(file.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_answer_goes_by_email_with_its_pdf(appeal, django_capture_on_commit_callbacks):
    context = full_context(appeal)
    pdf = answer_pdf(context)
    with django_capture_on_commit_callbacks(execute=True):
        message = deliver_to_citizen(appeal, "answer", context, pdf=pdf, pdf_name="01-12-345.pdf")
        assert mail.outbox == []  # nothing leaves before the caller's transaction commits
    assert isinstance(message, OutgoingMessage)
    assert message.kind == "letters.answer" and message.appeal == appeal and message.to == appeal.email
    assert message.attachment_path.startswith("letters/") and message.attachment_path.endswith(".pdf")
    assert message.attachment_type == "application/pdf"
    [sent] = mail.outbox
    assert sent.subject == "Ответ на обращение № ОГ-2026-000042"
    assert ANSWER_TEXT in sent.body and "приложено к этому сообщению (PDF)" in sent.body
    [(name, content, content_type)] = sent.attachments
    assert (name, content, content_type) == ("01-12-345.pdf", pdf, "application/pdf")


def test_an_answer_without_a_pdf_still_carries_one(appeal):
    message = deliver_to_citizen(appeal, "answer", full_context(appeal))
    assert message.attachment_name == "Ответ ОГ-2026-000042.pdf"
    assert ANSWER_TEXT in pdf_text(message.attachment_path)


def test_a_notice_by_email_has_no_attachment(appeal):
    message = deliver_to_citizen(appeal, "registered", full_context(appeal))
    assert isinstance(message, OutgoingMessage)
    assert message.attachment_path == "" and "приложено" not in message.body_text
    assert "Уважаемая Мария Петровна!" in message.body_text and "<p>Уважаемая Мария Петровна!</p>" in message.body_html


def test_a_notice_by_post_is_queued_for_the_clerk_with_its_pdf(postal_appeal):
    letter = deliver_to_citizen(postal_appeal, "extension", full_context(postal_appeal))
    assert isinstance(letter, PostalLetter)
    assert OutgoingMessage.objects.count() == 0
    assert letter.status == PostalLetter.Status.QUEUED and letter.kind == "extension"
    assert letter.addressee.splitlines() == ["Ивановой Марии Петровне", "г. Москва, ул. Остоженка, д. 1, кв. 2",
                                              "119034"]
    assert letter.postal_index == "119034" and letter.subject.startswith("О продлении срока")
    text = pdf_text(letter.pdf_path)
    for expected in ("ОГ-2026-000043", "Ивановой Марии Петровне", "частью 2 статьи 12", "2 апреля 2026",
                     "Проректор по учебной работе", "И. И. Петров"):
        assert expected in text, expected


def test_the_answer_by_post_keeps_the_given_pdf(postal_appeal):
    context = full_context(postal_appeal)
    pdf = answer_pdf(context)
    letter = deliver_to_citizen(postal_appeal, "answer", context, pdf=pdf)
    with storages["attachments"].open(letter.pdf_path, "rb") as file:
        assert file.read() == pdf
    assert ANSWER_TEXT in letter.text


def test_a_letter_to_a_body_goes_to_its_email(appeal):
    message = deliver_to_body(external_body(), "redirect_body", full_context(appeal), appeal=appeal)
    assert isinstance(message, OutgoingMessage)
    assert message.to == "info@minobrnauki.gov.ru" and message.kind == "letters.redirect_body"
    assert appeal.text in message.body_text
    text = pdf_text(message.attachment_path)
    assert "Министерство науки и высшего образования" in text and "частью 3 статьи 8" in text


def test_a_body_without_email_gets_a_postal_letter(appeal):
    body = external_body(email="")
    letter = deliver_to_body(body, "documents_request", full_context(appeal), appeal=appeal)
    assert isinstance(letter, PostalLetter)
    assert letter.addressee.splitlines()[0] == body.name and letter.postal_index == "125009"
    assert "15 дней" in pdf_text(letter.pdf_path)


def test_the_print_queue_is_a_read_only_admin_list(admin_client, postal_appeal):
    from django.urls import reverse

    letter = deliver_to_citizen(postal_appeal, "registered", full_context(postal_appeal))
    response = admin_client.get(reverse("admin:letters_postalletter_changelist"))
    assert response.status_code == 200 and "Ивановой Марии Петровне" in response.content.decode()
    assert admin_client.get(reverse("admin:letters_postalletter_add")).status_code == 403
    change = admin_client.post(reverse("admin:letters_postalletter_change", args=[letter.pk]), {"status": "sent"})
    assert change.status_code in (200, 403)
    letter.refresh_from_db()
    assert letter.status == PostalLetter.Status.QUEUED
