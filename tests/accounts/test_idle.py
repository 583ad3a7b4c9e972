"""Staff sessions end after inactivity; citizens' draft sessions keep their own lifetime (issue 8 item 4)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from tests import roles as role_fixtures

roles = role_fixtures.roles  # the fixture


def test_a_staff_session_ends_after_the_idle_minutes(client, roles, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(roles.head)
        assert client.get("/admin/").status_code == 200
        for _ in range(3):  # working: each request moves the mark
            traveller.shift(timedelta(minutes=25))
            assert client.get("/admin/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/admin/appeals/appeal/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=/admin/appeals/appeal/")
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"])
        assert "Сеанс завершён: 30 мин без действий" in page.content.decode()


def test_the_idle_minutes_are_a_setting(client, roles, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(roles.executor_a)
        assert client.get("/admin/").status_code == 200
        traveller.shift(timedelta(minutes=6))
        assert client.get("/admin/").status_code == 302


def test_the_staff_session_expires_on_the_server_too(client, roles, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client.force_login(roles.head)
    client.get("/admin/")
    # The idle limit and ten minutes' grace, in which the next request can say why it ended.
    assert client.session.get_expiry_age() == 40 * 60


def test_a_citizens_draft_session_keeps_its_lifetime(client, db, settings):
    response = client.get("/")
    assert response.status_code == 200
    session = client.session
    assert session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 48 * 3600
    assert "staff_last_seen" not in session
