"""The citizen's form on a phone and its small scripts, in a real Chromium (issue 10 items 5 and 6)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from appeals.models import Appeal
from tests import roles as role_fixtures
from tests.browser import test_case_handling_journey
from tests.browser.journey import field

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
roles = role_fixtures.roles  # the fixture
official = test_case_handling_journey.official  # the fixture: a logged-in official's page

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
    (SCREENSHOTS / "first-field.txt").write_text(
        f"viewport {PHONE['width']}x{PHONE['height']}: «Фамилия» input top {box['y']:.0f}, "
        f"bottom {box['y'] + box['height']:.0f}\n")

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


def test_the_registrar_adds_coauthors_on_the_entry_page_and_enters_a_redirected_appeal(official, live_server,
                                                                                        roles):
    team = roles
    body = role_fixtures.external_body(name_genitive="Министерства науки и высшего образования Российской Федерации")
    page = official(team.registrar)
    errors = csp_errors(page)
    page.goto(live_server.url + "/admin/appeals/appeal/add/")
    page.get_by_label("Канал поступления").select_option(label="переадресовано из другого органа")
    received = timezone.localtime() - timedelta(hours=1)
    page.get_by_label("Дата и время поступления").fill(received.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Орган, переадресовавший обращение").select_option(label=body.name)
    page.get_by_label("Исходящий номер сопроводительного письма").fill("МН-12/345")
    # The day it was received, not today: in the first hour after midnight they differ.
    page.get_by_label("Дата сопроводительного письма").fill(received.date().isoformat())
    page.get_by_label("Листов обращения").fill("2")
    page.get_by_label("Фамилия:", exact=True).fill("Петров")
    page.get_by_label("Имя:", exact=True).fill("Иван")
    page.get_by_label("Адрес:", exact=True).fill("г. Тула, ул. Ленина, д. 1")
    page.get_by_label("Индекс:", exact=True).fill("300000")
    topic = page.get_by_label("Тематика")
    topic.select_option(index=1)
    page.get_by_label("Суть обращения").fill("Прошу выдать справку.")
    rows = page.locator("#entry-coauthors .coauthor-row")
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Добавить соавтора").click()
    expect(rows).to_have_count(2)  # in place: what was typed stays
    expect(page.get_by_label("Фамилия:", exact=True)).to_have_value("Петров")
    rows.nth(0).get_by_label("Фамилия соавтора").fill("Сидорова")
    rows.nth(0).get_by_label("Имя соавтора").fill("Анна")
    rows.nth(0).get_by_label("Адрес соавтора").fill("г. Тула, ул. Мира, д. 5")
    rows.nth(1).get_by_label("Фамилия соавтора").fill("Кузнецов")
    rows.nth(1).get_by_label("Имя соавтора").fill("Олег")
    rows.nth(1).get_by_label("Адрес соавтора").fill("г. Тула, ул. Мира, д. 6")
    page.get_by_role("button", name="Внести обращение").click()
    expect(page.get_by_text("Обращение внесено под номером")).to_be_visible()
    appeal = Appeal.objects.get(last_name="Петров")
    assert appeal.channel == "redirected" and appeal.source_body == body and appeal.is_collective
    assert [c.last_name for c in appeal.coauthors.all()] == ["Сидорова", "Кузнецов"]
    expect(page.get_by_text("Сидорова Анна, г. Тула, ул. Мира, д. 5")).to_be_visible()
    assert not errors, errors
