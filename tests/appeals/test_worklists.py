"""The front page's work lists (issue 10 item 1): each role's lines, scoped, capped, one query a line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal
from appeals.services import handling, worklists
from letters.models import PostalLetter
from tests import roles as role_fixtures
from tests.factories import offered_topic
from tests.roles import age

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture

INDEX = reverse("admin:index")


def lines(user: User) -> dict[str, str]:
    return {line.key: line.shown for work in worklists.worklists_for(user) for line in work.lines}


def page_lines(client, user: User) -> dict[str, str]:
    client.force_login(user)
    html = client.get(INDEX).content.decode()
    found = re.findall(r'id="work-(\w+)">\s*<span class="count">([^<]+)</span>', html)
    return dict(found)


def listed(client, user: User, key: str) -> set[str]:
    """The numbers the line's link lists (first page), as the user sees them."""
    entry = worklists.ENTRIES[key]
    client.force_login(user)
    html = client.get(entry.url(user)).content.decode()
    return set(re.findall(r">(ОГ-\d{4}-\d{6})</a>", html))


def enter_from_paper(user: User) -> Appeal:
    data = {"last_name": "Орлов", "first_name": "Илья", "patronymic": "", "address": "г. Тверь, ул. Мира, 1",
            "postal_index": "170000", "phone": "", "email": "", "reply_method": "post", "kind": "primary",
            "text": "Прошу выдать справку."}
    with TestCase.captureOnCommitCallbacks(execute=True):
        entered = handling.enter_appeal(user, channel="post", received_at=timezone.now() - timedelta(days=2),
                                        topic=offered_topic(), data=data)
    return entered.appeal


def test_the_registrars_list(client, roles):
    received = roles.appeal("received")
    registered = roles.appeal("registered")
    roles.appeal("in_work")
    paper = enter_from_paper(roles.registrar)
    expected = {"registrar_new": "2", "registrar_decision": "1", "registrar_entered_today": "1"}
    assert lines(roles.registrar) == expected
    assert page_lines(client, roles.registrar) == expected
    assert listed(client, roles.registrar, "registrar_new") == {received.number, paper.number}
    assert listed(client, roles.registrar, "registrar_decision") == {registered.number}
    assert listed(client, roles.registrar, "registrar_entered_today") == {paper.number}


def test_the_executors_list_is_their_own(client, roles):
    new = roles.appeal("in_work")
    drafted = roles.appeal("drafted")  # a draft, never returned: not «returned»
    returned = roles.appeal("on_approval")
    handling.return_answer(returned, roles.head, comment="Уточните сроки.")
    late = age(roles.appeal("in_work"), 60)
    # Department B's appeals count for executor B only.
    roles.appeal("in_work", department=roles.department_b)
    assert drafted.number
    got = lines(roles.executor_a)
    assert got["executor_new"] == "2"  # new and late: no answer drafted
    assert got["executor_returned"] == "1"
    assert got["executor_overdue"] == "1"
    assert listed(client, roles.executor_a, "executor_returned") == {returned.number}
    assert listed(client, roles.executor_a, "executor_overdue") == {late.number}
    assert listed(client, roles.executor_a, "executor_new") == {new.number, late.number}
    assert lines(roles.executor_b)["executor_new"] == "1"
    assert lines(roles.executor_b)["executor_returned"] == "0"


def test_due_this_week_ends_on_sunday(roles):
    appeal = roles.appeal("in_work")
    today = timezone.localdate()
    sunday = today + timedelta(days=6 - today.weekday())
    Appeal.objects.filter(pk=appeal.pk).update(next_due=sunday)
    assert worklists.due_this_week(today=today).filter(pk=appeal.pk).exists()
    Appeal.objects.filter(pk=appeal.pk).update(next_due=sunday + timedelta(days=1))
    assert not worklists.due_this_week(today=today).filter(pk=appeal.pk).exists()


def test_the_heads_list_is_their_departments(client, roles):
    in_a = roles.appeal("on_approval")
    in_b = roles.appeal("on_approval", department=roles.department_b)
    late_b = age(roles.appeal("in_work", department=roles.department_b), 60)
    # A head of no department answers for all of them.
    assert lines(roles.head) == {"head_to_sign": "2", "head_overdue": "1", "head_extension_requested": "0",
                                 "head_reviews": "0"}
    roles.department_a.members.add(roles.head)
    assert lines(roles.head) == {"head_to_sign": "1", "head_overdue": "0", "head_extension_requested": "0",
                                 "head_reviews": "0"}
    assert listed(client, roles.head, "head_to_sign") == {in_a.number}
    roles.department_b.members.add(roles.head)
    assert listed(client, roles.head, "head_to_sign") == {in_a.number, in_b.number}
    assert listed(client, roles.head, "head_overdue") == {late_b.number}


def test_the_clerks_list_is_the_print_queue(client, roles):
    roles.appeal("answered", reply_method="post")
    roles.appeal("answered", reply_method="post")
    PostalLetter.objects.filter(pk=PostalLetter.objects.order_by("pk").first().pk).update(status="printed")
    queued = PostalLetter.objects.filter(status="queued").count()
    assert queued >= 1
    assert lines(roles.clerk) == {"clerk_to_print": str(queued)}
    client.force_login(roles.clerk)
    response = client.get(worklists.ENTRIES["clerk_to_print"].url(roles.clerk))
    assert response.status_code == 200
    assert response.context["cl"].result_count == queued


def test_roles_without_work_see_no_list(client, roles):
    assert worklists.worklists_for(roles.administrator) == []
    assert worklists.worklists_for(roles.outsider) == []
    client.force_login(roles.administrator)
    assert 'id="worklists"' not in client.get(INDEX).content.decode()


def test_counts_stop_at_the_cap(roles, monkeypatch):
    monkeypatch.setattr(worklists, "COUNT_CAP", 2)
    for _n in range(2):
        roles.appeal("received")
    assert lines(roles.registrar)["registrar_new"] == "2"  # exact up to the cap
    roles.appeal("received")
    assert lines(roles.registrar)["registrar_new"] == "более 2"


def test_one_query_a_line(roles, django_assert_max_num_queries):
    for state in ("received", "registered", "in_work", "on_approval"):
        roles.appeal(state)
        roles.appeal(state, department=roles.department_b)
    # A user with every role: its departments once, then one count a line.
    everyone = role_fixtures.make_user("everyone", "Регистратор", "Исполнитель", "Руководитель", "Экспедитор")
    roles.department_a.members.add(everyone)
    list(everyone.get_all_permissions())  # the permission cache, as the request has it by then
    total = sum(1 for entry in worklists.ENTRIES.values())
    with django_assert_max_num_queries(total + 1):
        result = worklists.worklists_for(everyone)
    assert [work.role for work in result] == ["registrar", "executor", "head", "clerk"]


def test_other_apps_add_lines_through_the_registry(roles):
    """The hook for postal («возвращённые письма») and feedback («отзывы для разбора»)."""
    entry = worklists.WorkListEntry(
        worklists.REGISTRAR, "test_returned_letters", "Возвращённые письма",
        lambda user, now: worklists.visible(user, Appeal.objects.filter(status="received")),
        lambda user: "/admin/", order=40)
    roles.appeal("received")
    worklists.register_entry(entry)
    try:
        assert lines(roles.registrar)["test_returned_letters"] == "1"
        assert "test_returned_letters" not in lines(roles.executor_a)
    finally:
        worklists.unregister_entry("test_returned_letters")
    with pytest.raises(ValueError):
        worklists.register_entry(worklists.WorkListEntry("nobody", "x", "x", entry.rows, entry.url))
    assert Group.objects.filter(name="Экспедитор").exists()


@pytest.mark.parametrize("key", sorted(worklists.ENTRIES))
def test_each_line_reads_an_index_not_the_table(key, roles):
    """With a million appeals, mostly closed, a full scan of the appeals would make the front page slow."""
    entry = worklists.ENTRIES[key]
    roles.department_a.members.add(roles.head)
    user = {"registrar": roles.registrar, "executor": roles.executor_a, "head": roles.head,
            "clerk": roles.clerk}[entry.role]
    queryset = entry.rows(user, timezone.now()).order_by()[: worklists.COUNT_CAP + 1]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert not re.search(r"SCAN (appeals_appeal|appeals_appealevent|letters_postalletter)(?! USING)",
                                 plan), plan
        else:
            with transaction.atomic():
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = " | ".join(row[0] for row in cursor.fetchall())
            assert not re.search(r"Seq Scan on (appeals_appeal|appeals_appealevent|letters_postalletter)\b",
                                 plan), plan
