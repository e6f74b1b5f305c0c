"""Delivery to a real SMTP server on loopback (aiosmtpd): accepted, 4xx, 5xx, down, a sender killed."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from notifications.delivery import LEASE, deliver_pending
from notifications.models import Letter
from storage.db import session_scope
from storage.models import OutboxItem
from tests.factories import COORDINATOR, HEAD, launched, moment
from tests.smtp_server import SmtpServer
from tests.test_notifications import BASE, SOSH1, TICK_DAY, decide, settings_for

SENDER = "nastavnik@beloyarsky-edu.example.ru"
SHORT_LEASE = timedelta(
    seconds=4
)  # the killed sender's lease: run out on the real clock in the test


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def decided(engine: Engine, tmp_path: Path) -> Engine:
    launched(engine, tmp_path, schools=3)
    decide(engine)
    return engine


def letters(engine: Engine) -> list[Letter]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(Letter).where(Letter.status != "cancelled").order_by(col(Letter.id))
            )
        )


def test_letters_reach_the_server_with_both_parts_in_russian_one_per_recipient(
    decided: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    report = deliver_pending(
        engine=decided, now=moment(TICK_DAY, 10), settings=settings_for(tmp_path, smtp.url)
    )
    assert (
        str(report)
        == "письма: отправлено 5, ждут рабочего времени 0, не доставлено 0, ждут повтора 0"
    )
    received = smtp.sink.received
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(
        [
            COORDINATOR,
            HEAD,
            SOSH1,
            "sosh2@beloyarsky-edu.example.ru",
            "sosh3@beloyarsky-edu.example.ru",
        ]
    )
    assert all(r.mail_from == SENDER and len(r.rcpt_tos) == 1 for r in received)
    school = smtp.sink.to(SOSH1)[0]
    assert school.subject == (
        "Наставничество (Белоярский район): 3 просроченных шага, 1 напоминание о сроке "
        "— МАОУ СОШ № 1 г. Белоярский"
    )
    assert school.header("Reply-To") == f"Кузнецова Ольга Викторовна <{COORDINATOR}>"
    assert school.header("From") == f"Наставник <{SENDER}>"
    assert school.message["To"] == SOSH1
    assert school.message["Message-ID"].startswith("<letter-")
    assert school.message.get_content_type() == "multipart/alternative"
    assert (
        "Срок: 15 мая 2022 г. (вс) → 16 мая — просрочено на 4 рабочих дня." in school.text
    )  # ГК РФ ст. 193
    assert "просрочено на 4 рабочих дня" in school.html and "<a href=" in school.html
    assert f"{BASE}/schools/sosh1/steps/" in school.text
    # the digest: one letter, grouped by roadmap then school; the coordinator's lists all three
    coordinator = smtp.sink.to(COORDINATOR)[0].text
    assert coordinator.count("=== План мероприятий (дорожная карта)") == 1
    order = [
        coordinator.index(n)
        for n in ("Муниципальный уровень", "МАОУ СОШ № 1", "МАОУ СОШ № 2", "МАОУ СОШ № 3")
    ]
    assert order == sorted(order)
    with session_scope(decided) as session:
        assert {i.status for i in session.exec(select(OutboxItem))} == {"sent"}


def test_a_server_answering_4xx_gets_the_letter_later_once(
    decided: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    smtp.sink.temporary_failures = 1
    now = moment(TICK_DAY, 10)
    report = deliver_pending(engine=decided, now=now, settings=settings_for(tmp_path, smtp.url))
    assert (report.sent, report.failed, report.waiting) == (4, 0, 1)
    waiting = [letter for letter in letters(decided) if letter.status == "pending"]
    assert (
        len(waiting) == 1
        and waiting[0].last_error is not None
        and waiting[0].last_error.startswith("почтовый сервер временно не принял письмо")
    )
    assert waiting[0].next_attempt_at == now + timedelta(minutes=5)
    # not before its retry time
    early = deliver_pending(
        engine=decided, now=now + timedelta(minutes=1), settings=settings_for(tmp_path, smtp.url)
    )
    assert early.sent == 0 and early.waiting == 1
    later = deliver_pending(
        engine=decided, now=now + timedelta(minutes=6), settings=settings_for(tmp_path, smtp.url)
    )
    assert (later.sent, later.waiting) == (1, 0)
    assert len(smtp.sink.received) == 5
    assert len(set(smtp.sink.message_ids())) == 5


def test_an_unknown_mailbox_fails_with_the_servers_reason_and_the_coordinator_is_told(
    decided: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    smtp.sink.refuse[SOSH1] = f"550 5.1.1 <{SOSH1}>: Recipient address rejected: User unknown"
    now = moment(TICK_DAY, 10)
    report = deliver_pending(engine=decided, now=now, settings=settings_for(tmp_path, smtp.url))
    assert (report.sent, report.failed, report.waiting) == (4, 1, 0)
    failed = [letter for letter in letters(decided) if letter.status == "failed"]
    assert len(failed) == 1 and failed[0].recipient == SOSH1
    assert failed[0].last_error == (
        "адрес получателя не существует или отклонён "
        f"[сервер: 550 5.1.1 <{SOSH1}>: Recipient address rejected: User unknown]"
    )
    with session_scope(decided) as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.recipient == SOSH1)).all()
        assert {i.status for i in items} == {"failed"}
    # the next delivery tells the coordinator, once
    report = deliver_pending(
        engine=decided, now=now + timedelta(hours=1), settings=settings_for(tmp_path, smtp.url)
    )
    assert report.sent == 1
    notice = smtp.sink.received[-1]
    assert notice.rcpt_tos == [COORDINATOR]
    assert notice.subject == "Наставничество (Белоярский район): 1 недоставленное письмо"
    assert "=== Недоставленные письма ===" in notice.text
    assert f"{SOSH1}: Наставничество (Белоярский район): 3 просроченных шага" in notice.text
    assert (
        "Ответ сервера: адрес получателя не существует или отклонён [сервер: 550 5.1.1"
        in notice.text
    )
    assert (
        deliver_pending(
            engine=decided, now=now + timedelta(hours=2), settings=settings_for(tmp_path, smtp.url)
        ).sent
        == 0
    )
    # fixed on the server side: retried by hand, the same letter goes out
    del smtp.sink.refuse[SOSH1]
    from notifications.delivery import retry_letter

    retry_letter(engine=decided, letter_id=failed[0].id or 0, now=now + timedelta(hours=3))
    report = deliver_pending(
        engine=decided, now=now + timedelta(hours=3), settings=settings_for(tmp_path, smtp.url)
    )
    assert report.sent == 1
    assert smtp.sink.received[-1].message["Message-ID"] == failed[0].message_id


def test_letters_wait_while_the_server_is_down_and_go_out_when_it_is_back(
    decided: Engine, tmp_path: Path
) -> None:
    server = SmtpServer()  # a port nobody listens on yet
    now = moment(TICK_DAY, 10)
    report = deliver_pending(engine=decided, now=now, settings=settings_for(tmp_path, server.url))
    assert (report.sent, report.failed, report.waiting) == (0, 0, 5)
    assert report.server_error is not None and "127.0.0.1" in report.server_error
    assert str(report).startswith(
        "письма: отправлено 0, ждут рабочего времени 0, не доставлено 0, ждут повтора 5"
    )
    assert {letter.status for letter in letters(decided)} == {"pending"}
    assert all(letter.attempts == 0 for letter in letters(decided))
    server.start()
    try:
        report = deliver_pending(
            engine=decided,
            now=now + timedelta(hours=1),
            settings=settings_for(tmp_path, server.url),
        )
        assert (report.sent, report.waiting) == (5, 0)
        assert len(server.sink.received) == 5
    finally:
        server.stop()


_SENDER_SCRIPT = """
import sys
from datetime import datetime, timedelta
from storage.db import make_engine
from common.settings import Settings
from notifications.delivery import deliver_pending
from pathlib import Path
url, smtp, now, mail_dir, lease = sys.argv[1:]
settings = Settings(smtp_url=smtp, mail_from="nastavnik@beloyarsky-edu.example.ru", mail_dir=Path(mail_dir),
                    base_url="https://nastavnik.beloyarsky.example.ru")
print(deliver_pending(engine=make_engine(url), now=datetime.fromisoformat(now), settings=settings,
                      lease=timedelta(seconds=float(lease))), flush=True)
"""


def test_a_sender_killed_mid_batch_loses_no_letter_and_sends_none_twice(
    sqlite_engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    launched(sqlite_engine, tmp_path, schools=12)
    decide(sqlite_engine)
    now = moment(TICK_DAY, 10)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    smtp.sink.kill_after = 6
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _SENDER_SCRIPT,
            url,
            smtp.url,
            now.isoformat(),
            str(tmp_path / "mail"),
            str(SHORT_LEASE.total_seconds()),
        ],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    smtp.sink.kill_pid = process.pid
    process.wait(timeout=60)
    assert process.returncode == -9, process.stderr.read() if process.stderr else ""
    assert len(smtp.sink.received) == 6
    states = [letter.status for letter in letters(sqlite_engine)]
    # the letters of its claimed batch hold their lease; none is marked sent without being accepted
    assert states.count("sent") == 6 and states.count("sending") >= 1
    in_flight = states.count("sending")
    # restarted at once, even with a business time far later: the lease runs on the database's
    # clock, so what the dead sender claimed is still held; the rest go out
    again = deliver_pending(
        engine=sqlite_engine,
        now=now + LEASE + timedelta(minutes=5),
        settings=settings_for(tmp_path, smtp.url),
    )
    assert again.waiting == in_flight
    # once the lease has run out on the real clock the letters in flight go out too, at any `now`
    time.sleep(SHORT_LEASE.total_seconds() + 0.2)
    deliver_pending(engine=sqlite_engine, now=now, settings=settings_for(tmp_path, smtp.url))
    total = len(letters(sqlite_engine))
    assert total == 14  # 12 schools, the coordinator, the head
    assert {letter.status for letter in letters(sqlite_engine)} == {"sent"}
    ids = smtp.sink.message_ids()
    assert len(ids) == total and len(set(ids)) == total


def test_two_deliverers_at_once_send_every_letter_once(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    launched(engine, tmp_path, schools=12)
    decide(engine)
    now = moment(TICK_DAY, 10)
    reports = []

    def run() -> None:
        reports.append(
            deliver_pending(engine=engine, now=now, settings=settings_for(tmp_path, smtp.url))
        )

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in reports) == 14
    ids = smtp.sink.message_ids()
    assert len(ids) == 14 and len(set(ids)) == 14


def test_mail_test_command_reaches_the_smtp_server(
    smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    from typer.testing import CliRunner

    from common.settings import get_settings
    from nastavnik.cli_outbox import mail_app

    monkeypatch.setenv("NASTAVNIK_SMTP_URL", smtp.url)
    monkeypatch.setenv("NASTAVNIK_MAIL_FROM", SENDER)
    get_settings.cache_clear()
    try:
        app = typer.Typer()
        app.add_typer(mail_app, name="mail")
        result = CliRunner().invoke(app, ["mail", "test", "--to", "admin@x.ru"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert f"принято сервером smtp://127.0.0.1:{smtp.port} для admin@x.ru" in result.output
    assert smtp.sink.received[0].rcpt_tos == ["admin@x.ru"]
    assert smtp.sink.received[0].subject == "Наставник: проверка почты"


def test_quiet_hours_keep_even_a_working_server_silent(
    decided: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    report = deliver_pending(
        engine=decided, now=moment(date(2022, 5, 21), 11), settings=settings_for(tmp_path, smtp.url)
    )
    assert (report.sent, report.deferred) == (0, 5)
    assert smtp.sink.received == []
