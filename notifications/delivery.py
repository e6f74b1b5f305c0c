"""Deliver the outbox: compose letters, then claim, send and mark them one by one.

Exactly one letter per decision, as far as SMTP allows (docs/delivery.md):
- a letter is claimed with one UPDATE (status → sending, a lease until ``now + LEASE``), so two
  deliverers never send the same letter;
- it is marked sent in its own transaction right after the server accepted it, so a crash
  later in the batch does not send it again;
- the one window left: the server accepted a letter and the process died (or the connection broke
  before the server's 250 arrived) before the mark was written. When its lease expires the letter
  is sent again, the same bytes with the same Message-ID, which lets a mail server drop the copy.

Quiet hours: letters go out on working days of the production calendar between 09:00 and 18:00 in
the municipality's time zone; otherwise they wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from definitions.workdays import is_working_day
from nastavnik.settings import Settings, get_settings
from notifications.compose import compose_letters
from notifications.models import Letter
from notifications.render import letter_message
from notifications.smtp import (
    FolderTransport,
    PermanentFailure,
    ServerUnavailable,
    SmtpTransport,
    TemporaryFailure,
    open_transport,
)
from storage.db import session_scope
from storage.models import UTCDateTime
from storage.schools import get_municipality

WORKING_HOURS = (time(9, 0), time(18, 0))
LEASE = timedelta(minutes=10)
# after the n-th 4xx the letter waits BACKOFF[n-1] (the last step repeats); then it fails
BACKOFF = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4))
MAX_ATTEMPTS = 12
# letters claimed per statement; each is still marked sent on its own, right after the server took it.
# BATCH × the SMTP timeout (30 s) stays under LEASE, so a slow batch is never claimed twice.
BATCH = 10


@dataclass
class DeliveryReport:
    """What one delivery run did; ``str()`` is the one-line summary the tick prints."""

    composed: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    waiting: int = 0
    server_error: str | None = None
    transport: str = ""

    def __str__(self) -> str:
        line = (
            f"letters: {self.sent} sent, {self.deferred} deferred (quiet hours), {self.failed} failed, "
            f"{self.waiting} waiting for retry"
        )
        if self.server_error:
            line += f" — server unavailable: {self.server_error}"
        return line


def in_working_hours(now: datetime, tz: str) -> bool:
    """Whether letters may go out at ``now``: a working day, 09:00–18:00 in the zone ``tz``."""
    local = now.astimezone(ZoneInfo(tz))
    start, end = WORKING_HOURS
    return is_working_day(local.date()) and start <= local.time() < end


def backoff(attempts: int) -> timedelta:
    """How long a letter waits after its ``attempts``-th temporary failure."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


_DUE = (
    "(status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= :now)) "
    "OR (status = 'sending' AND lease_until < :now)"
)


def claim_letters(*, engine: Engine, now: datetime, limit: int = 1) -> list[Letter]:
    """Take up to ``limit`` letters due to go out, in one statement; [] when there are none.

    A letter is due when pending and its retry time has come, or when it was being sent by a
    deliverer whose lease has run out (it died): that letter goes out again, the same Message-ID.
    Two deliverers never get the same letter: the UPDATE re-checks the condition on every row.
    """
    skip_locked = " FOR UPDATE SKIP LOCKED" if engine.dialect.name == "postgresql" else ""
    statement = text(
        "UPDATE letter SET status = 'sending', lease_until = :lease, attempts = attempts + 1, "
        "last_attempt_at = :now "
        f"WHERE id IN (SELECT id FROM letter WHERE {_DUE} ORDER BY id LIMIT :limit{skip_locked}) "
        f"AND ({_DUE}) RETURNING id"
    ).bindparams(
        bindparam("now", now, type_=UTCDateTime()),
        bindparam("lease", now + LEASE, type_=UTCDateTime()),
        bindparam("limit", limit),
    )
    with session_scope(engine) as session:
        claimed = list(session.connection().execute(statement).scalars())
        if not claimed:
            return []
        rows = session.exec(
            select(Letter).where(col(Letter.id).in_(claimed)).order_by(col(Letter.id))
        )
        return list(rows)


def _due_count(engine: Engine, now: datetime) -> int:
    statement = text(f"SELECT COUNT(*) FROM letter WHERE {_DUE}").bindparams(
        bindparam("now", now, type_=UTCDateTime())
    )
    with session_scope(engine) as session:
        return int(session.connection().execute(statement).scalar() or 0)


def _finish(
    engine: Engine,
    letter_id: int,
    *,
    now: datetime,
    status: str,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
    undo_attempt: bool = False,
) -> None:
    """Record how an attempt ended: the letter and, when final, its outbox items, in one transaction."""
    moment = bindparam("now", now, type_=UTCDateTime())
    retry_at = bindparam("retry_at", next_attempt_at, type_=UTCDateTime())
    sent_at = "sent_at = :now, " if status == "sent" else ""
    attempts = (
        "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, " if undo_attempt else ""
    )
    params = {"status": status, "error": error, "id": letter_id}
    with session_scope(engine) as session:
        connection = session.connection()
        connection.execute(
            text(
                f"UPDATE letter SET status = :status, {sent_at}{attempts}lease_until = NULL, "
                "last_error = :error, next_attempt_at = :retry_at WHERE id = :id"
            ).bindparams(*([moment] if sent_at else []), retry_at),
            params,
        )
        if status == "sent":
            connection.execute(
                text(
                    "UPDATE outbox SET status = 'sent', sent_at = :now, last_error = NULL, "
                    "attempts = (SELECT attempts FROM letter WHERE id = :id) WHERE letter_id = :id"
                ).bindparams(moment),
                {"id": letter_id},
            )
        elif status == "failed":
            connection.execute(
                text(
                    "UPDATE outbox SET status = 'failed', last_error = :error, "
                    "attempts = (SELECT attempts FROM letter WHERE id = :id) WHERE letter_id = :id"
                ),
                {"id": letter_id, "error": error},
            )


def mark_sent(*, engine: Engine, letter_id: int, now: datetime) -> None:
    """The server accepted the letter: it and its items are sent."""
    _finish(engine, letter_id, now=now, status="sent")


def mark_failed(*, engine: Engine, letter_id: int, now: datetime, error: str) -> None:
    """The server refused the letter for good: failed, with its reason (shown to the coordinator)."""
    _finish(engine, letter_id, now=now, status="failed", error=error)


def deliver_pending(
    *,
    engine: Engine,
    now: datetime,
    settings: Settings | None = None,
    transport: SmtpTransport | FolderTransport | None = None,
    limit: int | None = None,
) -> DeliveryReport:
    """Compose the pending decisions into letters and send those due at ``now``.

    Args:
        engine: nastavnik's database.
        now: the moment of delivery: quiet hours, retry times and leases are counted from it.
        settings: SMTP URL, sender, mail folder and portal URL (default: the environment's).
        transport: where letters go (default: NASTAVNIK_SMTP_URL, or the mail folder).
        limit: send at most this many letters in this run.
    """
    settings = settings or get_settings()
    report = DeliveryReport()
    with session_scope(engine) as session:
        tz = get_municipality(session).timezone
        report.composed = compose_letters(session=session, now=now, settings=settings).letters
    if not in_working_hours(now, tz):
        report.deferred = _due_count(engine, now)
        report.waiting = _waiting(engine, now) - report.deferred
        return report
    if _due_count(engine, now) == 0:
        report.waiting = _waiting(engine, now)
        return report
    transport = transport or open_transport(settings)
    report.transport = transport.description
    try:
        transport.open()
    except ServerUnavailable as error:
        report.server_error = str(error)
        report.waiting = _waiting(engine, now)
        return report
    try:
        while limit is None or report.sent + report.failed < limit:
            size = BATCH if limit is None else min(BATCH, limit - report.sent - report.failed)
            batch = claim_letters(engine=engine, now=now, limit=size)
            if not batch:
                break
            for index, letter in enumerate(batch):
                if not _attempt(
                    engine, transport, letter, now=now, sender=settings.mail_from, report=report
                ):
                    # the server went away: the letters claimed but not tried wait, as never attempted
                    for untried in batch[index + 1 :]:
                        _finish(
                            engine, untried.id or 0, now=now, status="pending", undo_attempt=True
                        )
                    return report
    finally:
        transport.close()
        report.waiting = _waiting(engine, now)
    return report


def _attempt(
    engine: Engine,
    transport: SmtpTransport | FolderTransport,
    letter: Letter,
    *,
    now: datetime,
    sender: str,
    report: DeliveryReport,
) -> bool:
    """Send one claimed letter and record the outcome; False when the server is gone."""
    letter_id = letter.id or 0
    try:
        transport.send(letter_message(letter), sender=sender, recipients=[letter.recipient])
    except ServerUnavailable as error:
        # not transmitted: as good as never attempted; transmitted: it may be there, same Message-ID next time
        _finish(
            engine,
            letter_id,
            now=now,
            status="pending",
            error=str(error),
            undo_attempt=not error.transmitted,
        )
        report.server_error = str(error)
        return False
    except TemporaryFailure as error:
        if letter.attempts >= MAX_ATTEMPTS:
            mark_failed(
                engine=engine,
                letter_id=letter_id,
                now=now,
                error=f"gave up after {letter.attempts} attempts: {error}",
            )
            report.failed += 1
        else:
            _finish(
                engine,
                letter_id,
                now=now,
                status="pending",
                error=str(error),
                next_attempt_at=now + backoff(letter.attempts),
            )
    except PermanentFailure as error:
        mark_failed(engine=engine, letter_id=letter_id, now=now, error=str(error))
        report.failed += 1
    else:
        mark_sent(engine=engine, letter_id=letter_id, now=now)
        report.sent += 1
    return True


def _waiting(engine: Engine, now: datetime) -> int:
    with session_scope(engine) as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(Letter)
                .where(col(Letter.status).in_(("pending", "sending")))
            ).one()
        )


def retry_letter(*, engine: Engine, letter_id: int, now: datetime) -> Letter:
    """Send a failed (or waiting) letter again at the next delivery: the same letter, same Message-ID."""
    from nastavnik.errors import NastavnikError

    with session_scope(engine) as session:
        letter = session.get(Letter, letter_id)
        if letter is None:
            raise NastavnikError(f"no letter {letter_id}", where="ID")
        if letter.status not in ("failed", "pending"):
            raise NastavnikError(
                f"letter {letter_id} is {letter.status}: only failed or waiting letters are retried",
                where="ID",
            )
        letter.status, letter.next_attempt_at, letter.lease_until = "pending", None, None
        letter.failure_reported_in = None  # should it fail again, the coordinator hears of it again
        session.add(letter)
        session.connection().execute(
            text("UPDATE outbox SET status = 'pending', last_error = NULL WHERE letter_id = :id"),
            {"id": letter_id},
        )
        session.flush()
        return letter
