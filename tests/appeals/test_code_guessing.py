"""The e-mail code cannot be guessed (issue 8, item 5).

Wrong codes count on the draft over its whole life, resends included, and
per client IP and per e-mail address across drafts. At the limit even the
right code and the link are refused, and the citizen submits again from a
form that has kept what they typed.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from fractions import Fraction

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from appeals import services, tokens
from appeals.forms import AppealForm, ConfirmationCodeForm, draft_data
from appeals.identification import EmailIdentification, IdentificationError, email_backend
from appeals.models import Appeal, Attachment, Draft
from tests.conftest import CommitClient
from tests.factories import form_data, make_pdf, upload

pytestmark = pytest.mark.django_db

FORM_URL = reverse("appeals:form")
CHECK_URL = reverse("appeals:check_email")


def letter_code(message) -> str:
    match = re.search(r"код: (\d{6})", message.body)
    assert match, message.body
    return match.group(1)


def letter_link(message) -> str:
    match = re.search(r"http://[^\s]+(/confirm/[0-9a-f-]+/[^\s/]+/)", message.body)
    assert match, message.body
    return match.group(1)


def wrong_codes_for(code: str, count: int) -> list[str]:
    """`count` distinct six-digit codes, none of them `code`: a guesser never repeats itself."""
    return [guess for guess in (f"{n:06d}" for n in range(count + 1)) if guess != code][:count]


def awaiting_draft(email: str = "maria.ivanova@mail.ru") -> Draft:
    form = AppealForm(form_data(email=email), kept=[])
    assert form.is_valid(), form.errors
    draft = services.submit_draft(services.create_draft(), draft_data(form.cleaned_data))
    send_letter(draft)
    return draft


def send_letter(draft: Draft) -> None:
    """A new letter, delivered: the outbox queues its task on commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        email_backend().send_letter(Draft.objects.get(pk=draft.pk))


def mark_resend_allowed() -> None:
    Draft.objects.update(confirmation_sent_at=timezone.now() - timedelta(minutes=5))


def test_a_guess_at_a_draft_succeeds_with_a_chance_under_one_in_100000(settings):
    """The bound, computed from what the code does, not from a constant.

    C = the number of possible codes: tokens.new_numeric_code draws uniformly
    from 0..999999 (secrets.randbelow(10**6)) and the code form accepts exactly
    six digits, so C = 10**6. N = the most guesses one draft evaluates: the
    default APPEALS_CONFIRMATION_MAX_WRONG_CODES, here counted by guessing
    with distinct codes (and a resend, which used to reset the count) until
    the draft refuses. Each code is uniform and unknown to the guesser, so a
    guesser who never repeats succeeds against one code with n guesses with
    chance n/C, and across resends (new codes) with at most the sum, N/C by
    the union bound. A wrong link token counts against the same N, and hits
    with chance 2**-256 each, far below 1/C. N = 9 gives 9/10**6, under the
    issue's 1/100,000; N = 10 would give exactly 1/100,000, not under it.
    """
    assert EmailIdentification.POSSIBLE_CODES == 10**6
    assert all(re.fullmatch(r"\d{6}", tokens.new_numeric_code()) for _ in range(200))
    assert not ConfirmationCodeForm({"code": "1234567"}).is_valid()
    assert not ConfirmationCodeForm({"code": "12345"}).is_valid()

    draft = awaiting_draft()
    code = letter_code(mail.outbox[-1])
    backend = email_backend()
    evaluated = 0
    for number, guess in enumerate(wrong_codes_for(code, 30)):
        if number == 4:  # a new letter in the middle: it must not buy new guesses
            mark_resend_allowed()
            send_letter(draft)
            code = letter_code(mail.outbox[-1])
        if guess == code:
            continue
        try:
            backend.check_code(Draft.objects.get(pk=draft.pk), guess)
        except IdentificationError as exc:
            if not exc.counted:
                break  # refused without being checked: the draft is locked
            evaluated += 1
    guesses = evaluated
    possible = EmailIdentification.POSSIBLE_CODES
    assert guesses == settings.APPEALS_CONFIRMATION_MAX_WRONG_CODES == 9
    assert Fraction(guesses, possible) < Fraction(1, 100_000)
    # Locked: the right code is refused too.
    with pytest.raises(IdentificationError) as refused:
        backend.check_code(Draft.objects.get(pk=draft.pk), code)
    assert refused.value.code == "locked"


def test_a_new_letter_does_not_reset_the_count(settings):
    settings.APPEALS_CONFIRMATION_MAX_WRONG_CODES = 4
    draft = awaiting_draft()
    backend = email_backend()
    for _ in range(3):
        mark_resend_allowed()
        send_letter(draft)
        code = letter_code(mail.outbox[-1])
        with pytest.raises(IdentificationError):
            backend.check_code(Draft.objects.get(pk=draft.pk), wrong_codes_for(code, 1)[0])
    assert Draft.objects.get(pk=draft.pk).wrong_codes == 3
    mark_resend_allowed()
    send_letter(draft)
    code = letter_code(mail.outbox[-1])
    with pytest.raises(IdentificationError) as last:
        backend.check_code(Draft.objects.get(pk=draft.pk), wrong_codes_for(code, 1)[0])
    assert last.value.code == "locked"
    with pytest.raises(IdentificationError):
        backend.check_code(Draft.objects.get(pk=draft.pk), code)


def test_the_right_code_is_not_counted_as_wrong():
    draft = awaiting_draft()
    identity = email_backend().check_code(draft, letter_code(mail.outbox[-1]))
    assert identity.identifier == "maria.ivanova@mail.ru"
    assert Draft.objects.get(pk=draft.pk).wrong_codes == 0


def test_the_error_says_how_many_tries_are_left(client, settings):
    settings.APPEALS_CONFIRMATION_MAX_WRONG_CODES = 5
    client.post(FORM_URL, form_data())
    code = letter_code(mail.outbox[-1])
    for left, guess in zip((4, 3), wrong_codes_for(code, 2), strict=True):
        html = client.post(CHECK_URL, {"code": guess}).content.decode()
        assert f"Код неверный. Проверьте код в последнем письме. Осталось попыток: {left}." in html


def test_at_the_limit_the_code_and_the_link_are_refused_and_the_form_comes_back_filled_in(client, settings):
    settings.APPEALS_CONFIRMATION_MAX_WRONG_CODES = 3
    client.post(FORM_URL, {**form_data(text="Мой особый текст."), "attachments": [upload("Справка.pdf", make_pdf())]})
    letter = mail.outbox[-1]
    code, link = letter_code(letter), letter_link(letter)
    old = Draft.objects.get()
    for guess in wrong_codes_for(code, 2):
        client.post(CHECK_URL, {"code": guess})
    response = client.post(CHECK_URL, {"code": wrong_codes_for(code, 3)[2]})
    assert response.status_code == 302 and response["Location"] == FORM_URL

    html = client.get(FORM_URL).content.decode()
    assert "Код введён неверно слишком много раз (3)" in html
    assert "Отправьте обращение ещё раз" in html
    assert 'value="Мария"' in html and "Мой особый текст." in html
    assert "Справка.pdf" in html and "Уже приложенные файлы" in html

    # The old draft is locked for good: neither its right code nor its link works.
    old.refresh_from_db()
    assert old.wrong_codes == 3 and not old.attachments.exists()
    assert set(old.data) == {"restarted_as"} and old.email == ""  # no personal data left on it
    # Restarting it again (a second tab) gives the same new draft, not an empty one.
    assert services.restart_draft(old).key == Draft.objects.get(key=old.data["restarted_as"]).key
    response = client.get(link)
    assert response.status_code == 400 and "слишком много раз" in response.content.decode()
    response = client.post(link)
    assert response.status_code == 400
    with pytest.raises(IdentificationError):
        email_backend().check_code(old, code)
    assert not Appeal.objects.exists()

    # Sent again: a new letter, a new count, and the kept file goes with the appeal.
    client.post(FORM_URL, form_data(text="Мой особый текст."))
    client.post(CHECK_URL, {"code": letter_code(mail.outbox[-1])})
    appeal = Appeal.objects.get()
    assert [a.original_name for a in appeal.attachments.all()] == ["Справка.pdf"]
    assert Attachment.objects.filter(draft__isnull=False).count() == 0


def test_a_posted_wrong_link_token_counts_and_a_scanners_get_does_not(client, settings):
    settings.APPEALS_CONFIRMATION_MAX_WRONG_CODES = 3
    client.post(FORM_URL, form_data())
    link = letter_link(mail.outbox[-1])
    draft = Draft.objects.get()
    forged = link.rsplit("/", 2)[0] + "/" + tokens.new_link_token() + "/"
    for _ in range(5):
        assert client.get(forged).status_code == 400
    assert Draft.objects.get(pk=draft.pk).wrong_codes == 0
    for _ in range(3):
        assert client.post(forged).status_code == 400
    assert Draft.objects.get(pk=draft.pk).wrong_codes == 3
    # The real link is refused now too.
    response = client.post(link)
    assert response.status_code == 400 and "слишком много раз" in response.content.decode()
    assert not Appeal.objects.exists()


@pytest.fixture
def rate_limits(settings):
    settings.RATELIMIT_ENABLE = True
    cache.clear()
    yield
    cache.clear()


def test_wrong_codes_at_one_address_are_limited_across_drafts(settings, rate_limits):
    settings.APPEALS_RATE_WRONG_CODE_EMAIL = "4/d"
    settings.APPEALS_RATE_WRONG_CODE_IP = "100/d"
    settings.APPEALS_RATE_CONFIRM = "100/h"
    first, second = CommitClient(REMOTE_ADDR="198.51.100.1"), CommitClient(REMOTE_ADDR="198.51.100.2")
    first.post(FORM_URL, form_data(email="victim@mail.ru"))
    for guess in wrong_codes_for(letter_code(mail.outbox[-1]), 3):
        first.post(CHECK_URL, {"code": guess})
    second.post(FORM_URL, form_data(email="victim@mail.ru"))
    code = letter_code(mail.outbox[-1])
    second.post(CHECK_URL, {"code": wrong_codes_for(code, 1)[0]})
    # Four wrong codes at this address: even the right one is not checked now.
    html = second.post(CHECK_URL, {"code": code}).content.decode()
    assert "введено слишком много неверных кодов" in html
    assert not Appeal.objects.exists()
    # Another address is not affected.
    third = CommitClient(REMOTE_ADDR="198.51.100.3")
    third.post(FORM_URL, form_data(email="other@mail.ru"))
    third.post(CHECK_URL, {"code": letter_code(mail.outbox[-1])})
    assert Appeal.objects.count() == 1


def test_wrong_codes_from_one_client_are_limited_across_addresses(client, settings, rate_limits):
    settings.APPEALS_RATE_WRONG_CODE_IP = "3/d"
    settings.APPEALS_RATE_WRONG_CODE_EMAIL = "100/d"
    settings.APPEALS_RATE_CONFIRM = "100/h"
    for n in range(3):
        client.post(FORM_URL, form_data(email=f"person{n}@mail.ru"))
        client.post(CHECK_URL, {"code": wrong_codes_for(letter_code(mail.outbox[-1]), 1)[0]})
    client.post(FORM_URL, form_data(email="person9@mail.ru"))
    html = client.post(CHECK_URL, {"code": letter_code(mail.outbox[-1])}).content.decode()
    assert "введено слишком много неверных кодов" in html
    assert not Appeal.objects.exists()
    assert "Подтвердите обращение по ссылке из последнего письма" in html
    # The link cannot be guessed: the owner of the mailbox still confirms with it.
    client.post(letter_link(mail.outbox[-1]))
    assert Appeal.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_guesses_cannot_pass_the_limit_together(require_postgres, settings):
    """Twenty guesses at once at a draft with one try left: one is checked, the others refused unchecked."""
    settings.APPEALS_CONFIRMATION_MAX_WRONG_CODES = 9
    draft = awaiting_draft()
    code = letter_code(mail.outbox[-1])
    Draft.objects.filter(pk=draft.pk).update(wrong_codes=8)
    guesses = wrong_codes_for(code, 20)
    barrier = threading.Barrier(len(guesses))
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess(value: str) -> None:
        try:
            barrier.wait(timeout=30)
            email_backend().check_code(draft, value)
            outcome = "accepted"
        except IdentificationError as exc:
            outcome = "checked" if exc.counted else "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(value,)) for value in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["checked"] + ["refused"] * 19
    assert Draft.objects.get(pk=draft.pk).wrong_codes == 9


@pytest.mark.parametrize("value", ["0", "10", "50"])
def test_a_limit_that_breaks_the_bound_does_not_start(tmp_path, value):
    # 10 wrong codes of 10**6 would be exactly 1 in 100,000, not under it.
    from tests.test_project import load_settings

    result = load_settings(tmp_path, ["APPEALS_CONFIRMATION_MAX_WRONG_CODES"],
                           APPEALS_CONFIRMATION_MAX_WRONG_CODES=value)
    assert result.returncode != 0
    assert "APPEALS_CONFIRMATION_MAX_WRONG_CODES must be between 1 and 9" in result.stderr


def test_the_default_limit_is_nine(tmp_path):
    from tests.test_project import settings_values

    values = settings_values(tmp_path, ["APPEALS_CONFIRMATION_MAX_WRONG_CODES"])
    assert values["APPEALS_CONFIRMATION_MAX_WRONG_CODES"] == 9


def test_with_the_counters_cache_down_the_per_draft_bound_still_holds(client, settings, caplog, monkeypatch):
    # The view's own rate limits share the cache; what they do in an outage is
    # issue 8 item 8. Here only the wrong-code counters fail, as a Redis
    # client fails when nothing listens.
    import redis

    from appeals import identification

    def unreachable(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(identification, "get_usage", unreachable)
    settings.APPEALS_CONFIRMATION_MAX_WRONG_CODES = 2
    client.post(FORM_URL, form_data())
    code = letter_code(mail.outbox[-1])
    html = client.post(CHECK_URL, {"code": wrong_codes_for(code, 1)[0]}).content.decode()
    assert "Осталось попыток: 1." in html
    assert "wrong-code counter unavailable" in caplog.text
    response = client.post(CHECK_URL, {"code": wrong_codes_for(code, 2)[1]})
    assert response.status_code == 302 and response["Location"] == FORM_URL
    assert Draft.objects.filter(wrong_codes=2).exists()  # locked by the database count alone
