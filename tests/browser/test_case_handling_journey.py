"""An appeal's whole life in a real Chromium: the citizen, three officials, the citizen again (issue #4).

The citizen sends an appeal through the form and confirms it from the letter;
the registrar registers it and sends it to department A and executor A; the
executor writes the answer and passes it for signature; the head signs it.
The answer travels over SMTP with its PDF, and the citizen downloads the same
PDF from the status page by the number and the access code.

Each official works in a browser context of their own, logged in through the
admin's login page with a password, as a person does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect
from pypdf import PdfReader

from tests import roles as role_fixtures
from tests.browser.conftest import UI_TIMEOUT
from tests.browser.journey import EMAIL, field, fill_the_form, submit
from tests.smtp import MAIL_TIMEOUT, ReceivedMail, SMTPServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
roles = role_fixtures.roles  # the fixture

PASSWORD = "Proverka-2026-parol"
ANSWER_TEXT = (
    "Сообщаем, что перевод на бюджетное место возможен при наличии вакантных мест "
    "по результатам промежуточной аттестации."
)
ANSWER_PHRASE = "перевод на бюджетное место возможен"
SIGNER_POSITION = "Проректор по учебной работе"


# --- the citizen's side ----------------------------------------------------------
def send_an_appeal(page: Page, live_server, smtp_server: SMTPServer, tmp_path: Path) -> tuple[str, str]:
    """Fill in the form, confirm it from the letter; the number and the access code from the receipt."""
    page.goto(live_server.url + "/")
    fill_the_form(page, tmp_path)
    submit(page)
    letter = smtp_server.wait_for_message(1)
    link = re.search(rf"{re.escape(live_server.url)}/confirm/[0-9a-f-]+/[^\s/]+/", letter.text)
    assert link, letter.text
    page.goto(link.group(0))
    page.get_by_role("button", name="Подтвердить и отправить обращение").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Обращение принято")
    number = page.locator("#appeal-number").inner_text().strip()
    code = page.locator("#access-code").inner_text().strip()
    assert re.fullmatch(rf"ОГ-{timezone.localdate().year}-\d{{6}}", number), number
    return number, code


def wait_for_letter(smtp_server: SMTPServer, subject: str) -> ReceivedMail:
    deadline = time.monotonic() + MAIL_TIMEOUT
    while True:
        found = [m for m in smtp_server.messages if m.subject == subject]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no letter «{subject}» within {MAIL_TIMEOUT} s; received: "
                                 f"{[m.subject for m in smtp_server.messages]}")
        time.sleep(0.05)


def pdf_text(data: bytes) -> str:
    return " ".join((p.extract_text() or "") for p in PdfReader(BytesIO(data)).pages)


def squeeze(text: str) -> str:
    """Text from a PDF breaks lines anywhere: compare with all whitespace folded."""
    return " ".join(text.split())


# --- the officials' side -------------------------------------------------------------
@pytest.fixture
def official(browser: Browser, browser_context_args: dict, live_server, settings) -> Iterator:
    """official(user) -> a page of a fresh browser context, logged in at /admin/ with the password."""
    # The live server runs in this process: a fast hasher there too.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    contexts = []

    def log_in(user: User) -> Page:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        context = browser.new_context(**browser_context_args)
        context.set_default_timeout(UI_TIMEOUT)
        context.set_default_navigation_timeout(UI_TIMEOUT)
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + "/admin/")
        expect(page).to_have_url(re.compile(r"/admin/login/"))
        page.get_by_label("Имя пользователя").fill(user.username)
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        expect(page.get_by_role("heading", name="Работа с обращениями")).to_be_visible()
        return page

    yield log_in
    for context in contexts:
        context.close()


def find_in_the_list(page: Page, live_server, number: str) -> None:
    """Open the list of appeals, search by the number, open the appeal from its row."""
    page.goto(live_server.url + "/admin/appeals/appeal/")
    search = page.get_by_role("search")
    search.get_by_role("textbox").fill(number)
    search.get_by_role("button", name="Найти").click()
    rows = page.locator("#result_list tbody").get_by_role("row")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=2, name=re.compile(re.escape(number)))).to_be_visible()


def readonly(page: Page, label: str) -> Locator:
    """The shown value of a read-only field of the appeal's page, found by its label."""
    row = page.locator(".form-row").filter(has=page.get_by_text(f"{label}:", exact=True))
    return row.locator(".readonly")


def history_entry(page: Page, label: str) -> Locator:
    """The entry of the appeal's history whose heading line reads «<time> — label — <who>»."""
    history = page.locator("fieldset", has=page.get_by_role("heading", name="История", exact=True))
    return history.get_by_role("listitem").filter(has_text=re.compile(rf"\d — {re.escape(label)} — "))


def success_message(page: Page) -> Locator:
    return page.locator(".messagelist .success")


def take_step(page: Page, title: str) -> None:
    """Press the step's button in «Действия» and land on its form."""
    page.get_by_role("navigation", name="Действия с обращением").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def submit_step(page: Page, title: str) -> None:
    page.get_by_role("button", name=title, exact=True).click()


# --- the journey ---------------------------------------------------------------------
def test_registered_assigned_answered_signed_and_downloaded_by_the_citizen(
    page: Page, live_server, smtp_server, tmp_path, roles, official
):
    # 1. The citizen sends the appeal; it is «поступило».
    number, code = send_an_appeal(page, live_server, smtp_server, tmp_path)
    # An appeal of the other department, for the executor's list.
    other = roles.appeal("in_work", department=roles.department_b)

    # 2. The registrar registers it and sends it to department A, executor A.
    registrar = official(roles.registrar)
    registrar.goto(live_server.url + "/admin/appeals/appeal/")
    # The registrar sees every appeal, the other department's too.
    expect(registrar.get_by_role("link", name=other.number, exact=True)).to_be_visible()
    find_in_the_list(registrar, live_server, number)
    expect(readonly(registrar, "Состояние")).to_have_text("поступило")
    take_step(registrar, "Зарегистрировать")
    submit_step(registrar, "Зарегистрировать")
    expect(success_message(registrar)).to_have_text("Обращение зарегистрировано.")
    expect(readonly(registrar, "Состояние")).to_have_text("зарегистрировано")
    expect(history_entry(registrar, "Зарегистрировано")).to_contain_text("Ольга Регистрова")
    registered = wait_for_letter(smtp_server, f"О регистрации обращения № {number}")
    assert registered.to == [EMAIL]

    take_step(registrar, "Направить в подразделение")
    field(registrar, "Подразделение:").select_option(label=str(roles.department_a))
    field(registrar, "Исполнитель:").select_option(label="Анна Смирнова (executor_a)")
    submit_step(registrar, "Направить в подразделение")
    expect(success_message(registrar)).to_have_text(
        f"Обращение направлено на рассмотрение: {roles.department_a}."
    )
    expect(readonly(registrar, "Состояние")).to_have_text("на рассмотрении")
    expect(readonly(registrar, "Исполнитель")).to_contain_text("executor_a")
    expect(history_entry(registrar, "Направлено на рассмотрение")).to_have_count(1)

    # 3. Executor A sees it in the list, not the appeal of department B; writes the answer and passes it on.
    executor = official(roles.executor_a)
    executor.goto(live_server.url + "/admin/appeals/appeal/")
    listed = executor.locator("#result_list tbody").get_by_role("row")
    expect(listed).to_have_count(1)
    expect(listed.get_by_role("link", name=number)).to_be_visible()
    expect(executor.get_by_role("link", name=other.number, exact=True)).to_have_count(0)
    listed.get_by_role("link", name=number).click()
    expect(readonly(executor, "Состояние")).to_have_text("на рассмотрении")
    take_step(executor, "Подготовить ответ")
    field(executor, "Текст ответа:").fill(ANSWER_TEXT)
    submit_step(executor, "Подготовить ответ")
    expect(success_message(executor)).to_have_text("Проект ответа сохранён.")
    answer_panel = executor.locator("fieldset", has=executor.get_by_role("heading", name="Ответ", exact=True))
    expect(answer_panel).to_contain_text(ANSWER_PHRASE)
    expect(answer_panel).to_contain_text("проект")
    take_step(executor, "Передать на подпись")
    expect(executor.get_by_text(ANSWER_PHRASE)).to_be_visible()  # the text to be signed, shown once more
    # The cause found for the question (issue 11), which the head confirms at signing.
    field(executor, "Причина:").select_option(label="недостаток информации")
    submit_step(executor, "Передать на подпись")
    expect(success_message(executor)).to_have_text("Ответ передан на подпись.")
    expect(readonly(executor, "Состояние")).to_have_text("ответ на подписании")
    expect(history_entry(executor, "Ответ передан на подпись")).to_have_count(1)

    # 4. The head signs it.
    head = official(roles.head)
    find_in_the_list(head, live_server, number)
    take_step(head, "Подписать ответ")
    expect(head.get_by_text(ANSWER_PHRASE)).to_be_visible()
    field(head, "Должность подписывающего:").fill(SIGNER_POSITION)
    results = head.get_by_role("combobox", name=re.compile(r"\.0272 Платное образование"))
    expect(results).to_have_count(1)  # the one question: the appeal's topic
    results.select_option(label="разъяснено")
    submit_step(head, "Подписать ответ")
    signed = success_message(head)
    expect(signed).to_have_text(re.compile(r"^Ответ подписан, исх\. № \S+, и направлен заявителю\.$"))
    outgoing = re.search(r"исх\. № (\S+),", signed.inner_text()).group(1)
    expect(readonly(head, "Состояние")).to_have_text("дан ответ")
    answer_panel = head.locator("fieldset", has=head.get_by_role("heading", name="Ответ", exact=True))
    expect(answer_panel).to_contain_text(outgoing)
    expect(answer_panel).to_contain_text(SIGNER_POSITION)
    expect(history_entry(head, "Ответ подписан и направлен")).to_contain_text(outgoing)
    analysis = head.locator("#complaint-analysis")
    expect(analysis).to_contain_text("недостаток информации")
    expect(analysis).to_contain_text("разъяснено")

    # 5. The answer arrives by e-mail with its PDF.
    letter = wait_for_letter(smtp_server, f"Ответ на обращение № {number}")
    assert letter.to == [EMAIL]
    assert ANSWER_PHRASE in squeeze(letter.text)
    mail = message_from_bytes(letter.raw, policy=policy.default)
    pdfs = [part for part in mail.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1, [part.get_content_type() for part in mail.iter_attachments()]
    mailed_pdf = pdfs[0].get_content()
    assert mailed_pdf.startswith(b"%PDF-")

    # 6. The citizen opens the status page and downloads the answer.
    page.goto(live_server.url + "/status/")
    field(page, "Регистрационный номер").fill(number)
    field(page, "Код доступа").fill(code)
    page.get_by_role("button", name="Узнать о ходе рассмотрения").click()
    expect(page.locator("#appeal-number")).to_have_text(f"№ {number}")
    expect(page.locator("#appeal-status")).to_have_text("дан ответ")
    expect(page.locator("#answer-number")).to_contain_text(outgoing)
    expect(page.get_by_text(SIGNER_POSITION)).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Скачать ответ (PDF)").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    saved = tmp_path / "answer.pdf"
    download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-")
    text = squeeze(pdf_text(data))
    assert number in text, text
    assert ANSWER_PHRASE in text, text
    assert outgoing in text, text
    assert data == mailed_pdf  # the document sent is the document kept
