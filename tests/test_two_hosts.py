"""Nothing keeps state in a web process (issue 8, item 15).

Two gunicorn instances on two loopback ports share one PostgreSQL (the test
database), one Redis (CACHE_URL) and one folder for files (standing for the
shared object store of docs/deployment.md). A citizen submits on A and types
the code on B; an official registers the appeal on A and reads its page and
its file on B, with the session made on A.
"""

from __future__ import annotations

import os
import re

import pytest
import requests
from django.contrib.auth.models import Group, User
from django.urls import reverse

from appeals.models import Appeal
from tests.conftest import missing_service, reachable
from tests.factories import form_data, make_pdf
from tests.servers import csrf_token, gunicorn, portal_env
from tests.smtp import SMTPServer

pytestmark = [
    pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CODE = re.compile(r"код: (\d{6})")
PASSWORD = "Two-hosts-share-all-state-1"


@pytest.fixture
def cache_url() -> str:
    url = os.environ.get("CACHE_URL", "")
    if not url.startswith("redis://"):
        missing_service("needs Redis for the cache: set CACHE_URL=redis://127.0.0.1:6379/1")
    if not reachable(url):
        missing_service(f"Redis at {url} does not answer")
    return url


def ok(response: requests.Response) -> requests.Response:
    assert response.status_code == 200, f"{response.request.method} {response.url}: {response.status_code}"
    return response


def test_a_citizen_and_an_official_move_between_two_hosts(
    require_postgres, cache_url, smtp_server: SMTPServer, tmp_path
):
    registrar = User.objects.create_user("registrar2", password=PASSWORD, is_staff=True)
    registrar.groups.add(Group.objects.get(name="Регистратор"))
    # Letters go out in the web process (no broker): eager Celery, SMTP to the test's server.
    env = portal_env(tmp_path, smtp_port=smtp_server.port, CACHE_URL=cache_url, RATELIMIT_ENABLE="false")
    scan = make_pdf()
    with gunicorn(env, tmp_path / "a.log") as a, gunicorn(env, tmp_path / "b.log") as b:
        # 1. The citizen fills the form on A, with a file, and types the code on B.
        citizen = requests.Session()
        page = ok(citizen.get(a.url + "/", timeout=10))
        data = form_data(email="citizen@mail.ru", csrfmiddlewaretoken=csrf_token(page.text))
        files = {"attachments": ("scan.pdf", scan, "application/pdf")}
        submitted = ok(citizen.post(a.url + "/", data=data, files=files, timeout=30))
        assert submitted.url == a.url + "/confirm/", submitted.text[:2000]
        code = CODE.search(smtp_server.wait_for_message(1).text).group(1)
        check = ok(citizen.get(b.url + "/confirm/", timeout=10))
        assert "citizen@mail.ru" in check.text  # B knows the draft from the session A made
        typed = {"code": code, "csrfmiddlewaretoken": csrf_token(check.text)}
        received = ok(citizen.post(b.url + "/confirm/", data=typed, timeout=30))
        appeal = Appeal.objects.get()
        assert received.url == b.url + "/received/" and appeal.number in received.text
        assert appeal.attachments.count() == 1

        # 2. The official signs in and registers the appeal on A ...
        official = requests.Session()
        login_page = ok(official.get(a.url + reverse("admin:login"), timeout=10))
        ok(official.post(a.url + reverse("admin:login"), timeout=30, data={
            "username": "registrar2", "password": PASSWORD, "next": reverse("admin:index"),
            "csrfmiddlewaretoken": csrf_token(login_page.text),
        }))
        step = reverse("admin:appeals_appeal_step", args=[appeal.pk, "register"])
        form = ok(official.get(a.url + step, timeout=10))
        done = ok(official.post(a.url + step, timeout=30, data={
            "comment": "Проверено на хосте A", "csrfmiddlewaretoken": csrf_token(form.text),
        }))
        assert done.url.endswith(reverse("admin:appeals_appeal_change", args=[appeal.pk]))
        appeal.refresh_from_db()
        assert appeal.status == Appeal.Status.REGISTERED

        # 3. ... and reads its page and downloads its file on B, with the session made on A.
        html = ok(official.get(b.url + reverse("admin:appeals_appeal_change", args=[appeal.pk]), timeout=10)).text
        assert appeal.number in html and "Зарегистрировано" in html and "Проверено на хосте A" in html
        attachment = appeal.attachments.get()
        download = reverse("admin:appeals_appeal_attachment", args=[appeal.pk, attachment.pk])
        assert ok(official.get(b.url + download, timeout=10)).content == scan
    for portal in (a, b):
        assert '" 500 ' not in portal.output()
