"""End to end on the real stack: an official's step queues a notice, a Celery worker on Redis sends it
over SMTP to a server on loopback, once, even when the SMTP server is down at first or the task runs twice."""

from __future__ import annotations

import time

import pytest
from aiosmtpd.controller import Controller

from appeals.services import handling
from outbox.models import OutgoingMessage
from outbox.tasks import deliver_message, sweep_outbox
from tests.conftest import point_celery_at, real_worker, wait_for
from tests.roles import make_appeal, make_user
from tests.smtp import CollectingHandler, free_port

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

Status = OutgoingMessage.Status


@pytest.fixture
def smtp_at(settings):
    """Point the portal's SMTP settings at a port; the test decides when a server listens there."""

    def point(port: int) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5

    return point


@pytest.fixture
def worker(redis_url):
    point_celery_at(redis_url)
    with real_worker():
        yield


def registration_notice(appeal) -> OutgoingMessage:
    return OutgoingMessage.objects.get(appeal=appeal, kind="letters.registered")


def test_a_step_queues_a_notice_and_the_worker_sends_it_once(smtp_at, smtp_server, worker):
    smtp_at(smtp_server.port)
    appeal = make_appeal()
    registrar = make_user("registrar", "Регистратор")

    handling.register_appeal(appeal, registrar)

    letter = smtp_server.wait_for_message(1)
    assert appeal.number in letter.subject and letter.to == [appeal.email]
    assert wait_for(lambda: registration_notice(appeal).status == Status.SENT)
    # The sweep and a second delivery of the same message send nothing more.
    sweep_outbox.delay()
    deliver_message.delay(registration_notice(appeal).pk)
    time.sleep(2)
    assert len(smtp_server.messages) == 1


def test_with_the_smtp_server_down_the_notice_is_retried_and_arrives_once_it_is_up(settings, smtp_at, worker):
    settings.OUTBOX_RETRY_BASE_SECONDS = 1
    port = free_port()
    smtp_at(port)  # nothing listens there yet: connections are refused
    appeal = make_appeal()

    handling.register_appeal(appeal, make_user("registrar", "Регистратор"))

    assert wait_for(lambda: registration_notice(appeal).last_error != "")
    notice = registration_notice(appeal)
    assert notice.status in {Status.PENDING, Status.SENDING} and notice.attempts >= 1
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        assert wait_for(lambda: registration_notice(appeal).status == Status.SENT, timeout=30)
        time.sleep(1)
        assert [m.subject for m in handler.messages] == [registration_notice(appeal).subject]
    finally:
        controller.stop()


def test_a_delivery_task_run_twice_at_once_sends_once(smtp_at, smtp_server, redis_url):
    smtp_at(smtp_server.port)
    appeal = make_appeal()
    point_celery_at(redis_url)
    # Queue the step's notice while no worker runs, then publish its task a
    # second time: two copies wait in the broker for one message.
    handling.register_appeal(appeal, make_user("registrar", "Регистратор"))
    deliver_message.delay(registration_notice(appeal).pk)
    with real_worker():
        smtp_server.wait_for_message(1)
        assert wait_for(lambda: registration_notice(appeal).status == Status.SENT)
        time.sleep(2)
    assert len(smtp_server.messages) == 1
    assert registration_notice(appeal).attempts == 1
