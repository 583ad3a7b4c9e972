"""Run the portal the way production does, in gunicorn subprocesses, for tests of more than one process.

The test's own database must hold committed data the subprocess can see:
use pytest.mark.django_db(transaction=True) and PostgreSQL; portal_env()
passes the test database's name on through DATABASE_URL.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from django.db import connection

from tests.conftest import wait_for
from tests.smtp import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
# The variables the portal reads that the test run's own environment may carry.
PORTAL_VARIABLES = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_BACKEND")


def test_database_url() -> str:
    """The test database, as a DATABASE_URL for a subprocess."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def portal_env(tmp_path: Path, *, smtp_port: int, **variables: str) -> dict[str, str]:
    """The environment of a portal process: the test database, shared files in tmp_path, mail to smtp_port."""
    env = {name: value for name, value in os.environ.items() if name not in PORTAL_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.subprocess_settings",
        DATABASE_URL=test_database_url(),
        SECRET_KEY="two-hosts-share-one-secret-key-" + "x" * 20,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        # One folder for both processes: it stands for the shared object store (docs/deployment.md).
        PRIVATE_STORAGE_ROOT=str(tmp_path / "private"),
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_TIMEOUT="5",
        DEBUG="false",
    )
    env.update(variables)
    return env


@dataclass
class Portal:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[Portal]:
    """One gunicorn (one sync worker) on a free loopback port; stopped when the block ends."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "appeals_portal.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "60", "--access-logfile", "-", "--error-logfile", "-"],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    portal = Portal(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        def answers() -> bool:
            try:
                requests.get(portal.url + "/health/", timeout=5)
            except requests.RequestException:
                return process.poll() is not None  # died: stop waiting, fail below
            return True

        wait_for(answers, timeout=60)
        if process.poll() is not None:
            raise AssertionError(f"gunicorn did not start:\n{portal.output()}")
        yield portal
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


LINK = re.compile(r"https?://[^/\s]+(/\S*confirm/[0-9a-f-]{36}/\S+/)")
