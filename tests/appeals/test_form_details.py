"""Issue 10 item 6: the citizen's form and the officials' pages, the smaller things."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from appeals import deadlines
from appeals.models import Appeal, Attachment, Draft
from appeals.services import terms
from classifiers.models import Institution
from tests import roles as role_fixtures
from tests.factories import form_data, make_jpeg, make_pdf, upload

roles = role_fixtures.roles  # the fixture
FORM_URL = reverse("appeals:form")


def code_from(message) -> str:
    return re.search(r"код: (\d{6})", message.body).group(1)


# --- a file attached again is stored once ------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("name, make", [("Справка.pdf", make_pdf), ("Фото.jpg", make_jpeg)])
def test_a_file_attached_again_after_an_error_is_stored_once(client, name, make):
    content = make()
    client.post(FORM_URL, {**form_data(last_name=""), "attachments": [upload(name, content)]})
    draft = Draft.objects.get()
    assert draft.attachments.count() == 1
    # The citizen fixes the surname and, not trusting the page, chooses the same file again (another name too).
    html = client.post(FORM_URL, {**form_data(first_name=""), "attachments": [upload("копия " + name, content)]}
                       ).content.decode()
    assert draft.attachments.count() == 1
    assert "уже приложен, второй раз он не сохраняется" in html
    response = client.post(FORM_URL, {**form_data(), "attachments": [upload(name, content)]})
    assert response.status_code == 302
    client.post(reverse("appeals:check_email"), {"code": code_from(mail.outbox[-1])})
    appeal = Appeal.objects.get()
    assert appeal.attachment_count == 1 and Attachment.objects.count() == 1


@pytest.mark.django_db
def test_the_same_file_twice_in_one_choice_is_stored_once_and_a_different_one_is_kept(client):
    pdf = make_pdf()
    client.post(FORM_URL, {**form_data(last_name=""), "attachments": [
        upload("a.pdf", pdf), upload("b.pdf", pdf), upload("c.pdf", make_pdf(pages=2))]})
    draft = Draft.objects.get()
    assert sorted(a.original_name for a in draft.attachments.all()) == ["a.pdf", "c.pdf"]


@pytest.mark.django_db
def test_a_removed_file_can_be_attached_again(client):
    pdf = make_pdf()
    client.post(FORM_URL, {**form_data(last_name=""), "attachments": [upload("a.pdf", pdf)]})
    kept = Attachment.objects.get()
    client.post(FORM_URL, {**form_data(last_name=""), "remove_attachments": [kept.pk],
                           "attachments": [upload("a.pdf", pdf)]})
    assert [a.original_name for a in Draft.objects.get().attachments.all()] == ["a.pdf"]
    assert not Attachment.objects.filter(pk=kept.pk).exists()


# --- the consent's wording ------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_consent_says_obrashcheniy_unless_the_institution_says_otherwise(client):
    html = client.get(FORM_URL).content.decode()
    assert "Я согласен с порядком передачи и рассмотрения обращений" in html
    assert "рассмотрения сообщений" not in html
    Institution.objects.update(consent_label="Я согласен с порядком передачи и рассмотрения сообщений")
    html = client.get(FORM_URL).content.decode()  # the cached blank form follows the change
    assert "Я согласен с порядком передачи и рассмотрения сообщений" in html


# --- the receipt ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_receipt_does_not_call_the_number_a_registration_number(client):
    client.post(FORM_URL, form_data())
    html = client.post(reverse("appeals:check_email"), {"code": code_from(mail.outbox[-1])}, follow=True
                       ).content.decode()
    appeal = Appeal.objects.get()
    assert appeal.number in html and "Номер обращения" in html
    assert "егистрационный" not in html
    assert "будет зарегистрировано" in html and "под этим же номером" in html


# --- the officials' pages ---------------------------------------------------------------------------
def test_the_identification_method_reads_in_russian(client, roles):
    appeal = roles.appeal("received")
    client.force_login(roles.registrar)
    html = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert "подтверждение адреса электронной почты" in html
    assert not re.search(r"<div class=\"readonly\">\s*email\s*</div>", html)


def test_step_buttons_are_named_as_actions(client, roles):
    appeal = roles.appeal("registered")
    client.force_login(roles.registrar)
    html = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert "Оставить без ответа по существу (ст. 11)" in html
    assert "Указать, на что жалоба" in html
    assert ">Объект жалобы<" not in html and ">Без ответа по существу (ст. 11)<" not in html


def test_the_extension_form_shows_the_current_the_new_and_the_latest_due_date(client, roles):
    appeal = roles.appeal("in_work")
    answer = terms.appeal_terms(appeal).answer
    calendar, rule = terms.work_calendar(), terms.shift_rule()
    url = reverse("admin:appeals_appeal_step", args=[appeal.pk, "extend"])
    client.force_login(roles.head)
    html = client.get(url).content.decode()
    latest = deadlines.extend_due(answer, 30, calendar, rule).due
    assert f"Текущий срок</th><td>{appeal.answer_due:%d.%m.%Y}" in html
    assert f"Новый срок при продлении на 30 дней</th><td><strong>{latest:%d.%m.%Y}" in html
    assert f"Наибольший срок (продление на 30 дней)</th><td>{latest:%d.%m.%Y}" in html
    # Sent back with an error, the form shows the date for the days typed.
    html = client.post(url, {"days": "10", "reason": ""}).content.decode()
    ten = deadlines.extend_due(answer, 10, calendar, rule).due
    assert f"Новый срок при продлении на 10 дней</th><td><strong>{ten:%d.%m.%Y}" in html
    assert "Заполните это поле." in html
