"""Officials see the received appeals in Django admin and download their files."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.urls import reverse

from appeals.models import Appeal, Attachment
from tests.appeals.test_intake import FORM_URL, confirmation_link
from tests.factories import form_data, make_pdf, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(client) -> Appeal:
    client.post(FORM_URL, {**form_data(), "attachments": [upload("Справка о доходах.pdf", make_pdf())]})
    client.post(confirmation_link(mail.outbox[-1]))
    return Appeal.objects.get()


def staff_with(*codenames: str) -> User:
    user = User.objects.create_user("official", password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="appeals", codename__in=codenames))
    return user


def download_url(attachment: Attachment) -> str:
    return reverse("admin:appeals_appeal_attachment", args=[attachment.appeal_id, attachment.pk])


def test_list_shows_what_officials_need(admin_client, appeal):
    response = admin_client.get(reverse("admin:appeals_appeal_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (appeal.number, "Иванова М. П.", appeal.topic_code, "Первичное", "поступило"):
        assert text in html
    assert f"{appeal.registration_due:%d.%m.%Y}" in html  # the due date, first after the number
    assert "_facets" not in html  # no per-filter counts over the whole table


@pytest.mark.parametrize("query", ["ОГ-", "иванова", "Иван", " ИВАНОВА "])
def test_search_by_number_and_surname(admin_client, appeal, query):
    response = admin_client.get(reverse("admin:appeals_appeal_changelist"), {"q": query})
    assert appeal.number in response.content.decode()


def test_search_misses_other_surnames(admin_client, appeal):
    response = admin_client.get(reverse("admin:appeals_appeal_changelist"), {"q": "Петров"})
    assert appeal.number not in response.content.decode()


def test_filters(admin_client, appeal):
    url = reverse("admin:appeals_appeal_changelist")
    assert appeal.number in admin_client.get(url, {"kind__exact": "primary"}).content.decode()
    assert appeal.number not in admin_client.get(url, {"kind__exact": "repeated"}).content.decode()


def test_detail_page_shows_the_text_and_links_the_file(admin_client, appeal):
    response = admin_client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk]))
    html = response.content.decode()
    assert appeal.text in html
    assert download_url(appeal.attachments.get()) in html
    assert "Справка о доходах.pdf" in html


def test_the_appeal_cannot_be_edited_or_deleted_in_admin(admin_client, appeal):
    url = reverse("admin:appeals_appeal_change", args=[appeal.pk])
    response = admin_client.post(url, {"text": "changed", "last_name": "Другая"})
    assert response.status_code in {302, 403}
    appeal.refresh_from_db()
    assert appeal.last_name == "Иванова" and appeal.text != "changed"
    assert admin_client.get(reverse("admin:appeals_appeal_delete", args=[appeal.pk])).status_code == 403


def test_staff_with_the_right_download_the_file_under_its_original_name(client, appeal):
    client.force_login(staff_with("view_appeal", "view_all_departments", "download_attachment"))
    response = client.get(download_url(appeal.attachments.get()))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    assert "filename*=utf-8''%D0%A1%D0%BF%D1%80%D0%B0%D0%B2%D0%BA%D0%B0" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_staff_without_the_right_get_nothing(client, appeal):
    client.force_login(staff_with("view_appeal", "view_all_departments"))
    assert client.get(download_url(appeal.attachments.get())).status_code == 403


def test_staff_of_no_department_do_not_find_the_appeal(client, appeal):
    client.force_login(staff_with("view_appeal", "download_attachment"))
    assert client.get(download_url(appeal.attachments.get())).status_code == 404


def test_anonymous_users_are_sent_to_the_login(client, appeal):
    response = client.get(download_url(appeal.attachments.get()))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_files_have_no_public_url(client, appeal):
    attachment = appeal.attachments.get()
    assert not attachment.file.name.endswith("Справка о доходах.pdf")  # the stored name is generated
    assert client.get("/media/" + attachment.file.name).status_code == 404
    assert client.get("/" + attachment.file.name).status_code == 404


@pytest.mark.parametrize(
    ("query", "found"),
    [("ОГ-{year}-000001", True), ("ог-{year}-0000", True), ("ОГ-{year}", True), ("ОГ-{year}-1", False),
     ("ОГ-{other}-000001", False)],
)
def test_a_number_with_its_year_is_searched_by_year_and_sequence(admin_client, appeal, query, found):
    response = admin_client.get(
        reverse("admin:appeals_appeal_changelist"), {"q": query.format(year=appeal.year, other=appeal.year - 1)}
    )
    assert (appeal.number in response.content.decode()) is found


def test_a_long_file_name_is_shown_shortened_and_downloaded_whole(admin_client, client):
    from appeals.attachments import short_file_name
    from tests.appeals.test_intake import LONG_RUSSIAN_NAME

    client.post(FORM_URL, {**form_data(), "attachments": [upload(LONG_RUSSIAN_NAME, make_pdf())]})
    client.post(confirmation_link(mail.outbox[-1]))
    appeal = Appeal.objects.get()
    html = admin_client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert short_file_name(LONG_RUSSIAN_NAME) in html
    assert LONG_RUSSIAN_NAME not in html
    response = admin_client.get(download_url(appeal.attachments.get()))
    encoded = response["Content-Disposition"].split("filename*=utf-8''", 1)[1]
    assert unquote(encoded) == LONG_RUSSIAN_NAME  # downloaded under the whole name
