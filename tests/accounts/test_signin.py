"""Staff sign-in: lockout of repeated failures, strong passwords, the second factor's code (issue 8 item 4)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from tests import roles as role_fixtures

roles = role_fixtures.roles  # the fixture

PASSWORD = "Verny-parol-2026"
LOGIN = "/admin/login/"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fast_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def with_password(user: User) -> User:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def sign_in(client: Client, user: User, password: str = PASSWORD, code: str = "", **extra):
    data = {"username": user.username, "password": password, "next": "/admin/"}
    if code:
        data["otp_token"] = code
    return client.post(LOGIN, data, **extra)


# --- lockout ----------------------------------------------------------------------------------
def test_repeated_wrong_passwords_lock_the_name_at_this_address(settings, roles):
    settings.AXES_FAILURE_LIMIT = 3
    user = with_password(roles.registrar)
    client = Client()
    for _ in range(2):
        response = sign_in(client, user, "wrong-password-1")
        assert response.status_code == 200 and "имя пользователя и пароль" in response.content.decode()
    locked = sign_in(client, user, "wrong-password-1")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Вход заблокирован" in text and "30 мин" in text and "администратора" in text
    assert 'id="login-form"' in text  # the login page, with the message above the form
    # Now even the right password is refused, from this address...
    assert sign_in(client, user).status_code == 429
    # ...but not from another one (the lockout is the name and the address together).
    assert sign_in(Client(), user, REMOTE_ADDR="127.0.0.2").status_code == 302


def test_the_record_of_an_attempt_keeps_no_password_or_code(roles):
    user = with_password(roles.head)
    sign_in(Client(), user, "Sekretny-parol-42", code="123456")
    attempt = AccessAttempt.objects.get(username="head")
    assert "Sekretny-parol-42" not in attempt.post_data and "123456" not in attempt.post_data
    assert attempt.failures_since_start == 1


def test_the_lockout_ends_after_the_cool_off(settings, roles):
    settings.AXES_FAILURE_LIMIT = 2
    user = with_password(roles.registrar)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client, user, "wrong-password-1")
        assert sign_in(client, user, "wrong-password-1").status_code == 429
        traveller.shift(timedelta(minutes=31))
        assert sign_in(client, user).status_code == 302


def test_an_attempt_during_the_lockout_starts_the_cool_off_anew(settings, roles):
    settings.AXES_FAILURE_LIMIT = 2
    user = with_password(roles.registrar)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client, user, "wrong-password-1")
        assert sign_in(client, user, "wrong-password-1").status_code == 429
        traveller.shift(timedelta(minutes=20))
        assert sign_in(client, user, "wrong-password-2").status_code == 429
        traveller.shift(timedelta(minutes=20))  # 40 minutes after the lockout, 20 after the last try
        assert sign_in(client, user).status_code == 429
        traveller.shift(timedelta(minutes=31))
        assert sign_in(client, user).status_code == 302


def test_the_administrator_lifts_a_lockout(settings, client, roles):
    settings.AXES_FAILURE_LIMIT = 2
    user = with_password(roles.registrar)
    other = Client()
    sign_in(other, user, "wrong-password-1")
    assert sign_in(other, user, "wrong-password-1").status_code == 429
    attempt = AccessAttempt.objects.get(username="registrar")
    client.force_login(roles.administrator)
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "registrar" in listing.content.decode()
    response = client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert sign_in(other, user).status_code == 302


def test_the_administrator_cleans_up_expired_attempts(settings, client, roles):
    """axes' own action failed with a 500 from the admin: it needs the attempt time of a sign-in request."""
    settings.AXES_FAILURE_LIMIT = 2
    user = with_password(roles.registrar)
    sign_in(Client(), user, "wrong-password-1")
    old = AccessAttempt.objects.get(username="registrar")
    AccessAttempt.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - timedelta(days=1))
    sign_in(Client(), with_password(roles.clerk), "wrong-password-1")
    client.force_login(roles.administrator)
    response = client.post(reverse("admin:axes_accessattempt_changelist"),
                           {"action": "cleanup_expired_attempts", ACTION_CHECKBOX_NAME: [old.pk]})
    assert response.status_code == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["clerk"]


def test_other_roles_cannot_lift_a_lockout(client, roles):
    client.force_login(roles.head)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_lockout_settings_come_from_the_environment():
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.STAFF_SESSION_IDLE_MINUTES, "
            "s.AXES_LOCKOUT_PARAMETERS, s.AXES_HANDLER)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "appeals_portal.settings", "AXES_FAILURE_LIMIT": "7",
           "AXES_COOLOFF_MINUTES": "15", "STAFF_SESSION_IDLE_MINUTES": "10"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == (
        "7 900.0 10 [['username', 'ip_address']] axes.handlers.database.AxesDatabaseHandler"
    )


# --- passwords -------------------------------------------------------------------------------
@pytest.mark.parametrize(("password", "message"), [
    ("Korotkiy-1!", "слишком короткий. Он должен состоять из как минимум 12 символов"),
    ("123456789012345", "состоит только из цифр"),
    ("password12345", "слишком широко распространён"),
    ("ivan.petrov2026", "слишком похож на имя пользователя"),
])
def test_weak_passwords_are_refused_in_russian(password, message, db):
    user = User(username="ivan.petrov", email="ivan.petrov@mail.ru")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert any(message in m for m in refused.value.messages), refused.value.messages


def test_a_strong_password_passes(db):
    validate_password("Tri-kota-na-kryshe-2026", User(username="ivan.petrov"))


def test_the_admin_refuses_a_short_password_next_to_the_field(client, db):
    officer = role_fixtures.make_user("security_officer", is_superuser=True)
    client.force_login(officer)
    response = client.post(reverse("admin:auth_user_add"), {
        "username": "new.clerk", "usable_password": "true", "password1": "Kot-2026", "password2": "Kot-2026",
    })
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["password2"]
    assert "как минимум 12 символов" in errors[0]
    assert not User.objects.filter(username="new.clerk").exists()


# --- the second factor's code at sign-in --------------------------------------------------------
def test_the_head_needs_the_code_with_the_password(roles):
    head = with_password(roles.head)
    device = role_fixtures.second_factor(head)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        missing = sign_in(client, head)
        assert missing.status_code == 200
        assert "Введите код подтверждения" in missing.context["form"].errors["otp_token"][0]
        traveller.shift(timedelta(seconds=120))
        wrong_code = f"{(int(role_fixtures.totp_code(device)) + 1) % 1_000_000:06d}"
        wrong = sign_in(client, head, code=wrong_code)
        assert "Неверный код" in wrong.context["form"].errors["otp_token"][0]
        assert "_auth_user_id" not in client.session
        traveller.shift(timedelta(seconds=120))  # past the wait that the wrong code set
        right = sign_in(client, head, code=role_fixtures.totp_code(device))
        assert right.status_code == 302
        assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
        assert client.get("/admin/").status_code == 200


def test_wrong_codes_are_throttled(roles):
    head = with_password(roles.head)
    device = role_fixtures.second_factor(head)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(3):
            traveller.shift(timedelta(seconds=60))
            sign_in(client, head, code="000000" if role_fixtures.totp_code(device) != "000000" else "111111")
        device.refresh_from_db()
        assert device.throttling_failure_count == 3
        # The right code at once is refused: three failures mean a wait of 4 seconds.
        traveller.shift(timedelta(seconds=1))
        refused = sign_in(client, head, code=role_fixtures.totp_code(device))
        assert "Слишком много неверных кодов" in refused.context["form"].errors["otp_token"][0]
        traveller.shift(timedelta(seconds=30))
        assert sign_in(client, head, code=role_fixtures.totp_code(device)).status_code == 302


def test_a_recovery_code_signs_in_once(roles):
    head = with_password(roles.head)
    static = StaticDevice.objects.create(user=head, name="Коды восстановления", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    assert sign_in(Client(), head, code="abcd 2345").status_code == 302
    again = sign_in(Client(), head, code="abcd2345")
    assert again.status_code == 200 and "Неверный код" in again.context["form"].errors["otp_token"][0]


def test_staff_without_a_device_and_not_required_sign_in_with_the_password(roles):
    executor = with_password(roles.executor_a)
    client = Client()
    assert sign_in(client, executor).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_session_not_confirmed_with_the_device_reaches_no_admin_page(roles):
    """Django's own force_login does not confirm the second factor: the gate signs such a session out."""
    client = Client()
    Client.force_login(client, roles.head)
    response = client.get("/admin/appeals/appeal/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_a_session_from_before_the_second_factor_is_signed_out(roles):
    """Sessions made by the old backend (django.contrib.auth's ModelBackend) no longer sign anyone in."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    client = Client()
    session = client.session
    session[SESSION_KEY] = str(roles.executor_a.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = roles.executor_a.get_session_auth_hash()
    session.save()
    client.cookies["sessionid"] = session.session_key
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
