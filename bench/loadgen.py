"""The load generator: citizens that submit and confirm appeals, and a client of the bare view.

Runs in forked client processes (so the client is not limited to one core by
the GIL), each with threads; every thread or submission has its own
requests.Session. Two ways to drive the load:

- closed loop: N clients, each starts its next operation when the previous ends,
  for a fixed time; finds the saturation rate;
- open loop: operations start at a fixed arrival rate whatever the server does
  (latency counts from the planned start, so queueing in the client counts too),
  for a fixed time, with a bound on operations in flight.

Records are plain tuples sent back to the parent through a multiprocessing queue.
"""

from __future__ import annotations

import html
import multiprocessing as mp
import queue as queue_module
import re
import resource
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

import psycopg2
import requests

from bench.common import PG

_INPUT_RE = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTR_RE = re.compile(r'([a-zA-Z_:-]+)="([^"]*)"')
_NUMBER_RE = re.compile(r'id="appeal-number">([^<]+)<')
_CODE_RE = re.compile(r"код:\s*(\d{6})")
_ERRORS_RE = re.compile(r'class="[^"]*invalid-feedback[^"]*"[^>]*>(.*?)</', re.DOTALL)

# Steps of one submission, in order; each is one HTTP request except "code".
STEPS = ("get_form", "post_form", "get_confirm", "code", "post_confirm", "get_received")
HTTP_TIMEOUT = 30.0  # seconds per request
CODE_WAIT = 30.0  # the Celery worker writes the letter soon after the form is sent


def _inputs(page: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in _INPUT_RE.findall(page):
        attrs = dict(_ATTR_RE.findall(tag))
        if "name" in attrs and attrs["name"] not in found:
            found[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return found


class StepError(Exception):
    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


@dataclass
class Record:
    """One operation: a bare request, or one whole submission."""

    planned: float  # wall clock when it was due (open loop) or started (closed loop)
    start: float
    end: float
    ok: bool
    error: str = ""  # "step: reason"
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step
    email: str = ""
    number: str = ""
    confirm_sent: bool = False  # the confirmation POST went out (its result may be unknown)

    def as_tuple(self) -> tuple:
        return (
            self.planned, self.start, self.end, self.ok, self.error, self.steps,
            self.email, self.number, self.confirm_sent,
        )


class CodeReader:
    """Reads the code from the confirmation letter the Celery worker wrote (bench/mailbox.py)."""

    def __init__(self, mail_dir: str | Path) -> None:
        self.mail_dir = Path(mail_dir)

    def code_for(self, email: str, timeout: float = CODE_WAIT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            for path in sorted(self.mail_dir.glob(f"{email}--*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
                letter = message_from_bytes(path.read_bytes(), policy=email_policy.default)
                body = letter.get_body(preferencelist=("plain",))
                match = _CODE_RE.search(body.get_content() if body else "")
                if match:
                    return match.group(1)
            if time.monotonic() > deadline:
                raise StepError("code", "no letter")
            time.sleep(0.05)

    def close(self) -> None:
        return None


class OutboxCodeReader:
    """Reads the code from the outbox row, for runs with no worker (the letter stays unsent, so its text stays)."""

    def __init__(self, dbname: str) -> None:
        self.conn = psycopg2.connect(dbname=dbname, connect_timeout=5, **PG)
        self.conn.autocommit = True

    def code_for(self, email: str, timeout: float = CODE_WAIT) -> str:
        with self.conn.cursor() as cur:
            cur.execute(
                'SELECT body_text FROM outbox_outgoingmessage WHERE "to" = %s '
                "AND kind = 'appeals.confirmation' ORDER BY id DESC LIMIT 1",
                (email,),
            )
            row = cur.fetchone()
        match = _CODE_RE.search(row[0]) if row else None
        if not match:
            raise StepError("code", "no unsent letter in the outbox")
        return match.group(1)

    def close(self) -> None:
        self.conn.close()


class Citizen:
    """One complete submission, as a browser does it, each request timed on its own."""

    def __init__(self, base: str, pdf: bytes, pdf_name: str, codes: CodeReader, topic: str) -> None:
        self.base = base
        self.pdf = pdf
        self.pdf_name = pdf_name
        self.codes = codes
        self.topic = topic

    def _timed(self, rec: Record, step: str, call):
        t = time.perf_counter()
        try:
            return call()
        except requests.Timeout as exc:
            raise StepError(step, "timeout") from exc
        except requests.ConnectionError as exc:
            raise StepError(step, "connection error") from exc
        finally:
            rec.steps[step] = time.perf_counter() - t

    @staticmethod
    def _expect(step: str, response: requests.Response, status: int, location: str | None = None) -> None:
        if response.status_code != status:
            detail = ""
            if response.status_code == 200:
                errors = [" ".join(re.sub(r"<[^>]+>", "", e).split()) for e in _ERRORS_RE.findall(response.text)]
                detail = "; ".join(errors)[:200]
            raise StepError(step, f"HTTP {response.status_code} {detail}".strip())
        if location is not None and response.headers.get("Location") != location:
            raise StepError(step, f"redirect to {response.headers.get('Location')!r}")

    def submit(self, email: str, planned: float) -> Record:
        rec = Record(planned=planned, start=time.time(), end=0.0, ok=False, email=email)
        base = self.base
        try:
            with requests.Session() as s:
                r = self._timed(rec, "get_form", lambda: s.get(base + "/", timeout=HTTP_TIMEOUT))
                self._expect("get_form", r, 200)
                fields = _inputs(r.text)
                csrf = fields.get("csrfmiddlewaretoken")
                if not csrf:
                    raise StepError("get_form", "no CSRF token in the form")
                data = {
                    "csrfmiddlewaretoken": csrf,
                    "last_name": "Иванова",
                    "first_name": "Мария",
                    "patronymic": "Петровна",
                    "address": "г. Москва, ул. Остоженка, д. 1, кв. 2",
                    "postal_index": "119034",
                    "phone": "+7 916 123-45-67",
                    "email": email,
                    "reply_method": "email",
                    "topic": self.topic,
                    "kind": "primary",
                    "text": "Прошу разъяснить порядок перевода на бюджетное место. " + email,
                    "consent": "on",
                    "captcha_0": fields.get("captcha_0", "test-key"),
                    "captcha_1": "PASSED",
                    "website": "",
                }
                files = {"attachments": (self.pdf_name, self.pdf, "application/pdf")}
                r = self._timed(
                    rec, "post_form",
                    lambda: s.post(base + "/", data=data, files=files, allow_redirects=False, timeout=HTTP_TIMEOUT),
                )
                self._expect("post_form", r, 302, "/confirm/")
                r = self._timed(rec, "get_confirm", lambda: s.get(base + "/confirm/", timeout=HTTP_TIMEOUT))
                self._expect("get_confirm", r, 200)
                csrf = _inputs(r.text).get("csrfmiddlewaretoken") or csrf
                code = self._timed(rec, "code", lambda: self.codes.code_for(email))
                rec.confirm_sent = True
                r = self._timed(
                    rec, "post_confirm",
                    lambda: s.post(
                        base + "/confirm/", data={"csrfmiddlewaretoken": csrf, "code": code},
                        allow_redirects=False, timeout=HTTP_TIMEOUT,
                    ),
                )
                self._expect("post_confirm", r, 302, "/received/")
                r = self._timed(rec, "get_received", lambda: s.get(base + "/received/", timeout=HTTP_TIMEOUT))
                self._expect("get_received", r, 200)
                match = _NUMBER_RE.search(r.text)
                if not match:
                    raise StepError("get_received", "no number on the receipt page")
                rec.number = html.unescape(match.group(1)).strip()
                rec.ok = True
        except StepError as exc:
            rec.error = str(exc)
        except Exception as exc:  # a bug in the client must not stop the run
            rec.error = f"client: {exc!r}"[:200]
        rec.end = time.time()
        return rec


class BareClient:
    """GET /bench/bare/ with the thread's own session."""

    def __init__(self, base: str) -> None:
        self.url = base + "/bench/bare/"
        self.local = threading.local()

    def hit(self, planned: float) -> Record:
        s = getattr(self.local, "session", None)
        if s is None:
            s = self.local.session = requests.Session()
        rec = Record(planned=planned, start=time.time(), end=0.0, ok=False)
        try:
            r = s.get(self.url, timeout=HTTP_TIMEOUT)
            rec.ok = r.status_code == 200 and r.text == "ok"
            if not rec.ok:
                rec.error = f"bare: HTTP {r.status_code}"
        except requests.Timeout:
            rec.error = "bare: timeout"
        except requests.RequestException:
            rec.error = "bare: connection error"
        rec.end = time.time()
        return rec


# --- client processes --------------------------------------------------------------
def _client_process(spec: dict[str, Any], out: mp.Queue) -> None:
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    records: list[tuple] = []
    codes = None
    if spec["kind"] == "bare":
        client = BareClient(spec["base"])

        def operation(planned: float, n: int) -> Record:
            return client.hit(planned)

    else:
        codes = CodeReader(spec["mail_dir"])
        citizen = Citizen(spec["base"], spec["pdf"], spec["pdf_name"], codes, spec["topic"])
        prefix = spec["email_prefix"]

        def operation(planned: float, n: int) -> Record:
            return citizen.submit(f"{prefix}-{n}@bench.ru", planned)

    counter = iter(range(10**9))
    counter_lock = threading.Lock()

    def next_n() -> int:
        with counter_lock:
            return next(counter)

    start_at, end_at = spec["start_at"], spec["start_at"] + spec["duration"]
    time.sleep(max(0.0, start_at - time.time()))
    threads: list[threading.Thread] = []

    if spec["mode"] == "closed":

        def loop() -> None:
            while time.time() < end_at:
                records.append(operation(time.time(), next_n()).as_tuple())

        threads = [threading.Thread(target=loop, daemon=True) for _ in range(spec["threads"])]
        for t in threads:
            t.start()
    else:
        rate = spec["rate"]
        offset = spec.get("offset", 0.0)
        inflight = threading.BoundedSemaphore(spec["max_inflight"])
        total = int(spec["duration"] * rate)

        def one(planned: float, n: int) -> None:
            try:
                records.append(operation(planned, n).as_tuple())
            finally:
                inflight.release()

        for i in range(total):
            planned = start_at + offset + i / rate
            delay = planned - time.time()
            if delay > 0:
                time.sleep(delay)
            if not inflight.acquire(blocking=False):
                # The client's own bound on operations in flight: not sent at all.
                records.append(Record(planned, planned, planned, False, "client: too many in flight").as_tuple())
                continue
            t = threading.Thread(target=one, args=(planned, next_n()), daemon=True)
            t.start()
            threads.append(t)

    join_deadline = end_at + spec.get("grace", 200.0)
    for t in threads:
        t.join(max(0.0, join_deadline - time.time()))
    unfinished = sum(t.is_alive() for t in threads)
    if codes is not None:
        codes.close()
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    out.put({"records": list(records), "unfinished": unfinished, "cpu_seconds": cpu})


def run_clients(specs: list[dict[str, Any]], timeout: float) -> dict[str, Any]:
    """Run one client process per spec (forked), wait for their results, bounded in time."""
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    procs = [ctx.Process(target=_client_process, args=(spec, out), daemon=True) for spec in specs]
    for p in procs:
        p.start()
    results = []
    deadline = time.time() + timeout
    try:
        while len(results) < len(procs):
            remaining = deadline - time.time()
            if remaining <= 0:
                break
            try:
                results.append(out.get(timeout=min(remaining, 5)))
            except queue_module.Empty:
                if not any(p.is_alive() for p in procs) and out.empty():
                    break
    finally:
        for p in procs:
            p.join(5)
            if p.is_alive():
                p.terminate()  # our own client process, by its handle
                p.join(5)
    records = [Record(*t) for r in results for t in r["records"]]
    return {
        "records": records,
        "unfinished": sum(r["unfinished"] for r in results),
        "missing_processes": len(procs) - len(results),
        "client_cpu_seconds": sum(r["cpu_seconds"] for r in results),
    }
