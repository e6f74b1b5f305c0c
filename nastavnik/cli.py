"""The `nastavnik` command: the app and the one line that registers each command.

Commands live in one module per group (`cli_roadmaps`, `cli_schools`, `cli_steps`, `cli_daily`,
`cli_launch`, `cli_outbox`, `cli_users`, `cli_registry`, `cli_docs`, `cli_units`, `cli_import`,
`cli_deploy`, `cli_ops`, `cli_demo`); what they share is in `cli_shared`. Heavy imports (Prefect,
SQLAlchemy, docx) happen inside the commands that need them, so that `nastavnik --help`,
`deadline` and `check` start fast.
"""

from __future__ import annotations

import re
import sys

import typer

from common.errors import NastavnikError
from nastavnik.cli_daily import serve, tick
from nastavnik.cli_demo import demo
from nastavnik.cli_deploy import deploy, task_worker, worker
from nastavnik.cli_docs import docs_app
from nastavnik.cli_import import roadmap_export, roadmap_import
from nastavnik.cli_launch import launch
from nastavnik.cli_ops import backup, restore, runs
from nastavnik.cli_outbox import mail_app, outbox_app
from nastavnik.cli_prefect import prefect_server
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
from nastavnik.help_text import RussianHelpGroup

app = typer.Typer(
    name="nastavnik",
    help=(
        "Дорожные карты целевой модели наставничества: сроки, напоминания и отчёты "
        "по каждой школе муниципалитета."
    ),
    cls=RussianHelpGroup,
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
app.command("task-worker")(task_worker)
app.command("worker")(worker)
app.command("prefect-server")(prefect_server)
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
    """Entry point: run the app; user errors are printed in Russian without a traceback.

    typer (click) would print its own usage errors in English («Missing argument …»): the app runs
    outside click's standalone mode and those errors are said from the catalogue instead.
    """
    from typer._click import exceptions as click_errors

    from common.messages import render_message
    from nastavnik.options import error_text

    try:
        result = app(standalone_mode=False, prog_name="nastavnik")
    except NastavnikError as error:
        typer.echo(render_message("cli.error", message=error_text(error)), err=True)
        sys.exit(getattr(error, "exit_code", 1))
    except click_errors.NoArgsIsHelpError as error:
        error.show()  # the command's help, as click shows it
        sys.exit(error.exit_code)
    except click_errors.UsageError as error:
        typer.echo(render_message("cli.error", message=usage_error_text(error)), err=True)
        if error.ctx is not None:
            typer.echo(render_message("cli.help_hint", command=error.ctx.command_path), err=True)
        sys.exit(error.exit_code)
    except typer.Abort:
        typer.echo(render_message("cli.error", message=render_message("cli.aborted")), err=True)
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)


_NO_SUCH_COMMAND = re.compile(r"No such command '([^']*)'")


def usage_error_text(error: Exception) -> str:
    """A usage error of typer (click) in Russian: the option or argument it is about, and why."""
    from typer._click import exceptions as click_errors

    from common.messages import render_message

    param = getattr(error, "param", None)
    name = ""
    if param is not None:
        opts = getattr(param, "opts", None) or [param.name or ""]
        name = (
            opts[0]
            if getattr(param, "param_type_name", "") == "option"
            else str(getattr(param, "metavar", None) or param.name or "").upper()
        )
    if isinstance(error, click_errors.MissingParameter):
        if getattr(param, "param_type_name", "") == "option":
            return render_message("cli.missing_option", name=name or "?")
        return render_message("cli.missing_argument", name=name or "?")
    if isinstance(error, click_errors.NoSuchOption):
        hint = (
            render_message("cli.did_you_mean", options=", ".join(sorted(error.possibilities)))
            if error.possibilities
            else ""
        )
        return render_message("cli.no_such_option", option=error.option_name, hint=hint)
    if isinstance(error, click_errors.BadOptionUsage):
        return render_message("cli.bad_option", option=error.option_name)
    if isinstance(error, click_errors.BadParameter):
        return render_message("cli.bad_value", name=name or "?")
    command = _NO_SUCH_COMMAND.search(
        error.format_message() if hasattr(error, "format_message") else ""
    )
    if command is not None:
        return render_message("cli.no_such_command", command=command.group(1))
    return render_message("cli.usage")
