"""Deliver the outbox: compose letters, then claim, send and mark them over SMTP connections.

A small run goes over one connection; a large one opens one more per ``LETTERS_PER_CONNECTION``
letters due, up to the SMTP URL's ``?connections=N`` (4 by default), each in a thread with its own
database connection: a sender waits for the server's replies most of the time. They share the
outbox through the same claims that keep two deliverers from holding one letter.

Exactly one letter per decision, as far as SMTP allows (docs/delivery.md, notifications/claims.py):
- letters are claimed ten at a time with one UPDATE (status → sending, a lease until the
  database's clock + LEASE, renewed when a batch is slow), so two deliverers never send the same
  letter, however slow one of them is and whatever ``now`` each carries;
- a letter on its first attempt drops the steps done since it was composed (re-checked at its
  claim); one with nothing left to say is not sent;
- each is marked sent in its own transaction right after the server accepted it, so a crash
  later in the batch does not send it again;
- the one window left: the server accepted a letter and the process died (or the connection broke
  before the server's 250 arrived) before the mark was written. When its lease expires the letter
  is sent again, the same bytes with the same Message-ID, which lets a mail server drop the copy.

The letters were rendered to bytes when composed, so sending reads bytes and writes them to the
run's connections, each carrying its share of the run.

A large run (``OVERLAP_LETTERS`` letters or more, in working hours) does not compose first and send
after: in one transaction it decides its letters, gives them their items and leaves them
``composing`` (held by a token and a lease on the database's clock; no claim takes such a letter),
then forks a process that renders them and writes them pending in committed chunks, in the order
of their ids, while this process's deliverers send each chunk as it lands. A composer that dies
leaves its unwritten letters ``composing`` with their items: the next composing takes them over
(as letters never attempted) once the lease has run out, or at once if the composer failed with
an error (``ComposingFailed``: its lease is ended). A letter is never sent before its content is
written, and one written is never written again by a composer that lost it.

Quiet hours: letters go out on working days of the production calendar between 09:00 and 18:00 in
the municipality's time zone; otherwise they wait.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time as clock
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import Date, bindparam, text
from sqlalchemy.engine import Connection, Engine

from common.clock import local_day
from common.errors import NastavnikError
from common.messages import LETTER_STATES, render_message
from common.russian import plural_ru
from common.settings import Settings, get_settings
from definitions.workdays import is_working_day
from notifications.claims import (
    LEASE,
    ClaimedLetter,
    claim_letters,
    due_count,
    mark_failed,
    mark_sent,
    mark_waiting,
    renew_leases,
    waiting_count,
)
from notifications.compose import (
    LetterPlan,
    compose_letters,
    prepare_letters,
    release_composing,
    write_chunk,
)
from notifications.items import gone_reason
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
# letters claimed per statement; each is still marked sent on its own, right after the server took
# it; a batch slower than half a LEASE renews the leases it still holds, so it is safe too.
BATCH = 10
# a large run claims more at a time (each claim and its check of steps done since composing cost
# about as much as sending a few letters); a killed deliverer's batch waits for its lease either way
LARGE_BATCH = 50
LARGE_RUN = 1000  # letters due
# a run composing at least this many letters renders them in a forked process while this one sends
# those already written: composing and sending share the machine's cores instead of following one
# another (rendering alone takes one core; sending waits for the server)
OVERLAP_LETTERS = 500
# the forked composer writes its letters in chunks, each committed: the first small, so that
# sending starts at once, the others large enough that their transactions stay few
FIRST_CHUNK = 50
CHUNK = 250
# how long a deliverer waits before looking again for letters while the composer is writing them
COMPOSING_POLL_S = 0.02


class ComposingFailed(NastavnikError):
    """The forked composer of a large run failed; the letters it left unwritten wait. Its own
    (English) account, a traceback, goes to the log; the user reads why in Russian."""

    def __init__(self, failure: str, *, letters: int) -> None:
        logging.getLogger(__name__).error("the composer of a large run failed: %s", failure)
        noun = plural_ru(letters, "письмо", "письма", "писем")
        super().__init__(code="mail.composing_failed", letters=f"{letters} {noun}")
        self.failure = failure


def _letters(count: int) -> str:
    """«1 письмо», «3 письма», «5 писем»."""
    return f"{count} {plural_ru(count, 'письмо', 'письма', 'писем')}"


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
    recomposed: int = 0  # letters rewritten at their claim: steps in them were done meanwhile
    emptied: int = 0  # letters not sent: every step in them was done after composing
    dropped_items: int = 0  # steps dropped from letters at their claim
    taken_over: int = 0  # letters another deliverer claimed after this one's lease ran out
    server_gone: bool = False
    put_off: str = ""  # the last 4xx answer
    refusal: str = ""  # the last 5xx answer

    def __str__(self) -> str:
        line = render_message(
            "delivery.summary",
            sent=self.sent,
            deferred=self.deferred,
            failed=self.failed,
            waiting=self.waiting,
        )
        if self.temporary:
            line += f" ({render_message('delivery.put_off_count', count=self.temporary)})"
        if self.server_error:
            line += f" — {render_message('delivery.server_down', server=self.server_error)}"
        if self.emptied or self.dropped_items:
            done = render_message(
                "delivery.done_meanwhile", steps=self.dropped_items, letters=self.emptied
            )
            line += f"; {done}"
        return line

    def absorb(self, other: DeliveryReport) -> None:
        """Add what another connection of the same run did."""
        for name in ("sent", "failed", "temporary", "recomposed", "emptied", "dropped_items"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.taken_over += other.taken_over
        self.server_error = self.server_error or other.server_error
        self.server_gone = self.server_gone or other.server_gone
        self.put_off = self.put_off or other.put_off
        self.refusal = self.refusal or other.refusal

    @property
    def problem(self) -> str | None:
        """Why not every letter due went out, in one Russian line; None when all did."""
        parts: list[str] = []
        if self.server_error:
            parts.append(render_message("delivery.server_unavailable", server=self.server_error))
        if self.temporary:
            parts.append(
                render_message(
                    "delivery.put_off", letters=_letters(self.temporary), reply=self.put_off
                )
            )
        if self.failed:
            parts.append(
                render_message(
                    "delivery.refused", letters=_letters(self.failed), reply=self.refusal
                )
            )
        if not parts:
            return None
        waiting = ""
        if self.waiting:
            letters = plural_ru(self.waiting, "письмо ждёт", "письма ждут", "писем ждут")
            waiting = render_message("delivery.waiting", letters=f"{self.waiting} {letters}")
        return render_message("delivery.not_all", reasons="; ".join(parts), waiting=waiting)

    @property
    def exit_code(self) -> int:
        """0: every letter due went out; 75 (EX_TEMPFAIL): a retry may send them; 1: refused (5xx)."""
        if self.incomplete:
            return 75
        return 1 if self.failed else 0

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
    lease: timedelta = LEASE,
    overlap_from: int | None = OVERLAP_LETTERS,
) -> DeliveryReport:
    """Compose the pending decisions into letters and send those due at ``now``.

    Args:
        engine: nastavnik's database.
        now: the moment of delivery (business time): quiet hours and retry times are counted
            from it. Leases are not: they run on the database's clock from each claim.
        settings: SMTP URL, sender, mail folder and portal URL (default: the environment's).
        transport: where letters go (default: NASTAVNIK_SMTP_URL, or the mail folder).
        limit: send at most this many letters in this run.
        compose: compose first (the tick's way); False sends only the letters already composed,
            as they are (the benchmark measures sending alone so).
        lease: how long a claimed letter is held (from the claim, on the database's clock)
            before another deliverer may take it; renewed once half of it has passed. A letter
            being composed apart is held so too.
        overlap_from: compose at least this many letters in a forked process while this one
            sends those already written (in working hours, without ``limit``); None never does.
    """
    settings = settings or get_settings()
    report = DeliveryReport()
    plan: LetterPlan | None = None
    with session_scope(engine) as session:
        tz = get_municipality(session).timezone
        if compose:
            apart = (
                overlap_from is not None
                and limit is None
                and in_working_hours(now, tz)
                and _shared_database(engine)
            )
            plan = prepare_letters(
                session=session,
                now=now,
                settings=settings,
                composing_from=overlap_from if apart else None,
                lease=lease,
            )
            if plan.token is None:
                plan.write(session.connection())
            report.composed = plan.result.letters
    send = partial(
        _deliver,
        engine=engine,
        now=now,
        tz=tz,
        settings=settings,
        transport=transport,
        limit=limit,
        lease=lease,
        report=report,
    )
    if plan is None or plan.token is None:
        return send(composing=None)
    try:
        composing = _compose_apart(engine, plan, lease=lease)
    except OSError:  # no process to be had (memory, process limits): composed here, then sent
        _write_plan(engine, plan, lease=lease)
        return send(composing=None)
    token = plan.token
    # the child has its own copy: this process sends, and its collector need not walk the plan
    plan.jobs.clear()
    failure: str | None = None
    try:
        report = send(composing=composing)
    finally:
        failure = composing.wait()
        if failure is not None:
            with engine.connect() as connection:
                unwritten = release_composing(connection, token)
    if failure is not None:
        raise ComposingFailed(failure, letters=unwritten)
    return report


def _deliver(
    *,
    engine: Engine,
    now: datetime,
    tz: str,
    settings: Settings,
    transport: SmtpTransport | FolderTransport | None,
    limit: int | None,
    lease: timedelta,
    report: DeliveryReport,
    composing: _Composing | None,
) -> DeliveryReport:
    """Send what is due, over one connection or several (``deliver_pending`` after composing)."""
    with engine.connect() as connection:
        if not in_working_hours(now, tz):
            report.deferred = due_count(connection=connection, now=now)
            report.waiting = waiting_count(connection=connection) - report.deferred
            return report
        due = due_count(connection=connection, now=now)
        if composing is not None:
            due += composing.letters
        if due == 0:
            report.waiting = waiting_count(connection=connection)
            return report
        extra = 0
        if transport is None:
            transport = open_transport(settings)
            if isinstance(transport, SmtpTransport) and limit is None:
                # a large delivery spreads over several connections: each waits for the server's
                # replies most of the time, and the claims keep them from sending a letter twice
                extra = max(0, min(transport.connections, due // LETTERS_PER_CONNECTION) - 1)
        report.transport = transport.description
        try:
            transport.open()
        except ServerUnavailable as error:
            report.server_error = str(error)
            report.waiting = waiting_count(connection=connection)
            return report
        send = partial(
            _send_all,
            engine=engine,
            now=now,
            tz=tz,
            settings=settings,
            limit=limit,
            lease=lease,
            batch=LARGE_BATCH if due >= LARGE_RUN else BATCH,
            composing=composing,
        )
        helpers: list[tuple[threading.Thread, DeliveryReport]] = []
        errors: list[BaseException] = []
        try:
            for _ in range(extra):
                assert isinstance(transport, SmtpTransport)
                part = DeliveryReport()
                thread = threading.Thread(
                    target=_send_on_own_connection,
                    args=(engine, transport.another(), send, part, errors),
                    name="nastavnik-delivery",
                    daemon=True,
                )
                thread.start()
                helpers.append((thread, part))
            send(connection, transport, report=report)
        finally:
            transport.close()
            for thread, part in helpers:
                thread.join()
                report.absorb(part)
            report.waiting = waiting_count(connection=connection)
    if errors:
        raise errors[0]
    return report


def _shared_database(engine: Engine) -> bool:
    """Whether another process sees this database (not SQLite's memory)."""
    url = engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


class _Composing:
    """The forked process writing a plan's letters: whether it still runs, and how it ended."""

    def __init__(self, pid: int, reader: int, letters: int) -> None:
        self.pid = pid
        self.letters = letters
        self._reader = reader
        self._status: int | None = None
        self._lock = threading.Lock()

    def running(self) -> bool:
        """Whether the composer has not exited yet (every deliverer thread asks)."""
        with self._lock:
            if self._status is None:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self._status = status
            return self._status is None

    def wait(self) -> str | None:
        """Wait for the composer to exit; None when it wrote every letter, else why not."""
        with self._lock:
            if self._status is None:
                _, self._status = os.waitpid(self.pid, 0)
            status = self._status
        with os.fdopen(self._reader, "rb") as reader:
            said = reader.read().decode("utf-8", "replace")
        if os.waitstatus_to_exitcode(status) == 0:
            return None
        return said or f"the composer ended with status {os.waitstatus_to_exitcode(status)}"


def _compose_apart(engine: Engine, plan: LetterPlan, *, lease: timedelta) -> _Composing:
    """Fork a process that renders the plan's letters and writes them in committed chunks.

    The letters are ``composing`` (never claimed) until their chunk is written. The child uses
    its own database connections (the pool's, inherited, stay the parent's), touches nothing
    else the parent's threads may hold, and leaves with ``os._exit``: no atexit handler, no
    flush of the parent's buffers. It may outlive a parent that was killed: what it writes is
    whole letters, each chunk in one transaction.
    """
    reader, writer = os.pipe()
    gc.freeze()  # the objects the child inherits are not walked (and copied) by its collector
    try:
        pid = os.fork()
    except OSError:
        gc.unfreeze()
        os.close(reader)
        os.close(writer)
        raise
    if pid == 0:  # pragma: no cover - the child; its work is checked by the letters it writes
        code = 1
        try:
            os.close(reader)
            # the parent's pooled connections stay referenced, never closed or freed here (a
            # freed PostgreSQL connection would end the parent's session; SQLite's must not be
            # touched across a fork): the child opens its own
            inherited = engine.pool
            engine.dispose(close=False)
            _write_plan(engine, plan, lease=lease)
            code = 0 if inherited is not None else 1
        except BaseException:
            os.write(writer, traceback.format_exc()[-4000:].encode("utf-8", "replace"))
        finally:
            os._exit(code)
    gc.unfreeze()
    os.close(writer)
    return _Composing(pid, reader, letters=len(plan.jobs))


def _write_plan(engine: Engine, plan: LetterPlan, *, lease: timedelta) -> None:
    """Render and store a ``composing`` plan's letters chunk by chunk, in the order of their ids;
    the leases of those not written yet are renewed once half a lease has passed."""
    jobs = plan.jobs
    renewed = clock.monotonic()
    with engine.connect() as connection:
        start, size = 0, FIRST_CHUNK
        while start < len(jobs):
            renew = clock.monotonic() - renewed > lease.total_seconds() / 2
            if renew:
                renewed = clock.monotonic()
            write_chunk(
                connection, plan, jobs[start : start + size], lease=lease if renew else None
            )
            start, size = start + size, CHUNK


# a delivery opens one more connection per this many letters due, up to the URL's ``connections``
LETTERS_PER_CONNECTION = 100


def _send_on_own_connection(
    engine: Engine,
    transport: SmtpTransport,
    send: Callable[..., None],
    report: DeliveryReport,
    errors: list[BaseException],
) -> None:
    """One more deliverer of the run, on its own SMTP and database connections (a thread).

    A connection the server refuses is left alone: the run's first connection, already open,
    sends what this one does not.
    """
    try:
        transport.open()
    except ServerUnavailable:
        return
    try:
        with engine.connect() as connection:
            send(connection, transport, report=report)
    except BaseException as error:  # raised in the run's own thread once every helper is done
        errors.append(error)
    finally:
        transport.close()


def _send_all(
    connection: Connection,
    transport: SmtpTransport | FolderTransport,
    *,
    engine: Engine,
    now: datetime,
    tz: str,
    settings: Settings,
    limit: int | None,
    lease: timedelta,
    batch: int,
    report: DeliveryReport,
    composing: _Composing | None = None,
) -> None:
    """Claim batches and send them until none is due, the limit is reached or the server is gone.

    While a forked composer is writing letters, none due means none written yet: the deliverer
    waits for them, and once the composer has exited looks once more from the first letter."""
    today = local_day(now, tz)
    after = 0  # the pending letters up to here were claimed (``now`` stays: none falls due)
    swept = composing is None
    while limit is None or report.sent + report.failed < limit:
        size = batch if limit is None else min(batch, limit - report.sent - report.failed)
        leased_at = clock.monotonic()  # before the claim: never behind the database's count
        held = claim_letters(connection=connection, now=now, limit=size, lease=lease, after=after)
        if not held:
            if composing is not None and composing.running():
                clock.sleep(COMPOSING_POLL_S)
                continue
            if swept:
                return
            swept, after = True, 0  # the composer has exited: whatever it wrote last
            continue
        after = max(after, *(letter.id for letter in held))
        claimed = len(held)
        held = _drop_done_steps(
            engine, connection, held, now=now, today=today, settings=settings, report=report
        )
        if len(held) < claimed:
            after = 0  # letters rewritten at their claim are pending again: claimed from the start
        held.reverse()  # taken from the end: the lowest id first
        while held:
            if clock.monotonic() - leased_at > lease.total_seconds() / 2:
                # the batch is slow: renew before our leases can run out, skip letters taken over
                leased_at = clock.monotonic()
                kept = renew_leases(connection=connection, letters=held, lease=lease)
                report.taken_over += len(held) - len(kept)
                held = kept
                if not held:
                    break
            letter = held.pop()
            _attempt(
                connection, transport, letter, now=now, sender=settings.mail_from, report=report
            )
            if report.server_gone:
                # the server went away: the letters claimed but not tried wait, as never attempted
                mark_waiting(connection=connection, letters=held, error=None, untried=True)
                return


# by the letters' ids only: with ``o.status = 'pending'`` here SQLite's planner took the status
# index and read every pending item of the region at each batch (quadratic); filtered below
_ITEM_STATES = (
    text(
        "SELECT o.letter_id, o.status, o.level, s.state, s.due FROM outbox o "
        "LEFT JOIN step_instance s ON s.id = o.step_instance_id "
        "WHERE o.letter_id IN :ids"
    )
    .bindparams(bindparam("ids", expanding=True))
    .columns(due=Date())
)
_RELEASE = text(
    "UPDATE letter SET status = 'pending', attempts = 0, lease_until = NULL "
    "WHERE id = :id AND status = 'sending' AND attempts = 1"
)


def _drop_done_steps(
    engine: Engine,
    connection: Connection,
    batch: list[ClaimedLetter],
    *,
    now: datetime,
    today: date,
    settings: Settings,
    report: DeliveryReport,
) -> list[ClaimedLetter]:
    """The claimed letters still true as composed; the others are rewritten or cancelled.

    Only a letter on its first attempt can change (an attempted letter's bytes are fixed: it may
    have reached the server). A step done (or moved) between composing and this claim drops out:
    the letter goes back to pending, is composed again without it (``compose_letters(only=…)``)
    and is claimed again by the next batch; a letter left with nothing to say is cancelled and
    recorded as such (``EMPTIED``), never sent.
    """
    fresh = [letter.id for letter in batch if letter.attempts == 1]
    if not fresh:
        return batch
    with connection.begin():
        rows = connection.execute(_ITEM_STATES, {"ids": fresh}).all()
    stale = sorted(
        {
            row.letter_id
            for row in rows
            if row.status == "pending" and gone_reason(row.level, row.state, row.due, today)
        }
    )
    if not stale:
        return batch
    with session_scope(engine) as session:
        released = [
            letter_id
            for letter_id in stale
            if session.connection().execute(_RELEASE, {"id": letter_id}).rowcount == 1
        ]
        composed = compose_letters(session=session, now=now, settings=settings, only=released)
    report.recomposed += composed.letters
    report.emptied += composed.emptied
    report.dropped_items += composed.cancelled_items
    gone = set(stale)
    return [letter for letter in batch if letter.id not in gone]


def _attempt(
    connection: Connection,
    transport: SmtpTransport | FolderTransport,
    letter: ClaimedLetter,
    *,
    now: datetime,
    sender: str,
    report: DeliveryReport,
) -> None:
    """Send one claimed letter and record the outcome; ``report.server_gone`` if the server went."""
    try:
        transport.send(letter.message, sender=sender, recipients=[letter.recipient])
    except ServerUnavailable as error:
        # not transmitted: as good as never attempted; transmitted: it may be there, same Message-ID next time
        mark_waiting(
            connection=connection,
            letters=[letter],
            error=str(error),
            untried=not error.transmitted,
        )
        report.server_error = str(error)
        report.server_gone = True
    except TemporaryFailure as error:
        if letter.attempts >= MAX_ATTEMPTS:
            mark_failed(
                connection=connection,
                letter=letter,
                error=render_message("mail.gave_up", attempts=letter.attempts, detail=error),
            )
            report.failed += 1
            report.refusal = str(error)
        else:
            mark_waiting(
                connection=connection,
                letters=[letter],
                error=str(error),
                retry_at=now + backoff(letter.attempts),
            )
            report.temporary += 1
            report.put_off = str(error)
    except PermanentFailure as error:
        mark_failed(connection=connection, letter=letter, error=str(error))
        report.failed += 1
        report.refusal = str(error)
    else:
        mark_sent(connection=connection, letter=letter, now=now)
        report.sent += 1


def retry_letter(*, engine: Engine, letter_id: int, now: datetime) -> Letter:
    """Send a failed (or waiting) letter again at the next delivery: the same letter, same Message-ID."""
    from common.errors import NastavnikError

    with session_scope(engine) as session:
        letter = session.get(Letter, letter_id)
        if letter is None:
            raise NastavnikError(code="mail.unknown_letter", letter=letter_id)
        if letter.status not in ("failed", "pending"):
            raise NastavnikError(
                code="mail.not_retried",
                where="ID",
                letter=letter_id,
                status=LETTER_STATES.get(letter.status, letter.status),
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
