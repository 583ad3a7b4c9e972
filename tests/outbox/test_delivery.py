"""The outbox delivers each message once, retries transient failures, gives up in the end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from outbox import services
from outbox.models import OutgoingMessage
from outbox.tasks import deliver_message, sweep_outbox

pytestmark = pytest.mark.django_db
Status = OutgoingMessage.Status


def make_message(**fields) -> OutgoingMessage:
    defaults = {
        "kind": "test.notice",
        "to": "citizen@mail.ru",
        "subject": "Тема",
        "body_text": "Текст",
        "body_html": "<p>Текст</p>",
        "next_attempt_at": timezone.now(),
    }
    return OutgoingMessage.objects.create(**{**defaults, **fields})


def test_a_message_is_sent_with_its_stable_message_id_and_both_bodies():
    message = make_message()
    assert services.deliver(message.pk) is True
    [sent] = mail.outbox
    assert sent.to == ["citizen@mail.ru"] and sent.subject == "Тема"
    assert sent.extra_headers["Message-ID"].startswith(f"<{message.uid}@")
    assert sent.alternatives[0][1] == "text/html"
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 1 and message.sent_at


def test_a_task_run_twice_sends_once():
    message = make_message()
    deliver_message.apply(args=[message.pk])
    deliver_message.apply(args=[message.pk])
    assert len(mail.outbox) == 1


def test_queue_email_renders_the_templates_and_sends_on_commit(django_capture_on_commit_callbacks):
    from classifiers.models import Institution

    with django_capture_on_commit_callbacks(execute=True):
        message = services.queue_email(
            kind="appeals.confirmation",
            to="citizen@mail.ru",
            template="emails/appeal_confirm",
            context={"link": "http://x/confirm/", "code": "123456", "expires_at": timezone.now(),
                     "institution": Institution.get_current()},
        )
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert mail.outbox[0].subject == "Подтвердите обращение в ФГБОУ ВО МГЛУ"
    assert "123456" in mail.outbox[0].body
    message.refresh_from_db()
    assert message.status == Status.SENT


@pytest.mark.parametrize("backend", ["RefusingBackend", "TemporaryFailureBackend"])
def test_smtp_failure_keeps_the_message_for_a_later_attempt(settings, backend):
    settings.EMAIL_BACKEND = f"tests.outbox.backends.{backend}"
    message = make_message()
    with pytest.raises(services.TransientDeliveryError):
        services.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert message.last_error
    assert message.next_attempt_at > timezone.now()
    # Not due yet: the sweep leaves it alone.
    assert services.due_message_ids() == []


def test_after_the_last_attempt_the_message_is_marked_failed(settings):
    settings.EMAIL_BACKEND = "tests.outbox.backends.RefusingBackend"
    message = make_message(attempts=services.MAX_ATTEMPTS - 1)
    assert services.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.next_attempt_at is None


def test_the_server_comes_back_and_the_sweep_sends_it_once(settings):
    settings.EMAIL_BACKEND = "tests.outbox.backends.RefusingBackend"
    message = make_message()
    deliver_message.apply(args=[message.pk])  # eager: no retry in-process, left for the sweep
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert sweep_outbox() == 1
    assert sweep_outbox() == 0
    assert len(mail.outbox) == 1


def test_a_claim_left_by_a_dead_worker_is_offered_again():
    message = make_message(status=Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=11))
    fresh = make_message(status=Status.SENDING, claimed_at=timezone.now())
    assert services.due_message_ids() == [message.pk]
    assert OutgoingMessage.objects.get(pk=fresh.pk).status == Status.SENDING


def test_retry_delay_grows_and_is_bounded():
    delays = [services.retry_delay(n).total_seconds() for n in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 2 * 60 * 60


def test_a_secret_letter_keeps_no_copy_of_its_text_once_sent():
    message = make_message(redact_after_send=True, body_text="код: 123456")
    services.deliver(message.pk)
    assert "123456" in mail.outbox[0].body
    message.refresh_from_db()
    assert "123456" not in message.body_text and message.body_html == ""


def test_a_secret_letter_not_yet_sent_keeps_its_text_for_the_retry(settings):
    settings.EMAIL_BACKEND = "tests.outbox.backends.RefusingBackend"
    message = make_message(redact_after_send=True, body_text="код: 123456")
    with pytest.raises(services.TransientDeliveryError):
        services.deliver(message.pk)
    message.refresh_from_db()
    assert message.body_text == "код: 123456"


# --- letters rendered at delivery (issue 13) ----------------------------------------------

def test_a_deferred_context_comes_back_with_its_dates_moments_and_rows():
    from datetime import date

    from django.utils.translation import gettext_lazy

    from classifiers.models import Institution

    institution = Institution.get_current()
    moment = timezone.now()
    context = {"day": date(2026, 5, 15), "at": moment, "institution": institution, "n": 3, "none": None,
               "title": gettext_lazy("Ответ"), "rows": [{"day": date(2026, 5, 16)}]}
    packed = services.pack_context(context)
    assert packed["institution"] == {"$model": "classifiers.institution", "pk": institution.pk}
    back = services.unpack_context(packed)
    assert back == {**context, "title": "Ответ"}
    assert isinstance(back["institution"], Institution) and back["at"] == moment
    with pytest.raises(TypeError):
        services.pack_context({"x": object()})


def test_a_deferred_letter_that_cannot_be_rendered_fails_once_and_sends_nothing(
    django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        [message] = services.queue_deferred_emails(
            [services.DeferredEmail(kind="test.notice", to="staff@example.ru", template="emails/no_such_letter")]
        )
    message.refresh_from_db()
    assert message.status == Status.FAILED and "TemplateDoesNotExist" in message.last_error
    assert mail.outbox == []
    assert services.due_message_ids() == []  # not offered again
