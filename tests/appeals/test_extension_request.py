"""The executor asks the head to extend the term (issue 10 item 1, «продление запрошено»; art. 12 part 2 of 59-FZ)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal, AppealEvent
from appeals.services import handling, worklists
from appeals.services.intake import AppealError
from tests import roles as role_fixtures
from tests.roles import age

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture

REASON = "Нужен ответ Минобрнауки на запрос документов."


def step_url(appeal: Appeal, code: str) -> str:
    return reverse("admin:appeals_appeal_step", args=[appeal.pk, code])


def page_url(appeal: Appeal) -> str:
    return reverse("admin:appeals_appeal_change", args=[appeal.pk])


def head_lines(user) -> dict[str, str]:
    return {line.key: line.shown for work in worklists.worklists_for(user) for line in work.lines
            if work.role == worklists.HEAD}


def request(appeal: Appeal, user, days: int = 20, reason: str = REASON) -> Appeal:
    return handling.request_extension(appeal, user, days=days, reason=reason)


# --- the services ---------------------------------------------------------------------
def test_the_executor_requests_an_extension(roles):
    appeal = roles.appeal("in_work")
    due = appeal.answer_due
    request(appeal, roles.executor_a)
    appeal.refresh_from_db()
    assert appeal.extension_requested_at is not None
    assert (appeal.extension_requested_days, appeal.extension_requested_reason) == (20, REASON)
    # Only a request: the term and the extension itself are untouched.
    assert appeal.answer_due == due and appeal.extension_days == 0
    event = appeal.events.get(action="appeal.extension_requested")
    assert event.actor == roles.executor_a and event.comment == REASON
    assert event.after["extension_requested_days"] == 20
    assert event.after["extension_requested_reason"] == REASON
    assert event.before["extension_requested_at"] is None


def test_a_request_is_refused_to_others_and_to_bad_input(roles):
    appeal = roles.appeal("in_work")
    with pytest.raises(AppealError, match="другому подразделению"):
        request(appeal, roles.executor_b)  # another department's executor
    colleague = role_fixtures.make_user("colleague_a", "Исполнитель")
    roles.department_a.members.add(colleague)
    with pytest.raises(AppealError, match="исполнитель, которому поручено"):
        request(appeal, colleague)  # the same department, not the appeal's executor
    with pytest.raises(AppealError, match="Недостаточно прав"):
        request(appeal, roles.registrar)
    with pytest.raises(AppealError, match="не более чем на 30 дней"):
        request(appeal, roles.executor_a, days=31)
    with pytest.raises(AppealError, match="основание"):
        request(appeal, roles.executor_a, reason="  ")
    appeal.refresh_from_db()
    assert appeal.extension_requested_at is None
    assert not appeal.events.filter(action="appeal.extension_requested").exists()


def test_a_request_is_refused_twice_after_an_extension_and_after_the_term(roles):
    appeal = roles.appeal("in_work")
    request(appeal, roles.executor_a)
    with pytest.raises(AppealError, match="уже запрошено"):
        request(appeal, roles.executor_a, days=5)

    extended = roles.appeal("in_work")
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.extend_term(extended, roles.head, days=10, reason="сложный вопрос")
    with pytest.raises(AppealError, match="только один раз"):
        request(extended, roles.executor_a)

    ended = age(roles.appeal("in_work"), 60)
    assert ended.answer_due < timezone.localdate()
    with pytest.raises(AppealError, match="Срок уже истёк"):
        request(ended, roles.executor_a)

    answered = roles.appeal("answered")
    with pytest.raises(AppealError, match="Нельзя запросить продление"):
        request(answered, roles.executor_a)


def test_the_head_extends_by_the_request_and_it_clears(client, roles):
    appeal = roles.appeal("in_work")
    request(appeal, roles.executor_a, days=12)
    client.force_login(roles.head)
    html = client.get(step_url(appeal, "extend")).content.decode()
    assert 'id="extension-request"' in html and REASON in html
    assert 'name="days" value="12"' in html  # the request's days as the form's initial value
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(step_url(appeal, "extend"), {"days": 12, "reason": REASON})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.extension_days == 12 and appeal.extension_reason == REASON
    assert appeal.extension_requested_at is None and appeal.extension_requested_days == 0
    assert appeal.extension_requested_reason == ""
    event = appeal.events.get(action="appeal.extended")
    assert event.before["extension_requested_days"] == 12  # what was asked stays in the history
    assert head_lines(roles.head)["head_extension_requested"] == "0"


def test_the_head_declines_the_request(client, roles):
    appeal = roles.appeal("in_work")
    request(appeal, roles.executor_a)
    client.force_login(roles.head)
    assert client.get(step_url(appeal, "decline_extension")).status_code == 200
    response = client.post(step_url(appeal, "decline_extension"), {"comment": ""})
    assert response.status_code == 200 and "Заполните это поле." in response.content.decode()
    response = client.post(step_url(appeal, "decline_extension"), {"comment": "Успеете в срок."})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.extension_requested_at is None and appeal.extension_days == 0
    event = appeal.events.get(action="appeal.extension_declined")
    assert event.actor == roles.head and event.comment == "Успеете в срок."
    # The executor reads the decision in the history of the appeal's page.
    client.force_login(roles.executor_a)
    html = client.get(page_url(appeal)).content.decode()
    assert "В продлении срока отказано" in html and "Успеете в срок." in html
    with pytest.raises(AppealError, match="не запрашивалось"):
        handling.decline_extension(appeal, roles.head, comment="ещё раз")
    # Their work list tells them, as it tells of a returned answer; only them.
    executor_lines = {line.key: line for work in worklists.worklists_for(roles.executor_a) for line in work.lines}
    assert executor_lines["executor_extension_declined"].shown == "1"
    listed = client.get(executor_lines["executor_extension_declined"].url).content.decode()
    assert appeal.number in listed and "в продлении срока отказано" in listed
    other = {line.key: line.shown for work in worklists.worklists_for(roles.executor_b) for line in work.lines}
    assert other["executor_extension_declined"] == "0"
    # Declined, the executor may ask again (the term was never extended); the line clears.
    request(appeal, roles.executor_a, days=5)
    executor_lines = {line.key: line for work in worklists.worklists_for(roles.executor_a) for line in work.lines}
    assert executor_lines["executor_extension_declined"].shown == "0"


def test_only_the_head_declines(roles):
    appeal = roles.appeal("in_work")
    request(appeal, roles.executor_a)
    with pytest.raises(AppealError, match="Недостаточно прав"):
        handling.decline_extension(appeal, roles.executor_a, comment="нет")


# --- the head's work list -------------------------------------------------------------
def test_the_line_counts_only_the_heads_departments(client, roles):
    in_a = roles.appeal("in_work")
    in_b = roles.appeal("in_work", department=roles.department_b)
    roles.appeal("in_work")  # no request
    request(in_a, roles.executor_a)
    request(in_b, roles.executor_b)
    assert head_lines(roles.head)["head_extension_requested"] == "2"  # a head of no department: all
    roles.department_a.members.add(roles.head)
    assert head_lines(roles.head)["head_extension_requested"] == "1"
    entry = worklists.ENTRIES["head_extension_requested"]
    client.force_login(roles.head)
    html = client.get(entry.url(roles.head)).content.decode()
    assert in_a.number in html and in_b.number not in html
    assert "запрошено продление срока" in html
    # The front page shows the line.
    assert 'id="work-head_extension_requested"' in client.get(reverse("admin:index")).content.decode()
    # A closed appeal's request is not waiting for anything.
    Appeal.objects.filter(pk=in_a.pk).update(closed_at=timezone.now() - timedelta(minutes=1))
    assert head_lines(roles.head)["head_extension_requested"] == "0"


# --- the admin steps ------------------------------------------------------------------
def test_the_executor_requests_through_the_admin(client, roles):
    appeal = roles.appeal("in_work")
    client.force_login(roles.executor_a)
    assert 'data-step="request_extension"' in client.get(page_url(appeal)).content.decode()
    html = client.get(step_url(appeal, "request_extension")).content.decode()
    assert "Запросить продление на, дней" in html and 'id="extension-dates"' in html
    response = client.post(step_url(appeal, "request_extension"), {"days": 40, "reason": "x"})
    assert response.status_code == 200
    assert "Срок продлевается не более чем на 30 дней." in response.content.decode()
    response = client.post(step_url(appeal, "request_extension"), {"days": 15, "reason": REASON})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.extension_requested_days == 15
    page = client.get(page_url(appeal)).content.decode()
    assert 'data-step="request_extension"' not in page and 'id="extension-request"' in page
    # Asked again by a stale form: refused, with the message on the form.
    response = client.post(step_url(appeal, "request_extension"), {"days": 15, "reason": REASON})
    assert response.status_code == 200 and "уже запрошено" in response.content.decode()
    client.force_login(roles.head)
    page = client.get(page_url(appeal)).content.decode()
    assert 'data-step="decline_extension"' in page and 'data-step="extend"' in page
    assert AppealEvent.objects.filter(appeal=appeal, action="appeal.extension_requested").count() == 1


def test_the_steps_are_offered_only_when_they_apply(client, roles):
    appeal = roles.appeal("in_work")
    client.force_login(roles.head)
    assert 'data-step="decline_extension"' not in client.get(page_url(appeal)).content.decode()
    assert client.post(step_url(appeal, "request_extension"), {"days": 5, "reason": "x"}).status_code == 403
    client.force_login(roles.executor_a)
    assert client.post(step_url(appeal, "decline_extension"), {"comment": "x"}).status_code == 403
