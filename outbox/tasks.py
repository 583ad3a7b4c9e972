from __future__ import annotations

import logging

from celery import shared_task

from outbox import services

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=services.MAX_ATTEMPTS,
    ignore_result=True,
    # Below the outbox's claim timeout, so a live but slow worker is never
    # overtaken by the sweep (the arithmetic is at services.CLAIM_TIMEOUT).
    soft_time_limit=services.SEND_SOFT_TIME_LIMIT,
    time_limit=services.SEND_TIME_LIMIT,
)
def deliver_message(self, message_id: int) -> None:
    """Send one outbox message; a transient SMTP failure is retried with back-off."""
    try:
        services.deliver(message_id)
    except services.TransientDeliveryError as exc:
        if self.request.is_eager:
            return  # no worker to retry later in-process; the sweep will pick it up
        countdown = services.retry_delay(self.request.retries + 1).total_seconds()
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Queue every message that is due: the safety net for a broker or worker that lost it."""
    ids = services.due_message_ids()
    queued = sum(services.enqueue(message_id) for message_id in ids)
    if ids:
        logger.info("outbox sweep due=%s queued=%s", len(ids), queued)
    return queued
