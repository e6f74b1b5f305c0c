"""The `nastavnik` command: a thin shell that parses input, calls one function, prints.

Heavy imports (Prefect, SQLAlchemy, docx) happen inside the commands that need them, so that
`nastavnik --help`, `deadline` and `check` start fast.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from nastavnik.errors import NastavnikError

app = typer.Typer(
    name="nastavnik",
    help="Roadmaps of the target model of mentorship (целевая модель наставничества), run for every school.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
roadmap_app = typer.Typer(help="Roadmaps nastavnik knows.", no_args_is_help=True)
app.add_typer(roadmap_app, name="roadmap")


def _fail(message: str, *, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _parse_period(text: str) -> tuple[date, date]:
    try:
        start_text, end_text = text.split(":")
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        _fail(f"--period {text!r}: expected YYYY-MM-DD:YYYY-MM-DD", code=2)
    if end < start:
        _fail(f"--period {text!r}: the end is before the start", code=2)
    return start, end


def _extra_dir() -> Path | None:
    from nastavnik.settings import get_settings

    return get_settings().roadmaps_dir


@app.command()
def check(files: Annotated[list[Path], typer.Argument(help="Roadmap definition files (YAML).")]) -> None:
    """Validate roadmap definitions and lint them; exit 1 on errors, 0 with warnings."""
    from definitions.compiler import compile_roadmap
    from definitions.lint import lint_roadmap
    from definitions.loader import load_roadmap

    failed = False
    for path in files:
        try:
            loaded = load_roadmap(path)
            schedules = compile_roadmap(loaded)
        except NastavnikError as error:
            typer.echo(str(error), err=True)
            failed = True
            continue
        warnings = lint_roadmap(loaded, schedules)
        for warning in warnings:
            typer.echo(str(warning), err=True)
        roadmap = loaded.roadmap
        typer.echo(
            f"{path}: ok: {roadmap.id}: {len(roadmap.steps)} steps, "
            f"{sum(len(s.occurrences) for s in schedules.values())} occurrences, "
            f"{len(warnings)} warning(s)"
        )
    raise typer.Exit(1 if failed else 0)


@app.command()
def deadline(
    phrase: Annotated[str, typer.Argument(help="A deadline phrase, e.g. «до 15 мая 2022 г.».")],
    period: Annotated[str, typer.Option(help="The roadmap's period, YYYY-MM-DD:YYYY-MM-DD.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the schedule as JSON.")] = False,
) -> None:
    """Compile one deadline phrase to dates; exit 2 when it cannot be read."""
    from definitions.deadlines import parse_deadline
    from nastavnik.russian import format_date_ru

    start, end = _parse_period(period)
    try:
        schedule = parse_deadline(phrase, period_start=start, period_end=end)
    except NastavnikError as error:
        _fail(str(error), code=2)
    if as_json:
        _print_json(schedule.to_json())
        return
    typer.echo(f"{schedule.kind}: {len(schedule.occurrences)} occurrence(s)")
    for occurrence in schedule.occurrences:
        begin = format_date_ru(occurrence.start) if occurrence.start else "—"
        typer.echo(f"  {begin} … {format_date_ru(occurrence.due)}")


@roadmap_app.command("list")
def roadmap_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The roadmaps nastavnik knows."""
    from definitions.loader import load_roadmaps

    try:
        loaded = load_roadmaps(_extra_dir())
    except NastavnikError as error:
        _fail(str(error))
    rows = [
        {
            "id": item.roadmap.id,
            "title": item.roadmap.title,
            "period": {
                "start": item.roadmap.period.start.isoformat(),
                "end": item.roadmap.period.end.isoformat(),
            },
        }
        for item in loaded
    ]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']:<24} {row['period']['start']} – {row['period']['end']}  {row['title']}")


@roadmap_app.command("show")
def roadmap_show(roadmap_id: Annotated[str, typer.Argument(help="Roadmap id.")]) -> None:
    """The roadmap as a table with its resolved dates."""
    from definitions.compiler import compile_roadmap
    from definitions.loader import find_roadmap
    from nastavnik.tables import render_roadmap_table

    try:
        loaded = find_roadmap(roadmap_id, _extra_dir())
        schedules = compile_roadmap(loaded)
    except NastavnikError as error:
        _fail(str(error))
    render_roadmap_table(loaded.roadmap, schedules)


@app.command()
def schema() -> None:
    """Print the JSON schema of roadmap definitions."""
    from definitions.schema import roadmap_json_schema

    _print_json(roadmap_json_schema())


def parse_now(text: str | None, *, tz: str) -> datetime:
    """`--now` as an aware datetime: a bare date means 09:00 in the municipality's time zone."""
    import pendulum

    if text is None:
        return pendulum.now(tz)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return pendulum.datetime(day.year, day.month, day.day, 9, 0, tz=tz)
        parsed = pendulum.parse(text, tz=tz)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        _fail(f"--now {text!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM", code=2)
    assert isinstance(parsed, datetime)
    return parsed


def main() -> None:
    """Entry point: run the app; user errors are printed without a traceback."""
    try:
        app()
    except NastavnikError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
