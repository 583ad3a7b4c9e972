"""The admin front page: what needs attention, counted for the user's own appeals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal, Department
from appeals.services import access
from appeals.templatetags.appeals_dashboard import FLAGS
from tests.appeals.test_reminders import TODAY, frozen, make_appeal, make_staff

pytestmark = pytest.mark.django_db

__all__ = ["frozen"]  # the autouse fixture freezing time at 08:00 on TODAY

INDEX = reverse("admin:index")
CHANGELIST = reverse("admin:appeals_appeal_changelist")


@pytest.fixture
def departments() -> tuple[Department, Department]:
    return Department.objects.create(name="Учебный отдел"), Department.objects.create(name="Отдел кадров")


@pytest.fixture
def appeals(departments) -> None:
    """In the first department: 1 unregistered late, 1 decision late, 2 overdue, 3 due soon."""
    ours, _ = departments
    now = timezone.now()
    make_appeal(department=ours, status=Appeal.Status.RECEIVED, received_at=now - timedelta(days=3),
                registered_at=None, decided_at=None, next_due=TODAY + timedelta(days=5))
    make_appeal(department=ours, status=Appeal.Status.REGISTERED, registered_at=now - timedelta(days=6),
                decided_at=None, next_due=TODAY + timedelta(days=1))
    make_appeal(department=ours, next_due=TODAY - timedelta(days=1))
    make_appeal(department=ours, next_due=TODAY - timedelta(days=10))
    make_appeal(department=ours, next_due=TODAY)
    make_appeal(department=ours, next_due=TODAY + timedelta(days=3))
    make_appeal(department=ours, next_due=TODAY + timedelta(days=4))  # not soon
    # Closed appeals count nowhere, however late they were.
    closed = {"closed_at": now, "department": ours}
    make_appeal(status=Appeal.Status.ANSWERED, next_due=TODAY - timedelta(days=3), **closed)
    make_appeal(status=Appeal.Status.WITHDRAWN, received_at=now - timedelta(days=9), registered_at=None, **closed)


def counts(html: str) -> dict[str, int]:
    found = re.findall(r'id="attention-(\w+)"[^>]*>\s*<span class="count">(\d+)</span>', html)
    # The returned postal letters' flag (issue 9) is counted in tests/postal.
    return {key: int(value) for key, value in found if key != "postal_returned"}


EXPECTED = {"unregistered_late": 1, "decision_late": 1, "overdue": 2, "soon": 3}
NONE = dict.fromkeys(EXPECTED, 0)


def front_page(client, user) -> str:
    client.force_login(user)
    response = client.get(INDEX)
    assert response.status_code == 200
    return response.content.decode()


def test_head_sees_the_four_counts_with_links(client, appeals):
    html = front_page(client, make_staff("head", "Руководитель"))
    assert counts(html) == EXPECTED
    for key in EXPECTED:
        assert f'href="{CHANGELIST}?attention={key}"' in html
    for title in ("Не зарегистрированы более 2 дней", "Решение по 7-дневному сроку не принято более 5 дней",
                  "Просрочены", "Срок в ближайшие 3 дня"):
        assert title in html
    # The app list is still there, below the flags.
    assert html.index('id="appeals-attention"') < html.index('id="content-main"')


def test_an_executor_counts_only_their_departments_appeals(client, appeals, departments):
    ours, theirs = departments
    assert counts(front_page(client, make_staff("petrov", "Исполнитель", departments=[ours]))) == EXPECTED
    assert counts(front_page(client, make_staff("sidorov", "Исполнитель", departments=[theirs]))) == NONE


def test_an_executor_counts_appeals_assigned_to_them_personally(client, departments):
    ours, theirs = departments
    user = make_staff("sidorov", "Исполнитель", departments=[theirs])
    make_appeal(department=ours, executor=user, next_due=TODAY - timedelta(days=1))
    assert counts(front_page(client, user)) == {**NONE, "overdue": 1}


def test_non_zero_flags_are_marked_in_text_not_only_colour(client, departments):
    make_appeal(department=departments[0], next_due=TODAY - timedelta(days=1))
    html = front_page(client, make_staff("head", "Руководитель"))
    flagged = re.search(r'<a href="[^"]*attention=overdue"[^>]*class="flagged">(.*?)</a>', html, re.S)
    assert flagged and "требует внимания" in flagged.group(1)
    calm = re.search(r'<a href="[^"]*attention=soon"[^>]*class="">(.*?)</a>', html, re.S)
    assert calm and "требует внимания" not in calm.group(1)


def test_staff_who_may_not_see_appeals_get_no_flags(client, appeals):
    html = front_page(client, make_staff("admin", "Администратор"))
    assert 'id="appeals-attention"' not in html


def test_front_page_queries_are_few(client, appeals, django_assert_max_num_queries):
    user = make_staff("petrov", "Исполнитель", departments=[Department.objects.get(name="Учебный отдел")])
    client.force_login(user)
    # The session (unless in the cache), the user, permissions (2), the
    # user's departments, the four counts, the returned postal letters (issue 9), the recent actions box;
    # and the executor's work list (issue 10): its departments once, five lines.
    with django_assert_max_num_queries(17):
        assert client.get(INDEX).status_code == 200


@pytest.mark.parametrize(("key", "count"), [(key, count) for key, _, count in FLAGS])
def test_each_count_reads_an_index_not_the_table(key, count, departments):
    """With a million appeals, mostly closed, a full scan of the table would make the front page slow."""
    head = make_staff("head", "Руководитель")
    executor = make_staff("petrov", "Исполнитель", departments=[departments[0]])
    for user in (head, executor):
        # Without the model's ordering, as count() sends it.
        queryset = count(access.visible_appeals(user), timezone.now()).order_by()
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
                assert "USING" in plan and "INDEX" in plan, plan
                assert not re.search(r"SCAN appeals_appeal(?! USING)", plan), plan
            else:
                # A few rows: PostgreSQL would rightly scan them; forbid it to see whether it could do otherwise.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = " | ".join(row[0] for row in cursor.fetchall())
                assert "Seq Scan on appeals_appeal" not in plan, plan


def test_the_link_opens_the_list_of_those_appeals(client, departments):
    late = make_appeal(department=departments[0], next_due=TODAY - timedelta(days=1))
    on_time = make_appeal(department=departments[0], next_due=TODAY + timedelta(days=1))
    html = front_page(client, make_staff("head", "Руководитель"))
    url = re.search(r'href="([^"]*attention=overdue)"', html)
    assert url
    listed = client.get(url.group(1).replace("&amp;", "&"))
    assert listed.status_code == 200
    assert late.number in listed.content.decode() and on_time.number not in listed.content.decode()
