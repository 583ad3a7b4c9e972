"""Due dates of an appeal: appeals.deadlines applied to its events and the calendar.

The arithmetic is pure (appeals.deadlines); this module feeds it the
appeal's dates, the working-day calendar (the `holidays` library plus the
administrator's CalendarDay rows) and the configured rule, and stores the
results on the appeal so that lists can filter and sort on them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals import deadlines
from appeals.deadlines import Due, ShiftRule, WorkCalendar
from appeals.models import Appeal
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
    now = time.monotonic()
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
    calendar, rule = work_calendar(), shift_rule()
    registration = deadlines.compute_due(_day(appeal.received_at), deadlines.REGISTRATION, calendar, rule)
    decision = answer = None
    if appeal.registered_at is not None:
        registered = _day(appeal.registered_at)
        decision = deadlines.compute_due(registered, deadlines.REDIRECT, calendar, rule)
        answer = deadlines.compute_due(registered, deadlines.ANSWER, calendar, rule)
        if appeal.extension_days:
            answer = deadlines.extend_due(answer, appeal.extension_days, calendar, rule)
    return AppealTerms(registration=registration, decision=decision, answer=answer)


def next_due(appeal: Appeal, terms: AppealTerms) -> date | None:
    """The nearest date of what the appeal is waiting for now; None once it is closed."""
    if appeal.closed_at is not None:
        return None
    if appeal.registered_at is None:
        return terms.registration.due
    pending = [terms.answer.due] if terms.answer else []
    if appeal.decided_at is None and terms.decision is not None:
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


def recompute_open_terms(batch: int = 2000) -> int:
    """Recompute the due dates of every open appeal (after a calendar change); return how many changed.

    Walks the open appeals by primary key in batches, so memory stays flat
    whatever the table's size; each batch is one short transaction.
    """
    reset_calendar()
    changed_total = 0
    last_pk = 0
    fields = ("pk", "received_at", "registered_at", "extension_days", "decided_at", "closed_at", *TERM_FIELDS)
    while True:
        rows = list(
            Appeal.objects.filter(closed_at__isnull=True, pk__gt=last_pk).order_by("pk").only(*fields)[:batch]
        )
        if not rows:
            break
        last_pk = rows[-1].pk
        dirty = [appeal for appeal in rows if refresh_terms(appeal)]
        if dirty:
            with transaction.atomic():
                Appeal.objects.bulk_update(dirty, TERM_FIELDS)
        changed_total += len(dirty)
    logger.info("terms recomputed changed=%s", changed_total)
    return changed_total


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
