"""Deliver the outbox: compose letters, then claim, send and mark them on one SMTP connection.

Exactly one letter per decision, as far as SMTP allows (docs/delivery.md, notifications/claims.py):
- letters are claimed ten at a time with one UPDATE (status → sending, a lease until
  ``now + LEASE``), so two deliverers never send the same letter;
- each is marked sent in its own transaction right after the server accepted it, so a crash
  later in the batch does not send it again;
- the one window left: the server accepted a letter and the process died (or the connection broke
  before the server's 250 arrived) before the mark was written. When its lease expires the letter
  is sent again, the same bytes with the same Message-ID, which lets a mail server drop the copy.

The letters were rendered to bytes when composed, so sending reads bytes and writes them to one
connection that carries the whole run.

Quiet hours: letters go out on working days of the production calendar between 09:00 and 18:00 in
the municipality's time zone; otherwise they wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from definitions.workdays import is_working_day
from nastavnik.settings import Settings, get_settings
from notifications.claims import (
    LEASE,
    ClaimedLetter,
    claim_letters,
    due_count,
    mark_failed,
    mark_sent,
    mark_waiting,
    waiting_count,
)
from notifications.compose import compose_letters
from notifications.models import Letter
from notifications.smtp import (
    FolderTransport,
    PermanentFailure,
    ServerUnavailable,
    SmtpTransport,
    TemporaryFailure,
    open_transport,
)
from storage.db import session_scope
from storage.schools import get_municipality

__all__ = ["LEASE", "DeliveryReport", "backoff", "deliver_pending", "in_working_hours"]

WORKING_HOURS = (time(9, 0), time(18, 0))
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
    temporary: int = 0
    server_error: str | None = None
    transport: str = ""

    def __str__(self) -> str:
        line = (
            f"letters: {self.sent} sent, {self.deferred} deferred (quiet hours), {self.failed} failed, "
            f"{self.waiting} waiting for retry"
        )
        if self.temporary:
            line += f" ({self.temporary} answered 4xx)"
        if self.server_error:
            line += f" — server unavailable: {self.server_error}"
        return line

    @property
    def incomplete(self) -> bool:
        """The server was unavailable or put letters off (4xx): a retry soon may send them."""
        return self.server_error is not None or self.temporary > 0


def in_working_hours(now: datetime, tz: str) -> bool:
    """Whether letters may go out at ``now``: a working day, 09:00–18:00 in the zone ``tz``."""
    local = now.astimezone(ZoneInfo(tz))
    start, end = WORKING_HOURS
    return is_working_day(local.date()) and start <= local.time() < end


def backoff(attempts: int) -> timedelta:
    """How long a letter waits after its ``attempts``-th temporary failure."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def deliver_pending(
    *,
    engine: Engine,
    now: datetime,
    settings: Settings | None = None,
    transport: SmtpTransport | FolderTransport | None = None,
    limit: int | None = None,
    compose: bool = True,
) -> DeliveryReport:
    """Compose the pending decisions into letters and send those due at ``now``.

    Args:
        engine: nastavnik's database.
        now: the moment of delivery: quiet hours, retry times and leases are counted from it.
        settings: SMTP URL, sender, mail folder and portal URL (default: the environment's).
        transport: where letters go (default: NASTAVNIK_SMTP_URL, or the mail folder).
        limit: send at most this many letters in this run.
        compose: compose first (the tick's way); False sends only the letters already composed,
            as they are (the benchmark measures sending alone so).
    """
    settings = settings or get_settings()
    report = DeliveryReport()
    with session_scope(engine) as session:
        tz = get_municipality(session).timezone
        if compose:
            report.composed = compose_letters(session=session, now=now, settings=settings).letters
    with engine.connect() as connection:
        if not in_working_hours(now, tz):
            report.deferred = due_count(connection=connection, now=now)
            report.waiting = waiting_count(connection=connection) - report.deferred
            return report
        if due_count(connection=connection, now=now) == 0:
            report.waiting = waiting_count(connection=connection)
            return report
        transport = transport or open_transport(settings)
        report.transport = transport.description
        try:
            transport.open()
        except ServerUnavailable as error:
            report.server_error = str(error)
            report.waiting = waiting_count(connection=connection)
            return report
        try:
            _send_all(connection, transport, now=now, settings=settings, limit=limit, report=report)
        finally:
            transport.close()
            report.waiting = waiting_count(connection=connection)
    return report


def _send_all(
    connection: Connection,
    transport: SmtpTransport | FolderTransport,
    *,
    now: datetime,
    settings: Settings,
    limit: int | None,
    report: DeliveryReport,
) -> None:
    """Claim batches and send them until none is due, the limit is reached or the server is gone."""
    while limit is None or report.sent + report.failed < limit:
        size = BATCH if limit is None else min(BATCH, limit - report.sent - report.failed)
        batch = claim_letters(connection=connection, now=now, limit=size)
        if not batch:
            return
        for index, letter in enumerate(batch):
            if not _attempt(
                connection, transport, letter, now=now, sender=settings.mail_from, report=report
            ):
                # the server went away: the letters claimed but not tried wait, as never attempted
                mark_waiting(
                    connection=connection,
                    letter_ids=[untried.id for untried in batch[index + 1 :]],
                    error=None,
                    untried=True,
                )
                return


def _attempt(
    connection: Connection,
    transport: SmtpTransport | FolderTransport,
    letter: ClaimedLetter,
    *,
    now: datetime,
    sender: str,
    report: DeliveryReport,
) -> bool:
    """Send one claimed letter and record the outcome; False when the server is gone."""
    try:
        transport.send(letter.message, sender=sender, recipients=[letter.recipient])
    except ServerUnavailable as error:
        # not transmitted: as good as never attempted; transmitted: it may be there, same Message-ID next time
        mark_waiting(
            connection=connection,
            letter_ids=[letter.id],
            error=str(error),
            untried=not error.transmitted,
        )
        report.server_error = str(error)
        return False
    except TemporaryFailure as error:
        if letter.attempts >= MAX_ATTEMPTS:
            mark_failed(
                connection=connection,
                letter=letter,
                error=f"gave up after {letter.attempts} attempts: {error}",
            )
            report.failed += 1
        else:
            mark_waiting(
                connection=connection,
                letter_ids=[letter.id],
                error=str(error),
                retry_at=now + backoff(letter.attempts),
            )
            report.temporary += 1
    except PermanentFailure as error:
        mark_failed(connection=connection, letter=letter, error=str(error))
        report.failed += 1
    else:
        mark_sent(connection=connection, letter=letter, now=now)
        report.sent += 1
    return True


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
