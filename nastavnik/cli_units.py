"""`nastavnik units …`: municipal units (подразделения) with their own e-mail; over engine/units.py."""

from __future__ import annotations

from typing import Annotated

import typer

from common.errors import NastavnikError
from nastavnik.cli_shared import NowOption

units_app = typer.Typer(
    help="Подразделения муниципалитета (ИМЦ, экспертный совет), которым приходят напоминания.",
    no_args_is_help=True,
)

RoleArgument = Annotated[
    str,
    typer.Argument(
        metavar="РОЛЬ",
        help="Роль подразделения: «methodical_center», «expert_council», «working_group», "
        "«municipal_methodical_association» или слово из таблицы ролей (ИМЦ, экспертный совет).",
    ),
]


def _fail(error: NastavnikError) -> None:
    from common.messages import render_message

    typer.echo(render_message("cli.error", message=error), err=True)
    raise typer.Exit(1)


def describe_unit(unit: object, *, what: str) -> str:
    """One line about a saved unit, in Russian."""
    from common.messages import render_message
    from storage.units import MunicipalUnit

    assert isinstance(unit, MunicipalUnit)
    return render_message(
        "units.saved", name=unit.name, role=unit.role, email=unit.email, what=what
    )


@units_app.command("add")
def units_add(
    role: RoleArgument,
    name: Annotated[
        str | None, typer.Option(help="Название подразделения, как в письмах: «МАУ «ИМЦ»».")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Адрес электронной почты подразделения.")
    ] = None,
    genitive: Annotated[
        str | None,
        typer.Option(
            help="Название в родительном падеже («методического центра»); по умолчанию — название."
        ),
    ] = None,
    dative: Annotated[
        str | None,
        typer.Option(
            help="Название в дательном падеже («методическому центру»); по умолчанию — название."
        ),
    ] = None,
    active: Annotated[
        bool | None,
        typer.Option(
            "--active/--inactive",
            help="Включить или выключить подразделение (выключенное — мероприятия снова у координатора).",
        ),
    ] = None,
    now: NowOption = None,
) -> None:
    """Добавить подразделение или изменить название, адрес или состояние существующего."""
    from engine.units import resolve_unit_role, save_unit
    from nastavnik.cli_shared import _engine, _municipal_tz, parse_now
    from storage.db import session_scope
    from storage.schools import get_municipality

    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    try:
        with session_scope(engine) as session:
            municipality = get_municipality(session)
            unit, created = save_unit(
                session=session,
                municipality_id=municipality.id or 0,
                role=resolve_unit_role(role, where="РОЛЬ"),
                now=moment,
                name=name,
                email=email,
                genitive=genitive,
                dative=dative,
                active=active,
            )
            from common.messages import render_message

            what = render_message("units.added" if created else "units.changed")
            if not unit.active:
                what += render_message("units.off_suffix")
            typer.echo(describe_unit(unit, what=what))
    except NastavnikError as error:
        _where = {"name": "--name", "email": "--email", "role": "РОЛЬ"}
        if error.where in _where:
            error = NastavnikError(error.reason, where=_where[error.where])
        _fail(error)


@units_app.command("list")
def units_list() -> None:
    """Подразделения муниципалитета: роль, название, адрес, состояние."""
    from sqlmodel import Session

    from common.messages import render_message
    from nastavnik.cli_shared import _engine, _municipal_tz
    from storage.schools import get_municipality
    from storage.units import list_units

    engine = _engine()
    _municipal_tz(engine)  # a clear message when the database is not set up
    with Session(engine) as session:
        units = list_units(session, municipality_id=get_municipality(session).id or 0)
        if not units:
            typer.echo(render_message("units.none"))
        for unit in units:
            state = render_message("units.on") if unit.active else render_message("units.off")
            typer.echo(
                render_message(
                    "units.line",
                    role=unit.role,
                    name=unit.name,
                    email=unit.email,
                    state=state,
                )
            )


@units_app.command("remove")
def units_remove(role: RoleArgument, now: NowOption = None) -> None:
    """Удалить подразделение: его мероприятия снова ведёт координатор."""
    from common.messages import render_message
    from engine.units import remove_unit, resolve_unit_role
    from nastavnik.cli_shared import _engine, _municipal_tz, parse_now
    from storage.db import session_scope
    from storage.schools import get_municipality

    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    try:
        with session_scope(engine) as session:
            unit = remove_unit(
                session=session,
                municipality_id=get_municipality(session).id or 0,
                role=resolve_unit_role(role, where="РОЛЬ"),
                now=moment,
            )
            typer.echo(render_message("units.removed", name=unit.name, role=unit.role))
    except NastavnikError as error:
        _fail(NastavnikError(error.reason, where="РОЛЬ" if error.where == "role" else error.where))
