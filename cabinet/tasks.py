from __future__ import annotations

from celery import shared_task

from cabinet import services


@shared_task(ignore_result=True)
def delete_expired_links() -> int:
    """Delete the sign-in links past their time (used or not): they open nothing any more."""
    return services.delete_expired_links()
