"""Terminal tables (rich) for the CLI."""

from __future__ import annotations

from collections.abc import Mapping

from common.messages import render_message
from common.russian import format_date_ru, format_schedule_ru
from definitions.deadlines import Schedule
from definitions.schema import Roadmap
from engine.states import STATE_PRIORITY as _PRIORITY
from engine.states import cell_state


def _dates(schedule: Schedule) -> str:
    if schedule.kind == "unscheduled":
        return "по отдельному графику (даты назначит координатор)"
    return format_schedule_ru(schedule, separator="\n")


def render_roadmap_table(roadmap: Roadmap, schedules: dict[str, Schedule]) -> None:
    """Print a roadmap as a table: code, title, deadline phrase, resolved dates, who, scope."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{roadmap.title}\n{format_date_ru(roadmap.period.start)} – {format_date_ru(roadmap.period.end)}",
        show_lines=True,
    )
    for column in ("№", "Мероприятие", "Срок (как в источнике)", "Даты", "Ответственные", "Кто"):
        table.add_column(column)
    for step in roadmap.steps:
        table.add_row(
            step.code,
            step.title,
            step.deadline or "—",
            _dates(schedules[step.code]),
            step.responsible,
            {"school": "каждая ОО", "both": "муниципалитет и каждая ОО"}.get(
                step.scope, "муниципалитет"
            ),
        )
    Console(width=max(Console().width, 160)).print(table)


SYMBOLS = {
    "done": ("✓", "green"),
    "done_late": ("✔", "yellow"),
    "not_applicable": ("—", "dim"),
    "overdue": ("✗", "bold red"),
    "due_soon": ("◐", "yellow"),
    "blocked": ("◌", "dim"),
    "open": ("○", ""),
}


def render_status(status: object, schools: Mapping[str, object]) -> None:
    """Print a run as a steps × schools matrix (steps down, schools across) with counts both ways."""
    from collections import Counter, defaultdict

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from engine.runs import run_definition
    from engine.status import RunStatus

    assert isinstance(status, RunStatus)
    steps = run_definition(status.run)[0].roadmap.steps
    titles = {step.code: step.title for step in steps}
    present = {view.code for view in status.views}
    codes = [step.code for step in steps if step.code in present]
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for view in status.views:
        cells[(view.school or "", view.code)].append(view.state)
    units = [""] + sorted({view.school for view in status.views if view.school})
    table = Table(
        title=f"{status.run.title}\nна {format_date_ru(status.today)}", title_justify="left"
    )
    table.add_column("№", no_wrap=True, min_width=5)
    table.add_column("мероприятие", width=34, no_wrap=True, overflow="ellipsis")
    for unit in units:
        table.add_column(
            "МО" if not unit else unit[:8], justify="center", no_wrap=True, min_width=2
        )
    table.add_column("выполнено", justify="right", no_wrap=True, min_width=9)
    per_unit: dict[str, Counter[str]] = defaultdict(Counter)
    for code in codes:
        row: list[Text | str] = [code, titles.get(code, "")]
        for unit in units:
            if (unit, code) not in cells:
                row.append("")
                continue
            state = cell_state(cells[(unit, code)])
            per_unit[unit][state] += 1
            symbol, style = SYMBOLS[state]
            row.append(Text(symbol, style=style))
        done, total = status.rollup(code)
        if total:
            row.append(f"{done} из {total}")
        else:
            municipal = cells.get(("", code), [])
            row.append(
                "да"
                if municipal and cell_state(municipal) in ("done", "done_late", "not_applicable")
                else "нет"
            )
        table.add_row(*row)
    table.add_section()
    table.add_row("", "просрочено", *[str(per_unit[u]["overdue"]) for u in units], "", style="bold")
    console = Console(width=max(Console().width, 64 + sum(3 + max(2, len(u[:8])) for u in units)))
    console.print(table)
    names = ", ".join(
        f"{unit[:8]} — {getattr(schools.get(unit), 'short_name', unit)}" for unit in units if unit
    )
    console.print(render_message("cli.table_units", units=names), highlight=False)
    labels = {
        "done": "в срок",
        "done_late": "с опозданием",
        "overdue": "просрочено",
        "due_soon": "срок скоро",
        "open": "открыто",
        "blocked": "ждёт предыдущего шага",
        "not_applicable": "неприменимо",
    }
    legend = "  ".join(f"{SYMBOLS[s][0]} {label}" for s, label in labels.items())
    console.print(legend, highlight=False)
    totals = status.counts()
    counts = ", ".join(
        f"{labels.get(state, state)} — {totals[state]}" for state in _PRIORITY if totals[state]
    )
    console.print(render_message("cli.table_totals", counts=counts), highlight=False)
