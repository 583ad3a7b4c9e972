"""The head's reports: one class each, yielding a header and rows from an aggregate query.

Shared code (reports.render) turns a report into the HTML table, CSV and
XLSX (pretix's ListExporter.iterate_list). A cell may carry the admin list
lookups of the appeals behind its figure (Cell.link); the list narrows them
to the user's scope itself, and every figure here is computed within that
scope (filters.scoped).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal, AppealKind, Channel, Department, QuestionResult
from classifiers.models import Cause, Topic
from reports.filters import Filters, appeals_url, scoped
from reports.models import TERM_KEPT, TERM_MISSED, AppealTally, QuestionTally, SatisfactionTally


@dataclass
class Cell:
    value: Any
    link: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        return appeals_url(self.link) if self.link is not None else ""


@dataclass
class Table:
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def _sum(condition: Q | None = None) -> Sum:
    return Sum("count", filter=condition, default=0)


def percentile(histogram: dict[int, int], share: float) -> float | None:
    """The nearest-rank percentile of a histogram {days: count} (a few dozen keys)."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = max(1, -(-int(share * total * 1000) // 1000)), 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= rank:
            return float(days)
    return None


def mean(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    return round(sum(d * n for d, n in histogram.items()) / total, 1) if total else None


def user_names(ids: set[int | None]) -> dict[int | None, str]:
    names: dict[int | None, str] = {None: str(_("не назначен"))}
    for user in get_user_model().objects.filter(pk__in=[i for i in ids if i]):
        names[user.pk] = user.get_full_name() or user.get_username()
    return names


def department_names(ids: set[int | None]) -> dict[int | None, str]:
    names: dict[int | None, str] = {None: str(_("не направлено"))}
    for department in Department.objects.filter(pk__in=[i for i in ids if i]):
        names[department.pk] = str(department)
    return names


class Report:
    slug: ClassVar[str]
    title: ClassVar[Any]
    description: ClassVar[Any] = ""
    uses_period: ClassVar[bool] = True
    # Templates list the report classes; they must not try to call them.
    do_not_call_in_templates: ClassVar[bool] = True

    def __init__(self, user: Any, filters: Filters, today: dt.date | None = None) -> None:
        self.user, self.filters = user, filters
        self.today = today or timezone.localdate()

    def table(self) -> Table:
        raise NotImplementedError

    def link(self, **lookups: Any) -> dict[str, Any]:
        return {**self.filters.link_params(period=self.uses_period), **lookups}

    def appeal_tallies(self):
        return scoped(self.user, AppealTally.objects.filter(self.filters.tally_q()))

    def question_tallies(self):
        return scoped(self.user, QuestionTally.objects.filter(self.filters.tally_q()))


# --- ССТУ -------------------------------------------------------------------
@dataclass(frozen=True)
class SstuColumn:
    key: str
    title: Any
    condition: Q
    lookups: dict[str, Any]


R = QuestionResult
SSTU_COLUMNS = (
    SstuColumn("supported", _("поддержано"), Q(result=R.SUPPORTED), {"questions__result": R.SUPPORTED}),
    SstuColumn("measures", _("в т. ч. меры приняты"), Q(result=R.SUPPORTED, measures_taken=True),
               {"questions__result": R.SUPPORTED, "questions__measures_taken": "1"}),
    SstuColumn("explained", _("разъяснено"), Q(result=R.EXPLAINED), {"questions__result": R.EXPLAINED}),
    SstuColumn("not_supported", _("не поддержано"), Q(result=R.NOT_SUPPORTED),
               {"questions__result": R.NOT_SUPPORTED}),
    SstuColumn("answered", _("дан ответ автору"), Q(result=R.ANSWERED), {"questions__result": R.ANSWERED}),
    SstuColumn("no_answer", _("оставлено без ответа автору"), Q(result=R.NO_ANSWER),
               {"questions__result": R.NO_ANSWER}),
    SstuColumn("redirected", _("направлено по компетенции"), Q(result=R.REDIRECTED),
               {"questions__result": R.REDIRECTED}),
    SstuColumn("in_progress", _("находится на рассмотрении"), Q(result=R.IN_PROGRESS, extended=False),
               {"questions__result": R.IN_PROGRESS, "extension_days": "0"}),
    SstuColumn("extended", _("рассмотрение продлено"), Q(result=R.IN_PROGRESS, extended=True),
               {"questions__result": R.IN_PROGRESS, "extension_days__gt": "0"}),
)


class SstuReport(Report):
    """Per question code of the classifier: questions and each result of the ССТУ.РФ list."""

    slug = "sstu"
    title = _("Отчёт для ССТУ.РФ: результаты рассмотрения вопросов")
    description = _("Считаются вопросы, а не обращения: обращение с двумя вопросами даёт два. "
                    "Период — месяц поступления обращения.")

    def link(self, **lookups: Any) -> dict[str, Any]:
        return {**self.filters.link_params(topic_lookup="questions__topic_code__startswith"), **lookups}

    def table(self) -> Table:
        rows = (self.question_tallies().values("topic_code").order_by("topic_code")
                .annotate(total=_sum(), **{c.key: _sum(c.condition) for c in SSTU_COLUMNS}))
        titles = dict(Topic.objects.filter(code__in=[r["topic_code"] for r in rows]).values_list("code", "title"))
        table = Table([str(_("код вопроса")), str(_("вопрос")), str(_("всего вопросов")),
                       *(str(c.title) for c in SSTU_COLUMNS)])
        totals: dict[str, int] = defaultdict(int)
        for row in rows:
            code = row["topic_code"]
            table.rows.append([
                Cell(code), Cell(titles.get(code, "")),
                Cell(row["total"], self.link(questions__topic_code=code)),
                *(Cell(row[c.key], self.link(questions__topic_code=code, **c.lookups)) for c in SSTU_COLUMNS),
            ])
            for key in ("total", *(c.key for c in SSTU_COLUMNS)):
                totals[key] += row[key]
        table.rows.append([
            Cell(str(_("Итого"))), Cell(""), Cell(totals["total"], self.link(questions__isnull="False")),
            *(Cell(totals[c.key], self.link(**c.lookups)) for c in SSTU_COLUMNS),
        ])
        return table


# --- timeliness ---------------------------------------------------------------
TIMELINESS_COLUMNS: tuple[tuple[str, Any, Q | None, dict[str, str]], ...] = (
    ("received", _("поступило"), None, {}),
    ("registered", _("зарегистрировано в срок"), Q(registered=TERM_KEPT), {"term": "registered_on_time"}),
    ("registered_late", _("зарегистрировано с нарушением срока"), Q(registered=TERM_MISSED),
     {"term": "registered_late"}),
    ("decided", _("решение в 7 дней"), Q(decided=TERM_KEPT), {"term": "decided_on_time"}),
    ("answered", _("ответ в срок"), Q(answered=TERM_KEPT), {"term": "answered_on_time"}),
    ("answered_late", _("ответ с нарушением срока"), Q(answered=TERM_MISSED), {"term": "answered_late"}),
    ("extended", _("срок продлён"), Q(extended=True), {"extension_days__gt": "0"}),
)


class TimelinessReport(Report):
    slug = "timeliness"
    title = _("Соблюдение сроков")
    description = _("Обращения, поступившие в периоде. «Просрочено сейчас» — открытые обращения, чей "
                    "ближайший срок прошёл. Дни до ответа — календарные, от регистрации до подписания ответа.")

    def table(self) -> Table:
        table = Table([str(_("подразделение")), str(_("исполнитель")),
                       *(str(title) for _k, title, _c, _l in TIMELINESS_COLUMNS),
                       str(_("просрочено сейчас")), str(_("дней до ответа: среднее")), str(_("медиана")),
                       str(_("90-й процентиль"))])
        # Prefixed: an annotation may not take the name of a tally's field.
        sums = {f"n_{key}": _sum(condition) for key, _t, condition, _l in TIMELINESS_COLUMNS}
        tallies = self.appeal_tallies()
        groups_fields: list[list[str]] = [[], ["department_id"], ["department_id", "executor_id"]]
        histograms: dict[tuple, dict[int, int]] = defaultdict(dict)
        for row in tallies.filter(days__gte=0).values("department_id", "executor_id", "days").annotate(n=_sum()):
            for key in ((), (row["department_id"],), (row["department_id"], row["executor_id"])):
                histogram = histograms[key]
                histogram[row["days"]] = histogram.get(row["days"], 0) + row["n"]
        overdue: dict[tuple, int] = defaultdict(int)
        live = scoped(self.user, Appeal.objects.filter(self.filters.appeal_q(), closed_at__isnull=True,
                                                       next_due__lt=self.today))
        for row in live.values("department_id", "executor_id").annotate(n=Count("pk")).order_by():
            for key in ((), (row["department_id"],), (row["department_id"], row["executor_id"])):
                overdue[key] += row["n"]
        # One aggregate per executor; the departments' and the total rows add up
        # those few dozen rows (the tallies are read once, not three times).
        executor_rows = list(tallies.values("department_id", "executor_id").annotate(**sums)
                             .order_by("department_id", "executor_id"))
        rollup: dict[tuple, dict[str, Any]] = {}
        for row in executor_rows:
            for fields in groups_fields:
                key = tuple(row[f] for f in fields)
                target = rollup.setdefault((tuple(fields), key), {f: row[f] for f in fields})
                for name in sums:
                    target[name] = target.get(name, 0) + row[name]
        if not executor_rows:
            rollup[((), ())] = dict.fromkeys(sums, 0)
        results = [(list(fields), row) for (fields, _key), row in sorted(
            rollup.items(), key=lambda item: (len(item[0][0]), [(v is None, v or 0) for v in item[0][1]]))]
        ids: set[Any] = {row["executor_id"] for row in executor_rows}
        departments = department_names({r.get("department_id") for _f, r in results})
        executors = user_names(ids)
        for fields, row in results:
            key = tuple(row[f] for f in fields)
            lookups: dict[str, Any] = {}
            department = executor = str(_("все"))
            if "department_id" in fields:
                department = departments.get(row["department_id"], "")
                lookups["department"] = row["department_id"] or "none"
            if "executor_id" in fields:
                executor = executors.get(row["executor_id"], "")
                if row["executor_id"]:
                    lookups["executor"] = row["executor_id"]
                else:
                    lookups["executor__isnull"] = "True"
            histogram = histograms.get(key, {})
            table.rows.append([
                Cell(department), Cell(executor),
                *(Cell(row[f"n_{k}"], self.link(**lookups, **extra)) for k, _t, _c, extra in TIMELINESS_COLUMNS),
                Cell(overdue.get(key, 0), self.link(**lookups, attention="overdue")),
                Cell(mean(histogram)), Cell(percentile(histogram, 0.5)), Cell(percentile(histogram, 0.9)),
            ])
        return table


# --- kinds and channels -------------------------------------------------------------
class KindsChannelsReport(Report):
    slug = "kinds"
    title = _("Виды обращений и каналы поступления")
    description = _("Коллективные — обращения с соавторами; «переадресовано из другого органа» — поступившие "
                    "из других органов (ч. 3 ст. 8 Федерального закона № 59-ФЗ).")

    def table(self) -> Table:
        sums = {f"kind_{k}": _sum(Q(kind=k)) for k in AppealKind.values}
        sums["collective"] = _sum(Q(collective=True))
        sums |= {f"channel_{c}": _sum(Q(channel=c)) for c in Channel.values}
        table = Table([str(_("месяц")), str(_("всего")), *(str(label) for label in AppealKind.labels),
                       str(_("коллективные")), *(str(label) for label in Channel.labels)])
        rows = {r["month"]: r for r in self.appeal_tallies().values("month").annotate(total=_sum(), **sums)
                .order_by("month")}
        # The total of at most 36 monthly rows: one query less than a second aggregate.
        total_row = {key: sum(row[key] for row in rows.values()) for key in ("total", *sums)}
        for month, row in [*((m, rows.get(m)) for m in self.filters.months), (None, total_row)]:
            link = self.link()
            if month is not None:
                month_filters = Filters(month, month, self.filters.department_id, self.filters.topic,
                                        self.filters.channel)
                link = {**month_filters.link_params()}
            row = row or {"total": 0, **{k: 0 for k in sums}}
            table.rows.append([
                Cell(f"{month:%m.%Y}" if month else str(_("Итого"))),
                Cell(row["total"], link),
                *(Cell(row[f"kind_{k}"], {**link, "kind__exact": k}) for k in AppealKind.values),
                Cell(row["collective"], {**link, "is_collective__exact": "1"}),
                *(Cell(row[f"channel_{c}"], {**link, "channel__exact": c}) for c in Channel.values),
            ])
        return table


# --- causes -----------------------------------------------------------------------
class CausesReport(Report):
    slug = "causes"
    title = _("Причины, выявленные по вопросам")
    description = _("Вопросы с подписанным ответом, по причине, которую указал исполнитель.")

    def link(self, **lookups: Any) -> dict[str, Any]:
        return {**self.filters.link_params(topic_lookup="questions__topic_code__startswith"), **lookups}

    def table(self) -> Table:
        rows = (self.question_tallies().exclude(result=R.IN_PROGRESS).values("cause_id").order_by("cause_id")
                .annotate(total=_sum(), supported=_sum(Q(result=R.SUPPORTED)),
                          measures=_sum(Q(result=R.SUPPORTED, measures_taken=True))))
        titles = dict(Cause.objects.values_list("pk", "title"))
        table = Table([str(_("причина")), str(_("вопросов")), str(_("поддержано")), str(_("меры приняты"))])
        for row in rows:
            cause = row["cause_id"]
            base = {"questions__cause": cause} if cause else {"questions__cause__isnull": "True"}
            table.rows.append([
                Cell(titles.get(cause, str(_("не указана")))),
                Cell(row["total"], self.link(**base)),
                Cell(row["supported"], self.link(**base, questions__result=R.SUPPORTED)),
                Cell(row["measures"], self.link(**base, questions__result=R.SUPPORTED,
                                                questions__measures_taken="1")),
            ])
        return table


# --- executors' load -------------------------------------------------------------
class LoadReport(Report):
    slug = "load"
    title = _("Нагрузка исполнителей")
    description = _("Открытые обращения сейчас, без учёта периода. Неделя — с сегодняшнего дня по воскресенье.")
    uses_period = False

    def table(self) -> Table:
        week_end = self.today + dt.timedelta(days=6 - self.today.weekday())
        query = Appeal.objects.filter(closed_at__isnull=True)
        if self.filters.department_id:
            query = query.filter(department_id=self.filters.department_id)
        if self.filters.topic:
            query = query.filter(topic_code__startswith=self.filters.topic)
        if self.filters.channel:
            query = query.filter(channel=self.filters.channel)
        rows = list(scoped(self.user, query).values("executor_id").order_by("executor_id").annotate(
            open=Count("pk"),
            week=Count("pk", filter=Q(next_due__gte=self.today, next_due__lte=week_end)),
            overdue=Count("pk", filter=Q(next_due__lt=self.today)),
        ))
        names = user_names({r["executor_id"] for r in rows})
        rows.sort(key=lambda r: (-r["overdue"], -r["open"]))
        table = Table([str(_("исполнитель")), str(_("открытых")), str(_("срок на этой неделе")),
                       str(_("просрочено"))])
        for row in rows:
            who = {"executor": row["executor_id"]} if row["executor_id"] else {"executor__isnull": "True"}
            base = self.link(**who, closed_at__isnull="True")
            table.rows.append([
                Cell(names.get(row["executor_id"], "")),
                Cell(row["open"], base),
                Cell(row["week"], {**base, "next_due__gte": self.today.isoformat(),
                                   "next_due__lte": week_end.isoformat()}),
                Cell(row["overdue"], {**base, "attention": "overdue"}),
            ])
        return table


# --- satisfaction -------------------------------------------------------------
def satisfaction_requests(user: Any, filters: Filters):
    """The satisfaction requests asked in the period, narrowed by the filters and the user's scope.

    The appeals are joined only when a filter or the scope needs them: the
    heads' unfiltered view reads the requests alone.
    """
    from feedback.models import SatisfactionRequest

    start, end = filters.bounds()
    query = SatisfactionRequest.objects.filter(asked_at__gte=start, asked_at__lt=end)
    if filters.department_id:
        query = query.filter(appeal__department_id=filters.department_id)
    if filters.topic:
        query = query.filter(appeal__topic_code__startswith=filters.topic)
    if filters.channel:
        query = query.filter(appeal__channel=filters.channel)
    return scoped(user, query, via="appeal")


def satisfaction_link(filters: Filters, **lookups: Any) -> dict[str, Any]:
    start, end = filters.bounds()
    return {**filters.link_params(period=False), "satisfaction__asked_at__gte": start.isoformat(),
            "satisfaction__asked_at__lt": end.isoformat(), **lookups}


class SatisfactionReport(Report):
    """Reads SatisfactionTally: the requests by the month asked, the appeal's department, topic, executor."""

    slug = "satisfaction"
    title = _("Удовлетворённость ответами")
    description = _("Вопросы «Ответ решил ваш вопрос?», заданные в периоде, по подразделению, тематике "
                    "и исполнителю обращения.")
    GROUPS: ClassVar[dict[str, tuple[str, Any]]] = {
        "department": ("department_id", _("подразделение")),
        "topic": ("topic_code", _("тематика")),
        "executor": ("executor_id", _("исполнитель")),
    }

    def __init__(self, *args: Any, group: str = "department", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group if group in self.GROUPS else "department"

    def link(self, **lookups: Any) -> dict[str, Any]:
        return satisfaction_link(self.filters, **lookups)

    def tallies(self):
        """The tallies of the period (the month asked), narrowed by the filters and the user's scope."""
        return scoped(self.user, SatisfactionTally.objects.filter(self.filters.tally_q()))

    def table(self) -> Table:
        from feedback.models import SatisfactionRequest

        S, Res = SatisfactionRequest.Status, SatisfactionRequest.Resolved
        field_name, title = self.GROUPS[self.group]
        marked = Q(mark__isnull=False)
        aggregates = {
            "asked": _sum(), "n_answered": _sum(Q(status=S.ANSWERED)), "n_expired": _sum(Q(status=S.EXPIRED)),
            "yes": _sum(Q(resolved=Res.YES)), "partly": _sum(Q(resolved=Res.PARTLY)),
            "no": _sum(Q(resolved=Res.NO)),
            "mark_sum": Sum(F("count") * F("mark"), filter=marked, default=0), "marks": _sum(marked),
        }
        rows = list(self.tallies().values(field_name).order_by(field_name).annotate(**aggregates))
        # The total adds up the groups' rows (a few hundred at most): no second aggregate.
        total = {key: sum(row[key] for row in rows) for key in aggregates}
        if self.group == "department":
            names: dict[Any, str] = department_names({r[field_name] for r in rows})
        elif self.group == "executor":
            names = user_names({r[field_name] for r in rows})
        else:
            names = {}
        table = Table([str(title), str(_("спрошено")), str(_("ответили")), str(_("не ответили в срок")),
                       str(_("решён: да")), str(_("частично")), str(_("нет")), str(_("доля «да», %")),
                       str(_("средняя оценка"))])
        lookup = {"department": "department", "topic": "topic_code", "executor": "executor"}[self.group]
        for row in [*rows, None]:
            data = total if row is None else row
            if row is None:
                label, base = str(_("Итого")), self.link()
            else:
                value = row[field_name]
                label = names.get(value, str(value)) if value is not None else names.get(None, "—")
                base = self.link(**{lookup: value if value is not None else "none"}) if value else self.link(
                    **({"executor__isnull": "True"} if lookup == "executor" else {"department": "none"}))
            answered = data["n_answered"]
            table.rows.append([
                Cell(label), Cell(data["asked"], base),
                Cell(answered, {**base, "satisfaction__status": S.ANSWERED}),
                Cell(data["n_expired"], {**base, "satisfaction__status": S.EXPIRED}),
                *(Cell(data[k], {**base, "satisfaction__resolved": k}) for k in ("yes", "partly", "no")),
                Cell(round(100 * data["yes"] / answered, 1) if answered else None),
                Cell(round(data["mark_sum"] / data["marks"], 2) if data["marks"] else None),
            ])
        return table


REPORTS: dict[str, type[Report]] = {r.slug: r for r in (
    SstuReport, TimelinessReport, KindsChannelsReport, CausesReport, SatisfactionReport, LoadReport,
)}
