"""The Russian production calendar (производственный календарь): working days and their arithmetic.

Days off come from the `holidays` package (country "RU"), which carries the government's yearly
transfers: a Saturday made a working day (27 Apr 2024) is in its ``weekend_workdays`` and answers
True to ``is_working_day``, and the weekday it was swapped for (29 Apr 2024) is a holiday. Each
year's working days are computed once and cached (sorted, for bisection): the tick asks these
questions for thousands of step instances.

Years the government has not published yet follow the rules the package knows (fixed holidays,
weekend shifts), without the ad-hoc transfers.
"""

from __future__ import annotations

import bisect
from datetime import date, timedelta
from functools import lru_cache

import holidays

__all__ = [
    "add_working_days",
    "is_working_day",
    "next_working_day",
    "previous_working_day",
    "working_days_between",
]

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=128)
def _working_days_of(year: int) -> tuple[date, ...]:
    """All working days of ``year`` in order."""
    # The package's data can declare, in one year, a transfer that makes a weekend day of the
    # neighbouring year a working day (none does for 2010-2027, checked); it only marks that day
    # when it builds the declaring year, so the neighbours are built too. ``date`` spans 1..9999.
    years = [y for y in (year - 1, year, year + 1) if 1 <= y <= 9999]
    calendar = holidays.country_holidays("RU", years=years)
    day = date(year, 1, 1)
    result: list[date] = []
    while day.year == year:
        if calendar.is_working_day(day):
            result.append(day)
        if day == date.max:
            break
        day += _ONE_DAY
    return tuple(result)


@lru_cache(maxsize=128)
def _working_day_set(year: int) -> frozenset[date]:
    """The working days of ``year`` as a set, for O(1) membership."""
    return frozenset(_working_days_of(year))


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day of the Russian five-day week, transfers included.

    Args:
        day: the calendar day.
    """
    return day in _working_day_set(day.year)


def add_working_days(day: date, n: int) -> date:
    """The working day ``n`` working days after ``day`` (before it when ``n`` is negative).

    ``day`` itself is not counted, as in a period "within 10 working days" of an event: with
    ``n == 0`` the answer is ``day`` when it is a working day, otherwise the next working day.

    Args:
        day: the day to count from.
        n: how many working days to move; negative moves backward.
    """
    if n == 0:
        return day if is_working_day(day) else next_working_day(day)
    remaining = abs(n)
    year = day.year
    while date.min.year <= year <= date.max.year:
        days = _working_days_of(year)
        if n > 0:
            # ``day`` stays the threshold: in later years every working day lies after it.
            index = bisect.bisect_right(days, day)
            available = len(days) - index
            if remaining <= available:
                return days[index + remaining - 1]
            year += 1
        else:
            index = bisect.bisect_left(days, day)
            available = index
            if remaining <= available:
                return days[index - remaining]
            year -= 1
        remaining -= available
    raise OverflowError("the working day falls outside the calendar (years 1..9999)")


def working_days_between(start: date, end: date) -> int:
    """The number of working days ``d`` with ``start < d <= end``; negative when ``end < start``.

    So ``add_working_days(start, working_days_between(start, end))`` is ``end`` whenever ``end``
    is a working day after ``start``.

    Args:
        start: the day the count starts after.
        end: the last day counted.
    """
    if end < start:
        return -working_days_between(end, start)
    count = 0
    for year in range(start.year, end.year + 1):
        days = _working_days_of(year)
        low = bisect.bisect_right(days, start) if year == start.year else 0
        high = bisect.bisect_right(days, end) if year == end.year else len(days)
        count += high - low
    return count


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``.

    Args:
        day: the calendar day to start from (not itself a candidate).
    """
    return add_working_days(day, 1)


def previous_working_day(day: date) -> date:
    """The last working day strictly before ``day``.

    Args:
        day: the calendar day to start from (not itself a candidate).
    """
    return add_working_days(day, -1)
