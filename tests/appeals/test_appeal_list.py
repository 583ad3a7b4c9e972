"""The appeals list (issue 10 item 2): its columns, its title, and the search by contacts, numbers and words."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appeals.admin import AppealAdmin, text_search
from appeals.models import Appeal
from tests import roles as role_fixtures

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture

CHANGELIST = reverse("admin:appeals_appeal_changelist")
LONG_TEXT = ("Прошу пересчитать стипендию за март месяц, потому что её начислили не полностью, а в бухгалтерии "
             "ответили, что вопрос решает деканат. " * 40)


def numbers(client, user, **params) -> set[str]:
    client.force_login(user)
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return set(re.findall(r">(ОГ-\d{4}-\d{6})</a>", response.content.decode()))


def test_the_columns(client, roles):
    appeal = roles.appeal("in_work", text=LONG_TEXT)
    client.force_login(roles.registrar)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(CHANGELIST).content.decode()
    assert list(AppealAdmin.list_display) == [
        "number", "due", "status_column", "applicant_column", "topic_column", "handled_by"]
    assert "Анна Смирнова" in html  # the executor by name, not the login
    assert ">executor_a<" not in html
    assert appeal.topic_code in html and appeal.topic_title[:20] in html
    assert "Прошу пересчитать стипендию за март" in html
    assert LONG_TEXT[:300] not in html  # only the first words
    # The whole text column is never read for the list: only its first characters, cut in the query.
    appeal_queries = [q["sql"] for q in queries.captured_queries if 'FROM "appeals_appeal"' in q["sql"]]
    listing = [sql for sql in appeal_queries if not sql.startswith("SELECT COUNT")]
    counts = [sql for sql in appeal_queries if sql.startswith("SELECT COUNT")]
    assert counts and all("SUBSTR" not in sql.upper() for sql in counts), counts
    assert listing, [q["sql"] for q in queries.captured_queries]
    for sql in listing:
        selected = sql.split(" FROM ")[0]
        assert re.search(r'SUBSTR(ING)?\("appeals_appeal"\."text"', selected, re.IGNORECASE), selected
        bare = re.sub(r'SUBSTR(ING)?\("appeals_appeal"\."text"', "", selected, flags=re.IGNORECASE)
        assert '"appeals_appeal"."text"' not in bare, selected


def test_the_title_says_what_the_list_is(client, roles):
    client.force_login(roles.registrar)
    assert "Обращения граждан: все подразделения" in client.get(CHANGELIST).content.decode()
    client.force_login(roles.executor_a)
    html = client.get(CHANGELIST, {"executor": "me", "attention": "overdue"}).content.decode()
    assert "<h1>Обращения, поручённые мне — просрочено</h1>" in html
    assert "мои подразделения и поручённые мне" in client.get(CHANGELIST).content.decode()


def test_search_by_email_phone_and_outgoing_number(client, roles):
    appeal = roles.appeal("answered", email="Orlova.N@yandex.ru", phone="+79031112233")
    other = roles.appeal("received")
    outgoing = appeal.answer.outgoing_number
    for query in ("Orlova.N@yandex.ru", "Orlova.N@Yandex.ru", "+7 903 111-22-33", "8 (903) 111-22-33", outgoing):
        assert numbers(client, roles.registrar, q=query) == {appeal.number}, query
    assert numbers(client, roles.registrar, q="orlova@yandex.ru") == set()
    assert other.number in numbers(client, roles.registrar)


def test_search_by_words_of_the_text(client, roles):
    appeal = roles.appeal("received", text="Прошу пересчитать стипендию за март.")
    roles.appeal("received", text="Прошу выдать справку об обучении.")
    assert numbers(client, roles.registrar, q="пересчитать стипендию") == {appeal.number}
    # One word no surname starts with: the texts.
    assert numbers(client, roles.registrar, q="стипендию") == {appeal.number}
    # A surname still wins: «Иванова» is every applicant's surname here, not a word of a text.
    assert len(numbers(client, roles.registrar, q="Иванова")) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the Russian configuration is PostgreSQL's")
def test_words_match_in_any_form_on_postgresql(client, roles):
    appeal = roles.appeal("received", text="Прошу пересчитать стипендию за март.")
    assert numbers(client, roles.registrar, q="стипендии март") == {appeal.number}


def test_search_stays_within_the_users_scope(client, roles):
    in_b = roles.appeal("in_work", department=roles.department_b, text="Прошу пересчитать стипендию.",
                        email="kuz@mail.ru")
    for query in ("пересчитать стипендию", "kuz@mail.ru", in_b.number):
        assert numbers(client, roles.executor_a, q=query) == set(), query
        assert numbers(client, roles.executor_b, q=query) == {in_b.number}, query


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN and the plans are PostgreSQL's")
def test_the_searches_read_their_indexes(roles):
    roles.appeal("received")
    queries = {
        "appeal_text_fts_idx": text_search(Appeal.objects.all(), "пересчитать стипендию"),
        "appeal_phone_idx": Appeal.objects.filter(phone="+79031112233"),
        "appeal_email_idx": Appeal.objects.filter(email__in=["a@b.ru"]),
        "answer_outgoing_idx": Appeal.objects.filter(answer__outgoing_number="ИСХ-2026-000001"),
        "appeal_author_name_idx": Appeal.objects.filter(
            surname_key="ИВАНОВА", first_name__iexact="мария", patronymic__iexact="петровна"),
    }
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for index, queryset in queries.items():
                sql, params = queryset.order_by().query.sql_with_params()
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert index in plan, plan
        finally:
            cursor.execute("SET enable_seqscan = on")


def test_a_surname_search_lists_by_surname_first_name_then_the_newest(client, roles):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    made = [
        role_fixtures.make_appeal(last_name="Иванова", first_name="Мария", received_at=now - timedelta(days=3)),
        role_fixtures.make_appeal(last_name="Иванова", first_name="Мария", received_at=now - timedelta(days=1)),
        role_fixtures.make_appeal(last_name="Иванова", first_name="Анна", received_at=now - timedelta(days=2)),
        role_fixtures.make_appeal(last_name="Иванов", first_name="Пётр", received_at=now),
        role_fixtures.make_appeal(last_name="Ёлкина", first_name="Вера", received_at=now),
    ]
    client.force_login(roles.registrar)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(CHANGELIST, {"q": "иван"}).content.decode()
    listed = re.findall(r">(ОГ-\d{4}-\d{6})</a>", html)
    assert listed == [made[3].number, made[2].number, made[1].number, made[0].number]
    if connection.vendor != "postgresql":
        return
    # PostgreSQL can read the page off appeal_surname_order_idx, in its order, with no sort (a table this
    # small is scanned and sorted unless the planner is told not to).
    [page] = [q["sql"] for q in queries.captured_queries
              if q["sql"].startswith('SELECT "appeals_appeal"."id"') and "ORDER BY" in q["sql"]]
    switches = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
    with connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET {switch} = off")
        try:
            cursor.execute(f"EXPLAIN {page}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            for switch in switches:
                cursor.execute(f"SET {switch} = on")
    assert "appeal_surname_order_idx" in plan and "Sort" not in plan.split("appeal_surname_order_idx")[0], plan


def test_the_rows_checkbox_is_the_admins_own_markup(rf, roles):
    """The list renders its checkboxes without the form renderer (issue 13); the HTML stays Django's."""
    from django.contrib import admin

    appeal = roles.appeal("in_work")
    model_admin = admin.site._registry[Appeal]
    ours = model_admin.action_checkbox(appeal)
    djangos = admin.ModelAdmin.action_checkbox(model_admin, appeal)
    assert str(ours) == str(djangos)
    assert f'value="{appeal.pk}"' in ours and appeal.number in ours


def test_the_state_and_the_step_read_as_before(client, roles):
    """The state's names and the steps' titles are translated once a page; each row still shows its own."""
    received = roles.appeal("received")
    in_work = roles.appeal("in_work")
    client.force_login(roles.registrar)
    html = client.get(CHANGELIST).content.decode()
    rows = {appeal.number: re.search(rf"<tr>(?:(?!</tr>).)*{appeal.number}.*?</tr>", html, re.DOTALL).group(0)
            for appeal in (received, in_work)}
    for appeal in (received, in_work):
        assert f'<span class="status">{appeal.get_status_display()}</span>' in rows[appeal.number]
    assert 'data-row-step="register_assign"' in rows[received.number]
    assert ">Зарегистрировать" in rows[received.number]
    assert "data-row-step" not in rows[in_work.number]  # the registrar does not draft answers


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans are PostgreSQL's")
def test_a_filtered_lists_page_reads_its_keys_off_the_filters_index(roles):
    """The state and the 7-day decision filters (issue 13): the page's keys come off an index, in the list's order."""
    from appeals.services import worklists

    roles.appeal("in_work")
    order = ("next_due", "-received_at", "-id")  # AppealAdmin.ordering, with the -id the admin adds
    queries = {
        "appeal_status_order_idx": Appeal.objects.filter(status="answered"),
        "appeal_decision_due_idx": worklists.decision_pending(),
    }
    with connection.cursor() as cursor:
        # A test table of a few rows would be read whole and sorted; as on a million
        # appeals, the plan must take the rows in the list's order off an index.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        try:
            for index, queryset in queries.items():
                sql, params = queryset.order_by(*order).values("pk")[:50].query.sql_with_params()
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert index in plan, plan
                assert "Sort" not in plan, plan  # read in the list's order, no sort of the matches
        finally:
            cursor.execute("SET enable_seqscan = on")
            cursor.execute("SET enable_sort = on")


def test_a_page_is_its_keys_then_its_rows_in_the_lists_order(client, roles, monkeypatch):
    """The paginator reads the page's keys, then only those rows with the text's first words (issue 13)."""
    from datetime import timedelta

    from django.utils import timezone

    appeals = [roles.appeal("in_work") for _ in range(3)]
    for days, appeal in enumerate(appeals):
        Appeal.objects.filter(pk=appeal.pk).update(next_due=None, received_at=timezone.now() - timedelta(days=days))
    monkeypatch.setattr(AppealAdmin, "list_per_page", 2)
    client.force_login(roles.registrar)
    with CaptureQueriesContext(connection) as run:
        first = client.get(CHANGELIST, {"status": "in_work"}).content.decode()
    # Read before the next request, which clears the connection's query log.
    selects = [q["sql"] for q in run.captured_queries if q["sql"].startswith('SELECT "appeals_appeal"."id"')]
    second = client.get(CHANGELIST, {"status": "in_work", "p": 2}).content.decode()
    shown = lambda html: re.findall(r">(ОГ-\d{4}-\d{6})</a>", html)  # noqa: E731
    assert shown(first) == [appeals[0].number, appeals[1].number]  # the newest first, as the list orders
    assert shown(second) == [appeals[2].number]
    keys, rows = selects[-2], selects[-1]
    assert "SUBSTR" not in keys.upper() and "LIMIT 2" in keys, selects
    assert "SUBSTR" in rows.upper() and "LIMIT" not in rows, selects
