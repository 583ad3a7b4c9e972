from __future__ import annotations

from celery import shared_task

from publications import services


@shared_task(ignore_result=True)
def refresh_lexemes() -> int:
    """Recount the word stems of the published pages (the form's hints read them)."""
    return services.refresh_lexemes()
