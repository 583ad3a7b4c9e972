"""The second factor: enrolment, the gate before it, replacing and removing a device (issue 8 item 4)."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry
from tests import roles as role_fixtures

roles = role_fixtures.roles  # the fixture

SETUP = "/admin/second-factor/setup/"


def password_only_session(user: User) -> Client:
    """A session as the password alone leaves it: Django's force_login, not the tests' verified one."""
    client = Client()
    Client.force_login(client, user)
    return client


def new_administrator() -> User:
    user = User.objects.create_user("new_admin", is_staff=True)
    user.groups.add(*Group.objects.filter(name="Администратор"))
    return user


@pytest.mark.parametrize("url", ["/admin/", "/admin/auth/user/", "/admin/appeals/department/",
                                  "/admin/second-factor/"])
def test_who_must_have_a_second_factor_is_taken_to_the_enrolment(url, db):
    client = password_only_session(new_administrator())
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == SETUP


def test_a_superuser_must_have_one_too(db):
    officer = User.objects.create_user("officer", is_staff=True, is_superuser=True)
    assert password_only_session(officer).get("/admin/").status_code == 302


def test_the_enrolment_journey(db):
    user = new_administrator()
    client = password_only_session(user)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        page = client.get(SETUP)
        assert page.status_code == 200
        html = page.content.decode()
        assert "<svg" in html and 'id="totp-qr"' in html  # the QR code, inline, no image from elsewhere
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1)
        assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
        assert "otpauth" not in html  # the key is shown once as text, the URL only inside the QR code

        # A reload shows the same key: the device being enrolled is kept.
        assert TOTPDevice.objects.filter(user=user).count() == 1
        client.get(SETUP)
        assert TOTPDevice.objects.filter(user=user).count() == 1

        right = role_fixtures.totp_code(device)
        wrong = client.post(SETUP, {"token": f"{(int(right) + 1) % 1_000_000:06d}"})
        assert wrong.status_code == 200
        assert "Неверный код" in wrong.context["form"].errors["token"][0]
        short = client.post(SETUP, {"token": "12"})
        assert "шести цифр" in short.context["form"].errors["token"][0]
        assert client.get("/admin/").status_code == 302  # still nothing else

        traveller.shift(timedelta(seconds=90))  # past the wait after the wrong code
        done = client.post(SETUP, {"token": role_fixtures.totp_code(device)})
        assert done.status_code == 200
        codes = done.context["codes"]
        assert len(codes) == 10 and len(set(codes)) == 10
        for code in codes:
            assert code in done.content.decode()
        device.refresh_from_db()
        assert device.confirmed
        assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
        assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(codes)
        assert client.get("/admin/").status_code == 200
        status_page = client.get("/admin/second-factor/").content.decode()
        assert "Неиспользованных кодов восстановления: 10" in status_page
        assert not [code for code in codes if code in status_page]  # shown once, never again
        entry = AuditEntry.objects.get(field="second_factor", username="new_admin")
        assert entry.before == {"totp": 0, "recovery_codes": 0} and entry.after == {"totp": 1, "recovery_codes": 10}


def test_any_staff_user_may_add_a_second_factor(client, roles):
    client.force_login(roles.executor_a)
    assert client.get("/admin/").status_code == 200  # not required for an executor
    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=roles.executor_a, confirmed=False)
    assert client.post(SETUP, {"token": role_fixtures.totp_code(device)}).status_code == 200
    assert TOTPDevice.objects.filter(user=roles.executor_a, confirmed=True).count() == 1


def test_a_user_replaces_their_device_after_signing_in_with_it(client, roles):
    old = role_fixtures.second_factor(roles.head)
    StaticToken.objects.create(device=StaticDevice.objects.create(user=roles.head, name="old"), token="oldcode1")
    client.force_login(roles.head)
    assert "Заменить устройство" in client.get("/admin/second-factor/").content.decode()
    client.get(SETUP)
    new = TOTPDevice.objects.get(user=roles.head, confirmed=False)
    assert new.pk != old.pk
    assert client.post(SETUP, {"token": role_fixtures.totp_code(new)}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=roles.head).values_list("pk", flat=True)) == [new.pk]
    assert not StaticToken.objects.filter(token="oldcode1").exists()
    assert client.get("/admin/").status_code == 200


def test_replacing_needs_a_session_confirmed_with_the_current_device(roles):
    role_fixtures.second_factor(roles.executor_a) or TOTPDevice.objects.create(
        user=roles.executor_a, name="app", confirmed=True)
    client = password_only_session(roles.executor_a)
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert TOTPDevice.objects.filter(user=roles.executor_a, confirmed=False).count() == 0


def remove_action(client: Client, *users: User):
    return client.post(reverse("admin:auth_user_changelist"), {
        "action": "remove_second_factor", "_selected_action": [u.pk for u in users],
    })


def test_the_administrator_removes_a_heads_lost_device_and_it_is_logged(client, roles):
    role_fixtures.second_factor(roles.head)
    client.force_login(roles.administrator)
    response = remove_action(client, roles.head)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=roles.head).exists()
    entry = AuditEntry.objects.get(field="second_factor", username="head")
    assert entry.actor_username == "administrator" and entry.after == {"totp": 0, "recovery_codes": 0}
    # The head enrols again at the next sign-in.
    assert password_only_session(roles.head).get("/admin/").status_code == 302


def test_only_a_superuser_removes_a_superusers_device(client, roles):
    officer = role_fixtures.make_user("officer", is_superuser=True)
    client.force_login(roles.administrator)
    remove_action(client, officer)
    assert TOTPDevice.objects.filter(user=officer).exists()
    other = role_fixtures.make_user("officer2", is_superuser=True)
    client.force_login(other)
    remove_action(client, officer)
    assert not TOTPDevice.objects.filter(user=officer).exists()


def test_other_roles_do_not_get_the_removal(client, roles):
    roles.registrar.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(roles.registrar)
    role_fixtures.second_factor(roles.head)
    page = client.get(reverse("admin:auth_user_changelist"))
    assert page.status_code == 200 and "remove_second_factor" not in page.content.decode()
    remove_action(client, roles.head)
    assert TOTPDevice.objects.filter(user=roles.head).exists()


def test_the_device_admins_that_show_secret_keys_are_gone(client, roles):
    officer = role_fixtures.make_user("officer", is_superuser=True)
    client.force_login(officer)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_every_admin_page_links_to_the_users_own_second_factor_page(client, roles):
    client.force_login(roles.executor_a)
    assert 'href="/admin/second-factor/"' in client.get("/admin/").content.decode()
