from __future__ import annotations

from celery import shared_task

from appeals import services


@shared_task(ignore_result=True)
def purge_expired_drafts() -> int:
    """Delete drafts (and their files) whose confirmation time has run out."""
    return services.purge_expired_drafts()
