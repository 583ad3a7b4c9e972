"""ШПИ, the 14-digit tracking number of a domestic item of Russian Post.

The number is the accepting office's index (6 digits), the month code (2), the
item's number within that month's roll (5) and a check digit (1).

The check digit (issue 9, item 6) is computed as for a 13-digit EAN: three
times the sum of the digits in the odd places plus the sum of the digits in the
even places, completed to the next multiple of ten. The places are counted from
the left, the first digit being place 1. Russian Post does not publish the rule
officially, so the clerk may confirm a label whose digit differs.

Checked against real numbers found in public code (tests/postal/documents/
test_tracking.py): 14001293402154, which Russian Post's tracking service
reported, and 80099008576514, printed on a court's registered letter, both
agree; the first would not if the even places were the ones weighed by three.
One more number, 82050000369760, given as a format example in a web form,
disagrees (its digit would be 2): it may well be invented.
"""

from __future__ import annotations

import re

LENGTH = 14
_DIGITS = re.compile(r"\d+")
ITEM_SLICE = slice(8, 13)  # the item number, places 9-13
MAX_ITEM = 99999


def tracking_check_digit(first13: str) -> int:
    """The check digit of the first 13 digits of a ШПИ; ValueError unless they are 13 digits."""
    if len(first13) != LENGTH - 1 or not _DIGITS.fullmatch(first13):
        raise ValueError(f"expected 13 digits, got {first13!r}")
    odd = sum(int(digit) for digit in first13[0::2])  # places 1, 3, 5, ..., 13
    even = sum(int(digit) for digit in first13[1::2])  # places 2, 4, ..., 12
    return (10 - (3 * odd + even) % 10) % 10


def is_valid_tracking_number(number: str) -> bool:
    """True if ``number`` is 14 digits whose last is the check digit of the other 13."""
    if len(number) != LENGTH or not _DIGITS.fullmatch(number):
        return False
    return tracking_check_digit(number[:-1]) == int(number[-1])


def tracking_roll(first: str, count: int) -> list[str]:
    """The numbers of a roll of labels from its first number.

    The item numbers (places 9-13) run on in sequence from the first one's,
    each number with its own check digit. ``first`` may be the 14-digit number
    printed on the first label (its check digit is not checked here: the clerk
    confirms labels apart) or its first 13 digits. ValueError if ``first`` is
    malformed, ``count`` is negative, or the roll would run past item 99999.
    """
    if not _DIGITS.fullmatch(first or "") or len(first) not in (LENGTH - 1, LENGTH):
        raise ValueError(f"the first number must be 13 or 14 digits, got {first!r}")
    if count < 0:
        raise ValueError("count must not be negative")
    prefix, start = first[:8], int(first[ITEM_SLICE])
    if start + count - 1 > MAX_ITEM:
        raise ValueError(f"the roll would run past item {MAX_ITEM}: {count} labels from item {start:05d}")
    numbers = []
    for item in range(start, start + count):
        first13 = f"{prefix}{item:05d}"
        numbers.append(first13 + str(tracking_check_digit(first13)))
    return numbers
