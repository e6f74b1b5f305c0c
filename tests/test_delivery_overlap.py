"""A large run composes in a forked process while it sends (notifications/delivery.py): the same
letters, byte for byte, as composing everything first, on SQLite and PostgreSQL.

Kills in the middle of it are in tests/test_delivery_faults.py (every run composing apart).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from flows.daily import tick_once
from notifications import delivery
from notifications.delivery import deliver_pending
from tests.conftest import PG_SKIP_REASON, PG_URL
from tests.factories import moment
from tests.faults import TICK_DAY, Db, Municipality, settings_for, sink_server

_LETTERS = text(
    "SELECT l.id, l.recipient, l.kind, l.status, l.subject, l.message_id, l.item_count, "
    "l.mail_from, l.reply_to, l.attempts, l.lease_until, c.body_text, c.body_html, c.mime "
    "FROM letter l LEFT JOIN letter_content c ON c.letter_id = l.id ORDER BY l.id"
)
_ITEMS = text("SELECT id, key, status, letter_id FROM outbox ORDER BY id")


def _deliver(db: Db, overlap_from: int | None) -> tuple[list[Any], list[Any], list[Any], Any]:
    """One tick at 10:00 delivered to a sink: the letters, the items and what the server got."""
    engine = db.engine()
    now = moment(TICK_DAY, 10)
    try:
        with sink_server() as (server, sink):
            tick_once(engine=engine, now=now, send=False, count_states=False)
            report = deliver_pending(
                engine=engine,
                now=now,
                settings=settings_for(server.url + "?connections=4", Path("/nonexistent")),
                overlap_from=overlap_from,
            )
            received = sorted((r.message_id, r.data) for r in sink.received)
        with engine.connect() as connection:
            letters = [tuple(row) for row in connection.execute(_LETTERS)]
            items = [tuple(row) for row in connection.execute(_ITEMS)]
    finally:
        engine.dispose()
    return letters, items, received, report


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_composing_apart_while_sending_gives_the_letters_of_composing_first(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kind == "postgresql" and not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    # the composer's chunks as small as this municipality's letters need: several of them
    monkeypatch.setattr(delivery, "FIRST_CHUNK", 2)
    monkeypatch.setattr(delivery, "CHUNK", 3)
    municipality = Municipality(
        tmp_path, schools=12, pg_url=PG_URL if kind == "postgresql" else None
    )
    try:
        first = _deliver(municipality.fresh(), overlap_from=None)
        apart = _deliver(municipality.fresh(), overlap_from=1)
    finally:
        municipality.drop()
    letters, items, received, report = apart
    assert len(letters) > 8  # in four chunks at least
    assert report.sent == len(letters) == len(received) and report.waiting == 0
    assert {row[3] for row in letters} == {"sent"}
    assert letters == first[0]
    assert items == first[1]
    assert received == first[2]
    assert str(report) == str(first[3])


def test_a_composer_that_fails_is_said_in_russian_and_the_next_run_sends_what_it_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import notifications.compose as compose
    from common.errors import NastavnikError

    monkeypatch.setattr(delivery, "FIRST_CHUNK", 2)
    monkeypatch.setattr(delivery, "CHUNK", 3)
    municipality = Municipality(tmp_path, schools=12)
    db = municipality.fresh()
    engine = db.engine()
    now = moment(TICK_DAY, 10)
    render = compose._letter_row
    rendered: list[int] = []

    def fails_after_two(*args: Any, **kwargs: Any) -> Any:
        rendered.append(1)  # in the forked composer: its own count
        if len(rendered) > 2:
            raise RuntimeError("rendering broke")
        return render(*args, **kwargs)

    try:
        with sink_server() as (server, sink):
            settings = settings_for(server.url, Path("/nonexistent"))
            tick_once(engine=engine, now=now, send=False, count_states=False)
            monkeypatch.setattr(compose, "_letter_row", fails_after_two)
            with pytest.raises(NastavnikError) as failed:
                deliver_pending(engine=engine, now=now, settings=settings, overlap_from=1)
            message = str(failed.value)
            assert message.startswith("письма прогона не удалось составить (не составлено: ")
            assert "rendering broke" not in message and "Traceback" not in message
            with engine.connect() as connection:
                left = connection.execute(
                    text("SELECT COUNT(*) FROM letter WHERE status = 'composing'")
                ).scalar_one()
            assert left > 0 and f"не составлено: {left} " in message
            sent_first = len(sink.received)
            assert sent_first == 2  # the one chunk written went out, nothing unwritten did

            monkeypatch.setattr(compose, "_letter_row", render)
            again = deliver_pending(engine=engine, now=now, settings=settings, overlap_from=1)
            with engine.connect() as connection:
                statuses = {
                    status for (status,) in connection.execute(text("SELECT status FROM letter"))
                }
            ids = [r.message_id for r in sink.received]
        assert statuses == {"sent"} and again.sent == len(ids) - sent_first
        assert len(ids) == len(set(ids))  # none twice
    finally:
        engine.dispose()
        municipality.drop()
