"""A calendar change recomputes exactly the open terms it can move (issue 13)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appeals.models import Appeal
from appeals.services import terms
from classifiers.models import CalendarDay
from tests.appeals.test_reminders import make_appeal

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
DAY_OFF = date(2026, 7, 15)  # a Wednesday, made a day off below


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=MSK)


def appeal_with_terms(received: date, registered: date | None = None, *, decided: bool = True,
                      **fields: Any) -> Appeal:
    """An appeal whose stored due dates are those of today's calendar, as the services store them."""
    values: dict[str, Any] = {
        "received_at": at(received), "registered_at": at(registered, 11) if registered else None,
        "decided_at": at(registered, 12) if registered and decided else None,
        "status": Appeal.Status.IN_WORK if registered else Appeal.Status.RECEIVED,
    }
    values.update(fields)
    appeal = make_appeal(**values)
    terms.refresh_terms(appeal)
    appeal.save()
    return appeal


def stored(appeal: Appeal) -> tuple[date | None, ...]:
    appeal.refresh_from_db()
    return tuple(getattr(appeal, name) for name in terms.TERM_FIELDS)


def appeals_update(sql: str) -> bool:
    """An UPDATE of the appeals (the reports' tallies follow the moved appeals with writes of their own)."""
    return sql.lstrip().upper().startswith('UPDATE "APPEALS_APPEAL"')


def test_a_day_off_moves_exactly_the_open_terms_ending_on_it(django_capture_on_commit_callbacks):
    terms.reset_calendar()
    before, after = DAY_OFF - timedelta(days=1), DAY_OFF + timedelta(days=1)
    moved = {
        # The answer's 30 days end on the new day off.
        "answer": appeal_with_terms(date(2026, 6, 12), date(2026, 6, 15)),
        # The 3-day registration term of an appeal not registered yet.
        "registration": appeal_with_terms(DAY_OFF - timedelta(days=3)),
        # The 7-day decision, not taken yet: the nearest term.
        "decision": appeal_with_terms(date(2026, 7, 7), DAY_OFF - timedelta(days=7), decided=False),
        # Extended by 30 days from the original nominal end (15 June).
        "extended": appeal_with_terms(date(2026, 5, 14), date(2026, 5, 16), extension_days=30),
    }
    kept = {
        "answer ends before": appeal_with_terms(date(2026, 6, 11), date(2026, 6, 14)),
        "answer ends after": appeal_with_terms(date(2026, 6, 15), date(2026, 6, 16)),
        "runs over the day": appeal_with_terms(date(2026, 7, 1), date(2026, 7, 1), decided=False),
        "registration ends after": appeal_with_terms(DAY_OFF - timedelta(days=2)),
        "decision ends before": appeal_with_terms(date(2026, 7, 6), DAY_OFF - timedelta(days=8), decided=False),
        "closed": appeal_with_terms(date(2026, 6, 12), date(2026, 6, 15), closed_at=at(date(2026, 7, 1)),
                                    status=Appeal.Status.ANSWERED),
    }
    assert moved["answer"].answer_due == moved["extended"].answer_due == DAY_OFF
    assert moved["registration"].registration_due == moved["decision"].decision_due == DAY_OFF
    assert {a.next_due for a in moved.values()} == {DAY_OFF}
    assert kept["answer ends before"].answer_due == before and kept["answer ends after"].answer_due == after
    was = {name: stored(appeal) for name, appeal in {**moved, **kept}.items()}

    with django_capture_on_commit_callbacks() as callbacks:
        CalendarDay.objects.create(date=DAY_OFF, is_working=False, note="Перенос выходного дня")
    assert len(callbacks) == 1  # the recompute task, once the change commits

    with CaptureQueriesContext(connection) as queries:
        assert terms.recompute_open_terms() == len(moved)
    updates = [q["sql"] for q in queries.captured_queries if appeals_update(q["sql"])]
    # One UPDATE per combination of days that moves (here each moved appeal is its own), none for the rest.
    assert len(updates) == len(moved)

    # The preceding working day (Tuesday): exactly the terms that ended on the day off.
    assert stored(moved["answer"])[2] == before and stored(moved["extended"])[2] == before
    assert stored(moved["registration"])[0] == before and stored(moved["decision"])[1] == before
    for name, appeal in moved.items():
        assert stored(appeal)[3] == before, name
        assert stored(appeal) != was[name]
    for name, appeal in kept.items():
        assert stored(appeal) == was[name], name
    # What is stored is what the appeal's own recompute gives (the services' refresh_terms).
    for appeal in Appeal.objects.filter(closed_at__isnull=True):
        assert terms.refresh_terms(appeal) == [], appeal.number

    # The task the change queued finds nothing left to move; nor does a second run.
    for callback in callbacks:
        callback()
    assert terms.recompute_open_terms() == 0
    assert {name: stored(appeal) for name, appeal in kept.items()} == {name: was[name] for name in kept}


def test_appeals_of_one_combination_are_moved_by_one_update_and_a_changed_one_is_left_alone():
    """Rows of the same days share one UPDATE; a row whose dates were changed since the read is not overwritten."""
    terms.reset_calendar()
    same = [appeal_with_terms(date(2026, 6, 12), date(2026, 6, 15)) for _ in range(5)]
    CalendarDay.objects.create(date=DAY_OFF, is_working=False)
    with CaptureQueriesContext(connection) as queries:
        assert terms.recompute_open_terms() == 5
    assert sum(appeals_update(q["sql"]) for q in queries.captured_queries) == 1
    assert {stored(appeal)[2] for appeal in same} == {DAY_OFF - timedelta(days=1)}

    # A group's UPDATE matches only rows that still hold the dates read for the group.
    group = {"received_day": date(2026, 6, 12), "registered_day": date(2026, 6, 15), "extension_days": 0,
             "undecided": False, "registration_due": same[0].registration_due, "decision_due": same[0].decision_due,
             "answer_due": DAY_OFF, "next_due": DAY_OFF}
    assert terms._group_rows(group).count() == 0
    group.update(answer_due=DAY_OFF - timedelta(days=1), next_due=DAY_OFF - timedelta(days=1))
    assert terms._group_rows(group).count() == 5
