"""ШПИ: the check digit, a number's validity, a roll of labels numbered in sequence."""

from __future__ import annotations

import pytest

from postal.documents import is_valid_tracking_number, tracking_check_digit, tracking_roll

# Domestic ШПИ found in public code: one as Russian Post's tracking service reported it (a parcel accepted in
# office 140012, Люберцы), one printed on a court's registered letter («ШПИ 8009 9008 5765 14»). Both agree
# with the EAN-13-style rule of issue 9; the first also tells the places apart (weighing the even places by
# three instead would give 8, not 4).
REAL_NUMBERS = ["14001293402154", "80099008576514"]


@pytest.mark.parametrize("number", REAL_NUMBERS)
def test_real_numbers_have_the_check_digit_of_the_rule(number):
    assert tracking_check_digit(number[:13]) == int(number[13])
    assert is_valid_tracking_number(number)


def test_the_check_digit_weighs_the_odd_places_from_the_left_by_three():
    # 1 0 0 0 0 0 0 0 0 0 0 0 0: the 1 is in place 1 (odd), so 3 x 1 = 3 -> 7 completes to 10.
    assert tracking_check_digit("1000000000000") == 7
    # The 1 in place 2 (even) counts once -> 9.
    assert tracking_check_digit("0100000000000") == 9
    assert tracking_check_digit("0000000000000") == 0


def test_a_wrong_check_digit_or_a_malformed_number_is_not_valid():
    good = REAL_NUMBERS[0]
    wrong = good[:13] + str((int(good[13]) + 1) % 10)
    assert not is_valid_tracking_number(wrong)
    for bad in ("", "1400129340215", "140012934021544", "1400129340215a", "1400 129340215"):
        assert not is_valid_tracking_number(bad)
    with pytest.raises(ValueError):
        tracking_check_digit("123")


def test_a_roll_runs_the_item_numbers_on_from_the_first_label_each_with_its_check_digit():
    roll = tracking_roll("14001293402154", 3)
    assert roll == ["14001293402154", "14001293402161", "14001293402178"]
    assert all(is_valid_tracking_number(number) for number in roll)
    assert [number[8:13] for number in roll] == ["40215", "40216", "40217"]
    assert all(number[:8] == "14001293" for number in roll)
    assert tracking_roll("1400129340215", 1) == ["14001293402154"]
    assert tracking_roll("14001293402154", 0) == []


def test_a_roll_that_would_run_past_item_99999_or_a_malformed_first_number_is_refused():
    assert tracking_roll("14001293999980", 2)[-1][8:13] == "99999"
    with pytest.raises(ValueError):
        tracking_roll("14001293999980", 3)
    for bad in ("", "123", "1400129340215x", "140012934021544"):
        with pytest.raises(ValueError):
            tracking_roll(bad, 1)
    with pytest.raises(ValueError):
        tracking_roll("14001293402154", -1)
