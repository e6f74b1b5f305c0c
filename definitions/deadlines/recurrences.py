"""Assembly of recurrences («ежегодно …», «ежеквартально», «ежемесячно до 20 числа»,
«2 раза в год») into occurrences by the written rules of docs/deadlines.md.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from common.russian import (
    format_date_ru,
)
from definitions.deadlines.base import _Context, _month_end, _Unreadable, render_message
from definitions.deadlines.dates import _all_in_period, _Item, _overlaps, _start_of
from definitions.deadlines.schedule import Occurrence


def _yearly(
    items: list[_Item], years: range | None, every_from: int | None, context: _Context
) -> list[Occurrence]:
    """«ежегодно …»: each item once a year, in the given years or those of the period."""
    period_years = range(context.period_start.year, context.period_end.year + 1)
    if not items:
        # Bare «ежегодно»: by the end of each calendar year, the last one cut at the period's end.
        context.notes.append(render_message("deadline.note_yearly"))
        if years is not None:
            return [Occurrence(None, date(year, 12, 31)) for year in years]
        if every_from is not None:  # «с 2023 года ежегодно»
            period_years = range(every_from, context.period_end.year + 1)
        return [
            Occurrence(None, min(date(year, 12, 31), context.period_end)) for year in period_years
        ]
    occurrences: list[Occurrence] = []
    for item in items:
        if item.first.following:
            # «ежегодно до 1 апреля года, следующего за отчетным»: a report on each year of the
            # period, due in the year after it.
            reported = years or period_years
            context.notes.append(render_message("deadline.note_reported_each_year"))
            occurrences.extend(item.occurrence(year + 1) for year in reported)
            continue
        if item.has_year:
            # A dated first occurrence («с апреля 2023 ежегодно», «до 15.01.2022 с последующим
            # ежегодным обновлением») always stands; the repeats run to the end of the period.
            plain = replace(item, prefix="plain") if item.is_open else item
            _, _, base_year = plain.span()
            occurrences.append(plain.occurrence())
            last_year = years[-1] if years else context.period_end.year
            first_repeat = every_from if every_from is not None else base_year + 1
            for year in range(max(first_repeat, base_year + 1), last_year + 1):
                repeat = plain.shifted(year - base_year).occurrence()
                if years is not None or _overlaps(repeat, context):
                    occurrences.append(repeat)
        else:
            plain = replace(item, prefix="plain") if item.is_open else item
            candidates = years or range(context.period_start.year - 1, context.period_end.year + 1)
            for year in candidates:
                if every_from is not None and year < every_from:
                    continue  # «с 2023 г. ежегодно (июнь, декабрь)» starts in 2023
                occurrence = plain.occurrence(year)
                if (
                    every_from is not None
                    and (occurrence.start or occurrence.due).year < every_from
                ):
                    continue
                if years is not None or _overlaps(occurrence, context):
                    occurrences.append(occurrence)
    return occurrences


# The spans a quarterly or monthly recurrence can run over when given as one unit.
_WINDOW_UNITS = {
    "half": frozenset({"year", "school"}),
    "quarter": frozenset({"year", "half", "school"}),
    "month": frozenset({"year", "half", "quarter", "school"}),
}


_UNIT_MONTHS = {"half": 6, "quarter": 3, "month": 1}


def _every_unit(
    unit: str, items: list[_Item], years: range | None, context: _Context
) -> list[Occurrence]:
    """«ежеквартально», «ежемесячно»: each quarter or month of a window, cut to the window."""
    days = [item for item in items if item.first.unit == "dom"]
    items = [item for item in items if item.first.unit != "dom"]
    if len(days) > 1:
        raise _Unreadable(code="deadline.several_days_of_month", example="«ежемесячно до 20 числа»")
    if not items:
        if years is not None:
            start, end = date(years[0], 1, 1), date(years[-1], 12, 31)
        else:
            start, end = context.period_start, context.period_end
    elif len(items) == 1 and items[0].is_open:
        start, end = _start_of(items[0], context), context.period_end
    elif (
        len(items) == 1
        and items[0].prefix in ("plain", "during", "from")
        and (items[0].last is not None or items[0].first.unit in _WINDOW_UNITS[unit])
    ):
        occurrence = (
            items[0].occurrence() if items[0].has_year else _all_in_period(items[0], context)[0]
        )
        start, end = occurrence.start or occurrence.due, occurrence.due
    else:
        raise _Unreadable(
            code="deadline.recurrence_window",
            example="«с января 2023 ежеквартально», «ежемесячно в течение 2023 года»",
        )
    if start > end:
        raise _Unreadable(
            code="deadline.start_after_end",
            end=format_date_ru(end),
            example="«с января 2023 ежеквартально»",
        )
    months = _UNIT_MONTHS[unit]
    day = days[0].first if days else None
    if day is not None and not day.following and unit != "month":
        raise _Unreadable(
            code=(
                "deadline.which_month_of_quarter"
                if unit == "quarter"
                else "deadline.which_month_of_half"
            ),
            day=day.number,
            example="«ежеквартально до 5 числа месяца, следующего за отчетным»",
        )
    occurrences: list[Occurrence] = []
    month_index = (start.year * 12 + start.month - 1) // months * months
    while True:
        year, month = divmod(month_index, 12)
        unit_start = date(year, month + 1, 1)
        if unit_start > end:
            return occurrences
        if day is None:
            last_year, last_month = divmod(month_index + months - 1, 12)
            unit_end = _month_end(last_year, last_month + 1)
            occurrences.append(Occurrence(max(unit_start, start), min(unit_end, end)))
        else:
            # the day in this month, or in the month after the reported unit
            due_year, due_month = divmod(month_index + (months if day.following else 0), 12)
            due_end = _month_end(due_year, due_month + 1)
            due = due_end.replace(day=min(day.number, due_end.day))
            if due >= start and (day.following or due <= end):
                occurrences.append(Occurrence(None, due))
        month_index += months
