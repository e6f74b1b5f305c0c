"""Commands on roadmap definitions: check, deadline, roadmap list/show, schema (no database
needed, except to list the versions published in the portal)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from common.errors import NastavnikError
from nastavnik.cli_shared import (
    _engine,
    _extra_dir,
    _fail,
    _parse_day,
    _parse_period,
    _print_json,
    _say,
    _stored,
)

roadmap_app = typer.Typer(help="Дорожные карты, известные nastavnik.", no_args_is_help=True)


def check(
    files: Annotated[
        list[Path], typer.Argument(metavar="ФАЙЛ...", help="Файлы описаний дорожных карт (YAML).")
    ],
) -> None:
    """Проверить описания дорожных карт; код выхода 1 при ошибках, 0 — если только предупреждения."""
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
        warnings: list[object] = [*lint_roadmap(loaded, schedules)]
        warnings += [f"{path}: {text}" for text in _unit_warnings(loaded.roadmap)]
        for warning in warnings:
            typer.echo(str(warning), err=True)
        roadmap = loaded.roadmap
        typer.echo(
            _say(
                "cli.checked",
                path=path,
                roadmap=roadmap.id,
                steps=len(roadmap.steps),
                occurrences=sum(len(s.occurrences) for s in schedules.values()),
                warnings=len(warnings),
            )
        )
    raise typer.Exit(1 if failed else 0)


def _unit_warnings(roadmap: Any) -> list[str]:
    """Unit roles of the roadmap's municipal steps with no unit address in the database, in
    Russian; none when the database is not set up (a check needs no database)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session, col, select

    from common.messages import render_message
    from common.settings import get_settings
    from engine.units import missing_units, units_by_role
    from storage.db import current_revision
    from storage.models import Municipality

    url = make_url(get_settings().db)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return []
    try:
        engine = _engine()
        if current_revision(engine) is None:
            return []
        with Session(engine) as session:
            first = select(Municipality).order_by(col(Municipality.id))
            municipality = session.exec(first).first()
            if municipality is None:
                return []
            units = units_by_role(session, municipality_id=municipality.id or 0)
    except SQLAlchemyError:  # a database of an older version: `nastavnik init` upgrades it
        return []
    return [
        render_message("cli.warning", message=missing.message)
        for missing in missing_units(roadmap, units)
    ]


def deadline(
    phrase: Annotated[
        str, typer.Argument(metavar="ФРАЗА", help="Фраза срока, например «до 15 мая 2022 г.».")
    ],
    period: Annotated[str, typer.Option(help="Период дорожной карты, ГГГГ-ММ-ДД:ГГГГ-ММ-ДД.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Вывести сроки в формате JSON (календарные даты).")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Объяснить, как прочитана фраза.")
    ] = False,
    anchor: Annotated[
        str | None,
        typer.Option(help="День события, от которого отсчитывается срок, ГГГГ-ММ-ДД."),
    ] = None,
    keep_calendar_dates: Annotated[
        bool,
        typer.Option(
            help="Оставить срок, выпавший на выходной (по умолчанию — следующий рабочий день)."
        ),
    ] = False,
) -> None:
    """Перевести фразу срока в даты; код выхода 2, если фраза не читается."""
    from common.russian import format_date_ru, format_due_ru
    from definitions.deadlines import explain_deadline, move_days_off, parse_deadline

    start, end = _parse_period(period)
    anchor_day = _parse_day(anchor, "--anchor")
    try:
        schedule = parse_deadline(phrase, period_start=start, period_end=end, anchor=anchor_day)
    except NastavnikError as error:
        _fail(error, code=2)
    if as_json:
        _print_json(schedule.to_json())
        return
    if explain:
        typer.echo(
            explain_deadline(
                phrase,
                period_start=start,
                period_end=end,
                anchor=anchor_day,
                keep_calendar_dates=keep_calendar_dates,
            )
        )
        return
    if not keep_calendar_dates:
        schedule = move_days_off(schedule)
    typer.echo(_say("cli.occurrences", kind=schedule.kind, count=len(schedule.occurrences)))
    for occurrence in schedule.occurrences:
        begin = format_date_ru(occurrence.start) if occurrence.start else "—"
        typer.echo(f"  {begin} … {format_due_ru(occurrence.due, occurrence.moved_from)}")


def roadmap_list(
    as_json: Annotated[bool, typer.Option("--json", help="Вывести в формате JSON.")] = False,
) -> None:
    """Дорожные карты, известные nastavnik."""
    from definitions.loader import load_roadmaps

    try:
        loaded = load_roadmaps(_extra_dir(), _stored())
    except NastavnikError as error:
        _fail(error)
    rows: list[dict[str, Any]] = [
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
        typer.echo(
            f"{row['id']:<24} {row['period']['start']} – {row['period']['end']}  {row['title']}"
        )


def roadmap_show(
    roadmap_id: Annotated[str, typer.Argument(metavar="КАРТА", help="Код дорожной карты.")],
) -> None:
    """Дорожная карта таблицей с рассчитанными датами."""
    from definitions.compiler import compile_roadmap
    from definitions.loader import find_roadmap
    from nastavnik.tables import render_roadmap_table

    try:
        loaded = find_roadmap(roadmap_id, _extra_dir(), _stored())
        schedules = compile_roadmap(loaded)
    except NastavnikError as error:
        _fail(error)
    render_roadmap_table(loaded.roadmap, schedules)


def schema() -> None:
    """Вывести схему JSON описаний дорожных карт."""
    from definitions.schema import roadmap_json_schema

    _print_json(roadmap_json_schema())
