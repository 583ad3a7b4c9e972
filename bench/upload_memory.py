#!/usr/bin/env python
"""Memory of a gunicorn worker while large uploads go through.

    .venv/bin/python bench/upload_memory.py          # about 1 minute
    .venv/bin/python bench/upload_memory.py --uploads 60

One sync worker (bench.settings, PostgreSQL database appeals_bench_mem, Redis
cache db 6; Celery runs eagerly in the worker, letters go to files). A thread
samples the worker's RSS every 20 ms and watches the upload temp dir
(TMPDIR of gunicorn), which shows whether a file is streamed to disk.

1. N form submissions, each with a ~9.5 MB PDF (10 scanned pages; the limit is
   10 MiB for all attachments): each must be accepted (302 to /confirm/).
   RSS before, after a warm-up of 3 uploads, max, and at the end; the growth
   after warm-up and its slope per upload.
2. 5 submissions with an 11 MB PDF: the body is under the 12 MiB request
   limit, the file is over the attachment limit, so it must be read from the
   socket and thrown away (the form comes back, 200) without growing memory.
3. A 30 MB body: refused with 413 before it is read, quickly, RSS unchanged.
Writes bench/results/upload-memory-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import select
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil
import requests

from bench import common
from bench.loadgen import _inputs

DBNAME = "appeals_bench_mem"
MiB = common.MB


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Sampler(threading.Thread):
    """RSS of one process and the bytes in the upload temp dir, every `interval` seconds."""

    def __init__(self, pid: int, tmp_dir: Path, interval: float = 0.02, limit_s: float = 1800) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.tmp_dir = tmp_dir
        self.interval = interval
        self.deadline = time.monotonic() + limit_s
        self.samples: list[tuple[float, int, int]] = []  # (time, rss, bytes of upload temp files)
        self.stop_event = threading.Event()

    def rss(self) -> int:
        return self.proc.memory_info().rss

    def run(self) -> None:
        while not self.stop_event.is_set() and time.monotonic() < self.deadline:
            try:
                rss = self.rss()
            except psutil.NoSuchProcess:
                return
            spooled = 0
            try:
                for entry in os.scandir(self.tmp_dir):
                    if ".upload" in entry.name:
                        try:
                            spooled += entry.stat().st_size
                        except FileNotFoundError:
                            pass
            except FileNotFoundError:
                pass
            self.samples.append((time.time(), rss, spooled))
            time.sleep(self.interval)

    def window(self, t0: float, t1: float) -> list[tuple[float, int, int]]:
        return [s for s in self.samples if t0 <= s[0] <= t1]


def mb(n: float | None) -> float | None:
    return None if n is None else round(n / MiB, 1)


def submit(base: str, pdf: bytes, name: str, email: str, topic: str) -> tuple[int, str, float]:
    t = time.perf_counter()
    with requests.Session() as s:
        r = s.get(base + "/", timeout=30)
        fields = _inputs(r.text)
        data = {
            "csrfmiddlewaretoken": fields["csrfmiddlewaretoken"],
            "last_name": "Иванова", "first_name": "Мария", "patronymic": "Петровна",
            "address": "г. Москва, ул. Остоженка, д. 1, кв. 2", "postal_index": "119034",
            "phone": "+7 916 123-45-67", "email": email, "reply_method": "email", "topic": topic,
            "kind": "primary", "text": "Прошу разъяснить порядок перевода на бюджетное место.",
            "consent": "on", "captcha_0": fields.get("captcha_0", "x"), "captcha_1": "PASSED", "website": "",
        }
        r = s.post(base + "/", data=data, files={"attachments": (name, pdf, "application/pdf")},
                   allow_redirects=False, timeout=60)
        return r.status_code, r.headers.get("Location", ""), time.perf_counter() - t


def oversized_body(port: int, total: int) -> dict[str, Any]:
    """Announce a `total`-byte multipart body, send its start, and time the answer."""
    boundary = "benchboundary59"
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {total}\r\nConnection: close\r\n\r\n"
    ).encode()
    part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"big.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n").encode()
    chunk = b"\0" * (256 * 1024)
    t0 = time.perf_counter()
    sent = 0
    response = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + part)
        sent += len(part)
        deadline = time.monotonic() + 20
        answered_at = None
        # Keep sending the body while watching for an answer, as a browser does.
        while time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock] if sent < total else [], [], 1.0)
            if readable:
                data = sock.recv(65536)
                if answered_at is None and data:
                    answered_at = time.perf_counter() - t0
                if not data:
                    break
                response += data
                continue
            if writable:
                try:
                    n = sock.send(chunk[: min(len(chunk), total - sent)])
                    sent += n
                except (BrokenPipeError, ConnectionResetError):
                    break
            elif sent >= total and not readable:
                break
        try:
            while len(response) < 65536:
                data = sock.recv(65536)
                if not data:
                    break
                response += data
        except (OSError, TimeoutError):
            pass
    status = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return {
        "announced_bytes": total,
        "body_bytes_sent_before_close": sent,
        "status": int(status.group(1)) if status else None,
        "answer_after_ms": None if answered_at is None else round(answered_at * 1000, 1),
        "connection_close": b"connection: close" in response.lower(),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--uploads", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--pdf-mb", type=float, default=9.5)
    p.add_argument("--experiment", action="store_true",
                   help="serve bench.wsgi_pdf_cache_cleared (a suggested fix applied at run time) "
                   "instead of the portal as is")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = dt.datetime.now()
    tmp = Path(tempfile.mkdtemp(prefix="appeals-bench-mem-"))
    var_dir, logs, upload_tmp = tmp / "var", tmp / "logs", tmp / "uploads"
    for d in (var_dir, logs, upload_tmp):
        d.mkdir()
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    # No broker: Celery runs eagerly inside the worker, so no other process shares the queue.
    env = common.portal_env(dbname=DBNAME, var_dir=var_dir, port=port, broker=False, TMPDIR=str(upload_tmp))
    out: dict[str, Any] = {
        "benchmark": "upload_memory",
        "started": started.isoformat(timespec="seconds"),
        "machine": common.machine_info(),
        "code": common.code_version(),
        "config": {"uploads": args.uploads, "warmup": args.warmup, "pdf_mb": args.pdf_mb,
                   "experiment_pdf_cache_cleared": args.experiment},
    }
    gunicorn = None
    sampler = None
    ok = False
    try:
        pdf = common.make_scan_pdf(int(args.pdf_mb * MiB))
        too_big = common.make_scan_pdf(int(11 * MiB), seed=7)
        out["pdf_bytes"], out["over_limit_pdf_bytes"] = len(pdf), len(too_big)
        log(f"PDFs: {len(pdf)} bytes (accepted), {len(too_big)} bytes (over the 10 MiB attachment limit)")
        common.pg_recreate(DBNAME)
        common.manage(env, "migrate", "--noinput")
        common.manage(env, "collectstatic", "--noinput")
        app = "bench.wsgi_pdf_cache_cleared" if args.experiment else "appeals_portal.wsgi"
        gunicorn = common.start_gunicorn(env, port, 1, logs, app=app)
        common.wait_http(base + "/health/", [gunicorn])
        page = requests.get(base + "/", timeout=10).text
        topic = re.search(r'<select name="topic".*?<option value="(\d+)"', page, re.DOTALL).group(1)
        workers = common.gunicorn_workers(gunicorn)
        if len(workers) != 1:
            raise RuntimeError(f"expected one gunicorn worker, found {len(workers)}")
        worker = workers[0]
        sampler = Sampler(worker.pid, upload_tmp)
        rss_boot = sampler.rss()
        sampler.start()

        # 1. accepted uploads
        after_each: list[int] = []
        times: list[float] = []
        spooled_max = 0
        t_start = time.time()
        for i in range(args.uploads):
            t0 = time.time()
            status, location, elapsed = submit(base, pdf, "scan.pdf", f"mem-{i}@bench.ru", topic)
            if status != 302 or location != "/confirm/":
                raise RuntimeError(f"upload {i} not accepted: HTTP {status} {location}\n{gunicorn.tail()}")
            time.sleep(0.1)  # let the sampler see the idle worker
            after_each.append(sampler.rss())
            times.append(elapsed)
            spooled_max = max([spooled_max] + [s[2] for s in sampler.window(t0, time.time())])
        t_end = time.time()
        during = sampler.window(t_start, t_end)
        warm = after_each[args.warmup - 1] if args.uploads >= args.warmup else rss_boot
        tail = after_each[args.warmup:]
        slope = None
        if len(tail) >= 2:
            xs = list(range(len(tail)))
            mx, my = sum(xs) / len(xs), sum(tail) / len(tail)
            slope = sum((x - mx) * (y - my) for x, y in zip(xs, tail, strict=True)) / sum((x - mx) ** 2 for x in xs)
        half = max(1, len(tail) // 2)
        floor_first = min(tail[:half]) if tail else None
        floor_second = min(tail[half:]) if len(tail) > half else floor_first
        out["accepted_uploads"] = {
            "count": args.uploads,
            "rss_boot_mb": mb(rss_boot),
            "rss_after_warmup_mb": mb(warm),
            "rss_max_mb": mb(max(s[1] for s in during)),
            "rss_end_mb": mb(after_each[-1]),
            "growth_after_warmup_mb": mb(after_each[-1] - warm),
            "max_minus_warmup_mb": mb(max(s[1] for s in during) - warm),
            "slope_kb_per_upload": None if slope is None else round(slope / 1024, 1),
            # Idle RSS (between requests) after warm-up: its highest point, and its floor in
            # the first and second half of the run (a leak raises the floor).
            "idle_max_after_warmup_mb": mb(max(tail)) if tail else None,
            "idle_floor_first_half_mb": mb(floor_first),
            "idle_floor_second_half_mb": mb(floor_second),
            "rss_after_each_mb": [mb(x) for x in after_each],
            "upload_temp_file_max_mb": mb(spooled_max),
            "seconds_per_upload_p50": round(sorted(times)[len(times) // 2], 3),
            "upload_mb_per_s": round(len(pdf) * len(times) / MiB / sum(times), 1),
            "samples": len(during),
        }
        a = out["accepted_uploads"]
        log(f"{args.uploads} uploads of {len(pdf) / MiB:.1f} MB: RSS boot {a['rss_boot_mb']} MB, after warm-up "
            f"{a['rss_after_warmup_mb']} MB, max {a['rss_max_mb']} MB, end {a['rss_end_mb']} MB, growth after "
            f"warm-up {a['growth_after_warmup_mb']} MB ({a['slope_kb_per_upload']} KB/upload); temp file up to "
            f"{a['upload_temp_file_max_mb']} MB; idle RSS after warm-up up to {a['idle_max_after_warmup_mb']} MB, "
            f"floor {a['idle_floor_first_half_mb']} -> {a['idle_floor_second_half_mb']} MB")

        # 2. a file over the attachment limit, body under the request limit
        before = sampler.rss()
        t0 = time.time()
        statuses = []
        for i in range(5):
            status, _, _ = submit(base, too_big, "big.pdf", f"mem-big-{i}@bench.ru", topic)
            statuses.append(status)
        time.sleep(0.1)
        w = sampler.window(t0, time.time())
        out["over_attachment_limit"] = {
            "pdf_bytes": len(too_big),
            "statuses": statuses,
            "form_returned_with_error": all(s == 200 for s in statuses),
            "rss_before_mb": mb(before),
            "rss_max_mb": mb(max(s[1] for s in w)),
            "rss_after_mb": mb(sampler.rss()),
            "upload_temp_file_max_mb": mb(max(s[2] for s in w)),
        }
        o = out["over_attachment_limit"]
        log(f"5 x {len(too_big) / MiB:.1f} MB over the attachment limit: HTTP {statuses}, RSS {o['rss_before_mb']}"
            f" -> max {o['rss_max_mb']} -> {o['rss_after_mb']} MB, temp file up to {o['upload_temp_file_max_mb']} MB")

        # 3. a 30 MB body: refused unread
        before = sampler.rss()
        t0 = time.time()
        results = [oversized_body(port, 30 * 1000 * 1000) for _ in range(3)]
        time.sleep(0.2)
        w = sampler.window(t0, time.time())
        out["oversized_body"] = {
            "attempts": results,
            "all_413": all(r["status"] == 413 for r in results),
            "rss_before_mb": mb(before),
            "rss_max_mb": mb(max(s[1] for s in w)),
            "rss_after_mb": mb(sampler.rss()),
        }
        o = out["oversized_body"]
        log(f"30 MB body: HTTP {[r['status'] for r in results]} after "
            f"{[r['answer_after_ms'] for r in results]} ms, body bytes sent before close "
            f"{[r['body_bytes_sent_before_close'] for r in results]}; RSS {o['rss_before_mb']} -> max "
            f"{o['rss_max_mb']} -> {o['rss_after_mb']} MB")
        requests.get(base + "/health/", timeout=10).raise_for_status()  # the worker still serves
        if worker.pid not in [w.pid for w in common.gunicorn_workers(gunicorn)]:
            raise RuntimeError("the gunicorn worker was replaced during the test")
        a = out["accepted_uploads"]
        out["targets"] = {
            "rss_growth_after_warmup_under_20mb_at_end": a["growth_after_warmup_mb"] < 20,
            "idle_rss_after_warmup_never_20mb_above_warm":
                a["idle_max_after_warmup_mb"] - a["rss_after_warmup_mb"] < 20,
            "idle_floor_no_upward_trend_under_5mb": a["idle_floor_second_half_mb"] - a["idle_floor_first_half_mb"] < 5,
            "uploads_stream_to_disk": (a["upload_temp_file_max_mb"] or 0) > 1,
            "peak_during_upload_under_20mb_above_warm": a["max_minus_warmup_mb"] < 20,
            "over_limit_file_dropped_without_growth": out["over_attachment_limit"]["form_returned_with_error"]
            and out["over_attachment_limit"]["rss_max_mb"] - out["over_attachment_limit"]["rss_before_mb"] < 20,
            "oversized_body_413_fast": out["oversized_body"]["all_413"]
            and max(r["answer_after_ms"] or 1e9 for r in results) < 1000,
            "oversized_body_rss_unchanged":
                out["oversized_body"]["rss_max_mb"] - out["oversized_body"]["rss_before_mb"] < 5,
        }
        ok = True
    except KeyboardInterrupt as exc:
        out["error"] = f"interrupted: {exc}"
    except Exception as exc:
        out["error"] = repr(exc)
        log(f"ERROR: {exc!r}")
    finally:
        if sampler is not None:
            sampler.stop_event.set()
            sampler.join(5)
        if gunicorn is not None:
            if not ok:
                out["gunicorn_log_tail"] = gunicorn.tail(20)
            gunicorn.stop()
        out["finished"] = dt.datetime.now().isoformat(timespec="seconds")
        common.RESULTS_DIR.mkdir(exist_ok=True)
        name = "upload-memory-experiment" if args.experiment else "upload-memory"
        path = args.out or common.RESULTS_DIR / f"{name}-{started:%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
        if "targets" in out:
            print(f"targets: {json.dumps(out['targets'])}")
        print(f"results: {path}")
        if args.keep or not ok:
            log(f"temp dir kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
