"""What the outbox promises (docs/delivery.md): at least once, a duplicate only after a crash in one short window.

The window is the time between the SMTP server's acceptance of a letter and
the UPDATE that marks its row sent; these tests kill a "worker" there, and
check what the sweep then does: it re-offers a claim older than the timeout
(a fresh one never), sends the same letter with the same Message-ID, and
does not send a confirmation that is obsolete.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from appeals import services as appeal_services
from appeals.forms import AppealForm, draft_data
from appeals.identification import EmailIdentification, Identity
from appeals.models import Draft
from outbox import services
from outbox.apps import check_email_timeout
from outbox.models import OutgoingMessage
from outbox.tasks import deliver_message, sweep_outbox
from tests.factories import form_data
from tests.smtp import SMTPServer

pytestmark = pytest.mark.django_db
Status = OutgoingMessage.Status


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, no except-clause of the code catches it."""


def make_message(**fields) -> OutgoingMessage:
    defaults = {"kind": "test.notice", "to": "citizen@mail.ru", "subject": "Тема", "body_text": "Текст",
                "next_attempt_at": timezone.now()}
    return OutgoingMessage.objects.create(**{**defaults, **fields})


def awaiting_draft() -> Draft:
    form = AppealForm(form_data(email="citizen@mail.ru"))
    assert form.is_valid(), form.errors
    return appeal_services.submit_draft(appeal_services.create_draft(), draft_data(form.cleaned_data))


def confirmation_of(draft: Draft) -> OutgoingMessage:
    """Queue the draft's confirmation letter (the on-commit hand-off never runs in these tests)."""
    EmailIdentification().send_letter(draft)
    return OutgoingMessage.objects.filter(draft=draft).latest("created_at")


def kill_in_the_window(monkeypatch) -> None:
    """The next delivery dies after the SMTP server took the letter, before the row is marked sent."""

    def killed(message):
        raise WorkerKilled

    monkeypatch.setattr(services, "_mark_sent", killed)


def age_claim(message: OutgoingMessage, seconds: float) -> None:
    OutgoingMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - timedelta(seconds=seconds))


@pytest.fixture
def smtp(settings, smtp_server: SMTPServer) -> SMTPServer:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return smtp_server


# --- a dead worker's claim ----------------------------------------------------
def test_a_claim_older_than_the_timeout_is_offered_again_and_a_fresh_one_is_not():
    dead = make_message(status=Status.SENDING)
    age_claim(dead, services.CLAIM_TIMEOUT.total_seconds() + 1)
    alive = make_message(status=Status.SENDING)
    age_claim(alive, services.CLAIM_TIMEOUT.total_seconds() - 15)
    assert services.CLAIM_TIMEOUT <= timedelta(seconds=60)
    assert services.due_message_ids() == [dead.pk]
    assert OutgoingMessage.objects.get(pk=alive.pk).status == Status.SENDING
    assert OutgoingMessage.objects.get(pk=dead.pk).status == Status.PENDING


def test_a_live_but_slow_worker_is_stopped_before_its_claim_goes_stale(settings):
    # The task is interrupted, then killed, before the sweep would re-offer its letter.
    assert deliver_message.soft_time_limit == services.SEND_SOFT_TIME_LIMIT
    assert deliver_message.time_limit == services.SEND_TIME_LIMIT
    assert services.SEND_SOFT_TIME_LIMIT < services.SEND_TIME_LIMIT < services.CLAIM_TIMEOUT.total_seconds()
    # Each SMTP step waits less than the soft limit; a setting that breaks this fails the system check.
    assert django_settings.EMAIL_TIMEOUT < services.SEND_SOFT_TIME_LIMIT
    assert check_email_timeout() == []
    settings.EMAIL_TIMEOUT = services.SEND_SOFT_TIME_LIMIT
    assert [error.id for error in check_email_timeout()] == ["outbox.E001"]


def test_a_send_interrupted_by_the_soft_time_limit_goes_back_to_pending(settings, monkeypatch):
    def slow(self, messages):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(LocmemBackend, "send_messages", slow)
    message = make_message()
    with pytest.raises(services.TransientDeliveryError):
        services.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.next_attempt_at > timezone.now()


def test_the_sweep_runs_at_least_every_minute_so_a_dead_workers_letter_goes_out_within_90_seconds():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert schedule["task"] == "outbox.tasks.sweep_outbox"
    period = float(schedule["schedule"])
    assert period <= 60
    assert services.CLAIM_TIMEOUT.total_seconds() + period <= 90


# --- the window -----------------------------------------------------------------
def test_the_row_is_marked_sent_before_the_smtp_connection_is_closed(monkeypatch):
    seen_at_close: list[str] = []

    def close(self):
        seen_at_close.append(OutgoingMessage.objects.get(pk=message.pk).status)
        raise smtplib.SMTPServerDisconnected("the server hung up on QUIT")

    monkeypatch.setattr(LocmemBackend, "close", close, raising=False)
    message = make_message(redact_after_send=True, body_text="код: 123456")
    assert services.deliver(message.pk) is True
    # Nothing stood between the hand-off and the record, and a failed QUIT changes nothing.
    assert seen_at_close == [Status.SENT]
    message.refresh_from_db()
    assert message.status == Status.SENT and "123456" not in message.body_text


def test_a_crash_in_the_window_resends_the_same_letter_with_the_same_message_id(smtp, monkeypatch):
    message = make_message(redact_after_send=True, body_text="Ваш код: 123456")
    kill_in_the_window(monkeypatch)
    with pytest.raises(WorkerKilled):
        services.deliver(message.pk)
    monkeypatch.undo()
    smtp.wait_for_message(1)
    # The row still holds the whole letter: redaction is part of the very
    # UPDATE that never ran, so the resend is the letter, not an empty one.
    message.refresh_from_db()
    assert message.status == Status.SENDING and "123456" in message.body_text
    # Within the timeout the claim stands; after it the sweep re-offers the letter.
    assert services.due_message_ids() == []
    age_claim(message, services.CLAIM_TIMEOUT.total_seconds() + 1)
    assert sweep_outbox() == 1  # eager Celery: the sweep's task delivers at once
    first, second = smtp.wait_for_message(1), smtp.wait_for_message(2)
    header = "Message-ID"
    first_id = first.raw.split(f"{header}: ".encode())[1].split(b"\r\n")[0]
    second_id = second.raw.split(f"{header}: ".encode())[1].split(b"\r\n")[0]
    assert first_id == second_id == f"<{message.uid}@localhost>".encode()
    assert "123456" in second.text
    message.refresh_from_db()
    assert message.status == Status.SENT and "123456" not in message.body_text and message.attempts == 2


def test_the_code_is_redacted_in_the_same_statement_that_marks_the_letter_sent(smtp):
    draft = awaiting_draft()
    message = confirmation_of(draft)
    code_line = next(line for line in message.body_text.splitlines() if any(ch.isdigit() for ch in line))
    assert services.deliver(message.pk) is True
    letter = smtp.wait_for_message(1)
    assert code_line.strip() in letter.text
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.body_text == services.REDACTED and message.body_html == ""


# --- obsolete confirmations ---------------------------------------------------------
def test_the_confirmation_of_a_confirmed_draft_is_not_sent_at_claim_time():
    draft = awaiting_draft()
    message = confirmation_of(draft)
    appeal_services.receive_appeal(draft, Identity("email", draft.email))
    assert services.deliver(message.pk) is False
    assert mail.outbox == [] or all(sent.subject != message.subject for sent in mail.outbox)
    message.refresh_from_db()
    assert message.status == Status.OBSOLETE
    assert message.body_text == services.REDACTED_OBSOLETE and message.body_html == ""


def test_a_confirmation_replaced_by_a_newer_letter_is_not_sent():
    draft = awaiting_draft()
    old = confirmation_of(draft)
    new = confirmation_of(Draft.objects.get(pk=draft.pk))
    assert services.deliver(old.pk) is False
    assert services.deliver(new.pk) is True
    assert [m.status for m in OutgoingMessage.objects.filter(pk__in=[old.pk, new.pk]).order_by("pk")] == [
        Status.OBSOLETE, Status.SENT,
    ]
    assert len(mail.outbox) == 1


def test_the_sweep_retires_obsolete_confirmations_even_those_left_by_a_dead_worker(monkeypatch):
    expired = awaiting_draft()
    expired_letter = confirmation_of(expired)
    Draft.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    confirmed = awaiting_draft()
    crashed_letter = confirmation_of(confirmed)
    kill_in_the_window(monkeypatch)
    with pytest.raises(WorkerKilled):
        services.deliver(crashed_letter.pk)
    monkeypatch.undo()
    mail.outbox.clear()
    # The citizen used the letter the dead worker had handed over.
    appeal_services.receive_appeal(confirmed, Identity("email", confirmed.email))
    age_claim(crashed_letter, services.CLAIM_TIMEOUT.total_seconds() + 1)
    acknowledgement = OutgoingMessage.objects.get(kind="appeals.acknowledgement")
    live = make_message()
    assert services.due_message_ids() == [acknowledgement.pk, live.pk]
    for letter in (expired_letter, crashed_letter):
        letter.refresh_from_db()
        assert letter.status == Status.OBSOLETE and letter.body_text == services.REDACTED_OBSOLETE
    assert sweep_outbox() == 2
    assert sorted(sent.subject for sent in mail.outbox) == sorted([acknowledgement.subject, "Тема"])


def test_a_confirmation_whose_draft_was_purged_is_not_sent():
    draft = awaiting_draft()
    message = confirmation_of(draft)
    assert message.send_before == draft.expires_at
    appeal_services.purge_expired_drafts(now=draft.expires_at + timedelta(seconds=1))
    message.refresh_from_db()
    assert message.draft_id is None
    OutgoingMessage.objects.filter(pk=message.pk).update(send_before=timezone.now() - timedelta(seconds=1))
    assert services.deliver(message.pk) is False
    assert OutgoingMessage.objects.get(pk=message.pk).status == Status.OBSOLETE


# --- sessions ---------------------------------------------------------------------------
def test_expired_sessions_are_cleared_by_a_beat_task():
    from appeals_portal.celery import clear_expired_sessions

    schedule = django_settings.CELERY_BEAT_SCHEDULE["sessions-clear-expired"]
    assert schedule["task"] == clear_expired_sessions.name
    assert float(schedule["schedule"]) <= 24 * 60 * 60
    old, current = SessionStore(), SessionStore()
    old["x"] = current["x"] = 1
    old.set_expiry(-1)
    old.save()
    current.save()
    clear_expired_sessions.apply()
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]
