"""The clock of the shells: `--now` as an aware moment in the municipality's time zone."""

from __future__ import annotations

from datetime import date, datetime

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
