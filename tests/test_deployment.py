"""deploy/ and docs/deployment.md stay true: the settings table is the settings object's, and each
systemd unit starts a command that exists with options it accepts."""

from __future__ import annotations

import configparser
import importlib
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from common.settings import settings_reference

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy").glob("*.service"))


def test_the_settings_reference_in_the_deployment_guide_is_current() -> None:
    text = (ROOT / "docs" / "deployment.md").read_text()
    block = text.split("<!-- settings-reference:start -->\n")[1].split(
        "<!-- settings-reference:end -->"
    )[0]
    assert block == settings_reference(), (
        "docs/deployment.md is stale: paste common.settings.settings_reference() between its markers"
    )


def _exec_start(unit: Path) -> list[str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit.read_text().replace("\\\n", " "))
    service = parser["Service"]
    assert service["User"] == "nastavnik" and service["EnvironmentFile"] == (
        "/etc/nastavnik/nastavnik.env"
    )
    return shlex.split(service["ExecStart"])


def test_there_are_units_for_the_portal_the_prefect_server_the_tick_and_a_worker() -> None:
    assert {unit.stem for unit in UNITS} == {
        "nastavnik-portal",
        "nastavnik-prefect",
        "nastavnik-prefect-services",
        "nastavnik-tick",
        "nastavnik-worker",
        "nastavnik-task-worker",
    }


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.stem)
def test_each_unit_starts_a_command_that_exists(unit: Path) -> None:
    command = _exec_start(unit)
    program = Path(command[0]).name
    if program == "nastavnik":
        done = subprocess.run(
            [sys.executable, "-c", "from nastavnik.cli import main; main()", command[1], "--help"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        for option in command[2:]:
            assert option in done.stdout
    elif program == "python":
        assert command[1:3] == ["-m", "uvicorn"] and "--factory" in command
        module, name = command[3].split(":")
        assert callable(getattr(importlib.import_module(module), name))
    else:
        assert program == "prefect"
        assert command[1:] in (
            ["server", "start", "--host", "127.0.0.1", "--port", "4200"],
            ["worker", "start", "--pool", "nastavnik", "--type", "process"],
            ["server", "services", "start"],
        ), command
    verify = Path("/usr/bin/systemd-analyze")
    if verify.exists():
        # syntax only: the paths under /opt and /etc exist on the server, not here
        done = subprocess.run(
            [str(verify), "verify", str(unit)], capture_output=True, text=True, timeout=60
        )
        problems = [
            line
            for line in done.stderr.splitlines()
            if line.strip() and "/opt/nastavnik" not in line
        ]
        assert not problems
