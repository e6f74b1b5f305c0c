"""The fault run of docs/delivery.md: deliverers killed, ticks overlapping, a mail server misbehaving.

Every letter is counted where it lands, at a real SMTP server on loopback (aiosmtpd), and every
decision against a clean run of the same municipality:

- *lost*: a decision the clean run delivered that the faulted run did not (neither delivered nor
  failed on a refused mailbox), or a letter marked sent that never reached the server;
- *duplicates outside the window*: a second copy of a letter, unless it is the one docs/delivery.md
  allows: the last letter a killed deliverer's connection carried (accepted by the server, the
  ``sent`` mark not committed yet), sent again byte for byte with the same Message-ID.

Deliverers are real processes forked from a fork server that preloaded this module (no interpreter
start per kill, warm caches, and none of the runner's threads: Prefect's are unsafe to fork),
each running a whole tick (decide, compose, claim, send, mark) with its own database and SMTP
connections, and killed with SIGKILL at a random moment of it. ``benchmarks/fault_run.py``
runs the full campaign and prints its figures; ``tests/test_delivery_faults.py`` a small one.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from common.settings import Settings
from flows.daily import tick_once
from nastavnik import demo_data
from notifications.delivery import OVERLAP_LETTERS, DeliveryReport, deliver_pending
from notifications.smtp import SmtpTransport
from storage.db import make_engine, upgrade_database
from tests.factories import launched, moment
from tests.smtp_server import Sink, SmtpServer

TICK_DAY = date(2022, 5, 20)  # a Friday: every school has overdue steps and a reminder
SENDER = "nastavnik@beloyarsky-edu.example.ru"
BASE = "https://nastavnik.beloyarsky.example.ru"
KILL_LEASE = timedelta(seconds=1)  # a killed deliverer's lease: runs out within the run


@dataclass(frozen=True)
class Db:
    """Where a round's database is."""

    url: str

    def engine(self) -> Engine:
        return make_engine(self.url)


def settings_for(smtp_url: str, mail_dir: Path) -> Settings:
    return Settings(smtp_url=smtp_url, mail_from=SENDER, mail_dir=mail_dir, base_url=BASE)


def _deliverer(
    db: Db, smtp_url: str, now: datetime, lease_s: float, overlap_from: int | None, pipe: Pipe
) -> None:
    """A deliverer process: a whole tick at ``now``; reports its SMTP connection's port first.

    Its own process group: a kill takes the composer it may fork along with it."""
    os.setpgrp()
    engine = db.engine()
    transport = SmtpTransport(smtp_url)
    try:
        transport.open()
        client = transport._client
        pipe.send(client.sock.getsockname()[1] if client is not None and client.sock else 0)
    except Exception:  # the server is down: the tick finds so itself
        pipe.send(0)
    tick_once(engine=engine, now=now, send=False, count_states=False)
    report = deliver_pending(
        engine=engine,
        now=now,
        settings=settings_for(smtp_url, Path("/nonexistent")),
        transport=transport,
        lease=timedelta(seconds=lease_s),
        overlap_from=overlap_from,
    )
    pipe.send(str(report))


def _context() -> Any:
    # forkserver: children fork from a single-threaded server that imported this module (warm
    # caches: roadmaps, templates) rather than from the runner, whose threads (Prefect's test
    # harness, SMTP sinks) may hold locks a forked child would inherit held
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class Deliverer:
    """A deliverer process (forked from the preloaded fork server), to wait for or to kill."""

    def __init__(
        self,
        db: Db,
        smtp_url: str,
        now: datetime,
        lease: timedelta,
        overlap_from: int | None = OVERLAP_LETTERS,
    ) -> None:
        context = _context()
        self.pipe, child = context.Pipe()
        self.process = context.Process(
            target=_deliverer,
            args=(db, smtp_url, now, lease.total_seconds(), overlap_from, child),
            daemon=True,
        )
        self.process.start()
        child.close()
        self.port: int | None = None

    def _read_port(self, timeout: float) -> None:
        if self.port is None and self.pipe.poll(timeout):
            try:
                self.port = int(self.pipe.recv())
            except (EOFError, OSError):
                pass

    def kill(self) -> None:
        """SIGKILL to the deliverer and any composer it forked (its process group)."""
        assert self.process.pid is not None
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:  # killed before it made its group: the process alone
            self.process.kill()
        self.process.join()
        self._read_port(0)

    def wait(self, timeout: float = 120.0) -> str:
        self._read_port(timeout)
        self.process.join(timeout)
        assert self.process.exitcode == 0, f"deliverer exited with {self.process.exitcode}"
        return str(self.pipe.recv()) if self.pipe.poll(1) else ""


@dataclass
class Tally:
    """What a round (or a campaign) counted."""

    rounds: int = 0
    kills: int = 0
    letters: int = 0  # letters that reached the server, counted once
    decisions: int = 0  # decisions the clean run delivered
    lost: int = 0
    window: int = 0  # second copies inside the documented window
    outside: int = 0  # second copies outside it
    refused: int = 0  # letters refused for good (5xx), reported, not lost
    details: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("rounds", "kills", "letters", "decisions", "lost", "window", "outside"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.refused += other.refused
        self.details += other.details


class Municipality:
    """A round's database, a copy of one launched municipality: of a SQLite file (the backup API)
    or of a PostgreSQL database (``CREATE DATABASE … TEMPLATE``)."""

    def __init__(self, workdir: Path, *, schools: int, pg_url: str | None = None) -> None:
        self.workdir = workdir
        self.pg_url = pg_url
        self._databases: list[str] = []
        if pg_url is None:
            self._template = workdir / "template.db"
            db = Db(f"sqlite:///{self._template}")
        else:
            self._template_name = self._create(None)
            db = Db(self._url(self._template_name))
        engine = db.engine()
        upgrade_database(engine)
        launched(engine, workdir, schools=schools)
        engine.dispose()

    def _url(self, database: str) -> str:
        assert self.pg_url is not None
        return make_url(self.pg_url).set(database=database).render_as_string(hide_password=False)

    def _create(self, template: str | None) -> str:
        name = f"nastavnik_fault_{uuid.uuid4().hex[:10]}"
        admin = make_engine(self.pg_url or "", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            copy = f" TEMPLATE {template}" if template else ""
            connection.exec_driver_sql(f"CREATE DATABASE {name}{copy}")
        admin.dispose()
        self._databases.append(name)
        return name

    def fresh(self) -> Db:
        if self.pg_url is None:
            path = self.workdir / f"round-{uuid.uuid4().hex[:8]}.db"
            with sqlite3.connect(self._template) as source, sqlite3.connect(path) as target:
                source.backup(target)
            return Db(f"sqlite:///{path}")
        return Db(self._url(self._create(self._template_name)))

    def drop(self) -> None:
        if self.pg_url is None:
            return
        admin = make_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in reversed(self._databases):
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@contextmanager
def sink_server() -> Iterator[tuple[SmtpServer, Sink]]:
    sink = Sink()
    server = SmtpServer(sink=sink).start()  # type: ignore[arg-type]
    try:
        yield server, sink
    finally:
        server.stop()


def complete(
    db: Db,
    smtp_url: str,
    now: datetime,
    *,
    lease: timedelta = KILL_LEASE,
    overlap_from: int | None = OVERLAP_LETTERS,
) -> None:
    """What the next runs do after the faults: tick and deliver until nothing waits.

    A letter a dead deliverer held waits for its lease (on the database's clock); one put off by
    a 4xx waits for its retry time, so each further run is 5 min later by business time.
    """
    engine = db.engine()
    try:
        moment_ = now
        for _ in range(12):
            tick_once(engine=engine, now=moment_, send=False, count_states=False)
            report: DeliveryReport = deliver_pending(
                engine=engine,
                now=moment_,
                settings=settings_for(smtp_url, Path("/nonexistent")),
                overlap_from=overlap_from,
            )
            if report.waiting == 0:
                return
            time.sleep(lease.total_seconds() + 0.1)
            moment_ += timedelta(minutes=5)
        raise AssertionError(f"letters still wait after 12 runs: {report}")
    finally:
        engine.dispose()


def reference(municipality: Municipality, workdir: Path) -> set[str]:
    """The outbox keys a clean run delivers (one tick, a well-behaved server)."""
    db = municipality.fresh()
    with sink_server() as (server, _):
        complete(db, server.url, moment(TICK_DAY, 10))
    return sent_keys(db)


def sent_keys(db: Db, status: str = "sent") -> set[str]:
    engine = db.engine()
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT key FROM outbox WHERE status = :status"), {"status": status}
            )
            return {row[0] for row in rows}
    finally:
        engine.dispose()


def count(db: Db, sink: Sink, expected: set[str], killed_ports: set[int], name: str) -> Tally:
    """Count a finished round: lost decisions and letters, copies inside and outside the window."""
    tally = Tally(rounds=1, decisions=len(expected))
    delivered = sent_keys(db)
    failed = sent_keys(db, "failed")
    missing = expected - delivered - failed
    tally.lost += len(missing)
    engine = db.engine()
    try:
        with engine.connect() as connection:
            marked = {
                row[0]
                for row in connection.execute(
                    text("SELECT message_id FROM letter WHERE status = 'sent'")
                )
            }
            unfinished = connection.execute(
                text(
                    "SELECT COUNT(*) FROM letter "
                    "WHERE status IN ('pending', 'sending', 'composing')"
                )
            ).scalar_one()
            tally.refused = connection.execute(
                text("SELECT COUNT(*) FROM letter WHERE status = 'failed'")
            ).scalar_one()
    finally:
        engine.dispose()
    received = Counter(a.message_id for a in sink.received)
    never_arrived = marked - set(received)
    # a letter sent before its content was written (a placeholder's Message-ID, no subject)
    unwritten = [a.message_id for a in sink.received if not a.message_id.startswith("<letter-")]
    unwritten += [a.message_id for a in sink.received if not a.subject]
    tally.lost += len(never_arrived) + int(unfinished) + len(unwritten)
    if unwritten:
        tally.details.append(f"{name}: sent before written {unwritten[:3]}")
    tally.letters = len(received)
    last_of_killed = {}
    for accepted in sink.received:
        if accepted.port in killed_ports:
            last_of_killed[accepted.port] = accepted
    for message_id, copies in received.items():
        if copies == 1:
            continue
        arrivals = [a for a in sink.received if a.message_id == message_id]
        for earlier in arrivals[:-1]:
            allowed = (
                last_of_killed.get(earlier.port) is earlier
                and earlier.digest == arrivals[-1].digest
            )
            if allowed:
                tally.window += 1
            else:
                tally.outside += 1
                tally.details.append(f"{name}: {message_id} twice outside the window")
    if missing or never_arrived or unfinished:
        tally.details.append(
            f"{name}: lost {sorted(missing)[:3]} never arrived {sorted(never_arrived)[:3]}, "
            f"{unfinished} unfinished"
        )
    return tally


def kill_round(
    municipality: Municipality,
    expected: set[str],
    rng: random.Random,
    span: float,
    kills: int,
    overlap_from: int | None = OVERLAP_LETTERS,
) -> Tally:
    """``kills`` deliverers in a row, each killed at a random moment of its tick, then the next runs."""
    db = municipality.fresh()
    now = moment(TICK_DAY, 10)
    killed: set[int] = set()
    with sink_server() as (server, sink):
        sink.delay = 0.005  # sending is a real share of a run, not a blink after composing
        for _ in range(kills):
            deliverer = Deliverer(db, server.url, now, KILL_LEASE, overlap_from)
            time.sleep(rng.uniform(0, span))
            deliverer.kill()
            if deliverer.port:
                killed.add(deliverer.port)
        complete(db, server.url, now, overlap_from=overlap_from)
        tally = count(db, sink, expected, killed, f"kill x{kills}")
    tally.kills = kills
    return tally


def measure_span(municipality: Municipality, overlap_from: int | None = OVERLAP_LETTERS) -> float:
    """How long a deliverer's whole tick takes here (the range of the random kill moments)."""
    db = municipality.fresh()
    with sink_server() as (server, sink):
        sink.delay = 0.005
        started = time.monotonic()
        Deliverer(db, server.url, moment(TICK_DAY, 10), KILL_LEASE, overlap_from).wait()
        return time.monotonic() - started


def two_ticks_at_once(
    municipality: Municipality, expected: set[str], overlap_from: int | None = OVERLAP_LETTERS
) -> Tally:
    db = municipality.fresh()
    now = moment(TICK_DAY, 10)
    with sink_server() as (server, sink):
        first = Deliverer(db, server.url, now, timedelta(minutes=10), overlap_from)
        second = Deliverer(db, server.url, now, timedelta(minutes=10), overlap_from)
        first.wait()
        second.wait()
        complete(db, server.url, now, overlap_from=overlap_from)
        return count(db, sink, expected, set(), "two ticks at once")


def overlapping_slow_delivery(municipality: Municipality, expected: set[str]) -> Tally:
    """A tick 11 minutes later (business time) while a slow delivery of 09:00 still sends."""
    db = municipality.fresh()
    with sink_server() as (server, sink):
        sink.delay = 0.05
        slow = Deliverer(db, server.url, moment(TICK_DAY, 9), timedelta(minutes=10))
        deadline = time.monotonic() + 60
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.01)
        later = Deliverer(db, server.url, moment(TICK_DAY, 9, 11), timedelta(minutes=10))
        later.wait()
        slow.wait()
        complete(db, server.url, moment(TICK_DAY, 10))
        return count(db, sink, expected, set(), "tick overlapping a slow delivery")


def misbehaving_server(municipality: Municipality, expected: set[str], refuse: str) -> Tally:
    """SMTP down, then 421 mid-run, then 451 to a few letters, and 550 to one mailbox, in a row."""
    db = municipality.fresh()
    now = moment(TICK_DAY, 10)
    with sink_server() as (server, sink):
        server.stop()  # down: nothing is claimed, every letter waits
        Deliverer(db, server.url, now, timedelta(minutes=10)).wait()
        server.start()
        sink.close_at = 2  # 421 after two letters: the run stops, the rest wait
        sink.refuse[refuse] = "550 5.1.1 No such mailbox"
        Deliverer(db, server.url, now + timedelta(minutes=1), timedelta(minutes=10)).wait()
        sink.temporary_failures = 3  # three letters greylisted, due again 5 min later
        Deliverer(db, server.url, now + timedelta(minutes=2), timedelta(minutes=10)).wait()
        complete(db, server.url, now + timedelta(minutes=7))
        tally = count(db, sink, expected, set(), "SMTP down, 421, 451, 550")
    if tally.refused != 1:
        tally.details.append(f"expected one refused letter, got {tally.refused}")
        tally.outside += 1
    return tally


def campaign(
    workdir: Path,
    *,
    schools: int,
    kill_points: int,
    seed: int = 12,
    pg_url: str | None = None,
    overlap_from: int | None = OVERLAP_LETTERS,
    kills_only: bool = False,
) -> tuple[Tally, dict[str, float]]:
    """The whole fault run on one database kind; returns the tally and a few timings.

    ``overlap_from``: the runs' threshold for composing in a forked process while sending (1:
    every run does, so kills land in the middle of composing apart too). ``kills_only``: the
    kill rounds and two ticks at once, not the slow delivery and the misbehaving server."""
    rng = random.Random(seed)
    municipality = Municipality(workdir, schools=schools, pg_url=pg_url)
    try:
        expected = reference(municipality, workdir)
        span = measure_span(municipality, overlap_from)
        tally = Tally()
        started = time.monotonic()
        done = 0
        while done < kill_points:
            kills = min(rng.choice((1, 1, 2, 3)), kill_points - done)
            tally.add(kill_round(municipality, expected, rng, span, kills, overlap_from))
            done += kills
        tally.add(two_ticks_at_once(municipality, expected, overlap_from))
        if kills_only:
            return tally, {"span": span, "seconds": time.monotonic() - started}
        tally.add(overlapping_slow_delivery(municipality, expected))
        refused = demo_data.SCHOOLS[0]["admin_email"]  # sosh1: a school the clean run writes to
        tally.add(misbehaving_server(municipality, expected, refused))
        return tally, {"span": span, "seconds": time.monotonic() - started}
    finally:
        municipality.drop()
