"""Terminal tables (rich) for the CLI."""

from __future__ import annotations

from definitions.deadlines import Schedule
from definitions.schema import Roadmap
from nastavnik.russian import format_date_ru


def _dates(schedule: Schedule) -> str:
    if schedule.kind == "unscheduled":
        return "по отдельному графику (даты назначит координатор)"
    parts = []
    for occurrence in schedule.occurrences:
        start = format_date_ru(occurrence.start) + " – " if occurrence.start else "до "
        parts.append(start + format_date_ru(occurrence.due))
    return "\n".join(parts)


def render_roadmap_table(roadmap: Roadmap, schedules: dict[str, Schedule]) -> None:
    """Print a roadmap as a table: code, title, deadline phrase, resolved dates, who, scope."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{roadmap.title}\n{format_date_ru(roadmap.period.start)} – {format_date_ru(roadmap.period.end)}",
                  show_lines=True)
    for column in ("№", "Мероприятие", "Срок (как в источнике)", "Даты", "Ответственные", "Кто"):
        table.add_column(column)
    for step in roadmap.steps:
        table.add_row(
            step.code,
            step.title,
            step.deadline,
            _dates(schedules[step.code]),
            step.responsible,
            "каждая ОО" if step.scope == "school" else "муниципалитет",
        )
    Console().print(table)
