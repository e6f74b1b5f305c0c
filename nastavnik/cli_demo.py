"""The demo command: a demo municipality played through 2022, with portal accounts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from nastavnik.cli_shared import _engine, _say
from nastavnik.cli_steps import status


def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Папка для базы данных и писем демонстрации.")
    ] = Path("demo"),
    send: Annotated[
        bool, typer.Option("--send/--no-send", help="Записать письма в папку писем.")
    ] = True,
) -> None:
    """Демонстрация: муниципалитет из 12 школ, запуск дорожной карты 000, 2022 год по дням, итог."""
    import shutil

    directory = directory.resolve()
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    os.environ["NASTAVNIK_DB"] = f"sqlite:///{directory / 'nastavnik.db'}"
    os.environ.setdefault("NASTAVNIK_MAIL_DIR", str(directory / "mail"))
    os.environ.setdefault("NASTAVNIK_DOCUMENTS_DIR", str(directory / "files"))
    from common.settings import get_settings

    get_settings.cache_clear()
    from nastavnik.demo import run_demo
    from nastavnik.demo_data import DEMO_NOW

    engine = _engine()
    typer.echo(_say("demo.folder", folder=directory) + "\n")
    result = run_demo(engine=engine, workdir=directory, send=send, echo=typer.echo)
    typer.echo(_say("demo.acts", count=result.acts) + "\n")
    status(school=None, roadmap=None, as_json=False, now=DEMO_NOW.isoformat())
    _demo_users(engine)
    _demo_outro(directory, engine)


# Demo accounts for the portal: local, printed, and nothing else uses them.
DEMO_PASSWORD = "nastavnik-demo"
DEMO_USERS = (
    ("coordinator@beloyarsky-edu.example.ru", "coordinator", None),
    ("sosh1@beloyarsky-edu.example.ru", "school_admin", "sosh1"),
    ("head@beloyarsky-edu.example.ru", "viewer", None),
)


def _demo_users(engine: Any) -> None:
    from nastavnik.demo import at_nine
    from nastavnik.demo_data import DEMO_NOW, MUNICIPALITY
    from storage.db import session_scope
    from web.users import add_user

    with session_scope(engine) as session:
        for email, role, school in DEMO_USERS:
            add_user(
                session=session,
                email=email,
                role=role,
                school_id=school,
                password=DEMO_PASSWORD,
                now=at_nine(DEMO_NOW, MUNICIPALITY["timezone"]),
                by="demo",
            )


def _demo_outro(directory: Path, engine: Any) -> None:
    from sqlmodel import Session, func, select

    from storage.models import OutboxItem

    with Session(engine) as session:
        rows = session.exec(
            select(OutboxItem.level, OutboxItem.recipient, func.count()).group_by(
                OutboxItem.level, OutboxItem.recipient
            )
        ).all()
    typer.echo("\n" + _say("demo.decisions"))
    words = {
        "reminder": "напоминание",
        "overdue": "просрочка",
        "coordinator": "координатору",
        "head": "председателю",
    }
    for level, recipient, count in sorted(rows):
        typer.echo(f"  {words.get(level, level):<13} {recipient:<40} {count}")
    mail_dir = Path(os.environ.get("NASTAVNIK_MAIL_DIR", directory / "mail"))
    from web.auth import ROLE_TITLES

    letters = sorted(mail_dir.glob("*.eml")) if mail_dir.is_dir() else []
    typer.echo("\n" + _say("demo.letters", folder=mail_dir, count=len(letters)))
    db = os.environ["NASTAVNIK_DB"]
    users = ", ".join(f"{email} ({ROLE_TITLES[role]})" for email, role, _ in DEMO_USERS)
    typer.echo("\n" + _say("demo.next", database=db, password=DEMO_PASSWORD, users=users))
    if letters:
        typer.echo(_say("demo.next_letter", letter=letters[0]))
    typer.echo("")
