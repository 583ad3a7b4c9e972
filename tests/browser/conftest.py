"""Fixtures of the browser journeys: Debian's Chromium, a real SMTP server, a live portal.

The portal runs in pytest-django's live server (a thread of this process) and
sends its letters over SMTP to an aiosmtpd server on 127.0.0.1, also a thread
of this process. Celery runs eager (tests/conftest.py), and the browser tests
use transactional_db, so the outbox's on-commit callbacks fire for real.
"""

from __future__ import annotations

import email
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.conftest import missing_service

# Playwright's sync API keeps an asyncio loop in the test's thread; Django
# then refuses ORM calls made from that thread (SynchronousOnlyOperation).
# This is Django's documented switch for exactly this case (Playwright tests).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
MAIL_TIMEOUT = 10.0  # seconds to wait for a letter at the SMTP server
UI_TIMEOUT = 10_000  # milliseconds for Playwright actions and expectations


# --- Playwright's running loop and Django's connections -----------------------
# Playwright's sync API leaves its asyncio loop marked "running" in this
# thread. From then on asgiref's thread-critical Local, which holds Django's
# connections, sees an async context and hands the test's thread a second set
# of DatabaseWrapper objects. Those lack the `_test_serialized_contents` that
# pytest-django stored on the first ones when it created the test database, so
# serialized_rollback silently restores nothing once an earlier test has
# created the database (a whole-suite run): the migrations' topics, notes and
# institution are gone after the first transactional flush. The two fixtures
# below carry the serialized contents over to the wrappers seen under the loop.
@pytest.fixture(scope="session")
def _serialized_test_databases(django_db_setup) -> dict:
    """What pytest-django serialized at database creation, read before Playwright starts."""
    from django.db import connections

    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


@pytest.fixture(scope="session")
def playwright(_serialized_test_databases: dict, playwright):
    """pytest-playwright's Playwright, with serialized_rollback working under its loop."""
    from django.db import connections

    for alias, contents in _serialized_test_databases.items():
        if not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = contents
    return playwright


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium: `playwright install` cannot download a browser here."""
    if not CHROMIUM.exists():
        missing_service(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "ru-RU", "viewport": {"width": 1280, "height": 900}}


# --- SMTP -------------------------------------------------------------------
@dataclass(frozen=True)
class ReceivedMail:
    subject: str
    to: list[str]  # the To: header's addresses
    rcpt_tos: list[str]  # the SMTP envelope's recipients
    text: str  # the decoded text/plain body
    raw: bytes


class CollectingHandler:
    """aiosmtpd handler: parse each message and keep it."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        received = ReceivedMail(
            # Django folds a long encoded Subject right after the colon
            # ("Subject: \r\n =?utf-8?b?...?="); Python's parser keeps that
            # fold's space in front of the decoded text. Mail clients trim it.
            subject=" ".join(str(message["Subject"] or "").split()),
            to=[address.addr_spec for address in message["To"].addresses] if message["To"] else [],
            rcpt_tos=list(envelope.rcpt_tos),
            text=body.get_content() if body is not None else "",
            raw=raw,
        )
        with self.lock:
            self.messages.append(received)
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    port: int
    handler: CollectingHandler = field(repr=False)

    @property
    def messages(self) -> list[ReceivedMail]:
        with self.handler.lock:
            return list(self.handler.messages)

    def wait_for_message(self, n: int, timeout: float = MAIL_TIMEOUT) -> ReceivedMail:
        """Return the n-th message received (1-based), polling until it arrives."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.messages
            if len(messages) >= n:
                return messages[n - 1]
            if time.monotonic() > deadline:
                subjects = [m.subject for m in messages]
                raise AssertionError(f"letter #{n} did not arrive within {timeout} s; received: {subjects}")
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), ready_timeout=5)
    controller.start()
    try:
        yield SMTPServer(port=controller.port, handler=handler)
    finally:
        controller.stop()


# --- the portal -------------------------------------------------------------
@pytest.fixture(autouse=True)
def portal_sends_to_smtp_server(settings, live_server, smtp_server) -> None:
    """Letters go over SMTP to smtp_server; links in them point at the live server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.PORTAL_BASE_URL = live_server.url


@pytest.fixture
def page(page):
    """pytest-playwright's page with generous but finite timeouts."""
    page.set_default_timeout(UI_TIMEOUT)
    page.set_default_navigation_timeout(UI_TIMEOUT)
    expect.set_options(timeout=UI_TIMEOUT)
    return page
