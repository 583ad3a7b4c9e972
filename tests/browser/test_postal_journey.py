"""The clerk posts the replies in a real Chromium (issue 9): batch, progress, PDF, ШПИ, dispatch, a return.

The clerk selects two waiting letters in the print queue and builds a batch;
the batch page shows its progress while a worker builds it (here the test's
thread plays the worker, so the build really happens after the page has
loaded) and refreshes itself; the clerk downloads the PDF, enters the first
ШПИ of a roll and marks the batch dispatched. The citizen sees the ШПИ on
the status page; the clerk records a return, and the appeal's executor sees
it on the admin front page.

Staff sessions are made with Django's test client and handed to the browser
as a cookie: the journey is about the print room, not the sign-in.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from appeals.models import Appeal
from letters.models import PostalLetter
from postal import documents, services
from postal.models import Batch
from tests import roles as role_fixtures
from tests.appeals.test_status_page import CODE, make_appeal
from tests.browser.conftest import UI_TIMEOUT
from tests.browser.journey import field
from tests.postal.conftest import make_letter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
roles = role_fixtures.roles  # the fixture

FIRST13 = "1190340112345"


def staff_page(browser: Browser, browser_context_args: dict, live_server, user: User) -> Page:
    client = Client()
    client.force_login(user)
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(UI_TIMEOUT)
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    return context.new_page()


def test_the_clerk_builds_numbers_and_posts_a_batch_and_records_a_return(
        browser: Browser, browser_context_args: dict, live_server, roles, monkeypatch, page: Page):
    # The build waits for "the worker" (this thread) instead of running inside the request.
    queued: list[int] = []
    monkeypatch.setattr(services, "queue_render", queued.append)
    appeals = [
        make_appeal(sequence=n, reply_method="post", department=roles.department_b, executor=roles.executor_b,
                    status=Appeal.Status.IN_WORK, last_name=name)
        for n, name in ((1, "Иванова"), (2, "Петрова"))
    ]
    letters = [make_letter(appeal, pages=2) for appeal in appeals]

    clerk = staff_page(browser, browser_context_args, live_server, roles.clerk)
    clerk.goto(live_server.url + "/admin/letters/postalletter/")
    rows = clerk.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    for letter in letters:
        clerk.locator(f'input[name="_selected_action"][value="{letter.pk}"]').check()
    clerk.locator('select[name="action"]').select_option("build_batch")
    clerk.get_by_role("button", name=re.compile("Выполнить|Go")).click()
    expect(clerk.locator("#batch-count")).to_have_text("Выбрано писем, ожидающих печати: 2.")
    clerk.get_by_label("письма с конвертами").check()
    clerk.get_by_role("button", name="Собрать пакет").click()

    # The batch page: building, then ready without a reload by hand.
    expect(clerk.locator("#batch-status")).to_have_text("собирается")
    assert len(queued) == 1
    services.render_batch(queued[0])
    expect(clerk.locator("#batch-status")).to_have_text("готов к печати")
    expect(clerk.locator("#batch-done")).to_have_text("2")

    href = clerk.locator("#batch-pdf").get_attribute("href")
    response = clerk.request.get(live_server.url + href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.body()))
    batch = Batch.objects.get()
    assert len(reader.pages) == batch.pages >= 2 * (2 + 1)  # two sheets and an envelope each, then the list

    first = FIRST13 + str(documents.tracking_check_digit(FIRST13))
    wrong = FIRST13 + str((documents.tracking_check_digit(FIRST13) + 1) % 10)
    clerk.get_by_label("Первый ШПИ рулона").fill(wrong)
    clerk.get_by_role("button", name="Присвоить номера").click()
    expect(clerk.locator("#roll-form .errorlist")).to_contain_text(
        f"должна быть {documents.tracking_check_digit(FIRST13)}")
    clerk.get_by_label("Первый ШПИ рулона").fill(first)
    clerk.get_by_role("button", name="Присвоить номера").click()
    expect(clerk.locator(".messagelist")).to_contain_text("Присвоено номеров: 2")
    numbers = documents.tracking_roll(first, 2)
    expect(clerk.locator("#batch-items td.tracking")).to_have_text(numbers)

    clerk.get_by_role("button", name="Отметить отправленным").click()
    expect(clerk.locator("#batch-status")).to_have_text("отправлен")

    # The citizen tracks the letter by its ШПИ.
    page.goto(live_server.url + "/status/")
    field(page, "Регистрационный номер").fill(appeals[0].number)
    field(page, "Код доступа").fill(CODE)
    page.get_by_role("button", name="Узнать о ходе рассмотрения").click()
    expect(page.locator(".status-notices")).to_contain_text(f"ШПИ {numbers[0]}")

    # The letter comes back; the clerk records it from the letter's page.
    clerk.goto(live_server.url + f"/admin/letters/postalletter/{letters[0].pk}/change/")
    clerk.get_by_role("link", name="Записать возврат").click()
    clerk.get_by_label("Причина возврата").select_option(label="истёк срок хранения")
    clerk.get_by_role("button", name="Записать возврат").click()
    expect(clerk.locator(".messagelist")).to_contain_text("Возврат записан")
    assert PostalLetter.objects.get(pk=letters[0].pk).status == PostalLetter.Status.RETURNED

    executor = staff_page(browser, browser_context_args, live_server, roles.executor_b)
    executor.goto(live_server.url + "/admin/")
    flag = executor.locator("#attention-postal_returned")
    expect(flag.locator(".count")).to_have_text("1")
    flag.click()
    expect(executor.locator("#result_list tbody tr")).to_have_count(1)
