"""The citizen's cabinet and the form's hints in a real Chromium (issue 12 items 6 and 7).

The sign-in letter goes over SMTP to the loopback server (tests/smtp.py); the
link in it is what the citizen follows, to the list of their own appeals.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from publications import services as publications
from publications.models import PublishedAnswer
from tests.browser.journey import EMAIL, field
from tests.browser.test_accessibility import assert_no_violations
from tests.factories import offered_topic
from tests.roles import make_appeal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LINK = re.compile(r"http://[^\s]+/cabinet/enter/[^\s/]+/")


def test_from_the_letter_to_the_list_of_ones_own_appeals(page: Page, live_server, smtp_server):
    first = make_appeal(text="Прошу разъяснить порядок перевода на бюджетное место.")
    second = make_appeal(email="Maria.Ivanova@mail.ru", identified_as="Maria.Ivanova@Mail.ru",
                         text="Прошу предоставить место в общежитии.")
    stranger = make_appeal(last_name="Петров", first_name="Олег", patronymic="", email="oleg.petrov@mail.ru",
                           identified_as="oleg.petrov@mail.ru")

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Личный кабинет: все мои обращения").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Личный кабинет заявителя")
    assert_no_violations(page)
    field(page, "Электронная почта").fill(EMAIL.upper())
    page.get_by_role("button", name="Получить ссылку для входа").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Проверьте почту")

    letter = smtp_server.wait_for_message(1)
    assert letter.to == [EMAIL] and "личный кабинет" in letter.subject
    link = LINK.search(letter.text).group(0)
    page.goto(link)
    assert_no_violations(page)
    page.get_by_role("button", name="Войти в личный кабинет").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Мои обращения")
    table = page.locator("#cabinet-appeals")
    expect(table.get_by_role("link", name=first.number)).to_be_visible()
    expect(table.get_by_role("link", name=second.number)).to_be_visible()
    expect(table.get_by_text(stranger.number)).to_have_count(0)
    assert_no_violations(page)

    table.get_by_role("link", name=second.number).click()
    expect(page.locator("#appeal-number")).to_have_text(f"№ {second.number}")
    expect(page.locator("#appeal-status")).to_have_text("поступило")
    assert_no_violations(page)

    # The link was used: opened again it opens nothing.
    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_text("Вы вышли из личного кабинета.")).to_be_visible()
    page.goto(link)
    expect(page.locator("#cabinet-invalid")).to_contain_text("уже использована или истёк её срок")


def test_the_form_offers_published_answers_while_the_essence_is_typed(page: Page, live_server):
    item = PublishedAnswer.objects.create(
        topic=offered_topic(), title="Места в общежитии для первокурсников",
        question="Как получить место в общежитии?", answer="Места предоставляются по заявлению до 1 августа.",
        published_at=timezone.now())
    publications.refresh_search_vector(item)
    publications.refresh_lexemes()  # as the task queued by a publication does (PostgreSQL; nothing on SQLite)
    page.goto(live_server.url + "/")
    essence = field(page, "Суть обращения")
    essence.press_sequentially("Прошу предоставить мне место в общежитии на время учёбы", delay=5)
    hints = page.locator("#published-hints")
    expect(hints).to_be_visible()
    expect(hints.get_by_role("link", name=item.title)).to_have_attribute("href", item.get_absolute_url())
    # What was typed stays; the form is not blocked.
    expect(essence).to_have_value("Прошу предоставить мне место в общежитии на время учёбы")
    assert_no_violations(page)
