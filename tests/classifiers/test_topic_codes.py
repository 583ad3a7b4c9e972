"""Topic codes: format, level, parent; the postal index validator."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from classifiers.codes import ancestor_codes, code_level, parent_code
from classifiers.validators import validate_postal_index, validate_topic_code

GOOD_CODES = [
    "0002.0006.0064.0272",
    "0000.0000.0000.0272",
    "0005.0000.0000.0000",
    "9999.9999.9999.9999",
]

BAD_CODES = [
    "",
    "0002.0006.0064",
    "0002.0006.0064.0272.0001",
    "2.6.64.272",
    "0002-0006-0064-0272",
    "0002.0006.0064.027a",
    "00020006.0064.0272",
    " 0002.0006.0064.0272",
    "0002.0006.0064.0272\n",
    "\u0660\u0660\u0660\u0662.0006.0064.0272",  # Arabic-Indic digits match \d, not [0-9]
]


@pytest.mark.parametrize("code", GOOD_CODES)
def test_it_accepts_four_blocks_of_four_digits(code: str) -> None:
    validate_topic_code(code)


@pytest.mark.parametrize("code", BAD_CODES)
def test_it_rejects_malformed_codes_in_russian(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_topic_code(code)
    assert info.value.code == "topic_code_format"
    assert "четырёх блоков по четыре цифры" in info.value.messages[0]


def test_it_rejects_zeros_only() -> None:
    with pytest.raises(ValidationError) as info:
        validate_topic_code("0000.0000.0000.0000")
    assert info.value.code == "topic_code_zero"
    assert info.value.messages == ["Код темы не может состоять из одних нулей."]


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("0005.0000.0000.0000", 1, None),
        ("0005.0005.0000.0000", 2, "0005.0000.0000.0000"),
        ("0005.0005.0056.0000", 3, "0005.0005.0000.0000"),
        ("0005.0005.0056.1149", 4, "0005.0005.0056.0000"),
        # The methodical list of the institution's form: a question, no parent.
        ("0000.0000.0000.0272", 4, None),
        ("0002.0000.0000.0272", 4, "0002.0000.0000.0000"),
    ],
)
def test_level_and_parent_follow_the_last_non_zero_block(code: str, level: int, parent: str | None) -> None:
    assert code_level(code) == level
    assert parent_code(code) == parent


def test_ancestors_are_listed_nearest_first() -> None:
    assert ancestor_codes("0005.0005.0056.1149") == [
        "0005.0005.0056.0000",
        "0005.0005.0000.0000",
        "0005.0000.0000.0000",
    ]
    assert ancestor_codes("0000.0000.0000.0046") == []


@pytest.mark.parametrize("value", ["119034", "000000"])
def test_postal_index_of_six_digits_passes(value: str) -> None:
    validate_postal_index(value)


@pytest.mark.parametrize("value", ["", "11903", "1190345", "11903a", "119 034"])
def test_postal_index_otherwise_fails(value: str) -> None:
    with pytest.raises(ValidationError, match="шести цифр"):
        validate_postal_index(value)
