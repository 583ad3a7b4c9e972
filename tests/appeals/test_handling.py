"""The officials' steps (appeals.services.handling): allowed and refused states and roles,
the history each writes, the notice each queues, and nothing half done."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from appeals.models import Answer, Appeal, AppealEvent, Art11Case, QuestionResult
from appeals.services import handling, terms
from appeals.services.intake import AppealError
from classifiers.models import CalendarDay
from letters.models import PostalLetter
from outbox.models import OutgoingMessage
from tests.roles import age, external_body, make_appeal

pytestmark = pytest.mark.django_db
Status = Appeal.Status


def kinds(appeal: Appeal) -> list[str]:
    return list(OutgoingMessage.objects.filter(appeal=appeal).order_by("pk").values_list("kind", flat=True))


def actions(appeal: Appeal) -> list[str]:
    return list(appeal.events.values_list("action", flat=True))


# --- register ---------------------------------------------------------------------
def test_register_sets_the_terms_writes_history_and_tells_the_citizen(roles):
    appeal = make_appeal()
    handling.register_appeal(appeal, roles.registrar, comment="Проверено")
    appeal.refresh_from_db()
    today = timezone.localdate()
    assert appeal.status == Status.REGISTERED and appeal.registered_by == roles.registrar
    assert appeal.decision_due is not None and today < appeal.decision_due <= today + timedelta(days=7)
    assert appeal.answer_due is not None and today + timedelta(days=27) <= appeal.answer_due <= today + timedelta(
        days=30)
    assert appeal.next_due == appeal.decision_due  # the 7-day decision comes first
    [event] = appeal.events.all()
    assert (event.action, event.actor, event.comment) == ("appeal.registered", roles.registrar, "Проверено")
    assert event.before["status"] == "received" and event.after["status"] == "registered"
    assert list(appeal.questions.values_list("topic_id", flat=True)) == [appeal.topic_id]
    assert kinds(appeal) == ["letters.registered"]


def test_register_twice_is_refused_and_changes_nothing(roles):
    appeal = make_appeal()
    handling.register_appeal(appeal, roles.registrar)
    with pytest.raises(AppealError, match="зарегистрировано"):
        handling.register_appeal(appeal, roles.registrar)
    assert actions(appeal) == ["appeal.registered"]


@pytest.mark.parametrize("role", ["executor_a", "clerk", "administrator", "outsider"])
def test_only_the_registrar_registers(roles, role):
    appeal = make_appeal()
    with pytest.raises(handling.AppealPermissionError):
        handling.register_appeal(appeal, getattr(roles, role))
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED and not appeal.events.exists()


def test_a_postal_reply_appeal_is_not_mailed_at_registration(roles):
    appeal = make_appeal(reply_method="post")
    handling.register_appeal(appeal, roles.registrar)
    assert kinds(appeal) == [] and not PostalLetter.objects.filter(appeal=appeal).exists()


def test_a_failing_notice_rolls_the_whole_step_back(roles, monkeypatch):
    appeal = make_appeal()

    def broken(*args, **kwargs):
        raise RuntimeError("template storage is down")

    monkeypatch.setattr("letters.services.deliver_to_citizen", broken)
    with pytest.raises(RuntimeError):
        handling.register_appeal(appeal, roles.registrar)
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED and appeal.registered_at is None
    assert not appeal.events.exists() and not appeal.questions.exists()


# --- assign -----------------------------------------------------------------------
def test_assign_sends_to_a_department_and_takes_the_7_day_decision(roles):
    appeal = roles.appeal("registered")
    handling.assign_appeal(appeal, roles.registrar, department=roles.department_a, executor=roles.executor_a)
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_WORK and appeal.executor == roles.executor_a
    assert appeal.decided_at is not None and appeal.next_due == appeal.answer_due
    assert actions(appeal)[-1] == "appeal.assigned"


def test_an_executor_outside_the_department_is_refused(roles):
    appeal = roles.appeal("registered")
    with pytest.raises(AppealError, match="не состоит"):
        handling.assign_appeal(appeal, roles.registrar, department=roles.department_a, executor=roles.executor_b)


def test_an_executor_cannot_assign(roles):
    appeal = roles.appeal("in_work")
    with pytest.raises(handling.AppealPermissionError):
        handling.assign_appeal(appeal, roles.executor_a, department=roles.department_b)


def test_a_complaint_never_goes_to_the_department_or_official_it_is_about(roles):
    appeal = roles.appeal("registered")
    handling.set_complaint_subject(appeal, roles.registrar, department=roles.department_a)
    with pytest.raises(AppealError, match=r"ч\. 6 ст\. 8"):
        handling.assign_appeal(appeal, roles.registrar, department=roles.department_a)
    handling.set_complaint_subject(appeal, roles.registrar, official=roles.executor_b)
    with pytest.raises(AppealError, match=r"ч\. 6 ст\. 8"):
        handling.assign_appeal(appeal, roles.registrar, department=roles.department_b, executor=roles.executor_b)
    handling.assign_appeal(appeal, roles.registrar, department=roles.department_b)
    assert Appeal.objects.get(pk=appeal.pk).department == roles.department_b


# --- redirect and article 11 -------------------------------------------------------
def test_redirect_closes_the_appeal_and_writes_to_the_body_and_the_citizen(roles):
    appeal = roles.appeal("registered")
    body = external_body()
    handling.redirect_appeal(appeal, roles.registrar, body=body, comment="Вопрос приёма в другой вуз")
    appeal.refresh_from_db()
    assert appeal.status == Status.REDIRECTED and appeal.redirected_to == body and appeal.closed_at
    assert appeal.next_due is None
    assert kinds(appeal)[-2:] == ["letters.redirect_body", "letters.redirect"]
    assert OutgoingMessage.objects.get(kind="letters.redirect_body").to == body.email
    assert set(appeal.questions.values_list("result", flat=True)) == {QuestionResult.REDIRECTED}


def test_a_complaint_is_never_redirected_to_the_body_it_complains_about(roles):
    appeal = roles.appeal("registered")
    body = external_body()
    handling.set_complaint_subject(appeal, roles.registrar, body=body)
    with pytest.raises(AppealError, match=r"ч\. 6 ст\. 8"):
        handling.redirect_appeal(appeal, roles.registrar, body=body)
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED and not kinds(appeal)[1:]


def test_copies_go_to_the_other_competent_bodies_and_the_appeal_stays_open(roles):
    appeal = roles.appeal("in_work")
    ministry = external_body()
    city = external_body("Департамент образования и науки города Москвы", email="dogm@mos.ru")
    handling.send_copies(appeal, roles.registrar, bodies=[ministry, city, ministry], comment="Часть вопросов")
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_WORK and appeal.closed_at is None
    assert kinds(appeal)[-3:] == ["letters.copies_body", "letters.copies_body", "letters.copies"]
    notice = OutgoingMessage.objects.get(appeal=appeal, kind="letters.copies")
    assert ministry.name in notice.body_text and city.name in notice.body_text
    assert "частью 4 статьи 8" in notice.body_text
    assert appeal.events.last().after == {"copies_to": [ministry.name, city.name]}


def test_no_copy_goes_to_the_body_the_complaint_is_about(roles):
    appeal = roles.appeal("registered")
    body = external_body()
    handling.set_complaint_subject(appeal, roles.registrar, body=body)
    with pytest.raises(AppealError, match=r"ч\. 6 ст\. 8"):
        handling.send_copies(appeal, roles.registrar, bodies=[body])
    assert not OutgoingMessage.objects.filter(appeal=appeal, kind__startswith="letters.copies").exists()


def test_a_complaint_nobody_else_may_consider_is_returned_with_the_right_to_go_to_court(roles):
    appeal = roles.appeal("registered")
    with pytest.raises(AppealError, match="объект жалобы"):
        handling.return_complaint(appeal, roles.registrar, comment="Обжалуется решение министерства")
    assert "return_complaint" not in handling.available_steps(appeal, roles.registrar)
    body = external_body()
    handling.set_complaint_subject(appeal, roles.registrar, body=body)
    assert "return_complaint" in handling.available_steps(appeal, roles.registrar)
    handling.return_complaint(appeal, roles.registrar, comment="Обжалуется решение министерства")
    appeal.refresh_from_db()
    assert appeal.status == Status.NO_ANSWER and appeal.closed_at and actions(appeal)[-1] == "appeal.complaint_returned"
    notice = OutgoingMessage.objects.get(appeal=appeal, kind="letters.complaint_returned")
    assert "частью 7 статьи 8" in notice.body_text and "в суд" in notice.body_text and body.name in notice.body_text


def test_a_received_appeal_is_registered_before_it_is_redirected(roles):
    with pytest.raises(AppealError):
        handling.redirect_appeal(make_appeal(), roles.registrar, body=external_body())


@pytest.mark.parametrize(
    ("case", "notice"),
    [
        (Art11Case.COURT_DECISION, "letters.art11_part2"),
        (Art11Case.ABUSIVE, "letters.art11_part3"),
        (Art11Case.UNREADABLE, "letters.art11_part4"),
        (Art11Case.NO_ESSENCE, "letters.art11_part4_1"),
        (Art11Case.SECRET, "letters.art11_part6"),
        (Art11Case.NO_NAME_OR_ADDRESS, None),
    ],
)
def test_each_article_11_case_closes_with_its_notice(roles, case, notice):
    appeal = roles.appeal("registered")
    # Part 1 on an appeal with a surname and an address needs the reason (issue 8, item 11).
    handling.decide_art11(appeal, roles.registrar, case=case, comment="Основание установлено",
                          part1_reason="Фамилия вымышленная")
    appeal.refresh_from_db()
    assert appeal.status == Status.NO_ANSWER and appeal.art11_case == case and appeal.closed_at
    assert actions(appeal)[-1] == f"appeal.art11.{case}"
    sent = kinds(appeal)[1:]  # after the registration notice
    assert sent == ([notice] if notice else [])
    assert set(appeal.questions.values_list("result", flat=True)) == {QuestionResult.NO_ANSWER}


def test_part_5_1_needs_the_page_address_and_sends_it(roles):
    appeal = roles.appeal("registered")
    with pytest.raises(AppealError, match="адрес страницы"):
        handling.decide_art11(appeal, roles.registrar, case=Art11Case.PUBLISHED, comment="Ответ опубликован")
    url = "https://www.linguanet.ru/faq/perevod/"
    handling.decide_art11(appeal, roles.registrar, case=Art11Case.PUBLISHED, comment="Опубликован", published_url=url)
    notice = OutgoingMessage.objects.get(appeal=appeal, kind="letters.art11_part5_1")
    assert url in notice.body_text


def test_an_unreadable_appeal_whose_address_cannot_be_read_gets_no_notice(roles):
    appeal = roles.appeal("registered")
    handling.decide_art11(appeal, roles.registrar, case=Art11Case.UNREADABLE, comment="Не читается", notify=False)
    assert kinds(appeal) == ["letters.registered"]


def test_an_anonymous_report_of_an_offence_is_forwarded_to_law_enforcement(roles):
    appeal = roles.appeal("registered")
    police = external_body("ГУ МВД России по г. Москве", is_law_enforcement=True, email="mvd@mvd.ru")
    handling.decide_art11(appeal, roles.registrar, case=Art11Case.NO_NAME_OR_ADDRESS, comment="Нет фамилии",
                          forward_to=police, part1_reason="Вместо фамилии — псевдоним")
    assert kinds(appeal)[1:] == ["letters.art11_part1_forward"]
    other = roles.appeal("registered")
    with pytest.raises(AppealError, match="правоохранительный"):
        handling.decide_art11(other, roles.registrar, case=Art11Case.NO_NAME_OR_ADDRESS, comment="Нет фамилии",
                              forward_to=external_body())
    assert OutgoingMessage.objects.get(kind="letters.art11_part1_forward").to == "mvd@mvd.ru"


def test_termination_is_the_heads_and_needs_two_earlier_answers(roles):
    earlier = [roles.appeal("answered") for _ in range(2)]
    appeal = roles.appeal("registered")
    with pytest.raises(handling.AppealPermissionError):
        handling.terminate_correspondence(appeal, roles.registrar, comment="Новых доводов нет")
    handling.link_appeals(appeal, roles.registrar, others=earlier[:1])
    with pytest.raises(AppealError, match="не менее двух раз"):
        handling.terminate_correspondence(appeal, roles.head, comment="Новых доводов нет")
    handling.link_appeals(appeal, roles.registrar, others=earlier[1:])
    handling.terminate_correspondence(appeal, roles.head, comment="Новых доводов нет")
    appeal.refresh_from_db()
    assert appeal.status == Status.NO_ANSWER and appeal.art11_case == Art11Case.TERMINATED
    assert kinds(appeal)[-1] == "letters.art11_part5"


def test_linking_is_symmetric_and_recorded(roles):
    first, second = make_appeal(), make_appeal()
    handling.link_appeals(second, roles.registrar, others=[first], comment="Тот же вопрос")
    assert list(first.linked_appeals.all()) == [second]
    event = second.events.get()
    assert event.after == {"linked_appeals": [first.number]} and event.before == {"linked_appeals": []}


# --- documents and extension ---------------------------------------------------------
def test_a_documents_request_gets_a_15_day_term_and_a_letter_to_the_body(roles):
    appeal = roles.appeal("in_work")
    body = external_body()
    request = handling.request_documents(appeal, roles.executor_a, body=body, text="Копия приказа о зачислении")
    assert timezone.localdate() + timedelta(days=12) <= request.due <= timezone.localdate() + timedelta(days=15)
    assert kinds(appeal)[-1] == "letters.documents_request"
    handling.record_documents_received(request, roles.executor_a)
    with pytest.raises(AppealError):
        handling.record_documents_received(request, roles.executor_a)
    assert actions(appeal)[-2:] == ["appeal.documents_requested", "appeal.documents_received"]


def test_the_head_extends_once_before_the_term_ends(roles):
    appeal = roles.appeal("in_work")
    original = appeal.answer_due
    with pytest.raises(handling.AppealPermissionError):
        handling.extend_term(appeal, roles.executor_a, days=30, reason="Запрос документов")
    with pytest.raises(AppealError, match="30 дней"):
        handling.extend_term(appeal, roles.head, days=31, reason="Запрос документов")
    handling.extend_term(appeal, roles.head, days=30, reason="Запрос документов в Минобрнауки")
    appeal.refresh_from_db()
    assert appeal.extension_days == 30 and original + timedelta(days=27) <= appeal.answer_due
    assert kinds(appeal)[-1] == "letters.extension"
    with pytest.raises(AppealError, match="только один раз"):
        handling.extend_term(appeal, roles.head, days=5, reason="Ещё раз")


def test_an_expired_term_cannot_be_extended(roles):
    appeal = age(roles.appeal("in_work"), 40)
    with pytest.raises(AppealError, match="истёк"):
        handling.extend_term(appeal, roles.head, days=10, reason="Поздно")


# --- the answer ----------------------------------------------------------------------
def test_the_answer_is_drafted_submitted_returned_and_signed(roles):
    appeal = roles.appeal("in_work")
    with pytest.raises(handling.AppealPermissionError):
        handling.save_answer_draft(appeal, roles.executor_b, text="Чужой ответ")
    with pytest.raises(AppealError, match="Сначала"):
        handling.submit_answer(appeal, roles.executor_a)
    handling.save_answer_draft(appeal, roles.executor_a, text="Перевод возможен.")
    handling.submit_answer(appeal, roles.executor_a)
    handling.return_answer(appeal, roles.head, comment="Укажите сроки подачи заявления")
    assert Appeal.objects.get(pk=appeal.pk).status == Status.IN_WORK
    handling.save_answer_draft(appeal, roles.executor_a, text="Перевод возможен; заявление — до 15 января.")
    handling.submit_answer(appeal, roles.executor_a)
    question = appeal.questions.get()
    with pytest.raises(AppealError, match="результат"):
        handling.sign_answer(appeal, roles.head, signer_position="Проректор", results={})
    answer = handling.sign_answer(
        appeal, roles.head, signer_position="Проректор по учебной работе",
        results={question.pk: (QuestionResult.SUPPORTED, True)},
    )
    appeal.refresh_from_db()
    question.refresh_from_db()
    assert appeal.status == Status.ANSWERED and appeal.closed_at and appeal.next_due is None
    assert answer.status == Answer.Status.SIGNED and answer.signed_by == roles.head
    assert answer.outgoing_number == f"ИСХ-{timezone.localdate().year}-000001"
    assert answer.pdf.name and answer.pdf.read(5) == b"%PDF-"
    assert (question.result, question.measures_taken) == (QuestionResult.SUPPORTED, True)
    message = OutgoingMessage.objects.get(appeal=appeal, kind="letters.answer")
    assert message.attachment_name.endswith(".pdf") and "заявление — до 15 января" in message.body_text
    assert actions(appeal)[-6:] == [
        "answer.drafted", "answer.submitted", "answer.returned", "answer.drafted", "answer.submitted",
        "answer.signed",
    ]


def test_a_postal_answer_goes_to_the_print_queue_with_its_pdf(roles):
    appeal = roles.appeal("answered", reply_method="post")
    letter = PostalLetter.objects.get(appeal=appeal, kind="answer")
    assert letter.postal_index == appeal.postal_index and not OutgoingMessage.objects.filter(appeal=appeal).exists()


def test_only_a_head_signs(roles):
    appeal = roles.appeal("on_approval")
    results = {q.pk: (QuestionResult.EXPLAINED, False) for q in appeal.questions.all()}
    for user in (roles.executor_a, roles.registrar):
        with pytest.raises(handling.AppealPermissionError):
            handling.sign_answer(appeal, user, signer_position="Проректор", results=results)


# --- withdrawal ----------------------------------------------------------------------
def test_the_citizen_withdraws_and_a_closed_appeal_cannot_be_withdrawn(roles):
    appeal = roles.appeal("in_work")
    handling.withdraw_appeal(appeal, comment="Вопрос решён")
    appeal.refresh_from_db()
    event = appeal.events.last()
    assert appeal.status == Status.WITHDRAWN and event.actor is None and event.actor_label == "заявитель"
    assert kinds(appeal)[-1] == "letters.withdrawn"
    with pytest.raises(AppealError):
        handling.withdraw_appeal(appeal, user=roles.registrar)


# --- history, steps, calendar --------------------------------------------------------
def test_history_is_append_only(roles):
    appeal = roles.appeal("registered")
    event = appeal.events.get()
    event.comment = "Исправлено задним числом"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    assert AppealEvent.objects.get(pk=event.pk).comment == ""


def test_available_steps_follow_state_and_role(roles):
    received = make_appeal()
    assert "register" in handling.available_steps(received, roles.registrar)
    assert handling.available_steps(received, roles.executor_a) == []  # not their department
    in_work = roles.appeal("in_work")
    assert {"draft_answer", "request_documents"} <= set(handling.available_steps(in_work, roles.executor_a))
    assert "register" not in handling.available_steps(in_work, roles.registrar)
    assert handling.available_steps(in_work, roles.executor_b) == []
    assert "extend" in handling.available_steps(in_work, roles.head)
    assert "sign_answer" in handling.available_steps(roles.appeal("on_approval"), roles.head)


def test_a_calendar_exception_recomputes_the_open_terms(roles, django_capture_on_commit_callbacks):
    appeal = roles.appeal("in_work")
    answered = roles.appeal("answered")
    due = appeal.answer_due
    # Make the due date a day off: the term moves to an earlier working day.
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(date=due, is_working=False, note="Перенос выходного дня")
    appeal.refresh_from_db()
    assert appeal.answer_due < due
    assert Appeal.objects.get(pk=answered.pk).next_due is None  # closed appeals stay as they were
    rows = {row.title: row for row in terms.explain(appeal)}
    assert rows["Ответ"].due.due == appeal.answer_due and not rows["Ответ"].met
    assert rows["Регистрация"].met


def test_a_term_ending_on_new_year_moves_off_the_holidays(roles):
    # Received on 31 December: the 3-day registration term ends on 3 January, in the holidays, with no
    # working day between; it moves to the first working day after them (DESIGN.md section 4).
    received = timezone.make_aware(timezone.datetime(2025, 12, 31, 12, 0))
    appeal = make_appeal(received_at=received)
    assert appeal.registration_due == date(2026, 1, 12)


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_change_of_the_history(roles, require_postgres):
    from django.db import DatabaseError, connection, transaction

    event = roles.appeal("registered").events.get()
    for sql in ("UPDATE appeals_appealevent SET comment = 'x' WHERE id = %s",
                "DELETE FROM appeals_appealevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AppealEvent.objects.get(pk=event.pk).comment == ""
