#!/usr/bin/env python
"""What keeping the reports' tallies in step costs the set-wise changes (issue 11): a calendar change, the expiry.

On the PostgreSQL database named by DATABASE_URL (generated, summary rebuilt), each inside a transaction
rolled back at the end, so the database is left as it was:
 1. the `--days` most common due dates of the open appeals become days off, then `recompute_open_terms`,
    timed with the reports' re-count of the moved appeals (appeals.signals.terms_moved) and without it;
 2. `--requests` answered satisfaction requests marked expired, then `reports.summary.refresh_appeals` of
    their appeals, timed, with its traced memory peak; then once more, when nothing is left to move.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/appeals_reports .venv/bin/python bench/report_retally.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appeals_portal.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.signals import post_delete, post_save  # noqa: E402

from appeals.models import Appeal  # noqa: E402
from appeals.services import terms  # noqa: E402
from appeals.signals import terms_moved  # noqa: E402
from classifiers.models import CalendarDay  # noqa: E402
from feedback.models import SatisfactionRequest  # noqa: E402
from reports import signals as report_signals  # noqa: E402
from reports import summary  # noqa: E402


def calendar(days: int, recount: bool) -> None:
    if not recount:
        terms_moved.disconnect(dispatch_uid="reports.summary.terms")
    try:
        with transaction.atomic():
            due = (Appeal.objects.filter(closed_at__isnull=True, next_due__isnull=False).values("next_due")
                   .annotate(n=Count("pk")).order_by("-n", "next_due").values_list("next_due", flat=True)[:days])
            for day in due:
                assert day is not None  # filtered above
                CalendarDay.objects.update_or_create(date=day, defaults={"is_working": False, "note": "bench"})
            terms.reset_calendar()
            started = time.perf_counter()
            moved = terms.recompute_open_terms()
            took = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
    finally:
        terms.reset_calendar()
        if not recount:
            terms_moved.connect(report_signals._terms_moved, dispatch_uid="reports.summary.terms")
    print(f"calendar, {days} days off, {'with' if recount else 'without'} the re-count: "
          f"{moved} appeals moved in {took:.0f} ms", flush=True)


def expiry(count: int) -> None:
    with transaction.atomic():
        ids = list(SatisfactionRequest.objects.filter(status="answered").order_by("pk")
                   .values_list("appeal_id", flat=True)[:count])
        SatisfactionRequest.objects.filter(appeal_id__in=ids).update(status="expired")
        tracemalloc.start()
        started = time.perf_counter()
        moved = summary.refresh_appeals(ids)
        took = (time.perf_counter() - started) * 1000
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        started = time.perf_counter()
        summary.refresh_appeals(ids)
        again = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    print(f"refresh_appeals, {len(ids)} requests changed: {moved} appeals moved in {took:.0f} ms "
          f"(traced peak {peak:.1f} MB); nothing left to move: {again:.0f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=6)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # The calendar's own receiver would queue the recompute at commit; here it is called and timed directly.
    post_save.disconnect(receiver=terms._calendar_changed, sender=CalendarDay)
    post_delete.disconnect(receiver=terms._calendar_changed, sender=CalendarDay)
    print(f"appeals {Appeal.objects.count()}, open {Appeal.objects.filter(closed_at__isnull=True).count()}, "
          f"satisfaction requests {SatisfactionRequest.objects.count()}", flush=True)
    for _run in range(args.runs):
        calendar(args.days, recount=True)
        calendar(args.days, recount=False)
        expiry(args.requests)


if __name__ == "__main__":
    main()
