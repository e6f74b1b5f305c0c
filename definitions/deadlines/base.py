"""The parser's shared pieces: the refusal raised inside it, the context a phrase is compiled
against, limits, and calendar helpers that refuse impossible dates.

Every section of the grammar (docs/deadlines.md) raises :class:`_Unreadable`; `parse_deadline`
turns it into a `common.errors.DeadlineError` with the Russian refusal text.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from common.russian import (
    format_date_ru,
)

# The form a refusal offers when nothing more specific fits.
_EXAMPLE = "«до 15 мая 2022 г.», «IV квартал 2023 г.», «ежемесячно до 20 числа»"


_ONE_DAY = timedelta(days=1)


_MIN_YEAR = 1900


_MAX_YEAR = 2100


# Relative terms longer than this are typos («в течение 1000 дней»), not plans.
_MAX_COUNT = 1000


def render_message(code: str, **params: object) -> str:
    """The catalogue's text of ``code`` (``common.messages.render_message``), the catalogue imported
    on the first message said: importing the parser, and reading a phrase that needs no note or
    refusal, never loads it."""
    from common.messages import render_message as render

    return render(code, **params)


class _Unreadable(Exception):
    """Raised inside the parser; `parse_deadline` turns it into a `DeadlineError`.

    ``code`` names the reason in the message catalogue (common/messages.py), ``params`` its values;
    the Russian ``reason`` is rendered only when asked for (a refusal a person reads), never while
    the parser merely tries a reading. ``example`` is a form that reads; ``at`` and ``understood``
    are filled by the parser: the word it stopped at and the words read before it.
    """

    def __init__(
        self,
        *,
        code: str,
        example: str = _EXAMPLE,
        at: str | None = None,
        **params: object,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
        self.example = example
        self.at = at
        self.understood: str | None = None

    @property
    def reason(self) -> str:
        """What is wrong, in Russian: the catalogue's text with the values put in."""
        return render_message(self.code, **self.params)


# Not frozen: built for every phrase compiled, and a frozen dataclass's __init__ costs twice as much.
@dataclass(slots=True)
class _Context:
    """The dates a phrase is compiled against, and the notes of the rules its reading applied."""

    period_start: date
    period_end: date
    anchor: date | None
    step_start: date | None
    notes: list[str]
    reading: list[str] = field(default_factory=list)  # how the recurrence was read, in Russian
    explain: bool = False  # fill ``reading`` (for explain_deadline; the tick does not need it)

    @property
    def period_ru(self) -> str:
        """«1 января 2022 г. – 31 декабря 2024 г.»"""
        return f"{format_date_ru(self.period_start)} – {format_date_ru(self.period_end)}"


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year > date.max.year:
        raise OverflowError
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _date(year: int, month: int, day: int) -> date:
    """A date, or an error that names the impossible one."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):  # a 12-digit "day" overflows C int
        raise _Unreadable(
            code="deadline.no_such_date", day=day, month=month, year=year, example="«28.02.2023»"
        ) from None


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@lru_cache(maxsize=4096)  # recurrences ask for the same few dozen months again and again
def _month_end(year: int, month: int) -> date:
    """The last day of a month."""
    if month == 2 and calendar.isleap(year):
        return _date(year, 2, 29)
    return _date(year, month, _MONTH_DAYS[month] if 1 <= month <= 12 else 1)
