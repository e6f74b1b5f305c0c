"""The clock: `--now` as an aware moment in the municipality's time zone, and the one "today".

``local_day`` is the only place a moment becomes a calendar day in a zone (today is
``local_day(now, tz)``); tests/test_clock.py fails on a hand-made ``.astimezone(…).date()``.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from common.errors import UsageError


def parse_now(text: str | None, *, tz: str) -> datetime:
    """`--now` as an aware datetime: a bare date means 09:00 in the municipality's time zone.

    Without ``text`` it is the real clock: only the shells call this.
    """
    import pendulum

    if text is None:
        return pendulum.now(tz)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return pendulum.datetime(day.year, day.month, day.day, 9, 0, tz=tz)
        parsed = pendulum.parse(text, tz=tz)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise UsageError(code="cli.now", where="--now", value=text) from None
    assert isinstance(parsed, datetime)
    return parsed


def local_day(moment: datetime, tz: str) -> date:
    """The calendar day of an aware ``moment`` in the zone ``tz`` (today is ``local_day(now, tz)``).

    A naive moment is refused rather than read in the machine's zone (now is an input).
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (now is an input)")
    return moment.astimezone(ZoneInfo(tz)).date()
