"""The citizen's cabinet (issue 12 item 7): one-time link, neutral answer, limits, only one's own appeals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from appeals import tokens
from appeals.models import Appeal, AppealEvent
from cabinet import services
from cabinet.models import SignInLink
from cabinet.views import SESSION_KEY
from feedback import services as feedback
from feedback.models import SatisfactionRequest
from outbox.models import OutgoingMessage
from tests.roles import Roles, make_appeal

pytestmark = pytest.mark.django_db

START_URL = reverse("cabinet:start")
LIST_URL = reverse("cabinet:appeals")
EMAIL = "maria.ivanova@mail.ru"
OTHER = "oleg.petrov@mail.ru"
LINK = re.compile(r"http://[^\s]+/cabinet/enter/([^\s/]+)/")


def letters_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to and "личный кабинет" in message.subject]


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return reverse("cabinet:enter", args=[match.group(1)])


def sign_in(client, email: str = EMAIL) -> None:
    client.post(START_URL, {"email": email})
    response = client.post(link_in(letters_to(email)[-1]))
    assert response.status_code == 302 and response["Location"] == LIST_URL


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mine(db) -> Appeal:
    return make_appeal()


@pytest.fixture
def theirs(db) -> Appeal:
    return make_appeal(last_name="Петров", first_name="Олег", patronymic="", email=OTHER, identified_as=OTHER,
                       text="Прошу восстановить меня в числе студентов.")


# --- the link --------------------------------------------------------------------------
def test_a_known_address_gets_a_one_time_link_through_the_outbox(client, mine):
    response = client.post(START_URL, {"email": " Maria.Ivanova@MAIL.ru "})
    assert response.status_code == 302 and response["Location"] == reverse("cabinet:sent")
    [letter] = letters_to(EMAIL)
    message = OutgoingMessage.objects.get(kind="cabinet.sign_in")
    assert message.status == OutgoingMessage.Status.SENT and message.to == EMAIL
    token = LINK.search(letter.body).group(1)
    assert token not in message.body_text  # a secret letter loses its text once sent
    # Only the hash is kept.
    link = SignInLink.objects.get()
    assert link.token_hash == tokens.hash_secret(token) and token not in link.token_hash


def test_the_answer_is_the_same_whether_or_not_the_address_is_known(client, mine):
    known = client.post(START_URL, {"email": EMAIL}, follow=True).content.decode().replace(EMAIL, "ADDRESS")
    unknown = client.post(START_URL, {"email": "nobody@mail.ru"}, follow=True).content.decode().replace(
        "nobody@mail.ru", "ADDRESS")
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", known) == strip.sub("", unknown)
    assert letters_to(EMAIL) and not letters_to("nobody@mail.ru")
    # Both wrote a link row: the two cost the same.
    assert SignInLink.objects.count() == 2


def test_a_get_of_the_link_does_not_use_it_and_the_post_uses_it_once(client, mine):
    client.post(START_URL, {"email": EMAIL})
    url = link_in(letters_to(EMAIL)[-1])
    for _ in range(3):  # a mail scanner opening the link
        assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    other_browser = type(client)()
    response = other_browser.post(url)
    assert response.status_code == 404 and "уже использована или истёк её срок" in response.content.decode()
    assert other_browser.get(LIST_URL).status_code == 302


def test_the_link_expires(client, mine, settings):
    client.post(START_URL, {"email": EMAIL})
    url = link_in(letters_to(EMAIL)[-1])
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert client.get(LIST_URL)["Location"] == START_URL
    assert services.delete_expired_links() == 1


def test_a_made_up_token_opens_nothing(client, mine):
    assert client.post(reverse("cabinet:enter", args=["x" * 43])).status_code == 404


def test_letters_are_limited_per_address_and_per_client(client, mine, settings):
    settings.RATELIMIT_ENABLE = True
    settings.CABINET_RATE_REQUEST_EMAIL = "2/h"
    settings.CABINET_RATE_REQUEST_IP = "4/h"
    for _ in range(2):
        assert client.post(START_URL, {"email": EMAIL}).status_code == 302
    response = client.post(START_URL, {"email": EMAIL.upper()})
    assert response.status_code == 429 and "слишком много раз" in response.content.decode()
    assert len(letters_to(EMAIL)) == 2
    # Other addresses from the same client, until the client's own limit.
    assert client.post(START_URL, {"email": "a@mail.ru"}).status_code == 302
    assert client.post(START_URL, {"email": "b@mail.ru"}).status_code == 429


def test_a_wrong_address_gets_an_error_next_to_the_field_and_is_kept(client):
    response = client.post(START_URL, {"email": "maria@"})
    html = response.content.decode()
    assert response.status_code == 200 and "Проверьте адрес электронной почты" in html and 'value="maria@"' in html


# --- what the cabinet shows --------------------------------------------------------------
def test_the_list_shows_every_appeal_confirmed_with_the_address_and_nothing_else(client, mine, theirs):
    second = make_appeal(email="Maria.Ivanova@mail.ru", identified_as="Maria.Ivanova@Mail.RU",
                         text="Второе обращение про общежитие.")
    # The same address copied by the registrar from a paper letter proves nothing.
    paper = make_appeal(identification_method="registrar", identified_as="registrar")
    sign_in(client)
    html = client.get(LIST_URL).content.decode()
    assert mine.number in html and second.number in html
    assert theirs.number not in html and paper.number not in html
    assert "Петров" not in html

    assert client.get(reverse("cabinet:appeal", args=[mine.number])).status_code == 200
    for number in (theirs.number, paper.number):
        for name in ("cabinet:appeal", "cabinet:answer", "cabinet:feedback"):
            assert client.get(reverse(name, args=[number])).status_code == 404
        assert client.post(reverse("cabinet:access_code", args=[number])).status_code == 404


def test_the_appeal_page_shows_state_terms_notices_and_the_answer(client, roles: Roles):
    appeal = roles.appeal("answered")
    sign_in(client)
    html = client.get(reverse("cabinet:appeal", args=[appeal.number])).content.decode()
    assert 'id="appeal-status">дан ответ<' in html
    assert "Направленные вам уведомления" in html and "Исходящий номер и дата" in html
    answer_url = reverse("cabinet:answer", args=[appeal.number])
    assert answer_url in html
    response = client.get(answer_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_satisfaction_question_is_offered_once_asked_and_recorded(client, roles: Roles):
    appeal = roles.appeal("answered")
    sign_in(client)
    detail = reverse("cabinet:appeal", args=[appeal.number])
    feedback_url = reverse("cabinet:feedback", args=[appeal.number])
    assert feedback_url not in client.get(detail).content.decode()
    assert feedback.ask_sent_answers() == 1
    assert feedback_url in client.get(detail).content.decode()
    assert feedback_url in client.get(LIST_URL).content.decode()
    response = client.post(feedback_url, {"resolved": "yes"})
    assert response.status_code == 302
    assert SatisfactionRequest.objects.get(appeal=appeal).resolved == "yes"
    assert feedback_url not in client.get(detail).content.decode()


def test_a_new_access_code_is_issued_through_the_service_and_limited(client, mine, settings):
    settings.CABINET_ACCESS_CODES_PER_DAY = 2
    sign_in(client)
    before = Appeal.objects.get(pk=mine.pk).access_code_hash
    url = reverse("cabinet:access_code", args=[mine.number])
    response = client.post(url, follow=True)
    assert "Новый код доступа направлен вам по электронной почте" in response.content.decode()
    assert Appeal.objects.get(pk=mine.pk).access_code_hash != before
    event = AppealEvent.objects.get(appeal=mine, action="appeal.access_code_issued")
    assert event.actor is None and event.actor_label == "заявитель"
    assert OutgoingMessage.objects.filter(appeal=mine, kind="letters.access_code").exists()
    client.post(url)
    response = client.post(url, follow=True)
    assert "уже запрашивался сегодня" in response.content.decode()
    assert AppealEvent.objects.filter(appeal=mine, action="appeal.access_code_issued").count() == 2


# --- the session ---------------------------------------------------------------------------
def test_signing_out_ends_the_cabinet(client, mine):
    sign_in(client)
    response = client.post(reverse("cabinet:sign_out"), follow=True)
    assert "Вы вышли из личного кабинета" in response.content.decode()
    assert client.get(LIST_URL)["Location"] == START_URL


@pytest.mark.parametrize(("key", "age"), [("seen", 31 * 60), ("since", 5 * 3600)])
def test_the_session_expires_idle_or_old(client, mine, key, age):
    sign_in(client)
    session = client.session
    data = session[SESSION_KEY]
    data[key] -= age
    if key == "since":
        data["seen"] = data["since"] + 5 * 3600 - 60  # active all along
    session[SESSION_KEY] = data
    session.save()
    response = client.get(LIST_URL, follow=True)
    assert "Сеанс личного кабинета завершён" in response.content.decode()
    assert client.get(LIST_URL)["Location"] == START_URL


def test_a_cabinet_session_is_not_a_staff_session_and_back(client, mine, admin_user):
    sign_in(client)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))
    staff = type(client)()
    staff.force_login(admin_user)
    assert staff.get(LIST_URL)["Location"] == START_URL
