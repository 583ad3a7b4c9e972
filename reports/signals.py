"""Follow the core's history: every step of an appeal writes an AppealEvent after its changes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from appeals.models import AppealEvent
from reports import summary


@receiver(post_save, sender=AppealEvent, dispatch_uid="reports.summary")
def _appeal_stepped(sender: Any, instance: AppealEvent, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        summary.refresh_appeal(instance.appeal_id)
