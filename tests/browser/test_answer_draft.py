"""The executor drafts an answer in a real Chromium (issue 10 item 4): a standard passage is inserted at the
cursor, the text is kept on the server while typed, and a closed tab gives it back. The page's screenshot at
1280 px is kept in test-results/answer-letter/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from appeals.models import AnswerAutosave
from letters.models import AnswerFragment
from tests import roles as role_fixtures
from tests.browser.conftest import UI_TIMEOUT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
roles = role_fixtures.roles  # the fixture

PASSWORD = "Proverka-2026-parol"
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results" / "answer-letter"


def test_the_executor_inserts_a_passage_and_a_closed_tab_loses_nothing(page: Page, live_server, roles):
    fragment = AnswerFragment.objects.get(title="Право ознакомиться с документами")
    appeal = roles.appeal("in_work")
    user = roles.executor_a
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.set_default_timeout(UI_TIMEOUT)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Имя пользователя").fill(user.username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    url = f"{live_server.url}/admin/appeals/appeal/{appeal.pk}/step/draft_answer/"
    page.goto(url)
    editor = page.locator("#id_text")
    editor.fill("Уважаемая Мария Петровна!\n\nСообщаем следующее.")
    # The button is the script's (hidden without it): the passage goes where the cursor is, as a paragraph.
    editor.press("End")
    page.locator(f'button[data-target="fragment-{fragment.pk}"]').click()
    expect(editor).to_have_value(f"Уважаемая Мария Петровна!\n\nСообщаем следующее.\n\n{fragment.text}")
    expect(page.locator("#autosave-status")).to_contain_text("сохранён автоматически")
    assert AnswerAutosave.objects.get(appeal=appeal, user=user).text.endswith(fragment.text)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "draft-page-1280.png"), full_page=True)

    # The tab is closed without saving; the next visit offers the text back.
    editor.type(" Ещё строка.")
    page.goto(live_server.url + "/admin/")
    page.goto(url)
    expect(page.locator("#autosave-restored")).to_be_visible()
    expect(page.locator("#id_text")).to_have_value(
        f"Уважаемая Мария Петровна!\n\nСообщаем следующее.\n\n{fragment.text} Ещё строка.")
    # Saved as the draft: the kept copy is gone.
    page.get_by_role("button", name="Сохранить проект").click()
    expect(page.locator(".messagelist")).to_contain_text("Проект ответа сохранён.")
    assert not AnswerAutosave.objects.filter(appeal=appeal).exists()
