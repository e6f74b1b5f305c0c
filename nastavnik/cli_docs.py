"""`nastavnik docs …`: list, render and check document templates (a thin shell over documents/).

Only typer is imported at the top, so `nastavnik --help` stays fast. Missing data is answered in
one Russian message listing every missing field and where it comes from; `--draft` renders with
blanks for the hand instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from common.errors import NastavnikError

docs_app = typer.Typer(
    help="Documents from templates (приказы, положения, справки).", no_args_is_help=True
)


@docs_app.command("list")
def docs_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The document templates nastavnik can render."""
    from documents.templates import list_templates

    templates = list_templates()
    if as_json:
        typer.echo(json.dumps(templates, ensure_ascii=False, indent=2))
        return
    for item in templates:
        typer.echo(f"{item['id']:<32} {item['scope']:<13} {item['title']}")


@docs_app.command("render")
def docs_render(
    template: Annotated[str, typer.Argument(help="Template id (see `nastavnik docs list`).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the .docx/.xlsx.")],
    school: Annotated[str | None, typer.Option("--school", help="School id.")] = None,
    step: Annotated[
        str | None, typer.Option("--step", help="The step the document closes (attaches it).")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="JSON/YAML with more fields (nested or dotted: organisation.place), "
            "or a CSV of pairs.",
        ),
    ] = None,
    roadmap: Annotated[
        str | None, typer.Option("--roadmap", help="Roadmap id (default: the only one).")
    ] = None,
    draft: Annotated[
        bool,
        typer.Option(
            "--draft",
            help="Leave blanks for missing data («№ ____», «« __ » ________ 20__ г.») and mark "
            "the file a draft.",
        ),
    ] = False,
    by: Annotated[str, typer.Option(help="Who renders it (recorded).")] = "cli",
    now: Annotated[
        str | None,
        typer.Option(
            "--now", help="Simulate this moment: YYYY-MM-DD (09:00 local) or YYYY-MM-DDTHH:MM."
        ),
    ] = None,
) -> None:
    """Render a document with the database's municipality, school and roadmap data."""
    from sqlmodel import select

    from common.settings import get_settings
    from documents.from_db import read_extra, render_for_step
    from documents.missing import check_data_keys, explain_missing, unflatten
    from documents.render import MissingData
    from documents.templates import get_template
    from engine.runs import find_run
    from nastavnik.cli_shared import _engine, _municipal_tz, parse_now
    from storage.db import session_scope
    from storage.models import RoadmapRun

    spec = get_template(template)
    if out.suffix.lower() != f".{spec.format}":
        raise NastavnikError(
            f"документ «{spec.title}» — файл .{spec.format}: имя должно оканчиваться на "
            f".{spec.format} (а не «{out.suffix or 'без расширения'}»)",
            where="--out",
        )
    extra = read_extra(data)
    if data is not None:
        check_data_keys(template, unflatten(extra), where=str(data))
    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    try:
        with session_scope(engine) as session:
            run = None
            if roadmap is not None or step is not None:
                run = find_run(session, roadmap)
            else:
                runs = list(session.exec(select(RoadmapRun)))
                run = runs[0] if len(runs) == 1 else None
            rendered = render_for_step(
                session=session,
                template_id=template,
                out=out,
                now=moment,
                by=by,
                school_id=school,
                run=run,
                step_code=step,
                extra=extra,
                templates_dir=get_settings().templates_dir,
                draft=draft,
            )
    except MissingData as error:
        typer.echo(explain_missing(error.template_id, error.fields), err=True)
        raise typer.Exit(1) from None
    label = " (черновик)" if draft else ""
    typer.echo(f"{rendered.path}{label} (sha256 {rendered.sha256[:12]})")


@docs_app.command("check")
def docs_check(
    file: Annotated[Path, typer.Argument(help="A municipality's own .docx template.")],
    template: Annotated[
        str | None,
        typer.Option(
            "--template", help="Template id (default: the file's name, e.g. order_pairs)."
        ),
    ] = None,
) -> None:
    """Check an own template: fields it uses that the data does not supply, and ones it could use."""
    from documents.template_schemas import check_template

    if not file.is_file():
        raise NastavnikError("нет такого файла", where=str(file))
    result = check_template(file, template_id=template)
    if result.unknown:
        typer.echo(
            f"{file}: шаблон использует поля, которых нет в данных документа «{result.template_id}»: "
            + ", ".join(result.unknown),
            err=True,
        )
    if result.unused:
        typer.echo(f"{file}: можно использовать ещё: {', '.join(result.unused)}")
    typer.echo("Схема данных: docs/documents.md")
    if result.unknown:
        raise typer.Exit(1)
    typer.echo(f"{file}: ок, все поля шаблона есть в данных")
