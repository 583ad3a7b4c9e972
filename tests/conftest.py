"""Fixtures shared by all tests.

Tests that need PostgreSQL or Redis use them when DATABASE_URL or
CELERY_BROKER_URL point at them and skip, saying why, when they don't. With
CI=true such a test fails instead: in CI nothing may skip.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from captcha.conf import settings as captcha_settings
from celery import _state as celery_state
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.test import Client, TestCase

# Fixtures for every test: the SMTP server on loopback (aiosmtpd), one user per staff role.
pytest_plugins = ["tests.smtp", "tests.roles"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Read once: Celery prefers the environment variable to its own configuration,
# so the tests take it out of the environment (eager_tasks) and point Celery
# at a broker explicitly when they need one.
BROKER_URL_FROM_ENV = os.environ.get("CELERY_BROKER_URL", "")


def missing_service(reason: str) -> None:
    """Skip the test, or fail it in CI, where every service must be there."""
    if IN_CI:
        pytest.fail(f"CI must not skip: {reason}")
    pytest.skip(reason)


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def require_postgres() -> None:
    if connection.vendor != "postgresql":
        missing_service(
            "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/appeals "
            f"(the tests run on {connection.vendor})"
        )


@pytest.fixture
def redis_url() -> str:
    url = BROKER_URL_FROM_ENV
    if not url.startswith("redis://"):
        missing_service("needs Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
    if not reachable(url):
        missing_service(f"Redis at {url} does not answer")
    return url


@dataclass
class PrivateRedis:
    """A redis-server of the test's own on a loopback port: the test may kill it."""

    port: int
    process: subprocess.Popen

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    """Start a redis-server for this test only (never the shared one on 6379), and stop it afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("needs the redis-server binary on PATH (the test starts its own Redis to kill it)")
    from tests.smtp import free_port

    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    redis = PrivateRedis(port=port, process=process)
    try:
        if not wait_for(lambda: reachable(redis.url()), timeout=10):
            pytest.fail(f"the private redis-server on port {port} did not start")
        yield redis
    finally:
        if process.poll() is None:
            redis.kill()


@pytest.fixture(autouse=True)
def captcha_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """The captcha accepts the answer "PASSED" (django-simple-captcha's test mode)."""
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path_factory) -> None:
    """Attachments go to a temporary folder, never into the working tree."""
    root = tmp_path_factory.mktemp("private")
    storages = dict(settings.STORAGES)
    storages["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": root / "attachments", "base_url": None},
    }
    settings.STORAGES = storages
    settings.RATELIMIT_ENABLE = False


def point_celery_at(broker_url: str | None) -> None:
    """Send tasks to this broker (None: run them in-process), dropping pooled connections."""
    from appeals_portal.celery import app

    app.conf.task_always_eager = broker_url is None
    app.conf.broker_url = broker_url or "memory://"
    # Celery keeps a connection pool and a producer pool made for the old URL.
    app.close()
    app.amqp._producer_pool = None
    # close() also takes the app off Celery's list of active apps; a task
    # module imported after that would not register its tasks with it.
    celery_state._register_app(app)


@pytest.fixture(autouse=True)
def eager_tasks(settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Celery tasks run in the test's process unless a test points Celery at a broker."""
    # Celery reads CELERY_BROKER_URL from the environment before its own
    # settings; with it there, point_celery_at could not take the broker away.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    point_celery_at(None)
    yield
    point_celery_at(None)


def wait_for(predicate, timeout: float = 20.0) -> bool:
    """Poll until predicate() is true (a worker thread is doing the work); False after the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@contextmanager
def real_worker() -> Iterator[None]:
    """Run a Celery worker thread on the broker Celery points at, leaving logging as it was.

    start_worker sets the root logger's level to its own (ERROR by default)
    and keeps it after it stops: later tests would miss their log lines.
    """
    from appeals_portal.celery import app

    root = logging.getLogger()
    level = root.level
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10,
                          loglevel=logging.getLevelName(level)):
            yield
    finally:
        root.setLevel(level)


class SecondFactorLoginMixin:
    """force_login that also confirms the session with the user's second factor.

    The head, the administrator and superusers reach no admin page without a
    second factor; tests that log them in with force_login get a confirmed
    TOTP device (tests.roles.second_factor) and a session marked verified
    with it, exactly what django_otp.login stores after a right code.
    """

    def force_login(self, user, backend=None):
        from django_otp import DEVICE_ID_SESSION_KEY

        from tests.roles import second_factor

        super().force_login(user, backend)  # type: ignore[misc]
        device = second_factor(user)
        if device is not None:
            session = self.session  # type: ignore[attr-defined]
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


class CommitClient(SecondFactorLoginMixin, Client):
    """A test client whose requests run their on-commit callbacks.

    Tests run inside a transaction that never commits; the portal queues its
    Celery tasks on commit, so each request is wrapped the way
    TestCase.captureOnCommitCallbacks(execute=True) does it.
    """

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client() -> CommitClient:
    return CommitClient()


class SecondFactorClient(SecondFactorLoginMixin, Client):
    """Django's test client with the force_login above."""


@pytest.fixture
def admin_client(admin_user) -> SecondFactorClient:
    """pytest-django's admin_client (a superuser), its session confirmed with a second factor."""
    client = SecondFactorClient()
    client.force_login(admin_user)
    return client
