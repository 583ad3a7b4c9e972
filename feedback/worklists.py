"""The head's front-page line for the review list (issue 10 item 1), registered in the core's work lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from appeals.services import access, worklists
from feedback.models import SatisfactionRequest


def waiting_reviews(user: Any, now: datetime) -> QuerySet[SatisfactionRequest]:
    """What the review list opens on for this user: answers the citizen found wanting, not reviewed yet."""
    if not user.has_perm("feedback.view_satisfactionrequest"):
        return SatisfactionRequest.objects.none()
    # The partial index feedback_request_review_idx holds exactly these rows.
    rows = SatisfactionRequest.objects.filter(needs_review=True, reviewed_at__isnull=True)
    return access.visible_through_appeal(user, rows)


def review_list_url(user: Any) -> str:
    return reverse("admin:feedback_satisfactionrequest_changelist")


def register() -> None:
    worklists.register_entry(worklists.WorkListEntry(
        worklists.HEAD, "head_reviews", _("Недовольны ответом: разобрать"), waiting_reviews, review_list_url,
        order=30))
