"""Grammar sections «point», «day» and «item»: calendar units (days, months, decades, quarters,
half-years, calendar and school years), ranges of them with a prefix, and the rule for a date
without a year (each such date inside the period).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from definitions.deadlines.base import _ONE_DAY, _Context, _date, _month_end, _Unreadable
from definitions.deadlines.schedule import Occurrence

# dom: a day of any month («до 20 числа»), read with a recurrence.
# weekday: «во вторую среду февраля» (``number`` says which, ``weekday`` which day of the week).
_Unit = Literal[
    "day", "month", "decade", "quarter", "half", "year", "school", "index", "dom", "weekday"
]


@dataclass(frozen=True, slots=True)
class _Point:
    """A calendar unit, possibly without its year; ``index`` is a bare number awaiting its unit."""

    unit: _Unit
    year: int | None = None
    month: int = 0
    number: int = 0  # the day of the month, or which decade, quarter or half-year
    # «… месяца (года), следующего за отчетным»: the day falls in the unit after the reported one.
    following: bool = False
    weekday: int = 0  # for the unit ``weekday``: Monday is 0

    def bounds(self, year: int) -> tuple[date, date]:
        """The first and last day of this unit in ``year``."""
        if self.unit == "day":
            day = _date(year, self.month, self.number)
            return day, day
        if self.unit == "month":
            return _date(year, self.month, 1), _month_end(year, self.month)
        if self.unit == "weekday":
            # the first to the fourth such weekday: every month has four of each
            opening = _date(year, self.month, 1)
            shift = (self.weekday - opening.weekday()) % 7 + 7 * (self.number - 1)
            day = opening + _ONE_DAY * shift
            return day, day
        if self.unit == "decade":
            first = 1 + 10 * (self.number - 1)
            last = (
                _month_end(year, self.month)
                if self.number == 3
                else _date(year, self.month, first + 9)
            )
            return _date(year, self.month, first), last
        if self.unit == "quarter":
            return _date(year, 3 * self.number - 2, 1), _month_end(year, 3 * self.number)
        if self.unit == "half":
            return _date(year, 6 * self.number - 5, 1), _month_end(year, 6 * self.number)
        if self.unit == "year":
            return _date(year, 1, 1), _date(year, 12, 31)
        if self.unit == "school":
            return _date(year, 9, 1), _date(year + 1, 8, 31)
        if self.unit == "dom":
            raise _Unreadable(
                code="deadline.which_month",
                day=self.number,
                example=f"«ежемесячно до {self.number} числа», «до {self.number} мая 2023 г.»",
            )
        raise _Unreadable(
            code="deadline.number_needs_unit",
            number=self.number,
            example=f"«{self.number} мая 2023 г.», «{self.number} квартал 2023 г.»",
        )

    def shifted(self, years: int) -> _Point:
        """The same unit ``years`` later."""
        return self if self.year is None else replace(self, year=self.year + years)


_LIMITS = {"decade": 3, "quarter": 4, "half": 2, "dom": 31}


@dataclass(frozen=True, slots=True)
class _Item:
    """One date expression with its prefix: a point or a range of two points."""

    prefix: str  # plain until by at during from
    first: _Point
    last: _Point | None = None

    @property
    def has_year(self) -> bool:
        """Whether a year is written on either end."""
        return self.first.year is not None or (self.last is not None and self.last.year is not None)

    @property
    def is_day(self) -> bool:
        """A single day: its start is open («15 мая» means «by 15 May»)."""
        return self.last is None and self.first.unit in ("day", "weekday")

    @property
    def is_open(self) -> bool:
        """«с 01.09.2023»: a start with no end."""
        return self.prefix == "from" and self.last is None

    @property
    def is_year_range(self) -> bool:
        """«с 2022 по 2024 гг.»: can also be read as the years a recurrence runs in."""
        return (
            self.last is not None
            and self.first.unit == self.last.unit == "year"
            and self.prefix in ("plain", "from", "during")
        )

    @property
    def shape(self) -> tuple[str, str | None, bool, str]:
        """Items listed together must share it: «июнь 2023, декабрь 2023», not «2024 декабрь».

        A month and a range of months are one shape («сентябрь, декабрь - январь, май»), so are
        a day and a range of days.
        """
        unit = self.first.unit
        unit = "day" if unit == "weekday" else unit
        last = self.last.unit if self.last else (unit if unit in ("month", "day") else None)
        prefix = "plain" if unit in ("month", "day") and self.prefix == "during" else self.prefix
        return (unit, last, self.has_year, prefix)

    def shifted(self, years: int) -> _Item:
        """The same expression ``years`` later (for yearly repeats)."""
        return replace(
            self,
            first=self.first.shifted(years),
            last=self.last.shifted(years) if self.last else None,
        )

    def span(self, year: int | None = None) -> tuple[date, date, int]:
        """First day, last day and the year the span starts in; ``year`` fills a missing start year."""
        first, last = self.first, self.last or self.first
        inherited = first.unit == "index"
        if inherited:
            if last.unit not in ("day", "decade", "quarter", "half"):
                raise _Unreadable(
                    code="deadline.number_needs_range_unit",
                    number=first.number,
                    example="«1 - 15 мая 2023 г.»",
                )
            first = replace(first, unit=last.unit, month=last.month, year=first.year or last.year)
        first_year, last_year = first.year, last.year
        if first_year is None and last_year is None:
            if year is None:
                raise _Unreadable(code="deadline.no_year", example="«май 2023 г.»")
            first_year = last_year = year
            crosses = first.bounds(year)[0] > last.bounds(year)[0]
            if self.last is not None and not inherited and crosses:
                last_year = year + 1  # «ноябрь - февраль»: the range crosses New Year
        elif first_year is None:
            assert last_year is not None
            first_year = last_year
            if not inherited and first.bounds(first_year)[0] > last.bounds(last_year)[0]:
                first_year -= 1
        elif last_year is None:
            last_year = first_year
            if first.bounds(first_year)[0] > last.bounds(last_year)[0]:
                last_year += 1
        start, end = first.bounds(first_year)[0], last.bounds(last_year)[1]
        if start > end:
            raise _Unreadable(
                code="deadline.range_reversed", example="«с 1 по 15 сентября 2022 г.»"
            )
        return start, end, first_year

    def occurrence(self, year: int | None = None) -> Occurrence:
        """The item's dates with its prefix applied: «до декабря» ends the day before December."""
        start, end, _ = self.span(year)
        if self.prefix == "end" and self.first.unit == "school" and self.last is None:
            # «к концу учебного года»: the lessons end in May (the school year itself on 31 August)
            return Occurrence(None, date(end.year, 5, 31))
        if self.prefix == "end":
            return Occurrence(None, end)
        if self.prefix == "until":
            return Occurrence(None, end if self.is_day else start - _ONE_DAY)
        if self.prefix == "by" or self.is_day:
            return Occurrence(None, end)
        return Occurrence(start, end)


def _start_of(item: _Item, context: _Context) -> date:
    """The first day of an item, a yearless one taken in the first year the period allows."""
    if item.has_year:
        return item.span()[0]
    occurrence = _all_in_period(replace(item, prefix="plain"), context)[0]
    return occurrence.start or occurrence.due


def _all_in_period(item: _Item, context: _Context) -> list[Occurrence]:
    """A date without a year: each one that begins (or, with no start, is due) inside the period."""
    problem: _Unreadable | None = None
    found: list[Occurrence] = []
    for year in range(context.period_start.year - 1, context.period_end.year + 1):
        try:
            occurrence = item.occurrence(year)
        except _Unreadable as error:  # 29 February in a common year
            problem = problem or error
            continue
        if context.period_start <= (occurrence.start or occurrence.due) <= context.period_end:
            found.append(occurrence)
    if found:
        return found
    if problem is not None:
        raise problem
    raise _Unreadable(
        code="deadline.not_in_period",
        period=context.period_ru,
        example="«май 2023 г.»",
    )


def _overlaps(occurrence: Occurrence, context: _Context) -> bool:
    """Whether any day of the occurrence lies inside the period."""
    return (
        occurrence.due >= context.period_start
        and (occurrence.start or occurrence.due) <= context.period_end
    )
