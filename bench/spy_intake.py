#!/usr/bin/env python
"""Sample a gunicorn worker with py-spy while one citizen after another submits an appeal.

    .venv/bin/pip install py-spy          # not in requirements*.txt
    .venv/bin/python bench/spy_intake.py [--seconds 20] [--top 30]

One sync worker (bench.settings, database appeals_bench_spy, Celery publishing
to an in-memory broker so that no letter is delivered inside the worker), a
sequential client (bench/loadgen.Citizen, 1 MB scanned PDF), and
`py-spy record --format raw` on the worker. Prints the share of samples in
which each function is on the stack (inclusive) and on top of it (self), for
the functions of the portal, Django, gunicorn, crispy-forms, pypdf, psycopg2.
Writes this summary to bench/results/spy-<date>.txt; --keep-stacks also keeps
the collapsed stacks (bench/results/tmp/, git-ignored; open them with
speedscope.app or flamegraph.pl).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import io
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.loadgen import Citizen, OutboxCodeReader

DBNAME = "appeals_bench_spy"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=int, default=20)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--keep-stacks", action="store_true", help="copy the raw stacks to bench/results/tmp/")
    args = p.parse_args()
    spy = common.VENV_BIN / "py-spy"
    if not spy.exists():
        print("py-spy is not installed: .venv/bin/pip install py-spy")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="appeals-bench-spy-"))
    (tmp / "logs").mkdir()
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    env = common.portal_env(dbname=DBNAME, var_dir=tmp, port=port, broker=False, CELERY_BROKER_URL="memory://")
    common.pg_recreate(DBNAME)
    common.manage(env, "migrate", "--noinput")
    common.manage(env, "collectstatic", "--noinput")
    gunicorn = common.start_gunicorn(env, port, 1, tmp / "logs")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    raw = tmp / "stacks.txt"  # collapsed stacks; several MB, so kept only with --keep-stacks
    summary = common.RESULTS_DIR / f"spy-{stamp}.txt"
    codes = OutboxCodeReader(DBNAME)
    spy_proc = None
    try:
        common.wait_http(base + "/health/", [gunicorn])
        import requests

        page = requests.get(base + "/", timeout=10).text
        topic = re.search(r'<select name="topic".*?<option value="(\d+)"', page, re.DOTALL).group(1)
        citizen = Citizen(base, common.make_scan_pdf(common.MB), "scan.pdf", codes, topic)
        for i in range(5):  # warm-up
            citizen.submit(f"spy-warm-{i}@bench.ru", time.time())
        worker = common.gunicorn_workers(gunicorn)[0]
        spy_proc = subprocess.Popen(
            [str(spy), "record", "--pid", str(worker.pid), "--rate", "250", "--format", "raw",
             "--duration", str(args.seconds), "--output", str(raw), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        time.sleep(1.0)
        n, failed = 0, 0
        deadline = time.time() + args.seconds - 1.5
        while time.time() < deadline:
            rec = citizen.submit(f"spy-{n}@bench.ru", time.time())
            n += 1
            failed += not rec.ok
        spy_proc.wait(args.seconds + 30)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            print(f"{n} submissions ({failed} failed) in {args.seconds} s, 1 sync worker, 1 MB scanned PDF each")
            print(f"code: {common.code_version()}")
            report(raw, args.top)
        print(buf.getvalue())
        summary.write_text(buf.getvalue(), encoding="utf-8")
        print(f"summary: {summary}")
        if args.keep_stacks:
            kept = common.RESULTS_DIR / "tmp" / f"spy-stacks-{stamp}.txt"
            kept.parent.mkdir(exist_ok=True)
            shutil.copy(raw, kept)
            print(f"collapsed stacks (speedscope.app, flamegraph.pl): {kept}")
    finally:
        if spy_proc is not None and spy_proc.poll() is None:
            spy_proc.terminate()
        codes.close()
        gunicorn.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        conn = common.pg_connect("postgres")
        try:
            with conn.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
        finally:
            conn.close()
    return 0


def report(raw: Path, top: int) -> None:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [re.sub(r" \((?:/work/main/\.venv/lib/python3\.11/site-packages/|/work/main/|/root/\.pyenv/versions/"
                         r"3\.11\.7/lib/python3\.11/)?([^:)]*)(?::\d+)?\)", r" (\1)", f) for f in stack.split(";")]
        if any("wait_for_request" in f or "select (selectors" in f or "accept" in f.split(" ")[0] for f in frames[-2:]):
            idle += n
        for f in set(frames):
            inclusive[f] += n
        own[frames[-1]] += n
    busy = total - idle
    print(f"\n{total} samples, {busy} busy ({100 * busy / max(total, 1):.0f} %). Inclusive share of busy samples:")
    interesting = re.compile(r"appeals/|outbox/|classifiers/|django/|crispy|gunicorn/|pypdf|psycopg2|captcha|csp/")
    for f, n in inclusive.most_common(400):
        if interesting.search(f) and n <= busy:
            print(f"  {100 * n / max(busy, 1):5.1f} %  {f}")
            top -= 1
            if top <= 0:
                break
    print("\nBusy samples by what the worker was doing (first match from the top of the stack down):")
    for name, n in categories(raw).most_common():
        print(f"  {100 * n / max(busy, 1):5.1f} %  {name}")
    print("\nSelf (top of stack):")
    for f, n in own.most_common(15):
        print(f"  {100 * n / max(total, 1):5.1f} %  {f}")


CATEGORIES = [
    ("PostgreSQL (queries, commits, health check)", re.compile(r"django/db/backends|psycopg2")),
    ("Redis (sessions, cache)", re.compile(r"redis/")),
    ("PDF content check (pypdf)", re.compile(r"appeals/attachments|pypdf")),
    ("multipart parsing of the upload", re.compile(r"multipartparser|uploadhandler|tempfile")),
    ("storing the file (storage)", re.compile(r"files/storage|file_move_safe|files/move")),
    ("crispy-forms rendering", re.compile(r"crispy_forms")),
    ("other template rendering (pages, letters)", re.compile(r"django/template")),
    ("captcha", re.compile(r"captcha/")),
    ("gunicorn HTTP parsing and socket I/O", re.compile(r"gunicorn/(http|util)")),
]


def categories(raw: Path) -> collections.Counter[str]:
    found: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        if any("wait_for_request" in f or "select (selectors" in f for f in frames[-2:]):
            continue
        for name, pattern in CATEGORIES:
            if any(pattern.search(f) for f in frames):
                found[name] += int(count)
                break
        else:
            found["other (Django request handling, forms, ORM in Python, middleware)"] += int(count)
    return found


if __name__ == "__main__":
    sys.exit(main())
