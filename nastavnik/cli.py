"""The `nastavnik` command: the app and the one line that registers each command.

Commands live in one module per group (`cli_roadmaps`, `cli_schools`, `cli_steps`, `cli_daily`,
`cli_launch`, `cli_outbox`, `cli_users`, `cli_registry`, `cli_docs`, `cli_units`, `cli_import`,
`cli_deploy`, `cli_ops`, `cli_demo`); what they share is in `cli_shared`. Heavy imports (Prefect,
SQLAlchemy, docx) happen inside the commands that need them, so that `nastavnik --help`,
`deadline` and `check` start fast.
"""

from __future__ import annotations

import sys

import typer

from common.errors import NastavnikError
from nastavnik.cli_daily import serve, tick
from nastavnik.cli_demo import demo
from nastavnik.cli_deploy import deploy
from nastavnik.cli_docs import docs_app
from nastavnik.cli_import import roadmap_export, roadmap_import
from nastavnik.cli_launch import launch
from nastavnik.cli_ops import backup, restore, runs
from nastavnik.cli_outbox import mail_app, outbox_app
from nastavnik.cli_registry import indicators, registry_app
from nastavnik.cli_roadmaps import (
    check,
    deadline,
    roadmap_app,
    roadmap_list,
    roadmap_show,
    schema,
)
from nastavnik.cli_schools import init, schools_app
from nastavnik.cli_steps import done, na, schedule, status, undo
from nastavnik.cli_units import units_app
from nastavnik.cli_users import users_app

app = typer.Typer(
    name="nastavnik",
    help="Roadmaps of the target model of mentorship (целевая модель наставничества), run for every school.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# groups, in the order `nastavnik --help` lists them
app.add_typer(roadmap_app, name="roadmap")
app.add_typer(outbox_app, name="outbox")
app.add_typer(mail_app, name="mail")
app.add_typer(users_app, name="users")
app.add_typer(registry_app, name="registry")
app.add_typer(docs_app, name="docs")
app.add_typer(units_app, name="units")
app.add_typer(schools_app, name="schools")
roadmap_app.command("import")(roadmap_import)
roadmap_app.command("export")(roadmap_export)
roadmap_app.command("list")(roadmap_list)
roadmap_app.command("show")(roadmap_show)
# commands, in the order `nastavnik --help` lists them
app.command("indicators")(indicators)
app.command("deploy")(deploy)
app.command("runs")(runs)
app.command("backup")(backup)
app.command("restore")(restore)
app.command("launch")(launch)
app.command()(check)
app.command()(deadline)
app.command()(schema)
app.command()(init)
app.command()(schedule)
app.command()(done)
app.command()(undo)
app.command()(na)
app.command()(status)
app.command()(tick)
app.command()(serve)
app.command()(demo)


def main() -> None:
    """Entry point: run the app; user errors are printed without a traceback."""
    try:
        app()
    except NastavnikError as error:
        from common.messages import render_message
        from nastavnik.options import error_text

        typer.echo(render_message("cli.error", message=error_text(error)), err=True)
        sys.exit(getattr(error, "exit_code", 1))
