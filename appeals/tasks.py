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


@shared_task(ignore_result=True, acks_late=True)
def send_reminders() -> int:
    """Remind the officials of due dates and send the heads their digest of overdue appeals.

    Both parts claim each letter before queuing it (appeals.reminders), so
    the task may run several times a day, or twice at once, and each letter
    still goes once.
    """
    from appeals import reminders

    return reminders.send_due_reminders() + reminders.send_overdue_digest()
