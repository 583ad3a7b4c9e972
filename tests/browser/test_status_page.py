"""The status page in a real Chromium at a phone's width, checked by axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.appeals.test_status_page import CODE, make_appeal
from tests.browser.journey import field
from tests.browser.test_accessibility import assert_no_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_citizen_opens_the_status_page_by_number_and_code(page: Page, live_server):
    appeal = make_appeal()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Узнать о ходе рассмотрения").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Узнать о ходе рассмотрения обращения")
    assert_no_violations(page)

    # A wrong code: the neutral error, announced, next to nothing that tells which field was wrong.
    field(page, "Регистрационный номер").fill(appeal.number.replace("ОГ", "og"))
    field(page, "Код доступа").fill("AAAAA-BBBBB")
    page.get_by_role("button", name="Узнать о ходе рассмотрения").click()
    expect(page.get_by_role("alert")).to_contain_text("Номер обращения или код доступа указаны неверно.")
    assert_no_violations(page)

    field(page, "Код доступа").fill(CODE.lower())
    page.get_by_role("button", name="Узнать о ходе рассмотрения").click()
    expect(page).to_have_url(re.compile(r"/status/appeal/$"))
    expect(page.locator("#appeal-number")).to_have_text(f"№ {appeal.number}")
    expect(page.locator("#appeal-status")).to_have_text("поступило")
    expect(page.get_by_text("Иванова М. П.")).to_be_visible()
    expect(page.get_by_role("link", name="Отозвать обращение")).to_be_visible()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_no_violations(page)

    page.get_by_role("button", name="Выйти").click()
    expect(page).to_have_url(re.compile(r"/status/$"))
