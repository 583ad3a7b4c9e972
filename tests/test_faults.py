"""A Redis outage never shows a citizen a 500 (issue 8, item 8).

The test starts its own redis-server (never the shared one), runs the portal
in gunicorn with its cache and its broker in that Redis, opens the form, kills
Redis, and then a new visitor opens the form, submits and confirms an appeal:
no answer is a 500, the appeal is stored, and /health/ tells the operator
that the cache is down.
"""

from __future__ import annotations

import logging
import runpy
from pathlib import Path

import pytest
import requests
from django.core import mail
from django.core.cache import caches

import appeals_portal
from appeals.models import Appeal
from outbox import services
from outbox.models import OutgoingMessage
from tests.factories import form_data
from tests.servers import LINK, csrf_token, gunicorn, portal_env
from tests.smtp import SMTPServer, free_port


def no_server_error(response: requests.Response) -> requests.Response:
    assert response.status_code < 500, f"{response.request.method} {response.url}: {response.status_code}"
    return response


@pytest.mark.django_db
def test_the_real_cache_settings_let_a_citizen_through_a_dead_redis(client, settings, monkeypatch, caplog):
    """In-process, on any database: the CACHES the settings build for a Redis that does not answer."""
    monkeypatch.setenv("CACHE_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    real = runpy.run_path(str(Path(appeals_portal.__file__).parent / "settings.py"))
    settings.CACHES = real["CACHES"]
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_FAIL_OPEN = real["RATELIMIT_FAIL_OPEN"]
    assert real["SESSION_ENGINE"] == settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert caches["default"].get("anything") is None  # the client ignores the error
    settings.APPEALS_RATE_SUBMIT = "1/h"  # the second POST would be refused if the counter worked
    with caplog.at_level(logging.ERROR, logger="appeals_portal.cache"):
        assert client.get("/").status_code == 200
        # The captcha, kept in the database, still guards the form ...
        refused = client.post("/", form_data(email="citizen@mail.ru", captcha_1="WRONG"))
        assert refused.status_code == 200 and refused.context["form"].errors.keys() == {"captcha"}
        # ... while the rate limit, which cannot count, lets the citizen through.
        response = client.post("/", form_data(email="citizen@mail.ru"))
        assert response.status_code == 302 and response["Location"] == "/confirm/"
        path = LINK.search(mail.outbox[0].body).group(1)
        assert client.post(path).status_code == 302
        assert client.get("/received/").status_code == 200
    assert Appeal.objects.get().email == "citizen@mail.ru"
    assert any(record.name == "appeals_portal.cache" for record in caplog.records)
    health = client.get("/health/")
    assert health.status_code == 503 and health.json()["cache"] == "error"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_citizen_submits_and_confirms_while_redis_is_down(
    require_postgres, private_redis, smtp_server: SMTPServer, settings, tmp_path
):
    env = portal_env(
        tmp_path, smtp_port=smtp_server.port,
        CACHE_URL=private_redis.url(1), CELERY_BROKER_URL=private_redis.url(0), RATELIMIT_ENABLE="true",
    )
    with gunicorn(env, tmp_path / "portal.log") as portal:
        # Before the outage: the form opens and its HTML goes into the cache.
        assert no_server_error(requests.get(portal.url + "/", timeout=10)).status_code == 200
        assert requests.get(portal.url + "/health/", timeout=10).status_code == 200

        private_redis.kill()

        # A new visitor: new session, the cache and the broker both gone.
        citizen = requests.Session()
        page = no_server_error(citizen.get(portal.url + "/", timeout=10))
        assert page.status_code == 200 and 'name="captcha_1"' in page.text
        data = form_data(email="citizen@mail.ru", csrfmiddlewaretoken=csrf_token(page.text))
        submitted = no_server_error(citizen.post(portal.url + "/", data=data, timeout=30))
        assert "/confirm/" in submitted.url, submitted.text[:2000]

        # The broker is down: the letter waits in the outbox; the test is the worker here.
        letter_row = OutgoingMessage.objects.get(kind="appeals.confirmation")
        assert letter_row.status == OutgoingMessage.Status.PENDING
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp_server.port, 5
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        assert services.deliver(letter_row.pk) is True
        path = LINK.search(smtp_server.wait_for_message(1).text).group(1)

        confirm_page = no_server_error(citizen.get(portal.url + path, timeout=10))
        assert confirm_page.status_code == 200
        received = no_server_error(citizen.post(
            portal.url + path, data={"csrfmiddlewaretoken": csrf_token(confirm_page.text)}, timeout=30,
        ))
        assert received.status_code == 200 and received.url.endswith("/received/"), received.text[:2000]
        appeal = Appeal.objects.get()
        assert appeal.number in received.text and appeal.email == "citizen@mail.ru"

        # The operator sees the outage; the portal logged each ignored cache error.
        health = requests.get(portal.url + "/health/", timeout=30)
        assert health.status_code == 503 and health.json()["cache"] == "error"
        # ... while the load balancer keeps the host in service.
        ready = requests.get(portal.url + "/health/ready/", timeout=30)
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        log = portal.output()
        assert "logger=appeals_portal.cache" in log and "Exception ignored" in log
        assert '" 500 ' not in log
