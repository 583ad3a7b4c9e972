"""The officials' steps through the admin: buttons, forms, the services behind them, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from appeals.models import AccessLogEntry, Answer, Appeal, AppealEvent
from classifiers.codes import QUESTION_LEVEL
from classifiers.models import Cause, Measure, Topic
from tests import roles as role_fixtures
from tests.factories import make_pdf, upload
from tests.roles import age, external_body, make_appeal

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture

LIST_URL = reverse("admin:appeals_appeal_changelist")
Status = Appeal.Status


def page_url(appeal: Appeal) -> str:
    return reverse("admin:appeals_appeal_change", args=[appeal.pk])


def step_url(appeal: Appeal, code: str) -> str:
    return reverse("admin:appeals_appeal_step", args=[appeal.pk, code])


def buttons(client, appeal: Appeal) -> set[str]:
    html = client.get(page_url(appeal)).content.decode()
    return {code for code in (
        "register", "assign", "redirect", "art11", "terminate", "complaint_subject", "link", "request_documents",
        "documents_received", "extend", "copies", "return_complaint", "draft_answer", "submit_answer",
        "return_answer", "sign_answer", "withdraw",
    ) if f'data-step="{code}"' in html}


def post_step(client, appeal: Appeal, code: str, data: dict):
    return client.post(step_url(appeal, code), data)


def refused(response, message: str) -> bool:
    return response.status_code == 200 and message in response.content.decode()


# --- buttons ------------------------------------------------------------------------
def test_buttons_follow_available_steps(client, roles):
    appeal = roles.appeal("received")
    client.force_login(roles.registrar)
    assert buttons(client, appeal) == {"register", "complaint_subject", "link", "withdraw"}
    client.force_login(roles.head)
    assert buttons(client, appeal) == set()
    appeal = roles.appeal("in_work")
    client.force_login(roles.executor_a)
    assert buttons(client, appeal) == {"link", "request_documents", "draft_answer"}
    client.force_login(roles.head)
    assert buttons(client, appeal) == {"assign", "redirect", "copies", "art11", "terminate", "extend"}


def test_a_step_not_available_now_sends_back_with_a_message(client, roles):
    appeal = roles.appeal("received")
    client.force_login(roles.registrar)
    response = client.get(step_url(appeal, "assign"), follow=True)
    assert "сейчас недоступно" in response.content.decode()


def test_a_step_without_the_right_is_refused(client, roles):
    appeal = roles.appeal("in_work")
    client.force_login(roles.executor_a)
    assert client.get(step_url(appeal, "sign_answer")).status_code == 403
    assert post_step(client, appeal, "extend", {"days": 5, "reason": "x"}).status_code == 403


def test_get_never_changes_anything(client, roles):
    appeal = roles.appeal("received")
    client.force_login(roles.registrar)
    assert client.get(step_url(appeal, "register")).status_code == 200
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED


# --- each step ------------------------------------------------------------------------
def test_register_with_an_extra_question(client, roles):
    appeal = roles.appeal("received")
    extra = Topic.objects.filter(level=QUESTION_LEVEL, is_active=True).exclude(pk=appeal.topic_id).first()
    client.force_login(roles.registrar)
    response = post_step(client, appeal, "register", {"questions": [extra.pk], "comment": "Проверено"})
    assert response.status_code == 302 and response["Location"] == page_url(appeal)
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED and appeal.registered_by == roles.registrar
    assert appeal.questions.count() == 2
    event = appeal.events.get(action="appeal.registered")
    assert event.comment == "Проверено" and event.actor == roles.registrar
    html = client.get(page_url(appeal)).content.decode()
    assert "Зарегистрировано" in html and "Проверено" in html


def test_assign_checks_the_executor_is_in_the_department(client, roles):
    appeal = roles.appeal("registered")
    client.force_login(roles.registrar)
    response = post_step(client, appeal, "assign", {"department": roles.department_a.pk,
                                                    "executor": roles.executor_b.pk})
    assert refused(response, "Исполнитель не состоит в выбранном подразделении.")
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED
    response = post_step(client, appeal, "assign", {"department": roles.department_a.pk,
                                                    "executor": roles.executor_a.pk})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.department, appeal.executor) == (
        Status.IN_WORK, roles.department_a, roles.executor_a)


def test_redirect_refuses_the_body_the_complaint_is_about(client, roles):
    appeal = roles.appeal("registered")
    body = external_body()
    client.force_login(roles.registrar)
    assert post_step(client, appeal, "complaint_subject", {"body": body.pk, "comment": "жалоба"}).status_code == 302
    events = appeal.events.count()
    response = post_step(client, appeal, "redirect", {"body": body.pk})
    assert refused(response, "Жалобу нельзя направлять в орган")
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED and appeal.events.count() == events


def test_redirect_closes_the_appeal(client, roles):
    appeal = roles.appeal("registered")
    client.force_login(roles.registrar)
    response = post_step(client, appeal, "redirect", {"body": external_body().pk, "comment": "по компетенции"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.REDIRECTED and appeal.closed_at is not None
    assert appeal.messages.exists()  # the notices are queued


def test_art11_needs_the_page_address_for_part_5_1(client, roles):
    appeal = roles.appeal("registered")
    client.force_login(roles.registrar)
    response = post_step(client, appeal, "art11", {"case": "part5_1", "comment": "ответ опубликован"})
    assert refused(response, "Укажите адрес страницы сайта")
    response = post_step(client, appeal, "art11", {"case": "part4_1", "comment": "суть не ясна", "notify": "on"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.NO_ANSWER and appeal.art11_case == "part4_1"


def test_terminate_needs_two_earlier_answers(client, roles):
    appeal = roles.appeal("in_work")
    client.force_login(roles.head)
    response = post_step(client, appeal, "terminate", {"comment": "новых доводов нет"})
    assert refused(response, "не менее двух раз")
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_WORK


def test_extend_once_and_only_once(client, roles):
    appeal = roles.appeal("in_work")
    due = appeal.answer_due
    client.force_login(roles.head)
    assert post_step(client, appeal, "extend", {"days": 31, "reason": "x"}).status_code == 200
    response = post_step(client, appeal, "extend", {"days": 10, "reason": "запрос документов"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    # Not always later: an extended term ending in the New Year holidays
    # moves back to the last working day before them.
    assert appeal.extension_days == 10 and appeal.answer_due >= due
    assert "extend" not in buttons(client, appeal)
    response = post_step(client, appeal, "extend", {"days": 5, "reason": "ещё"})
    assert refused(response, "можно только один раз")
    appeal.refresh_from_db()
    assert appeal.extension_days == 10


def test_documents_request_and_its_answer(client, roles):
    appeal = roles.appeal("in_work")
    client.force_login(roles.executor_a)
    body = external_body()
    assert post_step(client, appeal, "request_documents", {"body": body.pk, "text": "копия приказа"}).status_code \
        == 302
    request = appeal.document_requests.get()
    assert "documents_received" in buttons(client, appeal)
    assert post_step(client, appeal, "documents_received", {"request": request.pk}).status_code == 302
    request.refresh_from_db()
    assert request.answered_on == timezone.localdate()
    assert "documents_received" not in buttons(client, appeal)


def test_link_earlier_appeals_by_number(client, roles):
    earlier = received(received_at=timezone.now() - timedelta(days=60))
    appeal = roles.appeal("registered")
    client.force_login(roles.registrar)
    html = client.get(step_url(appeal, "link")).content.decode()
    assert earlier.number in html  # suggested: the same name, address and e-mail
    response = post_step(client, appeal, "link", {"numbers": "ОГ-1999-000001"})
    assert refused(response, "Не найдены обращения")
    response = post_step(client, appeal, "link", {"numbers": f" {earlier.number.lower()}, "})
    assert response.status_code == 302
    assert list(appeal.linked_appeals.all()) == [earlier]


def cause_of(appeal: Appeal, title: str = "недостаток информации") -> dict[str, int]:
    """The submit step's field for the cause of the appeal's one question (issue 11)."""
    return {f"cause_{appeal.questions.get().pk}": Cause.objects.get(title=title).pk}


def test_the_answer_from_draft_to_signature(client, roles):
    appeal = roles.appeal("in_work")
    client.force_login(roles.executor_a)
    assert post_step(client, appeal, "draft_answer", {"text": "Сообщаем, что перевод возможен."}).status_code == 302
    assert "Сообщаем, что перевод возможен." in client.get(step_url(appeal, "draft_answer")).content.decode()
    assert post_step(client, appeal, "submit_answer", cause_of(appeal)).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.ON_APPROVAL

    client.force_login(roles.head)
    assert buttons(client, appeal) >= {"return_answer", "sign_answer"}
    assert refused(post_step(client, appeal, "return_answer", {}), "Заполните это поле.")
    assert post_step(client, appeal, "return_answer", {"comment": "Уточните сроки"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_WORK

    client.force_login(roles.executor_a)
    post_step(client, appeal, "submit_answer", cause_of(appeal))
    client.force_login(roles.head)
    question = appeal.questions.get()
    response = post_step(client, appeal, "sign_answer", {"signer_position": "Проректор", **cause_of(appeal)})
    assert refused(response, "Укажите результат рассмотрения по вопросу")
    appeal.refresh_from_db()
    assert appeal.status == Status.ON_APPROVAL and appeal.answer.status == Answer.Status.ON_APPROVAL

    response = post_step(client, appeal, "sign_answer", {
        "signer_position": "Проректор", f"result_{question.pk}": "supported", f"measures_{question.pk}": "on",
        f"measures_list_{question.pk}": [Measure.objects.get(title="совещание").pk], **cause_of(appeal),
    })
    assert response.status_code == 302
    appeal.refresh_from_db()
    question.refresh_from_db()
    assert appeal.status == Status.ANSWERED
    assert (question.result, question.measures_taken) == ("supported", True)
    pdf_url = reverse("admin:appeals_appeal_answer_pdf", args=[appeal.pk])
    html = client.get(page_url(appeal)).content.decode()
    assert pdf_url in html and appeal.answer.outgoing_number in html
    response = client.get(pdf_url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert AccessLogEntry.objects.filter(appeal=appeal, action="download", user=roles.head).exists()


def test_withdraw_at_the_citizens_request(client, roles):
    appeal = roles.appeal("registered")
    client.force_login(roles.registrar)
    assert refused(post_step(client, appeal, "withdraw", {}), "Заполните это поле.")
    assert post_step(client, appeal, "withdraw", {"comment": "Заявление от 01.02"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.WITHDRAWN


# --- bulk actions -------------------------------------------------------------------------
def test_bulk_register_reports_successes_and_refusals(client, roles):
    fresh = roles.appeal("received")
    done = roles.appeal("registered")
    client.force_login(roles.registrar)
    response = client.post(LIST_URL, {"action": "register_selected", ACTION_CHECKBOX_NAME: [fresh.pk, done.pk]},
                           follow=True)
    html = response.content.decode()
    fresh.refresh_from_db()
    assert fresh.status == Status.REGISTERED
    assert "Выполнено для 1 обращения." in html and done.number in html and "Нельзя зарегистрировать" in html


def test_bulk_assign_asks_for_the_department(client, roles):
    first, second = roles.appeal("registered"), roles.appeal("registered")
    client.force_login(roles.registrar)
    data = {"action": "assign_selected", ACTION_CHECKBOX_NAME: [first.pk, second.pk]}
    response = client.post(LIST_URL, data)
    assert response.status_code == 200 and 'name="department"' in response.content.decode()
    response = client.post(LIST_URL, {**data, "apply": "1", "department": roles.department_b.pk}, follow=True)
    assert "Выполнено для 2 обращений." in response.content.decode()
    assert set(Appeal.objects.filter(pk__in=[first.pk, second.pk]).values_list("department", flat=True)) == {
        roles.department_b.pk}


def test_bulk_actions_need_their_permission(client, roles):
    appeal = roles.appeal("received")
    client.force_login(roles.head)
    client.post(LIST_URL, {"action": "register_selected", ACTION_CHECKBOX_NAME: [appeal.pk]})
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED


# --- entry of paper appeals ----------------------------------------------------------------
def entry_data(**overrides):
    topic = Topic.objects.offered().first()
    data = {
        "channel": "post", "received_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "last_name": "Петров", "first_name": "Иван", "patronymic": "", "address": "г. Тула, ул. Ленина, д. 1",
        "postal_index": "300000", "phone": "", "email": "", "reply_method": "post", "topic": topic.pk,
        "kind": "primary", "text": "Прошу выдать справку.",
    }
    return {**data, **overrides}


def test_registrar_enters_a_paper_appeal_with_a_scan(client, roles):
    client.force_login(roles.registrar)
    add_url = reverse("admin:appeals_appeal_add")
    assert client.get(add_url).status_code == 200
    response = client.post(add_url, {**entry_data(), "scans": [upload("скан.pdf", make_pdf())]}, follow=True)
    appeal = Appeal.objects.get(last_name="Петров")
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == page_url(appeal)
    assert appeal.number in html and "Код доступа" in html
    assert (appeal.channel, appeal.attachment_count, appeal.email) == ("post", 1, "")
    assert AppealEvent.objects.filter(appeal=appeal, action="appeal.entered").exists()


def test_entry_refuses_the_future_a_bad_scan_and_email_reply_without_address(client, roles):
    client.force_login(roles.registrar)
    add_url = reverse("admin:appeals_appeal_add")
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    html = client.post(add_url, {**entry_data(received_at=future, reply_method="email"),
                                 "scans": [upload("скан.pdf", b"not a pdf")]}).content.decode()
    assert "не может быть в будущем" in html
    assert "укажите адрес" in html
    assert "скан.pdf" in html
    assert not Appeal.objects.exists()


def test_only_the_registrar_enters_appeals(client, roles):
    client.force_login(roles.executor_a)
    assert client.get(reverse("admin:appeals_appeal_add")).status_code == 403


# --- the access log --------------------------------------------------------------------------
def test_viewing_the_page_and_downloading_are_logged(client, roles):
    from tests.appeals.test_isolation import attach

    appeal = roles.appeal("in_work")
    attachment = attach(appeal)
    client.force_login(roles.executor_a)
    client.get(page_url(appeal))
    response = client.get(reverse("admin:appeals_appeal_attachment", args=[appeal.pk, attachment.pk]))
    assert response.status_code == 200
    entries = list(AccessLogEntry.objects.filter(appeal=appeal).order_by("at", "pk").values_list(
        "user__username", "action", "detail"))
    assert entries == [("executor_a", "view", ""), ("executor_a", "download", "скан.pdf")]


def test_the_access_log_is_read_only_for_the_head(client, roles):
    """The heads audit the log (migration 0011_scoping_audit_role); the administrator sees no appeal, nor its log."""
    appeal = roles.appeal("received")
    client.force_login(roles.registrar)
    client.get(page_url(appeal))
    url = reverse("admin:appeals_accesslogentry_changelist")
    assert client.get(url).status_code == 403
    client.force_login(roles.administrator)
    assert client.get(url).status_code == 403
    client.force_login(roles.head)
    html = client.get(url, {"q": appeal.number}).content.decode()
    assert "registrar" in html
    assert appeal.number not in client.get(url, {"q": appeal.number[:-1]}).content.decode().split("<tbody>")[-1]
    assert "registrar" in client.get(url, {"q": "registrar"}).content.decode()
    assert client.get(reverse("admin:appeals_accesslogentry_add")).status_code == 403
    entry = AccessLogEntry.objects.get()
    assert client.post(reverse("admin:appeals_accesslogentry_delete", args=[entry.pk])).status_code == 403


def test_the_administrator_manages_departments_and_bodies(client, roles):
    client.force_login(roles.administrator)
    assert client.get(reverse("admin:appeals_department_change", args=[roles.department_a.pk])).status_code == 200
    assert client.get(reverse("admin:classifiers_externalbody_add")).status_code == 200
    assert client.get(reverse("admin:classifiers_calendarday_changelist")).status_code == 200


# --- the list --------------------------------------------------------------------------------
def test_default_order_puts_overdue_first_and_marks_it_in_words(client, roles):
    fresh = roles.appeal("received")
    overdue = age(roles.appeal("received"), 10)
    closed = roles.appeal("registered")
    client.force_login(roles.registrar)
    post_step(client, closed, "withdraw", {"comment": "заявление"})
    html = client.get(LIST_URL).content.decode()
    assert html.index(overdue.number) < html.index(fresh.number) < html.index(closed.number)
    assert "due-overdue" in html and "просрочено" in html


@pytest.mark.parametrize(("key", "expected"), [
    ("overdue", {"overdue"}),
    ("soon", {"fresh"}),
    ("decision", {"registered"}),
    ("unregistered_late", {"overdue"}),
    ("decision_late", set()),
])
def test_attention_filters(client, roles, key, expected):
    made = {
        "fresh": roles.appeal("received"),
        "overdue": age(roles.appeal("received"), 10),
        "registered": roles.appeal("registered"),
        "in_work": roles.appeal("in_work"),
    }
    client.force_login(roles.registrar)
    response = client.get(LIST_URL, {"attention": key})
    assert response.status_code == 200
    html = response.content.decode()
    assert {name for name, appeal in made.items() if appeal.number in html} == expected


def test_the_list_of_30_appeals_takes_a_fixed_number_of_queries(client, roles, django_assert_max_num_queries):
    for _ in range(30):
        make_appeal()
    roles.appeal("in_work")
    client.force_login(roles.registrar)
    with django_assert_max_num_queries(15):
        response = client.get(LIST_URL)
    assert response.status_code == 200


def test_the_appeal_page_takes_a_fixed_number_of_queries(client, roles, django_assert_max_num_queries):
    appeal = roles.appeal("answered")
    client.force_login(roles.executor_a)
    # The suggestions' panel (issue 12) computes them on the first view of an appeal whose intake task
    # has not run (here: never queued), about 13 queries more; later views read them.
    with django_assert_max_num_queries(50):
        response = client.get(page_url(appeal))
    assert response.status_code == 200
    with django_assert_max_num_queries(40):
        assert client.get(page_url(appeal)).status_code == 200


def test_the_history_reads_in_russian(client, roles):
    appeal = roles.appeal("in_work")
    client.force_login(roles.executor_a)
    html = client.get(page_url(appeal)).content.decode()
    assert "Направлено на рассмотрение" in html and "Ольга Регистрова" in html
    assert "состояние: зарегистрировано → на рассмотрении" in html
    assert "appeal.assigned" not in html


def test_the_list_counts_at_most_its_cap(admin_client, monkeypatch):
    from appeals.admin import CappedCountPaginator
    from tests.roles import make_appeal

    monkeypatch.setattr(CappedCountPaginator, "COUNT_CAP", 3)
    for _ in range(5):
        make_appeal()
    html = admin_client.get("/admin/appeals/appeal/").content.decode()
    assert "более 3 обращений" in html
    monkeypatch.setattr(CappedCountPaginator, "COUNT_CAP", 10)
    assert "5 обращения" in admin_client.get("/admin/appeals/appeal/").content.decode()


def test_the_answer_carries_its_enclosures_after_its_pages(client, roles):
    from io import BytesIO

    from django.core.files.storage import storages
    from pypdf import PdfReader

    from appeals.models import AnswerFile
    from outbox.models import OutgoingMessage
    from tests.factories import make_jpeg

    appeal = roles.appeal("in_work")
    client.force_login(roles.executor_a)
    text = {"text": "Направляем копию приказа о переводе."}
    bad = post_step(client, appeal, "draft_answer", {**text, "enclosures": [upload("приказ.pdf", b"not a pdf")]})
    assert bad.status_code == 200 and "приказ.pdf" in bad.content.decode()
    assert not AnswerFile.objects.exists()  # a refused file leaves nothing behind
    response = post_step(client, appeal, "draft_answer", {
        **text,
        "enclosures": [upload("Приказ № 12.pdf", make_pdf(pages=2)), upload("Справка.jpg", make_jpeg((800, 600))),
                       upload("Лишнее.pdf", make_pdf())],
    })
    assert response.status_code == 302
    extra = AnswerFile.objects.get(original_name="Лишнее.pdf")
    assert post_step(client, appeal, "draft_answer", {**text, "remove_files": [extra.pk]}).status_code == 302
    assert sorted(AnswerFile.objects.values_list("original_name", flat=True)) == ["Приказ № 12.pdf", "Справка.jpg"]
    page = client.get(page_url(appeal)).content.decode()
    assert "Приложения к ответу" in page and "Справка.jpg" in page
    enclosure = AnswerFile.objects.get(original_name="Справка.jpg")
    download = client.get(reverse("admin:appeals_appeal_answer_file", args=[appeal.pk, enclosure.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"\xff\xd8"
    assert AccessLogEntry.objects.filter(appeal=appeal, action="download", detail__contains="Справка.jpg").exists()
    client.force_login(roles.executor_b)  # another department: nothing
    assert client.get(reverse("admin:appeals_appeal_answer_file", args=[appeal.pk, enclosure.pk])).status_code == 404

    client.force_login(roles.executor_a)
    post_step(client, appeal, "submit_answer", cause_of(appeal))
    client.force_login(roles.head)
    question = appeal.questions.get()
    post_step(client, appeal, "sign_answer", {"signer_position": "Проректор", f"result_{question.pk}": "explained",
                                              **cause_of(appeal)})
    appeal.refresh_from_db()
    signed = PdfReader(BytesIO(appeal.answer.pdf.read()))
    letter_pages = len(signed.pages) - 3  # the letter, then 2 pages of the order and 1 of the photo
    assert letter_pages >= 1 and appeal.number in signed.pages[0].extract_text()
    # The e-mail carries the same document: the letter with its enclosures.
    message = OutgoingMessage.objects.get(appeal=appeal, kind="letters.answer")
    with storages["attachments"].open(message.attachment_path) as mailed:
        assert len(PdfReader(BytesIO(mailed.read())).pages) == len(signed.pages)


def received(**fields) -> Appeal:
    """An appeal stored as intake stores it: the transaction's callbacks run (the suggestions' task among them)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return make_appeal(**fields)


NAMESAKE = {"address": "г. Казань, ул. Баумана, д. 3", "postal_index": "420111", "email": "namesake@mail.ru",
            "identified_as": "namesake@mail.ru", "text": "Прошу выдать копию зачётной книжки."}


def same_author_lists(page: str) -> tuple[str, str]:
    """The suggestions panel's list of the same author, and the core's own list («не связаны»), or ''."""
    panel = page.split('id="suggestions-same_author"', 1)[1].split('class="suggestions-section"', 1)[0] \
        if 'id="suggestions-same_author"' in page else ""
    core = page.split("Прежние обращения этого заявителя (не связаны)", 1)[1].split("</fieldset>", 1)[0] \
        if "Прежние обращения этого заявителя (не связаны)" in page else ""
    return panel, core


def test_the_appeal_page_shows_one_list_of_the_same_citizens_earlier_appeals(client, roles):
    earlier = received(received_at=timezone.now() - timedelta(days=60))
    namesake = received(received_at=timezone.now() - timedelta(days=50), **NAMESAKE)  # the same full name
    relative = received(first_name="Анна", email="anna@mail.ru", received_at=timezone.now() - timedelta(days=45))
    shared_email = received(last_name="Сидорова", first_name="Ольга", received_at=timezone.now() - timedelta(days=40))
    appeal = received()
    client.force_login(roles.registrar)
    page = client.get(page_url(appeal)).content.decode()
    panel, core = same_author_lists(page)
    assert core == ""  # one list: the panel's, with the reasons (issue 12 item 1)
    assert earlier.number in panel and "те же фамилия, имя и почтовый адрес" in panel
    # A namesake at another address, a relative at the same address, a family e-mail: none is the same author.
    for other in (namesake, relative, shared_email):
        assert other.number not in panel


def test_without_the_suggestions_app_the_core_lists_by_its_own_rule(client, roles):
    from appeals.services import worklists

    earlier = received(received_at=timezone.now() - timedelta(days=60))
    namesake = received(received_at=timezone.now() - timedelta(days=50), **NAMESAKE)
    appeal = received()
    client.force_login(roles.registrar)
    previous = worklists.register_author_finder(None)  # as if the app were not installed
    try:
        page = client.get(page_url(appeal)).content.decode()
        core_rule = set(worklists.earlier_appeals_of_author(appeal))
    finally:
        worklists.register_author_finder(previous)
    _panel, core = same_author_lists(page)
    assert earlier.number in core and namesake.number in core  # the core's rule: the same full name
    assert core_rule == {earlier, namesake}
    assert set(worklists.earlier_appeals_of_author(appeal)) == {earlier}  # the app's rule, registered again


def test_copies_and_the_return_of_a_complaint_through_the_admin(client, roles):
    appeal = roles.appeal("in_work")
    ministry = external_body()
    client.force_login(roles.registrar)
    assert "copies" in buttons(client, appeal) and "return_complaint" not in buttons(client, appeal)
    assert refused(post_step(client, appeal, "copies", {}), "Выберите органы, которым направляются копии.")
    assert post_step(client, appeal, "copies", {"bodies": [ministry.pk]}).status_code == 302
    assert AppealEvent.objects.filter(appeal=appeal, action="appeal.copies_sent").exists()
    assert "Копии направлены в другие органы" in client.get(page_url(appeal)).content.decode()

    post_step(client, appeal, "complaint_subject", {"body": ministry.pk})
    assert "return_complaint" in buttons(client, appeal)
    assert post_step(client, appeal, "return_complaint", {"comment": "Обжалуется решение министерства"}
                     ).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.NO_ANSWER
