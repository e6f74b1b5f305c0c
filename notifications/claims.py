"""Claim letters and record how each attempt ended: the statements that keep delivery exactly-once.

- A letter is claimed with one UPDATE (status → sending, a lease until the DATABASE's clock + LEASE)
  that re-checks the due condition on every row it touches, so two deliverers never hold one letter
  (on PostgreSQL the subquery also skips rows another deliverer has locked). The UPDATE returns
  what sending needs, and one SELECT in the same transaction reads the claimed letters' bytes
  from ``letter_content``: no ORM objects, and the UPDATE rewrites small rows only.
- Leases are counted on the database's clock (SQLite ``strftime('now')``, PostgreSQL
  ``clock_timestamp()``), never from the run's ``now``: ``now`` is the business time (which letters
  are due, retries' backoff) and a run may carry any ``now``, so a tick with a later ``now`` must not
  see another deliverer's fresh lease as run out. One clock for every deliverer: the database's.
- A claim is identified by (id, status 'sending', attempts): every claim adds one attempt, so a
  deliverer whose claim was taken over finds its token gone. Once half a lease has passed since a
  batch was claimed (this process's monotonic clock, started before the claim, so never behind
  the database's count), the leases of the letters not yet sent are renewed under that token before
  the next one is sent, and a letter another deliverer has claimed since is skipped: a batch slower
  than LEASE never sends a letter twice. A single letter's send stays far under half a lease
  (four SMTP replies × the 30 s timeout against 5 minutes); the fast path writes nothing extra.
- Each outcome is written in its own short transaction on the deliverer's one connection, right
  after the server answered: a letter the server accepted is marked sent before the next one is
  started (docs/delivery.md: the only window where a letter can go out twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, TextClause, bindparam, text
from sqlalchemy.engine import Connection, Dialect

from notifications.mime import OutgoingMessage, build_message
from storage.models import UTCDateTime

LEASE = timedelta(minutes=10)

_NOW = bindparam("now", type_=UTCDateTime())
_LEASE_S: BindParameter[float] = bindparam("lease_s")


def db_now(dialect: str) -> str:
    """The database's clock as a value comparable with stored datetimes (UTC)."""
    if dialect == "postgresql":
        return "clock_timestamp()"
    # SQLAlchemy stores an SQLite datetime as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC here)
    return "(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000')"


def db_lease_end(dialect: str) -> str:
    """The database's clock plus ``:lease_s`` seconds."""
    if dialect == "postgresql":
        return "(clock_timestamp() + make_interval(secs => :lease_s))"
    return "(strftime('%Y-%m-%d %H:%M:%f', 'now', '+' || :lease_s || ' seconds') || '000')"


def _due(dialect: str) -> str:
    """Due at the business time ``:now``, or held by a deliverer whose lease ran out (its clock)."""
    return (
        "(status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= :now)) "
        f"OR (status = 'sending' AND lease_until < {db_now(dialect)})"
    )


@dataclass(frozen=True)
class ClaimedLetter:
    """A letter this deliverer holds: where it goes and the bytes that go."""

    id: int
    recipient: str
    attempts: int
    message: OutgoingMessage


@lru_cache(maxsize=4)
def _claim_statement(dialect: str) -> TextClause:
    due = _due(dialect)
    if dialect == "postgresql":
        pick = f"SELECT id FROM letter WHERE {due} ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
    else:
        # SQLite: the pending letters after this deliverer's last claim, walked in id order and
        # left after ``limit`` (``+status`` keeps the planner off the status index, which would
        # read every pending row and sort them at each claim: quadratic in a region's letters),
        # and the few letters whose sender's lease ran out, found by the status index
        pick = (
            "SELECT id FROM (SELECT id FROM letter WHERE id > :after AND +status = 'pending' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= :now) ORDER BY id LIMIT :limit) "
            "UNION ALL SELECT id FROM (SELECT id FROM letter WHERE status = 'sending' "
            f"AND lease_until < {db_now(dialect)}) ORDER BY id LIMIT :limit"
        )
    return text(
        f"UPDATE letter SET status = 'sending', lease_until = {db_lease_end(dialect)}, "
        "attempts = attempts + 1, last_attempt_at = :now "
        f"WHERE id IN ({pick}) "
        f"AND ({due}) RETURNING id, recipient, attempts, message_id"
    ).bindparams(_NOW, _LEASE_S)


# the claimed letters' bytes, from their own table: the claim's UPDATE touched the small rows only
_BYTES = text("SELECT letter_id, mime FROM letter_content WHERE letter_id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_OLD_PARTS = (
    text(
        "SELECT l.id, l.subject, COALESCE(c.body_text, '') AS body_text, "
        "COALESCE(c.body_html, '') AS body_html, l.mail_from, l.reply_to, l.composed_at "
        "FROM letter l LEFT JOIN letter_content c ON c.letter_id = l.id WHERE l.id IN :ids"
    )
    .bindparams(bindparam("ids", expanding=True))
    .columns(composed_at=UTCDateTime())
)


def claim_letters(
    *,
    connection: Connection,
    now: datetime,
    limit: int,
    lease: timedelta = LEASE,
    after: int = 0,
) -> list[ClaimedLetter]:
    """Take up to ``limit`` letters due at ``now`` in one committed statement; [] when none are.

    Due: pending and its retry time (business time ``now``) has come, or being sent by a deliverer
    whose lease ran out on the database's clock (it died): that letter goes out again, the same
    bytes with the same Message-ID. The lease is ``lease`` from the claim, on the database's clock.
    ``after``: pending letters with a greater id only (a deliverer's last claim; 0 for all), so
    that a long run does not walk the letters it has already sent at each claim.
    """
    statement = _claim_statement(connection.dialect.name)
    with connection.begin():
        result = connection.execute(
            statement,
            {"now": now, "lease_s": lease.total_seconds(), "limit": limit, "after": after},
        )
        rows = sorted(result.all(), key=lambda row: row.id)
        ids = [row.id for row in rows]
        data = dict(connection.execute(_BYTES, {"ids": ids}).tuples().all()) if ids else {}
        # letters composed before migration 0005 carry no bytes: built from their stored parts
        old = [row.id for row in rows if data.get(row.id) is None]
        parts = {row.id: row for row in connection.execute(_OLD_PARTS, {"ids": old})} if old else {}
    claimed: list[ClaimedLetter] = []
    for row in rows:
        mime = data.get(row.id)
        if mime is not None:
            message = OutgoingMessage(message_id=row.message_id, data=bytes(mime))
        else:
            part = parts[row.id]
            message = build_message(
                subject=part.subject,
                text=part.body_text,
                html=part.body_html or None,
                mail_from=part.mail_from,
                to=row.recipient,
                reply_to=part.reply_to or None,
                message_id=row.message_id,
                date_=part.composed_at or now,
            )
        claimed.append(ClaimedLetter(row.id, row.recipient, row.attempts, message))
    return claimed


_SENT_LETTER = text(
    "UPDATE letter SET status = 'sent', sent_at = :now, lease_until = NULL, last_error = NULL, "
    "next_attempt_at = NULL WHERE id = :id"
).bindparams(_NOW)
_SENT_ITEMS = text(
    "UPDATE outbox SET status = 'sent', sent_at = :now, last_error = NULL, attempts = :attempts "
    "WHERE letter_id = :id"
).bindparams(_NOW)
# the marks below touch a letter only while this deliverer's claim (its attempts) still holds it
_HELD = "status = 'sending' AND attempts = :attempts"
_FAILED_LETTER = text(
    "UPDATE letter SET status = 'failed', lease_until = NULL, last_error = :error, "
    f"next_attempt_at = NULL WHERE id = :id AND {_HELD}"
)
_FAILED_ITEMS = text(
    "UPDATE outbox SET status = 'failed', last_error = :error, attempts = :attempts "
    "WHERE letter_id = :id"
)
_WAITING = text(
    "UPDATE letter SET status = 'pending', lease_until = NULL, last_error = :error, "
    f"next_attempt_at = :retry_at WHERE id = :id AND {_HELD}"
).bindparams(bindparam("retry_at", type_=UTCDateTime()))
_UNTRIED = text(
    "UPDATE letter SET status = 'pending', lease_until = NULL, "
    "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
    f"last_error = :error, next_attempt_at = NULL WHERE id = :id AND {_HELD}"
)


@lru_cache(maxsize=4)
def _renew_statement(dialect: str) -> TextClause:
    return text(
        f"UPDATE letter SET lease_until = {db_lease_end(dialect)} WHERE id = :id AND {_HELD}"
    ).bindparams(_LEASE_S)


def renew_leases(
    *, connection: Connection, letters: list[ClaimedLetter], lease: timedelta = LEASE
) -> list[ClaimedLetter]:
    """The letters this deliverer still holds, their leases renewed to ``lease`` from now (the
    database's clock), in one transaction; a letter another deliverer has claimed since is left out.
    """
    statement = _renew_statement(connection.dialect.name)
    with connection.begin():
        return [
            letter
            for letter in letters
            if connection.execute(
                statement,
                {"id": letter.id, "attempts": letter.attempts, "lease_s": lease.total_seconds()},
            ).rowcount
            == 1
        ]


# the same two statements for the driver itself (SQLite's fast path below)
_SENT_LETTER_SQLITE = (
    "UPDATE letter SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = NULL, "
    "next_attempt_at = NULL WHERE id = ?"
)
_SENT_ITEMS_SQLITE = (
    "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL, attempts = ? "
    "WHERE letter_id = ?"
)


@lru_cache(maxsize=4)
def _stamp(dialect: Dialect) -> Callable[[datetime], Any]:
    """How the driver receives a stored moment (what SQLAlchemy would bind for UTCDateTime)."""
    processor = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else lambda value: value


def mark_sent(*, connection: Connection, letter: ClaimedLetter, now: datetime) -> None:
    """The server accepted the letter: it and its outbox items are sent, committed at once.

    On SQLite the transaction goes to the driver directly: one per letter sent, and SQLAlchemy's
    own work around it (the BEGIN IMMEDIATE event, two compiled executions, the commit) cost
    three times the statements themselves. The same statements, the same single transaction.
    """
    if connection.dialect.name == "sqlite" and not connection.in_transaction():
        driver = connection.connection.driver_connection
        assert driver is not None
        stamp = _stamp(connection.dialect)(now)
        driver.execute("BEGIN IMMEDIATE")
        try:
            driver.execute(_SENT_LETTER_SQLITE, (stamp, letter.id))
            driver.execute(_SENT_ITEMS_SQLITE, (stamp, letter.attempts, letter.id))
        except BaseException:
            driver.execute("ROLLBACK")
            raise
        driver.execute("COMMIT")
        return
    with connection.begin():
        connection.execute(_SENT_LETTER, {"id": letter.id, "now": now})
        connection.execute(_SENT_ITEMS, {"id": letter.id, "now": now, "attempts": letter.attempts})


def mark_failed(*, connection: Connection, letter: ClaimedLetter, error: str) -> None:
    """The server refused the letter for good: failed with its reason (shown to the coordinator)."""
    with connection.begin():
        params = {"id": letter.id, "error": error, "attempts": letter.attempts}
        if connection.execute(_FAILED_LETTER, params).rowcount:
            connection.execute(_FAILED_ITEMS, params)


def mark_waiting(
    *,
    connection: Connection,
    letters: list[ClaimedLetter],
    error: str | None,
    retry_at: datetime | None = None,
    untried: bool = False,
) -> None:
    """Letters back to pending: to retry at ``retry_at``, or ``untried`` (as never attempted).

    An untried letter gets its attempt back and stays open to composing; a tried one keeps its
    bytes (it may have reached the server) and its attempt count (which decides the backoff).
    A letter another deliverer has claimed since is left alone.
    """
    if not letters:
        return
    rows: list[dict[str, Any]] = [
        {"id": one.id, "attempts": one.attempts, "error": error} for one in letters
    ]
    with connection.begin():
        if untried:
            connection.execute(_UNTRIED, rows)
        else:
            connection.execute(_WAITING, [{**row, "retry_at": retry_at} for row in rows])


@lru_cache(maxsize=4)
def _due_count_statement(dialect: str) -> TextClause:
    return text(f"SELECT COUNT(*) FROM letter WHERE {_due(dialect)}").bindparams(_NOW)


def due_count(*, connection: Connection, now: datetime) -> int:
    """How many letters are due to go out at ``now`` (leases checked on the database's clock)."""
    with connection.begin():
        statement = _due_count_statement(connection.dialect.name)
        return int(connection.execute(statement, {"now": now}).scalar() or 0)


def waiting_count(*, connection: Connection) -> int:
    """How many letters wait to go out (pending, being sent or being composed), whenever due."""
    with connection.begin():
        return int(
            connection.execute(
                text(
                    "SELECT COUNT(*) FROM letter WHERE status IN ('pending', 'sending', 'composing')"
                )
            ).scalar()
            or 0
        )
