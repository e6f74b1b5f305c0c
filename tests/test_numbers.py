"""Whole numbers from forms and addresses (common.numbers)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.numbers import DB_INT_MAX, whole_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        (str(DB_INT_MAX), DB_INT_MAX),
        (str(DB_INT_MAX + 1), None),  # beyond the database's integer
        ("9" * 40, None),
        ("", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1.0", None),
        ("²", None),  # isdigit() says yes, int() refuses
        ("٣", None),  # Arabic-Indic three: int() would take it, the database column is ASCII
    ],
)
def test_only_ascii_digits_within_the_limit_are_a_number(text: str, expected: int | None) -> None:
    assert whole_number(text) == expected


def test_the_limit_can_be_raised_or_lowered() -> None:
    assert whole_number("100", maximum=99) is None
    assert whole_number(str(10**15), maximum=10**18) == 10**15


@given(st.text(max_size=25))
def test_any_text_gives_a_number_in_range_or_none_never_an_error(text: str) -> None:
    value = whole_number(text)
    if value is not None:
        assert text.isascii() and int(text) == value
        assert 0 <= value <= DB_INT_MAX
