"""`nastavnik roadmap import`: a municipality's own table → a draft definition (typer only here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from common.errors import NastavnikError
from nastavnik.cli_shared import _fail, _say


def roadmap_import(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="ФАЙЛ", help="DOCX, XLSX, ODS, PDF (с текстом) или текст с табуляциями."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Записать черновик описания (YAML) в этот файл.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Вывести черновик в формате JSON.")
    ] = False,
    roles: Annotated[
        Path | None,
        typer.Option("--roles", help="Своя таблица ответственных муниципалитета (roles.yaml)."),
    ] = None,
    roadmap_id: Annotated[str | None, typer.Option("--id", help="Код черновика.")] = None,
    municipality: Annotated[
        str | None,
        typer.Option("--municipality", help="Муниципалитет, например «Белоярский район»."),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="Часовой пояс из базы IANA, например «Asia/Yekaterinburg»."),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            help="«school» (школьный) или «municipal» (муниципальный); по умолчанию — по заголовку.",
        ),
    ] = None,
) -> None:
    """Импортировать таблицу дорожной карты муниципалитета; назвать каждую нераспознанную ячейку."""
    from definitions.importing import import_roadmap_file, write_draft

    if level not in (None, "school", "municipal"):
        _fail(_say("cli.import_level", level=level), code=2)
    try:
        result = import_roadmap_file(
            file,
            roles_file=roles,
            roadmap_id=roadmap_id,
            municipality=municipality,
            timezone=tz,
            level=level,
        )
        if out is not None:
            write_draft(result, out)
    except NastavnikError as error:
        _fail(error)
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        steps = result.definition["steps"]
        for step in steps:
            reading = result.readings.get(step["code"], "")
            typer.echo(
                f"{step['code']:<8} {step['title'][:60]:<60}  "
                f"{(step.get('deadline') or '—')[:30]:<30}  {reading}"
            )
    for problem in result.problems:
        typer.echo(f"{file}: {problem}", err=True)
    target = _say("import.draft_at", path=out) if out is not None else ""
    typer.echo(
        _say(
            "import.read",
            path=file,
            steps=len(result.definition["steps"]),
            sections=len(result.definition["sections"]),
            problems=len(result.problems),
            draft=target,
        ),
        err=as_json,
    )


def roadmap_export(
    roadmap_id: Annotated[str, typer.Argument(metavar="КАРТА", help="Код дорожной карты.")],
    version: Annotated[
        int | None,
        typer.Option("--version", help="Версия из базы данных (по умолчанию последняя)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Записать YAML в этот файл, а не выводить.")
    ] = None,
) -> None:
    """Описание дорожной карты в YAML: версия из редактора портала или файл дорожной карты."""
    from definitions.loader import find_roadmap
    from nastavnik.cli_shared import _engine, _extra_dir, _stored
    from storage.roadmap_versions import version_of

    text: str | None = None
    published = _stored()
    if version is not None or any(item[0] == roadmap_id for item in published):
        from sqlmodel import Session

        with Session(_engine()) as session:
            try:
                row = version_of(session=session, roadmap_id=roadmap_id, version=version)
            except Exception:  # no database or an old one: nothing was edited in the portal
                row = None
        if row is None:
            if version is None:
                _fail(_say("cli.no_edited_version", roadmap=roadmap_id))
            _fail(_say("cli.no_version", roadmap=roadmap_id, version=version))
        text = row.definition
    else:
        try:
            text = find_roadmap(roadmap_id, _extra_dir(), published).text
        except NastavnikError as error:
            _fail(error)
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(_say("import.written", roadmap=roadmap_id, path=out), err=True)
