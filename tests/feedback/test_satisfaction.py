"""The citizen's satisfaction (issue 11 item 2): asked once, answered once, expired, the head's list, guessing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from appeals import tokens
from appeals.models import Appeal, AppealEvent
from appeals.services import handling
from appeals.views.status import STATUS_SESSION_KEY
from feedback import services
from feedback.models import SatisfactionKey, SatisfactionRequest
from letters.models import PostalLetter
from outbox.models import OutgoingMessage
from tests import roles as role_fixtures
from tests.roles import Roles, bring_to, make_appeal

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture

Status = SatisfactionRequest.Status
NEUTRAL = "Ссылка или код оценки ответа недействительны."
LINK = re.compile(r"/feedback/([A-Za-z0-9_-]{40,})/\?answer=(yes|partly|no)")
CODE = re.compile(r"код оценки ответа ([A-Z0-9]{4}-[A-Z0-9]{4})")


def answered(roles: Roles, **fields) -> Appeal:
    """An appeal answered through the services, its letters delivered on commit (as a request would)."""
    return bring_to(make_appeal(**fields), "answered", roles)


def links_of(appeal: Appeal) -> dict[str, str]:
    """The answer e-mail's links, by the choice each one preselects: {"yes": token, ...}."""
    message = OutgoingMessage.objects.get(appeal=appeal, kind="letters.answer")
    return {choice: token for token, choice in LINK.findall(message.body_text)}


def token_of(appeal: Appeal) -> str:
    tokens_found = set(links_of(appeal).values())
    assert len(tokens_found) == 1
    return tokens_found.pop()


def link(token: str, choice: str = "") -> str:
    url = reverse("feedback:by_token", args=[token])
    return f"{url}?answer={choice}" if choice else url


def postal(roles: Roles) -> tuple[Appeal, str]:
    """An appeal answered by post, its letter marked sent by the clerk; and the code printed in it."""
    appeal = answered(roles, reply_method="post")
    letter = PostalLetter.objects.get(appeal=appeal, kind="answer")
    [code] = CODE.findall(" ".join(letter.text.split()))
    letter.status, letter.sent_at = PostalLetter.Status.SENT, timezone.now()
    letter.save(update_fields=["status", "sent_at"])
    return appeal, code


def open_status_page(client, appeal: Appeal) -> None:
    """What the status page's login leaves in the session (tested in tests/appeals/test_status_page.py)."""
    session = client.session
    session[STATUS_SESSION_KEY] = appeal.pk
    session.save()


# --- the secrets go out with the answer ---------------------------------------------
def test_the_email_answer_carries_the_links_and_only_their_hash_is_kept(roles):
    appeal = answered(roles)
    links = links_of(appeal)
    assert set(links) == {"yes", "partly", "no"}
    token = token_of(appeal)
    key = SatisfactionKey.objects.get(appeal=appeal)
    assert key.token_hash == tokens.hash_secret(token) and token not in key.token_hash
    assert key.code_hash == ""  # an e-mail answer has no code
    # The answer's official PDF is the executor's text: the links are in the message only.
    assert token not in appeal.answer.text


def test_the_postal_answer_prints_the_code_and_the_status_page(roles):
    appeal = answered(roles, reply_method="post")
    letter = PostalLetter.objects.get(appeal=appeal, kind="answer")
    text = " ".join(letter.text.split())
    [code] = CODE.findall(text)
    assert "/status/" in text
    key = SatisfactionKey.objects.get(appeal=appeal)
    assert key.channel == "post" and tokens.check_secret(code, key.code_hash)


# --- asked once --------------------------------------------------------------------------
def test_asked_once_when_the_email_has_gone_out(roles):
    appeal = make_appeal()
    bring_to(appeal, "on_approval", roles)
    question = appeal.questions.get()
    with TestCase.captureOnCommitCallbacks(execute=False):  # signed, the e-mail not handed to the outbox yet
        handling.sign_answer(appeal, roles.head, signer_position="Проректор",
                             results={question.pk: ("explained", False)})
    assert services.ask_sent_answers() == 0  # the answer has not gone out
    message = OutgoingMessage.objects.get(appeal=appeal, kind="letters.answer")
    sent_at = timezone.now() - timedelta(hours=2)
    OutgoingMessage.objects.filter(pk=message.pk).update(status=OutgoingMessage.Status.SENT, sent_at=sent_at)

    assert services.ask_sent_answers() == 1
    assert services.ask_sent_answers() == 0  # run twice: nobody is asked twice
    request = SatisfactionRequest.objects.get(appeal=appeal)
    assert (request.status, request.channel, request.asked_at) == (Status.ASKED, "email", sent_at)
    assert request.expires_at == sent_at + timedelta(days=30)
    assert SatisfactionKey.objects.get(appeal=appeal).asked_at is not None


def test_the_delivered_email_is_asked_about_by_the_sweep(roles):
    appeal = answered(roles)  # the outbox sent the answer on commit
    assert OutgoingMessage.objects.get(appeal=appeal, kind="letters.answer").status == "sent"
    assert services.ask_sent_answers() == 1
    assert SatisfactionRequest.objects.filter(appeal=appeal).count() == 1


def test_a_postal_answer_is_asked_about_once_its_letter_is_marked_sent(roles):
    appeal = answered(roles, reply_method="post")
    assert services.ask_sent_answers() == 0  # in the clerk's queue
    letter = PostalLetter.objects.get(appeal=appeal, kind="answer")
    letter.status, letter.sent_at = PostalLetter.Status.SENT, timezone.now()
    letter.save(update_fields=["status", "sent_at"])
    assert services.ask_sent_answers() == 1
    assert SatisfactionRequest.objects.get(appeal=appeal).channel == "post"


def test_a_click_before_the_sweep_asks_and_the_sweep_does_not_ask_again(client, roles):
    appeal = answered(roles)
    assert client.get(link(token_of(appeal), "yes")).status_code == 200
    assert SatisfactionRequest.objects.filter(appeal=appeal).count() == 1
    assert services.ask_sent_answers() == 0
    assert SatisfactionRequest.objects.filter(appeal=appeal).count() == 1


def test_the_sweep_reads_only_the_candidates(roles, django_assert_max_num_queries):
    """Set-wise: the number of queries does not grow with the appeals answered and asked about."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    answered(roles)
    assert services.ask_sent_answers(batch=1000) == 1  # the reports' tally rows of these keys now exist
    for _ in range(3):
        answered(roles)
    with CaptureQueriesContext(connection) as three:
        assert services.ask_sent_answers(batch=1000) == 3
    # The sweep's own six, then the reports' tally of the new requests (feedback.signals.requests_changed):
    # a few reads of the batch's appeals, one write per tally table, two of their shares.
    assert len(three.captured_queries) <= 16, [q["sql"][:60] for q in three.captured_queries]
    for _ in range(6):
        answered(roles)
    with CaptureQueriesContext(connection) as six:
        assert services.ask_sent_answers(batch=1000) == 6
    assert len(six.captured_queries) == len(three.captured_queries)
    with django_assert_max_num_queries(3):  # the savepoint, the select, its release
        assert services.ask_sent_answers() == 0  # the partial index holds no candidate any more


# --- answered once --------------------------------------------------------------------------
def test_a_get_only_shows_the_question_with_the_choice_preselected(client, roles):
    appeal = answered(roles)
    response = client.get(link(token_of(appeal), "no"))
    assert response.status_code == 200
    assert response.context["form"]["resolved"].value() == "no"
    assert "Ответ решил ваш вопрос?" in response.content.decode()
    assert SatisfactionRequest.objects.get(appeal=appeal).status == Status.ASKED  # a mail scanner records nothing


def test_answered_once_then_the_rest_may_be_added(client, roles):
    appeal = answered(roles)
    url = link(token_of(appeal))
    response = client.post(url, {"resolved": "yes"})
    assert response.status_code == 302
    request = SatisfactionRequest.objects.get(appeal=appeal)
    assert (request.status, request.resolved, request.mark, request.needs_review) == (
        Status.ANSWERED, "yes", None, False)
    event = AppealEvent.objects.get(appeal=appeal, action="feedback.answered")
    assert event.after == {"resolved": "yes", "mark": None} and event.actor_label == "заявитель"

    # The first answer stays: a second one is refused by the service, and the page no longer asks it.
    with pytest.raises(services.FeedbackError, match="уже получен"):
        services.answer_request(request, resolved="no")
    page = client.get(url)
    assert "resolved" not in page.context["form"].fields
    # What was left out may be added: a mark of 2 puts the appeal on the head's list.
    response = client.post(url, {"mark": "2", "comment": "Стипендию так и не доплатили."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.resolved, request.mark, request.comment, request.needs_review) == (
        "yes", 2, "Стипендию так и не доплатили.", True)
    assert client.get(url).context["form"] is None  # nothing left to add
    with pytest.raises(services.FeedbackError):
        services.add_details(request, mark=5)
    assert SatisfactionRequest.objects.get(appeal=appeal).mark == 2


def test_a_wrong_answer_is_shown_next_to_the_field_and_nothing_typed_is_lost(client, roles):
    appeal = answered(roles)
    response = client.post(link(token_of(appeal)), {"mark": "4", "comment": "Спасибо"})
    assert response.status_code == 200
    assert response.context["form"].errors["resolved"] == ["Выберите один из ответов: да, частично или нет."]
    assert response.context["form"]["comment"].value() == "Спасибо"
    assert SatisfactionRequest.objects.get(appeal=appeal).status == Status.ASKED


# --- expired ----------------------------------------------------------------------------------
def test_an_unanswered_request_expires_and_is_counted_as_such(client, roles):
    appeal = answered(roles)
    services.ask_sent_answers()
    request = SatisfactionRequest.objects.get(appeal=appeal)
    later = request.expires_at + timedelta(minutes=1)
    assert services.expire_requests(now=request.expires_at - timedelta(minutes=1)) == 0
    assert services.expire_requests(now=later) == 1
    assert services.expire_requests(now=later) == 0  # run twice
    request.refresh_from_db()
    assert request.status == Status.EXPIRED and request.answered_at is None
    assert SatisfactionRequest.objects.filter(status=Status.EXPIRED).count() == 1
    with pytest.raises(services.FeedbackError, match="истёк"):
        services.answer_request(request, resolved="yes")
    response = client.post(link(token_of(appeal)), {"resolved": "yes"})
    assert response.status_code == 200 and response.context["expired"]
    request.refresh_from_db()
    assert request.status == Status.EXPIRED


def test_a_request_past_its_time_is_refused_before_the_expiry_job_runs(roles):
    appeal = answered(roles)
    services.ask_sent_answers()
    request = SatisfactionRequest.objects.get(appeal=appeal)
    with pytest.raises(services.FeedbackError, match="истёк"):
        services.answer_request(request, resolved="yes", now=request.expires_at + timedelta(seconds=1))
    request.refresh_from_db()
    assert request.status == Status.EXPIRED


# --- the head's review list -------------------------------------------------------------------------
REVIEW_LIST = reverse("admin:feedback_satisfactionrequest_changelist")


def listed(client, url: str = REVIEW_LIST) -> list[str]:
    """The appeals' numbers in the rows of the review list."""
    response = client.get(url)
    assert response.status_code == 200
    return [request.appeal.number for request in response.context["cl"].result_list]


@pytest.mark.parametrize(("resolved", "mark", "on_list"), [
    ("no", 5, True), ("partly", None, True), ("yes", 1, True), ("yes", 2, True), ("yes", 3, False),
    ("yes", None, False),
])
def test_what_puts_the_appeal_on_the_heads_list(client, roles, resolved, mark, on_list):
    appeal = answered(roles)
    request = services.request_for_key(SatisfactionKey.objects.get(appeal=appeal))
    services.answer_request(request, resolved=resolved, mark=mark, comment="Отметка заявителя")
    client.force_login(roles.head)
    assert (appeal.number in listed(client)) is on_list
    assert SatisfactionRequest.objects.get(pk=request.pk).needs_review is on_list


def test_the_head_records_what_was_done_in_the_history(client, roles):
    appeal = answered(roles)
    request = services.request_for_key(SatisfactionKey.objects.get(appeal=appeal))
    services.answer_request(request, resolved="yes", mark=1, comment="Никто не перезвонил.")
    client.force_login(roles.head)
    listing = client.get(REVIEW_LIST).content.decode()
    assert "Никто не перезвонил." in listing
    review_url = reverse("admin:feedback_satisfactionrequest_review", args=[request.pk])
    assert review_url in client.get(
        reverse("admin:feedback_satisfactionrequest_change", args=[request.pk])).content.decode()
    response = client.post(review_url, {"note": ""})
    assert response.status_code == 200 and "Опишите, что сделано." in response.content.decode()
    response = client.post(review_url, {"note": "Позвонили заявителю, доплата проведена 3 декабря."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.reviewed_by == roles.head and request.review_note.startswith("Позвонили")
    event = AppealEvent.objects.get(appeal=appeal, action="feedback.reviewed")
    assert event.actor == roles.head and event.comment == request.review_note
    assert appeal.number not in listed(client)  # off the waiting list
    assert appeal.number in listed(client, REVIEW_LIST + "?review=reviewed")
    with pytest.raises(services.FeedbackError, match="уже рассмотрена"):
        services.review_request(request, roles.head, note="Ещё раз")
    page = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert "Руководитель рассмотрел оценку заявителя" in page and "доплата проведена" in page


def test_only_the_heads_review(client, roles):
    appeal = answered(roles)
    request = services.request_for_key(SatisfactionKey.objects.get(appeal=appeal))
    services.answer_request(request, resolved="no")
    with pytest.raises(services.FeedbackError, match="Недостаточно прав"):
        services.review_request(request, roles.executor_a, note="Сделано")
    client.force_login(roles.executor_a)
    assert client.get(REVIEW_LIST).status_code == 403


def test_the_analysis_table_shows_the_citizens_answer(client, roles):
    appeal = answered(roles)
    request = services.request_for_key(SatisfactionKey.objects.get(appeal=appeal))
    services.answer_request(request, resolved="partly", mark=3)
    client.force_login(roles.head)
    [row] = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).context["analysis"]
    assert row["result"] == "частично, оценка 3 из 5"


# --- guessing ----------------------------------------------------------------------------------
def test_a_wrong_token_gets_the_neutral_error(client, roles):
    answered(roles)
    for guess in ("x" * 43, tokens.new_link_token(), "short"):
        response = client.get(link(guess, "yes"))
        assert response.status_code == 404 and NEUTRAL in response.content.decode()


def test_tokens_are_rate_limited_per_address_with_the_same_error(client, roles, settings):
    settings.RATELIMIT_ENABLE = True
    settings.FEEDBACK_RATE = "3/m"
    cache.clear()
    appeal = answered(roles)
    for _ in range(3):
        assert client.get(link(tokens.new_link_token())).status_code == 404
    response = client.get(link(token_of(appeal), "yes"))  # even the right link: the address is limited
    assert response.status_code == 429 and NEUTRAL in response.content.decode()
    assert not SatisfactionRequest.objects.filter(appeal=appeal, status=Status.ANSWERED).exists()
    cache.clear()


def test_the_code_opens_the_question_on_the_status_page(client, roles):
    appeal, code = postal(roles)
    open_status_page(client, appeal)
    page = client.get(reverse("appeals:status_detail")).content.decode()
    assert reverse("feedback:by_code") in page and 'name="code"' in page
    response = client.post(reverse("feedback:by_code"), {"code": code.lower().replace("-", " ")})
    assert response.status_code == 302 and response.url == reverse("feedback:answer")
    assert client.post(reverse("feedback:answer"), {"resolved": "no", "comment": "Не решено"}).status_code == 302
    request = SatisfactionRequest.objects.get(appeal=appeal)
    assert (request.channel, request.resolved, request.needs_review) == ("post", "no", True)


def test_wrong_codes_are_counted_in_the_database_when_the_cache_lets_everything_through(client, roles, settings):
    # RATELIMIT_ENABLE is off (as when Redis is down and the limits fail open): the database still counts.
    appeal, code = postal(roles)
    _other, other_code = postal(roles)
    open_status_page(client, appeal)
    for _ in range(settings.FEEDBACK_CODE_ATTEMPTS):
        response = client.post(reverse("feedback:by_code"), {"code": "AAAA-BBBB"})
        assert response.status_code == 200
        assert response.context["form"].errors["code"] == [NEUTRAL]
    response = client.post(reverse("feedback:by_code"), {"code": code})  # the right code, too late
    assert response.context["form"].errors["code"] == [NEUTRAL]
    assert SatisfactionKey.objects.get(appeal=appeal).code_attempts == settings.FEEDBACK_CODE_ATTEMPTS
    # Another appeal's code does not open this one.
    response = client.post(reverse("feedback:by_code"), {"code": other_code})
    assert response.context["form"].errors["code"] == [NEUTRAL]
    assert not SatisfactionRequest.objects.filter(appeal=appeal, status=Status.ANSWERED).exists()


def test_codes_are_rate_limited_per_address_with_the_same_error(client, roles, settings):
    settings.RATELIMIT_ENABLE = True
    settings.FEEDBACK_RATE = "2/m"
    cache.clear()
    appeal, code = postal(roles)
    open_status_page(client, appeal)
    for _ in range(2):
        client.post(reverse("feedback:by_code"), {"code": "AAAA-BBBB"})
    response = client.post(reverse("feedback:by_code"), {"code": code})
    assert response.status_code == 429 and response.context["form"].errors["code"] == [NEUTRAL]
    cache.clear()


def test_the_code_page_needs_the_status_page_first(client, roles):
    _appeal, code = postal(roles)
    response = client.post(reverse("feedback:by_code"), {"code": code})
    assert response.status_code == 302 and response.url == reverse("appeals:status")
    assert client.get(reverse("feedback:answer")).status_code == 302


def test_the_heads_front_page_counts_the_reviews_waiting(client, roles):
    from appeals.services import worklists

    def shown(user) -> dict[str, str]:
        return {line.key: line.shown for work in worklists.worklists_for(user) for line in work.lines}

    unhappy, content = answered(roles), answered(roles)
    for appeal, resolved in ((unhappy, "no"), (content, "yes")):
        request = services.request_for_key(SatisfactionKey.objects.get(appeal=appeal))
        services.answer_request(request, resolved=resolved, mark=None, comment="")
    assert shown(roles.head)["head_reviews"] == "1"
    client.force_login(roles.head)
    page = client.get(reverse("admin:index")).content.decode()
    assert re.search(r'id="work-head_reviews">\s*<span class="count">1</span>', page), "no line on the front page"
    assert listed(client, worklists.ENTRIES["head_reviews"].url(roles.head)) == [unhappy.number]
    # An executor holds no right to the review list: no line, nothing counted.
    assert "head_reviews" not in shown(roles.executor_b)
    assert worklists.ENTRIES["head_reviews"].rows(roles.executor_b, timezone.now()).count() == 0
    services.review_request(SatisfactionRequest.objects.get(appeal=unhappy), roles.head, note="Позвонили.")
    assert shown(roles.head)["head_reviews"] == "0"
