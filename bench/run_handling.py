#!/usr/bin/env python
"""Case handling at scale: the officials' admin and the periodic sweeps on a million appeals.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/appeals_bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py generate_appeals --count 1000000 --vacuum
    .venv/bin/python bench/run_handling.py                     # ~5 min; bench/results/handling-<date>.json
    .venv/bin/python bench/run_handling.py --help

Steps (bench/README.md, section 3, explains the method and the targets):
 1. the databases must exist and hold generated appeals (appeals_bench: 1,000,000; appeals_bench_100k: 100,000,
    for the sweeps' memory); the outbox gets 2 sent messages per appeal and a few due ones, once (INSERT ...
    SELECT in the database), so that the outbox sweep runs against a table of realistic size;
 2. gunicorn (bench.settings, sync workers, access log on) on 127.0.0.1 with no broker (Celery eager);
    two staff sessions made with django.test.Client.force_login (cached_db sessions: the row is in the
    database gunicorn reads): the registrar gen-registrar (sees all) and an executor gen-d01-e1 (one department);
 3. for each user and view: `--warmup` requests, then `--requests` timed sequential requests (a fresh TCP
    connection each, like a browser behind a closing proxy); every answer must be 200 and must not be the admin's
    error page; search terms and appeal ids vary per request;
 4. each view once more in this process with django.test.Client and CaptureQueriesContext: the number of
    queries, their time, the slowest; EXPLAIN (ANALYZE, BUFFERS) of the slowest, the indexes and scans it used;
 5. each sweep in a fresh process per database (1M and 100k), in a transaction rolled back at the end, so every
    run does the full work and the database is left as it was: time of `--sweep-runs` runs, RSS sampled every
    10 ms (peak - baseline after a warm-up run), and the peak of Python allocations (tracemalloc, one more run);
 6. print a summary, write bench/results/handling-<date>.json.

`--with-index "CREATE INDEX ..."` (repeatable) creates an index before the run and drops it at the end:
the numbers before/after a suggested index, in the bench database only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil
import requests

from bench import common

DBNAME = "appeals_bench"
DBNAME_SMALL = "appeals_bench_100k"
REGISTRAR = "gen-registrar"
EXECUTOR = "gen-d01-e1"
LIST = "/admin/appeals/appeal/"
SWEEPS = ("reminders", "digest", "outbox", "worklists", "recompute_terms")
# The admin shows this when a filter parameter is wrong (and redirects to ?e=1).
ADMIN_ERROR = re.compile(r'class="errornote"|\?e=1')


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


# --- the databases --------------------------------------------------------------------
def db_summary(dbname: str) -> dict[str, Any]:
    (appeals, open_, events, outbox), = common.pg_query(dbname, """
        SELECT (SELECT count(*) FROM appeals_appeal), (SELECT count(*) FROM appeals_appeal WHERE closed_at IS NULL),
               (SELECT count(*) FROM appeals_appealevent), (SELECT count(*) FROM outbox_outgoingmessage)""")
    sizes = dict(common.pg_query(dbname, """
        SELECT relname, pg_total_relation_size(oid) FROM pg_class
        WHERE relname IN ('appeals_appeal', 'appeals_appealevent', 'outbox_outgoingmessage')"""))
    return {"appeals": appeals, "open": open_, "events": events, "outbox": outbox,
            "size_mb": {k: round(v / common.MB) for k, v in sizes.items()}}


def fill_outbox(dbname: str) -> bool:
    """Two sent letters per appeal (acknowledgement, answer) and some due ones: the outbox a sweep sees in a
    year of work. Done once per database (skipped when the outbox already holds as many rows as appeals)."""
    (appeals, outbox), = common.pg_query(
        dbname, "SELECT (SELECT count(*) FROM appeals_appeal), (SELECT count(*) FROM outbox_outgoingmessage)")
    if outbox >= appeals:
        return False
    log(f"{dbname}: filling the outbox with {2 * appeals} sent messages and 300 due ones")
    conn = common.pg_connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute("""
                INSERT INTO outbox_outgoingmessage (uid, kind, appeal_id, "to", subject, body_text, body_html,
                    redact_after_send, attachment_name, attachment_path, attachment_type, status, attempts,
                    last_error, created_at, next_attempt_at, claimed_at, sent_at, template, render_context)
                SELECT gen_random_uuid(), CASE n WHEN 1 THEN 'appeals.acknowledgement' ELSE 'appeals.answer' END,
                    a.id, coalesce(nullif(a.email, ''), 'post@bench.ru'), 'Обращение ' || a.number,
                    'Текст письма по обращению ' || a.number, '', false, '', '', '', 'sent', 1, '',
                    a.received_at + (n - 1) * interval '20 days', a.received_at + (n - 1) * interval '20 days',
                    a.received_at + (n - 1) * interval '20 days',
                    a.received_at + (n - 1) * interval '20 days' + interval '2 seconds', '', '{}'
                FROM appeals_appeal a CROSS JOIN generate_series(1, 2) n""")
            cur.execute("""
                INSERT INTO outbox_outgoingmessage (uid, kind, appeal_id, "to", subject, body_text, body_html,
                    redact_after_send, attachment_name, attachment_path, attachment_type, status, attempts,
                    last_error, created_at, next_attempt_at, claimed_at, sent_at, template, render_context)
                SELECT gen_random_uuid(), 'appeals.registered', a.id, 'due@bench.ru', 'Обращение ' || a.number,
                    'Текст', '', false, '', '', '', CASE WHEN a.id % 10 = 0 THEN 'sending' ELSE 'pending' END,
                    1, 'SMTP 451', now() - interval '1 hour', now() - interval '5 minutes',
                    CASE WHEN a.id % 10 = 0 THEN now() - interval '1 hour' END, NULL, '', '{}'
                FROM (SELECT id, number FROM appeals_appeal ORDER BY id DESC LIMIT 300) a""")
            cur.execute("VACUUM (ANALYZE) outbox_outgoingmessage")
    finally:
        conn.close()
    return True


class Indexes:
    """Indexes created for an experiment (--with-index) and dropped at the end."""

    def __init__(self, dbname: str, statements: list[str]) -> None:
        self.dbname, self.statements, self.names = dbname, statements, []

    def create(self) -> list[str]:
        for sql in self.statements:
            match = re.search(r"INDEX\s+(?:CONCURRENTLY\s+)?(?:IF NOT EXISTS\s+)?(\w+)", sql, re.IGNORECASE)
            if not match or not re.match(r"\s*CREATE\s+INDEX", sql, re.IGNORECASE):
                raise ValueError(f"not a CREATE INDEX statement with a name: {sql!r}")
            log(f"experiment: {sql}")
            conn = common.pg_connect(self.dbname)
            try:
                with conn.cursor() as cur:
                    cur.execute(sql)
                    cur.execute("ANALYZE appeals_appeal")
            finally:
                conn.close()
            self.names.append(match.group(1))
        return self.names

    def drop(self) -> None:
        for name in self.names:
            conn = common.pg_connect(self.dbname)
            try:
                with conn.cursor() as cur:
                    cur.execute(f'DROP INDEX IF EXISTS "{name}"')
            finally:
                conn.close()
            log(f"experiment index {name} dropped")


# --- Django in this process -----------------------------------------------------------------
def setup_django(dbname: str, var_dir: Path, port: int) -> dict[str, str]:
    env = common.portal_env(dbname=dbname, var_dir=var_dir, port=port, broker=False,
                            ALLOWED_HOSTS="127.0.0.1,testserver")
    for key in ("CELERY_BROKER_URL", "DATABASE_URL", "CACHE_URL"):
        os.environ.pop(key, None)
    os.environ.update(env)
    import django

    django.setup()
    return env


def staff_sessions() -> dict[str, dict[str, Any]]:
    """A logged-in session per user (force_login, as the test client does) and the data its views need."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    from appeals.models import Appeal
    from appeals.services import access

    out: dict[str, dict[str, Any]] = {}
    for role, username in (("registrar", REGISTRAR), ("executor", EXECUTOR)):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        visible = access.visible_appeals(user)
        departments = list(user.departments.values_list("pk", flat=True))
        dept = departments[0] if departments else None
        max_id = Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # Appeal ids to open: random, among those the user sees (an executor: their department's).
        rng = random.Random(59)
        if access.sees_all(user):
            ids = [rng.randint(1, max_id) for _ in range(400)]
        else:
            ids = list(visible.filter(pk__in=[rng.randint(1, max_id) for _ in range(8000)]).values_list(
                "pk", flat=True)[:400])
        out[role] = {
            "username": username, "user": user, "client": client,
            "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
            "department": dept if dept is not None else Appeal.objects.exclude(department=None)
            .values_list("department", flat=True).first(),
            "appeal_ids": ids, "sees": visible.count() if not access.sees_all(user) else None,
        }
    return out


def view_urls(session: dict[str, Any], year: int) -> dict[str, list[str]]:
    from urllib.parse import urlencode

    from appeals.management.commands.generate_appeals import SURNAMES

    rng = random.Random(7)
    numbers = [f"ОГ-{rng.choice([year - 1, year])}-{rng.randint(1, 300):03d}" for _ in range(60)]  # ~1000 matches
    numbers_exact = [f"ОГ-{year - 1}-{rng.randint(1, 300000):06d}" for _ in range(60)]
    surnames = [rng.choice(SURNAMES)[rng.random() < 0.5][: rng.randint(4, 7)] for _ in range(60)]
    q = lambda **kw: f"{LIST}?{urlencode(kw)}"  # noqa: E731
    return {
        "list_default": [LIST],
        "attention_overdue": [q(attention="overdue")],
        "attention_soon": [q(attention="soon")],
        "attention_decision": [q(attention="decision")],
        "attention_unregistered_late": [q(attention="unregistered_late")],
        "attention_decision_late": [q(attention="decision_late")],
        "status_in_work": [q(status__exact="in_work")],
        "status_answered": [q(status__exact="answered")],
        "department": [q(department=session["department"])],
        "search_number_prefix": [q(q=n) for n in numbers],
        "search_number_full": [q(q=n) for n in numbers_exact],
        "search_surname_prefix": [q(q=s) for s in surnames],
        "search_surname_prefix_p2": [q(q=s, p=1) for s in surnames],
        "change_page": [f"{LIST}{pk}/change/" for pk in session["appeal_ids"]],
    }


# --- HTTP ---------------------------------------------------------------------------------
def measure(base: str, cookie: str, urls: list[str], warmup: int, n: int) -> dict[str, Any]:
    headers = {"Cookie": cookie, "Connection": "close"}
    latencies, sizes, errors = [], [], {}
    for i in range(warmup + n):
        url = urls[i % len(urls)]
        t0 = time.perf_counter()
        try:
            r = requests.get(base + url, headers=headers, timeout=60, allow_redirects=False)
            elapsed = time.perf_counter() - t0
            ok = r.status_code == 200 and not ADMIN_ERROR.search(r.text[:200000])
            if not ok:
                key = f"HTTP {r.status_code} {r.headers.get('Location', '')}"[:100]
                errors[key] = errors.get(key, 0) + 1
        except requests.RequestException as exc:
            elapsed, ok = time.perf_counter() - t0, False
            errors[repr(exc)[:100]] = errors.get(repr(exc)[:100], 0) + 1
        if i >= warmup and ok:
            latencies.append(elapsed)
            sizes.append(len(r.content))
    summary = common.latency_summary(latencies)
    summary["p95_ms"] = None if not latencies else round(common.percentile(latencies, 95) * 1000, 1)
    summary["errors"] = errors
    summary["bytes_p50"] = int(common.percentile(sizes, 50) or 0)
    return summary


# --- SQL of one request, with plans -------------------------------------------------------------
PLAN_NODES = re.compile(r"((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)"
                        r"(?: Backward)?)(?: using| on) (\w+)(?: on (\w+))?")


def plan_summary(plan: str) -> list[str]:
    found = []
    for node, name, table in PLAN_NODES.findall(plan):
        found.append(f"{node} {name}" + (f" on {table}" if table else ""))
    if re.search(r"Sort Method: (?:top-N heapsort|quicksort|external merge)", plan):
        found.append("Sort: " + re.search(r"Sort Method: ([^\n]+)", plan).group(1).strip())
    return list(dict.fromkeys(found))


def explain(sql: str) -> dict[str, Any]:
    from django.db import connection, transaction

    analyze = sql.lstrip().upper().startswith("SELECT")
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(f"EXPLAIN ({'ANALYZE, BUFFERS' if analyze else 'COSTS'}) {sql}")
            plan = "\n".join(row[0] for row in cur.fetchall())
        transaction.set_rollback(True)
    timing = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return {"analyzed": analyze, "execution_ms": float(timing.group(1)) if timing else None,
            "uses": plan_summary(plan), "plan": plan.splitlines()[:40]}


def profile_view(client, url: str, *, explain_over_ms: float = 10.0) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - t0
    queries = [(float(q["time"]), q["sql"]) for q in ctx.captured_queries]
    queries.sort(key=lambda q: q[0], reverse=True)
    out: dict[str, Any] = {
        "status": response.status_code, "in_process_ms": round(elapsed * 1000, 1), "queries": len(queries),
        "sql_ms": round(sum(t for t, _ in queries) * 1000, 1),
        "slowest": [{"ms": round(t * 1000, 1), "sql": sql[:600]} for t, sql in queries[:3]],
        "explained": [],
    }
    for t, sql in queries[:3]:
        if not re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE)\b", sql, re.IGNORECASE):
            continue  # Django also records BEGIN/COMMIT/SAVEPOINT, which have no plan (a slow COMMIT under load)
        if t * 1000 >= explain_over_ms or not out["explained"]:
            e = explain(sql)
            e["sql"] = sql[:600]
            out["explained"].append(e)
    return out


# --- the sweeps, each in a fresh process -------------------------------------------------------------
def sweep_child(name: str, runs: int) -> dict[str, Any]:
    """Run in a fresh process: `run_handling.py --sweep-child NAME --db DB`; print JSON."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    def target() -> Any:
        if name == "reminders":
            from appeals.reminders import send_due_reminders

            return send_due_reminders()
        if name == "digest":
            from appeals.reminders import send_overdue_digest

            return send_overdue_digest()
        if name == "outbox":
            from outbox.services import due_message_ids

            return len(due_message_ids())
        if name == "worklists":
            from appeals.services import worklists

            return {key: sum(1 for _ in fn().values_list("pk", "next_due").iterator(chunk_size=2000))
                    for key, fn in worklists.WORKLISTS.items()}
        if name == "recompute_terms":
            from appeals.services.terms import recompute_open_terms

            return recompute_open_terms()
        raise ValueError(name)

    def once() -> Any:
        with transaction.atomic():
            result = target()
            transaction.set_rollback(True)  # the database stays as it was: every run does the full work
        return result

    proc = psutil.Process()
    once()  # warm-up: imports, templates, the calendar
    baseline = proc.memory_info().rss
    peak = [baseline]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            stop.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    times, result = [], None
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            result = once()
            times.append(time.perf_counter() - t0)
    finally:
        stop.set()
        sampler.join()
    with CaptureQueriesContext(connection) as ctx:
        once()
    tracemalloc.start()
    once()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    delivery = render_at_delivery() if name == "reminders" else {}
    queries = sorted(((float(q["time"]), q["sql"]) for q in ctx.captured_queries), reverse=True)
    explained = []
    for _t, sql in queries[:2]:
        if sql.lstrip().upper().startswith("SELECT"):
            e = explain(sql)
            e["sql"] = sql[:600]
            explained.append(e)
    return {
        "result": result, "runs": runs, "seconds": [round(t, 3) for t in times],
        "median_s": round(sorted(times)[len(times) // 2], 3), "max_s": round(max(times), 3),
        "rss_baseline_mb": round(baseline / common.MB, 1),
        "rss_peak_delta_mb": round((peak[0] - baseline) / common.MB, 2),
        "tracemalloc_peak_mb": round(traced_peak / common.MB, 2),
        "queries": len(queries), "sql_ms": round(sum(t for t, _ in queries) * 1000, 1),
        "slowest": [{"ms": round(t * 1000, 1), "sql": sql[:400]} for t, sql in queries[:2]],
        "explained": explained,
        **delivery,
    }


def render_at_delivery() -> dict[str, Any]:
    """The work the reminders moved to the delivery task: render each queued letter (rolled back)."""
    from django.db import transaction

    from appeals.reminders import send_due_reminders
    from outbox import services
    from outbox.models import OutgoingMessage

    if not hasattr(services, "queue_deferred_emails"):
        return {}
    with transaction.atomic():
        send_due_reminders()
        letters = list(OutgoingMessage.objects.filter(status="pending").exclude(template=""))
        t0 = time.perf_counter()
        for message in letters:
            services._render_deferred(message)
        elapsed = time.perf_counter() - t0
        transaction.set_rollback(True)
    return {"rendered_at_delivery": len(letters),
            "render_ms_per_letter": round(elapsed * 1000 / len(letters), 2) if letters else None}


def run_sweep(name: str, dbname: str, var_dir: Path, runs: int) -> dict[str, Any]:
    env = common.portal_env(dbname=dbname, var_dir=var_dir, port=8000, broker=False)
    argv = [common.PYTHON, str(Path(__file__).resolve()), "--sweep-child", name, "--db", dbname,
            "--sweep-runs", str(runs)]
    result = subprocess.run(argv, cwd=common.ROOT, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        return {"error": (result.stderr or result.stdout)[-2000:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- main ------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default=DBNAME)
    p.add_argument("--db-small", default=DBNAME_SMALL, help="database for the memory comparison ('' to skip)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (requests are sequential)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--requests", type=int, default=50, help="timed requests per user and view")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--views", default="", help="comma list: only these views")
    p.add_argument("--sweep-runs", type=int, default=3)
    p.add_argument("--skip-http", action="store_true")
    p.add_argument("--skip-profile", action="store_true")
    p.add_argument("--skip-sweeps", action="store_true")
    p.add_argument("--with-index", action="append", default=[], metavar="SQL",
                   help="CREATE INDEX ... to create before the run and drop after it (experiment)")
    p.add_argument("--label", default="", help="a word for the JSON file name and the run")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--sweep-child", default="", help=argparse.SUPPRESS)
    return p.parse_args()


def main() -> int:
    args = parse_args()
    if args.sweep_child:
        import django

        django.setup()
        print(json.dumps(sweep_child(args.sweep_child, args.sweep_runs), ensure_ascii=False, default=str))
        return 0

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = dt.datetime.now()
    tmp = Path(tempfile.mkdtemp(prefix="appeals-bench-handling-"))
    var_dir, logs = tmp / "var", tmp / "logs"
    var_dir.mkdir()
    logs.mkdir()
    port = args.port or common.free_port()
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {
        "benchmark": "handling", "label": args.label, "started": started.isoformat(timespec="seconds"),
        "machine": common.machine_info(), "code": common.code_version(),
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "sweep_child"},
    }
    gunicorn: common.Proc | None = None
    indexes = Indexes(args.db, args.with_index)
    ok = False
    try:
        dbs = [args.db] + ([args.db_small] if args.db_small and not args.skip_sweeps else [])
        for db in dbs:
            # The staff exist (idempotent: --count 0 adds no appeal), with the e-mail addresses reminders need.
            common.manage(common.portal_env(dbname=db, var_dir=var_dir, port=port, broker=False),
                          "generate_appeals", "--count", "0")
            fill_outbox(db)
        out["databases"] = {db: db_summary(db) for db in dbs}
        log(f"databases: {json.dumps(out['databases'], ensure_ascii=False)}")
        out["experiment_indexes"] = indexes.create()
        env = setup_django(args.db, var_dir, port)
        sessions = staff_sessions()
        out["users"] = {role: {"username": s["username"], "department": s["department"], "sees": s["sees"]}
                        for role, s in sessions.items()}
        year = dt.date.today().year
        only = {v for v in args.views.split(",") if v}
        if not args.skip_http:
            common.manage(env, "collectstatic", "--noinput")
            log(f"gunicorn: {args.workers} sync workers on {base}, database {args.db}")
            gunicorn = common.start_gunicorn(env, port, args.workers, logs)
            common.wait_http(base + "/health/", [gunicorn])
            out["http"] = {}
            for role, s in sessions.items():
                for view, urls in view_urls(s, year).items():
                    if only and view not in only:
                        continue
                    m = measure(base, s["cookie"], urls, args.warmup, args.requests)
                    out["http"][f"{role}:{view}"] = m
                    log(f"{role:9s} {view:28s} p50 {m.get('p50_ms')} p95 {m.get('p95_ms')} "
                        f"max {m.get('max_ms')} ms  errors {m['errors'] or '-'}")
        if not args.skip_profile:
            out["profile"] = {}
            for role, s in sessions.items():
                for view, urls in view_urls(s, year).items():
                    if only and view not in only:
                        continue
                    prof = profile_view(s["client"], urls[0])
                    out["profile"][f"{role}:{view}"] = prof
                    uses = "; ".join(u for e in prof["explained"] for u in e["uses"])
                    log(f"{role:9s} {view:28s} {prof['queries']} queries {prof['sql_ms']} ms SQL, "
                        f"slowest {prof['slowest'][0]['ms'] if prof['slowest'] else '-'} ms: {uses}")
        if not args.skip_sweeps:
            out["sweeps"] = {}
            have_reminders = (common.ROOT / "appeals" / "reminders.py").exists()
            names = [n for n in SWEEPS if have_reminders or n not in ("reminders", "digest")]
            for db in dbs:
                for name in names:
                    r = run_sweep(name, db, var_dir, args.sweep_runs)
                    out["sweeps"][f"{db}:{name}"] = r
                    log(f"sweep {name:16s} on {db:20s} median {r.get('median_s')} s max {r.get('max_s')} s, "
                        f"RSS +{r.get('rss_peak_delta_mb')} MB, tracemalloc peak {r.get('tracemalloc_peak_mb')} MB, "
                        f"{r.get('queries')} queries; result {r.get('result')} {r.get('error', '')[-300:]}")
        ok = True
    except KeyboardInterrupt as exc:
        out["error"] = f"interrupted: {exc}"
    except Exception as exc:
        out["error"] = repr(exc)
        log(f"ERROR: {exc!r}")
    finally:
        if gunicorn is not None:
            out["gunicorn_log_tail"] = gunicorn.tail(15) if not ok else ""
            gunicorn.stop()
        indexes.drop()
        out["finished"] = dt.datetime.now().isoformat(timespec="seconds")
        out["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        out["targets"] = targets(out)
        common.RESULTS_DIR.mkdir(exist_ok=True)
        label = f"-{args.label}" if args.label else ""
        path = args.out or common.RESULTS_DIR / f"handling{label}-{started:%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        log(f"targets: {json.dumps(out['targets'], ensure_ascii=False)}")
        log(f"results: {path}")
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


def targets(out: dict[str, Any]) -> dict[str, Any]:
    t: dict[str, Any] = {}
    http = out.get("http", {})
    if http:
        worst = max(http.items(), key=lambda kv: kv[1].get("p95_ms") or 1e9)
        t["p95_worst_view"] = worst[0]
        t["p95_worst_ms"] = worst[1].get("p95_ms")
        t["views_over_200ms"] = sorted(k for k, v in http.items() if (v.get("p95_ms") or 1e9) >= 200)
        t["all_views_p95_under_200ms"] = not t["views_over_200ms"]
        t["errors"] = {k: v["errors"] for k, v in http.items() if v["errors"]}
    sweeps = out.get("sweeps", {})
    if sweeps:
        t["sweep_max_s"] = {k: v.get("max_s") for k, v in sweeps.items()}
        t["all_sweeps_under_2s"] = all((v.get("max_s") or 1e9) < 2 for v in sweeps.values())
        flat = {}
        for key, v in sweeps.items():
            db, name = key.split(":")
            if db != out["config"]["db"]:
                continue
            small = sweeps.get(f"{out['config']['db_small']}:{name}")
            if small and "tracemalloc_peak_mb" in v and "tracemalloc_peak_mb" in small:
                flat[name] = {
                    "tracemalloc_peak_mb_1m_vs_100k": [v["tracemalloc_peak_mb"], small["tracemalloc_peak_mb"]],
                    "rss_delta_mb_1m_vs_100k": [v["rss_peak_delta_mb"], small["rss_peak_delta_mb"]],
                }
        t["sweep_memory"] = flat
    return t


if __name__ == "__main__":
    sys.exit(main())
