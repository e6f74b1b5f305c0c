"""Explanation texts in Russian: how a calendar unit, an item and a whole schedule read
(«ежемесячно, до 20-го числа; 24 раза: первое — …»).
"""

from __future__ import annotations

from common.russian import (
    MONTHS_GENITIVE,
    MONTHS_NOMINATIVE,
    format_date_ru,
    format_due_ru,
    plural_ru,
)
from definitions.deadlines.dates import _Item, _Point
from definitions.deadlines.schedule import Occurrence, Schedule


def _format_occurrence(occurrence: Occurrence) -> str:
    due = format_due_ru(occurrence.due, occurrence.moved_from)
    if occurrence.start is None:
        return f"до {due}"
    if occurrence.start == occurrence.due:
        return due
    return f"{format_date_ru(occurrence.start)} – {due}"


def _summary(schedule: Schedule) -> str:
    """The reading of a compiled schedule in one Russian line."""
    occurrences = schedule.occurrences
    if schedule.kind == "unscheduled":
        return "без дат — сроки назначит координатор (по отдельному графику)"
    if schedule.kind == "relative" and schedule.term is not None:
        after = f"после «{schedule.term.after}»" if schedule.term.after else "после события"
        return (
            f"{schedule.term.describe()} {after}; даты появятся, когда событие произойдёт "
            "(его называет описание шага: предшествующий шаг, запуск или дата)"
        )
    if schedule.term is not None:
        return (
            f"{schedule.term.describe()} с {format_date_ru(occurrences[0].start or occurrences[0].due)}:"
            f" {_format_occurrence(occurrences[0])}"
        )
    if schedule.kind == "continuous" and len(occurrences) == 1:
        return f"постоянно, {_format_occurrence(occurrences[0])}"
    if len(occurrences) == 1:
        return f"один раз, {_format_occurrence(occurrences[0])}"
    head = f"{schedule.reading}; " if schedule.reading else ""
    count = len(occurrences)
    times = f"{count} {plural_ru(count, 'раз', 'раза', 'раз')}"
    if count <= 4:
        listed = "; ".join(_format_occurrence(occurrence) for occurrence in occurrences)
        return f"{head}{times}: {listed}"
    return (
        f"{head}{times}: первое — {_format_occurrence(occurrences[0])} … "
        f"последнее — {_format_occurrence(occurrences[-1])}"
    )


_EVERY_WORDS = {
    "year": "ежегодно",
    "half": "раз в полугодие",
    "quarter": "ежеквартально",
    "month": "ежемесячно",
}


_PREFIX_WORDS = {
    "until": "до ",
    "by": "не позднее ",
    "end": "к концу: ",
    "from": "с ",
    "during": "",
    "at": "на ",
    "plain": "",
}


_ROMAN_WORDS = ("", "I", "II", "III", "IV")


_WEEKDAYS_ACCUSATIVE = (
    "понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье",
)  # fmt: skip


def _describe_point(point: _Point) -> str:
    """A calendar unit in Russian: «20-го числа», «1 апреля», «май», «IV квартал»."""
    year = f" {point.year} г." if point.year is not None else ""
    if point.unit == "dom":
        following = " месяца, следующего за отчетным" if point.following else ""
        return f"{point.number}-го числа{following}"
    if point.unit == "day":
        following = " года, следующего за отчетным" if point.following else ""
        return f"{point.number} {MONTHS_GENITIVE[point.month - 1]}{year}{following}"
    if point.unit == "month":
        return f"{MONTHS_NOMINATIVE[point.month - 1]}{year}"
    if point.unit == "weekday":
        weekday = _WEEKDAYS_ACCUSATIVE[point.weekday]
        return f"{point.number}-й {weekday} {MONTHS_GENITIVE[point.month - 1]}{year}"
    if point.unit == "decade":
        return f"{point.number}-я декада {MONTHS_GENITIVE[point.month - 1]}{year}"
    if point.unit == "quarter":
        return f"{_ROMAN_WORDS[point.number]} квартал{year}"
    if point.unit == "half":
        return f"{_ROMAN_WORDS[point.number]} полугодие{year}"
    if point.unit == "school":
        return f"{point.year}/{point.year + 1} учебный год" if point.year else "учебный год"
    if point.unit == "year":
        return f"{point.year} год" if point.year else "год"
    return str(point.number)


def _describe_item(item: _Item) -> str:
    """An item in Russian: «до 20-го числа», «с 1 по 15 сентября»."""
    text = _describe_point(item.first)
    if item.last is not None:
        text = f"{text} – {_describe_point(item.last)}"
    return _PREFIX_WORDS.get(item.prefix, "") + text
