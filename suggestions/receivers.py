"""How the app listens to the core: a new appeal queues its suggestions; the appeal's page shows the panel."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.safestring import SafeString

from appeals.models import Appeal
from appeals.signals import appeal_panels

logger = logging.getLogger(__name__)


@receiver(post_save, sender=Appeal, dispatch_uid="suggestions.queue_on_receipt")
def queue_on_receipt(sender: type[Appeal], instance: Appeal, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A received or entered appeal gets its suggestions once the transaction that stores it commits."""
    if not created or raw:
        return
    transaction.on_commit(partial(_queue, instance.pk))


def _queue(appeal_id: int) -> None:
    from suggestions.tasks import compute_suggestions

    try:
        compute_suggestions.delay(appeal_id)
    except Exception:
        # A broker outage must not turn the citizen's confirmation into an
        # error: the appeal is stored, and its page computes the suggestions
        # on first view (services.ensure_computed).
        logger.exception("suggestions not queued appeal=%s", appeal_id)


@receiver(appeal_panels, dispatch_uid="suggestions.panel")
def panel(sender: Any, *, appeal: Appeal, request: HttpRequest, place: str, **kwargs: Any) -> SafeString | None:
    from suggestions.views import render_panel

    return render_panel(request, appeal, place=place)
