"""The day-off rule (ГК РФ ст. 193): a term that ends on a non-working day ends on the next
working day.
"""

from __future__ import annotations

from dataclasses import replace

from definitions.deadlines.schedule import Schedule
from definitions.workdays import is_working_day, next_working_day


def move_days_off(schedule: Schedule) -> Schedule:
    """The schedule with each due date that falls on a day off moved to the next working day.

    ГК РФ ст. 193: when the last day of a term is a non-working day, the term ends on the next
    working day. Continuous and unscheduled schedules have no term end to move; the occurrence
    keeps the calendar date in ``moved_from``.
    """
    if schedule.kind not in ("once", "recurring"):
        return schedule
    moved = []
    changed = False
    for occurrence in schedule.occurrences:
        if occurrence.moved_from is None and not is_working_day(occurrence.due):
            changed = True
            moved.append(
                replace(occurrence, due=next_working_day(occurrence.due), moved_from=occurrence.due)
            )
        else:
            moved.append(occurrence)
    return replace(schedule, occurrences=tuple(moved)) if changed else schedule
