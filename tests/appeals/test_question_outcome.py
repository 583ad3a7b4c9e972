"""The outcome per question (issue 11 item 1): the cause, the measures, how it was checked, the analysis table."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal, AppealEvent, QuestionResult
from appeals.services import handling
from appeals.services.intake import AppealError
from classifiers.models import Cause, Measure
from tests import roles as role_fixtures

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture

Status = Appeal.Status


def step_url(appeal: Appeal, code: str) -> str:
    return reverse("admin:appeals_appeal_step", args=[appeal.pk, code])


def page_url(appeal: Appeal) -> str:
    return reverse("admin:appeals_appeal_change", args=[appeal.pk])


def cause(title: str) -> Cause:
    return Cause.objects.get(title=title)


def measure(title: str) -> Measure:
    return Measure.objects.get(title=title)


def field_errors(response, name: str) -> list[str]:
    """The errors shown next to one field of the step form."""
    return list(response.context["form"].errors.get(name, []))


# --- the shipped reference books -----------------------------------------------------
def test_the_books_ship_the_issues_causes_and_measures():
    causes = set(Cause.objects.values_list("title", flat=True))
    assert {"нарушение сроков", "ошибка сотрудника", "недостаток информации", "нормативное ограничение",
            "необоснованная жалоба"} <= causes
    assert set(Measure.objects.values_list("title", flat=True)) == {
        "выговор", "замечание", "лишение стимулирующих выплат", "совещание", "изменение порядка", "иное",
    }


def test_the_administrator_edits_the_books(client, roles):
    client.force_login(roles.administrator)
    response = client.post(reverse("admin:classifiers_cause_add"),
                           {"title": "неясный порядок зачисления", "is_active": "on", "order": 5})
    assert response.status_code == 302
    assert Cause.objects.filter(title="неясный порядок зачисления").exists()
    assert client.get(reverse("admin:classifiers_measure_changelist")).status_code == 200
    client.force_login(roles.executor_a)
    assert client.get(reverse("admin:classifiers_cause_add")).status_code == 403


# --- the executor's submit step --------------------------------------------------------
def test_the_executor_records_the_cause_and_the_checks_when_submitting(client, roles):
    appeal = roles.appeal("drafted")
    question = appeal.questions.get()
    client.force_login(roles.executor_a)
    response = client.post(step_url(appeal, "submit_answer"), {"comment": "Готово"})
    assert field_errors(response, f"cause_{question.pk}") == ["Укажите причину, выявленную по вопросу."]
    assert response.context["form"]["comment"].value() == "Готово"  # nothing typed is lost
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_WORK

    response = client.post(step_url(appeal, "submit_answer"), {
        f"cause_{question.pk}": cause("нарушение сроков").pk, f"checked_on_site_{question.pk}": "on",
    })
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.cause == cause("нарушение сроков")
    assert (question.checked_on_site, question.checked_by_commission, question.checked_with_applicant) == (
        True, False, False)
    event = AppealEvent.objects.get(appeal=appeal, action="answer.submitted")
    assert event.after["questions"] == [{"question": question.topic_code, "result": "in_progress",
                                         "cause": "нарушение сроков", "checked": ["checked_on_site"]}]


def test_a_retired_cause_is_not_offered_and_refused(roles):
    appeal = roles.appeal("drafted")
    question = appeal.questions.get()
    retired = cause("ошибка сотрудника")
    retired.is_active = False
    retired.save()
    with pytest.raises(AppealError, match="больше не применяется"):
        handling.submit_answer(appeal, roles.executor_a,
                               outcomes={question.pk: handling.QuestionOutcome(cause=retired)})


# --- the head's sign step --------------------------------------------------------------
def on_approval(roles, title: str = "недостаток информации") -> Appeal:
    appeal = roles.appeal("drafted")
    question = appeal.questions.get()
    handling.submit_answer(appeal, roles.executor_a,
                           outcomes={question.pk: handling.QuestionOutcome(cause=cause(title))})
    return appeal


def test_measures_are_refused_next_to_the_field_unless_supported_with_measures(client, roles):
    appeal = on_approval(roles)
    question = appeal.questions.get()
    client.force_login(roles.head)
    form = client.get(step_url(appeal, "sign_answer")).context["form"]
    assert form[f"cause_{question.pk}"].value() == cause("недостаток информации").pk  # the executor's cause
    data = {
        "signer_position": "Проректор", f"result_{question.pk}": "explained",
        f"cause_{question.pk}": cause("недостаток информации").pk,
        f"measures_list_{question.pk}": [measure("выговор").pk],
    }
    response = client.post(step_url(appeal, "sign_answer"), data)
    assert field_errors(response, f"measures_list_{question.pk}") == [
        "Меры указываются только для вопроса с результатом «поддержано» и отметкой «меры приняты»."]
    assert response.context["form"]["signer_position"].value() == "Проректор"
    appeal.refresh_from_db()
    question.refresh_from_db()
    assert appeal.status == Status.ON_APPROVAL and question.result == QuestionResult.IN_PROGRESS
    assert not question.measures.exists()

    # Supported without «меры приняты» is refused the same way.
    response = client.post(step_url(appeal, "sign_answer"), {**data, f"result_{question.pk}": "supported"})
    assert field_errors(response, f"measures_list_{question.pk}")
    # «Меры приняты» without a measure named.
    response = client.post(step_url(appeal, "sign_answer"), {
        **data, f"result_{question.pk}": "supported", f"measures_{question.pk}": "on",
        f"measures_list_{question.pk}": []})
    assert field_errors(response, f"measures_list_{question.pk}") == ["Укажите принятые меры."]


def test_the_head_confirms_or_corrects_the_outcome_at_signing(client, roles):
    appeal = on_approval(roles)
    question = appeal.questions.get()
    client.force_login(roles.head)
    response = client.post(step_url(appeal, "sign_answer"), {
        "signer_position": "Проректор", f"result_{question.pk}": "supported", f"measures_{question.pk}": "on",
        f"measures_list_{question.pk}": [measure("замечание").pk, measure("совещание").pk],
        f"cause_{question.pk}": cause("ошибка сотрудника").pk,  # corrected by the head
        f"checked_by_commission_{question.pk}": "on", f"checked_with_applicant_{question.pk}": "on",
    })
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.result, question.measures_taken, question.cause) == (
        "supported", True, cause("ошибка сотрудника"))
    assert {m.title for m in question.measures.all()} == {"замечание", "совещание"}
    assert question.checked_by_commission and question.checked_with_applicant and not question.checked_on_site
    event = AppealEvent.objects.get(appeal=appeal, action="answer.signed")
    [row] = event.after["questions"]
    assert row["cause"] == "ошибка сотрудника" and sorted(row["measures"]) == ["замечание", "совещание"]
    history = client.get(page_url(appeal)).content.decode()
    assert "причина — ошибка сотрудника" in history and "проверено комиссионно, с участием заявителя" in history


def test_the_service_refuses_measures_without_the_result_they_explain(roles):
    appeal = on_approval(roles)
    question = appeal.questions.get()
    outcome = handling.QuestionOutcome(cause=cause("нарушение сроков"), measures=[measure("выговор")])
    with pytest.raises(handling.QuestionOutcomeError) as refused:
        handling.sign_answer(appeal, roles.head, signer_position="Проректор",
                             results={question.pk: ("not_supported", False)}, outcomes={question.pk: outcome})
    assert refused.value.field == f"measures_list_{question.pk}"
    handling.sign_answer(appeal, roles.head, signer_position="Проректор",
                         results={question.pk: ("supported", True)}, outcomes={question.pk: outcome})
    assert [m.title for m in appeal.questions.get().measures.all()] == ["выговор"]


# --- the appeal's page: the complaint-analysis table -----------------------------------
def test_the_page_shows_the_analysis_table_one_row_per_question(client, roles):
    appeal = on_approval(roles, "нарушение сроков")
    question = appeal.questions.get()
    handling.sign_answer(
        appeal, roles.head, signer_position="Проректор", results={question.pk: ("supported", True)},
        outcomes={question.pk: handling.QuestionOutcome(
            cause=cause("нарушение сроков"), measures=[measure("выговор")], checked_on_site=True)},
    )
    appeal.refresh_from_db()
    client.force_login(roles.head)
    response = client.get(page_url(appeal))
    [row] = response.context["analysis"]
    assert row == {
        "date": timezone.localtime(appeal.registered_at).date(),
        "applicant": "Иванова М. П.",
        "kind": "Первичное",
        "question": f"{question.topic_code} {question.topic_title}",
        "cause": "нарушение сроков",
        "decision": "поддержано; меры приняты: выговор; проверено с выездом на место",
        # The answer's e-mail has not gone out yet (no commit in this test): nobody was asked.
        "result": "заявитель ещё не опрошен",
    }
    assert row["date"].strftime("%d.%m.%Y") in response.content.decode()
    html = response.content.decode()
    table = html[html.index('id="complaint-analysis"'):html.index("</table>", html.index('id="complaint-analysis"'))]
    for header in ("Дата", "Заявитель", "Вид", "Вопрос", "Причина", "Решение", "Результат"):
        assert f">{header}</th>" in table
    for cell in ("Иванова М. П.", "Первичное", question.topic_code, "нарушение сроков",
                 "поддержано; меры приняты: выговор; проверено с выездом на место"):
        assert cell in table
