"""The suggestions are computed after the appeal is stored, in a worker: the citizen's confirmation does not wait."""

from __future__ import annotations

from celery import shared_task

from appeals.models import Appeal
from suggestions import services


@shared_task(name="suggestions.compute", ignore_result=True, acks_late=True)
def compute_suggestions(appeal_id: int) -> None:
    """Compute one appeal's suggestions; rerunning it refreshes them and doubles nothing (Proposal's constraints)."""
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is not None:
        services.compute_suggestions(appeal)
