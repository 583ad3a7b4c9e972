"""Staff sign-in in a real Chromium: the password and the authenticator's code, and enrolment (issue 8 item 4)."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import Group, User
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests import roles as role_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
roles = role_fixtures.roles  # the fixture

PASSWORD = "Proverka-2026-parol"


@pytest.fixture(autouse=True)
def fast_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fresh_code(device: TOTPDevice) -> str:
    """A code of a time step not used yet (a code is accepted once), waiting for the next step if needed."""
    device.refresh_from_db()
    while int(time.time() - device.t0) // device.step <= device.last_t:
        time.sleep(0.5)
    return role_fixtures.totp_code(device)


def fill_password(page: Page, live_server, user: User) -> None:
    page.goto(live_server.url + "/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.get_by_label("Имя пользователя").fill(user.username)
    page.get_by_label("Пароль").fill(PASSWORD)


def test_the_head_signs_in_with_the_password_and_the_code(page: Page, live_server, roles):
    head = roles.head
    head.set_password(PASSWORD)
    head.save(update_fields=["password"])
    device = role_fixtures.second_factor(head)
    assert device is not None

    fill_password(page, live_server, head)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_text("Введите код подтверждения")).to_be_visible()  # the password alone is not enough

    fill_password(page, live_server, head)
    page.get_by_label("Код подтверждения").fill(fresh_code(device))
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Работа с обращениями")).to_be_visible()
    page.goto(live_server.url + "/admin/appeals/appeal/")
    expect(page).to_have_url(re.compile(r"/admin/appeals/appeal/$"))


def test_an_administrator_without_a_second_factor_enrols_at_the_first_sign_in(page: Page, live_server, db):
    user = User.objects.create_user("new_admin", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Администратор"))

    fill_password(page, live_server, user)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(re.compile(r"/admin/second-factor/setup/$"))
    expect(page.locator("#totp-qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})*", secret), secret
    page.goto(live_server.url + "/admin/auth/user/")  # nothing else before the enrolment
    expect(page).to_have_url(re.compile(r"/admin/second-factor/setup/$"))

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Код из приложения").fill(fresh_code(device))
    page.get_by_role("button", name="Подтвердить").click()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name="Я сохранил коды, перейти к работе").click()
    expect(page.get_by_role("heading", name="Работа с обращениями")).to_be_visible()
