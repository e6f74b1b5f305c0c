"""What a phrase compiles to: :class:`Schedule` of :class:`Occurrence` date ranges, and the
:class:`RelativeTerm` of a term counted from an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from common.russian import (
    plural_ru,
)
from definitions.deadlines.base import _add_months
from definitions.workdays import add_working_days

# relative: a term counted from an event that has not happened yet (no dates until it does).
Kind = Literal["once", "recurring", "continuous", "unscheduled", "relative"]


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One inclusive date range a step must be done in; ``start`` is None when only the due date is fixed."""

    start: date | None
    due: date
    # The calendar end of the term when it fell on a day off and ``due`` is the next working day.
    moved_from: date | None = None

    def to_json(self) -> dict[str, str | None]:
        """The occurrence as ISO dates (``moved_from`` only when the due date was moved)."""
        data = {
            "start": self.start.isoformat() if self.start else None,
            "due": self.due.isoformat(),
        }
        if self.moved_from is not None:
            data["moved_from"] = self.moved_from.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class RelativeTerm:
    """A term counted from an event: «в течение 10 рабочих дней после издания приказа».

    ``after`` is what the phrase says the event is («издания приказа»), empty when it says nothing.
    """

    count: int
    unit: Literal["day", "week", "month"]
    working: bool = False
    after: str = ""

    def due_from(self, anchor: date) -> date:
        """The last day of the term when the event happened on ``anchor`` (that day not counted)."""
        if self.unit == "day":
            if self.working:
                return add_working_days(anchor, self.count)
            return anchor + timedelta(days=self.count)
        if self.unit == "week":
            return anchor + timedelta(weeks=self.count)
        return _add_months(anchor, self.count)

    def describe(self) -> str:
        """«10 рабочих дней», «3 месяца», «2 недели» — the term in Russian."""
        count = self.count
        if self.unit == "day":
            kind = "рабочих " if self.working else "календарных " if count > 1 else ""
            if self.working and count % 10 == 1 and count % 100 != 11:
                kind = "рабочий "
            return f"{count} {kind}{plural_ru(count, 'день', 'дня', 'дней')}"
        if self.unit == "week":
            return f"{count} {plural_ru(count, 'неделя', 'недели', 'недель')}"
        return f"{count} {plural_ru(count, 'месяц', 'месяца', 'месяцев')}"

    def to_json(self) -> dict[str, Any]:
        """The term as JSON-ready data."""
        return {
            "count": self.count,
            "unit": self.unit,
            "working": self.working,
            "after": self.after,
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    """A compiled deadline: the phrase as written, its kind and its occurrences in date order."""

    phrase: str
    kind: Kind
    occurrences: tuple[Occurrence, ...]
    # A relative term («в течение 10 рабочих дней после …»): its dates come from its anchor.
    term: RelativeTerm | None = None
    # The written rules the reading applied, in Russian («год не указан: повторяется каждый год»).
    notes: tuple[str, ...] = ()
    # How a recurrence was read, in Russian: «ежемесячно, до 20-го числа».
    reading: str = ""

    def to_json(self) -> dict[str, Any]:
        """The schedule as JSON-ready data: phrase, kind, ISO-dated occurrences (and term, notes)."""
        data: dict[str, Any] = {
            "phrase": self.phrase,
            "kind": self.kind,
            "occurrences": [occurrence.to_json() for occurrence in self.occurrences],
        }
        if self.term is not None:
            data["term"] = self.term.to_json()
        if self.notes:
            data["notes"] = list(self.notes)
        return data


def _occurrence_order(occurrence: Occurrence) -> tuple[date, date]:
    """By due date, then start; an open start sorts as its due date."""
    return (occurrence.due, occurrence.start or occurrence.due)


_Compiled = tuple[Kind, list[Occurrence], RelativeTerm | None]
