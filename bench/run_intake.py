#!/usr/bin/env python
"""Intake benchmark: complete submissions against the production stack on this machine.

    .venv/bin/python bench/run_intake.py            # about 6 minutes
    .venv/bin/python bench/run_intake.py --help

Steps (bench/README.md explains the targets):
 1. a fresh PostgreSQL database appeals_bench, migrated; Redis databases 5 (broker) and 6 (cache) emptied;
 2. gunicorn (bench.settings, sync workers) and a Celery worker (concurrency 2) that writes letters to files;
 3. one smoke submission: the captcha answer "PASSED" is accepted, the letter is written;
 4. closed loop on the bare view (/bench/bare/): saturation rate, the ceiling;
 5. closed loop of complete submissions (form with a PDF, code from the letter, confirmation, receipt);
 6. open loop of submissions at 80 % of their saturation rate: p50/p99;
 7. open loop at 2x the saturation rate; drain the mail queue, then every receipt the client saw
    must be an Appeal row with that citizen's e-mail, numbers without duplicates or gaps;
 8. stop everything, print a summary, write bench/results/intake-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from bench import common
from bench.loadgen import STEPS, Citizen, CodeReader, Record, run_clients

DBNAME = "appeals_bench"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="appeals-bench-"))
        self.var_dir = self.tmp / "var"
        self.logs = self.tmp / "logs"
        self.var_dir.mkdir()
        self.logs.mkdir()
        self.port = args.port or common.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.procs: list[common.Proc] = []
        self.gunicorn: common.Proc | None = None
        self.celery: common.Proc | None = None
        self.run_id = time.strftime("%H%M%S")
        self.receipts: list[Record] = []  # every submission record of every phase
        self.pdf = b""
        self.topic = ""

    # --- the stack ------------------------------------------------------------------
    def start(self) -> None:
        a = self.args
        env = common.portal_env(dbname=DBNAME, var_dir=self.var_dir, port=self.port)
        log(f"database {DBNAME}: drop, create, migrate; Redis db 5 and 6 emptied; temp dir {self.tmp}")
        common.pg_recreate(DBNAME)
        common.redis_flush(5, 6)
        common.manage(env, "migrate", "--noinput")
        common.manage(env, "collectstatic", "--noinput")
        log(f"gunicorn: {a.workers} sync workers on {self.base}; celery worker: concurrency {a.celery_concurrency}")
        self.gunicorn = common.start_gunicorn(env, self.port, a.workers, self.logs)
        self.procs.append(self.gunicorn)
        self.celery = common.start_celery(env, a.celery_concurrency, self.logs)
        self.procs.append(self.celery)
        common.wait_http(self.base + "/health/", self.procs)
        page = requests.get(self.base + "/", timeout=10).text
        select = re.search(r'<select name="topic".*?</select>', page, re.DOTALL)
        options = re.findall(r'<option value="(\d+)"', select.group(0)) if select else []
        if not options:
            raise RuntimeError("the form offers no topic: did the classifiers' migrations run?")
        self.topic = options[0]

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()

    def check_alive(self) -> None:
        for proc in self.procs:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} died ({proc.popen.returncode}):\n{proc.tail()}")

    # --- phases ---------------------------------------------------------------------
    def smoke(self) -> dict[str, Any]:
        """One submission through the whole flow, and its two letters written by Celery."""
        codes = CodeReader(self.var_dir / "mail")
        try:
            rec = Citizen(self.base, self.pdf, "scan.pdf", codes, self.topic).submit(
                f"bench-{self.run_id}-smoke@bench.ru", time.time()
            )
        finally:
            codes.close()
        if not rec.ok:
            raise RuntimeError(f"smoke submission failed: {rec.error}\n{self.gunicorn.tail()}")
        self.receipts.append(rec)
        mail_dir = self.var_dir / "mail"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            files = list(mail_dir.glob("*.log")) if mail_dir.exists() else []
            if len(files) >= 2:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"Celery did not write the two letters within 30 s:\n{self.celery.tail()}")
        letter = "\n".join(f.read_text(errors="replace") for f in files)
        log(f"smoke: receipt {rec.number}, captcha 'PASSED' accepted, {len(files)} letter files written")
        return {"number": rec.number, "letter_files": len(files), "code_in_letter": "код:" in letter}

    def _specs(self, kind: str, *, mode: str, duration: float, concurrency: int = 0, rate: float = 0.0,
               phase: str) -> list[dict[str, Any]]:
        a = self.args
        nprocs = max(1, min(a.client_procs, concurrency)) if mode == "closed" else a.client_procs
        start_at = time.time() + 1.5  # all processes forked and ready before the start
        specs = []
        for i in range(nprocs):
            spec = {
                "kind": kind,
                "mode": mode,
                "base": self.base,
                "duration": duration,
                "start_at": start_at,
                "grace": a.grace,
            }
            if mode == "closed":
                spec["threads"] = concurrency // nprocs + (1 if i < concurrency % nprocs else 0)
            else:
                spec["rate"] = rate / nprocs
                spec["offset"] = i / rate  # interleave the processes' arrivals
                spec["max_inflight"] = a.max_inflight // nprocs
            if kind == "submit":
                spec.update(
                    mail_dir=str(self.var_dir / "mail"), pdf=self.pdf, pdf_name="scan.pdf", topic=self.topic,
                    email_prefix=f"bench-{self.run_id}-{phase}-{i}", db_pool=a.db_pool,
                )
            specs.append(spec)
        return specs

    def _run(self, specs: list[dict[str, Any]], duration: float) -> tuple[dict[str, Any], dict[str, float]]:
        g0, c0, s0, t0 = self.gunicorn.cpu_seconds(), self.celery.cpu_seconds(), common.system_cpu_busy(), time.time()
        pg0 = common.postgres_cpu(DBNAME)
        result = run_clients(specs, timeout=duration + self.args.grace + 60)
        elapsed = time.time() - t0
        pg1 = common.postgres_cpu(DBNAME)
        cpu = {
            "elapsed_s": round(elapsed, 1),
            "gunicorn_cpu_s": round(self.gunicorn.cpu_seconds() - g0, 1),
            "celery_cpu_s": round(self.celery.cpu_seconds() - c0, 1),
            "client_cpu_s": round(result["client_cpu_seconds"], 1),
            # Backends that ended during the run are missed: a lower bound.
            "postgres_cpu_s": round(sum(v - pg0.get(pid, 0.0) for pid, v in pg1.items()), 1),
            "system_busy_cpu_s": round(common.system_cpu_busy() - s0, 1),
        }
        ours = sum(cpu[k] for k in ("gunicorn_cpu_s", "celery_cpu_s", "client_cpu_s", "postgres_cpu_s"))
        # CPU of everything else on the machine (other helpers' tests, Redis, the kernel...).
        cpu["other_cpu_s"] = round(cpu["system_busy_cpu_s"] - ours, 1)
        # How many of the machine's cores the rest of the machine took on average: the noise.
        cpu["noise_cores"] = round(max(cpu["other_cpu_s"], 0.0) / max(elapsed, 1e-9), 2)
        self.check_alive()
        return result, cpu

    def closed(self, kind: str, concurrency: int, duration: float, phase: str) -> dict[str, Any]:
        specs = self._specs(kind, mode="closed", duration=duration, concurrency=concurrency, phase=phase)
        result, cpu = self._run(specs, duration)
        start_at = specs[0]["start_at"]
        warmup = min(self.args.warmup, duration / 4)
        window = (start_at + warmup, start_at + duration)
        summary = summarize(result, kind=kind, mode="closed", window=window)
        summary.update(concurrency=concurrency, duration_s=duration, warmup_s=warmup, cpu=cpu)
        add_cpu_per_op(summary)
        if kind == "submit":
            self.receipts.extend(r for r in result["records"])
        return summary

    def open(self, rate: float, duration: float, phase: str) -> dict[str, Any]:
        specs = self._specs("submit", mode="open", duration=duration, rate=rate, phase=phase)
        result, cpu = self._run(specs, duration)
        summary = summarize(result, kind="submit", mode="open", window=(specs[0]["start_at"], None))
        summary.update(rate_per_s=round(rate, 2), duration_s=duration, cpu=cpu)
        add_cpu_per_op(summary)
        self.receipts.extend(result["records"])
        return summary

    def saturation(self, kind: str, levels: list[int], probe_s: float, final_s: float) -> dict[str, Any]:
        probes = []
        best = None
        for level in levels:
            probe = self.closed(kind, level, probe_s, phase=f"p{level}")
            probes.append(probe)
            log(f"  {kind} probe: {level:3d} clients -> {probe['throughput_per_s']:8.1f}/s "
                f"p50 {probe['latency']['p50_ms']} ms p99 {probe['latency']['p99_ms']} ms errors {probe['errors']} "
                f"noise {probe['cpu']['noise_cores']} cores")
            if best is None or probe["throughput_per_s"] > best["throughput_per_s"]:
                best = probe
            elif levels.index(level) - levels.index(best["concurrency"]) >= 2:
                break  # two levels past the best without gain: saturated
        final = self.closed(kind, best["concurrency"], final_s, phase=f"s{best['concurrency']}")
        log(f"  {kind} at {best['concurrency']} clients for {final_s:.0f} s -> {final['throughput_per_s']:.1f}/s "
            f"p50 {final['latency']['p50_ms']} ms p99 {final['latency']['p99_ms']} ms errors {final['errors']} "
            f"noise {final['cpu']['noise_cores']} cores")
        return {"probes": probes, "final": final, "saturation_per_s": final["throughput_per_s"]}

    def drain(self, timeout: float) -> dict[str, Any]:
        """Wait until every letter in the outbox is sent (or failed for good), bounded in time."""
        t0 = time.monotonic()
        while True:
            rows = common.pg_query(
                DBNAME, "SELECT count(*) FROM outbox_outgoingmessage WHERE status IN ('pending', 'sending')"
            )
            left = rows[0][0]
            if left == 0 or time.monotonic() - t0 > timeout:
                return {"seconds": round(time.monotonic() - t0, 1), "messages_left": left}
            self.check_alive()
            time.sleep(0.5)

    # --- the database check ------------------------------------------------------------
    def verify(self, overload_emails: set[str]) -> dict[str, Any]:
        rows = common.pg_query(DBNAME, "SELECT number, year, sequence, identified_as FROM appeals_appeal")
        by_number = {number: email for number, _, _, email in rows}
        seen: dict[str, str] = {}
        lost, wrong_person, duplicate = [], [], []
        confirmed = [r for r in self.receipts if r.ok]
        for rec in confirmed:
            if rec.number not in by_number:
                lost.append(rec.number)
            elif by_number[rec.number] != rec.email:
                wrong_person.append(rec.number)
            if rec.number in seen and seen[rec.number] != rec.email:
                duplicate.append(rec.number)
            seen[rec.number] = rec.email
        gaps = {}
        for year in {y for _, y, _, _ in rows}:
            seqs = sorted(s for _, y, s, _ in rows if y == year)
            expected = list(range(1, len(seqs) + 1))
            if seqs != expected:
                gaps[str(year)] = {"count": len(seqs), "max": seqs[-1] if seqs else 0,
                                   "duplicates": len(seqs) - len(set(seqs))}
        receipt_numbers = {r.number for r in confirmed}
        without_receipt = [n for n in by_number if n not in receipt_numbers]
        # Appeals whose citizen did not see the receipt: the confirmation was sent, the answer timed out.
        sent_unknown = {r.email for r in self.receipts if not r.ok and r.confirm_sent}
        explained = sum(1 for n in without_receipt if by_number[n] in sent_unknown)
        overload_confirmed = [r for r in confirmed if r.email in overload_emails]
        overload_rows = sum(1 for email in by_number.values() if email in overload_emails)
        mail = common.pg_query(
            DBNAME, "SELECT kind, status, count(*) FROM outbox_outgoingmessage GROUP BY kind, status ORDER BY 1, 2"
        )
        lag = common.pg_query(
            DBNAME,
            "SELECT EXTRACT(EPOCH FROM sent_at - created_at) FROM outbox_outgoingmessage WHERE sent_at IS NOT NULL",
        )
        # The file backend appends every message of one connection (and of
        # connections opened in the same second) to one file: count the messages.
        mail_dir = self.var_dir / "mail"
        files = list(mail_dir.glob("*.log")) if mail_dir.exists() else []
        letters = sum(f.read_bytes().count(b"\nMessage-ID: <") for f in files)
        return {
            "appeal_rows": len(rows),
            "receipts_seen_by_clients": len(confirmed),
            "receipts_lost": len(lost),
            "lost_numbers": lost[:20],
            "receipts_with_wrong_email": len(wrong_person),
            "receipt_numbers_duplicated": len(duplicate),
            "numbers_distinct": len(set(by_number)) == len(rows),
            "sequence_gaps": gaps,
            "appeals_without_receipt_seen": len(without_receipt),
            "of_which_confirmation_sent_but_answer_lost": explained,
            "overload_receipts_seen": len(overload_confirmed),
            "overload_appeal_rows": overload_rows,
            "outbox": [{"kind": k, "status": s, "count": c} for k, s, c in mail],
            "letter_files": len(files),
            "letters_in_files": letters,
            "letter_lag": common.latency_summary([float(x) for (x,) in lag]),
        }


def summarize(result: dict[str, Any], *, kind: str, mode: str, window: tuple[float, float | None]) -> dict[str, Any]:
    records: list[Record] = result["records"]
    w0, w1 = window
    errors: dict[str, int] = {}
    for r in records:
        if not r.ok:
            reason = re.sub(r"\d{3,}", "N", r.error)[:80]
            errors[reason] = errors.get(reason, 0) + 1
    if mode == "closed":
        done = [r for r in records if r.ok and w0 <= r.end <= w1]
        throughput = len(done) / (w1 - w0)
        latency = [r.end - r.start for r in done]
    else:
        done = [r for r in records if r.ok]
        last = max((r.end for r in records), default=w0)
        throughput = len(done) / max(last - w0, 1e-9)
        latency = [r.end - r.planned for r in done]  # from the planned arrival: client queueing included
    summary: dict[str, Any] = {
        "operations": len(records),
        "completed": sum(r.ok for r in records),
        "failed": sum(not r.ok for r in records),
        "unfinished_at_deadline": result["unfinished"],
        "client_processes_lost": result["missing_processes"],
        "errors": errors,
        "throughput_per_s": round(throughput, 2),
        "latency": common.latency_summary(latency),
    }
    if kind == "submit":
        steps = {}
        for step in STEPS:
            values = [r.steps[step] for r in done if step in r.steps]
            steps[step] = common.latency_summary(values)
        summary["steps"] = steps
        http = [s for s in STEPS if s != "code"]
        summary["http_p99_max_ms"] = max((steps[s].get("p99_ms") or 0) for s in http)
        summary["http_requests_per_s"] = round(throughput * len(http), 1)
    return summary


def add_cpu_per_op(summary: dict[str, Any]) -> None:
    cpu, done = summary["cpu"], summary["completed"]
    if done:
        cpu["gunicorn_cpu_ms_per_op"] = round(cpu["gunicorn_cpu_s"] * 1000 / done, 2)
        cpu["celery_cpu_ms_per_op"] = round(cpu["celery_cpu_s"] * 1000 / done, 2)
        cpu["client_cpu_ms_per_op"] = round(cpu["client_cpu_s"] * 1000 / done, 2)
        cpu["postgres_cpu_ms_per_op"] = round(cpu["postgres_cpu_s"] * 1000 / done, 2)


def levels(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args() -> argparse.Namespace:
    cores = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn sync workers (2*cores+1)")
    p.add_argument("--celery-concurrency", type=int, default=2)
    p.add_argument("--port", type=int, default=0, help="default: a free port on 127.0.0.1")
    p.add_argument("--client-procs", type=int, default=2, help="load generator processes")
    p.add_argument("--bare-levels", type=levels, default=levels("1,2,4,8,16,32"))
    p.add_argument("--submit-levels", type=levels, default=levels("1,2,4,8,12,16"))
    p.add_argument("--probe", type=float, default=8.0, help="seconds of each saturation probe")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of the saturation runs")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds left out at the start of a closed loop")
    p.add_argument("--open-duration", type=float, default=30.0, help="seconds of each open loop below saturation")
    p.add_argument("--open-fractions", type=lambda t: [float(x) for x in t.split(",") if x.strip()], default=[0.8],
                   help="open loops at these fractions of the saturation rate (0.8 is the target's)")
    p.add_argument("--overload-duration", type=float, default=20.0, help="seconds of the 2x open loop")
    p.add_argument("--max-inflight", type=int, default=1000, help="client bound on submissions in flight")
    p.add_argument("--grace", type=float, default=200.0, help="seconds to wait for operations in flight")
    p.add_argument("--db-pool", type=int, default=4, help="DB connections per client process (reading codes)")
    p.add_argument("--pdf", choices=["scan", "metadata"], default="scan",
                   help="scan: 1 MB of JPEG page; metadata: tests/factories.make_pdf padding (slow to parse)")
    p.add_argument("--pdf-mb", type=float, default=1.0)
    p.add_argument("--skip-bare", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (logs, letters, files)")
    p.add_argument("--out", type=Path, default=None, help="JSON output (default bench/results/intake-<date>.json)")
    return p.parse_args()


def main() -> int:
    args = parse_args()
    bench = Bench(args)

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = dt.datetime.now()
    out: dict[str, Any] = {
        "benchmark": "intake",
        "started": started.isoformat(timespec="seconds"),
        "machine": common.machine_info(),
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "code": common.code_version(),
    }
    ok = False
    try:
        size = int(args.pdf_mb * common.MB)
        bench.pdf = common.make_scan_pdf(size) if args.pdf == "scan" else common.make_metadata_pdf(size)
        out["pdf_bytes"] = len(bench.pdf)
        bench.start()
        out["smoke"] = bench.smoke()

        if not args.skip_bare:
            log("bare view: closed loop, saturation")
            out["bare"] = bench.saturation("bare", args.bare_levels, args.probe, args.duration)
        log("complete submissions: closed loop, saturation")
        out["submit"] = bench.saturation("submit", args.submit_levels, args.probe, args.duration)
        sat = out["submit"]["saturation_per_s"]
        if sat <= 0:
            raise RuntimeError("no submission completed in the saturation run")

        for fraction in args.open_fractions:
            pct = round(fraction * 100)
            log(f"open loop at {pct} % of {sat:.2f}/s = {fraction * sat:.2f}/s for {args.open_duration:.0f} s")
            o = out[f"open_{pct}"] = bench.open(fraction * sat, args.open_duration, phase=f"o{pct}")
            log(f"  -> {o['throughput_per_s']}/s, submission p50 {o['latency']['p50_ms']} ms "
                f"p99 {o['latency']['p99_ms']} ms, worst request p99 {o['http_p99_max_ms']} ms, errors {o['errors']}, "
                f"noise {o['cpu']['noise_cores']} cores")

        log(f"open loop at 2x = {2 * sat:.2f}/s for {args.overload_duration:.0f} s")
        before = len(bench.receipts)
        out["open_200"] = bench.open(2 * sat, args.overload_duration, phase="o200")
        overload_emails = {r.email for r in bench.receipts[before:]}
        o = out["open_200"]
        log(f"  -> {o['throughput_per_s']}/s completed, {o['failed']} refused/failed {o['errors']}")
        out["drain"] = bench.drain(timeout=300)
        log(f"mail queue drained in {out['drain']['seconds']} s, {out['drain']['messages_left']} left")
        out["verify"] = bench.verify(overload_emails)
        ok = True
    except KeyboardInterrupt as exc:
        out["error"] = f"interrupted: {exc}"
    except Exception as exc:
        out["error"] = repr(exc)
        log(f"ERROR: {exc!r}")
    finally:
        log("stopping gunicorn and celery")
        if bench.gunicorn is not None:
            out["gunicorn_log_tail"] = bench.gunicorn.tail(15) if not ok else ""
        if bench.celery is not None:
            out["celery_log_tail"] = bench.celery.tail(15) if not ok else ""
        bench.stop()
        out["finished"] = dt.datetime.now().isoformat(timespec="seconds")
        out["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        if "bare" in out and "submit" in out:
            out["targets"] = targets(out)
        common.RESULTS_DIR.mkdir(exist_ok=True)
        path = args.out or common.RESULTS_DIR / f"intake-{started:%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
        print_summary(out, path)
        if args.keep or not ok:
            log(f"temp dir kept: {bench.tmp}")
        else:
            shutil.rmtree(bench.tmp, ignore_errors=True)
    return 0 if ok else 1


def targets(out: dict[str, Any]) -> dict[str, Any]:
    bare = out["bare"]["saturation_per_s"]
    sub = out["submit"]["saturation_per_s"]
    t: dict[str, Any] = {
        "submission_to_bare_ratio": round(sub / bare, 4) if bare else None,
        "submission_rate_at_least_25pct_of_bare": bool(bare) and sub >= 0.25 * bare,
        "http_requests_of_submissions_to_bare_ratio": (
            round(out["submit"]["final"]["http_requests_per_s"] / bare, 4) if bare else None
        ),
    }
    if "open_80" in out:
        o = out["open_80"]
        t["p99_worst_request_at_80pct_ms"] = o["http_p99_max_ms"]
        t["p99_whole_submission_at_80pct_ms"] = o["latency"].get("p99_ms")
        t["p99_under_300ms_at_80pct_per_request"] = o["http_p99_max_ms"] < 300
        t["p99_under_300ms_at_80pct_whole_submission"] = (o["latency"].get("p99_ms") or 1e9) < 300
    if "verify" in out:
        v = out["verify"]
        t["no_confirmed_submission_lost"] = (
            v["receipts_lost"] == 0 and v["receipts_with_wrong_email"] == 0 and v["receipt_numbers_duplicated"] == 0
            and v["numbers_distinct"] and not v["sequence_gaps"]
        )
    return t


def print_summary(out: dict[str, Any], path: Path) -> None:
    print("\n==== intake benchmark summary ====")
    if "error" in out:
        print(f"ERROR: {out['error']}")
    if "bare" in out:
        f = out["bare"]["final"]
        print(f"bare view:        {f['throughput_per_s']:8.1f} req/s at {f['concurrency']} clients, "
              f"p50 {f['latency']['p50_ms']} ms, p99 {f['latency']['p99_ms']} ms, "
              f"gunicorn {f['cpu'].get('gunicorn_cpu_ms_per_op')} CPU-ms/req")
    if "submit" in out:
        f = out["submit"]["final"]
        print(f"submissions:      {f['throughput_per_s']:8.2f} /s at {f['concurrency']} clients "
              f"({f['http_requests_per_s']} HTTP req/s), p50 {f['latency']['p50_ms']} ms, "
              f"p99 {f['latency']['p99_ms']} ms, gunicorn {f['cpu'].get('gunicorn_cpu_ms_per_op')} CPU-ms/submission")
        for step, s in f["steps"].items():
            print(f"   {step:13s} p50 {s.get('p50_ms')} ms  p99 {s.get('p99_ms')} ms")
    opens = sorted((k for k in out if k.startswith("open_") and k != "open_200"), key=lambda k: int(k[5:]))
    for key, label in [*((k, f"open loop {k[5:]} %") for k in opens), ("open_200", "open loop 2x")]:
        if key in out:
            o = out[key]
            print(f"{label:17s} {o['rate_per_s']:.2f}/s offered -> {o['throughput_per_s']:.2f}/s completed, "
                  f"{o['completed']}/{o['operations']} ok, p50 {o['latency'].get('p50_ms')} ms, "
                  f"p99 {o['latency'].get('p99_ms')} ms, worst request p99 {o['http_p99_max_ms']} ms; "
                  f"errors {o['errors']}; noise {o['cpu']['noise_cores']} cores")
    if "verify" in out:
        v = out["verify"]
        print(f"database:         {v['appeal_rows']} appeals, {v['receipts_seen_by_clients']} receipts seen, "
              f"{v['receipts_lost']} lost, gaps {v['sequence_gaps'] or 'none'}, "
              f"{v['appeals_without_receipt_seen']} appeals whose receipt the client did not see; "
              f"overload: {v['overload_receipts_seen']} receipts, {v['overload_appeal_rows']} rows")
        print(f"letters:          {v['outbox']}, {v['letters_in_files']} letters in {v['letter_files']} files, "
              f"lag p50 {v['letter_lag'].get('p50_ms')} ms p99 {v['letter_lag'].get('p99_ms')} ms")
    if "targets" in out:
        print(f"targets:          {json.dumps(out['targets'], ensure_ascii=False)}")
    print(f"results: {path}")


if __name__ == "__main__":
    sys.exit(main())
