"""The record of daily runs: a tick killed (kill -9) or stopped (SIGTERM) is recorded as such, the
next tick sends what it left, and the coordinator is told about a day whose check did not run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from common.settings import get_settings
from engine.daily_runs import (
    STALE_AFTER,
    days_not_completed,
    effective_outcome,
    mark_dead_runs,
    recording,
    start_run,
)
from flows.daily import tick_once
from storage.db import make_engine, session_scope, upgrade_database
from storage.operations import DailyRun
from tests.factories import COORDINATOR, expire_leases, launched, moment
from tests.smtp_server import Sink, SmtpServer

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from nastavnik.cli import main; main()"]


def _env(db: Path, workdir: Path, smtp_url: str | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "NASTAVNIK_DB": f"sqlite:///{db}",
        "NASTAVNIK_MAIL_DIR": str(workdir / "mail"),
        "NASTAVNIK_DOCUMENTS_DIR": str(workdir / "files"),
    }
    if smtp_url:
        env["NASTAVNIK_SMTP_URL"] = smtp_url
    return env


@dataclass
class SignallingSink(Sink):
    """Accepts letters; sends ``signum`` to the deliverer after ``after`` letters, mid-letter."""

    pid: int | None = None
    after: int = 0
    signum: int = signal.SIGKILL

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.pid is not None and len(self.received) >= self.after:
            os.kill(self.pid, self.signum)
            self.pid = None
            return "421 4.3.0 closing"
        return await super().handle_MAIL(server, session, envelope, address, options)


def _letters(sink: Sink) -> list[tuple[str, str]]:
    """(recipient, subject) of every distinct message the sink accepted."""
    seen: dict[str, tuple[str, str]] = {}
    for received in sink.received:
        seen[received.message["Message-ID"]] = (",".join(received.rcpt_tos), received.subject)
    return sorted(seen.values())


@pytest.fixture
def municipality(tmp_path: Path) -> Path:
    db = tmp_path / "nastavnik.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade_database(engine)
    launched(engine, tmp_path, schools=12)
    engine.dispose()
    return db


@pytest.mark.parametrize(
    ("signum", "exit_code", "outcome"),
    [(signal.SIGKILL, -signal.SIGKILL, "crashed"), (signal.SIGTERM, 143, "interrupted")],
    ids=["kill-9", "sigterm"],
)
def test_a_tick_killed_mid_delivery_is_recorded_and_the_next_tick_sends_the_rest(
    municipality: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    signum: int,
    exit_code: int,
    outcome: str,
) -> None:
    # what an undisturbed tick sends, on a copy of the same database
    copy = tmp_path / "copy.db"
    with sqlite3.connect(municipality) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    reference = SmtpServer().start()
    monkeypatch.setenv("NASTAVNIK_SMTP_URL", reference.url)
    get_settings.cache_clear()
    try:
        tick_once(engine=make_engine(f"sqlite:///{copy}"), now=moment(date(2022, 5, 20)))
    finally:
        reference.stop()
        get_settings.cache_clear()
    expected = _letters(reference.sink)
    assert len(expected) > 5

    sink = SignallingSink(after=3, signum=signum)
    server = SmtpServer(sink).start()
    env = _env(municipality, tmp_path, server.url)
    try:
        process = subprocess.Popen(
            [*CLI, "tick", "--now", "2022-05-20"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        sink.pid = process.pid
        _out, err = process.communicate(timeout=120)
        assert process.returncode == exit_code, err
        assert len(sink.received) == 3
        if signum == signal.SIGTERM:
            assert "проверка прервана сигналом остановки" in err
            assert "Traceback" not in err
        engine = make_engine(f"sqlite:///{municipality}")
        with Session(engine) as session:
            [dead] = session.exec(select(DailyRun)).all()
            assert dead.day == date(2022, 5, 20)
            assert effective_outcome(dead, now=datetime.now(UTC)) == outcome

        # the letter in the dead deliverer's hands waits out its lease (docs/delivery.md)
        expire_leases(engine)
        engine.dispose()
        again = subprocess.run(
            [*CLI, "tick", "--now", "2022-05-20"],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr
    finally:
        server.stop()
    # nothing lost, nothing sent twice
    assert _letters(sink) == expected
    assert len(sink.message_ids()) == len(set(sink.message_ids()))
    with Session(engine) as session:
        marked, completed = session.exec(select(DailyRun).order_by(col(DailyRun.id))).all()
    assert completed.outcome == "completed" and marked.outcome == outcome
    if signum == signal.SIGKILL:
        assert "отмечено следующим запуском" in marked.message
    listing = subprocess.run(
        [*CLI, "runs"], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert "за 20 мая 2022 г." in listing.stdout
    assert ("не завершена: процесс прекратил работу" in listing.stdout) == (outcome == "crashed")
    assert ("прервана (остановка службы)" in listing.stdout) == (outcome == "interrupted")


def die_while_running(db_url: str, day: date) -> None:
    """A real process starts a recorded run for ``day`` and is killed (kill -9) inside it."""
    code = (
        "import os, signal\n"
        "from datetime import date\n"
        "from engine.daily_runs import recording\n"
        "from storage.db import make_engine\n"
        "from tests.factories import moment\n"
        f"day = date.fromisoformat({day.isoformat()!r})\n"
        f"with recording(engine=make_engine({db_url!r}), acts_at=moment(day), day=day, "
        "trigger='cli'):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=120)
    assert done.returncode == -signal.SIGKILL


def _coordinator_letters(mail: Path) -> list[str]:
    import email
    from email import policy

    texts = []
    for path in sorted(mail.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if COORDINATOR in str(message["To"]):
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            texts.append(body.get_content())
    return texts


def test_the_coordinators_next_letter_says_once_that_a_days_check_did_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    launched(engine, tmp_path, schools=3)
    monkeypatch.setenv("NASTAVNIK_MAIL_DIR", str(tmp_path / "mail"))
    get_settings.cache_clear()
    try:
        die_while_running(url, date(2022, 5, 20))
        tick_once(engine=engine, now=moment(date(2022, 5, 23)))
        first = _coordinator_letters(tmp_path / "mail")
        assert len(first) == 1
        assert (
            "Ежедневная проверка 20 мая 2022 г. не выполнена из-за сбоя. "
            "Пропущенное проверено и разослано следующей проверкой." in " ".join(first[0].split())
        )
        for path in (tmp_path / "mail").glob("*.eml"):
            path.unlink()
        tick_once(engine=engine, now=moment(date(2022, 5, 30)))
        assert not any(
            "не выполнена" in letter for letter in _coordinator_letters(tmp_path / "mail")
        )
    finally:
        get_settings.cache_clear()


def test_the_next_run_marks_a_dead_one_crashed_and_its_day_not_completed(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=1)
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":  # the fixture's schema, for the dying process too
        with engine.connect() as connection:
            schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
        url += f"?options=-csearch_path%3D{schema}"
    die_while_running(url, date(2022, 5, 19))
    with recording(
        engine=engine, acts_at=moment(date(2022, 5, 20)), day=date(2022, 5, 20), trigger="cli"
    ):
        pass
    now = datetime.now(UTC)
    with Session(engine) as session:
        assert days_not_completed(session=session, since=date(2022, 5, 1), now=now) == [
            date(2022, 5, 19)
        ]
        outcomes = [run.outcome for run in session.exec(select(DailyRun).order_by(DailyRun.id))]
    # the recorded run's start marked the dead run crashed
    assert outcomes == ["crashed", "completed"]


def test_a_run_on_another_host_is_crashed_only_when_its_heartbeat_stops(engine: Engine) -> None:
    start = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    run_id = start_run(
        engine=engine,
        acts_at=start,
        day=date(2026, 12, 3),
        trigger="schedule",
        clock=lambda: start,
    )
    with session_scope(engine) as session:
        row = session.get(DailyRun, run_id)
        assert row is not None
        row.host = "worker-2.example"  # its pid means nothing here
        session.add(row)
    with session_scope(engine) as session:
        assert mark_dead_runs(session=session, now=start + STALE_AFTER - timedelta(seconds=1)) == []
    with session_scope(engine) as session:
        assert mark_dead_runs(session=session, now=start + STALE_AFTER + timedelta(seconds=1)) == [
            run_id
        ]
        row = session.get(DailyRun, run_id)
        assert row is not None and row.outcome == "crashed"
        assert "worker-2.example" in row.message


def test_a_working_day_without_any_scheduled_run_is_recorded_missed(engine: Engine) -> None:
    # Monday 16 May 2022 ran, then nothing until Thursday; Friday ran, then the weekend, Monday ran
    for day in (date(2022, 5, 16), date(2022, 5, 19), date(2022, 5, 20), date(2022, 5, 23)):
        with recording(engine=engine, acts_at=moment(day), day=day, trigger="schedule"):
            pass
    with Session(engine) as session:
        rows = [
            (run.day, run.outcome)
            for run in session.exec(select(DailyRun).order_by(col(DailyRun.day), col(DailyRun.id)))
        ]
        assert days_not_completed(
            session=session, since=date(2022, 5, 1), now=datetime.now(UTC)
        ) == [date(2022, 5, 17), date(2022, 5, 18)]
    assert rows == [
        (date(2022, 5, 16), "completed"),
        (date(2022, 5, 17), "missed"),
        (date(2022, 5, 18), "missed"),
        (date(2022, 5, 19), "completed"),
        (date(2022, 5, 20), "completed"),
        (date(2022, 5, 23), "completed"),
    ]
