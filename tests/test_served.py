"""The daily run as users run it: `nastavnik serve` as a subprocess, with the real Prefect server it
starts (SQLite, its own PREFECT_HOME), the `daily-tick` deployment it serves, and letters in the
mail folder. One serve process for the module, on a schedule of every minute:

- its scheduled runs fire by themselves at NASTAVNIK_NOW (a simulated day; unset in production)
  and must write exactly the letters the plain `tick` writes on a copy of the database;
- a run triggered through Prefect's API with ``now`` as its parameter writes that day's letters.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from flows.daily import tick_once
from storage.db import make_engine, session_scope, upgrade_database
from storage.models import OutboxItem
from tests.factories import launched, moment

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

SCHEDULED_DAY = date(2022, 5, 16)  # a Monday: overdue steps and escalations in every school
TRIGGERED_DAY = date(2022, 6, 1)  # later: more of them
NASTAVNIK = str(Path(sys.executable).parent / "nastavnik")


# What these tests do not look at, off so that a Prefect server starts faster on a busy machine.
QUIET_SERVER = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    **{
        f"PREFECT_SERVER_SERVICES_{service}_ENABLED": "false"
        for service in (
            "CANCELLATION_CLEANUP",
            "EVENT_LOGGER",
            "EVENT_PERSISTER",
            "FOREMAN",
            "LATE_RUNS",
            "PAUSE_EXPIRATIONS",
            "TASK_RUN_RECORDER",
            "TRIGGERS",
        )
    },
}


# What a server started on a seeded home (seeded_prefect_home) is told: its database holds Prefect's
# block types already, registering them again at each start costs ≈ 0.8 s of its ≈ 3.7 s of CPU.
SEEDED_SERVER = {"PREFECT_API_BLOCKS_REGISTER_ON_START": "false"}


def seeded_prefect_home(home: Path) -> Path:
    """``home`` as PREFECT_HOME with a copy of a Prefect database already migrated to Prefect's
    head and holding its block types, so the server started there skips its ≈ 5 s of CPU of
    migrations (at head they are a no-op) and, with SEEDED_SERVER, ≈ 0.8 s of registering the
    block types (tests/test_served.py and test_deployed's README sequence start on a fresh one).

    The database is made once per Prefect version on this machine, under a lock, by what a
    server's start does to it (flows/prefect_server.py, ``_register_block_types``: Prefect's
    migrations, then its block types); the xdist workers and later runs share it."""
    import fcntl
    import tempfile
    from importlib.metadata import version

    template = Path(tempfile.gettempdir()) / f"nastavnik-prefect-{version('prefect')}-blocks.db"
    with open(f"{template}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            build = Path(tempfile.mkdtemp(prefix="nastavnik-prefect-template-"))
            env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
            register = "from flows.prefect_server import _register_block_types as r; r()"
            done = subprocess.run(
                [sys.executable, "-c", register],
                env={**env, "PREFECT_HOME": str(build), **QUIET_SERVER},
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            os.replace(build / "prefect.db", template)  # whole or not at all
            shutil.rmtree(build, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, home / "prefect.db")
    return home


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    api_url: str
    db_url: str
    copy: Path
    mail: Path
    log: Path
    portal: str

    def letters(self) -> set[str]:
        return {path.name for path in self.mail.glob("*.eml")}

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def plain_tick_letters(
    db: Path, days: list[datetime], mail: Path, *, settings: dict[str, str] | None = None
) -> set[str]:
    """The letters the plain tick writes at ``days`` on ``db`` into ``mail``: the function
    `nastavnik tick` runs (`tick_once`), in this process (no process that imports nastavnik,
    ≈ 1.2 s of CPU, for what the tests compare). ``settings``: more NASTAVNIK_ variables; no other
    NASTAVNIK_ variable is set for the call, as in a subprocess's cleaned environment."""
    from common.settings import get_settings

    with pytest.MonkeyPatch.context() as patch:
        for name in [key for key in os.environ if key.startswith("NASTAVNIK_")]:
            patch.delenv(name)
        for name, value in {"NASTAVNIK_MAIL_DIR": str(mail), **(settings or {})}.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        engine = make_engine(f"sqlite:///{db}")
        try:
            for day in days:
                tick_once(engine=engine, now=day)
        finally:
            engine.dispose()
            get_settings.cache_clear()
    return {path.name for path in mail.glob("*.eml")}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`nastavnik serve --cron "* * * * *"` on free ports, stopped (with its server) at the end."""
    tmp = tmp_path_factory.mktemp("served")
    db = tmp / "nastavnik.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade_database(engine)
    launched(engine, tmp, schools=3)
    engine.dispose()
    copy = tmp / "copy.db"
    shutil.copy(db, copy)
    prefect_port, portal_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PREFECT_", "NASTAVNIK_"))
    }
    env.update(
        {
            "PREFECT_HOME": str(tmp / "prefect"),
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
            **QUIET_SERVER,
            "NASTAVNIK_DB": f"sqlite:///{db}",
            "NASTAVNIK_MAIL_DIR": str(tmp / "mail"),
            "NASTAVNIK_DOCUMENTS_DIR": str(tmp / "files"),
            "NASTAVNIK_NOW": moment(SCHEDULED_DAY).isoformat(),
        }
    )
    log = tmp / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                NASTAVNIK,
                "serve",
                "--port",
                str(portal_port),
                "--prefect-port",
                str(prefect_port),
                "--cron",
                "* * * * *",
            ],
            env=env,
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(
        api_url=f"http://127.0.0.1:{prefect_port}/api",
        db_url=f"sqlite:///{db}",
        copy=copy,
        mail=tmp / "mail",
        log=log,
        portal=f"http://127.0.0.1:{portal_port}/",
    )
    try:
        _wait_for_deployment(served, process)
        yield served
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _client(served: Served) -> Any:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: served.api_url}):
        return get_client(sync_client=True)


def _wait_for_deployment(served: Served, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, f"serve exited:\n{served.output()}"
        try:
            with urllib.request.urlopen(f"{served.api_url}/health", timeout=2):
                pass
            with _client(served) as client:
                client.read_deployment_by_name("daily-tick/daily-tick")
            return
        except Exception:  # noqa: BLE001  (not up yet)
            time.sleep(1)
    raise AssertionError(f"the daily-tick deployment did not appear:\n{served.output()}")


def _daily_runs(served: Served) -> list[Any]:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    with _client(served) as client:
        return list(
            client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["daily-tick"]))
            )
        )


def test_the_schedule_fires_by_itself_and_its_run_writes_the_plain_ticks_letters(
    served: Served, tmp_path: Path
) -> None:
    expected = plain_tick_letters(served.copy, [moment(SCHEDULED_DAY)], tmp_path / "mail")
    assert expected
    deadline = time.monotonic() + 150
    finished: list[Any] = []
    while time.monotonic() < deadline and not finished:
        runs = _daily_runs(served)
        assert not [r for r in runs if r.state and r.state.is_failed()], served.output()
        finished = [
            r for r in runs if r.auto_scheduled and r.state is not None and r.state.is_completed()
        ]
        time.sleep(2)
    assert finished, f"no scheduled run completed:\n{served.output()}"
    assert served.letters() == expected
    server_log = served.log.parent / "prefect" / "prefect-server.log"
    assert f"PREFECT_API_URL={served.api_url}" in server_log.read_text()  # not /dev/null
    # served through the real server, not through a throw-away one of Prefect's own
    assert "temporary server" not in served.log.read_text(errors="replace")


def test_a_run_triggered_through_prefects_api_delivers_that_days_letters(served: Served) -> None:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    before = served.letters()
    with temporary_settings({PREFECT_API_URL: served.api_url}):
        run = run_deployment(
            "daily-tick/daily-tick",
            parameters={"now": moment(TRIGGERED_DAY).isoformat()},
            timeout=180,
            poll_interval=1,
        )
    assert run.state is not None and run.state.is_completed(), (run.state, served.output())
    assert "db_url" not in run.parameters  # the database URL never shows among the parameters
    new = served.letters() - before
    assert new, "the triggered run wrote no letter"
    engine = make_engine(served.db_url)
    with session_scope(engine) as session:
        items = session.exec(select(OutboxItem)).all()
    engine.dispose()
    assert items and all(item.sent_at is not None for item in items)
