"""Letters stored as bytes: migrations 0005 and 0015 up and down, the bytes that go out, older rows without
them, and one SMTP connection (pipelined when offered) carrying a whole run, on a real aiosmtpd."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner

from nastavnik.cli_outbox import outbox_app
from notifications.compose import compose_letters
from notifications.delivery import deliver_pending
from notifications.mime import build_message, encoded_words
from notifications.models import Letter
from notifications.smtp import _dot_stuffed
from storage.db import _alembic_config, make_engine, session_scope
from tests.conftest import PG_SKIP_REASON, PG_URL, _pg_engine
from tests.factories import launched, moment
from tests.smtp_server import Sink, SmtpServer
from tests.test_notifications import BASE, SOSH1, TICK_DAY, decide, settings_for

NOW = moment(TICK_DAY, 10)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no schema at all, for walking the migrations by hand."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    yield from _pg_engine()


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command

    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


def _letter_columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("letter")}


def test_migration_0005_adds_the_mime_column_and_its_downgrade_drops_it_keeping_the_letters(
    empty_engine: Engine,
) -> None:
    _migrate(empty_engine, "upgrade", "0004")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO municipality (id, name, timezone, committee_name, place, coordinator_name, "
                "coordinator_email, head_name, head_position, head_email) VALUES (1, 'Белоярский район', "
                "'Asia/Yekaterinburg', '', '', '', '', '', '', '')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO letter (id, municipality_id, recipient, kind, status, message_id, mail_from, "
                "reply_to, subject, body_text, body_html, item_count, attempts) VALUES (7, 1, :to, "
                "'school', 'pending', '<letter-7.ab@x.ru>', 'n@x.ru', '', 'Тема', 'Текст', '', 1, 0)"
            ),
            {"to": SOSH1},
        )
    assert "mime" not in _letter_columns(empty_engine)
    _migrate(empty_engine, "upgrade", "0005")
    assert "mime" in _letter_columns(empty_engine)
    with empty_engine.connect() as connection:
        row = connection.execute(text("SELECT subject, body_text, mime FROM letter")).one()
    assert tuple(row) == ("Тема", "Текст", None)
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE letter SET mime = :data"), {"data": b"From: n@x.ru\r\n"})
    _migrate(empty_engine, "downgrade", "0004")
    assert "mime" not in _letter_columns(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT id, subject FROM letter")).one() == (7, "Тема")
        # batch mode rebuilt the SQLite table: its indexes are still there
        names = {i["name"] for i in inspect(connection).get_indexes("letter")}
    assert {"ix_letter_status", "ix_letter_recipient", "ix_letter_next_attempt_at"} <= names


def test_migration_0015_moves_the_bodies_and_bytes_to_letter_content_and_back(
    empty_engine: Engine,
) -> None:
    _migrate(empty_engine, "upgrade", "0014")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO municipality (id, name, timezone, committee_name, place, coordinator_name, "
                "coordinator_email, head_name, head_position, head_email) VALUES (1, 'Белоярский район', "
                "'Asia/Yekaterinburg', '', '', '', '', '', '', '')"
            )
        )
        for number, mime in ((7, b"From: n@x.ru\r\n\r\nok\r\n"), (8, None)):
            connection.execute(
                text(
                    "INSERT INTO letter (id, municipality_id, recipient, kind, status, message_id, "
                    "mail_from, reply_to, subject, body_text, body_html, mime, item_count, attempts) "
                    "VALUES (:id, 1, :to, 'school', 'sent', '<letter-7.ab@x.ru>', 'n@x.ru', '', "
                    "'Тема', :text, '<p>Текст</p>', :mime, 1, 1)"
                ),
                {"id": number, "to": SOSH1, "text": f"Текст {number}", "mime": mime},
            )
    _migrate(empty_engine, "upgrade", "0015")
    assert not {"mime", "body_text", "body_html"} & _letter_columns(empty_engine)
    with empty_engine.connect() as connection:
        moved = connection.execute(
            text("SELECT letter_id, body_text, body_html, mime FROM letter_content ORDER BY 1")
        ).all()
    assert [tuple(row) for row in moved] == [
        (7, "Текст 7", "<p>Текст</p>", b"From: n@x.ru\r\n\r\nok\r\n"),
        (8, "Текст 8", "<p>Текст</p>", None),
    ]
    with session_scope(empty_engine) as session:
        letter = session.get(Letter, 7)
        assert letter is not None
    assert (letter.body_text, letter.mime) == ("Текст 7", b"From: n@x.ru\r\n\r\nok\r\n")
    with empty_engine.begin() as connection:
        connection.execute(
            text("UPDATE letter_content SET body_text = 'Новый' WHERE letter_id = 8")
        )
    _migrate(empty_engine, "downgrade", "0014")
    assert {"mime", "body_text", "body_html"} <= _letter_columns(empty_engine)
    assert "letter_content" not in inspect(empty_engine).get_table_names()
    with empty_engine.connect() as connection:
        back = connection.execute(
            text("SELECT id, subject, body_text, body_html, mime FROM letter ORDER BY id")
        ).all()
        names = {i["name"] for i in inspect(connection).get_indexes("letter")}
    assert [tuple(row) for row in back] == [
        (7, "Тема", "Текст 7", "<p>Текст</p>", b"From: n@x.ru\r\n\r\nok\r\n"),
        (8, "Тема", "Новый", "<p>Текст</p>", None),
    ]
    assert {"ix_letter_status", "ix_letter_recipient", "ix_letter_next_attempt_at"} <= names


@pytest.fixture
def decided(engine: Engine, tmp_path: Path) -> Engine:
    launched(engine, tmp_path, schools=3)
    decide(engine)
    return engine


def _stored(engine: Engine) -> dict[str, Letter]:
    with session_scope(engine) as session:
        rows = session.exec(select(Letter).where(Letter.status != "cancelled"))
        return {letter.recipient: letter for letter in rows}


def test_composing_stores_the_message_that_is_sent_byte_for_byte(
    decided: Engine, tmp_path: Path
) -> None:
    server = SmtpServer().start()
    try:
        with session_scope(decided) as session:
            compose_letters(session=session, now=NOW, settings=settings_for(tmp_path, server.url))
        stored = _stored(decided)
        letter = stored[SOSH1]
        assert letter.mime is not None and letter.mime.isascii()
        parsed = email.message_from_bytes(letter.mime, policy=default)
        assert parsed["Message-ID"] == letter.message_id
        assert parsed["Subject"] == letter.subject
        assert parsed.get_body(("plain",)).get_content() == letter.body_text  # type: ignore[union-attr]
        assert parsed.get_body(("html",)).get_content() == letter.body_html  # type: ignore[union-attr]
        report = deliver_pending(
            engine=decided, now=NOW, settings=settings_for(tmp_path, server.url)
        )
        assert report.sent == 5
        # delivery composed again (nothing had been attempted): the same Message-ID and bytes
        again = _stored(decided)
        for received in server.sink.received:
            sent = again[received.rcpt_tos[0]]
            assert sent.message_id == stored[sent.recipient].message_id
            assert received.data.replace(b"\r\n", b"\n") == (sent.mime or b"").replace(
                b"\r\n", b"\n"
            )
    finally:
        server.stop()


def test_a_letter_stored_without_bytes_is_built_from_its_parts_sent_and_shown(
    decided: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(decided) as session:
        compose_letters(session=session, now=NOW, settings=settings_for(tmp_path))
    # as composed before migration 0005, and attempted once (so not composed again)
    with decided.begin() as connection:
        connection.execute(text("UPDATE letter_content SET mime = NULL"))
        connection.execute(text("UPDATE letter SET attempts = 1"))
    stored = _stored(decided)
    assert all(letter.mime is None for letter in stored.values())
    if decided.dialect.name == "sqlite":
        from common.settings import get_settings

        monkeypatch.setenv("NASTAVNIK_DB", decided.url.render_as_string(hide_password=False))
        get_settings.cache_clear()
        app = typer.Typer()
        app.add_typer(outbox_app, name="outbox")
        shown = CliRunner().invoke(app, ["outbox", "show", str(stored[SOSH1].id), "--raw"])
        get_settings.cache_clear()
        assert shown.exit_code == 0, shown.output
        assert f"Message-ID: {stored[SOSH1].message_id}" in shown.output
    server = SmtpServer().start()
    try:
        report = deliver_pending(
            engine=decided, now=NOW, settings=settings_for(tmp_path, server.url)
        )
        assert report.sent == 5
        school = server.sink.to(SOSH1)[0]
        assert school.message["Message-ID"] == stored[SOSH1].message_id
        assert school.subject == stored[SOSH1].subject
        assert school.text == stored[SOSH1].body_text
        assert f"{BASE}/schools/sosh1/steps/" in school.text
    finally:
        server.stop()


class CountingSink(Sink):
    """The loopback server, counting connections (EHLO) and optionally offering PIPELINING."""

    def __init__(self, *, pipelining: bool) -> None:
        super().__init__()
        self.pipelining = pipelining
        self.connections = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname  # the hook replaces aiosmtpd's own bookkeeping
        self.connections += 1
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses


@pytest.mark.parametrize("pipelining", [False, True], ids=["sequential", "pipelined"])
def test_one_connection_carries_the_run_through_a_4xx_and_a_5xx(
    sqlite_engine: Engine, tmp_path: Path, pipelining: bool
) -> None:
    launched(sqlite_engine, tmp_path, schools=6)
    decide(sqlite_engine)
    sink = CountingSink(pipelining=pipelining)
    sink.refuse[SOSH1] = f"550 5.1.1 <{SOSH1}>: User unknown"
    sink.temporary_failures = 1  # the first other recipient is greylisted once
    server = SmtpServer(sink).start()
    try:
        report = deliver_pending(
            engine=sqlite_engine, now=NOW, settings=settings_for(tmp_path, server.url)
        )
        assert (report.sent, report.failed, report.temporary) == (6, 1, 1)
        assert sink.connections == 1
        assert len(sink.received) == 6 and len(set(sink.message_ids())) == 6
        assert all(len(r.rcpt_tos) == 1 for r in sink.received)
        with session_scope(sqlite_engine) as session:
            failed = session.exec(select(Letter).where(Letter.status == "failed")).one()
            waiting = session.exec(
                select(Letter).where(Letter.status == "pending").order_by(col(Letter.id))
            ).one()
        assert failed.recipient == SOSH1 and (failed.last_error or "").startswith(
            "адрес получателя не существует или отклонён [сервер: 550 5.1.1"
        )
        assert (waiting.last_error or "").startswith(
            "почтовый сервер временно не принял письмо: письмо отправится позже [сервер: 451 4.7.1"
        )
        # the letters after the refused ones went out on the same connection
        received = {r.rcpt_tos[0] for r in sink.received}
        assert waiting.recipient not in received and SOSH1 not in received
        assert len(received | {waiting.recipient, SOSH1}) == 8
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("data", "wire"),
    [
        (b"a\r\nb\r\n", b"a\r\nb\r\n"),
        (b".a\r\n.\r\nb\r\n", b"..a\r\n..\r\nb\r\n"),
        (b"a\r\n..b", b"a\r\n...b\r\n"),
    ],
)
def test_lines_starting_with_a_dot_are_stuffed_for_data(data: bytes, wire: bytes) -> None:
    assert _dot_stuffed(data) == wire


@pytest.mark.parametrize(
    "subject",
    [
        "Наставничество (Белоярский район): 3 просроченных шага, 1 напоминание о сроке — МАОУ СОШ № 3",
        "Эскалация: " + "высокопревосходительство" * 3 + " и ещё",  # one word longer than a line
        "Short ASCII subject",
        "ASCII " * 20,
    ],
)
def test_a_subject_of_any_length_folds_under_78_columns_and_reads_back(subject: str) -> None:
    message = build_message(
        subject=subject,
        text="Текст",
        html=None,
        mail_from='"Наставник" <n@x.ru>',
        to="s@x.ru",
        reply_to=None,
        message_id="<letter-1.ab@x.ru>",
        date_=datetime(2022, 5, 20, 5, tzinfo=UTC),
    )
    head = message.data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert email.message_from_bytes(message.data, policy=default)["Subject"] == subject
    assert all(len(word) <= 75 for word in encoded_words(subject))


def test_a_large_run_spreads_over_several_connections_and_sends_each_letter_once(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import notifications.delivery

    launched(engine, tmp_path, schools=12)
    decide(engine)
    # 14 letters: one connection per 3 due, at most ?connections=3
    monkeypatch.setattr(notifications.delivery, "LETTERS_PER_CONNECTION", 3)
    sink = CountingSink(pipelining=False)
    sink.refuse[SOSH1] = f"550 5.1.1 <{SOSH1}>: User unknown"
    server = SmtpServer(sink).start()
    try:
        report = deliver_pending(
            engine=engine,
            now=NOW,
            settings=settings_for(tmp_path, f"{server.url}?connections=3"),
        )
    finally:
        server.stop()
    assert (report.sent, report.failed, report.waiting) == (13, 1, 0)
    assert "не доставлено 1" in str(report)
    assert sink.connections == 3
    ids = sink.message_ids()
    assert len(ids) == 13 and len(set(ids)) == 13
    with session_scope(engine) as session:
        statuses = [letter.status for letter in session.exec(select(Letter))]
        pending = session.connection().execute(
            text("SELECT COUNT(*) FROM outbox WHERE status NOT IN ('sent', 'failed')")
        )
        assert pending.scalar() == 0
    assert sorted(statuses) == ["failed"] + ["sent"] * 13


def test_connections_in_the_smtp_url_must_be_a_small_whole_number() -> None:
    from common.errors import NastavnikError
    from notifications.smtp import SmtpTransport

    assert SmtpTransport("smtp://127.0.0.1:25?connections=8").connections == 8
    for wrong in ("0", "33", "two"):
        with pytest.raises(NastavnikError, match="connections"):
            SmtpTransport(f"smtp://127.0.0.1:25?connections={wrong}")
