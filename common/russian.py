"""Russian text helpers shared by the CLI, letters, pages and documents: dates and plurals."""

from __future__ import annotations

from datetime import date

MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
MONTHS_NOMINATIVE = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


def format_date_ru(day: date) -> str:
    """«15 мая 2022 г.» — the date as Russian documents and letters write it."""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def format_date_numeric(day: date) -> str:
    """«15.05.2022» — the date requisite of an order (ГОСТ Р 7.0.97)."""
    return day.strftime("%d.%m.%Y")


def plural_ru(count: int, one: str, few: str, many: str) -> str:
    """The noun form for a count: 1 день, 2 дня, 5 дней (11–14 take the «many» form)."""
    tail = abs(count) % 100
    if 11 <= tail <= 14:
        return many
    last = tail % 10
    if last == 1:
        return one
    if 2 <= last <= 4:
        return few
    return many


def working_days_ru(count: int) -> str:
    """«3 рабочих дня», «1 рабочий день», «5 рабочих дней»."""
    return f"{count} " + plural_ru(count, "рабочий день", "рабочих дня", "рабочих дней")


def format_decimal_ru(value: float, *, digits: int = 1) -> str:
    """«45,5», «100» — a number with a decimal comma and no trailing «,0», as Russian text writes it."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return text.replace(".", ",") if text != "-0" else "0"


WEEKDAYS_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def format_due_ru(due: date, moved_from: date | None = None) -> str:
    """«16 мая 2022 г.», or for a term moved off a day off «15 мая 2022 г. (вс) → 16 мая»."""
    if moved_from is None:
        return format_date_ru(due)
    moved = f"{due.day} {MONTHS_GENITIVE[due.month - 1]}"
    if due.year != moved_from.year:
        moved += f" {due.year} г."
    return f"{format_date_ru(moved_from)} ({WEEKDAYS_SHORT[moved_from.weekday()]}) → {moved}"


def format_schedule_ru(schedule: object, *, separator: str = "; ") -> str:
    """A compiled schedule's dates in Russian: «1 марта 2022 г. – 30 апреля 2022 г.», «до 15 мая 2022 г.»."""
    if getattr(schedule, "kind", None) == "unscheduled":
        return "по отдельному графику"
    term = getattr(schedule, "term", None)
    if getattr(schedule, "kind", None) == "relative" and term is not None:
        after = f" после: {term.after}" if term.after else " после события"
        return f"{term.describe()}{after} (даты — когда оно произойдёт)"
    parts = []
    for occurrence in getattr(schedule, "occurrences", ()):
        prefix = format_date_ru(occurrence.start) + " – " if occurrence.start else "до "
        parts.append(
            prefix + format_due_ru(occurrence.due, getattr(occurrence, "moved_from", None))
        )
    return separator.join(parts)
