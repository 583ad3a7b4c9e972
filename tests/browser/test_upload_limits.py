"""Files in a real Chromium: the form's script, long names, and the 413 page (issue 8, items 6 and 7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from appeals.attachments import short_file_name
from appeals.models import Draft
from tests.browser.journey import CONFIRM_PAGE, field, fill_the_form, submit, type_captcha
from tests.factories import make_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MB = 1024 * 1024
LONG_RUSSIAN_NAME = (
    "Заявление о предоставлении копии решения комиссии по рассмотрению обращений граждан "
    "от 12 марта 2026 года, страница 1.pdf"
)


def big_file(tmp_path: Path, name: str, size: int) -> Path:
    """A file of `size` bytes that starts like a PDF (the script looks at names and sizes only)."""
    path = tmp_path / name
    with path.open("wb") as out:
        out.write(make_pdf())
        out.truncate(size)
    return path


def posts_of(page: Page) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    return sent


def test_the_script_refuses_files_too_large_together_before_sending(page: Page, live_server, tmp_path):
    page.goto(live_server.url + "/")
    fill_the_form(page, tmp_path)
    posts = posts_of(page)
    files = field(page, "Прикрепить файл")
    files.set_input_files([big_file(tmp_path, "скан-1.pdf", 6 * MB), big_file(tmp_path, "скан-2.pdf", 5 * MB)])

    # The message stands under the file field, and is read out with it.
    block = page.locator("#div_id_attachments")
    message = block.get_by_role("alert")
    expect(message).to_be_visible()
    expect(message).to_have_text(re.compile(r"занимают 11 МБ, а можно не больше 10 МБ"))
    expect(files).to_have_attribute("aria-invalid", "true")
    expect(files).to_have_accessible_description(re.compile("можно не больше 10 МБ"))
    block.screenshot(path=tmp_path / "files-too-large.png")

    submit(page)
    expect(files).to_be_focused()
    assert posts == []  # nothing was sent
    expect(page.get_by_role("heading", level=1)).not_to_have_text(CONFIRM_PAGE)

    # A selection that fits goes through.
    files.set_input_files(big_file(tmp_path, "скан.pdf", 3 * MB))
    expect(message).to_be_hidden()
    expect(files).not_to_have_attribute("aria-invalid", "true")


def test_the_script_refuses_a_file_that_is_not_pdf_or_jpeg(page: Page, live_server, tmp_path):
    page.goto(live_server.url + "/")
    fill_the_form(page, tmp_path)
    posts = posts_of(page)
    document = tmp_path / "Заявление.docx"
    document.write_bytes(b"PK\x03\x04 a word document")
    field(page, "Прикрепить файл").set_input_files(document)

    message = page.locator("#div_id_attachments").get_by_role("alert")
    expect(message).to_have_text(re.compile(r"Файл «Заявление\.docx» — не PDF и не JPEG"))
    submit(page)
    assert posts == []


def test_a_pdf_with_a_long_russian_name_is_kept_and_shown_shortened(page: Page, live_server, tmp_path):
    page.goto(live_server.url + "/")
    fill_the_form(page, tmp_path, last_name="")
    path = tmp_path / LONG_RUSSIAN_NAME
    path.write_bytes(make_pdf())
    field(page, "Прикрепить файл").set_input_files(path)
    submit(page)

    # The surname is missing, the file passed its checks and is kept.
    kept = page.locator(".kept-files")
    shown = short_file_name(LONG_RUSSIAN_NAME)
    assert len(shown) == 80 and shown.endswith(".pdf")
    expect(kept.get_by_text(shown)).to_be_visible()
    expect(kept.get_by_title(LONG_RUSSIAN_NAME)).to_have_count(1)
    expect(page.locator("#div_id_attachments")).not_to_contain_text("не оканчивается на .pdf")
    [attachment] = Draft.objects.get().attachments.all()
    assert attachment.original_name == LONG_RUSSIAN_NAME  # stored whole


def test_without_the_script_an_oversized_form_gets_the_413_page_and_back_keeps_the_text(
    browser: Browser, live_server, tmp_path
):
    """The form works without JavaScript; then the server's limit answers, with the Russian page.

    The live server is Django's own (the runserver handler of `make run`),
    where the size middleware's hop-by-hop header used to give a 500.
    """
    context = browser.new_context(java_script_enabled=False, locale="ru-RU")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        fill_the_form(page, tmp_path)
        field(page, "Суть обращения").fill("Текст, который жалко набирать заново.")
        field(page, "Прикрепить файл").set_input_files(big_file(tmp_path, "большой скан.pdf", 13 * MB))
        submit(page)

        expect(page.get_by_role("heading", level=1)).to_have_text("Файлы слишком большие")
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text(re.compile(r"занимает 13,\d МБ, а принимается не больше 12 МБ"))
        expect(alert).to_contain_text("файлы вместе могут занимать не больше 10 МБ")
        expect(alert).to_contain_text("Нажмите в браузере кнопку «Назад»: введённый текст останется в форме.")
        page.screenshot(path=tmp_path / "request-too-large.png", full_page=True)
        assert not Draft.objects.exists()

        # What the page promises: Back brings the form with the text in it.
        page.go_back()
        expect(field(page, "Суть обращения")).to_have_value("Текст, который жалко набирать заново.")
        expect(field(page, "Фамилия")).to_have_value("Иванова")
        expect(field(page, "Электронная почта")).to_have_value("maria.ivanova@mail.ru")
        # Send it again with a smaller file: it goes through.
        field(page, "Прикрепить файл").set_input_files(big_file(tmp_path, "скан.pdf", 1 * MB))
        type_captcha_without_script(page)
        submit(page)
        expect(page.get_by_role("heading", level=1)).to_have_text(CONFIRM_PAGE)
    finally:
        context.close()


def type_captcha_without_script(page: Page) -> None:
    # The captcha is new after Back (a new page load); its answer box is empty.
    type_captcha(page)
