"""Assembly: what the clauses said turned into a kind and occurrences, by the written rules
(a phrase without a year repeats in each year of the period; a bare start is refused with a
question; «постоянно с …»; «сентябрь, в течение года»).
"""

from __future__ import annotations

from dataclasses import replace

from definitions.deadlines.base import (
    _ONE_DAY,
    _add_months,
    _Context,
    _Unreadable,
    render_message,
)
from definitions.deadlines.dates import _all_in_period, _Item, _Point, _start_of
from definitions.deadlines.grammar import _Parsed
from definitions.deadlines.recurrences import _every_unit, _yearly
from definitions.deadlines.schedule import Kind, Occurrence
from definitions.deadlines.texts import _EVERY_WORDS, _describe_item


def _assemble(parsed: _Parsed, context: _Context) -> tuple[Kind, list[Occurrence]]:
    """Turn what the clauses said into a kind and occurrences."""
    items = parsed.items
    if not items and parsed.every is None and not parsed.continuous:
        raise _Unreadable(code="deadline.no_date")
    years: range | None = None
    ranges = [item for item in items if item.is_year_range]
    if ranges and (parsed.every == "year" or any(not item.has_year for item in items)):
        # «Декабрь, июнь в период с 2022 по 2024 г.г.»: the years the recurrence runs in.
        if len(ranges) > 1:
            raise _Unreadable(code="deadline.year_ranges", example="«в период с 2022 по 2024 гг.»")
        window = ranges[0]
        start, end, _ = window.span()
        years = range(start.year, end.year + 1)
        items = [item for item in items if item is not window]
    if parsed.continuous:
        if parsed.every is not None:
            raise _Unreadable(
                code="deadline.continuous_and_every", example="«постоянно», «ежегодно»"
            )
        return "continuous", [_continuous(items, context)]
    if parsed.through_year:
        return _through_year(items, context)
    if parsed.every in ("quarter", "month", "half") and parsed.every_from is not None:
        # «с 2023 года ежеквартально»: the recurrence's window opens with that year.
        items = [*items, _Item("from", _Point("year", parsed.every_from))]
    if len({item.shape for item in items}) > 1:
        items = _year_from_the_last(items, context)
    if len({item.shape for item in items}) > 1:
        # «2024 декабрь», «май, декабрь 2022»: which year goes with which date would be a guess.
        raise _Unreadable(
            code="deadline.mixed_years",
            example="«июнь 2022 г., декабрь 2022 г.»",
        )
    if any(item.first.unit == "dom" for item in items) and parsed.every not in ("month", "quarter"):
        raise _Unreadable(
            code="deadline.day_of_month_alone",
            example="«ежемесячно до 20 числа», «до 20 мая 2023 г.»",
        )
    if parsed.every is None:
        return _dated(items, years, context)
    if context.explain:
        context.reading.append(_EVERY_WORDS[parsed.every])
        if parsed.every_from is not None:
            context.reading.append(f"с {parsed.every_from} г.")
        context.reading.extend(_describe_item(item) for item in items)
    if parsed.every == "year":
        return "recurring", _yearly(items, years, parsed.every_from, context)
    return "recurring", _every_unit(parsed.every, items, years, context)


def _year_from_the_last(items: list[_Item], context: _Context) -> list[_Item]:
    """«7 февраля и 10 апреля 2024 года»: a year written once after a list of days belongs to each
    of them when they then run in order (the usual way to write dates); otherwise it stays a
    question. Months are left alone: «май, декабрь 2022» stays a question."""
    *head, last = items
    unit = last.first.unit
    year = last.first.year
    if year is None or last.last is not None or unit != "day" or not head:
        return items
    if any(
        item.has_year
        or item.last is not None
        or item.first.unit != unit
        or item.prefix != last.prefix
        for item in head
    ):
        return items
    filled = [replace(item, first=replace(item.first, year=year)) for item in head]
    starts = [item.first.bounds(year)[0] for item in [*filled, last]]
    if any(earlier >= later for earlier, later in zip(starts, starts[1:], strict=False)):
        return items
    context.notes.append(render_message("deadline.note_year_once", year=year))
    return [*filled, last]


def _continuous(items: list[_Item], context: _Context) -> Occurrence:
    """«постоянно» alone spans the period; «постоянно с 01.09.2023» starts on that date."""
    if not items:
        return Occurrence(context.period_start, context.period_end)
    if len(items) == 1 and items[0].is_open:
        return _open_ended(items[0], context)
    raise _Unreadable(code="deadline.continuous_form", example="«постоянно с 01.09.2023»")


def _through_year(items: list[_Item], context: _Context) -> tuple[Kind, list[Occurrence]]:
    """«сентябрь, в течение года»: twelve months from the start of the named month or day."""
    if len(items) != 1 or items[0].last is not None or items[0].first.unit not in ("month", "day"):
        raise _Unreadable(
            code="deadline.through_year_form",
            example="«сентябрь, в течение года»",
        )
    item = replace(items[0], prefix="plain")
    firsts = [item.occurrence()] if item.has_year else _all_in_period(item, context)
    occurrences = []
    for first in firsts:
        start = first.start or first.due
        occurrences.append(Occurrence(start, _add_months(start, 12) - _ONE_DAY))
    context.notes.append(render_message("deadline.note_through_year"))
    return ("once" if len(occurrences) == 1 else "recurring"), occurrences


def _dated(
    items: list[_Item], years: range | None, context: _Context
) -> tuple[Kind, list[Occurrence]]:
    """Dates without a recurrence word: one, or one per listed date or year."""
    if any(item.is_open for item in items):
        raise _Unreadable(
            code=(
                "deadline.start_only"
                if items[0].first.unit == "index"
                else "deadline.start_date_only"
            ),
            example="«постоянно с 01.09.2023», «с 01.09.2023 по 31.05.2024»",
        )
    if any(item.first.following for item in items):
        if context.period_start.year == context.period_end.year and all(
            item.first.following and not item.has_year and item.last is None for item in items
        ):
            # «не позднее 01 июня года, следующего за отчетным» in a plan of one calendar year:
            # the reported year is the plan's, so the report is due in the next one.
            reported = context.period_start.year
            context.notes.append(
                render_message(
                    "deadline.note_reported_year", reported=reported, due_year=reported + 1
                )
            )
            reports = [item.occurrence(reported + 1) for item in items]
            return ("once" if len(reports) == 1 else "recurring"), reports
        raise _Unreadable(
            code="deadline.following_year",
            example="«ежегодно до 1 апреля года, следующего за отчетным»",
        )
    occurrences: list[Occurrence] = []
    for item in items:
        if item.has_year:
            occurrences.append(item.occurrence())
        elif years is not None:
            occurrences.extend(item.occurrence(year) for year in years)
        else:
            found = _all_in_period(item, context)
            if len(found) > 1:
                context.notes.append(render_message("deadline.note_repeats"))
            occurrences.extend(found)
    return ("once" if len(occurrences) == 1 else "recurring"), occurrences


def _open_ended(item: _Item, context: _Context) -> Occurrence:
    """«постоянно с 01.09.2023»: from that date to the end of the period."""
    start = _start_of(item, context)
    if start > context.period_end:
        raise _Unreadable(
            code="deadline.start_after_period",
            period=context.period_ru,
            example="«постоянно с 01.09.2023»",
        )
    return Occurrence(start, context.period_end)
