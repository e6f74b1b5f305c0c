"""`nastavnik users …`: a Typer sub-app, a thin shell over web/users.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

users_app = typer.Typer(help="People who sign in to the portal.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="E-mail to sign in with.")],
    role: Annotated[str, typer.Option(help="coordinator, school_admin or viewer.")],
    school: Annotated[str | None, typer.Option(help="School id (school admins only).")] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Password (8+ characters); without it a sign-in link is sent."),
    ] = None,
    name: Annotated[str, typer.Option(help="The person's name, shown on pages.")] = "",
) -> None:
    """Add a user or change their role; without --password a one-time sign-in link is sent."""
    from nastavnik.settings import get_settings
    from storage.db import make_engine, session_scope
    from web.users import add_user, send_signin_link

    settings = get_settings()
    engine = make_engine(settings.db)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        user = add_user(
            session=session,
            email=email,
            role=role,
            school_id=school,
            password=password,
            name=name,
            now=now,
            by="cli",
        )
        letter = (
            None
            if password
            else send_signin_link(session=session, settings=settings, user=user, now=now)
        )
    typer.echo(
        f"user {user.email}: {user.role}"
        + (f" of school {user.school_id}" if user.school_id else "")
    )
    if letter is not None:
        typer.echo(f"sign-in link written to {letter}")


@users_app.command("list")
def users_list() -> None:
    """The portal's users."""
    from sqlmodel import Session, select

    from nastavnik.settings import get_settings
    from storage.db import make_engine
    from storage.models import User

    with Session(make_engine(get_settings().db)) as session:
        for user in session.exec(select(User).order_by(User.email)):
            flags = "" if user.active else " (disabled)"
            typer.echo(f"{user.email:<40} {user.role:<13} {user.school_id or '':<16}{flags}")
