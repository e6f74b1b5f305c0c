"""Lint a roadmap as the coordinator should see it: warnings that do not stop it from running."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
        return f"{self.where}: предупреждение: {self.message}"


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
            for label, day in (
                ("начинается", occurrence.start),
                ("должен быть выполнен", written_due),
            ):
                if day is not None and not (period.start <= day <= period.end):
                    warn(
                        ("steps", index, "deadline"),
                        f"шаг {step.code} {label} {_ru_date(day)}, вне периода дорожной карты "
                        f"{_ru_date(period.start)} – {_ru_date(period.end)}",
                    )
                    break
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
                    f"шаг {step.code} должен быть выполнен {_ru_date(first_due)}, раньше "
                    f"предшествующего шага {dep} (срок {_ru_date(dep_due)})",
                )
        for role_index, role in enumerate(step.roles):
            if role not in ROLES:
                warn(
                    ("steps", index, "roles", role_index),
                    f"шаг {step.code}: неизвестная роль {role!r} (каталог ролей: docs/roadmaps.md)",
                )
        for doc_index, document in enumerate(step.documents):
            if document not in DOCUMENTS:
                warn(
                    ("steps", index, "documents", doc_index),
                    f"шаг {step.code}: неизвестный вид документа {document!r}",
                )
        if (
            step.scope == "school"
            and step.roles
            and all(ROLES.get(role, ("school", ""))[0] == "municipal" for role in step.roles)
        ):
            warn(
                ("steps", index, "scope"),
                f"шаг {step.code} выполняет каждая школа (scope: school), но все его роли "
                "муниципальные",
            )
    found.sort(key=lambda pair: pair[0])
    return [warning for _, warning in found]
