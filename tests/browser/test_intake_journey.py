"""The citizen's journey in a real Chromium against the live portal, with a real SMTP server.

tests/appeals/test_intake.py walks the same journey through Django's test
client; here a person's browser fills in the form, the letter travels over
SMTP on loopback, and the link from it is opened in the same browser.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from appeals.models import Appeal, Draft
from tests.browser.journey import CONFIRM_PAGE, EMAIL, FILE_NAME, field, fill_the_form, submit, type_captcha

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data. serialized_rollback puts back what
    # the migrations loaded (topics, notes, the institution) after each flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_whole_journey_in_a_browser_with_letters_over_smtp(page: Page, live_server, smtp_server, tmp_path):
    page.goto(live_server.url + "/")
    expect(page).to_have_title(re.compile(r"^Форма для подачи электронного обращения — \S"))
    notes = page.get_by_role("region", name="Порядок подачи обращения")
    expect(notes).to_be_visible()
    expect(
        notes.get_by_text("Обращения, направленные в форме электронного документа через официальный сайт").first
    ).to_be_visible()

    fill_the_form(page, tmp_path)
    submit(page)

    expect(page.get_by_role("heading", level=1)).to_have_text(CONFIRM_PAGE)
    expect(page.get_by_text(EMAIL)).to_be_visible()
    assert not Appeal.objects.exists()  # a draft is not an appeal

    letter = smtp_server.wait_for_message(1)
    assert letter.subject.startswith("Подтвердите обращение в "), letter.subject
    assert letter.to == [EMAIL] and letter.rcpt_tos == [EMAIL]
    match = re.search(rf"{re.escape(live_server.url)}/confirm/[0-9a-f-]+/[^\s/]+/", letter.text)
    assert match, letter.text
    assert re.search(r"код: \d{6}", letter.text), letter.text

    page.goto(match.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Подтверждение обращения")
    assert not Appeal.objects.exists()  # opening the link alone changes nothing
    page.get_by_role("button", name="Подтвердить и отправить обращение").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Обращение принято")
    year = timezone.localdate().year
    number_element = page.locator("#appeal-number")
    expect(number_element).to_have_text(re.compile(rf"^ОГ-{year}-000001$"))
    number = number_element.inner_text()
    access_code = page.locator("#access-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9-]{6,}", access_code), access_code

    ack = smtp_server.wait_for_message(2)
    assert number in ack.subject and ack.subject == f"О поступлении обращения № {number}"
    assert ack.to == [EMAIL] and ack.rcpt_tos == [EMAIL]
    assert access_code not in ack.text  # the code is shown once and never mailed
    assert len(smtp_server.messages) == 2

    appeal = Appeal.objects.get()
    assert appeal.number == number
    assert appeal.identified_as == EMAIL
    assert access_code not in appeal.access_code_hash
    assert [a.original_name for a in appeal.attachments.all()] == [FILE_NAME]
    assert appeal.attachment_count == 1


def test_a_failed_submission_keeps_what_was_typed_and_the_file(page: Page, live_server, smtp_server, tmp_path):
    page.goto(live_server.url + "/")
    fill_the_form(page, tmp_path, last_name="", email="maria.ivanova@gmail.com")
    submit(page)

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("Фамилия: Укажите фамилию."))).to_be_visible()
    expect(summary.get_by_role("listitem")).to_have_count(2)  # the surname and the e-mail, nothing else:
    expect(summary).not_to_contain_text("Символы введены неверно")  # "PASSED" held in the live server

    # Each error stands in the field's own block, next to its input, and is
    # read out with the input (aria-describedby).
    last_name_block = page.locator("#div_id_last_name")
    expect(last_name_block.get_by_text("Укажите фамилию.")).to_be_visible()
    email_block = page.locator("#div_id_email")
    expect(email_block.get_by_text(re.compile("российской национальной доменной зоне"))).to_be_visible()
    last_name = field(page, "Фамилия")
    expect(last_name).to_have_value("")
    expect(last_name).to_have_attribute("aria-invalid", "true")
    expect(last_name).to_have_accessible_description(re.compile("Укажите фамилию."))
    expect(field(page, "Электронная почта")).to_have_accessible_description(
        re.compile("российской национальной доменной зоне")
    )

    # What was typed is still there; the accepted file is kept with the draft.
    expect(field(page, "Имя")).to_have_value("Мария")
    expect(field(page, "Электронная почта")).to_have_value("maria.ivanova@gmail.com")
    expect(field(page, "Индекс")).to_have_value("119034")
    kept = page.locator(".kept-files")
    expect(kept.get_by_text("Уже приложенные файлы")).to_be_visible()
    expect(kept.get_by_text(FILE_NAME)).to_be_visible()
    page.screenshot(path=tmp_path / "form-errors-1280.png", full_page=True)
    assert smtp_server.messages == []

    # The summary's link takes the keyboard to the field.
    summary.get_by_role("link", name=re.compile("^Фамилия:")).click()
    expect(last_name).to_be_focused()
    last_name.fill("Иванова")
    field(page, "Электронная почта").fill(EMAIL)
    type_captcha(page)
    submit(page)

    expect(page.get_by_role("heading", level=1)).to_have_text(CONFIRM_PAGE)
    draft = Draft.objects.get()
    assert draft.email == EMAIL
    assert [a.original_name for a in draft.attachments.all()] == [FILE_NAME]  # not attached twice
    assert smtp_server.wait_for_message(1).to == [EMAIL]


def test_keyboard_skip_link_and_narrow_screen(page: Page, live_server, tmp_path):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Перейти к содержимому")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visually-hidden-focusable shows it on focus
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("#main")).to_be_focused()

    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server.url + "/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"horizontal scroll at 360 px: scrollWidth={scroll_width}"
    page.screenshot(path=tmp_path / "form-360.png", full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=tmp_path / "form-1280.png", full_page=True)


# --- accessibility details found by these journeys ---
def test_the_captcha_answer_has_a_name(page: Page, live_server):
    page.goto(live_server.url + "/")
    answer = page.locator("input[name=captcha_1]")
    expect(answer).to_be_visible()
    assert page.get_by_role("textbox", name=re.compile("Введите символы с картинки")).count() == 1


def test_every_error_in_the_summary_links_to_its_field(page: Page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Отправить обращение").click()
    expect(page.locator("#error-summary")).to_be_focused()
    links = page.locator("#error-summary a")
    expect(links.filter(has_text="Способ получения ответа")).to_have_count(1)
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    broken = [
        href
        for href in hrefs
        if href == "#" or not page.evaluate("href => !!document.getElementById(href.slice(1))", href)
    ]
    assert broken == [], broken
