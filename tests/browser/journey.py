"""Steps of the citizen's journey in the browser, shared by the browser tests."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.factories import make_pdf

EMAIL = "maria.ivanova@mail.ru"
FILE_NAME = "Справка о доходах.pdf"
CONFIRM_PAGE = "Подтвердите адрес электронной почты"


def field(page: Page, label: str) -> Locator:
    """The control whose label is exactly `label`, with or without the required asterisk."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def attach_pdf(page: Page, tmp_path: Path, name: str = FILE_NAME) -> Path:
    path = tmp_path / name
    path.write_bytes(make_pdf())
    field(page, "Прикрепить файл").set_input_files(path)
    return path


def fill_the_form(page: Page, tmp_path: Path, *, last_name: str = "Иванова", email: str = EMAIL) -> Path:
    """Fill in every field the way a person does: by the labels they read."""
    if last_name:
        field(page, "Фамилия").fill(last_name)
    field(page, "Имя").fill("Мария")
    field(page, "Отчество").fill("Петровна")
    field(page, "Адрес (субъект РФ, населённый пункт, улица, дом, кв.)").fill("г. Москва, ул. Остоженка, д. 1, кв. 2")
    field(page, "Индекс").fill("119034")
    field(page, "Телефон").fill("+7 916 123-45-67")
    field(page, "Электронная почта").fill(email)
    page.get_by_label("По электронной почте", exact=True).check()
    topic = field(page, "Тематика")
    option = topic.locator("option", has_text="0272 Платное образование")
    expect(option).to_have_count(1)
    topic.select_option(value=option.get_attribute("value"))
    page.get_by_label("Первичное", exact=True).check()
    field(page, "Суть обращения").fill("Прошу разъяснить порядок перевода на бюджетное место.")
    path = attach_pdf(page, tmp_path)
    page.get_by_label(re.compile(r"^\s*Я согласен с порядком передачи и рассмотрения обращений")).check()
    type_captcha(page)
    return path


def type_captcha(page: Page) -> None:
    # CAPTCHA_TEST_MODE (tests/conftest.py) accepts "PASSED"; the live server
    # runs in this process, so the patched module attribute holds there too.
    captcha = page.get_by_role("group", name=re.compile("Введите символы с картинки")).get_by_role("textbox")
    expect(captcha).to_have_value("")
    captcha.fill("PASSED")


def submit(page: Page) -> None:
    page.get_by_role("button", name="Отправить обращение").click()
