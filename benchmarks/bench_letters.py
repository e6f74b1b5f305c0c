"""Letters rendered and delivered per second to a real SMTP server on loopback (goal: at least 200/s).

Run from the repository root: ``python benchmarks/bench_letters.py [SCHOOLS]``. It builds a SQLite
municipality of SCHOOLS schools (300 by default) with seed 000 launched, ticks on 20 May 2022 (each
school gets a digest of 3 overdue steps and a reminder; the coordinator and the head get one each),
then for each of five runs, on a fresh copy of that database:
- composes the letters alone (gathering the items, rendering text + HTML, storing them):
  *rendered/s*;
- on another copy, runs ``deliver_pending`` as the tick does (compose, then claim, send to
  aiosmtpd on 127.0.0.1 and mark sent, one letter at a time): *rendered and delivered/s*; the
  difference of the two is shown as *delivered/s*;
and prints the medians, by wall clock and by this process's CPU time. The server is aiosmtpd in its own process (``python -m aiosmtpd`` with its
Sink handler), as a real mail server would be; ``--in-process`` runs it in a thread of this
process instead, where it competes with the sender for the GIL (a lower bound).
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from definitions.loader import find_roadmap  # noqa: E402
from engine.launch import launch_roadmap  # noqa: E402
from engine.tick import decide_notifications  # noqa: E402
from nastavnik import demo_data  # noqa: E402
from nastavnik.settings import Settings  # noqa: E402
from notifications.compose import compose_letters  # noqa: E402
from notifications.delivery import deliver_pending  # noqa: E402
from storage.db import make_engine, session_scope, upgrade_database  # noqa: E402
from storage.schools import import_schools, init_municipality  # noqa: E402

GOAL = 200
RUNS = 5
TZ = demo_data.MUNICIPALITY["timezone"]
LAUNCH = datetime(2022, 3, 1, 9, tzinfo=ZoneInfo(TZ))
NOW = datetime(2022, 5, 20, 10, tzinfo=ZoneInfo(TZ))


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def _start_server(port: int, in_process: bool) -> Any:
    if in_process:
        controller = Controller(_Counter(), hostname="127.0.0.1", port=port)
        controller.start()
        return controller
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("aiosmtpd did not start")


def _build(path: Path, schools: int) -> None:
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
    with session_scope(engine) as session:
        decide_notifications(session=session, now=NOW)
    engine.dispose()


def _copy(template: Path, target: Path) -> Path:
    shutil.copy(template, target)
    return target


def main() -> None:
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    in_process = "--in-process" in sys.argv
    schools = int(arguments[0]) if arguments else 300
    workdir = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    sys.path.insert(0, str(ROOT / "tests"))
    from smtp_server import free_port

    port = free_port()
    server = _start_server(port, in_process)
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}",
        mail_from="nastavnik@example.ru",
        mail_dir=workdir / "mail",
        base_url="https://nastavnik.example.ru",
    )
    try:
        template = workdir / "template.db"
        _build(template, schools)
        rendered: list[float] = []
        delivered: list[float] = []
        overall: list[float] = []
        cpu_rendered: list[float] = []
        cpu_delivered: list[float] = []
        cpu_overall: list[float] = []
        letters = 0
        for run in range(RUNS):
            # compose alone, on one copy: what rendering costs
            engine = make_engine(f"sqlite:///{_copy(template, workdir / f'render{run}.db')}")
            started, cpu_started = time.perf_counter(), time.process_time()
            with session_scope(engine) as session:
                letters = compose_letters(session=session, now=NOW, settings=settings).letters
            rendered.append(letters / (time.perf_counter() - started))
            cpu_rendered.append(letters / (time.process_time() - cpu_started))
            engine.dispose()
            # the tick's call, on a fresh copy: compose, then claim, send and mark every letter
            engine = make_engine(f"sqlite:///{_copy(template, workdir / f'deliver{run}.db')}")
            started, cpu_started = time.perf_counter(), time.process_time()
            report = deliver_pending(engine=engine, now=NOW, settings=settings)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            assert report.sent == letters and report.waiting == 0, (report, letters)
            overall.append(letters / wall)
            cpu_overall.append(letters / cpu)
            # sending alone: the whole call less the rendering it did first
            delivered.append(letters / max(wall - letters / rendered[-1], 1e-9))
            cpu_delivered.append(letters / max(cpu - letters / cpu_rendered[-1], 1e-9))
            engine.dispose()
    finally:
        if in_process:
            server.stop()
        else:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    load = os.getloadavg()[0]
    where = "in this process" if in_process else "in its own process"
    print(f"aiosmtpd on 127.0.0.1:{port} {where}")
    print(
        f"{letters} letters per run ({schools} schools, digests of 4 items; coordinator and head digests of "
        f"{3 * schools + 3} items), {RUNS} runs, load average {load:.2f}"
    )
    print("medians, letters per second      wall clock   this process's CPU time")
    for label, wall, cpu in (
        ("rendered (compose + store)", rendered, cpu_rendered),
        ("delivered (claim, SMTP, mark)", delivered, cpu_delivered),
        ("rendered and delivered", overall, cpu_overall),
    ):
        print(f"  {label:<30} {statistics.median(wall):10.0f} {statistics.median(cpu):14.0f}")
    # on a shared machine the wall clock follows the load average; the CPU-time rate measures the code
    verdict = "ok" if statistics.median(cpu_overall) >= GOAL else "BELOW GOAL"
    print(f"goal ≥ {GOAL} letters/s rendered and delivered (CPU time): {verdict}")


if __name__ == "__main__":
    main()
