"""The head reads the trends and the ССТУ report in a real Chromium (issue 11).

The head logs in, opens the trends page, switches the period and the step,
reads a chart's table, opens the appeals behind a figure, and downloads the
ССТУ report as XLSX, read back with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests import roles as role_fixtures
from tests.browser.conftest import UI_TIMEOUT
from tests.reports.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
roles = role_fixtures.roles  # the fixture

PASSWORD = "Proverka-2026-parol"


def log_in(page: Page, live_server, user) -> None:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Имя пользователя").fill(user.username)
    page.get_by_label("Пароль").fill(PASSWORD)
    # The head must sign in with the second factor: the code the authenticator app shows now.
    device = role_fixtures.second_factor(user)
    assert device is not None
    page.get_by_label("Код подтверждения").fill(role_fixtures.totp_code(device))
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Работа с обращениями")).to_be_visible()


def test_the_head_reads_trends_and_exports_the_sstu_report(page: Page, live_server, roles, time_machine):
    now = dt.datetime.now(dt.UTC)
    world = build_world(roles, time_machine)
    time_machine.move_to(now)  # back to the present: the session and the browser live in it
    log_in(page, live_server, world.roles.head)
    # From here on, any script or style the CSP blocks, and any file the pages miss, is a failure.
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)

    page.goto(live_server.url + "/admin/reports/trends/?period_from=2026-01&period_to=2026-01")
    expect(page.locator("#chart-topics-summary")).to_contain_text("За период обращений нет")
    # Switch the period in the form, as the head does.
    page.locator("#id_period_from").fill("2026-02")
    page.locator("#id_period_to").fill("2026-03")
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("#chart-topics-summary")).to_contain_text("Больше всего обращений")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 4", timeout=UI_TIMEOUT)
    assert not problems, problems

    table = page.locator("#table-topics")
    expect(table.locator("thead th")).to_have_text(["тематика", "02.2026", "03.2026", "всего"])
    first = table.locator("tbody tr").first
    assert first.locator("th").inner_text().startswith(world.t1.code)
    expect(first.locator("td").nth(0)).to_have_text("6")

    page.get_by_role("link", name="по неделям").click()
    expect(page.locator("#trend-step strong")).to_have_text("по неделям")
    expect(page.locator("#table-topics thead th").nth(1)).to_have_text("26.01.2026")
    expect(page.locator("#id_period_from")).to_have_value("2026-02")

    # The appeals behind a figure: February's six appeals on the first topic.
    page.get_by_role("link", name="по месяцам").click()
    expect(page.locator("#trend-step strong")).to_have_text("по месяцам")
    page.locator("#table-topics tbody tr").first.locator("td a").first.click()
    expect(page).to_have_url(re.compile(r"/admin/appeals/appeal/\?"))
    expected = {world.appeals[n].number for n in ("a1", "a2", "a4", "a5", "a7", "a8")}
    rows = page.locator("#result_list tbody th a")
    expect(rows).to_have_count(len(expected))
    numbers = {text.strip() for text in rows.all_inner_texts()}
    assert numbers == expected

    page.goto(live_server.url + "/admin/reports/report/sstu/?period_from=2026-02&period_to=2026-03")
    expect(page.locator("#table-sstu")).to_contain_text(world.t1.code)
    with page.expect_download() as download_info:
        page.locator("#export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename == "sstu-2026-02.xlsx"
    sheet = load_workbook(BytesIO(open(download.path(), "rb").read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3][:3] == ("код вопроса", "вопрос", "всего вопросов")
    totals = {row[0]: row for row in rows[4:]}
    assert totals[world.t1.code][2] == 5 and totals["Итого"][2] == 8
