#!/usr/bin/env python
"""The print room at scale (issue 9): batch PDFs built by the Celery task, and the print queue's list.

    .venv/bin/python bench/run_postal.py                 # ~5 min; bench/results/postal-<date>.json
    .venv/bin/python bench/run_postal.py --sizes 100 --list-letters 10000   # a quick check

Steps (bench/README.md, section 8, explains the method and the targets):
 1. PostgreSQL database appeals_bench_postal dropped and created, migrated; Redis db 12 (broker) and 13 (cache)
    emptied: never the intake bench's 5 and 6;
 2. appeals (one per 10 letters of the batches) with a real signed-answer PDF each, rendered by letters.pdf;
    every batch letter gets its own stored copy of its appeal's PDF (a file each, as signing makes them);
    then `--list-letters` postal letters in bulk (most sent, some queued) for the list;
 3. per batch size: a fresh Celery worker (`--pool solo`: the task runs in the process that is measured),
    its RSS sampled every 10 ms; the clerk's build_batch() here, the task in the worker; the time from the
    build to the batch «готов к печати», its pages, pages per second, the worker's peak RSS minus its RSS
    before the build; while it runs, the CPU of every other process on the machine (the noise);
 4. the ceiling, in this process, on the same letters: their stored PDFs merged by a bare pypdf PdfWriter
    plus the same envelope pages by postal.documents.render_envelopes, written to a temporary file;
 5. the print queue's list as the clerk (Django test client in this process, the bench database): the
    default (waiting letters), all states, a search by appeal number, by surname, a filter by mail class;
    5 warm-up + `--requests` timed requests each, p50/p95, and the other processes' CPU meanwhile;
 6. a summary, and bench/results/postal-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

from bench import common

DBNAME = "appeals_bench_postal"
BROKER_DB, CACHE_DB = 12, 13
BROKER = f"redis://127.0.0.1:6379/{BROKER_DB}"
CACHE = f"redis://127.0.0.1:6379/{CACHE_DB}"


class Sampler(threading.Thread):
    """Peak RSS of one process, and the CPU of every other process of the machine, while it runs."""

    def __init__(self, pid: int, own: set[int]) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.own = own
        self.peak = 0
        self.stop_event = threading.Event()
        self.busy_start = common.system_cpu_busy()
        self.own_start = self._own_cpu()
        self.started_at = time.monotonic()

    def _own_cpu(self) -> float:
        total = 0.0
        for pid in self.own:
            try:
                times = psutil.Process(pid).cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.NoSuchProcess:
                return
            time.sleep(0.01)

    def finish(self) -> dict[str, Any]:
        self.stop_event.set()
        self.join(2)
        wall = time.monotonic() - self.started_at
        busy = common.system_cpu_busy() - self.busy_start
        own = self._own_cpu() - self.own_start
        return {"peak_rss_mb": round(self.peak / common.MB, 1),
                "other_processes_cpu_cores": round(max(0.0, busy - own) / wall, 2) if wall else None,
                "machine_busy_cores": round(busy / wall, 2) if wall else None,
                "loadavg": [round(x, 2) for x in os.getloadavg()]}


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def make_data(batch_letters: int, list_letters: int, seed: int) -> dict[str, Any]:
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from appeals.models import Appeal
    from letters import services as letter_services
    from letters.models import LetterKind, PostalLetter
    from tests.roles import make_appeal

    rng = random.Random(seed)
    started = time.monotonic()
    clerk, _ = User.objects.get_or_create(username="bench-clerk", defaults={"is_staff": True})
    clerk.groups.add(Group.objects.get(name="Экспедитор"))
    surnames = ["Иванова", "Петров", "Смирнова", "Кузнецов", "Соколова", "Попов", "Лебедева", "Козлов"]
    streets = ["ул. Ленина", "ул. Мира", "пр-т Победы", "ул. Садовая", "ул. Школьная"]
    appeals = []
    for _n in range(max(1, batch_letters // 10)):
        appeals.append(make_appeal(
            reply_method="post", status=Appeal.Status.ANSWERED, last_name=rng.choice(surnames),
            address=f"г. Тула, {rng.choice(streets)}, д. {rng.randint(1, 99)}, кв. {rng.randint(1, 200)}",
            postal_index=f"300{rng.randint(0, 999):03d}"))
    # A real answer's PDF per appeal, as signing renders it.
    pdfs = {}
    for appeal in appeals:
        context = letter_services.letter_context(appeal, {"answer_text": "Сообщаем, что " + "перевод возможен. " * 60,
                                                          "outgoing_number": f"01-{appeal.pk}"})
        rendered = letter_services.render_letter(LetterKind.ANSWER, context)
        pdfs[appeal.pk] = letter_services.letter_pdf(rendered, context,
                                                     addressee_lines=letter_services.citizen_addressee(appeal))
    rendered_at = time.monotonic()
    letters = []
    for n in range(batch_letters):
        appeal = appeals[n % len(appeals)]
        # Through the ORM one by one: the postal app's signal counts the sheets and sets class and weight.
        letters.append(PostalLetter.objects.create(
            appeal=appeal, kind=LetterKind.ANSWER, subject="Ответ на обращение", text="…",
            addressee="\n".join(letter_services.citizen_addressee(appeal)), postal_index=appeal.postal_index,
            pdf_path=letter_services.store_pdf(pdfs[appeal.pk])))
    # The list's letters belong to appeals of their own, as in a real queue (about one each): cloned in SQL
    # from the first appeal with a new number and a surname from the list (its folded key too).
    list_appeal_ids = clone_appeals(appeals[0], max(1, list_letters), surnames, rng)
    list_appeals = {a.pk: a for a in Appeal.objects.filter(pk__in=list_appeal_ids).only(
        "pk", "last_name", "address", "postal_index")}
    # The list's letters: in bulk (no PDF files: the list does not open them), over three years.
    now = timezone.now()
    path = letters[0].pdf_path if letters else "letters/none.pdf"
    rows = []
    for n in range(list_letters):
        appeal = list_appeals[list_appeal_ids[n % len(list_appeal_ids)]]
        queued = n % 50 == 0
        rows.append(PostalLetter(
            appeal=appeal, kind=rng.choice([LetterKind.ANSWER, LetterKind.REGISTERED, LetterKind.EXTENSION]),
            subject="Ответ", text="…", addressee=f"{appeal.last_name}\n{appeal.address}\n{appeal.postal_index}",
            postal_index=appeal.postal_index, pdf_path=path, sheets=2, weight=20, envelope="dl",
            mail_class=rng.choice(["simple", "registered"]),
            status="queued" if queued else "sent", sent_at=None if queued else now,
            tracking_number="" if queued else f"{30000000000000 + n}"))
        if len(rows) == 5000:
            PostalLetter.objects.bulk_create(rows)
            rows = []
    PostalLetter.objects.bulk_create(rows)
    # created_at is auto_now_add: spread the list's letters over three years in one statement.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE letters_postalletter SET created_at = now() - (id %% 1095) * interval '1 day' "
                       "WHERE pdf_path = %s AND id > %s", [path, letters[-1].pk if letters else 0])
        cursor.execute("ANALYZE letters_postalletter")
    return {"appeals": len(appeals), "batch_letters": len(letters), "list_letters": list_letters,
            "render_s": round(rendered_at - started, 1), "total_s": round(time.monotonic() - started, 1),
            "letter_pdf_bytes": len(next(iter(pdfs.values())))}


def clone_appeals(template: Any, count: int, surnames: list[str], rng: random.Random) -> list[int]:
    """`count` copies of the template appeal in one INSERT ... SELECT: numbers of the previous year."""
    from django.db import connection

    from appeals.models import Appeal, surname_key

    year = template.year - 1
    columns = [f.column for f in Appeal._meta.concrete_fields if f.column not in {
        "id", "number", "year", "sequence", "last_name", "surname_key"}]
    names = [(name, surname_key(name)) for name in surnames]
    cases_name = " ".join(f"WHEN {i} THEN %s" for i in range(len(names)))
    sql = (
        f'INSERT INTO appeals_appeal (number, year, sequence, last_name, surname_key, {", ".join(columns)}) '
        f"SELECT 'ОГ-{year}-' || lpad(g::text, 6, '0'), {year}, g, "
        f"CASE g %% {len(names)} {cases_name} END, CASE g %% {len(names)} {cases_name} END, "
        f'{", ".join(columns)} FROM appeals_appeal, generate_series(1, %s) AS g WHERE id = %s RETURNING id'
    )
    params = [n for n, _k in names] + [k for _n, k in names] + [count, template.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    rng.shuffle(ids)
    return ids


def start_worker(env: dict[str, str], log_dir: Path, name: str) -> common.Proc:
    argv = [str(common.VENV_BIN / "celery"), "-A", "appeals_portal", "worker", "--pool", "solo",
            "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--hostname", f"{name}-{os.getpid()}@%h"]
    return common.Proc(name, argv, env, log_dir)


def wait_worker_ready(proc: common.Proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"worker died:\n{proc.tail()}")
        if "ready." in proc.log_path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"worker not ready:\n{proc.tail()}")


def run_batch(size: int, env: dict[str, str], log_dir: Path) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import transaction

    from postal import services
    from postal.models import Batch

    clerk = User.objects.get(username="bench-clerk")
    ids = list(services.waiting_letters().filter(pdf_path__startswith="letters/")
               .exclude(status="sent").values_list("pk", flat=True)[:size])
    worker = start_worker(env, log_dir, f"celery-{size}")
    try:
        wait_worker_ready(worker)
        time.sleep(1)
        baseline = psutil.Process(worker.pid).memory_info().rss
        sampler = Sampler(worker.pid, {os.getpid(), worker.pid})
        sampler.start()
        started = time.monotonic()
        with transaction.atomic():
            batch = services.build_batch(clerk, letter_ids=ids)
        while True:
            batch.refresh_from_db()
            if batch.status != Batch.Status.BUILDING:
                break
            if time.monotonic() - started > 1800 or not worker.alive():
                raise RuntimeError(f"batch {batch.pk} not built: {batch.status}\n{worker.tail()}")
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        noise = sampler.finish()
        if batch.status != Batch.Status.READY:
            raise RuntimeError(f"batch failed: {batch.error}")
        result = {"letters": size, "pages": batch.pages, "seconds": round(elapsed, 2),
                  "pages_per_second": round(batch.pages / elapsed, 1),
                  "worker_rss_before_mb": round(baseline / common.MB, 1),
                  "worker_peak_growth_mb": round(noise["peak_rss_mb"] - baseline / common.MB, 1), **noise}
        services.cancel_batch(batch, clerk)  # the letters back in the queue for the ceiling and the next size
        result["letter_ids"] = ids
        return result
    finally:
        worker.stop()


def run_ceiling(ids: list[int]) -> dict[str, Any]:
    from django.core.files.storage import storages
    from pypdf import PdfReader, PdfWriter

    from letters.models import PostalLetter
    from postal import documents, services

    letters = list(PostalLetter.objects.filter(pk__in=ids).select_related("appeal").order_by("pk"))
    sender = services.sender_party()
    sampler = Sampler(os.getpid(), {os.getpid()})
    sampler.start()
    started = time.monotonic()
    writer = PdfWriter()
    for letter in letters:
        with storages["attachments"].open(letter.pdf_path, "rb") as stored:
            writer.append(PdfReader(stored))
    envelopes = documents.render_envelopes(
        [(documents.Envelope.DL, services.addressee_party(letter)) for letter in letters], sender=sender)
    writer.append(PdfReader(io.BytesIO(envelopes)))
    with tempfile.TemporaryFile() as out:
        writer.write(out)
    elapsed = time.monotonic() - started
    noise = sampler.finish()
    pages = len(writer.pages)
    return {"letters": len(letters), "pages": pages, "seconds": round(elapsed, 2),
            "pages_per_second": round(pages / elapsed, 1), **noise}


def run_list(requests_count: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.test import Client

    from letters.models import PostalLetter

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench-clerk"))
    sample = list(PostalLetter.objects.order_by("?").values_list("appeal__number", flat=True)[:50])
    views = {
        "default (waiting, oldest first)": lambda n: {},
        "all states": lambda n: {"state": "all"},
        "all states, page 10": lambda n: {"state": "all", "p": "9"},
        "search appeal number": lambda n: {"state": "all", "q": sample[n % len(sample)]},
        "search surname": lambda n: {"state": "all", "q": ["Иванова", "Петров", "Смирнова"][n % 3]},
        "filter registered": lambda n: {"state": "all", "mail_class__exact": "registered"},
    }
    results: dict[str, Any] = {}
    sampler = Sampler(os.getpid(), {os.getpid()})
    sampler.start()
    for name, params in views.items():
        times = []
        for n in range(5 + requests_count):
            started = time.perf_counter()
            response = client.get("/admin/letters/postalletter/", params(n))
            took = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{name}: HTTP {response.status_code}")
            if n >= 5:
                times.append(took)
        results[name] = {**common.latency_summary(times), "p95_ms": round(1000 * common.percentile(times, 95), 1)}
    results["noise"] = sampler.finish()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--list-letters", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=59)
    parser.add_argument("--dbname", default=DBNAME, help="the database dropped and created (default %(default)s)")
    parser.add_argument("--broker-db", type=int, default=BROKER_DB, help="Redis db of the broker, emptied")
    parser.add_argument("--cache-db", type=int, default=CACHE_DB, help="Redis db of the cache, emptied")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    dbname = args.dbname
    broker, cache = f"redis://127.0.0.1:6379/{args.broker_db}", f"redis://127.0.0.1:6379/{args.cache_db}"

    var_dir = Path(tempfile.mkdtemp(prefix="appeals-bench-postal-"))
    log_dir = var_dir / "logs"
    log_dir.mkdir()
    env = common.portal_env(dbname=dbname, var_dir=var_dir, port=8000, broker=False,
                            CELERY_BROKER_URL=broker, CACHE_URL=cache)
    common.pg_recreate(dbname)
    common.redis_flush(args.broker_db, args.cache_db)
    common.manage(env, "migrate", "--noinput", timeout=600)
    setup_django(env)
    report: dict[str, Any] = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                              "machine": common.machine_info(), "code": common.code_version(), "args": vars(args)}
    report["data"] = make_data(max(sizes), args.list_letters, args.seed)
    print("data", report["data"], flush=True)
    report["batches"] = []
    report["ceiling"] = []
    for size in sizes:
        batch = run_batch(size, env, log_dir)
        ids = batch.pop("letter_ids")
        report["batches"].append(batch)
        print("batch", batch, flush=True)
        ceiling = run_ceiling(ids)
        ceiling["ratio_batch_to_ceiling"] = round(batch["pages_per_second"] / ceiling["pages_per_second"], 2)
        report["ceiling"].append(ceiling)
        print("ceiling", ceiling, flush=True)
    report["list"] = run_list(args.requests)
    print("list", json.dumps(report["list"], ensure_ascii=False, indent=1), flush=True)
    out = Path(__file__).parent / "results" / f"postal-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print("written", out)


if __name__ == "__main__":
    main()
