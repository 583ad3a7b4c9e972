"""Rate limits, security headers, and the honeypot."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from appeals.models import Draft
from tests.factories import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def rate_limits(settings):
    settings.RATELIMIT_ENABLE = True
    cache.clear()
    yield
    cache.clear()


def test_submissions_from_one_address_are_limited(client, settings, rate_limits):
    settings.APPEALS_RATE_SUBMIT = "2/m"
    for _ in range(2):
        assert client.post("/", form_data(last_name="")).status_code == 200
    response = client.post("/", form_data(text="Мой текст обращения."))
    assert response.status_code == 429
    html = response.content.decode()
    assert "слишком много обращений за короткое время" in html
    # Nothing is lost: what was typed comes back in the form.
    assert 'value="Мария"' in html and "Мой текст обращения." in html
    assert re.search(r'value="primary"[^>]*checked', html) and re.search(r'name="consent"[^>]*checked', html)
    assert re.search(r'<option value="\d+" selected>0000\.0000\.0000\.0046', html)
    assert not Draft.objects.exists()
    assert client.get("/").status_code == 200  # reading the form is not limited


def test_confirmations_from_one_address_are_limited(client, settings, rate_limits):
    settings.APPEALS_RATE_CONFIRM = "3/m"
    client.post("/", form_data())
    for _ in range(3):
        assert client.post("/confirm/", {"code": "000000"}).status_code == 200
    assert client.post("/confirm/", {"code": "000000"}).status_code == 429


def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "csrftoken" in response.cookies


def test_hsts_when_served_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_csrf_is_enforced(settings):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/", form_data())
    assert response.status_code == 403
