"""The Russian production calendar: official transfers, and working-day arithmetic across them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from definitions.workdays import (
    add_working_days,
    is_working_day,
    next_working_day,
    previous_working_day,
    working_days_between,
)


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (date(2024, 4, 27), True, "a Saturday made a working day (transfer to 29 April)"),
        (date(2024, 4, 29), False, "a Monday off, swapped for Saturday 27 April"),
        (date(2024, 4, 30), False, "a Tuesday off, swapped for Saturday 2 November"),
        (date(2024, 11, 2), True, "a Saturday made a working day (transfer to 30 April)"),
        (date(2024, 12, 28), True, "a Saturday made a working day (transfer to 30 December)"),
        (date(2024, 12, 30), False, "a Monday off, swapped for Saturday 28 December"),
        (date(2025, 5, 2), False, "a Friday off, moved from Saturday 4 January"),
        (date(2025, 5, 8), False, "a Thursday off, moved from Sunday 23 February"),
        (date(2024, 5, 18), False, "an ordinary Saturday"),
        (date(2024, 5, 19), False, "an ordinary Sunday"),
        (date(2024, 5, 20), True, "an ordinary Monday"),
        (date(2024, 5, 9), False, "Victory Day"),
    ],
    ids=lambda value: value.isoformat() if isinstance(value, date) else None,
)
def test_working_day_follows_the_official_calendar(day: date, working: bool, why: str) -> None:
    assert is_working_day(day) is working, why


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024, 2025, 2026])
def test_new_year_holidays_are_days_off(year: int) -> None:
    assert not any(is_working_day(date(year, 1, day)) for day in range(1, 9))


def test_ten_working_days_across_the_may_holidays_of_2024() -> None:
    # From Thursday 25 April 2024: 26 Apr (1), Sat 27 Apr (2, transferred), 28 Apr–1 May off,
    # 2 May (3), 3 May (4), 4–5 May weekend, 6 May (5), 7 May (6), 8 May (7), 9–12 May off,
    # 13 May (8), 14 May (9), 15 May (10).
    assert add_working_days(date(2024, 4, 25), 10) == date(2024, 5, 15)


def test_adding_working_days_crosses_the_new_year_break() -> None:
    # Fri 27 Dec 2024 → Sat 28 Dec (1, transferred), 30 Dec–8 Jan off, 9 Jan (2), 10 Jan (3),
    # 13 Jan (4), 14 Jan (5).
    assert add_working_days(date(2024, 12, 27), 5) == date(2025, 1, 14)


def test_zero_working_days_is_the_day_itself_or_the_next_working_day() -> None:
    assert add_working_days(date(2024, 4, 25), 0) == date(2024, 4, 25)
    assert add_working_days(date(2024, 5, 1), 0) == date(2024, 5, 2)
    assert add_working_days(date(2024, 4, 28), 0) == date(2024, 5, 2)


def test_negative_working_days_count_backward_to_the_transferred_saturday() -> None:
    assert add_working_days(date(2024, 5, 2), -1) == date(2024, 4, 27)
    assert add_working_days(date(2025, 1, 9), -1) == date(2024, 12, 28)
    assert previous_working_day(date(2024, 5, 2)) == date(2024, 4, 27)


def test_next_working_day_skips_the_may_break() -> None:
    assert next_working_day(date(2024, 4, 27)) == date(2024, 5, 2)
    assert next_working_day(date(2025, 4, 30)) == date(2025, 5, 5)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date(2024, 4, 25), date(2024, 5, 15), 10),
        (date(2024, 5, 15), date(2024, 4, 25), -10),
        (date(2024, 4, 25), date(2024, 4, 25), 0),
        (date(2024, 4, 26), date(2024, 4, 27), 1),
        (date(2024, 4, 27), date(2024, 5, 1), 0),
        (date(2024, 12, 27), date(2025, 1, 14), 5),
        (date(2023, 12, 31), date(2024, 12, 31), 248),  # the 2024 calendar has 248 working days
    ],
)
def test_working_days_between_counts_days_after_start_up_to_end(
    start: date, end: date, count: int
) -> None:
    assert working_days_between(start, end) == count


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    n=st.integers(min_value=1, max_value=400),
)
def test_working_days_between_undoes_add_working_days(day: date, n: int) -> None:
    due = add_working_days(day, n)
    assert is_working_day(due)
    assert working_days_between(day, due) == n
    if is_working_day(day):
        assert add_working_days(due, -n) == day
