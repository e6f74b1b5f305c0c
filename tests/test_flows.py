"""The Prefect flows: tick, launch and one school's graph, on one session-wide test harness;
and the tick once against a real local Prefect server (the scale-out path)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from engine.status import run_status
from flows.daily import tick_once
from storage.db import make_engine, session_scope, upgrade_database
from storage.models import OutboxItem
from tests.factories import launched, moment, the_run

pytestmark = pytest.mark.prefect


@pytest.fixture
def demo_db(tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    url = f"sqlite:///{tmp_path / 'nastavnik.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    launched(engine, tmp_path, schools=4)
    yield engine, url
    engine.dispose()


def test_the_tick_flow_decides_what_the_plain_tick_decides(
    prefect_harness: None, demo_db: tuple[Engine, str], tmp_path: Path
) -> None:
    from flows.tick import tick_flow

    engine, url = demo_db
    decided = tick_flow(url, now=moment(date(2022, 6, 1)), send=False, batch_size=2)
    with session_scope(engine) as session:
        rows = len(list(session.exec(select(OutboxItem))))
    assert sum(decided.values()) == rows > 0
    # a plain tick over a copy of the same data decides the same
    other = make_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    upgrade_database(other)
    (tmp_path / "plain").mkdir()
    launched(other, tmp_path / "plain", schools=4)
    plain = tick_once(engine=other, now=moment(date(2022, 6, 1)), send=False)
    assert plain.decided == decided


def test_one_schools_flow_evaluates_every_step_like_the_status(
    prefect_harness: None, demo_db: tuple[Engine, str]
) -> None:
    from flows.school_roadmap import school_roadmap_flow

    engine, url = demo_db
    states = school_roadmap_flow(url, "beloyarsky-2022", "sosh2", moment(date(2022, 5, 20)))
    with session_scope(engine) as session:
        status = run_status(
            session=session, run=the_run(engine), now=moment(date(2022, 5, 20)), school="sosh2"
        )
    expected = {v.code: v.state for v in status.views if v.occurrence == 1}
    assert states == expected and states["1.5"] == "overdue"


def test_the_launch_flow_is_idempotent(prefect_harness: None, tmp_path: Path) -> None:
    from flows.launch import launch_flow
    from tests.factories import demo_municipality

    url = f"sqlite:///{tmp_path / 'n.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    demo_municipality(engine, tmp_path, schools=2)
    first = launch_flow(url, "beloyarsky-2022", moment(date(2022, 3, 1)), "coordinator@x.ru")
    second = launch_flow(url, "beloyarsky-2022", moment(date(2022, 3, 1)), "coordinator@x.ru")
    assert first["created"] and first["instances_added"] > 0
    assert not second["created"] and second["instances_added"] == 0


def _flow_runs() -> dict[str, tuple[str | None, str]]:
    """The flow runs on the session's Prefect server: id → (state type, flow name)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        names = {run.flow_id: client.read_flow(run.flow_id).name for run in runs}
    return {
        str(run.id): (run.state_type.value if run.state_type else None, names[run.flow_id])
        for run in runs
    }


def test_the_tick_runs_once_against_a_real_local_prefect_server(
    prefect_harness: None, tmp_path: Path
) -> None:
    """`nastavnik tick --prefect` in a process of its own, against the session's real Prefect
    server (`prefect server start`): one tick flow run, completed, and the outbox written."""
    from prefect.settings import PREFECT_API_URL

    before = set(_flow_runs())
    db = tmp_path / "nastavnik.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade_database(engine)
    launched(engine, tmp_path, schools=3)
    client_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "NASTAVNIK_DB": f"sqlite:///{db}",
    }
    cli = [sys.executable, "-c", "from nastavnik.cli import main; main()"]
    done = subprocess.run(
        [*cli, "tick", "--prefect", "--no-send", "--now", "2022-06-01"],
        env=client_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "решено:" in done.stdout
    runs = {key: run for key, run in _flow_runs().items() if key not in before}
    assert [flow for state, flow in runs.values() if state == "COMPLETED"] == ["tick"], runs
    with session_scope(engine) as session:
        assert list(session.exec(select(OutboxItem)))


def test_the_daily_flow_records_each_attempt_and_retries(
    prefect_harness: None, tmp_path: Path
) -> None:
    from flows.tick import daily_tick_flow
    from storage.operations import DailyRun

    assert daily_tick_flow.retries == 2
    url = f"sqlite:///{tmp_path / 'n.db'}"
    engine = make_engine(url)
    upgrade_database(engine)  # no municipality yet: every attempt fails
    with pytest.raises(Exception, match="init"):
        daily_tick_flow.with_options(retries=1, retry_delay_seconds=0)(url)
    with session_scope(engine) as session:
        failed = list(session.exec(select(DailyRun).order_by(DailyRun.id)))  # type: ignore[arg-type]
    assert [(r.outcome, r.attempt, r.trigger) for r in failed] == [
        ("failed", 1, "schedule"),
        ("failed", 2, "schedule"),
    ]
    assert failed[0].flow_run_id and failed[0].flow_run_id == failed[1].flow_run_id
    launched(engine, tmp_path, schools=1)
    result = daily_tick_flow(url)
    with session_scope(engine) as session:
        last = session.exec(select(DailyRun).order_by(DailyRun.id.desc())).first()  # type: ignore[union-attr]
    assert last is not None and last.outcome == ("skipped" if result is None else "completed")


def test_a_run_composing_apart_inside_the_flow_sends_the_letters_of_composing_first(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large run forks its composer from the flow's process, where Prefect's threads run: the
    flow completes and the server receives exactly what composing first, then sending, gives."""
    import shutil

    import notifications.delivery as delivery
    from common.settings import get_settings
    from flows.tick import tick_flow
    from notifications.models import Letter
    from tests.smtp_server import SmtpServer

    day = moment(date(2022, 5, 20), hour=10)
    db = tmp_path / "nastavnik.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade_database(engine)
    launched(engine, tmp_path, schools=12)
    engine.dispose()
    shutil.copy(db, tmp_path / "first.db")

    def received(url: str, overlap_from: int | None) -> list[tuple[str, ...]]:
        server = SmtpServer().start()
        monkeypatch.setenv("NASTAVNIK_SMTP_URL", server.url)
        monkeypatch.setenv("NASTAVNIK_MAIL_FROM", "nastavnik@example.ru")
        monkeypatch.setitem(delivery.deliver_pending.__kwdefaults__, "overlap_from", overlap_from)
        get_settings.cache_clear()
        try:
            tick_flow(url, now=day)
        finally:
            server.stop()
            get_settings.cache_clear()
        return sorted((*r.rcpt_tos, r.subject, r.text) for r in server.sink.received)

    apart: list[int] = []
    compose_apart = delivery._compose_apart

    def counted(*args: object, **kwargs: object) -> object:
        apart.append(os.getpid())
        return compose_apart(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(delivery, "_compose_apart", counted)
    overlapped = received(f"sqlite:///{db}", 1)
    assert apart == [os.getpid()]  # composed apart, forked from this (the flow's) process
    serial = received(f"sqlite:///{tmp_path / 'first.db'}", None)
    assert apart == [os.getpid()]
    assert len(overlapped) > 10
    assert overlapped == serial
    engine = make_engine(f"sqlite:///{db}")
    with session_scope(engine) as session:
        statuses = {letter.status for letter in session.exec(select(Letter))}
    engine.dispose()
    assert statuses == {"sent"}
