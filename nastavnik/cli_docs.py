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
from common.messages import render_message
from nastavnik.cli_shared import NowOption

docs_app = typer.Typer(
    help="Документы по шаблонам (приказы, положения, справки).", no_args_is_help=True
)


@docs_app.command("list")
def docs_list(
    as_json: Annotated[bool, typer.Option("--json", help="Вывести в формате JSON.")] = False,
) -> None:
    """Шаблоны документов, по которым nastavnik составляет документы."""
    from documents.templates import list_templates

    templates = list_templates()
    if as_json:
        typer.echo(json.dumps(templates, ensure_ascii=False, indent=2))
        return
    for item in templates:
        typer.echo(f"{item['id']:<32} {item['scope']:<13} {item['title']}")


@docs_app.command("render")
def docs_render(
    template: Annotated[
        str, typer.Argument(metavar="ШАБЛОН", help="Код шаблона (см. `nastavnik docs list`).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Куда записать документ (.docx или .xlsx).")],
    school: Annotated[str | None, typer.Option("--school", help="Код школы.")] = None,
    step: Annotated[
        str | None,
        typer.Option(
            "--step",
            help="Мероприятие, которое закрывает документ (документ прикрепляется к нему).",
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="JSON или YAML с дополнительными полями (вложенными или через точку: "
            "«organisation.place») или CSV с парами.",
        ),
    ] = None,
    roadmap: Annotated[
        str | None,
        typer.Option("--roadmap", help="Код дорожной карты (по умолчанию — единственная)."),
    ] = None,
    draft: Annotated[
        bool,
        typer.Option(
            "--draft",
            help="Оставить пропуски вместо недостающих данных («№ ____», «« __ » ________ 20__ г.») "
            "и пометить файл как черновик.",
        ),
    ] = False,
    by: Annotated[str, typer.Option(help="Кто составляет документ (для журнала).")] = "cli",
    now: NowOption = None,
) -> None:
    """Составить документ по данным муниципалитета, школы и дорожной карты из базы данных."""

    from common.settings import get_settings
    from documents.from_db import read_extra, render_for_step
    from documents.missing import check_data_keys, explain_missing, unflatten
    from documents.render import MissingData
    from documents.templates import get_template
    from engine.runs import which_run
    from nastavnik.cli_shared import _engine, _municipal_tz, parse_now
    from storage.db import session_scope
    from storage.journal import Actor
    from storage.models import RoadmapRun

    spec = get_template(template)
    if out.suffix.lower() != f".{spec.format}":
        raise NastavnikError(
            code="documents.out_suffix",
            field="out",
            title=spec.title,
            format=spec.format,
            suffix=out.suffix or render_message("documents.no_suffix"),
        )
    extra = read_extra(data)
    if data is not None:
        check_data_keys(template, unflatten(extra), where=str(data))
    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    try:
        with session_scope(engine) as session:
            # a step needs its run; a document without one takes the only run, if any
            run: RoadmapRun | None
            if roadmap is not None or step is not None:
                run = which_run(session, roadmap_id=roadmap)
            else:
                run = which_run(session, roadmap_id=None, otherwise="none")
            rendered = render_for_step(
                session=session,
                template_id=template,
                out=out,
                now=moment,
                actor=Actor(by, source="cli"),
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
    label = render_message("documents.draft_label") if draft else ""
    typer.echo(
        render_message(
            "documents.rendered", path=rendered.path, label=label, sha256=rendered.sha256[:12]
        )
    )


@docs_app.command("check")
def docs_check(
    file: Annotated[
        Path, typer.Argument(metavar="ФАЙЛ", help="Свой шаблон муниципалитета (.docx).")
    ],
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Код шаблона (по умолчанию — имя файла, например «order_pairs»).",
        ),
    ] = None,
) -> None:
    """Проверить свой шаблон: какие его поля не заполняются данными и какие ещё можно использовать."""
    from documents.template_schemas import check_template

    if not file.is_file():
        raise NastavnikError(code="file.missing", where=str(file))
    result = check_template(file, template_id=template)
    if result.unknown:
        typer.echo(
            render_message(
                "documents.check_unknown",
                file=file,
                template=result.template_id,
                fields=", ".join(result.unknown),
            ),
            err=True,
        )
    if result.unused:
        typer.echo(
            render_message("documents.check_unused", file=file, fields=", ".join(result.unused))
        )
    typer.echo(render_message("documents.check_schema"))
    if result.unknown:
        raise typer.Exit(1)
    typer.echo(render_message("documents.check_ok", file=file))
