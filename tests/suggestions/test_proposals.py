"""Every suggestion is a proposal (issue 12, item 5): accepted through the services with «по подсказке» in the
history, or rejected and counted; nothing outside the user's scope is suggested; the panel on the appeal's page
and at registration; the computation queued after the appeal is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal, AppealEvent
from appeals.services import handling
from classifiers.models import Topic
from suggestions import authors, services
from suggestions.models import Proposal, ProposalKind, SuggestionState
from tests import roles as role_fixtures
from tests.roles import Roles, make_appeal

roles = role_fixtures.roles
pytestmark = pytest.mark.django_db

PERSON: dict[str, Any] = {
    "last_name": "Кравцов", "first_name": "Олег", "patronymic": "Ильич",
    "address": "г. Тула, ул. Ленина, д. 3, кв. 9", "postal_index": "300000",
    "email": "o.kravtsov@mail.ru", "identified_as": "o.kravtsov@mail.ru",
    "text": "Прошу предоставить место в общежитии на время сессии.",
}


def answered_before(roles: Roles, *, department=None, days: int = 60, **fields: Any) -> Appeal:
    appeal = roles.appeal("answered", department=department, **{**PERSON, **fields})
    Appeal.objects.filter(pk=appeal.pk).update(received_at=timezone.now() - timedelta(days=days))
    appeal.refresh_from_db()
    authors.index_author(appeal)
    return appeal


def proposal(appeal: Appeal, kind: str) -> Proposal:
    return Proposal.objects.get(appeal=appeal, kind=kind)


def test_computed_proposals_for_a_repeated_appeal(roles: Roles) -> None:
    first = answered_before(roles)
    second = make_appeal(**PERSON)
    services.compute_suggestions(second)
    same = proposal(second, ProposalKind.SAME_AUTHOR)
    assert same.other == first and "тот же подтверждённый адрес электронной почты" in same.reasons
    assert proposal(second, ProposalKind.KIND).value == "repeated"
    assert SuggestionState.objects.filter(appeal=second).exists()


def test_recomputing_doubles_nothing_and_keeps_decisions(roles: Roles) -> None:
    answered_before(roles)
    second = make_appeal(**PERSON)
    services.compute_suggestions(second)
    services.reject_proposal(proposal(second, ProposalKind.KIND), roles.registrar)
    services.compute_suggestions(second)
    assert Proposal.objects.filter(appeal=second, kind=ProposalKind.KIND).count() == 1
    assert proposal(second, ProposalKind.KIND).status == Proposal.Status.REJECTED


def history_of(appeal: Appeal, action: str) -> AppealEvent:
    return AppealEvent.objects.filter(appeal=appeal, action=action).latest("pk")


def test_accepting_a_same_author_proposal_links_through_the_service(roles: Roles) -> None:
    first = answered_before(roles)
    second = make_appeal(**PERSON)
    services.compute_suggestions(second)
    services.accept_proposal(proposal(second, ProposalKind.SAME_AUTHOR), roles.registrar)
    assert list(second.linked_appeals.all()) == [first]
    event = history_of(second, "appeal.linked")
    assert event.actor == roles.registrar
    assert event.after["source"] == "по подсказке"
    assert event.comment.startswith("По подсказке")
    assert proposal(second, ProposalKind.SAME_AUTHOR).status == Proposal.Status.ACCEPTED


def test_accepting_the_kind_changes_it_with_history(roles: Roles) -> None:
    answered_before(roles)
    second = make_appeal(**PERSON)
    services.compute_suggestions(second)
    services.accept_proposal(proposal(second, ProposalKind.KIND), roles.registrar)
    second.refresh_from_db()
    assert second.kind == "repeated"
    event = history_of(second, "appeal.kind_changed")
    assert event.before["kind"] == "primary" and event.after["kind"] == "repeated"
    assert event.after["source"] == "по подсказке"


def test_an_art11_flag_is_decided_only_once_registered(roles: Roles) -> None:
    appeal = make_appeal(**{**PERSON, "text": "Я не согласен с решением районного суда и прошу его отменить."})
    services.compute_suggestions(appeal)
    flag = proposal(appeal, ProposalKind.ART11)
    assert flag.value == "part2"
    with pytest.raises(services.AppealError, match="принять решение по статье 11"):
        services.accept_proposal(flag, roles.registrar)
    assert proposal(appeal, ProposalKind.ART11).status == Proposal.Status.PENDING  # nothing half-done
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.register_appeal(appeal, roles.registrar)
        services.accept_proposal(flag, roles.registrar)
    appeal.refresh_from_db()
    assert appeal.status == "no_answer" and appeal.art11_case == "part2"
    event = history_of(appeal, "appeal.art11.part2")
    assert event.after["source"] == "по подсказке" and "обжалуется судебное решение" in event.comment


def test_an_executor_cannot_take_the_registrars_decision(roles: Roles) -> None:
    appeal = roles.appeal("in_work", **{**PERSON, "text": "Вы все идиоты, верните деньги за общежитие."})
    services.compute_suggestions(appeal)
    flag = proposal(appeal, ProposalKind.ART11)
    with pytest.raises(services.ProposalError, match="Недостаточно прав"):
        services.reject_proposal(flag, roles.executor_a)
    assert proposal(appeal, ProposalKind.ART11).status == Proposal.Status.PENDING


def test_a_topic_proposal_adds_the_question(roles: Roles) -> None:
    appeal = make_appeal(**PERSON)
    other = Topic.objects.filter(is_offered=True).exclude(pk=appeal.topic_id).first()
    with mock.patch.object(services, "topic_suggestions", return_value=[(other.code, 0.81)]):
        services.compute_suggestions(appeal)
    topic = proposal(appeal, ProposalKind.TOPIC)
    assert topic.value == other.code and topic.score == pytest.approx(0.81)
    services.accept_proposal(topic, roles.registrar)
    assert appeal.questions.filter(topic=other).exists()
    assert history_of(appeal, "appeal.question_added").after["source"] == "по подсказке"


def test_a_failing_topic_model_is_no_topic_suggestion() -> None:
    with mock.patch("suggestions.topics.suggest", side_effect=OSError("storage unreadable")):
        assert services.topic_suggestions("Прошу место в общежитии") == []


def test_a_decided_proposal_is_not_decided_again(roles: Roles) -> None:
    answered_before(roles)
    second = make_appeal(**PERSON)
    services.compute_suggestions(second)
    kind = proposal(second, ProposalKind.KIND)
    services.reject_proposal(kind, roles.registrar)
    with pytest.raises(services.ProposalError, match="уже принято решение"):
        services.accept_proposal(kind, roles.registrar)


def test_accuracy_counts_accepted_and_rejected_per_kind(roles: Roles) -> None:
    answered_before(roles)
    for accept in (True, False, False):
        appeal = make_appeal(**PERSON)
        services.compute_suggestions(appeal)
        decide = services.accept_proposal if accept else services.reject_proposal
        decide(proposal(appeal, ProposalKind.KIND), roles.registrar)
    row = {row.kind: row for row in services.accuracy()}[ProposalKind.KIND]
    assert (row.accepted, row.rejected) == (1, 2)
    assert row.share == pytest.approx(1 / 3)


# --- scoping ---------------------------------------------------------------------------------------
def test_nothing_outside_the_users_scope_is_suggested(roles: Roles) -> None:
    in_b = answered_before(roles, department=roles.department_b, days=90)
    in_a = answered_before(roles, department=roles.department_a, days=60)
    appeal = roles.appeal("in_work", **PERSON)
    services.compute_suggestions(appeal)
    seen = services.proposals_for(appeal, roles.executor_a)
    others = {row.other_id for rows in seen.values() for row in rows if row.other_id}
    assert in_a.pk in others and in_b.pk not in others
    registrar_sees = {row.other_id for rows in services.proposals_for(appeal, roles.registrar).values()
                      for row in rows if row.other_id}
    assert {in_a.pk, in_b.pk} <= registrar_sees
    # And a proposal about department B's appeal cannot be taken by executor A.
    hidden = Proposal.objects.get(appeal=appeal, kind=ProposalKind.SAME_AUTHOR, other=in_b)
    with pytest.raises(services.ProposalError):
        services.accept_proposal(hidden, roles.executor_a)
    assert services.proposals_for(appeal, roles.executor_b) == {}


# --- the pages --------------------------------------------------------------------------------------
def test_the_panel_on_the_appeals_page_accepts_with_one_click(roles: Roles, client) -> None:
    first = answered_before(roles)
    second = make_appeal(**PERSON)
    client.force_login(roles.registrar)
    page = client.get(reverse("admin:appeals_appeal_change", args=[second.pk]))
    html = page.content.decode()
    assert 'id="suggestions"' in html and first.number in html
    assert "тот же подтверждённый адрес электронной почты" in html
    kind = proposal(second, ProposalKind.KIND)
    response = client.post(reverse("admin:suggestions_proposal_accept", args=[kind.pk]),
                           {"next": reverse("admin:appeals_appeal_change", args=[second.pk])})
    assert response.status_code == 302 and response["Location"].endswith(f"/{second.pk}/change/")
    second.refresh_from_db()
    assert second.kind == "repeated"
    page = client.get(reverse("admin:appeals_appeal_change", args=[second.pk])).content.decode()
    assert "по подсказке" in page  # the history shows the step's source


def test_opening_a_closed_appeal_computes_nothing(roles: Roles, client) -> None:
    from suggestions.models import SuggestionState

    closed = answered_before(roles)
    SuggestionState.objects.filter(appeal=closed).delete()  # as for an appeal stored before the app
    Proposal.objects.filter(appeal=closed).delete()
    client.force_login(roles.registrar)
    assert client.get(reverse("admin:appeals_appeal_change", args=[closed.pk])).status_code == 200
    assert not SuggestionState.objects.filter(appeal=closed).exists()
    assert not Proposal.objects.filter(appeal=closed).exists()


def test_a_closed_appeal_never_computed_still_lists_the_same_authors_earlier_appeals(roles: Roles, client) -> None:
    first = answered_before(roles, days=90)
    closed = answered_before(roles, days=30)  # answered, then its suggestions lost (stored before the app)
    SuggestionState.objects.filter(appeal=closed).delete()
    Proposal.objects.filter(appeal=closed).delete()
    client.force_login(roles.registrar)
    html = client.get(reverse("admin:appeals_appeal_change", args=[closed.pk])).content.decode()
    # The panel is the page's one list of them (the core's is left out): found now, nothing stored.
    section = html.split('id="suggestions-same_author"', 1)[1].split('class="suggestions-section"', 1)[0]
    assert first.number in section and "Прежние обращения этого заявителя (не связаны)" not in html
    assert not Proposal.objects.filter(appeal=closed).exists()


def test_the_panel_at_registration(roles: Roles, client) -> None:
    first = answered_before(roles)
    second = make_appeal(**PERSON)
    client.force_login(roles.registrar)
    html = client.get(reverse("admin:appeals_appeal_step", args=[second.pk, "register_assign"])).content.decode()
    assert 'id="suggestions"' in html and first.number in html and "Повторное" in html


def test_a_get_decides_nothing(roles: Roles, client) -> None:
    answered_before(roles)
    second = make_appeal(**PERSON)
    services.compute_suggestions(second)
    client.force_login(roles.registrar)
    kind = proposal(second, ProposalKind.KIND)
    assert client.get(reverse("admin:suggestions_proposal_accept", args=[kind.pk])).status_code == 405
    assert proposal(second, ProposalKind.KIND).status == Proposal.Status.PENDING


def test_a_refused_step_comes_back_as_a_message(roles: Roles, client) -> None:
    appeal = make_appeal(**{**PERSON, "text": "Вы все идиоты"})
    services.compute_suggestions(appeal)
    client.force_login(roles.registrar)
    response = client.post(reverse("admin:suggestions_proposal_accept", args=[proposal(appeal, "art11").pk]),
                           {"next": "https://evil.example/"}, follow=True)
    assert "принять решение по статье 11" in response.content.decode()
    assert response.redirect_chain[0][0].endswith(f"/{appeal.pk}/change/")  # not the foreign address


def test_the_administrator_sees_the_accuracy(roles: Roles, client) -> None:
    answered_before(roles)
    appeal = make_appeal(**PERSON)
    services.compute_suggestions(appeal)
    services.reject_proposal(proposal(appeal, ProposalKind.KIND), roles.registrar)
    client.force_login(roles.administrator)
    html = client.get(reverse("admin:suggestions_proposal_changelist")).content.decode()
    assert 'id="suggestion-accuracy"' in html
    assert PERSON["last_name"] not in html  # the aggregate only: the administrator sees no appeal


# --- at intake --------------------------------------------------------------------------------------
def test_a_stored_appeal_queues_its_suggestions_after_commit(roles: Roles) -> None:
    with mock.patch("suggestions.tasks.compute_suggestions.delay") as delay:
        with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
            appeal = make_appeal(**PERSON)
        delay.assert_not_called()  # not before the transaction commits
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(appeal.pk)


def test_a_broker_outage_does_not_break_the_receipt(roles: Roles, caplog) -> None:
    with mock.patch("suggestions.tasks.compute_suggestions.delay", side_effect=OSError("broker down")):
        with TestCase.captureOnCommitCallbacks(execute=True):
            with transaction.atomic():
                appeal = make_appeal(**PERSON)
    assert Appeal.objects.filter(pk=appeal.pk).exists()
    assert "suggestions not queued" in caplog.text


def test_the_task_computes_and_reruns_harmlessly(roles: Roles) -> None:
    from suggestions.tasks import compute_suggestions

    answered_before(roles)
    appeal = make_appeal(**PERSON)
    compute_suggestions(appeal.pk)
    compute_suggestions(appeal.pk)
    assert Proposal.objects.filter(appeal=appeal, kind=ProposalKind.KIND).count() == 1
    compute_suggestions(10**9)  # an appeal gone: nothing to do
