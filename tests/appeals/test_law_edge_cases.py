"""The law's edge cases of 59-FZ (issue 8, items 10-14): on the service and on the step page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal, Art11Case, Channel, DocumentRequest
from appeals.services import authorship, handling, terms
from appeals.services.intake import AppealError
from classifiers.models import ExternalBody, Topic
from outbox.models import OutgoingMessage
from tests import roles as role_fixtures
from tests.factories import offered_topic
from tests.roles import age, external_body

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture
Status = Appeal.Status


def step_url(appeal: Appeal, code: str) -> str:
    return reverse("admin:appeals_appeal_step", args=[appeal.pk, code])


# --- item 14: no documents request to courts, inquiry and investigation bodies ---------------
BARRED = [ExternalBody.Kind.COURT, ExternalBody.Kind.INQUIRY, ExternalBody.Kind.INVESTIGATION]


@pytest.mark.parametrize("kind", BARRED)
def test_documents_are_not_requested_from_a_court_or_an_inquiry_or_investigation_body(roles, kind):
    appeal = roles.appeal("in_work")
    body = external_body(f"Орган вида {kind}", kind=kind)
    with pytest.raises(AppealError, match=r"п\. 2 ч\. 1 ст\. 10"):
        handling.request_documents(appeal, roles.executor_a, body=body, text="Копия решения")
    assert not DocumentRequest.objects.filter(appeal=appeal).exists()
    assert not OutgoingMessage.objects.filter(appeal=appeal, kind="letters.documents_request").exists()
    assert "appeal.documents_requested" not in appeal.events.values_list("action", flat=True)


def test_documents_are_requested_from_any_other_body(roles):
    appeal = roles.appeal("in_work")
    body = external_body()
    assert body.kind == ExternalBody.Kind.OTHER
    handling.request_documents(appeal, roles.executor_a, body=body, text="Копия приказа")
    assert DocumentRequest.objects.filter(appeal=appeal, body=body).exists()


def test_the_documents_request_page_does_not_offer_courts_nor_inquiry_or_investigation(client, roles):
    appeal = roles.appeal("in_work")
    ministry = external_body()
    court = external_body("Хамовнический районный суд г. Москвы", kind=ExternalBody.Kind.COURT)
    inquiry = external_body("ОМВД России по району Хамовники", kind=ExternalBody.Kind.INQUIRY)
    investigation = external_body("ГСУ СК России по г. Москве", kind=ExternalBody.Kind.INVESTIGATION)
    client.force_login(roles.executor_a)
    html = client.get(step_url(appeal, "request_documents")).content.decode()
    assert ministry.name in html
    for body in (court, inquiry, investigation):
        assert body.name not in html
    response = client.post(step_url(appeal, "request_documents"), {"body": court.pk, "text": "копия решения"})
    assert response.status_code == 200
    assert "документы не запрашиваются" in response.content.decode()
    assert "копия решения" in response.content.decode()  # what was typed is kept
    assert not DocumentRequest.objects.filter(appeal=appeal).exists()


def test_the_kind_of_a_body_is_edited_in_the_admin(admin_client):
    body = external_body()
    url = reverse("admin:classifiers_externalbody_change", args=[body.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="kind"' in html and "орган предварительного следствия" in html


# --- item 10: termination counts earlier answers of the same author on the same question -------
def another_topic() -> Topic:
    from classifiers.codes import QUESTION_LEVEL

    return Topic.objects.filter(level=QUESTION_LEVEL, is_active=True).exclude(pk=offered_topic().pk).first()


def earlier(roles, state: str = "answered", **fields) -> Appeal:
    appeal = roles.appeal(state, **fields)
    return age(appeal, 60)


def test_another_authors_linked_answers_do_not_count_for_termination(roles):
    others = [earlier(roles, last_name="Петров", first_name="Иван", patronymic="", email=f"petrov{i}@mail.ru",
                      identified_as=f"petrov{i}@mail.ru") for i in range(2)]
    appeal = roles.appeal("registered")
    handling.link_appeals(appeal, roles.registrar, others=others)
    with pytest.raises(AppealError, match="не менее двух раз") as refusal:
        handling.terminate_correspondence(appeal, roles.head, comment="Новых доводов нет")
    message = str(refusal.value)
    assert "Учтённых нет." in message
    for other in others:
        assert f"{other.number} — другой заявитель" in message
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED and appeal.art11_case == ""


def test_only_answers_on_the_merits_on_the_same_question_count(roles):
    same = earlier(roles)
    other_question = earlier(roles, topic=another_topic())
    redirected = earlier(roles, "registered")
    handling.redirect_appeal(redirected, roles.registrar, body=external_body())
    appeal = roles.appeal("registered")
    handling.link_appeals(appeal, roles.registrar, others=[same, other_question, redirected])
    with pytest.raises(AppealError) as refusal:
        handling.terminate_correspondence(appeal, roles.head, comment="Новых доводов нет")
    message = str(refusal.value)
    assert f"Учтены: {same.number}." in message
    assert f"{other_question.number} — ответ дан по другому вопросу" in message
    assert f"{redirected.number} — ответ по существу не давался (направлено по компетенции)" in message


def test_the_same_author_by_a_proven_email_under_another_spelling_of_the_name(roles):
    # The same proven address: the same citizen, even if a letter spelt the name differently.
    first = earlier(roles, first_name="Мария", patronymic="")
    second = earlier(roles, last_name="Иванова-Смирнова")
    # The same name with an address nobody proved (typed by the registrar from a letter) is still the same name.
    third = earlier(roles, identification_method="registrar", identified_as="registrar", email="x@mail.ru")
    appeal = roles.appeal("registered")
    handling.link_appeals(appeal, roles.registrar, others=[first, second, third])
    rows = {row.appeal.pk: row for row in authorship.earlier_answers(appeal)}
    assert all(row.counts for row in rows.values())
    handling.terminate_correspondence(appeal, roles.head, comment="Новых доводов нет")
    appeal.refresh_from_db()
    assert appeal.art11_case == "part5"
    event = appeal.events.get(action="appeal.art11.part5")
    assert sorted(event.after["earlier_answers"]) == sorted(a.number for a in (first, second, third))


def test_an_email_nobody_proved_does_not_make_the_same_author(roles):
    other = earlier(roles, last_name="Петров", first_name="Иван", patronymic="",
                    identification_method="registrar", identified_as="registrar")
    assert other.email == "maria.ivanova@mail.ru"
    appeal = roles.appeal("registered")
    handling.link_appeals(appeal, roles.registrar, others=[other])
    [row] = authorship.earlier_answers(appeal)
    assert row.reasons == ("другой заявитель",)


def test_the_termination_page_lists_what_counts_and_refuses_with_the_reasons(client, roles):
    mine = earlier(roles)
    stranger = earlier(roles, last_name="Петров", first_name="Иван", patronymic="", email="petrov@mail.ru",
                       identified_as="petrov@mail.ru")
    appeal = roles.appeal("in_work")
    handling.link_appeals(appeal, roles.registrar, others=[mine, stranger])
    client.force_login(roles.head)
    html = client.get(step_url(appeal, "terminate")).content.decode()
    assert "termination-grounds" in html and mine.number in html and "другой заявитель" in html
    response = client.post(step_url(appeal, "terminate"), {"comment": "новых доводов нет"})
    text = response.content.decode()
    assert response.status_code == 200 and "не менее двух раз" in text
    assert f"Учтены: {mine.number}." in text and f"{stranger.number} — другой заявитель" in text
    assert "новых доводов нет" in text  # what was typed is kept
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_WORK


# --- item 11: part 1 only without a surname or an address for the answer, or with a reason ------
def test_part_1_on_an_appeal_with_a_surname_and_an_address_needs_the_reason(roles):
    appeal = roles.appeal("registered")
    assert handling.part1_missing(appeal) == []
    with pytest.raises(AppealError, match="Укажите, почему"):
        handling.decide_art11(appeal, roles.registrar, case=Art11Case.NO_NAME_OR_ADDRESS, comment="Аноним")
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED
    handling.decide_art11(appeal, roles.registrar, case=Art11Case.NO_NAME_OR_ADDRESS, comment="Аноним",
                          part1_reason="«Иванова Мария» — подпись коллектива, адрес — адрес учреждения")
    appeal.refresh_from_db()
    assert appeal.art11_case == Art11Case.NO_NAME_OR_ADDRESS
    event = appeal.events.get(action="appeal.art11.part1")
    assert event.after["part1_reason"] == "«Иванова Мария» — подпись коллектива, адрес — адрес учреждения"
    assert event.after["part1_missing"] == []


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"last_name": ""}, ["фамилия"]),
        ({"channel": Channel.POST, "reply_method": "post", "address": "", "email": ""}, ["почтовый адрес для ответа"]),
        # An electronic appeal answered by e-mail: the e-mail is the address for the answer.
        ({"email": "", "identification_method": "esia", "identified_as": "1000"},
         ["адрес электронной почты для ответа"]),
    ],
)
def test_part_1_without_a_surname_or_the_address_for_the_answer_needs_no_reason(roles, fields, missing):
    appeal = roles.appeal("registered", **fields)
    assert handling.part1_missing(appeal) == missing
    handling.decide_art11(appeal, roles.registrar, case=Art11Case.NO_NAME_OR_ADDRESS, comment="Не указано")
    appeal.refresh_from_db()
    assert appeal.status == Status.NO_ANSWER
    assert appeal.events.get(action="appeal.art11.part1").after["part1_missing"] == missing


def test_an_electronic_appeal_answered_by_post_needs_its_postal_address_not_an_email(roles):
    appeal = roles.appeal("registered", reply_method="post", email="", identification_method="esia",
                          identified_as="1000")
    assert handling.part1_missing(appeal) == []
    appeal = roles.appeal("registered", reply_method="post", address="")
    assert handling.part1_missing(appeal) == ["почтовый адрес для ответа"]


def test_the_art11_page_asks_for_the_reason_when_the_name_and_address_are_there(client, roles):
    appeal = roles.appeal("registered")
    client.force_login(roles.registrar)
    html = client.get(step_url(appeal, "art11")).content.decode()
    assert 'name="part1_reason"' in html and "Обязательно для ч. 1 ст. 11" in html
    response = client.post(step_url(appeal, "art11"), {"case": "part1", "comment": "аноним"})
    text = response.content.decode()
    assert response.status_code == 200 and "объясните, почему указанное не является" in text
    assert "аноним" in text
    response = client.post(step_url(appeal, "art11"), {"case": "part1", "comment": "аноним",
                                                       "part1_reason": "фамилия вымышленная"})
    assert response.status_code == 302
    assert appeal.events.get(action="appeal.art11.part1").after["part1_reason"] == "фамилия вымышленная"
    page = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert "почему указанное не является фамилией или адресом (ч. 1 ст. 11)" in page
    assert "фамилия вымышленная" in page


def test_the_art11_page_says_what_is_missing(client, roles):
    appeal = roles.appeal("registered", last_name="")
    client.force_login(roles.registrar)
    html = client.get(step_url(appeal, "art11")).content.decode()
    assert "В обращении не указаны: фамилия." in html
    response = client.post(step_url(appeal, "art11"), {"case": "part1", "comment": "нет фамилии"})
    assert response.status_code == 302


# --- item 12: an art. 11 notice's own term --------------------------------------------------
@pytest.mark.parametrize(
    ("case", "title", "article"),
    [
        (Art11Case.COURT_DECISION, "Возврат обращения по ч. 2 ст. 11 (7 дней)", "(ч. 2 ст. 11 Федерального закона"),
        (Art11Case.UNREADABLE, "Уведомление по ч. 4 ст. 11 (7 дней)", "(ч. 4 ст. 11 Федерального закона"),
        (Art11Case.NO_ESSENCE, "Уведомление по ч. 4.1 ст. 11 (7 дней)", "(ч. 4.1 ст. 11 Федерального закона"),
        (Art11Case.PUBLISHED, "Уведомление по ч. 5.1 ст. 11 (7 дней)", "(ч. 5.1 ст. 11 Федерального закона"),
    ],
)
def test_a_7_day_notice_shows_its_own_term_citing_its_own_part(roles, case, title, article):
    appeal = roles.appeal("registered")
    handling.decide_art11(appeal, roles.registrar, case=case, comment="Основание",
                          published_url="https://www.linguanet.ru/faq/")
    appeal.refresh_from_db()
    rows = {row.title: row for row in terms.explain(appeal)}
    row = rows[title]
    assert row.met and row.due.days == 7 and row.due.start == timezone.localdate(appeal.registered_at)
    assert article in row.due.explain() and "ч. 3 ст. 8" not in row.due.explain()
    assert "Переадресация или уведомление (7 дней)" not in rows


@pytest.mark.parametrize("case", [Art11Case.ABUSIVE, Art11Case.SECRET, Art11Case.TERMINATED])
def test_parts_3_5_and_6_are_not_shown_as_7_day_terms(roles, case):
    appeal = roles.appeal("registered")
    if case == Art11Case.TERMINATED:
        appeal = _terminated(roles, appeal)
    else:
        handling.decide_art11(appeal, roles.registrar, case=case, comment="Основание")
    appeal.refresh_from_db()
    rows = terms.explain(appeal)
    assert [row.due.days for row in rows if row.title != "Регистрация"] == [30]
    [aim] = [row for row in rows if row.title != "Регистрация"]
    part = {"part3": "3", "part5": "5", "part6": "6"}[case]
    assert aim.title == (f"Уведомление по ч. {part} ст. 11: срок законом не установлен, ориентир — срок "
                         "рассмотрения (ч. 1 ст. 12)")
    assert "ч. 1 ст. 12" in aim.due.explain()


def _terminated(roles, appeal: Appeal) -> Appeal:
    handling.link_appeals(appeal, roles.registrar, others=[earlier(roles), earlier(roles)])
    handling.terminate_correspondence(appeal, roles.head, comment="Новых доводов нет")
    return appeal


def test_an_open_appeal_keeps_the_7_day_decision_term(roles):
    appeal = roles.appeal("registered")
    titles = [row.title for row in terms.explain(appeal)]
    assert titles == ["Регистрация", "Переадресация или уведомление (7 дней)", "Ответ"]


def test_the_appeals_page_shows_the_notices_own_term(client, roles):
    unreadable = roles.appeal("registered")
    handling.decide_art11(unreadable, roles.registrar, case=Art11Case.UNREADABLE, comment="Не читается")
    abusive = roles.appeal("registered")
    handling.decide_art11(abusive, roles.registrar, case=Art11Case.ABUSIVE, comment="Угрозы")
    client.force_login(roles.registrar)
    page = client.get(reverse("admin:appeals_appeal_change", args=[unreadable.pk])).content.decode()
    assert "Уведомление по ч. 4 ст. 11 (7 дней)" in page and "ч. 4 ст. 11 Федерального закона" in page
    assert "Переадресация или уведомление (7 дней)" not in page
    page = client.get(reverse("admin:appeals_appeal_change", args=[abusive.pk])).content.decode()
    assert "Уведомление по ч. 3 ст. 11: срок законом не установлен" in page
    assert "7 дней" not in page


def test_the_reminder_of_the_7_day_decision_names_only_the_parts_with_that_term():
    from appeals.reminders import TERM_TITLES

    decision = str(TERM_TITLES["decision"])
    assert "частям 2, 4, 4.1 или 5.1 статьи 11" in decision and "статья 11 " not in decision


def test_appeals_without_a_surname_are_not_the_same_author_for_that(roles):
    other = earlier(roles, last_name="", first_name="", patronymic="", identification_method="registrar",
                    identified_as="registrar")
    appeal = roles.appeal("registered", last_name="", first_name="", patronymic="",
                          identification_method="registrar", identified_as="registrar")
    handling.link_appeals(appeal, roles.registrar, others=[other])
    [row] = authorship.earlier_answers(appeal)
    assert row.reasons == ("другой заявитель",)
