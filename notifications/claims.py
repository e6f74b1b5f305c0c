"""Claim letters and record how each attempt ended: the statements that keep delivery exactly-once.

- A letter is claimed with one UPDATE (status → sending, a lease until ``now + LEASE``) that
  re-checks the due condition on every row it touches, so two deliverers never hold one letter
  (on PostgreSQL the subquery also skips rows another deliverer has locked). The UPDATE returns
  what sending needs, the stored message bytes included: no second read, no ORM objects.
- Each outcome is written in its own short transaction on the deliverer's one connection, right
  after the server answered: a letter the server accepted is marked sent before the next one is
  started (docs/delivery.md: the only window where a letter can go out twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.engine import Connection

from notifications.mime import OutgoingMessage, build_message
from storage.models import UTCDateTime

LEASE = timedelta(minutes=10)

_DUE = (
    "(status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= :now)) "
    "OR (status = 'sending' AND lease_until < :now)"
)
_NOW = bindparam("now", type_=UTCDateTime())


@dataclass(frozen=True)
class ClaimedLetter:
    """A letter this deliverer holds: where it goes and the bytes that go."""

    id: int
    recipient: str
    attempts: int
    message: OutgoingMessage


@lru_cache(maxsize=4)
def _claim_statement(dialect: str) -> TextClause:
    skip_locked = " FOR UPDATE SKIP LOCKED" if dialect == "postgresql" else ""
    return text(
        "UPDATE letter SET status = 'sending', lease_until = :lease, attempts = attempts + 1, "
        "last_attempt_at = :now "
        f"WHERE id IN (SELECT id FROM letter WHERE {_DUE} ORDER BY id LIMIT :limit{skip_locked}) "
        f"AND ({_DUE}) RETURNING id, recipient, attempts, message_id, mime"
    ).bindparams(_NOW, bindparam("lease", type_=UTCDateTime()))


_OLD_PARTS = (
    text(
        "SELECT id, subject, body_text, body_html, mail_from, reply_to, composed_at FROM letter "
        "WHERE id IN :ids"
    )
    .bindparams(bindparam("ids", expanding=True))
    .columns(composed_at=UTCDateTime())
)


def claim_letters(*, connection: Connection, now: datetime, limit: int) -> list[ClaimedLetter]:
    """Take up to ``limit`` letters due at ``now`` in one committed statement; [] when none are.

    Due: pending and its retry time has come, or being sent by a deliverer whose lease ran out
    (it died): that letter goes out again, the same bytes with the same Message-ID.
    """
    statement = _claim_statement(connection.dialect.name)
    with connection.begin():
        result = connection.execute(statement, {"now": now, "lease": now + LEASE, "limit": limit})
        rows = sorted(result.all(), key=lambda row: row.id)
        # letters composed before migration 0005 carry no bytes: built from their stored parts
        old = [row.id for row in rows if row.mime is None]
        parts = {row.id: row for row in connection.execute(_OLD_PARTS, {"ids": old})} if old else {}
    claimed: list[ClaimedLetter] = []
    for row in rows:
        if row.mime is not None:
            message = OutgoingMessage(message_id=row.message_id, data=bytes(row.mime))
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
_FAILED_LETTER = text(
    "UPDATE letter SET status = 'failed', lease_until = NULL, last_error = :error, "
    "next_attempt_at = NULL WHERE id = :id"
)
_FAILED_ITEMS = text(
    "UPDATE outbox SET status = 'failed', last_error = :error, attempts = :attempts "
    "WHERE letter_id = :id"
)
_WAITING = text(
    "UPDATE letter SET status = 'pending', lease_until = NULL, last_error = :error, "
    "next_attempt_at = :retry_at WHERE id = :id"
).bindparams(bindparam("retry_at", type_=UTCDateTime()))
_UNTRIED = text(
    "UPDATE letter SET status = 'pending', lease_until = NULL, "
    "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
    "last_error = :error, next_attempt_at = NULL WHERE id = :id"
)


def mark_sent(*, connection: Connection, letter: ClaimedLetter, now: datetime) -> None:
    """The server accepted the letter: it and its outbox items are sent, committed at once."""
    with connection.begin():
        connection.execute(_SENT_LETTER, {"id": letter.id, "now": now})
        connection.execute(_SENT_ITEMS, {"id": letter.id, "now": now, "attempts": letter.attempts})


def mark_failed(*, connection: Connection, letter: ClaimedLetter, error: str) -> None:
    """The server refused the letter for good: failed with its reason (shown to the coordinator)."""
    with connection.begin():
        connection.execute(_FAILED_LETTER, {"id": letter.id, "error": error})
        connection.execute(
            _FAILED_ITEMS, {"id": letter.id, "error": error, "attempts": letter.attempts}
        )


def mark_waiting(
    *,
    connection: Connection,
    letter_ids: list[int],
    error: str | None,
    retry_at: datetime | None = None,
    untried: bool = False,
) -> None:
    """Letters back to pending: to retry at ``retry_at``, or ``untried`` (as never attempted).

    An untried letter gets its attempt back and stays open to composing; a tried one keeps its
    bytes (it may have reached the server) and its attempt count (which decides the backoff).
    """
    if not letter_ids:
        return
    with connection.begin():
        if untried:
            connection.execute(_UNTRIED, [{"id": i, "error": error} for i in letter_ids])
        else:
            connection.execute(
                _WAITING, [{"id": i, "error": error, "retry_at": retry_at} for i in letter_ids]
            )


_DUE_COUNT = text(f"SELECT COUNT(*) FROM letter WHERE {_DUE}").bindparams(_NOW)


def due_count(*, connection: Connection, now: datetime) -> int:
    """How many letters are due to go out at ``now``."""
    with connection.begin():
        return int(connection.execute(_DUE_COUNT, {"now": now}).scalar() or 0)


def waiting_count(*, connection: Connection) -> int:
    """How many letters wait to go out (pending or being sent), whenever they are due."""
    with connection.begin():
        return int(
            connection.execute(
                text("SELECT COUNT(*) FROM letter WHERE status IN ('pending', 'sending')")
            ).scalar()
            or 0
        )
