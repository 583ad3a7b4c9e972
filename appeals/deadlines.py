"""Deadline arithmetic for the terms of Federal Law 59-FZ (DESIGN.md section 4).

Pure functions: nothing here knows about models, requests or the database.
Callers pass dates (already converted to the local calendar date of the event),
a ``WorkCalendar`` and the configured ``ShiftRule``, and store what comes back.

The rules, as DESIGN.md states them:

* terms are calendar days, counted from the day after the event, so the
  nominal end is ``event date + term`` (6 April + 3 days = 9 April);
* ``ShiftRule.PRECEDING`` (default): a nominal end on a non-working day moves
  to the preceding working day, but never to a day before the event; when
  there is no working day between the event and the nominal end, the
  following working day is taken instead (``shift == "following_fallback"``);
* ``ShiftRule.FOLLOWING``: a nominal end on a non-working day moves to the
  following working day;
* an extension adds up to 30 days to the original *nominal* end (not to the
  shifted date) and the rule is applied to the result;
* working Saturdays set by the government's transfer decree are working days,
  transferred days off are not (data from the ``holidays`` library), and the
  administrator's overrides win over everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _noop

__all__ = [
    "ANSWER",
    "ART11_NOTICE_TERMS",
    "DOCUMENTS",
    "EXTENSION",
    "EXTENSION_MAX_DAYS",
    "NOTICE",
    "NOTICE_PART2",
    "NOTICE_PART4",
    "NOTICE_PART4_1",
    "NOTICE_PART5_1",
    "REDIRECT",
    "REGISTRATION",
    "TERMS",
    "Due",
    "ShiftRule",
    "Term",
    "WorkCalendar",
    "compute_due",
    "extend_due",
]


class ShiftRule(StrEnum):
    """What happens to a nominal end that falls on a non-working day."""

    PRECEDING = "preceding"
    FOLLOWING = "following"

    @property
    def label(self) -> str:
        return gettext(_RULE_LABELS[self])


_RULE_LABELS = {
    ShiftRule.PRECEDING: _noop("на предшествующий рабочий день"),
    ShiftRule.FOLLOWING: _noop("на следующий рабочий день"),
}


@dataclass(frozen=True)
class Term:
    """One row of the table in DESIGN.md section 4.

    The Russian texts are marked with ``gettext_noop`` (they are msgids) and
    translated when shown: see ``Due.explain``. ``since`` is how the start is
    named in a sentence ("со дня регистрации").
    """

    code: str
    days: int
    article: str
    title: str
    since: str = ""


REGISTRATION = Term(
    code="registration",
    days=3,
    article=_noop("ч. 2 ст. 8 Федерального закона № 59-ФЗ"),
    title=_noop("Срок регистрации"),
    since=_noop("со дня поступления"),
)
# Art. 8 part 3 (redirect by competence, with notice to the citizen); the same
# 7 days apply to copies sent to several competent bodies (art. 8 part 4).
REDIRECT = Term(
    code="redirect",
    days=7,
    article=_noop("ч. 3 ст. 8 Федерального закона № 59-ФЗ"),
    title=_noop("Срок переадресации по компетенции"),
    since=_noop("со дня регистрации"),
)
# The 7-day notices of art. 11: return of a complaint about a court decision
# (part 2), unreadable text (part 4), essence undeterminable (part 4.1), answer
# already published (part 5.1 with art. 10 part 4).
NOTICE = Term(
    code="notice",
    days=7,
    article=_noop("ч. 2, 4, 4.1, 5.1 ст. 11 Федерального закона № 59-ФЗ"),
    title=_noop("Срок уведомления по статье 11"),
    since=_noop("со дня регистрации"),
)
# Each art. 11 notice that has a term of its own, cited by its own part: the
# return of a complaint about a court decision (part 2), unreadable text
# (part 4), essence undeterminable (part 4.1), the address of the page where
# the answer is published (part 5.1 with art. 10 part 4). Parts 3, 5 and 6
# set no term for their notices (see appeals.services.terms.explain).
NOTICE_PART2 = Term(
    code="notice_part2",
    days=7,
    article=_noop("ч. 2 ст. 11 Федерального закона № 59-ФЗ"),
    title=_noop("Срок возврата обращения с разъяснением порядка обжалования судебного решения"),
    since=_noop("со дня регистрации"),
)
NOTICE_PART4 = Term(
    code="notice_part4",
    days=7,
    article=_noop("ч. 4 ст. 11 Федерального закона № 59-ФЗ"),
    title=_noop("Срок сообщения о том, что текст обращения не поддаётся прочтению"),
    since=_noop("со дня регистрации"),
)
NOTICE_PART4_1 = Term(
    code="notice_part4_1",
    days=7,
    article=_noop("ч. 4.1 ст. 11 Федерального закона № 59-ФЗ"),
    title=_noop("Срок сообщения о том, что текст обращения не позволяет определить суть"),
    since=_noop("со дня регистрации"),
)
NOTICE_PART5_1 = Term(
    code="notice_part5_1",
    days=7,
    article=_noop("ч. 5.1 ст. 11 Федерального закона № 59-ФЗ"),
    title=_noop("Срок сообщения адреса страницы сайта с ответом"),
    since=_noop("со дня регистрации"),
)
# By the part of art. 11 (the values of appeals.models.Art11Case).
ART11_NOTICE_TERMS: dict[str, Term] = {
    "part2": NOTICE_PART2, "part4": NOTICE_PART4, "part4_1": NOTICE_PART4_1, "part5_1": NOTICE_PART5_1,
}
# Counted from the day the other body received the request.
DOCUMENTS = Term(
    code="documents",
    days=15,
    article=_noop("ч. 2 ст. 10 Федерального закона № 59-ФЗ"),
    title=_noop("Срок представления документов по запросу"),
    since=_noop("со дня получения запроса"),
)
ANSWER = Term(
    code="answer",
    days=30,
    article=_noop("ч. 1 ст. 12 Федерального закона № 59-ФЗ"),
    title=_noop("Срок ответа"),
    since=_noop("со дня регистрации"),
)
EXTENSION_MAX_DAYS = 30
# The extended answer term: ``extend_due`` returns a Due with this term and
# ``days`` = the original days + the extra days.
EXTENSION = Term(
    code="extension",
    days=EXTENSION_MAX_DAYS,
    article=_noop("ч. 2 ст. 12 Федерального закона № 59-ФЗ"),
    title=_noop("Продлённый срок ответа"),
    since=_noop("со дня регистрации"),
)

TERMS: dict[str, Term] = {t.code: t for t in (
    REGISTRATION, REDIRECT, NOTICE, NOTICE_PART2, NOTICE_PART4, NOTICE_PART4_1, NOTICE_PART5_1, DOCUMENTS, ANSWER,
    EXTENSION,
)}

# Bound for the working-day searches: no real calendar has a year without a
# working day, but overrides could make one; fail loudly instead of looping.
_MAX_SEARCH_DAYS = 3 * 366


@lru_cache(maxsize=64)
def _library_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """The ``holidays`` library's data for one year of Russia.

    Returns (days off on top of Saturdays/Sundays, working weekend days).
    The library lists the public holidays, the days off the government's
    decree transferred (e.g. 3 November 2025, substituted from Saturday
    1 November), the art. 112 Labour Code "observed" Mondays (e.g. 9 March
    2026) and, in ``weekend_workdays``, the Saturdays/Sundays the decree made
    working (e.g. 1 November 2025). A decree listed under one year may name a
    working weekend day of another year, so ``weekend_workdays`` can hold
    dates outside ``year``; the calendar loads neighbouring years for that.
    """
    data = holidays.country_holidays("RU", years=year)
    return frozenset(data.keys()), frozenset(data.weekend_workdays)


class WorkCalendar:
    """Non-working days: Saturdays/Sundays, Russian public holidays and the government's transfers
    (from the `holidays` library, Russia), with administrator overrides on top."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        # date -> True: working day, False: day off. Overrides always win.
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._loaded_years: set[int] = set()  # fetched from the library
        self._ready_years: set[int] = set()  # fetched together with both neighbours
        self._days_off: set[date] = set()
        self._weekend_workdays: set[date] = set()

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    def _ensure_year(self, year: int) -> None:
        if year in self._ready_years:
            return
        # The neighbours too: a transfer decree for year+1 can name a working
        # weekend day in year (and vice versa).
        for y in (year - 1, year, year + 1):
            if y in self._loaded_years:
                continue
            days_off, weekend_workdays = _library_year(y)
            self._days_off |= days_off
            self._weekend_workdays |= weekend_workdays
            self._loaded_years.add(y)
        self._ready_years.add(year)

    def is_working_day(self, day: date) -> bool:
        day = _as_date(day)
        override = self._overrides.get(day)
        if override is not None:
            return override
        self._ensure_year(day.year)
        if day in self._weekend_workdays:
            return True
        if day.weekday() >= 5:
            return False
        return day not in self._days_off

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        return self._search(_as_date(day), -1)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self._search(_as_date(day), 1)

    def _search(self, day: date, step: int) -> date:
        delta = timedelta(days=step)
        candidate = day
        for _i in range(_MAX_SEARCH_DAYS):
            candidate += delta
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days of {day.isoformat()}")


def _as_date(value: date) -> date:
    # A datetime is a date subclass, but it neither hashes nor compares like
    # the calendar's dates, and which calendar day it is depends on the time
    # zone: the caller must convert it (timezone.localdate(dt)) explicitly.
    if isinstance(value, datetime):
        raise TypeError("deadlines work on calendar dates; convert the datetime with timezone.localdate() first")
    if not isinstance(value, date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class Due:
    """A computed due date and how it was obtained."""

    start: date  # the event's date (receipt, registration, request...)
    term: Term
    days: int  # the term's length actually used (for an extension: original days + extra)
    nominal: date  # start + days
    due: date  # after the non-working-day rule
    rule: ShiftRule
    shift: str  # "none" | "preceding" | "following" | "following_fallback" | "following_after_original"
    # For an extension: the term that was extended and by how many days.
    extended_term: Term | None = field(default=None)
    extra_days: int = 0

    @property
    def shifted(self) -> bool:
        return self.shift != SHIFT_NONE

    def explain(self) -> str:
        """One or two Russian sentences: start, term and article, nominal end, and where and why it moved."""
        start = _fmt(self.start)
        nominal = _fmt(self.nominal)
        due = _fmt(self.due)
        if self.extended_term is None:
            head = gettext("%(title)s: %(days)s %(since)s (%(article)s)") % {
                "title": gettext(self.term.title),
                "days": _days(self.days),
                "since": gettext(self.term.since),
                "article": gettext(self.term.article),
            }
        else:
            base = self.days - self.extra_days
            head = gettext(
                "%(title)s: %(base)s %(since)s (%(base_article)s), продлён на %(extra)s (%(article)s), всего %(days)s"
            ) % {
                "title": gettext(self.term.title),
                "base": _days(base),
                "since": gettext(self.extended_term.since),
                "base_article": gettext(self.extended_term.article),
                "extra": _days(self.extra_days),
                "article": gettext(self.term.article),
                "days": _days(self.days),
            }
        sum_ = gettext("%(start)s + %(days)s = %(nominal)s") % {
            "start": start,
            "days": _days(self.days),
            "nominal": nominal,
        }
        if self.shift == SHIFT_NONE:
            tail = gettext("рабочий день.")
        elif self.shift == SHIFT_PRECEDING:
            tail = gettext("нерабочий день, поэтому срок — предшествующий рабочий день, %(due)s.") % {"due": due}
        elif self.shift == SHIFT_FOLLOWING:
            tail = gettext("нерабочий день, поэтому срок — следующий рабочий день, %(due)s.") % {"due": due}
        elif self.shift == SHIFT_FOLLOWING_AFTER_ORIGINAL:
            tail = gettext(
                "нерабочий день; предшествующий рабочий день не позже прежнего срока, поэтому срок — "
                "следующий рабочий день, %(due)s."
            ) % {"due": due}
        else:
            tail = gettext(
                "нерабочий день; между %(start)s и этим днём нет рабочего дня, поэтому срок — "
                "следующий рабочий день, %(due)s."
            ) % {"start": start, "due": due}
        return f"{head}: {sum_}, {tail}"


SHIFT_NONE = "none"
SHIFT_PRECEDING = "preceding"
SHIFT_FOLLOWING = "following"
SHIFT_FOLLOWING_FALLBACK = "following_fallback"
SHIFT_FOLLOWING_AFTER_ORIGINAL = "following_after_original"  # an extension, see extend_due


def _fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _days(n: int) -> str:
    """``n`` with the Russian plural of "день".

    Not ngettext: without a compiled catalog it knows only two forms, and
    Russian needs three (1 день, 3 дня, 30 дней).
    """
    if n % 10 == 1 and n % 100 != 11:
        form = gettext("день")
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        form = gettext("дня")
    else:
        form = gettext("дней")
    return f"{n} {form}"


def _apply_rule(start: date, nominal: date, calendar: WorkCalendar, rule: ShiftRule) -> tuple[date, str]:
    if calendar.is_working_day(nominal):
        return nominal, SHIFT_NONE
    if rule == ShiftRule.FOLLOWING:
        return calendar.next_working_day(nominal), SHIFT_FOLLOWING
    preceding = calendar.previous_working_day(nominal)
    # "Never to a day before the event itself: when no working day lies
    # between them, the following working day is taken instead." We read
    # "between" as strictly after the event: the term runs from the day after
    # the event, so a due date on the event's own day would leave the official
    # zero days of the term (an appeal received on Friday 8 May 2026, nominal
    # registration end Monday 11 May, a day off: not Friday 8 May, but
    # Tuesday 12 May). So the preceding working day counts only if it is
    # later than the event.
    if preceding > start:
        return preceding, SHIFT_PRECEDING
    return calendar.next_working_day(nominal), SHIFT_FOLLOWING_FALLBACK


def compute_due(
    start: date,
    term: Term,
    calendar: WorkCalendar,
    rule: ShiftRule = ShiftRule.PRECEDING,
    *,
    days: int | None = None,
) -> Due:
    """The due date of ``term`` for an event on ``start``.

    ``days`` overrides the term's length (e.g. a term set differently by a
    special law); it must be at least 1.
    """
    start = _as_date(start)
    rule = ShiftRule(rule)
    length = term.days if days is None else days
    if length < 1:
        raise ValueError(f"a term is at least 1 day, got {length}")
    nominal = start + timedelta(days=length)
    due, shift = _apply_rule(start, nominal, calendar, rule)
    return Due(start=start, term=term, days=length, nominal=nominal, due=due, rule=rule, shift=shift)


def extend_due(
    original: Due,
    extra_days: int,
    calendar: WorkCalendar,
    rule: ShiftRule | None = None,
) -> Due:
    """The answer term extended by ``extra_days`` (art. 12 part 2: once, at most 30 days).

    The extra days are added to the original *nominal* end, not to its
    shifted date, and the rule (by default the original's) is applied to the
    result.
    """
    if isinstance(extra_days, bool) or not isinstance(extra_days, int):
        raise TypeError("extra_days must be an int")
    if not 1 <= extra_days <= EXTENSION_MAX_DAYS:
        raise ValueError(f"an extension is 1 to {EXTENSION_MAX_DAYS} days, got {extra_days}")
    if original.extended_term is not None:
        raise ValueError("the answer term is extended once only")
    if original.term.code != ANSWER.code:
        raise ValueError(f"only the answer term can be extended, not {original.term.code!r}")
    rule = original.rule if rule is None else ShiftRule(rule)
    nominal = original.nominal + timedelta(days=extra_days)
    # The same guard as for the event, against the original term's end: an
    # extension moved back on or before the date it extends would give the
    # official nothing (a 10-day extension of a term ending on 31 December
    # 2026 ends on 10 January, in the holidays; the preceding working day is
    # 30 December). Then the following working day is taken.
    due, shift = _apply_rule(original.due, nominal, calendar, rule)
    if shift == SHIFT_FOLLOWING_FALLBACK:
        shift = SHIFT_FOLLOWING_AFTER_ORIGINAL
    return Due(
        start=original.start,
        term=EXTENSION,
        days=original.days + extra_days,
        nominal=nominal,
        due=due,
        rule=rule,
        shift=shift,
        extended_term=original.term,
        extra_days=extra_days,
    )
