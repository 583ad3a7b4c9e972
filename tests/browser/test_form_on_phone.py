"""The citizen's form on a phone and its small scripts, in a real Chromium (issue 10 items 5 and 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.journey import field

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}  # a common phone's CSS viewport
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "phone"  # kept in the test artefacts
NOTE_1 = "Обращения, направленные в форме электронного документа через официальный сайт"


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="ru-RU", is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def csp_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    return errors


def test_on_a_phone_the_notes_are_folded_and_the_first_field_is_on_the_first_screen(phone: Page, live_server):
    errors = csp_errors(phone)
    phone.goto(live_server.url + "/")
    more = phone.locator("details#intake-notes-more")
    expect(more).not_to_have_attribute("open", re.compile(".*"))
    expect(phone.locator("summary", has_text="Подробнее")).to_be_visible()
    expect(phone.get_by_text(NOTE_1)).to_be_hidden()
    surname = field(phone, "Фамилия")
    box = surname.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "form-first-screen.png"))

    phone.locator("summary", has_text="Подробнее").click()
    expect(phone.get_by_text(NOTE_1)).to_be_visible()
    assert not errors, errors


def test_on_a_wide_screen_the_notes_are_open(page: Page, live_server):
    page.goto(live_server.url + "/")
    expect(page.locator("details#intake-notes-more")).to_have_attribute("open", "")
    expect(page.get_by_text(NOTE_1)).to_be_visible()


def test_add_a_coauthor_adds_a_row_in_place(page: Page, live_server):
    errors = csp_errors(page)
    page.goto(live_server.url + "/")
    page.locator("summary", has_text="Коллективное обращение").click()
    rows = page.locator("#coauthors .coauthor-row")
    expect(rows).to_have_count(1)
    field(page, "Фамилия").fill("Иванова")  # the applicant's, typed before: it stays
    page.get_by_role("button", name="Добавить соавтора").click()
    expect(rows).to_have_count(2)
    expect(page.locator("input[name='coauthors-TOTAL_FORMS']")).to_have_value("2")
    expect(page.locator("input[name='coauthors-1-last_name']")).to_be_focused()
    expect(rows.nth(1).get_by_role("group")).to_have_count(0)
    expect(rows.nth(1)).to_contain_text("Соавтор 2")
    expect(field(page, "Фамилия")).to_have_value("Иванова")  # no page load
    assert not errors, errors
