"""The reports' figures against the hand-counted world of conftest.py, and their links and scope."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from appeals.models import Appeal
from reports.filters import Filters
from reports.reports import (
    CausesReport,
    KindsChannelsReport,
    LoadReport,
    SatisfactionReport,
    SstuReport,
    Table,
    TimelinessReport,
    percentile,
)

pytestmark = pytest.mark.django_db

FEB_MAR = Filters(dt.date(2026, 2, 1), dt.date(2026, 3, 1))
TODAY = dt.date(2026, 2, 20)


def by_first(table: Table) -> dict[str, dict[str, object]]:
    return {str(row[0].value): {h: c.value for h, c in zip(table.header, row, strict=True)} for row in table.rows}


def appeals_behind(client, cell) -> set[str]:
    """The numbers the admin list shows for a figure's link (as the logged-in user)."""
    response = client.get(cell.url)
    assert response.status_code == 200, cell.url
    assert "?e=1" not in response.get("Location", "")
    return {a.number for a in response.context["cl"].result_list}


def test_sstu_counts_each_result_per_question(world):
    table = SstuReport(world.roles.head, FEB_MAR).table()
    rows = by_first(table)
    t1, t2 = rows[world.t1.code], rows[world.t2.code]
    assert t1["всего вопросов"] == 5 and t2["всего вопросов"] == 3
    assert (t1["поддержано"], t1["в т. ч. меры приняты"], t1["не поддержано"], t1["дан ответ автору"],
            t1["оставлено без ответа автору"], t1["рассмотрение продлено"], t1["находится на рассмотрении"]) == (
        1, 1, 1, 1, 1, 1, 0)
    assert (t2["разъяснено"], t2["направлено по компетенции"], t2["находится на рассмотрении"],
            t2["поддержано"]) == (1, 1, 1, 0)
    assert rows["Итого"]["всего вопросов"] == 8


def test_an_sstu_figure_links_to_the_appeals_behind_it(world, client):
    client.force_login(world.roles.head)
    table = SstuReport(world.roles.head, FEB_MAR).table()
    row = next(r for r in table.rows if r[0].value == world.t1.code)
    header = table.header
    a = world.appeals
    assert appeals_behind(client, row[header.index("в т. ч. меры приняты")]) == {a["a1"].number}
    assert appeals_behind(client, row[header.index("рассмотрение продлено")]) == {a["a5"].number}
    assert appeals_behind(client, row[header.index("всего вопросов")]) == {
        a[n].number for n in ("a1", "a2", "a4", "a5", "a7")}


def test_timeliness_on_a_known_calendar(world):
    table = TimelinessReport(world.roles.head, FEB_MAR, today=TODAY).table()
    total = table.rows[0]
    values = {h: c.value for h, c in zip(table.header, total, strict=True)}
    assert values["поступило"] == 8
    assert values["зарегистрировано в срок"] == 6 and values["зарегистрировано с нарушением срока"] == 1
    assert values["ответ в срок"] == 2 and values["ответ с нарушением срока"] == 1
    assert values["срок продлён"] == 1
    assert values["просрочено сейчас"] == 1  # a8, never registered
    # Days to answer: 1 (a7), 4 (a1), 38 (a2).
    assert values["дней до ответа: среднее"] == 14.3
    assert values["медиана"] == 4 and values["90-й процентиль"] == 38


def test_timeliness_links_and_per_executor_rows(world, client):
    client.force_login(world.roles.head)
    table = TimelinessReport(world.roles.head, FEB_MAR, today=TODAY).table()
    header = table.header
    late = table.rows[0][header.index("зарегистрировано с нарушением срока")]
    assert appeals_behind(client, late) == {world.appeals["a2"].number}
    answered_late = table.rows[0][header.index("ответ с нарушением срока")]
    assert appeals_behind(client, answered_late) == {world.appeals["a2"].number}
    executor_rows = [r for r in table.rows if r[1].value == "Анна Смирнова"]
    # a1, a2, a6, a7: a4 was withdrawn before it was assigned.
    assert len(executor_rows) == 1 and executor_rows[0][header.index("поступило")].value == 4


def test_kinds_and_channels(world):
    rows = by_first(KindsChannelsReport(world.roles.head, FEB_MAR).table())
    february = rows["02.2026"]
    assert (february["всего"], february["Первичное"], february["Повторное"], february["Многократное"]) == (8, 6, 1, 1)
    assert (february["официальный сайт"], february["почта"], february["личный приём"],
            february["ЕПГУ (платформа обратной связи)"]) == (5, 1, 1, 1)
    assert rows["03.2026"]["всего"] == 0 and rows["Итого"]["всего"] == 8


def test_satisfaction_shares(world, client):
    table = SatisfactionReport(world.roles.head, FEB_MAR).table()
    total = {h: c.value for h, c in zip(table.header, table.rows[-1], strict=True)}
    assert (total["спрошено"], total["ответили"], total["не ответили в срок"]) == (3, 2, 1)
    assert (total["решён: да"], total["частично"], total["нет"]) == (1, 0, 1)
    assert total["доля «да», %"] == 50.0 and total["средняя оценка"] == 3.5
    client.force_login(world.roles.head)
    assert appeals_behind(client, table.rows[-1][table.header.index("нет")]) == {world.appeals["a2"].number}
    by_executor = SatisfactionReport(world.roles.head, FEB_MAR, group="executor").table()
    assert [r[0].value for r in by_executor.rows] == ["Анна Смирнова", "Итого"]


def test_every_satisfaction_figure_links_exactly_the_appeals_behind_it(world, client):
    """The report reads the tally; each figure's list of appeals, filtered from the requests, is the same set."""
    a = world.appeals
    expected = {"спрошено": {"a1", "a2", "a7"}, "ответили": {"a1", "a2"}, "не ответили в срок": {"a7"},
                "решён: да": {"a1"}, "частично": set(), "нет": {"a2"}}
    client.force_login(world.roles.head)
    for group in ("department", "topic", "executor"):
        table = SatisfactionReport(world.roles.head, FEB_MAR, group=group).table()
        assert len(table.rows) == 2, group  # the three appeals share department A, topic t1 and Anna
        for row in table.rows:
            for column, names in expected.items():
                cell = row[table.header.index(column)]
                assert cell.value == len(names), (group, row[0].value, column)
                assert appeals_behind(client, cell) == {a[n].number for n in names}, (group, column)
    # By the month asked: a1 and a7 in February, a2 in March.
    february = SatisfactionReport(world.roles.head, Filters(FEB_MAR.start, FEB_MAR.start)).table()
    march = SatisfactionReport(world.roles.head, Filters(FEB_MAR.end, FEB_MAR.end)).table()
    assert [february.rows[-1][i].value for i in (1, 2, 3, 8)] == [2, 1, 1, 5]
    assert [march.rows[-1][i].value for i in (1, 2, 3, 8)] == [1, 1, 0, 2]
    assert appeals_behind(client, march.rows[-1][1]) == {a["a2"].number}
    # The filters and the user's scope narrow the tally as they narrow the other reports.
    topic_2 = SatisfactionReport(world.roles.head, Filters(FEB_MAR.start, FEB_MAR.end, topic=world.t2.code)).table()
    assert topic_2.rows[-1][1].value == 0
    department_b = Filters(FEB_MAR.start, FEB_MAR.end, department_id=world.roles.department_b.pk)
    assert SatisfactionReport(world.roles.head, department_b).table().rows[-1][1].value == 0
    assert SatisfactionReport(world.roles.executor_b, FEB_MAR).table().rows[-1][1].value == 0
    own = SatisfactionReport(world.roles.executor_a, FEB_MAR).table()
    assert own.rows[-1][1].value == 3
    client.force_login(world.roles.executor_a)
    assert appeals_behind(client, own.rows[-1][1]) == {a[n].number for n in ("a1", "a2", "a7")}


def test_executors_load(world, client):
    a6 = world.appeals["a6"]
    monday = a6.next_due - dt.timedelta(days=a6.next_due.weekday())
    table = LoadReport(world.roles.head, FEB_MAR, today=monday).table()
    rows = by_first(table)
    anna = rows["Анна Смирнова"]
    assert (anna["открытых"], anna["срок на этой неделе"], anna["просрочено"]) == (1, 1, 0)
    assert rows["Борис Кузнецов"]["открытых"] == 1
    assert rows["не назначен"]["просрочено"] == 1
    client.force_login(world.roles.head)
    week = next(r for r in table.rows if r[0].value == "Анна Смирнова")[2]
    assert appeals_behind(client, week) == {a6.number}


def test_causes_report_reads_the_cause_recorded_per_question(world):
    from classifiers.models import Cause

    cause = Cause.objects.order_by("order", "pk").first()
    assert cause is not None
    question = world.appeals["a2"].questions.get()
    question.cause = cause
    question.save(update_fields=["cause"])
    # The cause is recorded at signing, before the step's history entry; here it is set afterwards.
    from reports import summary

    summary.refresh_appeal(world.appeals["a2"].pk)
    rows = by_first(CausesReport(world.roles.head, FEB_MAR).table())
    assert rows[cause.title]["вопросов"] == 1
    assert rows["не указана"]["вопросов"] == 5  # signed, redirected or withdrawn questions without a cause


def test_an_executor_sees_only_their_department_in_every_figure(world):
    rows = by_first(SstuReport(world.roles.executor_a, FEB_MAR).table())
    # a5 belongs to department B; a3 and a4 were closed before they reached a department.
    assert rows[world.t1.code]["всего вопросов"] == 3 and rows[world.t2.code]["всего вопросов"] == 2
    timeliness = TimelinessReport(world.roles.executor_a, FEB_MAR, today=TODAY).table()
    assert timeliness.rows[0][2].value == 4
    load = by_first(LoadReport(world.roles.executor_b, FEB_MAR, today=TODAY).table())
    assert set(load) == {"Борис Кузнецов"}


def test_filters_narrow_by_department_topic_and_channel(world):
    department = Filters(FEB_MAR.start, FEB_MAR.end, department_id=world.roles.department_b.pk)
    assert by_first(SstuReport(world.roles.head, department).table())["Итого"]["всего вопросов"] == 1
    topic = Filters(FEB_MAR.start, FEB_MAR.end, topic=world.t2.code)
    assert by_first(SstuReport(world.roles.head, topic).table())["Итого"]["всего вопросов"] == 3
    post = Filters(FEB_MAR.start, FEB_MAR.end, channel="post")
    assert by_first(KindsChannelsReport(world.roles.head, post).table())["Итого"]["всего"] == 1
    january = Filters(dt.date(2026, 1, 1), dt.date(2026, 1, 1))
    assert by_first(SstuReport(world.roles.head, january).table())["Итого"]["всего вопросов"] == 0


def test_the_sstu_report_exports_as_xlsx_and_csv(world, client):
    client.force_login(world.roles.head)
    url = reverse("reports:report", args=["sstu"])
    query = {"period_from": "2026-02", "period_to": "2026-03"}
    response = client.get(url, {**query, "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[3])
    assert header[:3] == ["код вопроса", "вопрос", "всего вопросов"]
    data = {r[0]: r for r in rows[4:]}
    assert data[world.t1.code][2] == 5 and data["Итого"][2] == 8
    csv_text = client.get(url, {**query, "export": "csv"}).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("код вопроса;вопрос;всего вопросов")


def test_the_report_page_links_every_figure_within_the_list(world, client):
    client.force_login(world.roles.head)
    response = client.get(reverse("reports:report", args=["timeliness"]),
                          {"period_from": "2026-02", "period_to": "2026-03"})
    assert response.status_code == 200
    links = [a for a in response.content.decode().split('href="') if a.startswith("/admin/appeals/appeal/?")]
    assert links
    for link in links[:12]:
        url = link.split('"', 1)[0].replace("&amp;", "&")
        params = dict(parse_qsl(urlsplit(url).query))
        assert "received_at__gte" in params
        listing = client.get(url)
        assert listing.status_code == 200 and "e=1" not in listing.get("Location", "")


def test_a_bad_period_is_refused_next_to_the_field(world, client):
    client.force_login(world.roles.head)
    response = client.get(reverse("reports:report", args=["sstu"]),
                          {"period_from": "2026-03", "period_to": "2026-02"})
    assert response.status_code == 200
    assert "Конец периода раньше его начала." in response.content.decode()
    assert 'value="2026-03"' in response.content.decode()


@pytest.mark.parametrize("role, status", [
    ("head", 200), ("registrar", 403), ("executor_a", 403), ("executor_b", 403), ("clerk", 403),
    ("administrator", 403), ("outsider", 403),
])
def test_who_opens_the_report_pages(roles, client, role, status):
    client.force_login(getattr(roles, role))
    for url in (reverse("reports:index"), reverse("reports:trends"),
                *(reverse("reports:report", args=[slug]) for slug in
                  ("sstu", "timeliness", "kinds", "causes", "satisfaction", "load"))):
        assert client.get(url).status_code == status, url


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(reverse("reports:trends"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_percentile_is_the_nearest_rank():
    assert percentile({1: 1, 4: 1, 38: 1}, 0.5) == 4
    assert percentile({1: 9, 50: 1}, 0.9) == 1
    assert percentile({1: 9, 50: 1}, 0.91) == 50
    assert percentile({}, 0.5) is None


def test_appeals_list_refuses_other_lookups_through_relations(roles, client):
    client.force_login(roles.head)
    response = client.get("/admin/appeals/appeal/?questions__appeal__text__contains=x")
    assert response.status_code == 400
    assert Appeal.objects.count() == 0


def test_the_admin_index_links_the_reports_for_the_head_only(roles, client):
    client.force_login(roles.head)
    assert reverse("reports:index") in client.get(reverse("admin:index")).content.decode()
    client.force_login(roles.registrar)
    assert reverse("reports:index") not in client.get(reverse("admin:index")).content.decode()


def test_the_satisfaction_grouping_survives_a_change_of_filters(world, client):
    client.force_login(world.roles.head)
    response = client.get(reverse("reports:report", args=["satisfaction"]),
                          {"period_from": "2026-02", "period_to": "2026-03", "by": "executor"})
    html = response.content.decode()
    assert '<input type="hidden" name="by" value="executor">' in html
    assert "Анна Смирнова" in html
    assert "by=topic" in html and "by=executor&amp;by" not in html
