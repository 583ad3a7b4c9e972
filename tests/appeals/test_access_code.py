"""A new access code from the appeal's page (issue 10 item 7): sent, never shown; the status page says how."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from appeals import tokens
from appeals.models import Appeal, AppealEvent
from appeals.services import handling
from appeals.services.intake import AppealError
from letters.models import PostalLetter
from outbox.models import OutgoingMessage
from tests import roles as role_fixtures

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture

CODE = re.compile(r"код доступа: (\S+?)\.?\s")


def issue(appeal: Appeal, user) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.issue_access_code(appeal, user, comment="Заявитель позвонил: код утерян.")


def test_a_new_code_by_e_mail_replaces_the_old_one(roles):
    appeal = roles.appeal("in_work")
    old_hash = appeal.access_code_hash
    mail.outbox.clear()
    issue(appeal, roles.registrar)
    appeal.refresh_from_db()
    letter = next(m for m in mail.outbox if "Новый код доступа" in m.subject)
    assert letter.to == [appeal.email]
    code = CODE.search(letter.body).group(1)
    assert tokens.check_secret(code, appeal.access_code_hash)
    assert appeal.access_code_hash != old_hash
    event = AppealEvent.objects.filter(appeal=appeal, action="appeal.access_code_issued").get()
    assert event.actor == roles.registrar and event.comment == "Заявитель позвонил: код утерян."
    assert code not in str(event.after) and code not in event.comment  # the history never holds the code
    message = OutgoingMessage.objects.get(appeal=appeal, kind="letters.access_code")
    assert message.redact_after_send and code not in message.body_text  # sent, then redacted


def test_a_new_code_by_post_goes_to_the_print_queue(roles):
    appeal = roles.appeal("answered", reply_method="post")
    issue(appeal, roles.registrar)
    appeal.refresh_from_db()
    letter = PostalLetter.objects.get(appeal=appeal, kind="access_code")
    assert letter.status == PostalLetter.Status.QUEUED
    # A secret goes by registered mail: handed to the addressee against a signature, not left in a box.
    assert letter.mail_class == PostalLetter.MailClass.REGISTERED
    code = CODE.search(letter.text + " ").group(1)
    assert tokens.check_secret(code, appeal.access_code_hash)
    assert AppealEvent.objects.get(appeal=appeal, action="appeal.access_code_issued").after == {
        "sent": "почтовым письмом"}


def test_the_letters_page_in_the_print_queue_does_not_show_the_code(client, roles):
    appeal = roles.appeal("answered", reply_method="post")
    issue(appeal, roles.registrar)
    letter = PostalLetter.objects.get(appeal=appeal, kind="access_code")
    code = CODE.search(letter.text + " ").group(1)
    client.force_login(roles.clerk)
    html = client.get(reverse("admin:letters_postalletter_change", args=[letter.pk])).content.decode()
    assert "здесь не показывается" in html and code not in html


def test_only_the_registrar_issues_codes(roles):
    appeal = roles.appeal("in_work")
    before = appeal.access_code_hash
    for user in (roles.executor_a, roles.head, roles.clerk):
        with pytest.raises(AppealError):
            handling.issue_access_code(appeal, user)
    appeal.refresh_from_db()
    assert appeal.access_code_hash == before


def test_a_postal_appeal_without_an_address_is_refused(roles):
    appeal = roles.appeal("received", reply_method="post", address="", postal_index="")
    with pytest.raises(AppealError, match="Код некуда направить"):
        handling.issue_access_code(appeal, roles.registrar)
    assert not AppealEvent.objects.filter(appeal=appeal, action="appeal.access_code_issued").exists()


def test_the_step_on_the_appeals_page(client, roles):
    appeal = roles.appeal("answered")
    client.force_login(roles.registrar)
    page = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert 'data-step="access_code"' in page
    url = reverse("admin:appeals_appeal_step", args=[appeal.pk, "access_code"])
    form = client.get(url).content.decode()
    assert f"На адрес электронной почты заявителя {appeal.email}." in form
    response = client.post(url, {"comment": ""}, follow=True)
    assert "Новый код доступа направлен заявителю по электронной почте." in response.content.decode()
    assert "Выдан новый код доступа" in response.content.decode()  # the history entry on the page
    client.force_login(roles.executor_a)
    page = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert 'data-step="access_code"' not in page
    assert client.post(url, {"comment": ""}).status_code == 403


def test_the_status_page_says_how_to_get_a_new_code(client):
    html = client.get(reverse("appeals:status")).content.decode()
    assert "Код доступа утерян?" in html
    assert "Попросите новый код в канцелярии" in html
    assert "Прежний код после этого перестанет действовать." in html
