"""Compile a roadmap's deadline phrases into schedules (dates), with file:line on failure.

Two rules beyond the phrase itself apply here:
- a relative term («в течение 10 рабочих дней после издания приказа») counts from the step's
  ``anchor``: a prerequisite step's completion or the launch (no dates until then: kind
  ``relative``), or a date; a relative term without an anchor is an error that proposes one;
- a term that ends on a day off moves to the next working day (ГК РФ ст. 193) unless the
  municipality keeps calendar dates (``NASTAVNIK_KEEP_CALENDAR_DATES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from common.errors import DeadlineError, DefinitionError
from common.messages import render_message
from definitions.deadlines import (
    Occurrence,
    Schedule,
    move_days_off,
    parse_deadline,
    propose_anchor,
)
from definitions.loader import RoadmapFile
from definitions.schema import Step

LAUNCH = "launch"


def anchor_date(step: Step) -> date | None:
    """The step's anchor when it is a date (YYYY-MM-DD), else None."""
    if step.anchor is None or step.anchor == LAUNCH:
        return None
    try:
        return date.fromisoformat(step.anchor)
    except ValueError:
        return None


def compile_step(
    step: Step,
    *,
    period_start: date,
    period_end: date,
    keep_calendar_dates: bool | None = None,
    steps: Sequence[Step] = (),
) -> Schedule:
    """The schedule of one step: explicit start/end columns win, else the phrase decides.

    Args:
        step: the step.
        period_start: the first day of the roadmap's period.
        period_end: the last day of the roadmap's period.
        keep_calendar_dates: keep due dates on days off; None reads the setting.
        steps: the roadmap's steps, to check the anchor and to propose one.
    """
    if keep_calendar_dates is None:
        from common.settings import get_settings

        keep_calendar_dates = get_settings().keep_calendar_dates
    if step.end is not None:
        schedule = Schedule(
            phrase=step.deadline or "",
            kind="once",
            occurrences=(Occurrence(start=step.start, due=step.end),),
        )
        return schedule if keep_calendar_dates else move_days_off(schedule)
    if step.unscheduled or step.deadline is None:
        # hand-set dates come later (`nastavnik schedule`); the phrase stays as the source wrote it
        return Schedule(phrase=step.deadline or "", kind="unscheduled", occurrences=())
    schedule = parse_deadline(
        step.deadline,
        period_start=period_start,
        period_end=period_end,
        anchor=anchor_date(step),
        step_start=step.start,
    )
    if schedule.term is not None:
        _check_anchor(step, schedule, steps)
    elif step.anchor is not None:
        raise DeadlineError(
            step.deadline,
            code="deadline.anchor_without_event",
            example="«в течение 10 рабочих дней после издания приказа»",
        )
    if step.start is not None and len(schedule.occurrences) == 1:
        only = schedule.occurrences[0]
        schedule = replace(schedule, occurrences=(Occurrence(start=step.start, due=only.due),))
    return schedule if keep_calendar_dates else move_days_off(schedule)


def _check_anchor(step: Step, schedule: Schedule, steps: Sequence[Step]) -> None:
    """A relative term needs an anchor that exists: a step before it, «launch» or a date."""
    codes = {other.code for other in steps}
    phrase = step.deadline or ""
    if step.anchor is None and step.start is None:
        proposal = propose_anchor(phrase, [(other.code, other.title) for other in steps])
        if proposal == step.code:
            proposal = None
        hint = f'anchor: "{proposal}"' if proposal else render_message("deadline.anchor_example")
        raise DeadlineError(phrase, code="deadline.anchor_needed", example=hint)
    if step.anchor is None or step.anchor == LAUNCH or anchor_date(step) is not None:
        return
    if step.anchor not in codes or step.anchor == step.code:
        raise DeadlineError(
            phrase,
            code="deadline.anchor_unknown",
            anchor=step.anchor,
            example='anchor: "1.2", anchor: launch, anchor: "2023-09-01"',
        )


def compile_roadmap(
    loaded: RoadmapFile, *, keep_calendar_dates: bool | None = None
) -> dict[str, Schedule]:
    """Every step's schedule by code; all unreadable phrases reported at once as file:line."""
    roadmap = loaded.roadmap
    schedules: dict[str, Schedule] = {}
    problems: list[str] = []
    for index, step in enumerate(roadmap.steps):
        try:
            schedules[step.code] = compile_step(
                step,
                period_start=roadmap.period.start,
                period_end=roadmap.period.end,
                keep_calendar_dates=keep_calendar_dates,
                steps=roadmap.steps,
            )
        except DeadlineError as error:
            problems.append(
                render_message(
                    "definition.step_deadline",
                    place=loaded.where("steps", index, "deadline"),
                    step=step.code,
                    problem=error,
                )
            )
    if problems:
        raise DefinitionError("\n".join(problems))
    return schedules
