#!/usr/bin/env python
"""The head's reports and trends on generated appeals: each page's p95 next to the bare SQL aggregate it stands for.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/appeals_bench_reports
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_appeals --count 100000 --vacuum   # 1,000,000 for the issue's target
    .venv/bin/python manage.py rebuild_report_summary
    .venv/bin/python bench/run_reports.py                               # bench/results/reports-<date>.json

Method (bench/README.md, section 8):
 1. the machine's noise first: a fixed CPU-bound loop timed 15 times (its spread is the noise floor), the load
    average before and after;
 2. every report page and the trends page (month and week steps), for the last 12 months and the last 36, as the
    generator's head (gen-head, who sees every department) through django.test.Client: the whole Django stack
    (middleware, sessions, the admin's wrapper, templates), no HTTP server; `--warmup` then `--requests` runs;
 3. the bare SQL aggregate over the raw tables (appeals, questions, satisfaction requests) that each page stands
    for, by psycopg2 on the same connection, the same number of runs;
 4. the year's CSV and XLSX exports of every report;
 5. the rows: appeals, questions, tallies; a summary table; bench/results/reports-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appeals_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import common  # noqa: E402
from reports.filters import add_months  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TZ = settings.TIME_ZONE
A, Q, S = "appeals_appeal", "appeals_appealquestion", "feedback_satisfactionrequest"
LOCAL = f"(a.received_at AT TIME ZONE '{TZ}')"
RANGE = "a.received_at >= %(start)s AND a.received_at < %(end)s"

BARE: dict[str, list[str]] = {
    "sstu": [f"""SELECT q.topic_code, q.result, q.measures_taken, a.extension_days > 0, count(*)
                 FROM {Q} q JOIN {A} a ON a.id = q.appeal_id WHERE {RANGE} GROUP BY 1, 2, 3, 4"""],
    "timeliness": [f"""SELECT a.department_id, a.executor_id, count(*),
          count(*) FILTER (WHERE (a.registered_at AT TIME ZONE '{TZ}')::date <= a.registration_due),
          count(*) FILTER (WHERE (a.registered_at AT TIME ZONE '{TZ}')::date > a.registration_due),
          count(*) FILTER (WHERE (a.decided_at AT TIME ZONE '{TZ}')::date <= a.decision_due),
          count(*) FILTER (WHERE a.status = 'answered' AND (a.closed_at AT TIME ZONE '{TZ}')::date <= a.answer_due),
          count(*) FILTER (WHERE a.status = 'answered' AND (a.closed_at AT TIME ZONE '{TZ}')::date > a.answer_due),
          count(*) FILTER (WHERE a.extension_days > 0),
          count(*) FILTER (WHERE a.closed_at IS NULL AND a.next_due < %(today)s),
          avg(d) , percentile_disc(0.5) WITHIN GROUP (ORDER BY d), percentile_disc(0.9) WITHIN GROUP (ORDER BY d)
        FROM (SELECT *, CASE WHEN status = 'answered' THEN (closed_at AT TIME ZONE '{TZ}')::date
                     - (coalesce(registered_at, received_at) AT TIME ZONE '{TZ}')::date END AS d FROM {A}) a
        WHERE {RANGE} GROUP BY ROLLUP (a.department_id, a.executor_id)"""],
    "kinds": [f"""SELECT date_trunc('month', {LOCAL}), a.kind, a.channel, count(*) FROM {A} a WHERE {RANGE}
                  GROUP BY 1, 2, 3"""],
    "causes": [f"""SELECT q.cause_id, q.result, q.measures_taken, count(*) FROM {Q} q JOIN {A} a ON a.id = q.appeal_id
                   WHERE {RANGE} AND q.result <> 'in_progress' GROUP BY 1, 2, 3"""],
    "satisfaction": [f"""SELECT a.department_id, count(*), count(*) FILTER (WHERE s.status = 'answered'),
          count(*) FILTER (WHERE s.status = 'expired'), count(*) FILTER (WHERE s.resolved = 'yes'),
          count(*) FILTER (WHERE s.resolved = 'partly'), count(*) FILTER (WHERE s.resolved = 'no'), avg(s.mark)
        FROM {S} s JOIN {A} a ON a.id = s.appeal_id WHERE s.asked_at >= %(start)s AND s.asked_at < %(end)s
        GROUP BY ROLLUP (a.department_id)"""],
    "load": [f"""SELECT a.executor_id, count(*), count(*) FILTER (WHERE a.next_due BETWEEN %(today)s AND %(sunday)s),
          count(*) FILTER (WHERE a.next_due < %(today)s) FROM {A} a WHERE a.closed_at IS NULL GROUP BY 1"""],
}
_TOPICS_MONTH = f"SELECT date_trunc('month', {LOCAL}), a.topic_code, count(*) FROM {A} a WHERE {RANGE} GROUP BY 1, 2"
_TOPICS_PERIODS = (f"SELECT a.topic_code, count(*) FROM {A} a WHERE a.received_at >= %(before)s "
                   f"AND a.received_at < %(start)s GROUP BY 1")
_TOPICS_YEAR_AGO = (f"SELECT a.topic_code, count(*) FROM {A} a WHERE a.received_at >= %(year_ago)s "
                    f"AND a.received_at < %(year_ago_end)s GROUP BY 1")
_CAUSES_MONTH = (f"SELECT date_trunc('month', {LOCAL}), q.cause_id, count(*) FROM {Q} q JOIN {A} a "
                 f"ON a.id = q.appeal_id WHERE {RANGE} AND q.cause_id IS NOT NULL GROUP BY 1, 2")
_SHARES = f"""SELECT date_trunc('month', {LOCAL}), count(*), count(*) FILTER (WHERE a.kind IN ('repeated', 'multiple')),
      count(*) FILTER (WHERE a.status = 'answered'),
      count(*) FILTER (WHERE a.status = 'answered' AND (a.closed_at AT TIME ZONE '{TZ}')::date > a.answer_due)
    FROM {A} a WHERE {RANGE} GROUP BY 1"""
_SHARES_SAT = f"""SELECT date_trunc('month', {LOCAL}), count(*) FILTER (WHERE s.status = 'answered'),
      count(*) FILTER (WHERE s.resolved = 'no') FROM {S} s JOIN {A} a ON a.id = s.appeal_id WHERE {RANGE} GROUP BY 1"""
BARE["trends"] = [_TOPICS_MONTH, _TOPICS_PERIODS, _TOPICS_YEAR_AGO, _CAUSES_MONTH, _SHARES, _SHARES_SAT]
BARE["trends-week"] = [_TOPICS_MONTH.replace("'month'", "'week'"), *BARE["trends"][1:]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def timed(run, n: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50": round(statistics.median(times), 1), "p95": round(percentile(times, 0.95), 1),
            "max": round(max(times), 1)}


def noise(runs: int = 15) -> dict[str, Any]:
    def loop() -> None:
        total = 0
        for i in range(1_500_000):
            total += i * i
    times = timed(loop, runs, 1)
    return {"cpu_loop_ms": times, "spread": round(times["max"] / times["p50"], 2), "loadavg": os.getloadavg()}


def period(months: int, today: dt.date) -> dict[str, Any]:
    zone = timezone.get_current_timezone()
    end_month = today.replace(day=1)
    start_month = add_months(end_month, -(months - 1))

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone)

    return {
        "query": {"period_from": f"{start_month:%Y-%m}", "period_to": f"{end_month:%Y-%m}"},
        "sql": {"start": midnight(start_month), "end": midnight(add_months(end_month, 1)), "today": today,
                "sunday": today + dt.timedelta(days=6 - today.weekday()),
                "before": midnight(add_months(start_month, -months)),
                "year_ago": midnight(add_months(start_month, -12)),
                "year_ago_end": midnight(add_months(end_month, -11))},
    }


def fetch(client: Client, url: str, params: dict[str, str]) -> None:
    response = client.get(url, params)
    assert response.status_code == 200 and response.content, (url, params, response.status_code)


def run_sql(statements: list[str], params: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--head", default="gen-head")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    common.force_login_verified(client, get_user_model().objects.get(username=args.head))
    today = timezone.localdate()
    result: dict[str, Any] = {
        "started": timezone.now().isoformat(), "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                                           "node": platform.node()},
        "database": connection.settings_dict["NAME"], "noise_before": noise(), "pages": [], "exports": [],
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        result["machine"]["postgresql"] = cursor.fetchone()[0].split(",")[0]
        counts = {}
        for table in (A, Q, S, "reports_appealtally", "reports_questiontally", "reports_weektally",
                      "reports_satisfactiontally"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        result["rows"] = counts
    print(f"rows: {counts}", flush=True)
    pages = [(slug, f"/admin/reports/report/{slug}/", {}) for slug in BARE if not slug.startswith("trends")]
    pages += [("trends", "/admin/reports/trends/", {}), ("trends-week", "/admin/reports/trends/", {"step": "week"})]
    for months in (12, 36):
        spec = period(months, today)
        for slug, url, extra in pages:
            page = partial(fetch, client, url, {**spec["query"], **extra})
            bare = partial(run_sql, BARE[slug], spec["sql"])
            row = {"page": slug, "months": months, "page_ms": timed(page, args.requests, args.warmup),
                   "bare_sql_ms": timed(bare, args.requests, args.warmup)}
            row["ratio_p95"] = round(row["page_ms"]["p95"] / max(row["bare_sql_ms"]["p95"], 0.1), 2)
            result["pages"].append(row)
            print(f"{slug:13} {months:2} months: page p95 {row['page_ms']['p95']:8.1f} ms, "
                  f"bare SQL p95 {row['bare_sql_ms']['p95']:8.1f} ms, ratio {row['ratio_p95']}", flush=True)
    spec = period(12, today)
    for slug, url, _extra in pages:
        if slug.startswith("trends"):
            continue
        for kind in ("csv", "xlsx"):
            export = partial(fetch, client, url, {**spec["query"], "export": kind})
            row = {"report": slug, "format": kind, "ms": timed(export, 5, 1)}
            result["exports"].append(row)
            print(f"export {slug:13} {kind:4}: p95 {row['ms']['p95']:8.1f} ms", flush=True)
    result["noise_after"] = noise()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"reports-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    print(f"noise: before {result['noise_before']}, after {result['noise_after']}")
    print(f"written {path}")


if __name__ == "__main__":
    main()
