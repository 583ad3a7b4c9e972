"""A message may carry one file from the attachments storage, read when it is sent."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from classifiers.models import Institution
from outbox import services
from outbox.models import OutgoingMessage
from tests.factories import make_pdf

pytestmark = pytest.mark.django_db


def test_an_attached_pdf_arrives_with_its_name_and_type(django_capture_on_commit_callbacks):
    pdf = make_pdf(pages=2)
    path = storages["attachments"].save("letters/test/answer.pdf", ContentFile(pdf))
    with django_capture_on_commit_callbacks(execute=True):
        message = services.queue_rendered_email(
            kind="letters.answer",
            to="citizen@mail.ru",
            subject="Ответ на обращение\n№ ОГ-2026-00001",
            text="Текст ответа",
            html="<p>Текст ответа</p>",
            attachment=("Ответ ОГ-2026-00001.pdf", path, "application/pdf"),
        )
    [sent] = mail.outbox
    assert sent.subject == "Ответ на обращение № ОГ-2026-00001"
    [(name, content, content_type)] = sent.attachments
    assert (name, content, content_type) == ("Ответ ОГ-2026-00001.pdf", pdf, "application/pdf")
    # The file survives in the MIME message as sent over SMTP.
    assert b"application/pdf" in sent.message().as_bytes()
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.SENT and message.attachment_path == path


def test_queue_email_passes_the_attachment_through():
    message = services.queue_email(
        kind="appeals.confirmation",
        to="citizen@mail.ru",
        template="emails/appeal_confirm",
        context={"link": "http://x/", "code": "1", "expires_at": timezone.now(),
                 "institution": Institution.get_current()},
        attachment=("a.pdf", "letters/a.pdf", "application/pdf"),
    )
    assert (message.attachment_name, message.attachment_path, message.attachment_type) == (
        "a.pdf", "letters/a.pdf", "application/pdf"
    )


def test_a_message_without_attachment_has_none():
    message = services.queue_rendered_email(kind="k", to="citizen@mail.ru", subject="Тема", text="Текст", html="")
    services.deliver(message.pk)
    assert mail.outbox[0].attachments == []
    assert mail.outbox[0].alternatives == []


def test_a_missing_attachment_file_keeps_the_message_for_a_later_attempt():
    message = services.queue_rendered_email(
        kind="k", to="citizen@mail.ru", subject="Тема", text="Текст",
        attachment=("a.pdf", "letters/missing.pdf", "application/pdf"),
    )
    with pytest.raises(services.TransientDeliveryError):
        services.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.PENDING and "missing.pdf" in message.last_error
    assert mail.outbox == []
