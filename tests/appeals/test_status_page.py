"""The citizen's status page: by number and access code, then only that appeal (issue #4 item 8)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from appeals import tokens
from appeals.models import Answer, Appeal, AppealEvent, Department
from appeals.services import format_number, handling, terms
from appeals.status_forms import normalize_code, normalize_number
from appeals.views.status import STATUS_SESSION_KEY
from letters.models import LetterKind, PostalLetter
from outbox.models import OutgoingMessage
from tests.appeals.test_intake import confirmation_link, submit
from tests.factories import offered_topic

pytestmark = pytest.mark.django_db

STATUS_URL = reverse("appeals:status")
DETAIL_URL = reverse("appeals:status_detail")
ANSWER_URL = reverse("appeals:status_answer")
WITHDRAW_URL = reverse("appeals:status_withdraw")
LOGOUT_URL = reverse("appeals:status_logout")
CODE = "K7P2X-M4QRT"
NEUTRAL = "Номер обращения или код доступа указаны неверно."


def make_appeal(sequence: int = 1, code: str = CODE, **fields: Any) -> Appeal:
    """An appeal as the intake stores it, received today, with this access code."""
    topic = offered_topic()
    year = timezone.localdate().year
    values: dict[str, Any] = {
        "number": format_number(year, sequence), "year": year, "sequence": sequence,
        "topic": topic, "topic_code": topic.code, "topic_title": topic.title,
        "last_name": "Иванова", "first_name": "Мария", "patronymic": "Петровна",
        "address": "г. Москва, ул. Остоженка, д. 1, кв. 2", "postal_index": "119034",
        "phone": "+79161234567", "email": "maria.ivanova@mail.ru", "reply_method": "email",
        "kind": "primary", "text": "Прошу разъяснить порядок перевода на бюджетное место.",
        "identification_method": "email", "identified_as": "maria.ivanova@mail.ru",
        "access_code_hash": tokens.hash_secret(code),
    }
    values.update(fields)
    appeal = Appeal(**values)
    terms.refresh_terms(appeal)
    appeal.save()
    return appeal


def log_in(client, number: str, code: str = CODE):
    return client.post(STATUS_URL, {"number": number, "code": code})


@pytest.fixture
def department() -> Department:
    return Department.objects.create(name="Учебно-методическое управление", short_name="УМУ")


@pytest.fixture
def in_work(admin_user, department, django_capture_on_commit_callbacks) -> Appeal:
    """Registered and sent to a department by an official with every right."""
    appeal = make_appeal()
    with django_capture_on_commit_callbacks(execute=True):
        handling.register_appeal(appeal, admin_user)
        handling.assign_appeal(appeal, admin_user, department=department)
    appeal.refresh_from_db()
    return appeal


def answered(appeal: Appeal, user, capture) -> Answer:
    with capture(execute=True):
        handling.save_answer_draft(appeal, user, text="Разъясняем порядок перевода.")
        handling.submit_answer(appeal, user)
        results = {question.pk: ("explained", False) for question in appeal.questions.all()}
        return handling.sign_answer(appeal, user, signer_position="Проректор", signer_name="И. И. Петров",
                                    results=results)


# --- normalisation ---------------------------------------------------------------
@pytest.mark.parametrize("typed", [
    "ОГ-2026-000123", " ог-2026-000123 ", "OG-2026-000123", "og 2026 000123", "ОГ-2026-123", "2026-000123",
    "ОГ–2026–000123", "OГ-2026-000123",
])
def test_the_number_is_read_as_people_type_it_back(typed):
    assert normalize_number(typed) == "ОГ-2026-000123"


@pytest.mark.parametrize("typed", ["XX-2026-000123", "ОГ-26-1", "000123"])
def test_a_number_of_another_shape_is_kept_and_matches_nothing(typed):
    assert normalize_number(typed) != "ОГ-2026-000123"


@pytest.mark.parametrize("typed", ["K7P2X-M4QRT", " k7p2x - m4qrt ", "k7p2xm4qrt", "К7Р2Х-М4QRТ"])
def test_the_access_code_is_read_as_people_type_it_back(typed):
    assert normalize_code(typed) == CODE


# --- logging in -------------------------------------------------------------------
def test_the_form_has_both_fields_with_labels_and_no_cache(client):
    response = client.get(STATUS_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<label\s+for="id_number"[^>]*>\s*Регистрационный номер', html)
    assert re.search(r'<label\s+for="id_code"[^>]*>\s*Код доступа', html)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_base_page_links_to_the_status_page(client):
    assert f'href="{STATUS_URL}"' in client.get(reverse("appeals:form")).content.decode()


def test_the_number_and_code_from_the_receipt_open_the_status_page(client):
    submit(client)
    response = client.post(confirmation_link(mail.outbox[-1]), follow=True)
    html = response.content.decode()
    code = re.search(r'id="access-code">([A-Z0-9-]+)<', html).group(1)
    appeal = Appeal.objects.get()

    # Typed the way people do: lower case, Latin «og», spaces in the code.
    response = log_in(client, appeal.number.replace("ОГ", "og"), code.lower().replace("-", " "))
    assert response.status_code == 302 and response["Location"] == DETAIL_URL

    response = client.get(DETAIL_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert appeal.number in html
    assert "поступило" in html and "ожидает регистрации" in html
    assert "Срок регистрации" in html
    assert f"не позднее {appeal.registration_due.day}" in html
    assert "Заявитель" in html and "Иванова М. П." in html
    # Minimal personal data: no full name, address, e-mail, phone or text.
    for private in ("Мария", "д. 1, кв. 2", "maria.ivanova@mail.ru", "+7916", "бюджетное место"):
        assert private not in html
    # The acknowledgement sent by e-mail is listed.
    assert f"О поступлении обращения № {appeal.number}" in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_appeal_in_work_shows_department_answer_due_and_extension(client, in_work, admin_user,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        handling.extend_term(in_work, admin_user, days=21, reason="запрошены документы в другом органе")
    in_work.refresh_from_db()
    log_in(client, in_work.number)
    html = client.get(DETAIL_URL).content.decode()
    assert "на рассмотрении" in html and "рассматривается по существу" in html
    assert "Учебно-методическое управление" in html
    assert "Срок ответа" in html
    assert in_work.answer_due is not None
    assert f"не позднее {in_work.answer_due.day}" in html
    assert "на 21 день: запрошены документы в другом органе" in html
    # The notices sent by e-mail: registration and extension.
    sent = OutgoingMessage.objects.filter(appeal=in_work, status=OutgoingMessage.Status.SENT)
    assert sent.count() == 2
    for message in sent:
        assert message.subject in html


def test_a_wrong_code_and_an_unknown_number_give_the_same_neutral_answer(client):
    appeal = make_appeal()
    unknown = format_number(appeal.year, 999)

    wrong_code = log_in(client, appeal.number, "AAAAA-BBBBB")
    unknown_number = log_in(client, unknown, "AAAAA-BBBBB")

    for response in (wrong_code, unknown_number):
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count(NEUTRAL) == 1
        assert 'role="alert"' in html
        assert "AAAAA-BBBBB" not in html  # the code is never echoed
        assert STATUS_SESSION_KEY not in client.session

    def neutral(response, number):
        html = response.content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
        return html.replace(number, "NUMBER")

    assert neutral(wrong_code, appeal.number) == neutral(unknown_number, unknown)


def test_an_unknown_number_still_costs_a_hash_comparison(client, monkeypatch):
    calls = []
    real = tokens.check_secret
    monkeypatch.setattr(tokens, "check_secret", lambda secret, stored: calls.append(stored) or real(secret, stored))
    log_in(client, "ОГ-2026-999999")
    assert len(calls) == 1 and len(calls[0]) == 64


def test_empty_fields_are_explained_next_to_each_field_and_in_the_summary(client):
    response = client.post(STATUS_URL, {"number": "", "code": ""})
    html = response.content.decode()
    assert "Укажите регистрационный номер обращения." in html and "Укажите код доступа." in html
    assert 'href="#id_number"' in html and 'href="#id_code"' in html
    assert "is-invalid" in html and 'role="alert"' in html
    assert NEUTRAL not in html


def test_status_attempts_are_limited_per_address(client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.APPEALS_RATE_STATUS = "3/m"
    cache.clear()
    appeal = make_appeal()
    for _ in range(3):
        assert log_in(client, appeal.number, "AAAAA-BBBBB").status_code == 200
    response = log_in(client, appeal.number)  # even the right code: the address is limited
    assert response.status_code == 429
    html = response.content.decode()
    assert "слишком много попыток" in html and 'role="alert"' in html
    assert 'name="number"' in html  # the form comes back
    assert STATUS_SESSION_KEY not in client.session
    assert client.get(STATUS_URL).status_code == 200  # reading the form is not limited
    cache.clear()


def test_logging_in_rotates_the_session_key_and_keeps_one_appeal_only(client):
    first, second = make_appeal(1), make_appeal(2, code="ZZZZZ-YYYYY")
    client.get(STATUS_URL)
    log_in(client, first.number)
    key_after_first = client.session.session_key
    assert client.session[STATUS_SESSION_KEY] == first.pk
    log_in(client, second.number, "ZZZZZ-YYYYY")
    assert client.session.session_key != key_after_first
    session = dict(client.session.items())
    assert session[STATUS_SESSION_KEY] == second.pk
    assert first.pk not in session.values()
    html = client.get(DETAIL_URL).content.decode()
    assert second.number in html and first.number not in html


def test_pages_of_the_appeal_need_the_session(client):
    make_appeal()
    for url in (DETAIL_URL, WITHDRAW_URL):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == STATUS_URL
    assert client.get(ANSWER_URL).status_code == 404
    assert client.post(WITHDRAW_URL, {"comment": ""}).status_code == 302
    assert Appeal.objects.get().status == Appeal.Status.RECEIVED


def test_logout_forgets_the_appeal(client):
    appeal = make_appeal()
    log_in(client, appeal.number)
    assert client.get(LOGOUT_URL).status_code == 405  # a link prefetch does not log out
    response = client.post(LOGOUT_URL)
    assert response.status_code == 302 and response["Location"] == STATUS_URL
    assert STATUS_SESSION_KEY not in client.session
    assert client.get(DETAIL_URL)["Location"] == STATUS_URL


# --- withdrawal -------------------------------------------------------------------
def test_withdrawal_stops_consideration_with_history_and_a_letter(client, in_work):
    log_in(client, in_work.number)
    assert "Отозвать обращение" in client.get(DETAIL_URL).content.decode()
    page = client.get(WITHDRAW_URL)
    assert page.status_code == 200 and re.search(r'<label\s+for="id_comment"', page.content.decode())

    response = client.post(WITHDRAW_URL, {"comment": "  Вопрос решён.  "}, follow=True)
    in_work.refresh_from_db()
    assert in_work.status == Appeal.Status.WITHDRAWN and in_work.closed_at is not None
    event = AppealEvent.objects.get(appeal=in_work, action="appeal.withdrawn")
    assert event.actor is None and event.actor_label == "заявитель" and event.comment == "Вопрос решён."
    letter = OutgoingMessage.objects.get(appeal=in_work, kind=f"letters.{LetterKind.WITHDRAWN}")
    assert letter.status == OutgoingMessage.Status.SENT
    html = response.content.decode()
    assert "отозвано заявителем" in html and "Рассмотрение обращения прекращено по вашему заявлению" in html
    assert letter.subject in html
    assert WITHDRAW_URL not in html  # no second withdrawal offered


def test_withdrawal_by_post_queues_a_postal_letter_shown_on_the_page(client):
    appeal = make_appeal(reply_method="post")
    log_in(client, appeal.number)
    client.post(WITHDRAW_URL, {"comment": ""})
    letter = PostalLetter.objects.get(appeal=appeal)
    assert letter.kind == LetterKind.WITHDRAWN and letter.status == PostalLetter.Status.QUEUED
    html = client.get(DETAIL_URL).content.decode()
    assert letter.subject in html and "готовится к отправке по почте" in html

    letter.status, letter.sent_at, letter.tracking_number = PostalLetter.Status.SENT, timezone.now(), "11903412345678"
    letter.save()
    html = client.get(DETAIL_URL).content.decode()
    assert "отправлено почтой" in html and "ШПИ 11903412345678" in html and "11903412345678" in html


def test_a_closed_appeal_cannot_be_withdrawn(client, in_work, admin_user, django_capture_on_commit_callbacks):
    answered(in_work, admin_user, django_capture_on_commit_callbacks)
    log_in(client, in_work.number)
    assert WITHDRAW_URL not in client.get(DETAIL_URL).content.decode()
    response = client.post(WITHDRAW_URL, {"comment": "передумала"}, follow=True)
    assert "отозвать его нельзя" in response.content.decode()
    in_work.refresh_from_db()
    assert in_work.status == Appeal.Status.ANSWERED
    assert not AppealEvent.objects.filter(appeal=in_work, action="appeal.withdrawn").exists()


def test_a_refusal_of_the_service_comes_back_as_a_message(client, monkeypatch):
    appeal = make_appeal()
    log_in(client, appeal.number)

    def refuse(*args, **kwargs):
        raise handling.AppealError("Нельзя отозвать обращение: обращение в состоянии «дан ответ».")

    monkeypatch.setattr("appeals.views.status.withdraw_appeal", refuse)
    response = client.post(WITHDRAW_URL, {"comment": ""}, follow=True)
    assert "Нельзя отозвать обращение" in response.content.decode()
    assert Appeal.objects.get().status == Appeal.Status.RECEIVED


# --- the answer -------------------------------------------------------------------
def test_an_answered_appeal_shows_the_answer_and_serves_its_pdf(client, in_work, admin_user,
                                                                django_capture_on_commit_callbacks):
    answer = answered(in_work, admin_user, django_capture_on_commit_callbacks)
    log_in(client, in_work.number)
    html = client.get(DETAIL_URL).content.decode()
    assert "дан ответ" in html
    assert answer.outgoing_number in html and "Проректор, И. И. Петров" in html
    assert ANSWER_URL in html

    response = client.get(ANSWER_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    content = b"".join(response.streaming_content)
    with answer.pdf.open("rb") as stored:
        assert content == stored.read()
    assert content.startswith(b"%PDF")


def test_the_answer_is_served_only_for_an_answered_appeal_in_the_session(client, in_work, admin_user,
                                                                         django_capture_on_commit_callbacks):
    other = make_appeal(2, code="ZZZZZ-YYYYY")
    answered(in_work, admin_user, django_capture_on_commit_callbacks)
    # Another appeal's session does not reach this answer.
    log_in(client, other.number, "ZZZZZ-YYYYY")
    assert client.get(ANSWER_URL).status_code == 404
    # A signed answer of an appeal no longer «answered» is not served either.
    log_in(client, in_work.number)
    assert client.get(ANSWER_URL).status_code == 200
    Appeal.objects.filter(pk=in_work.pk).update(status=Appeal.Status.IN_WORK)
    assert client.get(ANSWER_URL).status_code == 404


def test_a_draft_answer_is_not_shown(client, in_work, admin_user):
    handling.save_answer_draft(in_work, admin_user, text="Черновик ответа")
    in_work.refresh_from_db()
    Answer.objects.filter(appeal=in_work).update(pdf="answers/x.pdf")
    log_in(client, in_work.number)
    assert "Черновик ответа" not in client.get(DETAIL_URL).content.decode()
    assert client.get(ANSWER_URL).status_code == 404


def test_a_redirected_appeal_names_the_body(client, in_work, admin_user, django_capture_on_commit_callbacks):
    from classifiers.models import ExternalBody

    body = ExternalBody.objects.create(name="Департамент образования города Москвы", email="dogm@mos.ru")
    with django_capture_on_commit_callbacks(execute=True):
        handling.redirect_appeal(in_work, admin_user, body=body)
    log_in(client, in_work.number)
    html = client.get(DETAIL_URL).content.decode()
    assert "направлено по компетенции" in html and "Департамент образования города Москвы" in html
    # The citizen's notice is listed; the letter to the body is not the citizen's.
    notice = OutgoingMessage.objects.get(appeal=in_work, kind=f"letters.{LetterKind.REDIRECT}")
    to_body = OutgoingMessage.objects.get(appeal=in_work, kind=f"letters.{LetterKind.REDIRECT_BODY}")
    assert notice.subject in html
    assert to_body.subject not in html and "dogm@mos.ru" not in html
