"""A broker outage at receipt: the appeal is stored, the acknowledgement goes later."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail

from appeals.models import Appeal
from outbox.models import OutgoingMessage
from outbox.tasks import sweep_outbox
from tests.conftest import point_celery_at, real_worker, wait_for
from tests.factories import form_data

# A port nothing listens on: connecting is refused at once, like a broker that is down.
DEAD_BROKER = "redis://127.0.0.1:9/0"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_at_receipt_keeps_the_appeal_and_mails_once_it_is_back(client, redis_url, caplog):
    client.post("/", form_data())
    link = re.search(r"http://[^\s]+(/confirm/[^\s]+/)", mail.outbox[-1].body).group(1)

    # 1. The broker goes down; the citizen confirms.
    point_celery_at(DEAD_BROKER)
    started = time.monotonic()
    response = client.post(link, follow=True)
    elapsed = time.monotonic() - started
    appeal = Appeal.objects.get()
    assert response.status_code == 200
    assert appeal.number in response.content.decode()  # no error for the citizen
    assert elapsed < 15, f"the receipt waited {elapsed:.1f} s for the dead broker"
    ack = OutgoingMessage.objects.get(kind="appeals.acknowledgement")
    assert ack.status == OutgoingMessage.Status.PENDING
    # The broker really refused: the message was not queued, only kept in the table.
    assert f"outbox enqueue failed message={ack.pk}" in caplog.text
    assert len(mail.outbox) == 1  # only the confirmation letter so far

    # 2. The broker is back: beat's sweep queues the message, a real worker sends it.
    point_celery_at(redis_url)
    with real_worker():
        sweep_outbox.delay()
        assert wait_for(lambda: OutgoingMessage.objects.get(pk=ack.pk).status == OutgoingMessage.Status.SENT)
    assert [m.subject for m in mail.outbox][-1] == f"О поступлении обращения № {appeal.number}"
    assert len(mail.outbox) == 2
