"""Lint a roadmap as the coordinator should see it: warnings that do not stop it from running."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from common.messages import render_message
from common.russian import format_date_ru as _ru_date
from definitions.catalogue import DOCUMENTS, ROLES
from definitions.deadlines import Schedule
from definitions.loader import RoadmapFile


@dataclass(frozen=True)
class Warning_:
    """A lint finding: file:line and what looks wrong."""

    where: str
    message: str

    def __str__(self) -> str:
        return render_message("lint.warning", place=self.where, message=self.message)


def _written_due(schedule: Schedule) -> date | None:
    """The first due date as the source wrote it (before a move off a day off)."""
    if not schedule.occurrences:
        return None
    first = schedule.occurrences[0]
    return first.moved_from or first.due


def lint_roadmap(loaded: RoadmapFile, schedules: dict[str, Schedule]) -> list[Warning_]:
    """Warnings for a validated, compiled roadmap, in file order."""
    roadmap = loaded.roadmap
    found: list[tuple[int, Warning_]] = []

    def warn(loc: tuple[str | int, ...], message: str) -> None:
        found.append((loaded.line_of(*loc), Warning_(loaded.where(*loc), message)))

    period = roadmap.period
    for index, step in enumerate(roadmap.steps):
        schedule = schedules[step.code]
        for occurrence in schedule.occurrences:
            # the source's own dates: a term moved off a day off may end after the period
            written_due = occurrence.moved_from or occurrence.due
            dates = {"start": _ru_date(period.start), "end": _ru_date(period.end)}
            if occurrence.start is not None and not period.start <= occurrence.start <= period.end:
                warn(
                    ("steps", index, "deadline"),
                    render_message(
                        "lint.starts_outside",
                        step=step.code,
                        day=_ru_date(occurrence.start),
                        **dates,
                    ),
                )
            elif written_due is not None and not period.start <= written_due <= period.end:
                warn(
                    ("steps", index, "deadline"),
                    render_message(
                        "lint.due_outside", step=step.code, day=_ru_date(written_due), **dates
                    ),
                )
        first_due = _written_due(schedule)
        for dep_index, dep in enumerate(step.depends_on):
            dep_schedule = schedules.get(dep)
            if first_due is None or dep_schedule is None or not dep_schedule.occurrences:
                continue
            dep_due = _written_due(dep_schedule)
            assert dep_due is not None
            if first_due < dep_due:
                warn(
                    ("steps", index, "depends_on", dep_index),
                    render_message(
                        "lint.before_dependency",
                        step=step.code,
                        due=_ru_date(first_due),
                        dependency=dep,
                        dependency_due=_ru_date(dep_due),
                    ),
                )
        for role_index, role in enumerate(step.roles):
            if role not in ROLES:
                warn(
                    ("steps", index, "roles", role_index),
                    render_message("lint.unknown_role", step=step.code, role=repr(role)),
                )
        for doc_index, document in enumerate(step.documents):
            if document not in DOCUMENTS:
                warn(
                    ("steps", index, "documents", doc_index),
                    render_message(
                        "lint.unknown_document", step=step.code, document=repr(document)
                    ),
                )
        if (
            step.scope == "school"
            and step.roles
            and all(ROLES.get(role, ("school", ""))[0] == "municipal" for role in step.roles)
        ):
            warn(
                ("steps", index, "scope"),
                render_message("lint.school_step_municipal_roles", step=step.code),
            )
    found.sort(key=lambda pair: pair[0])
    return [warning for _, warning in found]
