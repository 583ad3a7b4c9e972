"""What both benchmarks share: the database, the processes of the stack, test PDFs, statistics.

Only loopback addresses are used. Every process started here gets its own
process group (start_new_session), so that stop() ends exactly the processes
the benchmark started (gunicorn's or Celery's children included) and nothing else.
"""

from __future__ import annotations

import io
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import psutil
import psycopg2
import requests
from PIL import Image

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
RESULTS_DIR = BENCH_DIR / "results"

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
# BENCH_BROKER_URL / BENCH_CACHE_URL: other Redis databases, when several people share the machine.
BROKER_URL = os.environ.get("BENCH_BROKER_URL", f"redis://{REDIS_HOST}:{REDIS_PORT}/5")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", f"redis://{REDIS_HOST}:{REDIS_PORT}/6")

MB = 1024 * 1024


# --- PostgreSQL ---------------------------------------------------------------
def pg_connect(dbname: str):
    conn = psycopg2.connect(dbname=dbname, connect_timeout=5, **PG)
    conn.autocommit = True
    return conn


def pg_recreate(dbname: str) -> None:
    """Drop the benchmark's database (closing its connections) and create it empty."""
    if not dbname.startswith("appeals_bench"):
        raise ValueError(f"refusing to drop {dbname!r}: not a benchmark database")
    conn = pg_connect("postgres")
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{dbname}"')
    finally:
        conn.close()


def pg_query(dbname: str, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    conn = pg_connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def redis_flush(*dbs: int) -> None:
    """Empty the benchmark's own Redis databases (broker 5, cache 6)."""
    import redis

    for db in dbs:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=5).flushdb()


# --- the portal's environment and processes ----------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_env(*, dbname: str, var_dir: Path, port: int, broker: bool = True, **extra: str) -> dict[str, str]:
    """A clean environment: nothing from the caller's shell changes the portal's configuration."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ") if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=str(ROOT),
        PORTAL_ENV="production",
        SECRET_KEY="bench",
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",
        PORTAL_VAR_DIR=str(var_dir),
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{dbname}",
        CACHE_URL=CACHE_URL,
        PYTHONUNBUFFERED="1",
    )
    if broker:
        env["CELERY_BROKER_URL"] = BROKER_URL
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> None:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, timeout=timeout, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


class Proc:
    """A process of the stack in its own process group, with its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.pid = self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tree(self) -> list[psutil.Process]:
        try:
            parent = psutil.Process(self.pid)
            return [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.tree():
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the process group, SIGKILL to what is left after the timeout."""
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # Children may outlive the leader (e.g. a worker busy past its grace time).
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self._log.close()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_gunicorn(env: dict[str, str], port: int, workers: int, log_dir: Path, extra: Iterable[str] = (),
                   app: str = "appeals_portal.wsgi") -> Proc:
    # As in the Dockerfile (timeout 60, access log on), bound to loopback.
    argv = [
        str(VENV_BIN / "gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
        "--access-logfile",
        "-",
        # gunicorn 27 opens a control socket in ~/.gunicorn by default, shared by
        # every gunicorn of the user: other instances on this machine must not clash.
        "--no-control-socket",
        *extra,
    ]
    return Proc("gunicorn", argv, env, log_dir)


def start_celery(env: dict[str, str], concurrency: int, log_dir: Path) -> Proc:
    argv = [
        str(VENV_BIN / "celery"),
        "-A",
        "appeals_portal",
        "worker",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        f"bench-{os.getpid()}@%h",
    ]
    return Proc("celery", argv, env, log_dir)


def wait_http(url: str, procs: Sequence[Proc], timeout: float = 60) -> None:
    """Wait until the URL answers 200; fail early if a process of the stack died."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")
        try:
            response = requests.get(url, timeout=5)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:300]}"
        except requests.RequestException as exc:
            last = repr(exc)
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s (last: {last})")


def gunicorn_workers(master: Proc) -> list[psutil.Process]:
    try:
        return psutil.Process(master.pid).children(recursive=False)
    except psutil.NoSuchProcess:
        return []


# --- test files ---------------------------------------------------------------
def make_scan_pdf(target_bytes: int, seed: int = 59) -> bytes:
    """A valid PDF the way a scanner makes it: pages with one JPEG image each.

    The image is noise, so JPEG cannot compress it and the size is predictable;
    pages of at most ~1 MB each, like scanned sheets. Built with Pillow and
    checked with pypdf.
    """
    rng = random.Random(seed)
    pages_needed = max(1, -(-target_bytes // MB))
    page_target = target_bytes // pages_needed
    images: list[Image.Image] = []
    side = 600
    for _ in range(8):  # converge on the side that gives ~page_target per page
        img = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        buf = io.BytesIO()
        img.save(buf, "PDF", quality=90, resolution=150)
        size = len(buf.getvalue())
        if abs(size - page_target) < page_target * 0.01:
            break
        side = max(16, int(side * (page_target / size) ** 0.5))
    for _ in range(pages_needed):
        images.append(Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3)))
    buf = io.BytesIO()
    images[0].save(buf, "PDF", quality=90, resolution=150, save_all=True, append_images=images[1:])
    data = buf.getvalue()
    _assert_valid_pdf(data, pages_needed)
    return data


def make_metadata_pdf(padding: int) -> bytes:
    """tests/factories.make_pdf: a blank page and a huge /Padding string in the document info."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Padding": "x" * padding})
    buf = io.BytesIO()
    writer.write(buf)
    data = buf.getvalue()
    _assert_valid_pdf(data, 1)
    return data


def _assert_valid_pdf(data: bytes, pages: int) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if len(reader.pages) != pages or b"%%EOF" not in data[-1024:]:
        raise RuntimeError("the generated PDF is not what the benchmark expects")


# --- statistics -----------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of the values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def latency_summary(values: Sequence[float]) -> dict[str, Any]:
    """Count and p50/p90/p99/max in milliseconds."""
    if not values:
        return {"n": 0}

    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 1)

    return {
        "n": len(values),
        "p50_ms": ms(percentile(values, 50)),
        "p90_ms": ms(percentile(values, 90)),
        "p99_ms": ms(percentile(values, 99)),
        "max_ms": ms(max(values)),
    }


def machine_info() -> dict[str, Any]:
    vm = psutil.virtual_memory()
    return {
        "cpus": psutil.cpu_count(),
        "memory_gb": round(vm.total / 1024**3, 1),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def code_version() -> dict[str, Any]:
    """The commit under test and whether the working tree differs from it (read-only git commands)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.TimeoutExpired):
            return ""

    # Porcelain lines are "XY path": the status columns may begin with a space, so nothing is stripped.
    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line]
    return {"commit": git("rev-parse", "HEAD").strip(),
            "changed_files": [f for f in changed if not f.startswith("bench/")]}


def postgres_cpu(dbname: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving `dbname` (the process title names the database)."""
    found: dict[int, float] = {}
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            if cmdline.startswith("postgres: ") and f" {dbname} " in cmdline:
                times = proc.cpu_times()
                found[proc.pid] = times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


def system_cpu_busy() -> float:
    """Seconds of CPU spent (all cores, all processes) since boot, idle and iowait excluded."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def force_login_verified(client: Any, user: Any) -> None:
    """django.test.Client.force_login, with the session confirmed by a second factor where the user needs one.

    The heads and the administrators reach no admin page without a second
    factor (accounts.middleware). As the tests' clients do, the user gets a
    confirmed TOTP device (tests.roles.second_factor, kept in the bench
    database) and the session is marked verified with it.
    """
    from django_otp import DEVICE_ID_SESSION_KEY

    from tests.roles import second_factor

    client.force_login(user)
    device = second_factor(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
