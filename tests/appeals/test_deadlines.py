"""Deadline arithmetic (DESIGN.md section 4). No database.

Every expected date below was worked out by hand from a printed calendar and
the government's transfer decrees (2025: working Saturday 1 November, days
off 2 and 8 May, 13 June, 3 November, 31 December; 2026: days off 1-11
January, 9 March, 11 May, 31 December), then written literally.
"""

from datetime import date, datetime, timedelta

import pytest

from appeals.deadlines import (
    ANSWER,
    DOCUMENTS,
    EXTENSION,
    EXTENSION_MAX_DAYS,
    NOTICE,
    REDIRECT,
    REGISTRATION,
    TERMS,
    ShiftRule,
    WorkCalendar,
    compute_due,
    extend_due,
)

P = ShiftRule.PRECEDING
F = ShiftRule.FOLLOWING


@pytest.fixture
def cal():
    return WorkCalendar()


# --- the table -------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "code", "days", "article"),
    [
        (REGISTRATION, "registration", 3, "ч. 2 ст. 8 Федерального закона № 59-ФЗ"),
        (REDIRECT, "redirect", 7, "ч. 3 ст. 8 Федерального закона № 59-ФЗ"),
        (NOTICE, "notice", 7, "ч. 2, 4, 4.1, 5.1 ст. 11 Федерального закона № 59-ФЗ"),
        (DOCUMENTS, "documents", 15, "ч. 2 ст. 10 Федерального закона № 59-ФЗ"),
        (ANSWER, "answer", 30, "ч. 1 ст. 12 Федерального закона № 59-ФЗ"),
        (EXTENSION, "extension", 30, "ч. 2 ст. 12 Федерального закона № 59-ФЗ"),
    ],
)
def test_terms_table(term, code, days, article):
    assert term.code == code
    assert term.days == days
    assert term.article == article
    assert TERMS[code] is term
    assert EXTENSION_MAX_DAYS == 30


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        # Event on Monday 6 April 2026; counted from the day after.
        (REGISTRATION, date(2026, 4, 9)),  # Thursday
        (REDIRECT, date(2026, 4, 13)),  # Monday
        (NOTICE, date(2026, 4, 13)),
        (DOCUMENTS, date(2026, 4, 21)),  # Tuesday
        (ANSWER, date(2026, 5, 6)),  # Wednesday
    ],
)
@pytest.mark.parametrize("rule", [P, F])
def test_each_term_from_a_working_day(cal, term, expected, rule):
    due = compute_due(date(2026, 4, 6), term, cal, rule)
    assert due.nominal == expected
    assert due.due == expected
    assert due.shift == "none"
    assert due.days == term.days
    assert due.start == date(2026, 4, 6)
    assert due.term is term
    assert due.rule is rule


def test_days_override(cal):
    due = compute_due(date(2026, 4, 6), ANSWER, cal, days=20)
    assert due.days == 20
    assert due.nominal == date(2026, 4, 26)  # Sunday
    assert due.due == date(2026, 4, 24)  # Friday
    with pytest.raises(ValueError):
        compute_due(date(2026, 4, 6), ANSWER, cal, days=0)


def test_default_rule_is_preceding(cal):
    # 31 January 2025 + 30 days = Sunday 2 March 2025.
    assert compute_due(date(2025, 1, 31), ANSWER, cal).due == date(2025, 2, 28)


# --- month and year ends -----------------------------------------------------


@pytest.mark.parametrize(
    ("start", "rule", "nominal", "due", "shift"),
    [
        # 31 Jan + 30 days: February has 28 days in 2026...
        (date(2026, 1, 31), P, date(2026, 3, 2), date(2026, 3, 2), "none"),  # Monday
        # ... and in 2025 it lands on Sunday 2 March.
        (date(2025, 1, 31), P, date(2025, 3, 2), date(2025, 2, 28), "preceding"),
        (date(2025, 1, 31), F, date(2025, 3, 2), date(2025, 3, 3), "following"),
        # 2028 is a leap year: 1 March, a Wednesday.
        (date(2028, 1, 31), P, date(2028, 3, 1), date(2028, 3, 1), "none"),
    ],
)
def test_month_ends(cal, start, rule, nominal, due, shift):
    result = compute_due(start, ANSWER, cal, rule)
    assert (result.nominal, result.due, result.shift) == (nominal, due, shift)


def test_year_end_receipt_falls_back_to_the_following_working_day(cal):
    # Received 31 December 2025 (itself a transferred day off); 3 January 2026
    # is a holiday, and 1-11 January 2026 are all days off (9 January by the
    # transfer from Saturday 3 January). The preceding working day is
    # 30 December 2025, before the receipt: the following one is taken.
    due = compute_due(date(2025, 12, 31), REGISTRATION, cal)
    assert due.nominal == date(2026, 1, 3)
    assert due.due == date(2026, 1, 12)
    assert due.shift == "following_fallback"


def test_year_end_following_rule_is_plain_following(cal):
    due = compute_due(date(2025, 12, 31), REGISTRATION, cal, F)
    assert due.due == date(2026, 1, 12)
    assert due.shift == "following"


def test_event_day_itself_is_not_an_acceptable_due_date(cal):
    # Received on Friday 8 May 2026, a working day. Nominal end Monday
    # 11 May 2026, a day off (Victory Day fell on Saturday 9 May). The
    # preceding working day is 8 May itself: that would leave zero days, so
    # the following working day, Tuesday 12 May, is taken.
    due = compute_due(date(2026, 5, 8), REGISTRATION, cal)
    assert due.nominal == date(2026, 5, 11)
    assert due.due == date(2026, 5, 12)
    assert due.shift == "following_fallback"


def test_event_day_itself_across_the_new_year(cal):
    # Wednesday 30 December 2026, working; 31 December 2026 is a transferred
    # day off, 1-8 January 2027 holidays, 9-10 January a weekend.
    due = compute_due(date(2026, 12, 30), REGISTRATION, cal)
    assert due.nominal == date(2027, 1, 2)
    assert due.due == date(2027, 1, 11)
    assert due.shift == "following_fallback"


def test_one_working_day_after_the_event_is_enough(cal):
    # Received Thursday 7 May 2026; nominal Sunday 10 May; Friday 8 May is
    # after the receipt, so the preceding rule applies normally.
    due = compute_due(date(2026, 5, 7), REGISTRATION, cal)
    assert due.due == date(2026, 5, 8)
    assert due.shift == "preceding"


# --- public holidays -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "term", "nominal", "preceding", "p_shift", "following"),
    [
        # New Year holidays: 2 Dec 2025 + 30 = 1 Jan 2026; 31 Dec 2025 is a
        # transferred day off, so the preceding working day is Tuesday 30 Dec.
        (date(2025, 12, 2), ANSWER, date(2026, 1, 1), date(2025, 12, 30), "preceding", date(2026, 1, 12)),
        # Mid-holidays: 30 Dec 2025 + 7 = 6 Jan 2026; the only working day
        # before it is 30 December, the event itself: fallback.
        (date(2025, 12, 30), REDIRECT, date(2026, 1, 6), date(2026, 1, 12), "following_fallback", date(2026, 1, 12)),
        # 23 February 2026, a Monday.
        (date(2026, 2, 16), REDIRECT, date(2026, 2, 23), date(2026, 2, 20), "preceding", date(2026, 2, 24)),
        # 8 March 2026 is a Sunday and Monday 9 March is the day off in lieu.
        (date(2026, 2, 6), ANSWER, date(2026, 3, 8), date(2026, 3, 6), "preceding", date(2026, 3, 10)),
        # 1 May 2026, a Friday.
        (date(2026, 4, 24), REDIRECT, date(2026, 5, 1), date(2026, 4, 30), "preceding", date(2026, 5, 4)),
        # 9 May 2025, a Friday; Thursday 8 May 2025 is a transferred day off.
        (date(2025, 5, 6), REGISTRATION, date(2025, 5, 9), date(2025, 5, 7), "preceding", date(2025, 5, 12)),
        # 12 June 2025, a Thursday; Friday 13 June 2025 transferred day off.
        (date(2025, 5, 28), DOCUMENTS, date(2025, 6, 12), date(2025, 6, 11), "preceding", date(2025, 6, 16)),
        # 4 November 2025, a Tuesday; Monday 3 November is a transferred day
        # off and Saturday 1 November a working day by the same decree.
        (date(2025, 10, 28), NOTICE, date(2025, 11, 4), date(2025, 11, 1), "preceding", date(2025, 11, 5)),
    ],
)
def test_holidays_both_rules(cal, start, term, nominal, preceding, p_shift, following):
    p = compute_due(start, term, cal, P)
    f = compute_due(start, term, cal, F)
    assert p.nominal == f.nominal == nominal
    assert (p.due, p.shift) == (preceding, p_shift)
    assert (f.due, f.shift) == (following, "following")


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),
        (date(2026, 1, 7), False),  # Christmas
        (date(2026, 1, 8), False),
        (date(2026, 1, 9), False),  # Friday, transferred from Saturday 3 January
        (date(2026, 1, 12), True),
        (date(2026, 2, 23), False),
        (date(2026, 3, 9), False),  # in lieu of Sunday 8 March
        (date(2026, 5, 11), False),  # in lieu of Saturday 9 May
        (date(2026, 6, 12), False),
        (date(2026, 11, 4), False),
        (date(2026, 12, 31), False),  # transferred from Sunday 4 January
        (date(2025, 11, 1), True),  # working Saturday (decree for 2025)
        (date(2025, 11, 2), False),  # plain Sunday
        (date(2025, 11, 3), False),  # transferred day off
        (date(2025, 12, 31), False),  # transferred from Sunday 5 January 2025
        (date(2025, 5, 2), False),
        (date(2025, 5, 8), False),
        (date(2025, 6, 13), False),
        (date(2024, 12, 28), True),  # working Saturday (decree for 2024)
        (date(2024, 4, 27), True),  # working Saturday
        (date(2024, 4, 29), False),  # Monday, transferred day off
        (date(2026, 4, 10), True),  # ordinary Friday
        (date(2026, 4, 11), False),  # ordinary Saturday
    ],
)
def test_calendar_days(cal, day, working):
    assert cal.is_working_day(day) is working


# --- transfers -------------------------------------------------------------------


def test_transferred_working_saturday_is_a_due_date(cal):
    # Friday 31 October 2025 + 3 = Monday 3 November 2025, a transferred day
    # off; Sunday 2 November off; Saturday 1 November working by the decree.
    due = compute_due(date(2025, 10, 31), REGISTRATION, cal)
    assert due.nominal == date(2025, 11, 3)
    assert due.due == date(2025, 11, 1)
    assert due.shift == "preceding"


def test_transferred_working_saturday_as_nominal_end(cal):
    # Saturday 25 October 2025 + 7 = Saturday 1 November 2025: working, stays.
    due = compute_due(date(2025, 10, 25), REDIRECT, cal)
    assert due.due == date(2025, 11, 1)
    assert due.shift == "none"


def test_transferred_day_off_as_nominal_end(cal):
    # Friday 2 January 2026 + 7 = Friday 9 January 2026, transferred day off.
    due = compute_due(date(2026, 1, 2), REDIRECT, cal, F)
    assert due.due == date(2026, 1, 12)
    # 2 Jan 2025 + 30 = 1 Feb 2025 (Saturday): preceding Friday 31 January.
    assert compute_due(date(2025, 1, 2), ANSWER, cal).due == date(2025, 1, 31)


def test_neighbour_navigation(cal):
    assert cal.previous_working_day(date(2025, 11, 4)) == date(2025, 11, 1)
    assert cal.next_working_day(date(2025, 10, 31)) == date(2025, 11, 1)
    assert cal.next_working_day(date(2025, 12, 30)) == date(2026, 1, 12)
    assert cal.previous_working_day(date(2026, 1, 12)) == date(2025, 12, 30)


# --- extension -------------------------------------------------------------------


def test_extension_counts_from_the_nominal_end_not_the_shifted_one(cal):
    # Registered Thursday 5 February 2026; + 30 = Saturday 7 March, shifted
    # to Friday 6 March.
    original = compute_due(date(2026, 2, 5), ANSWER, cal)
    assert (original.nominal, original.due) == (date(2026, 3, 7), date(2026, 3, 6))
    extended = extend_due(original, 30, cal)
    # From the nominal end: 7 March + 30 = Monday 6 April, a working day.
    # (From the shifted date it would be Sunday 5 April -> Friday 3 April.)
    assert extended.nominal == date(2026, 4, 6)
    assert extended.due == date(2026, 4, 6)
    assert extended.shift == "none"
    assert extended.days == 60
    assert extended.term is EXTENSION
    assert extended.start == date(2026, 2, 5)
    assert extended.rule is P


def test_extension_then_rule(cal):
    # Registered Monday 6 April 2026: nominal Wednesday 6 May 2026;
    # + 10 = Saturday 16 May -> Friday 15 May (preceding) / Monday 18 May.
    original = compute_due(date(2026, 4, 6), ANSWER, cal)
    p = extend_due(original, 10, cal)
    assert (p.nominal, p.due, p.shift, p.days) == (date(2026, 5, 16), date(2026, 5, 15), "preceding", 40)
    f = extend_due(original, 10, cal, F)
    assert (f.due, f.shift, f.rule) == (date(2026, 5, 18), "following", F)


def test_extension_keeps_the_original_rule_by_default(cal):
    original = compute_due(date(2026, 4, 6), ANSWER, cal, F)
    assert extend_due(original, 10, cal).due == date(2026, 5, 18)


@pytest.mark.parametrize("extra", [0, -1, 31, 60])
def test_extension_bounds(cal, extra):
    original = compute_due(date(2026, 4, 6), ANSWER, cal)
    with pytest.raises(ValueError):
        extend_due(original, extra, cal)


def test_extension_once_and_only_for_the_answer(cal):
    original = compute_due(date(2026, 4, 6), ANSWER, cal)
    extended = extend_due(original, 1, cal)
    assert extended.nominal == date(2026, 5, 7)
    with pytest.raises(ValueError):
        extend_due(extended, 1, cal)
    with pytest.raises(ValueError):
        extend_due(compute_due(date(2026, 4, 6), REGISTRATION, cal), 5, cal)


# --- overrides -------------------------------------------------------------------


def test_override_makes_a_saturday_working():
    cal = WorkCalendar({date(2026, 3, 7): True})
    due = compute_due(date(2026, 2, 5), ANSWER, cal)
    assert due.due == date(2026, 3, 7)
    assert due.shift == "none"


def test_override_makes_a_weekday_off():
    cal = WorkCalendar({date(2026, 4, 9): False})
    due = compute_due(date(2026, 4, 6), REGISTRATION, cal)
    assert due.nominal == date(2026, 4, 9)
    assert due.due == date(2026, 4, 8)
    assert due.shift == "preceding"


def test_override_wins_over_a_holiday_and_a_decree():
    cal = WorkCalendar({date(2026, 1, 9): True, date(2025, 11, 1): False})
    assert cal.is_working_day(date(2026, 1, 9)) is True
    assert cal.is_working_day(date(2025, 11, 1)) is False
    # The year-end receipt (nominal 3 January 2026) now ends on 9 January,
    # under FOLLOWING and under the PRECEDING rule's fallback alike.
    assert compute_due(date(2025, 12, 31), REGISTRATION, cal, F).due == date(2026, 1, 9)
    assert compute_due(date(2025, 12, 31), REGISTRATION, cal, P).due == date(2026, 1, 9)
    # And the working Saturday switched off moves the 4 November case back
    # to Friday 31 October.
    assert compute_due(date(2025, 10, 28), NOTICE, cal).due == date(2025, 10, 31)


def test_overrides_are_copied():
    source = {date(2026, 4, 9): False}
    cal = WorkCalendar(source)
    source[date(2026, 4, 9)] = True
    assert cal.is_working_day(date(2026, 4, 9)) is False


# --- explain -------------------------------------------------------------------


def test_explain_fallback_case(cal):
    text = compute_due(date(2025, 12, 31), REGISTRATION, cal).explain()
    assert text == (
        "Срок регистрации: 3 дня со дня поступления (ч. 2 ст. 8 Федерального закона № 59-ФЗ): "
        "31.12.2025 + 3 дня = 03.01.2026, нерабочий день; между 31.12.2025 и этим днём нет рабочего дня, "
        "поэтому срок — следующий рабочий день, 12.01.2026."
    )


def test_explain_no_shift(cal):
    text = compute_due(date(2026, 4, 6), ANSWER, cal).explain()
    assert text == (
        "Срок ответа: 30 дней со дня регистрации (ч. 1 ст. 12 Федерального закона № 59-ФЗ): "
        "06.04.2026 + 30 дней = 06.05.2026, рабочий день."
    )


def test_explain_preceding_and_following(cal):
    p = compute_due(date(2025, 10, 28), NOTICE, cal).explain()
    assert "28.10.2025 + 7 дней = 04.11.2025" in p
    assert "ч. 2, 4, 4.1, 5.1 ст. 11" in p
    assert "предшествующий рабочий день, 01.11.2025" in p
    f = compute_due(date(2025, 10, 28), NOTICE, cal, F).explain()
    assert "следующий рабочий день, 05.11.2025" in f


def test_explain_extension(cal):
    original = compute_due(date(2026, 4, 6), ANSWER, cal)
    text = extend_due(original, 21, cal).explain()
    assert text == (
        "Продлённый срок ответа: 30 дней со дня регистрации (ч. 1 ст. 12 Федерального закона № 59-ФЗ), "
        "продлён на 21 день (ч. 2 ст. 12 Федерального закона № 59-ФЗ), всего 51 день: "
        "06.04.2026 + 51 день = 27.05.2026, рабочий день."
    )


# --- input hygiene and caching -----------------------------------------------------------


def test_datetimes_are_refused(cal):
    with pytest.raises(TypeError):
        compute_due(datetime(2026, 4, 6, 12, 0), REGISTRATION, cal)
    with pytest.raises(TypeError):
        cal.is_working_day(datetime(2026, 4, 6, 12, 0))


def test_rule_accepts_its_string_value(cal):
    assert compute_due(date(2025, 1, 31), ANSWER, cal, "following").due == date(2025, 3, 3)


def test_years_are_loaded_once(cal, monkeypatch):
    import appeals.deadlines as deadlines

    calls = []
    real = deadlines._library_year

    def counting(year):
        calls.append(year)
        return real(year)

    monkeypatch.setattr(deadlines, "_library_year", counting)
    fresh = WorkCalendar()
    for offset in range(400):
        fresh.is_working_day(date(2026, 1, 1) + timedelta(days=offset))
    # 2026 and 2027 asked for, with their neighbours: 2025..2028, once each.
    assert sorted(calls) == [2025, 2026, 2027, 2028]


def test_all_working_days_switched_off_fails_loudly():
    start = date(2026, 4, 6)
    cal = WorkCalendar({start + timedelta(days=i): False for i in range(-1200, 1200)})
    with pytest.raises(ValueError):
        compute_due(start, REGISTRATION, cal)


def test_an_extension_never_ends_on_or_before_the_term_it_extends():
    # Registered 1 Dec 2026: 30 days end on Thursday 31 Dec 2026, a day off by the 2026 decree, so the
    # answer is due on Wednesday 30 Dec. Ten more days from the nominal end give 10 Jan 2027, in the New
    # Year holidays, whose preceding working day is 30 Dec again: the following one, 11 Jan, is taken.
    calendar = WorkCalendar()
    original = compute_due(date(2026, 12, 1), ANSWER, calendar)
    assert original.due == date(2026, 12, 30)
    extended = extend_due(original, 10, calendar)
    assert extended.nominal == date(2027, 1, 10)
    assert extended.due == date(2027, 1, 11) and extended.shift == "following_after_original"
    assert "не позже прежнего срока" in extended.explain() and "11.01.2027" in extended.explain()
