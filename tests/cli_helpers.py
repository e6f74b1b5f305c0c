"""`nastavnik` commands run in the test process, the way the installed command runs them.

A subprocess pays 1–2 s of imports per call; this runs the real entry point
(`nastavnik.cli.main`: typer's app and its Russian error rendering) inside click's CliRunner
isolation, with the environment overridden, ``cwd`` entered and the process's settings re-read.
The result has the fields of ``subprocess.CompletedProcess`` the tests read. An exception that
escapes main() is printed to the captured stderr as Python would print it (a traceback), so a test
asserting "no traceback" fails as it would against the installed command. A few end-to-end tests
still run the command as a subprocess (tests/test_cli.py, tests/test_daily_runs.py, …).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Completed:
    """What a finished command left: like subprocess.CompletedProcess (text mode)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    output: str = field(default="", repr=False)  # stdout and stderr interleaved


def run_cli(
    *args: str,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | str | None = None,
    input: str | None = None,  # noqa: A002  (the name subprocess.run uses)
) -> Completed:
    """Run `nastavnik ARGS…` in this process; ``env`` adds to (None: removes from) os.environ."""
    from click.testing import CliRunner

    from common.settings import get_settings
    from nastavnik.cli import main

    runner = CliRunner()
    saved_argv, saved_cwd = sys.argv, os.getcwd()
    code = 0
    with runner.isolation(input=input, env=dict(env or {})) as (out, err, mixed):
        get_settings.cache_clear()
        sys.argv = ["nastavnik", *args]
        try:
            if cwd is not None:
                os.chdir(cwd)
            main()
        except SystemExit as done:
            if done.code is None:
                code = 0
            elif isinstance(done.code, int):
                code = done.code
            else:
                print(done.code, file=sys.stderr)
                code = 1
        except Exception:  # noqa: BLE001  (what the interpreter would print and exit 1 on)
            traceback.print_exc(file=sys.stderr)
            code = 1
        finally:
            sys.argv = saved_argv
            os.chdir(saved_cwd)
            sys.stdout.flush()
            sys.stderr.flush()
            get_settings.cache_clear()
        stdout = out.getvalue().decode("utf-8", errors="replace")
        stderr = err.getvalue().decode("utf-8", errors="replace")
        output = mixed.getvalue().decode("utf-8", errors="replace")
    return Completed(
        args=["nastavnik", *args], returncode=code, stdout=stdout, stderr=stderr, output=output
    )


def copy_sqlite(source: Path, target: Path) -> Path:
    """A consistent copy of a SQLite database (the backup API reads through the WAL a live
    connection of this process may still hold); returns ``target``."""
    import sqlite3

    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()
    return target
