"""The draft page of an answer (issue 10 item 4): beside the editor the citizen's text, files and earlier
appeals (within the official's scope) and the standard passages; the text kept on the server while typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from appeals.models import AnswerAutosave, AppealEvent
from appeals.services import handling
from letters.models import AnswerFragment
from tests import roles as role_fixtures
from tests.appeals.test_isolation import attach
from tests.roles import bring_to, make_appeal

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture


def draft_url(appeal) -> str:
    return reverse("admin:appeals_appeal_step", args=[appeal.pk, "draft_answer"])


def autosave_url(appeal) -> str:
    return reverse("admin:appeals_appeal_answer_autosave", args=[appeal.pk])


def received(**fields):
    """An appeal stored as intake stores it: the transaction's callbacks run (the suggestions' task among them)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return make_appeal(**fields)


def test_the_draft_page_shows_the_citizens_files_and_earlier_appeals_within_scope(client, roles):
    seen = bring_to(received(), "answered", roles)  # department A, the same citizen
    unseen = bring_to(received(), "in_work", roles, department=roles.department_b)  # another department
    # The same full name at another address: not the same author (issue 12 item 1), here as on the appeal's page.
    namesake = bring_to(received(address="г. Казань, ул. Баумана, д. 3", postal_index="420111",
                                 email="namesake@mail.ru", identified_as="namesake@mail.ru"), "answered", roles)
    appeal = bring_to(received(), "in_work", roles)
    attachment = attach(appeal)
    attachment.original_name = "справка о доходах.pdf"
    attachment.save(update_fields=["original_name"])
    client.force_login(roles.executor_a)
    html = client.get(draft_url(appeal)).content.decode()
    assert 'id="citizen-files"' in html and "справка о доходах.pdf" in html
    assert reverse("admin:appeals_appeal_attachment", args=[appeal.pk, attachment.pk]) in html
    assert 'id="earlier-appeals"' in html and seen.number in html
    assert reverse("admin:appeals_appeal_answer_pdf", args=[seen.pk]) in html  # its signed answer
    assert unseen.number not in html  # not within executor A's scope
    assert namesake.number not in html
    assert appeal.text in html


def test_the_standard_passages_are_offered_in_their_order_and_only_the_active(client, roles):
    AnswerFragment.objects.all().delete()
    AnswerFragment.objects.create(title="Второй", text="Текст второго фрагмента.", order=20)
    AnswerFragment.objects.create(title="Первый", text="Текст первого фрагмента.", order=10)
    AnswerFragment.objects.create(title="Старый", text="Больше не используется.", is_active=False)
    appeal = roles.appeal("in_work")
    client.force_login(roles.executor_a)
    html = client.get(draft_url(appeal)).content.decode()
    assert html.index("Текст первого фрагмента.") < html.index("Текст второго фрагмента.")
    assert "Больше не используется." not in html
    # The buttons are shown by the script (hidden without it) and the script is a static file (the CSP).
    assert 'class="button fragment-insert" data-target="fragment-' in html and " hidden>" in html
    assert "js/answer-draft.js" in html and "<script>" not in html


def test_the_shipped_passages_are_there(db):
    titles = set(AnswerFragment.objects.values_list("title", flat=True))
    assert {"Право представить дополнительные документы", "Право ознакомиться с документами"} <= titles


def test_typed_text_is_kept_without_a_history_entry_and_offered_back(client, roles):
    appeal = roles.appeal("in_work")
    client.force_login(roles.executor_a)
    events = AppealEvent.objects.filter(appeal=appeal).count()
    response = client.post(autosave_url(appeal), {"text": "Уважаемая Мария Петровна!\nСообщаем, что"})
    assert response.status_code == 200 and "сохранён автоматически" in response.json()["message"]
    kept = AnswerAutosave.objects.get(appeal=appeal, user=roles.executor_a)
    assert kept.text.endswith("Сообщаем, что")
    assert AppealEvent.objects.filter(appeal=appeal).count() == events  # not a step: no history entry
    # The tab was closed: the page offers the kept text back in the editor.
    html = client.get(draft_url(appeal)).content.decode()
    assert 'id="autosave-restored"' in html and "Сообщаем, что</textarea>" in html
    # Saving the draft makes it the draft; the kept copy goes.
    handling.save_answer_draft(appeal, roles.executor_a, text="Сообщаем, что перевод возможен.")
    assert not AnswerAutosave.objects.filter(appeal=appeal).exists()
    html = client.get(draft_url(appeal)).content.decode()
    assert 'id="autosave-restored"' not in html and "Сообщаем, что перевод возможен.</textarea>" in html


def test_an_older_kept_text_does_not_replace_a_newer_draft(client, roles):
    appeal = roles.appeal("drafted")
    AnswerAutosave.objects.create(appeal=appeal, user=roles.executor_a, text="старый набросок",
                                  saved_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(roles.executor_a)
    html = client.get(draft_url(appeal)).content.decode()
    assert "старый набросок" not in html and 'id="autosave-restored"' not in html


def test_autosave_keeps_the_rules_of_the_draft(client, roles):
    appeal = roles.appeal("in_work")
    client.force_login(roles.executor_b)  # another department: the appeal is not there
    assert client.post(autosave_url(appeal), {"text": "x"}).status_code == 404
    client.force_login(roles.executor_a)
    assert client.get(autosave_url(appeal)).status_code == 405
    on_approval = roles.appeal("on_approval")
    response = client.post(autosave_url(on_approval), {"text": "x"})
    assert response.status_code == 409 and response.json()["error"]
    assert not AnswerAutosave.objects.exists()
