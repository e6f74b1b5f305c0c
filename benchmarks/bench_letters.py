"""Letters composed, delivered and both, per second, to a real SMTP server on loopback.

Goal (issue #4): letters rendered and delivered per second to a loopback aiosmtpd ≥ 200/s.

Run from the repository root: ``python benchmarks/bench_letters.py [SCHOOLS] [--runs N]
[--pipelining] [--in-process]``. It builds a SQLite municipality of SCHOOLS schools (300 by
default) with seed 000 launched and ticks on 20 May 2022: each school gets a digest of 3 overdue
steps and a reminder, the coordinator and the head one digest each of every school's steps. Then,
N times (5 by default), each on a fresh copy of that database:

- *composed*: ``compose_letters`` alone: gathering the items, rendering text and HTML, building
  the MIME bytes, storing them;
- *delivered*: on the same copy, ``deliver_pending(compose=False)``: claim, send the stored bytes
  over one SMTP connection, mark each letter sent;
- *end to end*: on another copy, ``deliver_pending()`` as the tick calls it (compose, then send).

It prints the medians by wall clock and by this process's CPU time (user + system, the SMTP
server's own work excluded), and the end-to-end figure against the goal. The server is aiosmtpd
in its own process, discarding what it accepts, as a real mail server would be; it does not offer
PIPELINING unless ``--pipelining`` is given. ``--in-process`` runs it in a thread of this process
instead, where it competes with the sender for the GIL and its CPU time is counted (a lower bound).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common.settings import Settings  # noqa: E402
from definitions.loader import find_roadmap  # noqa: E402
from engine.roadmap_launch import launch_roadmap  # noqa: E402
from engine.tick_decisions import decide_notifications  # noqa: E402
from nastavnik import demo_data  # noqa: E402
from notifications.compose import compose_letters  # noqa: E402
from notifications.delivery import deliver_pending  # noqa: E402
from storage.db import make_engine, session_scope, upgrade_database  # noqa: E402
from storage.schools import import_schools, init_municipality  # noqa: E402

GOAL = 200
TZ = demo_data.MUNICIPALITY["timezone"]
LAUNCH = datetime(2022, 3, 1, 9, tzinfo=ZoneInfo(TZ))
NOW = datetime(2022, 5, 20, 10, tzinfo=ZoneInfo(TZ))

# the server: aiosmtpd with a handler that accepts and discards, optionally offering PIPELINING
_SERVER = """
import sys, time
from aiosmtpd.controller import Controller

class Discard:
    def __init__(self, pipelining):
        self.pipelining = pipelining

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 OK"

port, pipelining = int(sys.argv[1]), sys.argv[2] == "1"
controller = Controller(Discard(pipelining), hostname="127.0.0.1", port=port)
controller.start()
sys.stdin.read()  # until the benchmark closes our stdin
controller.stop()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(port: int, *, pipelining: bool, in_process: bool) -> Callable[[], None]:
    """Start the server; returns the function that stops it."""
    if in_process:
        namespace: dict[str, Any] = {}
        exec(_SERVER.split("port, pipelining")[0], namespace)  # the handler class only
        from aiosmtpd.controller import Controller

        controller = Controller(namespace["Discard"](pipelining), hostname="127.0.0.1", port=port)
        controller.start()
        return controller.stop
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(port), "1" if pipelining else "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )

    def stop() -> None:
        assert server.stdin is not None
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return stop
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("aiosmtpd did not start")


def _build(path: Path, schools: int, *, decide: bool = True) -> None:
    """A municipality of ``schools`` schools with seed 000 launched (and decided at NOW)."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    rows = path.parent / "schools.csv"
    with open(rows, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "short_name", "director", "admin_email"])
        for number in range(1, schools + 1):
            writer.writerow(
                [
                    f"s{number:04d}",
                    f"Средняя общеобразовательная школа № {number}",
                    f"МАОУ СОШ № {number}",
                    "Иванова Елена Николаевна",
                    f"s{number:04d}@example.ru",
                ]
            )
    details = dict(demo_data.MUNICIPALITY)
    with session_scope(engine) as session:
        init_municipality(
            session=session,
            now=LAUNCH,
            name=details.pop("name"),
            timezone=details.pop("timezone"),
            coordinator=details.pop("coordinator_email"),
            head=details.pop("head_email"),
            **details,
        )
        import_schools(session=session, path=rows, now=LAUNCH)
        launch_roadmap(
            session=session, loaded=find_roadmap(demo_data.ROADMAP_ID), now=LAUNCH, by="bench"
        )
    if decide:
        with session_scope(engine) as session:
            decide_notifications(session=session, now=NOW)
    engine.dispose()


class _Clock:
    """Wall and CPU time of one measured step."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schools", nargs="?", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pipelining", action="store_true", help="the server offers PIPELINING")
    parser.add_argument("--in-process", action="store_true", help="the server in a thread")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    port = _free_port()
    stop = _start_server(port, pipelining=options.pipelining, in_process=options.in_process)
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}",
        mail_from="nastavnik@example.ru",
        mail_dir=workdir / "mail",
        base_url="https://nastavnik.example.ru",
    )
    rates: dict[str, list[tuple[float, float]]] = {"composed": [], "delivered": [], "both": []}
    letters = size = 0
    try:
        template = workdir / "template.db"
        _build(template, options.schools)
        for run in range(options.runs):
            shutil.copy(template, workdir / f"run{run}.db")
            engine = make_engine(f"sqlite:///{workdir / f'run{run}.db'}")
            with _Clock() as composing, session_scope(engine) as session:
                letters = compose_letters(session=session, now=NOW, settings=settings).letters
            with _Clock() as sending:
                report = deliver_pending(engine=engine, now=NOW, settings=settings, compose=False)
            assert report.sent == letters and report.waiting == 0, (report, letters)
            with engine.connect() as connection:
                total = connection.exec_driver_sql("SELECT SUM(LENGTH(mime)) FROM letter")
                size = int(total.scalar() or 0)
            engine.dispose()
            shutil.copy(template, workdir / f"tick{run}.db")
            engine = make_engine(f"sqlite:///{workdir / f'tick{run}.db'}")
            with _Clock() as both:
                report = deliver_pending(engine=engine, now=NOW, settings=settings)
            assert report.sent == letters and report.waiting == 0, (report, letters)
            engine.dispose()
            for key, clock in (("composed", composing), ("delivered", sending), ("both", both)):
                rates[key].append((letters / clock.wall, letters / clock.cpu))
    finally:
        stop()
        shutil.rmtree(workdir, ignore_errors=True)
    where = "in this process" if options.in_process else "in its own process"
    offer = "offering PIPELINING" if options.pipelining else "without PIPELINING"
    print(f"aiosmtpd on 127.0.0.1:{port} {where}, {offer}")
    print(
        f"{letters} letters per run ({options.schools} schools: digests of 4 items; the coordinator's "
        f"and the head's of {3 * options.schools + 3} items), {size / 1e6:.1f} MB of MIME, "
        f"{options.runs} runs, load average {os.getloadavg()[0]:.2f}"
    )
    print("medians, letters per second             wall clock   this process's CPU time")
    for key, label in (
        ("composed", "composed (render + MIME + store)"),
        ("delivered", "delivered (claim, SMTP, mark)"),
        ("both", "end to end (the tick's delivery)"),
    ):
        wall = statistics.median(rate for rate, _ in rates[key])
        cpu = statistics.median(rate for _, rate in rates[key])
        print(f"  {label:<36} {wall:10.0f} {cpu:14.0f}")
    wall = statistics.median(rate for rate, _ in rates["both"])
    cpu = statistics.median(rate for _, rate in rates["both"])
    # on a shared machine the wall clock follows the load average; CPU time measures the code
    print(
        f"goal ≥ {GOAL} letters/s end to end: wall clock {wall:.0f}/s "
        f"({'ok' if wall >= GOAL else 'BELOW GOAL'}), CPU time {cpu:.0f}/s "
        f"({'ok' if cpu >= GOAL else 'BELOW GOAL'})"
    )


if __name__ == "__main__":
    main()
