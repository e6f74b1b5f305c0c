"""`nastavnik users …`: a Typer sub-app, a thin shell over web/users.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from nastavnik.cli_shared import NowOption, _fail, _say
from nastavnik.options import error_text

users_app = typer.Typer(help="Пользователи портала.", no_args_is_help=True)


def _now(session: object, text: str | None) -> datetime:
    """`--now` in the municipality's zone (UTC before `nastavnik init`); the clock when absent."""
    from sqlmodel import col, select

    from nastavnik.cli_shared import parse_now
    from storage.models import Municipality

    if text is None:
        return datetime.now(UTC)
    municipality = session.exec(  # type: ignore[attr-defined]
        select(Municipality).order_by(col(Municipality.id))
    ).first()
    return parse_now(text, tz=municipality.timezone if municipality else "UTC")


@users_app.command("add")
def users_add(
    email: Annotated[
        str, typer.Argument(metavar="АДРЕС", help="Адрес электронной почты для входа.")
    ],
    role: Annotated[
        str,
        typer.Option(
            help="Роль: «coordinator» (координатор), «school_admin» (администратор школы) "
            "или «viewer» (наблюдатель)."
        ),
    ],
    school: Annotated[
        str | None, typer.Option(help="Код школы (только для администратора школы).")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Пароль (не короче 8 символов); без него отправляется ссылка для входа."),
    ] = None,
    name: Annotated[
        str,
        typer.Option(help="Фамилия, имя и отчество пользователя — для страниц и писем."),
    ] = "",
    now: NowOption = None,
) -> None:
    """Добавить пользователя или сменить его роль; без --password отправляется одноразовая ссылка для входа."""
    from common.settings import get_settings
    from storage.db import make_engine, session_scope
    from web.users import add_user

    settings = get_settings()
    engine = make_engine(settings.db)
    with session_scope(engine) as session:
        moment = _now(session, now)
        user = add_user(
            session=session,
            email=email,
            role=role,
            school_id=school,
            password=password,
            name=name,
            now=moment,
            by="cli",
        )
        from common.messages import render_message

        typer.echo(
            render_message(
                "cli.user",
                email=user.email,
                role=user.role,
                school=render_message("cli.user_school", school=user.school_id)
                if user.school_id
                else "",
            )
        )
        if not password:
            _send_link(session, settings, user, moment, invitation=True)


@users_app.command("link")
def users_link(
    email: Annotated[
        str, typer.Argument(metavar="АДРЕС", help="Адрес электронной почты пользователя.")
    ],
    now: NowOption = None,
) -> None:
    """Отправить пользователю новую одноразовую ссылку для входа (действует 30 минут)."""
    from sqlmodel import select

    from common.settings import get_settings
    from storage.db import make_engine, session_scope
    from storage.models import User

    settings = get_settings()
    with session_scope(make_engine(settings.db)) as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None or not user.active:
            _fail(_say("users.no_active_user", email=email))
        _send_link(session, settings, user, _now(session, now), invitation=False)


def _send_link(
    session: object, settings: object, user: object, now: datetime, *, invitation: bool
) -> None:
    """Send the letter; a failure is reported without a traceback (the user stays added)."""
    from common.errors import NastavnikError
    from web.users import send_signin_link

    try:
        where = send_signin_link(
            session=session,  # type: ignore[arg-type]
            settings=settings,  # type: ignore[arg-type]
            user=user,  # type: ignore[arg-type]
            now=now,
            invitation=invitation,
        )
    except NastavnikError as error:
        typer.echo(
            _say("cli.error", message=error_text(error))
            + "\n"
            + _say("users.link_later", email=user.email),  # type: ignore[attr-defined]
            err=True,
        )
        raise typer.Exit(1) from None
    typer.echo(_say("users.link_sent", destination=where))


@users_app.command("list")
def users_list() -> None:
    """Пользователи портала."""
    from sqlmodel import Session, select

    from common.settings import get_settings
    from storage.db import make_engine
    from storage.models import User

    with Session(make_engine(get_settings().db)) as session:
        for user in session.exec(select(User).order_by(User.email)):
            flags = "" if user.active else " (disabled)"
            typer.echo(f"{user.email:<40} {user.role:<13} {user.school_id or '':<16}{flags}")
