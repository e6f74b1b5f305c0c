"""Leases on the database's clock, a tick's exit status, steps done while a tick sends.

Everything goes to a real SMTP server on loopback (aiosmtpd, tests/smtp_server.py); the CLI tests
run `nastavnik tick` as a subprocess, as cron or an administrator does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from engine.actions import Actor, mark_done
from notifications.compose import EMPTIED
from notifications.delivery import DeliveryReport, deliver_pending
from notifications.models import Letter
from storage.db import session_scope
from storage.models import OutboxItem, RoadmapRun, StepInstance
from tests.factories import COORDINATOR, HEAD, launched, moment
from tests.smtp_server import SmtpServer
from tests.test_notifications import BASE, TICK_DAY, decide, settings_for

ROOT = Path(__file__).resolve().parents[1]
SENDER = "nastavnik@beloyarsky-edu.example.ru"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def _wait_for(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_tick_overlapping_a_slow_delivery_sends_no_letter_twice(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    """The case of issue #12: a tick at 09:11 overlapping a slow delivery begun at 09:00."""
    launched(engine, tmp_path, schools=12)
    decide(engine)
    smtp.sink.delay = 0.15  # a slow server: 14 letters take ~2 s
    settings = settings_for(tmp_path, smtp.url)
    reports: list[DeliveryReport] = []
    slow = threading.Thread(
        target=lambda: reports.append(
            deliver_pending(engine=engine, now=moment(TICK_DAY, 9), settings=settings)
        )
    )
    slow.start()
    _wait_for(lambda: len(smtp.sink.received) >= 1)
    # eleven minutes later by business time: past a lease counted from the first run's `now`
    later = deliver_pending(engine=engine, now=moment(TICK_DAY, 9, 11), settings=settings)
    slow.join(timeout=60)
    ids = smtp.sink.message_ids()
    assert len(ids) == 14 and len(set(ids)) == 14
    assert reports[0].sent + later.sent == 14
    assert reports[0].sent >= 10  # the slow run kept the batch it held


def test_a_batch_slower_than_its_lease_keeps_its_letters_from_a_second_deliverer(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    """Ten letters at 0.4 s each under a 2 s lease: renewed as it goes, none is taken or sent twice."""
    launched(engine, tmp_path, schools=12)
    decide(engine)
    lease = timedelta(seconds=2)
    smtp.sink.delay = 0.4
    settings = settings_for(tmp_path, smtp.url)
    reports: list[DeliveryReport] = []
    slow = threading.Thread(
        target=lambda: reports.append(
            deliver_pending(engine=engine, now=moment(TICK_DAY, 10), settings=settings, lease=lease)
        )
    )
    slow.start()
    _wait_for(lambda: len(smtp.sink.received) >= 1)
    time.sleep(lease.total_seconds() + 0.3)  # the batch's first leases would have run out by now
    other = deliver_pending(engine=engine, now=moment(TICK_DAY, 10), settings=settings)
    slow.join(timeout=60)
    ids = smtp.sink.message_ids()
    assert len(ids) == 14 and len(set(ids)) == 14
    assert reports[0].sent >= 10 and reports[0].taken_over == 0
    assert reports[0].sent + other.sent == 14
    with session_scope(engine) as session:
        assert {letter.status for letter in session.exec(select(Letter))} == {"sent"}


def _tick(db_url: str, smtp_url: str, now: str, mail_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NASTAVNIK_DB": db_url,
        "NASTAVNIK_SMTP_URL": smtp_url,
        "NASTAVNIK_MAIL_FROM": SENDER,
        "NASTAVNIK_MAIL_DIR": str(mail_dir),
        "NASTAVNIK_BASE_URL": BASE,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-c", "from nastavnik.cli import main; main()", "tick", "--now", now],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_tick_exits_non_zero_with_a_russian_reason_until_every_letter_went_out(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    launched(sqlite_engine, tmp_path, schools=3)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    server = SmtpServer()  # not started: the mail server is down
    down = _tick(url, server.url, "2022-05-20T10:00:00+05:00", tmp_path / "mail")
    assert down.returncode == 75, down.stderr
    reason = down.stderr.strip().splitlines()
    assert len(reason) == 1 and "Traceback" not in down.stderr
    assert reason[0].startswith("Не все письма доставлены: почтовый сервер недоступен (")
    assert reason[0].endswith("; 5 писем ждут повторной попытки.")

    server.sink.temporary_failures = 1  # back, but greylists the first letter
    server.start()
    try:
        put_off = _tick(url, server.url, "2022-05-20T10:01:00+05:00", tmp_path / "mail")
        assert put_off.returncode == 75, put_off.stderr
        assert put_off.stderr.strip() == (
            "Не все письма доставлены: сервер отложил 1 письмо "
            "(почтовый сервер временно не принял письмо: письмо отправится позже "
            "[сервер: 451 4.7.1 Greylisted, try again later]); 1 письмо ждёт повторной попытки."
        )
        assert len(server.sink.received) == 4
        done = _tick(url, server.url, "2022-05-20T10:07:00+05:00", tmp_path / "mail")
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
    finally:
        server.stop()
    ids = server.sink.message_ids()
    assert len(ids) == 5 and len(set(ids)) == 5


def test_tick_exits_1_when_the_server_refuses_a_mailbox(
    sqlite_engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    launched(sqlite_engine, tmp_path, schools=3)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    smtp.sink.refuse[HEAD] = "550 5.1.1 No such mailbox"
    refused = _tick(url, smtp.url, "2022-05-20T10:00:00+05:00", tmp_path / "mail")
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.strip() == (
        "Не все письма доставлены: сервер отказался принять 1 письмо "
        "(адрес получателя не существует или отклонён [сервер: 550 5.1.1 No such mailbox]), "
        "список: nastavnik outbox --failed."
    )
    assert len(smtp.sink.received) == 4


def test_steps_done_while_a_tick_sends_drop_out_of_the_letters_not_yet_claimed(
    sqlite_engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    """Acts land after composing: a later letter loses those steps; one left empty is not sent."""
    launched(sqlite_engine, tmp_path, schools=12)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    chosen: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def act(received: int) -> None:
        if received != 1:
            return
        try:
            # the first batch of ten is claimed; two school letters still wait to be claimed
            with session_scope(sqlite_engine) as session:
                run = session.exec(select(RoadmapRun)).one()
                waiting = session.exec(
                    select(Letter)
                    .where(
                        Letter.status == "pending",
                        col(Letter.recipient).not_in([COORDINATOR, HEAD]),
                    )
                    .order_by(col(Letter.id))
                ).all()
                assert len(waiting) >= 2, [w.recipient for w in waiting]
                for letter, every in ((waiting[0], True), (waiting[1], False)):
                    rows = (
                        session.exec(
                            select(StepInstance)
                            .join(
                                OutboxItem, col(OutboxItem.step_instance_id) == col(StepInstance.id)
                            )
                            .where(OutboxItem.letter_id == letter.id)
                            .order_by(col(StepInstance.id))
                        )
                        .unique()
                        .all()
                    )
                    done = rows if every else rows[:1]
                    chosen[letter.recipient] = [f"• {step.step_code} " for step in done]
                    for step in done:
                        mark_done(
                            session=session,
                            run=run,
                            code=step.step_code,
                            school=step.school_id,
                            actor=Actor(letter.recipient),
                            now=moment(TICK_DAY, 10, 1),
                            occurrence=step.occurrence,
                        )
        except BaseException as error:  # reported by the test, not swallowed by the server
            errors.append(error)

    smtp.sink.on_data = act
    result = _tick(url, smtp.url, "2022-05-20T10:00:00+05:00", tmp_path / "mail")
    assert not errors, errors
    assert result.returncode == 0, result.stderr
    (emptied, every_step), (rewritten, one_step) = chosen.items()
    assert smtp.sink.to(emptied) == []
    [letter] = smtp.sink.to(rewritten)
    assert one_step[0] not in letter.text and "•" in letter.text
    ids = smtp.sink.message_ids()
    assert len(ids) == 13 and len(set(ids)) == 13
    with session_scope(sqlite_engine) as session:
        [record] = session.exec(select(Letter).where(Letter.recipient == emptied)).all()
        assert (record.status, record.last_error) == ("cancelled", EMPTIED)
    dropped = len(every_step) + len(one_step)
    assert (
        f"выполнено после составления: убрано мероприятий {dropped}, не отправлено писем 1"
        in result.stdout
    )
