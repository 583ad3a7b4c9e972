"""Due dates of an appeal: appeals.deadlines applied to its events and the calendar.

The arithmetic is pure (appeals.deadlines); this module feeds it the
appeal's dates, the working-day calendar (the `holidays` library plus the
administrator's CalendarDay rows) and the configured rule, and stores the
results on the appeal so that lists can filter and sort on them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import TruncDate
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals import deadlines
from appeals.deadlines import Due, ShiftRule, WorkCalendar
from appeals.models import Appeal
from appeals.signals import terms_moved
from classifiers.models import CalendarDay

logger = logging.getLogger(__name__)

# The overrides are a handful of rows; a process keeps them for a minute (a
# change made in another process reaches this one within that time) and
# drops them at once when the change is made here.
CALENDAR_TTL_SECONDS = 60
_calendar: tuple[float, WorkCalendar] | None = None


def work_calendar() -> WorkCalendar:
    """The working-day calendar with the administrator's overrides."""
    global _calendar
    now = monotonic()
    if _calendar is None or now - _calendar[0] > CALENDAR_TTL_SECONDS:
        _calendar = (now, WorkCalendar(dict(CalendarDay.objects.values_list("date", "is_working"))))
    return _calendar[1]


def reset_calendar() -> None:
    global _calendar
    _calendar = None


def shift_rule() -> ShiftRule:
    return ShiftRule(settings.APPEALS_DEADLINE_RULE)


def _day(moment) -> date:
    return timezone.localdate(moment)


@dataclass(frozen=True)
class AppealTerms:
    registration: Due
    decision: Due | None  # the 7-day term: redirect or an article 11 notice
    answer: Due | None  # 30 days from registration, with the extension if any
    documents: tuple[tuple[str, Due], ...] = ()


def appeal_terms(appeal: Appeal) -> AppealTerms:
    """Compute every term of the appeal from its events, with their explanations."""
    registered = _day(appeal.registered_at) if appeal.registered_at is not None else None
    return terms_from(_day(appeal.received_at), registered, appeal.extension_days)


def terms_from(received: date, registered: date | None, extension_days: int) -> AppealTerms:
    """The terms of an appeal received and registered on these local days, extended by so many days."""
    calendar, rule = work_calendar(), shift_rule()
    registration = deadlines.compute_due(received, deadlines.REGISTRATION, calendar, rule)
    decision = answer = None
    if registered is not None:
        decision = deadlines.compute_due(registered, deadlines.REDIRECT, calendar, rule)
        answer = deadlines.compute_due(registered, deadlines.ANSWER, calendar, rule)
        if extension_days:
            answer = deadlines.extend_due(answer, extension_days, calendar, rule)
    return AppealTerms(registration=registration, decision=decision, answer=answer)


def next_due(appeal: Appeal, terms: AppealTerms) -> date | None:
    """The nearest date of what the appeal is waiting for now; None once it is closed."""
    return _next_due(terms, closed=appeal.closed_at is not None, registered=appeal.registered_at is not None,
                     decided=appeal.decided_at is not None)


def _next_due(terms: AppealTerms, *, closed: bool, registered: bool, decided: bool) -> date | None:
    if closed:
        return None
    if not registered:
        return terms.registration.due
    pending = [terms.answer.due] if terms.answer else []
    if not decided and terms.decision is not None:
        pending.append(terms.decision.due)
    return min(pending) if pending else None


TERM_FIELDS = ("registration_due", "decision_due", "answer_due", "next_due")


def refresh_terms(appeal: Appeal) -> list[str]:
    """Set the stored due dates from the events; return the names of the fields that changed."""
    terms = appeal_terms(appeal)
    values = {
        "registration_due": terms.registration.due,
        "decision_due": terms.decision.due if terms.decision else None,
        "answer_due": terms.answer.due if terms.answer else None,
        "next_due": next_due(appeal, terms),
    }
    changed = [name for name, value in values.items() if getattr(appeal, name) != value]
    for name in changed:
        setattr(appeal, name, values[name])
    return changed


def recompute_open_terms() -> int:
    """Recompute the due dates of every open appeal (after a calendar change); return how many changed.

    The terms depend only on the local days of receipt and registration,
    the extension and whether the 7-day decision is taken, and the open
    appeals share a few hundred such combinations. One grouped query reads
    each combination with the dates stored for it; the terms are computed
    once per combination, and only the groups whose stored dates differ are
    written, each by one UPDATE that matches the rows still holding exactly
    those dates (an appeal changed meanwhile by a step of its own keeps what
    that step stored). Time and memory follow the combinations, not the
    appeals, and a calendar change writes exactly the appeals it moves;
    terms_moved gives their ids to the reports, which re-count just them.
    """
    reset_calendar()
    groups = (
        Appeal.objects.filter(closed_at__isnull=True)
        .annotate(
            received_day=TruncDate("received_at"),
            registered_day=TruncDate("registered_at"),
            undecided=ExpressionWrapper(Q(decided_at__isnull=True), output_field=BooleanField()),
        )
        .values("received_day", "registered_day", "extension_days", "undecided", *TERM_FIELDS)
        .annotate(appeals=Count("pk"))
        .order_by()
    )
    moving: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for group in groups.iterator(chunk_size=2000):
        terms = terms_from(group["received_day"], group["registered_day"], group["extension_days"])
        values = {
            "registration_due": terms.registration.due,
            "decision_due": terms.decision.due if terms.decision else None,
            "answer_due": terms.answer.due if terms.answer else None,
            "next_due": _next_due(terms, closed=False, registered=group["registered_day"] is not None,
                                  decided=not group["undecided"]),
        }
        if all(group[name] == value for name, value in values.items()):
            continue
        moving.append((group, values))
    changed_total = _move_groups(moving)
    logger.info("terms recomputed changed=%s", changed_total)
    return changed_total


# At most this many appeals are moved in one transaction (and re-counted by one terms_moved).
MOVE_CHUNK = 500


def _move_groups(moving: list[tuple[dict[str, Any], dict[str, Any]]]) -> int:
    """Write the new dates of the moving combinations and tell terms_moved which appeals got them.

    A transaction takes combinations in turn until it holds MOVE_CHUNK
    appeals (a large combination is split): the rows that still hold a
    combination's dates are locked and read by id, so its UPDATE writes
    exactly them, and the receivers of terms_moved (the reports' tallies of
    the terms kept) re-count exactly the transaction's appeals, once, before
    it commits. Returns how many appeals were moved.
    """
    moved, queue = 0, list(reversed(moving))
    while queue:
        with transaction.atomic():
            taken: list[int] = []
            while queue and len(taken) < MOVE_CHUNK:
                group, values = queue[-1]
                room = MOVE_CHUNK - len(taken)
                ids = list(_group_rows(group).select_for_update().order_by("pk").values_list("pk", flat=True)[:room])
                if ids:
                    moved += Appeal.objects.filter(pk__in=ids).update(**values)
                    taken += ids
                if len(ids) < room:
                    queue.pop()  # no row of the combination is left with the old dates
            if taken:
                terms_moved.send(sender=Appeal, appeal_ids=taken)
    return moved


def _group_rows(group: dict[str, Any]) -> QuerySet[Appeal]:
    """The open appeals of one combination that still hold the dates read for it."""
    received_from, received_to = _day_range(group["received_day"])
    rows = Appeal.objects.filter(
        closed_at__isnull=True, received_at__gte=received_from, received_at__lt=received_to,
        extension_days=group["extension_days"], decided_at__isnull=bool(group["undecided"]),
    )
    if group["registered_day"] is None:
        rows = rows.filter(registered_at__isnull=True)
    else:
        registered_from, registered_to = _day_range(group["registered_day"])
        rows = rows.filter(registered_at__gte=registered_from, registered_at__lt=registered_to)
    stored = {name: group[name] for name in TERM_FIELDS}
    return rows.filter(**{name if value is not None else f"{name}__isnull": value if value is not None else True
                          for name, value in stored.items()})


def _day_range(day: date) -> tuple[datetime, datetime]:
    """The moments of a local calendar day: [its midnight, the next midnight)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass(frozen=True)
class TermRow:
    title: str
    due: Due
    met: bool  # the step the term is for has been taken


# The art. 11 notices the law gives no term (parts 3, 5, 6): shown against
# the outer limit of consideration, the 30 days of art. 12 part 1, as an aim.
UNTIMED_NOTICES = {
    "part3": _("Уведомление по ч. 3 ст. 11: срок законом не установлен, ориентир — срок рассмотрения (ч. 1 ст. 12)"),
    "part5": _("Уведомление по ч. 5 ст. 11: срок законом не установлен, ориентир — срок рассмотрения (ч. 1 ст. 12)"),
    "part6": _("Уведомление по ч. 6 ст. 11: срок законом не установлен, ориентир — срок рассмотрения (ч. 1 ст. 12)"),
}
TIMED_NOTICES = {
    "part2": _("Возврат обращения по ч. 2 ст. 11 (7 дней)"),
    "part4": _("Уведомление по ч. 4 ст. 11 (7 дней)"),
    "part4_1": _("Уведомление по ч. 4.1 ст. 11 (7 дней)"),
    "part5_1": _("Уведомление по ч. 5.1 ст. 11 (7 дней)"),
}


def explain(appeal: Appeal) -> list[TermRow]:
    """The appeal's terms with their titles, for the admin page and the citizen's questions.

    Until the 7-day decision is taken its row is the redirect's term (art. 8
    part 3). An appeal closed on an article 11 ground shows instead the term
    of that part's own notice: 7 days from registration for parts 2, 4, 4.1
    and 5.1; for parts 3, 5 and 6, which set none, no 7-day row and the
    answer's term titled as the aim; part 1 has no notice and keeps the
    decision's row.
    """
    terms = appeal_terms(appeal)
    rows = [TermRow(str(_("Регистрация")), terms.registration, appeal.registered_at is not None)]
    case = appeal.art11_case
    if terms.decision is not None and case in TIMED_NOTICES:
        notice = deadlines.compute_due(terms.decision.start, deadlines.ART11_NOTICE_TERMS[case], work_calendar(),
                                       shift_rule())
        rows.append(TermRow(str(TIMED_NOTICES[case]), notice, appeal.closed_at is not None))
    elif terms.decision is not None and case not in UNTIMED_NOTICES:
        rows.append(TermRow(str(_("Переадресация или уведомление (7 дней)")), terms.decision,
                            appeal.decided_at is not None))
    if terms.answer is not None:
        # For parts 3, 5 and 6 the answer's term is the notice's aim: one row, titled so.
        title = UNTIMED_NOTICES.get(case, _("Ответ"))
        rows.append(TermRow(str(title), terms.answer, appeal.closed_at is not None))
    return rows


@receiver([post_save, post_delete], sender=CalendarDay)
def _calendar_changed(**kwargs: object) -> None:
    """A changed calendar moves the open terms: recompute them once the change commits."""
    from appeals.tasks import recompute_terms

    reset_calendar()
    transaction.on_commit(recompute_terms.delay)
