from __future__ import annotations

from celery import shared_task

from appeals import services
from appeals.services import terms


@shared_task(ignore_result=True)
def purge_expired_drafts() -> int:
    """Delete drafts (and their files) whose confirmation time has run out."""
    return services.purge_expired_drafts()


@shared_task(ignore_result=True, acks_late=True)
def recompute_terms() -> int:
    """Recompute the due dates of open appeals after the working-day calendar changed."""
    return terms.recompute_open_terms()
