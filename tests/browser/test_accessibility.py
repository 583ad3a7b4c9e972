"""WCAG 2.1 AA checks by axe-core on the citizen's pages (ГОСТ Р 52872-2019 asks for this level)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.journey import CONFIRM_PAGE, field, fill_the_form, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def assert_no_violations(page: Page) -> None:
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_form_page_has_no_wcag_aa_violations(page: Page, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/")
    assert_no_violations(page)


def test_the_form_with_errors_has_no_wcag_aa_violations(page: Page, live_server):
    page.goto(live_server.url + "/")
    field(page, "Имя").fill("Мария")
    submit(page)
    expect(page.locator("#error-summary")).to_be_focused()
    assert_no_violations(page)


def test_the_confirmation_page_has_no_wcag_aa_violations(page: Page, live_server, smtp_server, tmp_path):
    page.goto(live_server.url + "/")
    fill_the_form(page, tmp_path)
    submit(page)
    expect(page.get_by_role("heading", name=CONFIRM_PAGE)).to_be_visible()
    assert_no_violations(page)
