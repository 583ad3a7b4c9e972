"""Every kind of letter ships a correct text; the administrator edits it and can restore it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.urls import reverse

from letters.defaults import CITED, SHIPPED
from letters.models import TO_BODY_KINDS, LetterKind, LetterTemplate
from letters.services import LetterTemplateMissingError, render_letter
from letters.templating import sample_context, template_errors
from tests.letters.conftest import ANSWER_TEXT, full_context

pytestmark = pytest.mark.django_db
LAW = "Федерального закона от 2 мая 2006 года № 59-ФЗ «О порядке рассмотрения обращений граждан Российской Федерации»"


def test_every_kind_has_a_shipped_row():
    assert set(LetterTemplate.objects.values_list("kind", flat=True)) == set(LetterKind.values) == set(SHIPPED)


@pytest.mark.parametrize("kind", LetterKind.values)
def test_every_kind_renders_with_its_number_and_the_article_it_cites(appeal, kind):
    letter = render_letter(kind, full_context(appeal))
    assert appeal.number in letter.subject + letter.body
    assert CITED[kind] in letter.body
    assert LAW in letter.body
    assert "{{" not in letter.text and "{%" not in letter.text
    assert "\n\n\n" not in letter.text  # empty conditional paragraphs are dropped
    if kind not in TO_BODY_KINDS:
        assert letter.body.startswith("Уважаемая Мария Петровна!")
        assert "info@linguanet.ru" in letter.body or kind == "art11_part1_forward"


@pytest.mark.parametrize("kind", LetterKind.values)
def test_shipped_texts_pass_the_check_on_save(kind):
    subject, body = SHIPPED[kind]
    assert template_errors(kind, subject=subject, body=body) == {}


def test_the_letters_to_citizens_say_what_the_law_wants(appeal):
    context = full_context(appeal)
    assert "2 марта 2026" in render_letter("acknowledgement", context).body
    assert "2 апреля 2026" in render_letter("registered", context).body
    assert "Министерство науки" in render_letter("redirect", context).body
    assert "недопустимости злоупотребления правом" in render_letter("art11_part3", context).body
    assert "https://www.linguanet.ru/answers/perevod/" in render_letter("art11_part5_1", context).body
    extension = render_letter("extension", context).body
    assert "2 апреля 2026" in extension and "необходимость запросить документы" in extension
    assert "15 дней" in render_letter("documents_request", context).body
    assert appeal.text in render_letter("art11_part2", context).body  # the complaint goes back to its author


def test_render_letter_gives_text_and_escaped_html(appeal):
    context = full_context(appeal, answer_text="Первый абзац <b>ответа</b>.\nВторая строка.\n\nВторой абзац.")
    letter = render_letter("answer", context)
    assert letter.subject == "Ответ на обращение № ОГ-2026-000042"
    assert "Первый абзац <b>ответа</b>." in letter.text  # plain text: nothing escaped
    assert "Проректор по учебной работе\nИ. И. Петров" in letter.text
    assert "Исх. № 01-12/345 от 10.03.2026" in letter.text
    assert "<b>ответа</b>" not in letter.html
    assert "<p>Первый абзац &lt;b&gt;ответа&lt;/b&gt;.<br>Вторая строка.</p>" in letter.html
    assert "<p>Второй абзац.</p>" in letter.html
    assert '<a href="https://priem.linguanet.ru">' in letter.html
    assert "Проректор" not in letter.body  # the signature is not part of the letter's own text


def test_an_unsigned_notice_has_no_empty_signature(appeal):
    context = full_context(appeal, signer_name="", signer_position="", outgoing_number="")
    letter = render_letter("acknowledgement", context)
    assert "Исх." not in letter.text
    assert letter.text.rstrip().endswith("https://priem.linguanet.ru")


def test_a_missing_template_row_is_a_clear_error(appeal):
    LetterTemplate.objects.filter(kind="answer").delete()
    with pytest.raises(LetterTemplateMissingError, match="answer"):
        render_letter("answer", full_context(appeal))


def test_saving_a_broken_template_is_refused_in_russian():
    template = LetterTemplate.objects.get(kind="answer")
    template.body = "{% if answer_text %}без конца"
    with pytest.raises(ValidationError) as error:
        template.save()
    assert "Ошибка в шаблоне" in error.value.message_dict["body"][0]
    template.body = "{{ answer_txt }}"
    template.subject = "Ответ № {{ apeal.number }}"
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert error.value.message_dict == {
        "subject": ["Неизвестные переменные: apeal.number. Список доступных — ниже."],
        "body": ["Неизвестные переменные: answer_txt. Список доступных — ниже."],
    }


def test_a_variable_of_another_kind_is_unknown():
    assert "published_url" in template_errors("answer", subject="x", body="{{ published_url }}")["body"]
    assert template_errors("art11_part5_1", subject="x", body="{{ published_url }}") == {}


def test_sample_context_holds_every_documented_variable():
    for kind in LetterKind.values:
        assert {"appeal", "institution", "citizen_name", "salutation"} <= set(sample_context(kind))


# --- admin ---------------------------------------------------------------------


def editor() -> User:
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="letters", codename__in=["view_lettertemplate",
                                                                                     "change_lettertemplate"])
    )
    return user


def change_url(kind: str) -> str:
    return reverse("admin:letters_lettertemplate_change", args=[LetterTemplate.objects.get(kind=kind).pk])


def test_admin_edit_with_a_syntax_error_is_refused_with_a_russian_message(client):
    client.force_login(editor())
    original = LetterTemplate.objects.get(kind="answer").body
    response = client.post(change_url("answer"), {"subject": "Ответ", "body": "{% for x in %}"})
    assert response.status_code == 200
    assert "Ошибка в шаблоне" in response.content.decode()
    assert LetterTemplate.objects.get(kind="answer").body == original


def test_admin_edit_saves_and_records_who(client):
    user = editor()
    client.force_login(user)
    data = {"subject": "Ответ № {{ appeal.number }}", "body": "{{ answer_text }}"}
    response = client.post(change_url("answer"), data)
    assert response.status_code == 302
    template = LetterTemplate.objects.get(kind="answer")
    assert template.body == "{{ answer_text }}" and template.updated_by == user


def test_admin_page_lists_the_variables_of_the_kind(client):
    client.force_login(editor())
    html = client.get(change_url("art11_part5_1")).content.decode()
    assert "published_url" in html and "institution.short_name" in html
    assert "answer_text" not in html


def test_kinds_are_neither_added_nor_deleted_in_admin(admin_client):
    assert admin_client.get(reverse("admin:letters_lettertemplate_add")).status_code == 403
    pk = LetterTemplate.objects.get(kind="answer").pk
    assert admin_client.get(reverse("admin:letters_lettertemplate_delete", args=[pk])).status_code == 403


def test_a_user_without_the_permission_cannot_edit(client):
    user = User.objects.create_user("viewer", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_lettertemplate"))
    client.force_login(user)
    response = client.post(change_url("answer"), {"subject": "x", "body": "x"})
    assert response.status_code == 403
    assert LetterTemplate.objects.get(kind="answer").body == SHIPPED["answer"][1]


def test_the_reset_action_restores_the_shipped_text(client, appeal):
    user = editor()
    LetterTemplate.objects.filter(kind__in=["answer", "redirect"]).update(subject="Тема", body="Текст")
    client.force_login(user)
    pks = list(LetterTemplate.objects.filter(kind__in=["answer", "redirect"]).values_list("pk", flat=True))
    response = client.post(
        reverse("admin:letters_lettertemplate_changelist"),
        {"action": "reset_to_shipped", "_selected_action": pks},
        follow=True,
    )
    assert "Восстановлен поставляемый текст шаблонов: 2" in response.content.decode()
    for kind in ("answer", "redirect"):
        template = LetterTemplate.objects.get(kind=kind)
        assert (template.subject, template.body) == SHIPPED[kind] and template.updated_by == user
    assert ANSWER_TEXT in render_letter("answer", full_context(appeal)).body
