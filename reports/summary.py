"""Keep the summary tables in step with the appeals (models.py says why they exist).

Each step of an appeal writes one history entry (appeals.AppealEvent) after
its changes; reports.signals calls refresh_appeal for it inside the step's
transaction, while the step holds the appeal's row lock. refresh_appeal
computes the appeal's keys now, compares them with those it added before
(AppealShare) and moves one count from each old key to each new one.

Changes made set-wise, without a step's history entry, are followed through
refresh_appeals with the ids they touched: the due dates a calendar change
moved (appeals.signals.terms_moved) and the satisfaction requests the
feedback sweeps made or expired (feedback.signals.requests_changed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from appeals.models import Appeal, AppealQuestion
from reports.models import (
    TERM_KEPT,
    TERM_MISSED,
    TERM_NONE,
    AppealShare,
    AppealTally,
    QuestionTally,
    SatisfactionTally,
    WeekTally,
)

Key = dict[str, Any]

APPEAL_FIELDS = (
    "id", "received_at", "registered_at", "decided_at", "closed_at", "department_id", "executor_id",
    "topic_code", "channel", "kind", "status", "registration_due", "decision_due", "answer_due", "extension_days",
    "is_collective",
)


def month_of(moment) -> date:
    return timezone.localdate(moment).replace(day=1)


def _term(done, due: date | None) -> int:
    """TERM_KEPT if the step was done by its due date (local calendar day), TERM_MISSED if after, else NONE."""
    if done is None or due is None:
        return TERM_NONE
    return TERM_KEPT if timezone.localdate(done) <= due else TERM_MISSED


def appeal_key(row: dict[str, Any]) -> Key:
    """The AppealTally key of one appeal (a dict of APPEAL_FIELDS)."""
    answered = row["status"] == Appeal.Status.ANSWERED and row["closed_at"] is not None
    days = -1
    if answered:
        start = row["registered_at"] or row["received_at"]
        days = (timezone.localdate(row["closed_at"]) - timezone.localdate(start)).days
    return {
        "month": month_of(row["received_at"]).isoformat(),
        "department_id": row["department_id"], "executor_id": row["executor_id"],
        "topic_code": row["topic_code"], "channel": row["channel"], "kind": row["kind"], "status": row["status"],
        "registered": _term(row["registered_at"], row["registration_due"]),
        "decided": _term(row["decided_at"], row["decision_due"]),
        "answered": _term(row["closed_at"], row["answer_due"]) if answered else TERM_NONE,
        "extended": row["extension_days"] > 0,
        "days": days,
        "collective": row["is_collective"],
    }


def question_key(appeal: Key, question: dict[str, Any]) -> Key:
    return {
        "month": appeal["month"], "department_id": appeal["department_id"], "executor_id": appeal["executor_id"],
        "channel": appeal["channel"], "kind": appeal["kind"], "extended": appeal["extended"],
        "topic_code": question["topic_code"], "result": question["result"],
        "measures_taken": question["measures_taken"], "cause_id": question["cause_id"],
    }


def week_key(row: dict[str, Any]) -> Key:
    day = timezone.localdate(row["received_at"])
    monday = day - timedelta(days=day.weekday())
    return {"week": monday.isoformat(), "month": monday.replace(day=1).isoformat(),
            "department_id": row["department_id"], "executor_id": row["executor_id"],
            "topic_code": row["topic_code"], "channel": row["channel"], "kind": row["kind"]}


QUESTION_FIELDS = ("appeal_id", "topic_code", "result", "measures_taken", "cause_id")
SATISFACTION_FIELDS = ("appeal_id", "asked_at", "status", "resolved", "mark")


def satisfaction_key(row: dict[str, Any], request: dict[str, Any] | None) -> Key:
    """The SatisfactionTally key of the appeal's request (a dict of SATISFACTION_FIELDS), {} without one."""
    if request is None:
        return {}
    return {"month": month_of(request["asked_at"]).isoformat(),
            "department_id": row["department_id"], "executor_id": row["executor_id"],
            "topic_code": row["topic_code"], "channel": row["channel"], "kind": row["kind"],
            "status": request["status"], "resolved": request["resolved"], "mark": request["mark"]}


def _satisfaction_requests(**lookups: Any) -> Any:
    from feedback.models import SatisfactionRequest  # reports reads feedback; feedback never imports reports

    return SatisfactionRequest.objects.filter(**lookups).values(*SATISFACTION_FIELDS)


def _freeze(key: Key) -> tuple:
    return tuple(sorted(key.items()))


def _apply(table: str, deltas: dict[tuple, int]) -> None:
    """Add each delta to the tally row of its key, creating the rows that are missing: set-wise.

    The rows of a step's few keys are found by exact lookups; a batch's by
    one query (the keys' months and departments, matched in Python). They
    are locked in primary-key order, then
    changed by one UPDATE per distinct delta (nearly all are ±1) and one
    bulk INSERT. Two transactions may create the same key at once; no unique
    constraint stops them (NULLs in it would be distinct on PostgreSQL
    anyway), so a key may have two rows: every reader sums, and a move
    changes just one of them.
    """
    model = TALLIES[table]
    wanted = {frozen: delta for frozen, delta in deltas.items() if delta}
    if not wanted:
        return
    fields = [name for name, _value in next(iter(wanted))]
    lookups = [_lookup(frozen) for frozen in wanted]
    departments = {k["department_id"] for k in lookups}
    by_department = Q(department_id__in=[d for d in departments if d is not None])
    if None in departments:
        by_department |= Q(department_id__isnull=True)
    found: dict[tuple, int] = {}
    if len(wanted) <= FEW_KEYS:
        # A step's few keys: each by its own exact lookup (the month index), not the month's rows.
        for frozen, lookup in zip(wanted, lookups, strict=True):
            pk = model.objects.filter(**lookup).order_by("pk").values_list("pk", flat=True).first()
            if pk is not None:
                found[frozen] = pk
    else:
        for row in (model.objects.filter(by_department, month__in={k["month"] for k in lookups})
                    .order_by("pk").values("pk", *fields)):
            frozen = tuple((name, row[name].isoformat() if name in ("month", "week") else row[name])
                           for name in fields)
            found.setdefault(frozen, row["pk"])
    existing = {found[frozen]: delta for frozen, delta in wanted.items() if frozen in found}
    if existing:
        # One order for every transaction: two that move counts between the same rows in opposite
        # directions wait for each other instead of deadlocking.
        list(model.objects.select_for_update().filter(pk__in=sorted(existing)).order_by("pk").values_list("pk"))
        by_delta: dict[int, list[int]] = {}
        for pk, delta in existing.items():
            by_delta.setdefault(delta, []).append(pk)
        for delta, pks in sorted(by_delta.items()):
            model.objects.filter(pk__in=pks).update(count=F("count") + delta)
    model.objects.bulk_create([model(**_lookup(frozen), count=delta) for frozen, delta in wanted.items()
                               if frozen not in found], batch_size=REFRESH_CHUNK)


def _dates(key: Key) -> dict[str, Any]:
    return {**key, **{f: date.fromisoformat(key[f]) for f in ("month", "week") if f in key}}


def _lookup(frozen: tuple) -> dict[str, Any]:
    return _dates(dict(frozen))


TALLIES: dict[str, Any] = {"appeal": AppealTally, "question": QuestionTally, "week": WeekTally,
                           "satisfaction": SatisfactionTally}
# At most this many appeals per statement of refresh_appeals (SQLite's limit of variables).
REFRESH_CHUNK = 500
# Up to this many keys of a table, _apply looks each up exactly; more, it reads their months' rows once.
FEW_KEYS = 8


def keys_of(row: dict[str, Any], questions: Iterable[dict[str, Any]]) -> tuple[Key, list[Key]]:
    key = appeal_key(row)
    return key, sorted((question_key(key, q) for q in questions), key=_freeze)


def refresh_appeal(appeal_id: int) -> None:
    """Move the appeal's counts in the tallies to its current keys."""
    refresh_appeals([appeal_id])


@transaction.atomic
def refresh_appeals(appeal_ids: Iterable[int]) -> int:
    """Move the counts of these appeals to their current keys; return how many appeals moved.

    For a set of appeals changed by one statement (a calendar change, the
    satisfaction sweeps): chunk by chunk, the appeals, their questions, their
    requests and their shares are read by a few queries; the moves are summed
    per key, so a tally row is written once per chunk however many of the
    appeals share it. Time follows the appeals given, not the table.
    """
    ids = sorted(set(appeal_ids))
    moved = 0
    for first in range(0, len(ids), REFRESH_CHUNK):
        moved += _refresh_chunk(ids[first:first + REFRESH_CHUNK])
    return moved


def _refresh_chunk(ids: list[int]) -> int:
    # The appeals are locked first, as a step locks its appeal before it records: a refresh reads each
    # appeal as the last step left it, and a step waits for the refresh (or the refresh for the step).
    rows = {row["id"]: row for row in
            Appeal.objects.select_for_update().filter(pk__in=ids).order_by("pk").values(*APPEAL_FIELDS)}
    questions: dict[int, list[dict[str, Any]]] = {}
    for question in AppealQuestion.objects.filter(appeal_id__in=rows).values(*QUESTION_FIELDS):
        questions.setdefault(question["appeal_id"], []).append(question)
    requests = {r["appeal_id"]: r for r in _satisfaction_requests(appeal_id__in=rows)}
    shares = {share.appeal_id: share for share in
              AppealShare.objects.select_for_update().filter(appeal_id__in=rows).order_by("appeal_id")}
    deltas: Counter[tuple[str, tuple]] = Counter()
    changed: list[AppealShare] = []
    created: list[AppealShare] = []
    for appeal_id in sorted(rows):
        row = rows[appeal_id]
        new_key, new_questions = keys_of(row, questions.get(appeal_id, []))
        new_week = week_key(row)
        new_satisfaction = satisfaction_key(row, requests.get(appeal_id))
        share = shares.get(appeal_id)
        if share is not None and share.appeal_key and "collective" not in share.appeal_key:
            # A key stored before the tallies had the dimension (reports 0004): its row has collective=False,
            # and the old key must find that row, not a collective one of the same month and department.
            share.appeal_key = {**share.appeal_key, "collective": False}
        if share is None:
            share = AppealShare(appeal_id=appeal_id, appeal_key={}, question_keys=[], week_key={},
                                satisfaction_key={})
            created.append(share)
        elif (share.appeal_key == new_key and share.question_keys == new_questions and share.week_key == new_week
              and share.satisfaction_key == new_satisfaction):
            continue
        else:
            changed.append(share)
        for table, old, new in (("week", share.week_key, new_week), ("appeal", share.appeal_key, new_key),
                                ("satisfaction", share.satisfaction_key, new_satisfaction)):
            if old != new:
                if old:
                    deltas[(table, _freeze(old))] -= 1
                if new:
                    deltas[(table, _freeze(new))] += 1
        for frozen, times in Counter(_freeze(k) for k in share.question_keys).items():
            deltas[("question", frozen)] -= times
        for frozen, times in Counter(_freeze(k) for k in new_questions).items():
            deltas[("question", frozen)] += times
        share.appeal_key, share.question_keys, share.week_key = new_key, new_questions, new_week
        share.satisfaction_key = new_satisfaction
    by_table: dict[str, dict[tuple, int]] = {}
    for (table, frozen), delta in deltas.items():
        by_table.setdefault(table, {})[frozen] = delta
    for table in sorted(by_table):  # the tables in one order too
        _apply(table, by_table[table])
    if changed:
        # Rewritten, not bulk_update: its CASE over four JSON columns costs more than the moves themselves
        # (1.4 of 2.0 s for 1,000 appeals). The rows are locked above; the DELETE and INSERT keep them so.
        AppealShare.objects.filter(appeal_id__in=[share.appeal_id for share in changed]).delete()
    if changed or created:
        AppealShare.objects.bulk_create([*changed, *created], batch_size=REFRESH_CHUNK)
    return len(changed) + len(created)


def rebuild(chunk: int = 5000) -> tuple[int, int]:
    """Recount the tallies from the appeals: returns (appeal rows, question rows) written.

    Reads the appeals once, in primary-key chunks, with their questions; the
    counts are summed in memory per key (tens of thousands of keys at most),
    then written in bulk. Runs in one transaction: readers see the old
    tallies until it commits.
    """
    appeal_counts: Counter[tuple] = Counter()
    question_counts: Counter[tuple] = Counter()
    week_counts: Counter[tuple] = Counter()
    satisfaction_counts: Counter[tuple] = Counter()
    shares: list[AppealShare] = []
    with transaction.atomic():
        AppealShare.objects.all().delete()
        AppealTally.objects.all().delete()
        QuestionTally.objects.all().delete()
        WeekTally.objects.all().delete()
        SatisfactionTally.objects.all().delete()
        last = 0
        while True:
            rows = list(Appeal.objects.filter(pk__gt=last).order_by("pk").values(*APPEAL_FIELDS)[:chunk])
            if not rows:
                break
            last = rows[-1]["id"]
            by_appeal: dict[int, list[dict[str, Any]]] = {}
            for question in AppealQuestion.objects.filter(
                    appeal_id__gte=rows[0]["id"], appeal_id__lte=last).values(*QUESTION_FIELDS):
                by_appeal.setdefault(question["appeal_id"], []).append(question)
            requests = {r["appeal_id"]: r for r in _satisfaction_requests(
                appeal_id__gte=rows[0]["id"], appeal_id__lte=last)}
            for row in rows:
                key, questions = keys_of(row, by_appeal.get(row["id"], []))
                week = week_key(row)
                satisfaction = satisfaction_key(row, requests.get(row["id"]))
                appeal_counts[_freeze(key)] += 1
                week_counts[_freeze(week)] += 1
                if satisfaction:
                    satisfaction_counts[_freeze(satisfaction)] += 1
                for question in questions:
                    question_counts[_freeze(question)] += 1
                shares.append(AppealShare(appeal_id=row["id"], appeal_key=key, question_keys=questions,
                                          week_key=week, satisfaction_key=satisfaction))
            AppealShare.objects.bulk_create(shares, batch_size=2000)
            shares.clear()
        AppealTally.objects.bulk_create([AppealTally(**_lookup(k), count=n) for k, n in appeal_counts.items()],
                                        batch_size=2000)
        QuestionTally.objects.bulk_create(
            [QuestionTally(**_lookup(k), count=n) for k, n in question_counts.items()], batch_size=2000)
        WeekTally.objects.bulk_create([WeekTally(**_lookup(k), count=n) for k, n in week_counts.items()],
                                      batch_size=2000)
        SatisfactionTally.objects.bulk_create(
            [SatisfactionTally(**_lookup(k), count=n) for k, n in satisfaction_counts.items()], batch_size=2000)
    return len(appeal_counts), len(question_counts)
