"""Compile a roadmap's deadline phrases into schedules (dates), with file:line on failure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from definitions.deadlines import Occurrence, Schedule, parse_deadline
from definitions.loader import RoadmapFile
from definitions.schema import Step
from nastavnik.errors import DeadlineError, DefinitionError


def compile_step(step: Step, *, period_start: date, period_end: date) -> Schedule:
    """The schedule of one step: explicit start/end columns win, else the phrase decides."""
    if step.end is not None:
        return Schedule(
            phrase=step.deadline or "",
            kind="once",
            occurrences=(Occurrence(start=step.start, due=step.end),),
        )
    if step.unscheduled or step.deadline is None:
        # hand-set dates come later (`nastavnik schedule`); the phrase stays as the source wrote it
        return Schedule(phrase=step.deadline or "", kind="unscheduled", occurrences=())
    schedule = parse_deadline(
        step.deadline, period_start=period_start, period_end=period_end, step_start=step.start
    )
    if step.start is not None and len(schedule.occurrences) == 1:
        only = schedule.occurrences[0]
        schedule = replace(schedule, occurrences=(Occurrence(start=step.start, due=only.due),))
    return schedule


def compile_roadmap(loaded: RoadmapFile) -> dict[str, Schedule]:
    """Every step's schedule by code; all unreadable phrases reported at once as file:line."""
    roadmap = loaded.roadmap
    schedules: dict[str, Schedule] = {}
    problems: list[str] = []
    for index, step in enumerate(roadmap.steps):
        try:
            schedules[step.code] = compile_step(
                step, period_start=roadmap.period.start, period_end=roadmap.period.end
            )
        except DeadlineError as error:
            problems.append(
                f"{loaded.where('steps', index, 'deadline')}: step {step.code}: {error}"
            )
    if problems:
        raise DefinitionError("\n".join(problems))
    return schedules
