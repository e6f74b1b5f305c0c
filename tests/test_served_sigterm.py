"""SIGTERM reaching a served daily run (`nastavnik serve` → the flow run's own process) ends it
cleanly: the run is recorded as interrupted (not left «running»), Prefect does not show it running,
serve stays up, and the next run sends what the stopped one left — nothing lost, nothing twice."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from common.settings import get_settings
from flows.daily import tick_once
from storage.db import make_engine, upgrade_database
from storage.operations import DailyRun
from tests.factories import expire_leases, launched, moment
from tests.smtp_server import Sink, SmtpServer
from tests.test_served import (
    NASTAVNIK,
    QUIET_SERVER,
    SEEDED_SERVER,
    free_port,
    seeded_prefect_home,
)

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

DAY = date(2022, 5, 20)


@dataclass
class TerminatingSink(Sink):
    """Accepts letters; after ``after`` of them sends SIGTERM to the process of the daily run the
    database records as running (the served flow run's own process, not serve), mid-letter."""

    db: Path | None = None
    after: int = 0
    signalled: int = 0  # the pid signalled

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.db is not None and not self.signalled and len(self.received) >= self.after:
            with sqlite3.connect(self.db, timeout=30) as connection:
                row = connection.execute(
                    "SELECT pid FROM daily_run WHERE outcome = 'running' ORDER BY id DESC"
                ).fetchone()
            if row and row[0]:
                self.signalled = int(row[0])
                os.kill(self.signalled, signal.SIGTERM)
                return "421 4.3.0 closing"
        return await super().handle_MAIL(server, session, envelope, address, options)


def _letters(sink: Sink) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    for received in sink.received:
        seen[received.message["Message-ID"]] = (",".join(received.rcpt_tos), received.subject)
    return sorted(seen.values())


def _run(api_url: str) -> Any:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        return run_deployment(
            "daily-tick/daily-tick",
            parameters={"now": moment(DAY).isoformat()},
            timeout=240,
            poll_interval=1,
        )


def _wait_for_deployment(api_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import urllib.request

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-4000:]
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2):
                pass
            with temporary_settings({PREFECT_API_URL: api_url}):
                with get_client(sync_client=True) as client:
                    client.read_deployment_by_name("daily-tick/daily-tick")
            return
        except Exception:  # noqa: BLE001  (not up yet)
            time.sleep(1)
    raise AssertionError("the daily-tick deployment did not appear:\n" + log.read_text()[-4000:])


def test_sigterm_to_a_served_run_ends_it_cleanly_and_the_next_run_sends_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "nastavnik.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade_database(engine)
    launched(engine, tmp_path, schools=12)
    engine.dispose()
    # what an undisturbed tick sends, on a copy
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    reference = SmtpServer().start()
    monkeypatch.setenv("NASTAVNIK_SMTP_URL", reference.url)
    get_settings.cache_clear()
    try:
        tick_once(engine=make_engine(f"sqlite:///{copy}"), now=moment(DAY))
    finally:
        reference.stop()
        get_settings.cache_clear()
    expected = _letters(reference.sink)
    assert len(expected) > 5

    sink = TerminatingSink(db=db, after=3)
    smtp = SmtpServer(sink).start()
    prefect_port, portal_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NASTAVNIK_"))}
    env.update(
        {
            "PREFECT_HOME": str(seeded_prefect_home(tmp_path / "prefect")),
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
            **QUIET_SERVER,
            **SEEDED_SERVER,
            "NASTAVNIK_DB": f"sqlite:///{db}",
            "NASTAVNIK_SMTP_URL": smtp.url,
            "NASTAVNIK_MAIL_DIR": str(tmp_path / "mail"),
            "NASTAVNIK_DOCUMENTS_DIR": str(tmp_path / "files"),
        }
    )
    log = tmp_path / "serve.log"
    api_url = f"http://127.0.0.1:{prefect_port}/api"
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
                "0 9 1 1 *",  # never within the test: its runs are triggered through the API
            ],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_deployment(api_url, process, log)
        stopped = _run(api_url)
        assert sink.signalled, log.read_text(errors="replace")[-4000:]
        assert sink.signalled not in (process.pid, os.getpid())  # the flow run's own process
        # Prefect does not show it running (nor waiting for a retry): it ended
        assert stopped.state is not None and stopped.state.is_final(), stopped.state
        assert not stopped.state.is_completed()
        assert process.poll() is None, "serve went down with its run"
        engine = make_engine(f"sqlite:///{db}")
        with Session(engine) as session:
            [record] = session.exec(select(DailyRun)).all()
        assert (record.outcome, record.day, record.trigger) == ("interrupted", DAY, "schedule")
        assert record.pid == sink.signalled and record.flow_run_id == str(stopped.id)
        assert len(sink.received) == 3

        # the letter in the stopped deliverer's hands (if any) waits out its lease (docs/delivery.md)
        expire_leases(engine)
        again = _run(api_url)
        assert again.state is not None and again.state.is_completed(), (
            again.state,
            log.read_text(errors="replace")[-4000:],
        )
        with Session(engine) as session:
            first, second = session.exec(select(DailyRun).order_by(col(DailyRun.id))).all()
        engine.dispose()
        assert (first.outcome, second.outcome) == ("interrupted", "completed")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        smtp.stop()
    # nothing lost, nothing sent twice
    assert _letters(sink) == expected
    assert len(sink.message_ids()) == len(set(sink.message_ids()))
