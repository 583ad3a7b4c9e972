"""The trends as charts: each chart is its data, a table beside it and a sentence for those who cannot see it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from appeals.models import AppealKind
from classifiers.models import Cause, Topic
from reports.filters import Filters, add_months, scoped
from reports.models import TERM_MISSED, AppealTally, QuestionTally, SatisfactionTally, WeekTally
from reports.reports import Cell, Table, satisfaction_link

TOP_TOPICS = 6


@dataclass
class Chart:
    slug: str
    title: str
    kind: str  # "line" or "bar"
    labels: list[str]
    series: list[tuple[str, list[float]]]
    table: Table
    summary: str
    percent: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def data_id(self) -> str:
        return f"{self.slug}-data"

    def js(self) -> dict[str, Any]:
        return {"type": self.kind, "labels": self.labels, "percent": self.percent,
                "series": [{"label": label, "data": data} for label, data in self.series]}


def _topic_titles(codes: list[str]) -> dict[str, str]:
    return dict(Topic.objects.filter(code__in=codes).values_list("code", "title"))


def _label(code: str, titles: dict[str, str]) -> str:
    title = titles.get(code, "")
    return f"{code} {title[:40]}" if title else code


def _month(filters: Filters, month: dt.date) -> Filters:
    return Filters(month, month, filters.department_id, filters.topic, filters.channel)


def _month_link(filters: Filters, month: dt.date, **lookups: Any) -> dict[str, Any]:
    return {**_month(filters, month).link_params(), **lookups}


def topics_over_time(user: Any, filters: Filters, weekly: bool) -> Chart:
    """Appeals per topic per month or per week (from the tallies)."""
    counts: dict[str, dict[dt.date, int]] = defaultdict(dict)
    if weekly:
        start, steps = filters.start - dt.timedelta(days=filters.start.weekday()), []
        # The weeks that touch the period; a week's appeals count whole, also its days outside the period.
        weeks = Q(week__gte=start, week__lt=add_months(filters.end, 1))
        rows = (scoped(user, WeekTally.objects.filter(filters.tally_q(months=False), weeks))
                .values("week", "topic_code").annotate(n=Sum("count")).order_by())
        for row in rows:
            counts[row["topic_code"]][row["week"]] = row["n"]
        while start < add_months(filters.end, 1):
            steps.append(start)
            start += dt.timedelta(days=7)
    else:
        for row in (scoped(user, AppealTally.objects.filter(filters.tally_q()))
                    .values("month", "topic_code").annotate(n=Sum("count")).order_by()):
            counts[row["topic_code"]][row["month"]] = row["n"]
        steps = filters.months
    totals = sorted(counts, key=lambda code: -sum(counts[code].values()))
    top, rest = totals[:TOP_TOPICS], totals[TOP_TOPICS:]
    titles = _topic_titles(top)
    series = [(_label(code, titles), [float(counts[code].get(s, 0)) for s in steps]) for code in top]
    if rest:
        series.append((_("прочие"), [float(sum(counts[c].get(s, 0) for c in rest)) for s in steps]))
    fmt = "%d.%m.%Y" if weekly else "%m.%Y"
    table = Table([_("тематика"), *(f"{s:{fmt}}" for s in steps), _("всего")])
    for code in top:
        row = [Cell(_label(code, titles))]
        for s in steps:
            link = None
            if not weekly:
                link = _month_link(filters, s, topic_code=code)
            row.append(Cell(counts[code].get(s, 0), link))
        row.append(Cell(sum(counts[code].values()), {**filters.link_params(), "topic_code": code}))
        table.rows.append(row)
    if top:
        leader = top[0]
        summary = _("Больше всего обращений по тематике «%(topic)s»: %(n)d за период.") % {
            "topic": _label(leader, titles), "n": sum(counts[leader].values())}
    else:
        summary = _("За период обращений нет.")
    step_name = _("неделям") if weekly else _("месяцам")
    return Chart("topics", _("Обращения по тематикам, по %(step)s") % {"step": step_name}, "line",
                 [f"{s:{fmt}}" for s in steps], series, table, summary)


def _topic_counts(user: Any, filters: Filters) -> dict[str, int]:
    return {r["topic_code"]: r["n"] for r in scoped(user, AppealTally.objects.filter(filters.tally_q()))
            .values("topic_code").annotate(n=Sum("count")).order_by()}


def rising_topics(user: Any, filters: Filters) -> Chart:
    """The topics that grew most against the previous period of the same length and the same period a year ago."""
    length = len(filters.months)
    now, before, last_year = (_topic_counts(user, filters), _topic_counts(user, filters.shifted(-length)),
                              _topic_counts(user, filters.shifted(-12)))
    rising = sorted(now, key=lambda c: (-(now[c] - before.get(c, 0)), c))[:10]
    rising = [c for c in rising if now[c] > before.get(c, 0)]
    titles = _topic_titles(rising)
    table = Table([_("тематика"), _("за период"), _("предыдущий период"), _("рост"),
                   _("тот же период год назад"), _("рост к прошлому году")])
    link_now, link_before, link_year = (filters.link_params(), filters.shifted(-length).link_params(),
                                        filters.shifted(-12).link_params())
    for code in rising:
        table.rows.append([
            Cell(_label(code, titles)), Cell(now[code], {**link_now, "topic_code": code}),
            Cell(before.get(code, 0), {**link_before, "topic_code": code}), Cell(now[code] - before.get(code, 0)),
            Cell(last_year.get(code, 0), {**link_year, "topic_code": code}),
            Cell(now[code] - last_year.get(code, 0)),
        ])
    labels = [_label(c, titles) for c in rising]
    series = [(_("рост к предыдущему периоду"), [float(now[c] - before.get(c, 0)) for c in rising]),
              (_("рост к тому же периоду год назад"), [float(now[c] - last_year.get(c, 0)) for c in rising])]
    if rising:
        summary = _("Сильнее всего выросла тематика «%(topic)s»: %(now)d против %(before)d в предыдущем "
                    "периоде и %(year)d год назад.") % {"topic": labels[0], "now": now[rising[0]],
                                                         "before": before.get(rising[0], 0),
                                                         "year": last_year.get(rising[0], 0)}
    else:
        summary = _("Ни одна тематика не выросла к предыдущему периоду.")
    return Chart("rising", _("Растущие тематики"), "bar", labels, series, table, summary)


def causes_over_time(user: Any, filters: Filters) -> Chart:
    counts: dict[Any, dict[dt.date, int]] = defaultdict(dict)
    for row in (scoped(user, QuestionTally.objects.filter(filters.tally_q(), cause__isnull=False))
                .values("month", "cause_id").annotate(n=Sum("count")).order_by()):
        counts[row["cause_id"]][row["month"]] = row["n"]
    titles = dict(Cause.objects.values_list("pk", "title"))
    steps = filters.months
    causes = sorted(counts, key=lambda c: -sum(counts[c].values()))
    table = Table([_("причина"), *(f"{s:%m.%Y}" for s in steps), _("всего")])
    for cause in causes:
        table.rows.append([
            Cell(titles.get(cause, "")),
            *(Cell(counts[cause].get(s, 0), _month_link(filters, s, questions__cause=cause)) for s in steps),
            Cell(sum(counts[cause].values()), {**filters.link_params(), "questions__cause": cause}),
        ])
    series = [(titles.get(c, ""), [float(counts[c].get(s, 0)) for s in steps]) for c in causes]
    summary = (_("Чаще всего указана причина «%(cause)s»: %(n)d вопросов.") % {
        "cause": titles.get(causes[0], ""), "n": sum(counts[causes[0]].values())}
        if causes else _("За период причины не указаны."))
    return Chart("causes", _("Причины по месяцам"), "line", [f"{s:%m.%Y}" for s in steps], series, table,
                 summary)


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def shares(user: Any, filters: Filters) -> Chart:
    """Per month: the share of repeated appeals, of late answers, of answers that did not resolve the question."""
    from feedback.models import SatisfactionRequest

    repeated = Q(kind__in=[AppealKind.REPEATED, AppealKind.MULTIPLE])
    rows = {r["month"]: r for r in scoped(user, AppealTally.objects.filter(filters.tally_q()))
            .values("month").annotate(total=Sum("count"), repeated=Sum("count", filter=repeated),
                                      n_answered=Sum("count", filter=Q(answered__gt=0)),
                                      late=Sum("count", filter=Q(answered=TERM_MISSED))).order_by()}
    # By the month the citizen was asked, as the satisfaction report counts them (its tally).
    satisfaction = {r["month"]: r for r in
                    scoped(user, SatisfactionTally.objects.filter(filters.tally_q())).values("month")
                    .annotate(answered=Sum("count", filter=Q(status=SatisfactionRequest.Status.ANSWERED)),
                              unresolved=Sum("count", filter=Q(resolved=SatisfactionRequest.Resolved.NO)))
                    .order_by()}
    steps = filters.months
    empty = {"total": 0, "repeated": 0, "n_answered": 0, "late": 0}
    lines = {"repeated": [], "late": [], "unresolved": []}  # type: dict[str, list[float]]
    table = Table([_("месяц"), _("поступило"), _("повторных и многократных"), _("доля, %"), _("ответов"),
                   _("с нарушением срока"), _("доля, %"), _("оценили ответ"), _("«не решён»"), _("доля, %")])
    for s in steps:
        row = {**empty, **{k: v or 0 for k, v in rows.get(s, {}).items() if k != "month"}}
        sat = {k: satisfaction.get(s, {}).get(k) or 0 for k in ("answered", "unresolved")}
        lines["repeated"].append(_share(row["repeated"], row["total"]))
        lines["late"].append(_share(row["late"], row["n_answered"]))
        lines["unresolved"].append(_share(sat["unresolved"], sat["answered"]))
        table.rows.append([
            Cell(f"{s:%m.%Y}"), Cell(row["total"], _month_link(filters, s)),
            Cell(row["repeated"], _month_link(filters, s, kind__in="repeated,multiple")),
            Cell(lines["repeated"][-1]), Cell(row["n_answered"], _month_link(filters, s, status__exact="answered")),
            Cell(row["late"], _month_link(filters, s, term="answered_late")), Cell(lines["late"][-1]),
            Cell(sat["answered"], satisfaction_link(_month(filters, s), satisfaction__status="answered")),
            Cell(sat["unresolved"], satisfaction_link(_month(filters, s), satisfaction__resolved="no")),
            Cell(lines["unresolved"][-1]),
        ])
    series = [(_("повторные, %"), lines["repeated"]), (_("ответ с нарушением срока, %"), lines["late"]),
              (_("вопрос не решён (по оценке гражданина), %"), lines["unresolved"])]
    summary = _("Доли по последнему месяцу периода: повторные — %(r)s %%, ответы с нарушением срока — %(l)s %%, "
                "«не решён» — %(u)s %%.") % {"r": lines["repeated"][-1], "l": lines["late"][-1],
                                             "u": lines["unresolved"][-1]}
    return Chart("shares", _("Доли повторных обращений, просроченных и нерешённых ответов"), "line",
                 [f"{s:%m.%Y}" for s in steps], series, table, summary, percent=True)


def charts(user: Any, filters: Filters, *, weekly: bool = False) -> list[Chart]:
    return [topics_over_time(user, filters, weekly), rising_topics(user, filters), causes_over_time(user, filters),
            shares(user, filters)]
