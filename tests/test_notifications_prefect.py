"""The Prefect delivery task against a real SMTP server on loopback: retried while the server is
down or answers 4xx (after every letter's state is recorded), not retried for a 5xx.

Prefect's real retry delays are the letters' backoff (5 min, 15 min, 1 h); here Prefect waits 0 s
between attempts while each attempt still acts at the moment its schedule says (time is an input),
so the tests take seconds. An ``on_running`` hook counts the attempts and brings a server up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from common.settings import get_settings
from notifications.models import Letter
from notifications.retries import TASK_RETRY_DELAYS, attempt_moment
from storage.db import make_engine, session_scope, upgrade_database
from tests.factories import COORDINATOR, launched, moment
from tests.smtp_server import SmtpServer
from tests.test_notifications import SOSH1, TICK_DAY, decide

pytestmark = pytest.mark.prefect

SENDER = "nastavnik@beloyarsky-edu.example.ru"


@pytest.fixture
def prefect_api(prefect_harness: None) -> None:
    """The session's Prefect test harness (tests/conftest.py)."""


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    """Three schools, launched and decided on 20 May 2022: five letters to send."""
    url = f"sqlite:///{tmp_path / 'nastavnik.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    launched(engine, tmp_path, schools=3)
    decide(engine)
    yield engine, url
    engine.dispose()


@pytest.fixture
def smtp_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[[str], None]]:
    """Point the task's settings (the environment, as in production) at a server."""

    def point(url: str) -> None:
        monkeypatch.setenv("NASTAVNIK_SMTP_URL", url)
        monkeypatch.setenv("NASTAVNIK_MAIL_FROM", SENDER)
        monkeypatch.setenv("NASTAVNIK_MAIL_DIR", str(tmp_path / "mail"))
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


def _task(
    attempts: list[int], *, on_attempt: Callable[[int], None] | None = None, **options: Any
) -> Any:
    """flows.tick.deliver_task without real waiting, recording each attempt's run count."""
    from flows.tick import deliver_task

    def running(_task: Any, task_run: Any, _state: Any) -> None:
        attempts.append(task_run.run_count)
        if on_attempt is not None:
            on_attempt(task_run.run_count)

    return deliver_task.with_options(retry_delay_seconds=0, on_running=[running], **options)


def _statuses(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(Letter).where(Letter.status != "cancelled").order_by(col(Letter.id))
        )
        return {letter.recipient: letter.status for letter in rows}


NOW = moment(TICK_DAY, 10)


def test_attempts_act_at_the_letters_backoff_after_the_first() -> None:
    assert TASK_RETRY_DELAYS == [300.0, 900.0, 3600.0]
    assert [attempt_moment(NOW, n) - NOW for n in (1, 2, 3, 4)] == [
        timedelta(0),
        timedelta(minutes=5),
        timedelta(minutes=20),
        timedelta(minutes=80),
    ]


def test_a_server_down_at_first_fails_the_attempt_and_the_retry_sends_every_letter_once(
    prefect_api: None, database: tuple[Engine, str], smtp_env: Callable[[str], None]
) -> None:
    engine, url = database
    server = SmtpServer()  # nobody listens on its port yet
    smtp_env(server.url)
    attempts: list[int] = []

    def bring_up(run_count: int) -> None:
        if run_count == 2:
            statuses = _statuses(engine)
            # the first attempt recorded every letter as waiting before it failed
            assert set(statuses.values()) == {"pending"} and len(statuses) == 5
            server.start()

    try:
        state = _task(attempts, on_attempt=bring_up)(url, NOW, return_state=True)
        assert state.is_completed(), state.message
        assert attempts == [1, 2]
        assert (
            state.result()
            == "письма: отправлено 5, ждут рабочего времени 0, не доставлено 0, ждут повтора 0"
        )
        ids = server.sink.message_ids()
        assert len(ids) == 5 and len(set(ids)) == 5
        assert set(_statuses(engine).values()) == {"sent"}
    finally:
        server.stop()


def test_letters_put_off_with_4xx_go_out_at_the_retry_five_minutes_later(
    prefect_api: None, database: tuple[Engine, str], smtp_env: Callable[[str], None]
) -> None:
    engine, url = database
    server = SmtpServer().start()
    server.sink.temporary_failures = 5  # greylisting: every letter of the first attempt gets 451
    smtp_env(server.url)
    attempts: list[int] = []
    try:
        state = _task(attempts)(url, NOW, return_state=True)
        assert state.is_completed(), state.message
        assert attempts == [1, 2]
        assert len(server.sink.received) == 5 and len(set(server.sink.message_ids())) == 5
        with session_scope(engine) as session:
            letters = session.exec(select(Letter).where(Letter.status == "sent")).all()
        assert len(letters) == 5
        # tried twice, sent at the second attempt's moment
        assert {(letter.attempts, letter.sent_at) for letter in letters} == {
            (2, NOW + timedelta(minutes=5))
        }
    finally:
        server.stop()


def test_an_unknown_mailbox_is_failed_without_a_retry(
    prefect_api: None, database: tuple[Engine, str], smtp_env: Callable[[str], None]
) -> None:
    engine, url = database
    server = SmtpServer().start()
    server.sink.refuse[SOSH1] = f"550 5.1.1 <{SOSH1}>: Recipient address rejected: User unknown"
    smtp_env(server.url)
    attempts: list[int] = []
    try:
        state = _task(attempts)(url, NOW, return_state=True)
        assert state.is_completed(), state.message
        assert attempts == [1]
        assert state.result().startswith(
            "письма: отправлено 4, ждут рабочего времени 0, не доставлено 1"
        )
        statuses = _statuses(engine)
        assert statuses[SOSH1] == "failed" and statuses[COORDINATOR] == "sent"
    finally:
        server.stop()


def test_a_server_down_through_every_retry_fails_the_task_and_loses_no_letter(
    prefect_api: None, database: tuple[Engine, str], smtp_env: Callable[[str], None]
) -> None:
    engine, url = database
    server = SmtpServer()
    smtp_env(server.url)
    attempts: list[int] = []
    state = _task(attempts, retries=2)(url, NOW, return_state=True)
    assert state.is_failed()
    assert attempts == [1, 2, 3]
    with pytest.raises(
        Exception, match="ждут повтора 5 — почтовый сервер недоступен: smtp://127.0.0.1"
    ):
        state.result()
    assert set(_statuses(engine).values()) == {"pending"}
    # the next delivery, with the server up, sends them
    server.start()
    try:
        from notifications.delivery import deliver_pending

        report = deliver_pending(engine=engine, now=NOW + timedelta(hours=2))
        assert report.sent == 5 and len(server.sink.received) == 5
    finally:
        server.stop()


def test_a_bad_smtp_url_is_not_retried(
    prefect_api: None, database: tuple[Engine, str], smtp_env: Callable[[str], None]
) -> None:
    _, url = database
    smtp_env("smtp:/nohost")
    attempts: list[int] = []
    state = _task(attempts)(url, NOW, return_state=True)
    assert state.is_failed() and attempts == [1]
    with pytest.raises(Exception, match="NASTAVNIK_SMTP_URL"):
        state.result()


def test_the_tick_flow_decides_then_delivers_through_a_retry(
    prefect_api: None,
    tmp_path: Path,
    smtp_env: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import flows.tick

    url = f"sqlite:///{tmp_path / 'nastavnik.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    launched(engine, tmp_path, schools=3)
    server = SmtpServer()
    smtp_env(server.url)
    attempts: list[int] = []

    def bring_up(run_count: int) -> None:
        if run_count == 2:
            server.start()

    monkeypatch.setattr(flows.tick, "deliver_task", _task(attempts, on_attempt=bring_up))
    try:
        decided = flows.tick.tick_flow(url, now=NOW, send=True)
        assert sum(decided.values()) > 0
        assert attempts == [1, 2]
        assert len(server.sink.received) == 5
        assert set(_statuses(engine).values()) == {"sent"}
    finally:
        server.stop()
        engine.dispose()
