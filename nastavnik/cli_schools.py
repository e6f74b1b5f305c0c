"""Commands that set up the municipality: init (database, details, units) and its schools."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from common.errors import NastavnikError
from nastavnik.cli_shared import (
    NowOption,
    _engine,
    _fail,
    _municipal_tz,
    _print_json,
    _say,
    parse_now,
)

schools_app = typer.Typer(help="Школы муниципалитета.", no_args_is_help=True)


def init(
    municipality: Annotated[str | None, typer.Option(help="Название муниципалитета.")] = None,
    tz: Annotated[
        str | None, typer.Option(help="Часовой пояс из базы IANA, например «Asia/Yekaterinburg».")
    ] = None,
    coordinator: Annotated[
        str | None, typer.Option(help="Адрес электронной почты муниципального координатора.")
    ] = None,
    head: Annotated[
        str | None,
        typer.Option(help="Адрес электронной почты руководителя органа управления образованием."),
    ] = None,
    committee: Annotated[
        str | None,
        typer.Option(
            help="Полное название органа управления образованием, как в документах "
            "(«Комитет по образованию администрации Белоярского района»)."
        ),
    ] = None,
    place: Annotated[
        str | None, typer.Option(help="Место составления документов, например «г. Белоярский».")
    ] = None,
    coordinator_name: Annotated[
        str | None, typer.Option(help="Фамилия, имя и отчество координатора.")
    ] = None,
    coordinator_position: Annotated[
        str | None,
        typer.Option(help="Должность координатора для документов, например «методист МАУ «БМЦ»»."),
    ] = None,
    head_name: Annotated[
        str | None,
        typer.Option(help="Фамилия, имя и отчество руководителя органа управления образованием."),
    ] = None,
    head_position: Annotated[
        str | None, typer.Option(help="Должность руководителя, например «председатель Комитета».")
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option(
            "--unit",
            help="Подразделение муниципалитета, которому приходят напоминания о его "
            "мероприятиях, РОЛЬ=НАЗВАНИЕ:АДРЕС, например «ИМЦ=МАУ «ИМЦ»:imc@example.ru» (можно "
            "повторить; РОЛЬ — код роли или слово из таблицы ролей: ИМЦ, методический центр, "
            "экспертный совет).",
        ),
    ] = None,
    now: NowOption = None,
) -> None:
    """Создать или обновить базу данных и записать сведения о муниципалитете."""
    from engine.units import parse_unit_spec, save_unit
    from nastavnik.cli_units import describe_unit
    from storage.db import session_scope, upgrade_database
    from storage.schools import check_timezone, get_municipality, init_municipality

    try:  # every --unit is read before the database is touched
        specs = [parse_unit_spec(text) for text in unit or []]
    except NastavnikError as error:
        _fail(str(error), code=2)
    engine = _engine()
    revision = upgrade_database(engine)
    moment = parse_now(now, tz=check_timezone(tz) if tz else "UTC")
    details = {
        "committee_name": committee,
        "place": place,
        "coordinator_name": coordinator_name,
        "coordinator_position": coordinator_position,
        "head_name": head_name,
        "head_position": head_position,
    }
    if municipality or tz or coordinator or head or any(details.values()):
        with session_scope(engine) as session:
            record = init_municipality(
                session=session,
                now=moment,
                name=municipality,
                timezone=tz,
                coordinator=coordinator,
                head=head,
                **{key: value for key, value in details.items() if value},
            )
            typer.echo(_say("cli.municipality", name=record.name, timezone=record.timezone))
    if specs:
        with session_scope(engine) as session:
            municipality_id = get_municipality(session).id or 0
            for spec in specs:
                saved, created = save_unit(
                    session=session,
                    municipality_id=municipality_id,
                    role=spec.role,
                    now=moment,
                    name=spec.name,
                    email=spec.email,
                    active=True,
                )
                what = _say("units.added") if created else _say("units.changed")
                typer.echo(describe_unit(saved, what=what))
    url = engine.url.render_as_string(hide_password=True)
    typer.echo(_say("cli.database", url=url, revision=revision))


@schools_app.command("import")
def schools_import(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="ФАЙЛ",
            help="CSV или XLSX со строкой заголовков: «id», «name», «short_name», «director», "
            "«admin_email».",
        ),
    ],
    now: NowOption = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", help="Применить, не спрашивая, даже если меняются уже известные школы."
        ),
    ] = False,
) -> None:
    """Импортировать школы: показать изменения, спросить, затем применить все строки или ни одной.

    Новые школы добавляются без вопроса; изменение известных (адреса администраторов решают,
    кому приходят эскалации) спрашивает подтверждение в терминале, иначе нужен --yes.
    """
    from storage.db import session_scope
    from storage.schools_diff import apply_schools_import, describe_diff, diff_schools_import

    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    with session_scope(engine) as session:
        diff = diff_schools_import(session=session, path=file, now=moment)
    for line in describe_diff(diff):
        typer.echo(line)
    if diff.changes_existing and not yes:
        if not sys.stdin.isatty():
            _fail(_say("cli.schools_need_yes"))
        if not typer.confirm(_say("schools.confirm"), default=False):
            _fail(_say("cli.nothing_changed"))
    with session_scope(engine) as session:
        _, applied = apply_schools_import(session=session, path=file, now=moment, by="cli")
    typer.echo(
        _say(
            "schools.applied",
            added=len(applied.added),
            changed=len(applied.changed),
            unchanged=applied.unchanged,
        )
    )


@schools_app.command("list")
def schools_list(
    as_json: Annotated[bool, typer.Option("--json", help="Вывести в формате JSON.")] = False,
) -> None:
    """Школы муниципалитета."""
    from sqlmodel import Session, select

    from storage.models import School

    engine = _engine()
    _municipal_tz(engine)
    with Session(engine) as session:
        schools = list(session.exec(select(School).order_by(School.id)))
    if as_json:
        _print_json(
            [
                {
                    "id": s.id,
                    "name": s.name,
                    "short_name": s.short_name,
                    "director": s.director,
                    "admin_email": s.admin_email,
                }
                for s in schools
            ]
        )
        return
    for school in schools:
        typer.echo(f"{school.id:<12} {school.short_name:<40} {school.admin_email}")
