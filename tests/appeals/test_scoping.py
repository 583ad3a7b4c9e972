"""Issue 8 item 1: a citizen's letters, messages and access-log rows reach a role only as far as the appeal does."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from appeals.models import AccessLogEntry, Appeal
from appeals.services import access
from letters.models import PostalLetter
from outbox.admin import mask_address
from outbox.models import OutgoingMessage
from tests.roles import Roles, make_user

pytestmark = pytest.mark.django_db

EMAIL = "g.sheremetev@mail.ru"
BODY = "Уважаемый Глеб Аркадьевич! Стипендия за март пересчитана."
REFUSAL = f"SMTPRecipientsRefused: {{'{EMAIL}': (550, b'5.1.1 mailbox unavailable')}}"


def grant(user: User, *perms: str) -> User:
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=user.pk)  # a fresh object: no cached permissions


@pytest.fixture
def postal(roles: Roles) -> dict[str, Appeal]:
    """Two appeals answered by post: one of department A, one of department B."""
    return {
        "a": roles.appeal("answered", reply_method="post", last_name="Алексеева"),
        "b": roles.appeal("answered", department=roles.department_b, reply_method="post", last_name="Шереметьева"),
    }


def message_of(appeal: Appeal | None, **fields) -> OutgoingMessage:
    values = {"kind": "letters.answer", "to": EMAIL, "subject": "Ответ на обращение Шереметьевой",
              "body_text": BODY, "status": OutgoingMessage.Status.FAILED, "attempts": 5, "last_error": REFUSAL}
    return OutgoingMessage.objects.create(appeal=appeal, **{**values, **fields})


LETTERS = reverse("admin:letters_postalletter_changelist")
MESSAGES = reverse("admin:outbox_outgoingmessage_changelist")
LOG = reverse("admin:appeals_accesslogentry_changelist")


def letter_url(appeal: Appeal) -> str:
    return reverse("admin:letters_postalletter_change", args=[PostalLetter.objects.filter(appeal=appeal).first().pk])


def message_url(message: OutgoingMessage) -> str:
    return reverse("admin:outbox_outgoingmessage_change", args=[message.pk])


# --- postal letters ------------------------------------------------------------------------
def test_an_executor_sees_the_postal_letters_of_their_department_only(client, roles, postal):
    client.force_login(roles.executor_a)
    html = client.get(LETTERS).content.decode()
    assert "Алексеевой" in html and "Шереметьевой" not in html
    assert client.get(letter_url(postal["b"])).status_code == 404
    assert client.get(letter_url(postal["a"])).status_code == 200


def test_the_clerk_sees_every_postal_letter(client, roles, postal):
    client.force_login(roles.clerk)
    html = client.get(LETTERS).content.decode()
    assert "Алексеевой" in html and "Шереметьевой" in html
    assert client.get(letter_url(postal["b"])).status_code == 200


def test_a_postal_letters_page_is_written_to_the_access_log(client, roles, postal):
    client.force_login(roles.clerk)
    client.get(letter_url(postal["b"]))
    entry = AccessLogEntry.objects.get(user=roles.clerk)
    assert entry.appeal == postal["b"] and entry.action == AccessLogEntry.Action.VIEW_LETTER
    assert entry.detail.startswith("почтовое письмо №")
    client.get(LETTERS)
    assert AccessLogEntry.objects.filter(user=roles.clerk).count() == 1  # the list is not a letter's page


# --- the outbox -------------------------------------------------------------------------------
def test_the_administrator_sees_the_delivery_state_but_not_the_letter(client, roles, postal):
    message = message_of(postal["b"])
    client.force_login(roles.administrator)
    html = client.get(message_url(message)).content.decode()
    assert "не отправлено" in html and "5.1.1 mailbox unavailable" in html and "[адрес скрыт]" in html
    for secret in (EMAIL, "g.sheremetev", "Шереметьев", "Стипендия"):
        assert secret not in html
    assert postal["b"].number in html  # which appeal the failing letter is about
    assert not AccessLogEntry.objects.filter(user=roles.administrator).exists()
    html = client.get(MESSAGES).content.decode()
    assert postal["b"].number in html and EMAIL not in html and "Шереметьев" not in html


@pytest.mark.parametrize("lookup", ["to__startswith", "to", "subject__icontains", "body_text__icontains",
                                    "body_html__contains", "last_error__icontains", "appeal__last_name__startswith"])
def test_the_outbox_list_cannot_be_filtered_by_what_it_hides(client, roles, postal, lookup):
    """?to__startswith=g would tell, one letter at a time, the address the page hides."""
    message_of(postal["b"])
    client.force_login(roles.administrator)
    assert client.get(MESSAGES, {lookup: "g"}).status_code == 400
    assert client.get(MESSAGES, {"status__exact": "failed"}).status_code == 200


def test_staff_who_may_see_the_appeal_read_its_message_and_are_logged(client, roles, postal):
    message = message_of(postal["b"])
    registrar = grant(roles.registrar, "outbox.view_outgoingmessage")
    client.force_login(registrar)
    html = client.get(message_url(message)).content.decode()
    assert EMAIL in html and "Стипендия за март пересчитана" in html and REFUSAL.split(":")[0] in html
    entry = AccessLogEntry.objects.get(user=registrar)
    assert entry.appeal == postal["b"] and entry.action == AccessLogEntry.Action.VIEW_LETTER
    assert "исходящее сообщение" in entry.detail


def test_staff_who_may_not_see_the_appeal_read_only_the_delivery_state(client, roles, postal):
    message = message_of(postal["b"])
    executor_a = grant(roles.executor_a, "outbox.view_outgoingmessage")
    client.force_login(executor_a)
    response = client.get(message_url(message))
    html = response.content.decode()
    assert response.status_code == 200 and EMAIL not in html and "Стипендия" not in html
    assert not AccessLogEntry.objects.filter(user=executor_a).exists()
    own = message_of(postal["a"], to="a.alekseeva@mail.ru", body_text="Уважаемая Алла!")
    assert "a.alekseeva@mail.ru" in client.get(message_url(own)).content.decode()


def test_a_message_without_an_appeal_shows_its_text_to_superusers_only(client, roles, caplog):
    """The confirmation code of a draft: no appeal to decide by, and a secret in the text."""
    message = message_of(None, kind="appeals.confirmation", body_text="Код подтверждения: 482913",
                         subject="Подтвердите адрес", last_error="")
    registrar = grant(roles.registrar, "outbox.view_outgoingmessage")  # sees every appeal, still not this
    for user in (roles.administrator, registrar):
        client.force_login(user)
        html = client.get(message_url(message)).content.decode()
        assert "482913" not in html and EMAIL not in html and "Подтвердите адрес" not in html
    superuser = make_user("root", is_superuser=True)
    client.force_login(superuser)
    with caplog.at_level(logging.INFO, logger="appeals.admin"):
        html = client.get(message_url(message)).content.decode()
    assert "482913" in html and EMAIL in html
    # The access log's rows belong to an appeal: the server's log has this one.
    assert not AccessLogEntry.objects.exists()
    assert "personal data page without an appeal model=outbox.OutgoingMessage" in caplog.text


def test_the_page_title_of_a_message_does_not_name_its_recipient(roles, postal):
    assert EMAIL not in str(message_of(postal["b"]))


def test_mask_address_hides_the_address_and_its_mailbox():
    assert mask_address(REFUSAL, EMAIL) == (
        "SMTPRecipientsRefused: {'[адрес скрыт]': (550, b'5.1.1 mailbox unavailable')}")
    assert mask_address("550 <G.Sheremetev@Mail.RU>: no mailbox g.sheremetev", EMAIL) == (
        "550 <[адрес скрыт]>: no mailbox [адрес скрыт]")
    assert mask_address("", EMAIL) == "" and mask_address("timeout", "") == "timeout"


# --- the access log ---------------------------------------------------------------------------
def test_the_access_log_shows_a_reader_the_rows_of_the_appeals_they_may_see(client, roles, postal):
    for appeal in postal.values():
        AccessLogEntry.objects.create(user=roles.registrar, appeal=appeal, action="download", detail="скан.pdf")
    executor_a = grant(roles.executor_a, "appeals.view_accesslogentry")
    client.force_login(executor_a)
    html = client.get(LOG).content.decode()
    assert postal["a"].number in html and postal["b"].number not in html
    other = AccessLogEntry.objects.get(appeal=postal["b"])
    assert client.get(reverse("admin:appeals_accesslogentry_change", args=[other.pk])).status_code == 404


def test_the_log_list_names_no_file_and_an_entrys_page_is_logged(client, roles, postal):
    AccessLogEntry.objects.create(user=roles.executor_b, appeal=postal["b"], action="download",
                                  detail="паспорт Шереметьевой.pdf")
    entry = AccessLogEntry.objects.get()
    client.force_login(roles.head)
    html = client.get(LOG).content.decode()
    assert postal["b"].number in html and "паспорт" not in html
    html = client.get(reverse("admin:appeals_accesslogentry_change", args=[entry.pk])).content.decode()
    assert "паспорт Шереметьевой.pdf" in html
    audit = AccessLogEntry.objects.get(user=roles.head)
    assert audit.action == AccessLogEntry.Action.VIEW_LOG and audit.appeal == postal["b"]
    assert audit.detail == f"запись журнала № {entry.pk}"


# --- other ways to an appeal ------------------------------------------------------------------
def test_autocomplete_and_popups_find_no_appeal_of_another_department(client, roles, postal):
    def found(source: str, term: str) -> list[str]:
        app_label, model_name = source.split("/")
        response = client.get(reverse("admin:autocomplete"), {
            "app_label": app_label, "model_name": model_name, "field_name": "appeal", "term": term,
        })
        assert response.status_code == 200, source
        return [result["text"] for result in response.json()["results"]]

    client.force_login(roles.executor_a)
    for source in ("letters/postalletter", "outbox/outgoingmessage", "appeals/accesslogentry"):
        assert found(source, "Шереметьева") == [], source
        assert found(source, postal["b"].number) == [], source
        assert found(source, "Алексеева") == [postal["a"].number], source
    popup = client.get(reverse("admin:appeals_appeal_changelist"), {"_popup": "1", "_to_field": "id"})
    assert postal["a"].number in popup.content.decode() and postal["b"].number not in popup.content.decode()


def test_rows_of_no_appeal_are_within_no_appeals_reach(roles, postal):
    message_of(None, kind="appeals.confirmation")
    with_appeal = message_of(postal["b"])
    assert list(access.visible_through_appeal(roles.registrar, OutgoingMessage.objects.all())) == [with_appeal]
    assert not access.visible_through_appeal(roles.executor_a, OutgoingMessage.objects.all()).exists()
    assert not access.visible_through_appeal(roles.administrator, OutgoingMessage.objects.all()).exists()
    assert access.can_read_contents(roles.executor_b, postal["b"]) and not access.can_read_contents(roles.head, None)


def test_no_admin_model_has_a_view_on_site_link():
    """Django's "view on site" (/admin/r/<type>/<id>/) redirects to a model's page without asking the admin's
    rules; no model registered here has one, so the shortcut leads nowhere."""
    from django.contrib import admin

    with_link = [model._meta.label for model, model_admin in admin.site._registry.items()
                 if model_admin.view_on_site and hasattr(model, "get_absolute_url")]
    assert with_link == []


def test_the_shortcut_to_an_appeal_leads_nowhere(client, roles, postal):
    from django.contrib.contenttypes.models import ContentType

    client.force_login(roles.executor_a)
    content_type = ContentType.objects.get_for_model(Appeal)
    response = client.get(reverse("admin:view_on_site", args=[content_type.pk, postal["b"].pk]))
    assert response.status_code == 404
