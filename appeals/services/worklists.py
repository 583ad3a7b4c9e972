"""The work queues officials look at: what is overdue, due soon, or waiting for a decision.

One definition serves the admin's filters, the front-page flags and the
reminder jobs. Each reads the stored due dates of open appeals, served by
the partial index appeal_open_due_idx (closed appeals are not in it).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from appeals.models import Appeal
from appeals.services.authorship import same_author

Status = Appeal.Status

# DESIGN.md: flag appeals still unregistered 2 days after receipt (the term
# is 3) and 7-day decisions still open 5 days after registration.
UNREGISTERED_FLAG_AFTER = timedelta(days=2)
DECISION_FLAG_AFTER = timedelta(days=5)
SOON_DAYS = 3


def open_appeals(queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    queryset = Appeal.objects.all() if queryset is None else queryset
    return queryset.filter(closed_at__isnull=True)


def overdue(queryset: QuerySet[Appeal] | None = None, *, today: date | None = None) -> QuerySet[Appeal]:
    """Open appeals whose nearest due date has passed."""
    today = today or timezone.localdate()
    return open_appeals(queryset).filter(next_due__lt=today)


def due_soon(queryset: QuerySet[Appeal] | None = None, *, today: date | None = None,
             days: int = SOON_DAYS) -> QuerySet[Appeal]:
    """Open appeals due today or within the next `days` days."""
    today = today or timezone.localdate()
    return open_appeals(queryset).filter(next_due__gte=today, next_due__lte=today + timedelta(days=days))


def decision_pending(queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """Registered appeals whose 7-day decision (redirect, art. 11 notice, or acceptance) is not taken."""
    return open_appeals(queryset).filter(registered_at__isnull=False, decided_at__isnull=True)


def unregistered_late(queryset: QuerySet[Appeal] | None = None, *, now: datetime | None = None) -> QuerySet[Appeal]:
    now = now or timezone.now()
    queryset = Appeal.objects.all() if queryset is None else queryset
    return queryset.filter(status=Status.RECEIVED, received_at__lt=now - UNREGISTERED_FLAG_AFTER)


def decision_late(queryset: QuerySet[Appeal] | None = None, *, now: datetime | None = None) -> QuerySet[Appeal]:
    now = now or timezone.now()
    return decision_pending(queryset).filter(registered_at__lt=now - DECISION_FLAG_AFTER)


def earlier_appeals_of_author(appeal: Appeal) -> QuerySet[Appeal]:
    """The same citizen's earlier appeals (authorship.same_author: the same full name, or the same proven e-mail).

    Whoever picks an appeal up sees the person's history (repeated appeals
    are linked to it, art. 11 part 5 counts them).
    """
    return Appeal.objects.filter(same_author(appeal), received_at__lt=appeal.received_at).exclude(pk=appeal.pk)


# The admin's "что требует внимания" filter: its URL values and querysets.
WORKLISTS = {
    "overdue": overdue,
    "soon": due_soon,
    "decision": decision_pending,
    "unregistered_late": unregistered_late,
    "decision_late": decision_late,
}


# How the terms were kept, as the reports count them (reports.summary computes
# the same from each appeal's dates): a step done on or before its due date's
# local calendar day is on time. The admin's «сроки» filter reads these, so a
# report's figure links to exactly the appeals behind it.
def _kept(done: str, due: str, on_time: bool) -> Q:
    compare = "lte" if on_time else "gt"
    return Q(**{f"{done}__isnull": False, f"{due}__isnull": False, f"{done}__date__{compare}": F(due)})


_ANSWERED = Q(status=Status.ANSWERED)
TIMELINESS = {
    "registered_on_time": _kept("registered_at", "registration_due", True),
    "registered_late": _kept("registered_at", "registration_due", False),
    "decided_on_time": _kept("decided_at", "decision_due", True),
    "decided_late": _kept("decided_at", "decision_due", False),
    "answered_on_time": _ANSWERED & _kept("closed_at", "answer_due", True),
    "answered_late": _ANSWERED & _kept("closed_at", "answer_due", False),
}
