"""The answer as a letter (issue 10 item 4, in part): the head's preview, and one greeting only."""

from __future__ import annotations

import difflib
from io import BytesIO

import pytest
from django.test import TestCase
from django.urls import reverse
from pypdf import PdfReader

from appeals.models import AccessLogEntry, Answer, StaffProfile
from appeals.services import handling
from letters.services import letter_context, own_greeting, render_letter
from tests import roles as role_fixtures

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture


def words(pdf: bytes) -> list[str]:
    return " ".join((page.extract_text() or "") for page in PdfReader(BytesIO(pdf)).pages).split()


def test_the_preview_is_the_signed_letter_but_for_the_number_and_date(roles):
    StaffProfile.objects.create(user=roles.head, position="Проректор по учебной работе",
                                signature_name="П. П. Начальников")
    appeal = roles.appeal("on_approval")
    preview = handling.preview_answer_pdf(appeal, roles.head)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = handling.sign_answer(appeal, roles.head, signer_position="Проректор по учебной работе",
                                      signer_name="П. П. Начальников",
                                      results={q.pk: ("explained", False) for q in appeal.questions.all()})
    with answer.pdf.open("rb") as handle:
        signed = handle.read()
    before, after = words(preview), words(signed)
    changed = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag != "equal":
            changed.append((before[i1:i2], after[j1:j2]))
    date = f"{answer.outgoing_date:%d.%m.%Y}"
    for removed, added in changed:
        assert all(word.strip("№.,") in ("", "от") for word in removed), changed
        assert all(answer.outgoing_number in word or date in word or word.strip("№.,") in ("", "от")
                   for word in added), changed
    assert any(answer.outgoing_number in word for word in after)
    assert "Проректор" in before and "Начальников" in before


def test_the_preview_page(client, roles):
    appeal = roles.appeal("on_approval")
    url = reverse("admin:appeals_appeal_answer_preview", args=[appeal.pk])
    client.force_login(roles.head)
    sign_form = client.get(reverse("admin:appeals_appeal_step", args=[appeal.pk, "sign_answer"])).content.decode()
    assert url in sign_form
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert AccessLogEntry.objects.filter(user=roles.head, appeal=appeal, detail="предпросмотр ответа").count() == 1
    client.force_login(roles.executor_b)  # another department
    assert client.get(url).status_code == 404
    client.force_login(roles.head)
    answered = roles.appeal("answered")
    assert client.get(reverse("admin:appeals_appeal_answer_preview", args=[answered.pk])).status_code == 404


@pytest.mark.parametrize("opening", ["Уважаемая Мария Петровна!", "уважаемая Мария Петровна,", "Здравствуйте!"])
def test_a_draft_with_its_own_greeting_gets_no_second_one(roles, opening):
    appeal = roles.appeal("in_work")
    text = f"{opening}\nСообщаем, что перевод возможен."
    letter = render_letter("answer", letter_context(appeal, {"answer_text": text}))
    assert letter.body.startswith(opening)
    body = letter.body.lower()
    assert body.count("уважаем") + body.count("здравствуйте") == 1
    assert "Сообщаем, что перевод возможен." in letter.body


def test_a_draft_without_a_greeting_gets_the_templates(roles):
    appeal = roles.appeal("in_work")
    letter = render_letter("answer", letter_context(appeal, {"answer_text": "Сообщаем, что перевод возможен."}))
    assert letter.body.startswith("Уважаемая Мария Петровна!")
    assert own_greeting("Уважаемые коллеги сообщили, что\nдалее") == ("", "Уважаемые коллеги сообщили, что\nдалее")


def test_own_greeting_takes_only_an_opening_line():
    assert own_greeting("Уважаемый Иван Иванович!\nТекст.") == ("Уважаемый Иван Иванович!", "Текст.")
    assert own_greeting("Сообщаем. Уважаемый Иван Иванович!") == ("", "Сообщаем. Уважаемый Иван Иванович!")
    assert Answer  # the model the preview renders
