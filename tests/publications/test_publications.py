"""Published answers (issue 12 item 6): no personal data, the public list and search, the form's hints, part 5.1."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from appeals.models import Appeal, Art11Case
from appeals.services import handling
from appeals.staff_forms import Art11Form
from outbox.models import OutgoingMessage
from publications import personal_data, services
from publications.models import PublishedAnswer
from tests.roles import Roles

pytestmark = pytest.mark.django_db

LIST_URL = reverse("publications:list")
HINTS_URL = reverse("publications:hints")
ADD_URL = reverse("admin:publications_publishedanswer_add")

DORMITORY_QUESTION = "Как получить место в общежитии студенту первого курса, если он приехал из другого города?"
DORMITORY_ANSWER = ("Места в общежитии предоставляются по заявлению, поданному в студенческий офис до 1 августа. "
                    "Приоритет имеют студенты из других регионов.")


def publish(roles: Roles, *, title: str = "Места в общежитии для первокурсников", question: str = DORMITORY_QUESTION,
            answer: str = DORMITORY_ANSWER, appeal: Appeal | None = None, topic=None) -> PublishedAnswer:
    from tests.factories import offered_topic

    item = PublishedAnswer(topic=topic or offered_topic(), title=title, question=question, answer=answer,
                           source_appeal=appeal)
    # As a request would: the word stems of the hints are recounted when the publication commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.publish_answer(item, roles.head)


# --- personal data --------------------------------------------------------------------
@pytest.fixture
def source(roles: Roles) -> Appeal:
    return roles.appeal("answered", last_name="Семёнов", first_name="Пётр", patronymic="Ильич",
                        address="г. Москва, ул. Пречистенка, д. 17, кв. 12", postal_index="119048",
                        phone="+79161234567", email="p.semenov@mail.ru")


@pytest.mark.parametrize(("text", "what"), [
    ("Уважаемый Пётр Ильич! Сообщаем...", "имя заявителя"),
    ("Студенту Семенову предоставлено место.", "фамилия заявителя"),
    ("Ответ направлен Семёнову П. И.", "фамилия заявителя"),
    ("проживающему по адресу ул. Пречистенка, д. 17", "адрес заявителя"),
    ("индекс 119048", "почтовый индекс заявителя"),
    ("звоните 8 (916) 123-45-67", "телефон заявителя"),
    ("пишите на P.Semenov@Mail.ru", "электронная почта заявителя"),
    ("по обращению ОГ-2026-000001", "номер обращения"),
    ("пишите на someone@yandex.ru", "адрес электронной почты"),
    ("телефон +7 495 000-11-22", "номер телефона"),
])
def test_the_applicants_details_are_found_and_named(source, text, what):
    text = text.replace("ОГ-2026-000001", source.number)
    findings = personal_data.find(text, source)
    assert what in [finding.what for finding in findings], findings


def test_a_general_text_has_no_findings(source):
    assert personal_data.find(DORMITORY_QUESTION + " " + DORMITORY_ANSWER, source) == []
    # A city alone, a year and a date identify nobody.
    assert personal_data.find("В Москве в 2026 году общежитие открыто с 1 сентября.", source) == []


def test_publishing_with_personal_data_is_refused_naming_it_and_saves_nothing(roles, source):
    with pytest.raises(services.PublicationError) as caught:
        publish(roles, appeal=source, answer="Уважаемый Пётр Ильич! " + DORMITORY_ANSWER)
    assert "имя заявителя «Пётр»" in str(caught.value) and "отчество заявителя «Ильич»" in str(caught.value)
    assert set(caught.value.fields) == {"answer"}
    assert not PublishedAnswer.objects.exists()


def test_only_a_user_with_the_right_publishes(roles):
    for user in (roles.registrar, roles.executor_a, roles.clerk, roles.outsider):
        with pytest.raises(services.PublicationError):
            services.publish_answer(PublishedAnswer(topic=Appeal.objects.none().model._meta.get_field(
                "topic").related_model.objects.first(), title="t", question="q", answer="a"), user)
    assert not PublishedAnswer.objects.exists()


def test_the_source_appeal_must_be_within_the_users_scope(roles):
    # An executor of department B given the right to publish still cannot publish from department A's appeal.
    roles.executor_b.user_permissions.add(Permission.objects.get(codename="publish_publishedanswer"))
    appeal = roles.appeal("answered")
    user = type(roles.executor_b).objects.get(pk=roles.executor_b.pk)
    with pytest.raises(services.PublicationError, match="другому подразделению"):
        services.publish_answer(PublishedAnswer(topic=appeal.topic, title="Общежитие", question=DORMITORY_QUESTION,
                                                answer=DORMITORY_ANSWER, source_appeal=appeal), user)


def test_the_public_page_shows_topic_question_answer_date_and_no_personal_data(client, roles, source):
    item = publish(roles, appeal=source)
    html = client.get(item.get_absolute_url()).content.decode()
    assert "Места в общежитии для первокурсников" in html
    assert item.topic.title in html and "общежитии студенту первого курса" in html and "1 августа" in html
    assert re.search(r'id="answer-date">\d+ \w+ \d{4}<', html)
    for private in ("Семёнов", "Семенов", "Пётр", "Ильич", "Пречистенка", "119048", "+7916", "p.semenov",
                    source.number):
        assert private not in html


def test_an_unpublished_page_is_not_found(client, roles):
    item = publish(roles)
    services.unpublish_answer(item, roles.head)
    assert client.get(item.get_absolute_url()).status_code == 404
    assert item.title not in client.get(LIST_URL).content.decode()


# --- the head's admin page ------------------------------------------------------------
def test_the_head_starts_from_the_appeal_edits_and_publishes(roles, source, client):
    client.force_login(roles.head)
    html = client.get(ADD_URL + f"?source_appeal={source.pk}").content.decode()
    assert "перевод возможен при наличии мест" in html  # the signed answer's text, to be edited
    data = {"source_appeal": source.pk, "topic": source.topic_id, "title": "Перевод на бюджет",
            "question": "Можно ли перейти на бюджетное место? Пишет Семёнов.",
            "answer": "Перевод возможен при наличии мест."}
    response = client.post(ADD_URL, data)
    assert response.status_code == 200
    errors = re.findall(r'class="errorlist[^"]*"[^>]*>\s*<li>([^<]+)', response.content.decode())
    assert any("фамилия заявителя «Семёнов»" in error for error in errors), errors
    assert not PublishedAnswer.objects.exists()

    data["question"] = "Можно ли перейти на бюджетное место?"
    response = client.post(ADD_URL, data)
    assert response.status_code == 302
    item = PublishedAnswer.objects.get()
    assert item.is_published and item.published_by == roles.head and item.source_appeal == source


def test_the_appeals_page_offers_the_head_to_publish_its_signed_answer(roles, source, client):
    page_url = reverse("admin:appeals_appeal_change", args=[source.pk])
    client.force_login(roles.head)
    html = client.get(page_url).content.decode()
    assert f'href="{ADD_URL}?source_appeal={source.pk}"' in html
    item = publish(roles, appeal=source)
    assert services.public_url(item) in client.get(page_url).content.decode()
    # An appeal still in work has nothing to publish; an executor may not publish.
    in_work = roles.appeal("in_work")
    in_work_page = client.get(reverse("admin:appeals_appeal_change", args=[in_work.pk])).content.decode()
    assert "publish-answer" not in in_work_page
    client.force_login(roles.executor_a)  # the appeal's executor: sees the page, may not publish
    response = client.get(page_url)
    assert response.status_code == 200 and "publish-answer" not in response.content.decode()


@pytest.mark.parametrize("role", ["registrar", "executor_a", "clerk", "outsider"])
def test_other_roles_cannot_add_a_published_answer(roles, client, role):
    client.force_login(getattr(roles, role))
    assert client.get(ADD_URL).status_code in (302, 403)


# --- the public list and search -----------------------------------------------------------
def test_the_list_shows_published_answers_newest_first(client, roles):
    first = publish(roles, title="Стипендия")
    second = publish(roles, title="Общежитие")
    html = client.get(LIST_URL).content.decode()
    assert html.index(second.title) < html.index(first.title)


def test_the_search_finds_by_the_words_of_the_texts(client, roles):
    publish(roles)
    publish(roles, title="Повышенная стипендия", question="Кто получает повышенную стипендию?",
            answer="Повышенная стипендия назначается за достижения в учёбе.")
    html = client.get(LIST_URL, {"q": "стипендия"}).content.decode()
    assert "Повышенная стипендия" in html and "Места в общежитии" not in html
    html = client.get(LIST_URL, {"q": "общежитии"}).content.decode()
    assert "Места в общежитии" in html and "Повышенная стипендия" not in html


# --- the form's hints ---------------------------------------------------------------------
def test_the_hints_offer_matching_answers_as_json(client, roles):
    item = publish(roles)
    publish(roles, title="Повышенная стипендия", question="Кто получает повышенную стипендию?",
            answer="Повышенная стипендия назначается за достижения в учёбе.")
    response = client.get(HINTS_URL, {"text": "Здравствуйте, я студент, мне не дали место в общежитии, что делать?"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["title"] for r in results] == [item.title]
    assert results[0]["url"] == item.get_absolute_url()
    assert client.get(HINTS_URL, {"text": "абракадабра"}).json() == {"results": []}


def test_the_hints_are_rate_limited_per_client(client, roles, settings):
    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.PUBLICATIONS_RATE_HINTS = "2/m"
    publish(roles)
    assert client.get(HINTS_URL, {"text": "общежитие"}).status_code == 200
    assert client.get(HINTS_URL, {"text": "общежитие"}).status_code == 200
    response = client.get(HINTS_URL, {"text": "общежитие"})
    assert response.status_code == 429 and response.json() == {"results": []}
    cache.clear()


def test_the_form_loads_the_hints_script_and_works_without_it(client):
    html = client.get(reverse("appeals:form")).content.decode()
    assert re.search(r'<script src="/static/js/published-hints.js" defer data-hints-url="' + HINTS_URL, html)
    # The essence's field keeps the wrapper the script puts the hints after; the form posts as before.
    assert 'id="div_id_text"' in html and 'name="text"' in html


# --- art. 11 part 5.1 -------------------------------------------------------------------------
def test_the_part_5_1_step_chooses_a_published_answer_and_takes_its_address(roles, settings):
    item = publish(roles)
    appeal = roles.appeal("in_work", text="Прошу предоставить место в общежитии, я приехал из Томска.")
    form = Art11Form(appeal=appeal, user=roles.registrar)
    choices = dict(form.fields["published_page"].choices)
    url = services.public_url(item)
    assert url in choices and item.title in choices[url]

    form = Art11Form({"case": Art11Case.PUBLISHED, "comment": "Ответ размещён на сайте.", "published_page": url,
                      "notify": "on"}, appeal=appeal, user=roles.registrar)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["published_url"] == url
    handling.decide_art11(appeal, roles.registrar, case=form.cleaned_data["case"],
                          comment=form.cleaned_data["comment"], published_url=form.cleaned_data["published_url"])
    notice = OutgoingMessage.objects.filter(appeal=appeal).order_by("-pk").first()
    assert notice is not None and url in notice.body_text


def test_without_published_answers_the_step_asks_for_the_address_as_before(roles):
    appeal = roles.appeal("in_work")
    form = Art11Form({"case": Art11Case.PUBLISHED, "comment": "Ответ размещён."}, appeal=appeal, user=roles.registrar)
    assert "published_page" not in form.fields
    assert not form.is_valid() and "published_url" in form.errors


def test_on_postgresql_the_russian_stemmer_finds_other_forms_of_a_word(require_postgres, client, roles):
    publish(roles, title="Заселение", question="Когда открывается общежитие?", answer="Заселение с 25 августа.")
    html = client.get(LIST_URL, {"q": "общежитиях"}).content.decode()
    assert "Заселение" in html
    response = client.get(HINTS_URL, {"text": "Прошу дать место в общежитиях университета"})
    assert [r["title"] for r in response.json()["results"]] == ["Заселение"]


def test_the_admin_step_page_offers_the_published_answer_and_the_notice_carries_its_address(client, roles):
    item = publish(roles)
    appeal = roles.appeal("in_work", text="Прошу предоставить место в общежитии первокурснику.")
    url = reverse("admin:appeals_appeal_step", args=[appeal.pk, "art11"])
    client.force_login(roles.registrar)
    html = client.get(url).content.decode()
    page = services.public_url(item)
    assert f'value="{page}"' in html and item.title in html
    response = client.post(url, {"case": "part5_1", "comment": "Ответ размещён на сайте.", "published_page": page,
                                 "notify": "on"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.NO_ANSWER and appeal.art11_case == Art11Case.PUBLISHED
    notice = OutgoingMessage.objects.filter(appeal=appeal, kind="letters.art11_part5_1").get()
    assert page in notice.body_text


def test_on_postgresql_a_search_of_words_in_very_many_pages_lists_the_newest(require_postgres, client, roles,
                                                                              monkeypatch):
    older = publish(roles, title="Сроки заселения", question="Когда заселение в общежитие?",
                    answer="Сроки заселения в общежитие: с 25 августа. Сроки продления договора: июнь.")
    newer = publish(roles, title="Сроки сессии", question="Когда сессия?", answer="Сроки сессии: январь.")
    assert [f.item for f in services.search("сроки")] == [older, newer]  # ranked: «сроки» twice in the older
    monkeypatch.setattr(services, "RANK_AT_MOST", 1)  # as if «сроки» were in thousands of pages
    assert [f.item for f in services.search("сроки")] == [newer, older]
