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


SYMBOLS = {
    "done": ("✓", "green"),
    "done_late": ("✓", "yellow"),
    "not_applicable": ("—", "dim"),
    "overdue": ("✗", "bold red"),
    "due_soon": ("◐", "yellow"),
    "blocked": ("◌", "dim"),
    "open": ("○", ""),
}
_PRIORITY = ("overdue", "due_soon", "blocked", "open", "done_late", "done", "not_applicable")


def cell_state(states: list[str]) -> str:
    """One cell for a step's occurrences at a school: the most urgent state among them."""
    return min(states, key=_PRIORITY.index) if states else "open"


def render_status(status: object, schools: dict[str, object]) -> None:
    """Print the schools × steps matrix of a run with counts per row and per column."""
    from collections import Counter, defaultdict

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from engine.status import RunStatus

    assert isinstance(status, RunStatus)
    codes: list[str] = []
    for view in status.views:
        if view.code not in codes:
            codes.append(view.code)
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for view in status.views:
        cells[(view.school or "", view.code)].append(view.state)
    units = [""] + sorted({view.school for view in status.views if view.school})
    table = Table(title=f"{status.run.title} — на {format_date_ru(status.today)}", show_lines=False)
    table.add_column("ОО")
    for code in codes:
        table.add_column(code, justify="center", no_wrap=True)
    table.add_column("просрочено", justify="right")
    table.add_column("выполнено", justify="right")
    for unit in units:
        row_states = [cell_state(cells[(unit, code)]) for code in codes if (unit, code) in cells]
        if not row_states:
            continue
        name = "муниципалитет" if not unit else getattr(schools.get(unit), "short_name", unit)
        row: list[Text | str] = [name]
        for code in codes:
            if (unit, code) not in cells:
                row.append("")
                continue
            symbol, style = SYMBOLS[cell_state(cells[(unit, code)])]
            row.append(Text(symbol, style=style))
        counts = Counter(row_states)
        row.append(str(counts["overdue"]))
        row.append(f"{counts['done'] + counts['done_late'] + counts['not_applicable']}/{len(row_states)}")
        table.add_row(*row)
    footer: list[Text | str] = ["выполнили ОО"]
    for code in codes:
        done, total = status.rollup(code)
        footer.append(f"{done}/{total}" if total else "")
    footer += ["", ""]
    table.add_row(*footer, style="bold")
    console = Console(width=max(Console().width, 34 + 4 * len(codes)))
    console.print(table)
    legend = "  ".join(f"{SYMBOLS[s][0]} {label}" for s, label in (
        ("done", "в срок"), ("done_late", "с опозданием"), ("overdue", "просрочено"), ("due_soon", "срок скоро"),
        ("open", "открыто"), ("blocked", "ждёт предыдущего шага"), ("not_applicable", "неприменимо")))
    console.print(legend)
    totals = status.counts()
    console.print("итого: " + ", ".join(f"{state} {totals[state]}" for state in _PRIORITY if totals[state]))
