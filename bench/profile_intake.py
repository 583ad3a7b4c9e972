#!/usr/bin/env python
"""Where the CPU of one submission goes: each step of the flow profiled in-process.

    .venv/bin/python bench/profile_intake.py [-n 40] [--pdf scan|metadata] [--top 25]

Runs the portal's WSGI handler through django.test.Client (all middleware, no
gunicorn, no network) against a fresh PostgreSQL database appeals_bench_prof
and the Redis cache (db 6), with the bench settings. Celery publishes to an
in-memory broker, so the letters are queued but not delivered: only the web
process's work is measured. Prints CPU milliseconds per step (median over the
submissions, after a warm-up) and the top functions of each step (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.loadgen import OutboxCodeReader

DBNAME = "appeals_bench_prof"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", type=int, default=40, help="submissions measured (after 5 of warm-up)")
    p.add_argument("--pdf", choices=["scan", "metadata", "none"], default="scan")
    p.add_argument("--pdf-mb", type=float, default=1.0)
    p.add_argument("--top", type=int, default=20, help="functions shown per step")
    p.add_argument("--sql", action="store_true", help="print the SQL of each step")
    args = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="appeals-bench-prof-"))
    env = common.portal_env(dbname=DBNAME, var_dir=tmp, port=8000, broker=False, CELERY_BROKER_URL="memory://",
                            LOG_LEVEL="WARNING")
    common.pg_recreate(DBNAME)
    common.manage(env, "migrate", "--noinput")
    common.manage(env, "collectstatic", "--noinput")
    os.environ.update(env)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext


    codes = OutboxCodeReader(DBNAME)  # no worker: the letter stays unsent in the outbox
    size = int(args.pdf_mb * common.MB)
    pdf = {"scan": lambda: common.make_scan_pdf(size), "metadata": lambda: common.make_metadata_pdf(size),
           "none": lambda: b""}[args.pdf]()
    steps = ["get_form", "post_form", "get_confirm", "post_confirm", "get_received"]
    cpu: dict[str, list[float]] = {s: [] for s in steps}
    queries: dict[str, list[int]] = {s: [] for s in steps}
    last_sql: dict[str, list[str]] = {}
    profiles = {s: cProfile.Profile() for s in steps}
    topic = None

    def timed(step: str, i: int, call):
        # After 5 of warm-up, even submissions are timed and odd ones profiled:
        # the profiler's own overhead does not count in the times.
        measure, profile = i >= 5 and i % 2 == 0, i >= 5 and i % 2 == 1
        t = time.process_time()
        if profile:
            profiles[step].enable()
        try:
            with CaptureQueriesContext(connection) as captured:
                return call()
        finally:
            if profile:
                profiles[step].disable()
            if measure:
                cpu[step].append(time.process_time() - t)
                queries[step].append(len(captured.captured_queries))
                last_sql[step] = [q["sql"] for q in captured.captured_queries]

    # One client (one handler, middleware loaded once, as in a gunicorn worker);
    # a new citizen for each submission: the cookies are cleared.
    c = Client(HTTP_HOST="127.0.0.1")
    for i in range(2 * args.n + 5):
        c.cookies.clear()
        email = f"prof-{i}@bench.ru"
        r = timed("get_form", i, lambda: c.get("/"))
        page = r.content.decode()
        if topic is None:
            topic = re.search(r'<select name="topic".*?<option value="(\d+)"', page, re.DOTALL).group(1)
        captcha = re.search(r'name="captcha_0" value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="captcha_0"', page
        )
        data = {
            "last_name": "Иванова", "first_name": "Мария", "patronymic": "Петровна",
            "address": "г. Москва, ул. Остоженка, д. 1, кв. 2", "postal_index": "119034",
            "phone": "+7 916 123-45-67", "email": email, "reply_method": "email", "topic": topic,
            "kind": "primary", "text": "Прошу разъяснить порядок перевода на бюджетное место.",
            "consent": "on", "captcha_0": captcha.group(1) if captcha else "x", "captcha_1": "PASSED", "website": "",
        }
        if pdf:
            data["attachments"] = io.BytesIO(pdf)
            data["attachments"].name = "scan.pdf"
        r = timed("post_form", i, lambda data=data: c.post("/", data))
        assert r.status_code == 302, (r.status_code, r.content[:2000])
        timed("get_confirm", i, lambda: c.get("/confirm/"))
        code = codes.code_for(email)
        r = timed("post_confirm", i, lambda code=code: c.post("/confirm/", {"code": code}))
        assert r.status_code == 302 and r["Location"] == "/received/", r.status_code
        r = timed("get_received", i, lambda: c.get("/received/"))
        assert b"appeal-number" in r.content

    print(f"code: {common.code_version()}")
    print(f"\nCPU per step, ms (median and p90 of {args.n}; pdf={args.pdf} {len(pdf)} bytes; in-process, "
          "no gunicorn), and SQL queries:")
    total, total_q = 0.0, 0
    for s in steps:
        med = statistics.median(cpu[s]) * 1000
        total += med
        nq = int(statistics.median(queries[s]))
        total_q += nq
        p90 = sorted(cpu[s])[int(0.9 * len(cpu[s])) - 1] * 1000
        print(f"  {s:13s} {med:7.2f}  {p90:7.2f}  {nq:3d} queries")
    print(f"  {'total':13s} {total:7.2f}           {total_q:3d} queries")
    if args.sql:
        for s in steps:
            print(f"\n----- SQL of {s} (last timed submission) -----")
            for sql in last_sql.get(s, []):
                print("  " + (sql if len(sql) < 160 else sql[:157] + "..."))
    for s in steps:
        out = io.StringIO()
        stats = pstats.Stats(profiles[s], stream=out)
        stats.sort_stats("tottime").print_stats(args.top)
        # Cumulative, without the chain of middleware and decorators around every view.
        stats.sort_stats("cumulative").print_stats(r"^(?!.*(django/test/|handlers/|deprecation|decorators|"
                                                   r"middleware|profile_intake)).*$", args.top)
        text = out.getvalue()
        text = text.replace(str(common.ROOT / ".venv" / "lib" / "python3.11" / "site-packages") + "/", "")
        print(f"\n===== {s} =====")
        print("\n".join(line for line in text.splitlines() if line.strip()))
    common.pg_query("postgres", "SELECT 1")
    from django.db import connections

    connections.close_all()
    common_drop(DBNAME)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def common_drop(dbname: str) -> None:
    conn = common.pg_connect("postgres")
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
