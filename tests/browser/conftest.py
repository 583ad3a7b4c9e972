"""Fixtures of the browser journeys: Debian's Chromium, a real SMTP server, a live portal.

The portal runs in pytest-django's live server (a thread of this process) and
sends its letters over SMTP to an aiosmtpd server on 127.0.0.1, also a thread
of this process. Celery runs eager (tests/conftest.py), and the browser tests
use transactional_db, so the outbox's on-commit callbacks fire for real.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import missing_service

# Playwright's sync API keeps an asyncio loop in the test's thread; Django
# then refuses ORM calls made from that thread (SynchronousOnlyOperation).
# This is Django's documented switch for exactly this case (Playwright tests).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
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
