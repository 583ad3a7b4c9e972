"""The batch PDF is built in the background: the task takes the batch's id and calls the service."""

from __future__ import annotations

from celery import shared_task

from postal import services


@shared_task(acks_late=True)
def render_batch_task(batch_id: int) -> None:
    # Idempotent: the service builds only a batch still in the state «собирается».
    services.render_batch(batch_id)
