"""Follow the core's history: every step of an appeal writes an AppealEvent after its changes.

Changes made set-wise, without history, come with the ids of the appeals
they touched: the due dates a calendar change moved, the satisfaction
requests the feedback sweeps made or expired.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from appeals.models import AppealEvent
from appeals.signals import terms_moved
from feedback.signals import requests_changed
from reports import summary


@receiver(post_save, sender=AppealEvent, dispatch_uid="reports.summary")
def _appeal_stepped(sender: Any, instance: AppealEvent, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        summary.refresh_appeal(instance.appeal_id)


@receiver(terms_moved, dispatch_uid="reports.summary.terms")
def _terms_moved(sender: Any, *, appeal_ids: list[int], **kwargs: Any) -> None:
    summary.refresh_appeals(appeal_ids)


@receiver(requests_changed, dispatch_uid="reports.summary.satisfaction")
def _requests_changed(sender: Any, *, appeal_ids: list[int], **kwargs: Any) -> None:
    summary.refresh_appeals(appeal_ids)
