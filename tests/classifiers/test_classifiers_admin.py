"""Admin pages and actions of the reference books, as a superuser sees them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from classifiers.models import Institution, IntakeNote, Topic

MakeTopic = Callable[..., Topic]


def topics_url() -> str:
    return reverse("admin:classifiers_topic_changelist")


def texts(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_topic_list_loads_and_searches(admin_client: Client) -> None:
    response = admin_client.get(topics_url())
    assert response.status_code == 200
    assert "0000.0000.0000.0272" in response.text
    assert "Импорт из CSV" in response.text

    response = admin_client.get(topics_url(), {"q": "0272"})
    assert list(response.context["cl"].result_list) == [Topic.objects.get(code="0000.0000.0000.0272")]

    response = admin_client.get(topics_url(), {"q": "трудовых"})
    assert [t.code for t in response.context["cl"].result_list] == ["0000.0000.0000.0658"]

    response = admin_client.get(topics_url(), {"level": "1"})
    assert response.context["cl"].result_count == 5


@pytest.mark.django_db
def test_topic_forms_load(admin_client: Client) -> None:
    topic = Topic.objects.get(code="0000.0000.0000.0272")

    assert admin_client.get(reverse("admin:classifiers_topic_change", args=[topic.pk])).status_code == 200
    assert admin_client.get(reverse("admin:classifiers_topic_add")).status_code == 200


@pytest.mark.django_db
def test_adding_a_topic_finds_its_parent(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:classifiers_topic_add"),
        {"code": "0002.0006.0000.0000", "title": "Образование. Наука. Культура", "is_active": "on", "sort_order": "0"},
    )

    assert response.status_code == 302
    topic = Topic.objects.get(code="0002.0006.0000.0000")
    assert (topic.level, topic.parent.code) == (2, "0002.0000.0000.0000")


@pytest.mark.django_db
def test_adding_a_topic_without_its_parent_shows_the_error(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:classifiers_topic_add"),
        {
            "code": "0003.0008.0086.0567",
            "title": "Ремонт дорог",
            "is_active": "on",
            "is_offered": "on",
            "sort_order": "0",
        },
    )

    assert response.status_code == 200
    assert "Нет родительской темы 0003.0008.0086.0000" in response.text
    assert not Topic.objects.filter(code="0003.0008.0086.0567").exists()


@pytest.mark.django_db
def test_the_code_is_read_only_once_saved(admin_client: Client) -> None:
    topic = Topic.objects.get(code="0000.0000.0000.0272")

    admin_client.post(
        reverse("admin:classifiers_topic_change", args=[topic.pk]),
        {
            "code": "0000.0000.0000.0273",
            "title": "Платное образование (новое)",
            "is_offered": "on",
            "is_active": "on",
            "sort_order": "30",
        },
    )

    topic.refresh_from_db()
    assert (topic.code, topic.title) == ("0000.0000.0000.0272", "Платное образование (новое)")


@pytest.mark.django_db
def test_action_offer_offers_active_questions_only(admin_client: Client, make_topic: MakeTopic) -> None:
    question = make_topic("0000.0000.0000.0999")
    retired = make_topic("0000.0000.0000.0998", is_active=False)
    section = Topic.objects.get(code="0003.0000.0000.0000")

    response = admin_client.post(
        topics_url(), {"action": "offer_on_form", "_selected_action": [question.pk, retired.pk, section.pk]}
    )

    assert response.status_code == 302
    assert set(Topic.objects.filter(is_offered=True, pk__in=[question.pk, retired.pk, section.pk])) == {question}
    assert "Пропущено тем: 2." in " ".join(texts(response))


@pytest.mark.django_db
def test_action_withdraw_takes_topics_off_the_form(admin_client: Client) -> None:
    topic = Topic.objects.get(code="0000.0000.0000.0527")

    admin_client.post(topics_url(), {"action": "withdraw_from_form", "_selected_action": [topic.pk]})

    topic.refresh_from_db()
    assert not topic.is_offered
    assert topic.is_active


@pytest.mark.django_db
def test_action_retire_keeps_the_topic(admin_client: Client) -> None:
    topic = Topic.objects.get(code="0000.0000.0000.0527")

    response = admin_client.post(topics_url(), {"action": "retire", "_selected_action": [topic.pk]})

    topic.refresh_from_db()
    assert (topic.is_active, topic.is_offered) == (False, False)
    assert topic not in Topic.objects.offered()
    assert "Выведено из употребления тем: 1." in " ".join(texts(response))


@pytest.mark.django_db
def test_list_editable_refuses_to_offer_a_section(admin_client: Client) -> None:
    # Only the five sections are on the page, so the formset is small.
    sections = list(Topic.objects.filter(level=1).order_by("code"))
    data = {
        "form-TOTAL_FORMS": str(len(sections)),
        "form-INITIAL_FORMS": str(len(sections)),
        "_save": "Сохранить",
    }
    for index, section in enumerate(sections):
        data[f"form-{index}-id"] = str(section.pk)
        data[f"form-{index}-is_active"] = "on"
    data["form-0-is_offered"] = "on"

    response = admin_client.post(topics_url() + "?level=1", data)

    assert response.status_code == 200
    assert "Предлагать на форме можно только вопросы (4-й уровень)." in response.text
    assert not Topic.objects.filter(level=1, is_offered=True).exists()


@pytest.mark.django_db
def test_deleting_a_topic_in_use_explains_what_to_do(admin_client: Client, make_topic: MakeTopic) -> None:
    make_topic("0002.0006.0000.0000")
    section = Topic.objects.get(code="0002.0000.0000.0000")

    response = admin_client.post(reverse("admin:classifiers_topic_delete", args=[section.pk]), {"post": "yes"})

    assert response.status_code == 200
    assert "Выведите её из употребления" in response.text
    assert Topic.objects.filter(pk=section.pk).exists()


@pytest.mark.django_db
def test_bulk_delete_of_topics_in_use_explains_what_to_do(admin_client: Client, make_topic: MakeTopic) -> None:
    make_topic("0002.0006.0000.0000")
    section = Topic.objects.get(code="0002.0000.0000.0000")

    response = admin_client.post(
        topics_url(), {"action": "delete_selected", "_selected_action": [section.pk], "post": "yes"}
    )

    assert response.status_code == 200
    assert "Выведите их из употребления" in response.text
    assert Topic.objects.filter(pk=section.pk).exists()


@pytest.mark.django_db
def test_an_unused_topic_can_be_deleted(admin_client: Client, make_topic: MakeTopic) -> None:
    typo = make_topic("0000.0000.0000.0999")

    response = admin_client.post(reverse("admin:classifiers_topic_delete", args=[typo.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Topic.objects.filter(pk=typo.pk).exists()


@pytest.mark.django_db
def test_import_page_imports_a_file(admin_client: Client) -> None:
    url = reverse("admin:classifiers_topic_import")
    assert admin_client.get(url).status_code == 200
    upload = SimpleUploadedFile("t.csv", "code;title\n0002.0006.0000.0000;Образование\n".encode("utf-8-sig"))

    response = admin_client.post(url, {"file": upload})

    assert response.status_code == 302
    assert Topic.objects.get(code="0002.0006.0000.0000").parent.code == "0002.0000.0000.0000"
    assert "Создано: 1" in " ".join(texts(response))


@pytest.mark.django_db
def test_import_page_shows_errors_and_writes_nothing(admin_client: Client) -> None:
    upload = SimpleUploadedFile("t.csv", b"code,title\n0002.0006.0000.0000,OK\n0002.6.0.0,Bad\n")

    response = admin_client.post(reverse("admin:classifiers_topic_import"), {"file": upload})

    assert response.status_code == 200
    assert "Строка 3: неверный код" in response.text
    assert not Topic.objects.filter(code="0002.0006.0000.0000").exists()


@pytest.mark.django_db
def test_import_page_needs_change_permission(client: Client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    staff = django_user_model.objects.create_user("clerk", password="x" * 12, is_staff=True)
    client.force_login(staff)

    assert client.get(reverse("admin:classifiers_topic_import")).status_code == 403


@pytest.mark.django_db
def test_institution_has_one_row_that_cannot_be_deleted(admin_client: Client) -> None:
    institution = Institution.get_current()
    change_url = reverse("admin:classifiers_institution_change", args=[institution.pk])

    response = admin_client.get(reverse("admin:classifiers_institution_changelist"))
    assert response.status_code == 302
    assert response["Location"] == change_url
    assert admin_client.get(change_url).status_code == 200
    assert admin_client.get(reverse("admin:classifiers_institution_add")).status_code == 403
    assert admin_client.get(reverse("admin:classifiers_institution_delete", args=[institution.pk])).status_code == 403


@pytest.mark.django_db
def test_institution_details_are_edited_and_checked(admin_client: Client) -> None:
    institution = Institution.get_current()
    url = reverse("admin:classifiers_institution_change", args=[institution.pk])
    data = {
        "short_name": institution.short_name,
        "full_name": institution.full_name,
        "postal_index": "11903",
        "postal_address": institution.postal_address,
        "email": institution.email,
        "website": institution.website,
        "phone": "+7 499 000-00-00",
    }

    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Почтовый индекс должен состоять из шести цифр." in response.text

    response = admin_client.post(url, {**data, "postal_index": "119034"})
    assert response.status_code == 302
    assert Institution.get_current().phone == "+7 499 000-00-00"


@pytest.mark.django_db
def test_intake_notes_pages_load_and_reorder(admin_client: Client) -> None:
    note = IntakeNote.objects.get(number=4)
    list_url = reverse("admin:classifiers_intakenote_changelist")

    response = admin_client.get(list_url)
    assert response.status_code == 200
    assert "В предназначенном для обязательного заполнения" in response.text
    assert admin_client.get(reverse("admin:classifiers_intakenote_change", args=[note.pk])).status_code == 200

    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(note.pk),
        "form-0-sort_order": "5",
        "_save": "Сохранить",
    }
    response = admin_client.post(list_url + f"?q={note.text[:20]}", data)

    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.sort_order, note.is_published) == (5, False)
    assert note not in IntakeNote.objects.published()
