"""The whole daily job on one machine: decide, compose and deliver into a local SMTP server.

Goal (issue #12): the daily job at 40,000 schools ≤ 60 s on one machine.

Run from the repository root: ``python benchmarks/bench_daily.py [SCHOOLS] [--runs N]
[--pipelining] [--serial]``. It builds a SQLite municipality of SCHOOLS schools (40,000 by default) with
seed 000 launched on 1 March 2022 (not timed), then N times (3 by default), each on a fresh copy,
runs the tick of 20 May 2022 at 10:00 exactly as ``nastavnik tick`` does (``tick_once``): registry
completions, deciding every school (each gets 3 overdue steps and a reminder), then composing one
digest per recipient and delivering every letter to aiosmtpd on 127.0.0.1 in its own process,
over up to ``--connections`` SMTP connections at once (4 by default, as ``nastavnik tick``).
It prints the medians of each part and of the whole against the goal, by wall clock and by this
process's CPU time (the machine may be shared: CPU seconds measure the code, wall the load).

Delivery is ``deliver_pending`` as the tick calls it: a large run renders its letters in a forked
process while this one sends those already written (notifications/delivery.py), so composing and
sending are one part, "deliver"; the forked composer's CPU is printed beside it. ``--serial``
composes first (``compose_letters``), then sends (``deliver_pending(compose=False)``), and prints
the two apart: the daily job as it was before composing and sending overlapped.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_letters import NOW, _build, _free_port, _start_server  # noqa: E402

from common.settings import Settings, get_settings  # noqa: E402
from flows.daily import tick_once  # noqa: E402
from notifications.compose import compose_letters  # noqa: E402
from notifications.delivery import deliver_pending  # noqa: E402
from storage.db import make_engine, session_scope  # noqa: E402

GOAL_S = 60.0


def refused_letters(engine: Engine) -> str:
    """The letters the server refused: recipient and size."""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT recipient, LENGTH(mime) FROM letter JOIN letter_content ON letter_id = id "
            "WHERE status = 'failed'"
        ).all()
    return ", ".join(f"{to} {size / 1e6:.0f} MB" for to, size in rows)


def letters_of(engine: Engine) -> int:
    """Letters composed (every one must be sent)."""
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT COUNT(*) FROM letter").scalar_one())


def _children_cpu() -> float:
    """CPU seconds of this process's children reaped so far (the composer, at the end aiosmtpd)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schools", nargs="?", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pipelining", action="store_true", help="the server offers PIPELINING")
    parser.add_argument("--connections", type=int, default=4, help="SMTP connections at most")
    parser.add_argument(
        "--serial", action="store_true", help="compose, then send (no overlap): the parts apart"
    )
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-daily-"))
    port = _free_port()
    stop = _start_server(port, pipelining=options.pipelining, in_process=False)
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}?connections={options.connections}",
        mail_from="nastavnik@example.ru",
        mail_dir=workdir / "mail",
        base_url="https://nastavnik.example.ru",
    )
    names = (
        ("decide", "compose", "send", "whole") if options.serial else ("decide", "deliver", "whole")
    )
    parts: dict[str, list[float]] = {
        f"{part} {clock}": [] for part in names for clock in ("wall", "cpu")
    }
    composer_cpu: list[float] = []
    letters = decisions = 0
    # the tick's delivery reads its settings from the environment, as `nastavnik tick` does
    os.environ.update(
        NASTAVNIK_SMTP_URL=settings.smtp_url or "",
        NASTAVNIK_MAIL_FROM=settings.mail_from,
        NASTAVNIK_BASE_URL=settings.base_url,
    )
    get_settings.cache_clear()
    try:
        started = time.perf_counter()
        template = workdir / "template.db"
        _build(template, options.schools, decide=False)
        built = time.perf_counter() - started
        for run in range(options.runs):
            path = workdir / f"run{run}.db"
            shutil.copy(template, path)
            engine = make_engine(f"sqlite:///{path}")
            # tick_once(send=True) is these calls: decide every school, then deliver (compose, send)
            marks = [(time.perf_counter(), time.process_time())]
            summary = tick_once(engine=engine, now=NOW, send=False, count_states=False)
            marks.append((time.perf_counter(), time.process_time()))
            children = _children_cpu()
            if options.serial:
                with session_scope(engine) as session:
                    compose_letters(session=session, now=NOW, settings=get_settings())
                marks.append((time.perf_counter(), time.process_time()))
                report = deliver_pending(engine=engine, now=NOW, compose=False)
            else:
                report = deliver_pending(engine=engine, now=NOW)
            marks.append((time.perf_counter(), time.process_time()))
            # the forked composer, reaped by now (aiosmtpd is reaped at the end)
            composer_cpu.append(_children_cpu() - children)
            assert report.waiting == 0 and report.sent + report.failed == letters_of(engine), report
            letters, decisions = report.sent, summary.total
            if report.failed:  # aiosmtpd refuses a message over 32 MB, as a real server would
                refused = refused_letters(engine)
                print(f"  refused by the server: {refused} ({report.refusal})", file=sys.stderr)
            for name, (begin, end) in zip(
                names,
                [*zip(marks, marks[1:], strict=False), (marks[0], marks[-1])],
                strict=True,
            ):
                parts[f"{name} wall"].append(end[0] - begin[0])
                parts[f"{name} cpu"].append(end[1] - begin[1])
            print(
                f"  run {run + 1}: "
                + ", ".join(
                    f"{name} {parts[name + ' wall'][-1]:.1f} s (CPU {parts[name + ' cpu'][-1]:.1f} s)"
                    for name in names
                )
                + ("" if options.serial else f", composer's CPU {composer_cpu[-1]:.1f} s"),
                file=sys.stderr,
            )
            engine.dispose()
            path.unlink()
    finally:
        stop()
        shutil.rmtree(workdir, ignore_errors=True)
    server_cpu = _children_cpu() - sum(composer_cpu)
    offer = "offering PIPELINING" if options.pipelining else "without PIPELINING"
    print(
        f"{options.schools} schools (seed 000, built in {built:.0f} s): {decisions} decisions, "
        f"{letters} letters to aiosmtpd on loopback in its own process, {offer}; "
        f"{options.runs} runs, load average {os.getloadavg()[0]:.2f}"
    )
    whole = statistics.median(parts["whole wall"])
    send = statistics.median(parts["send wall" if options.serial else "deliver wall"])
    print("  medians                               wall      CPU (this process)")
    labels = {
        "decide": "decide (registry, plan, decisions)",
        "compose": "compose (render, MIME, store)",
        "send": f"send ({letters / send:.0f} letters/s)",
        "deliver": f"compose + send ({letters / send:.0f} letters/s)",
        "whole": "whole daily job",
    }
    for name in names:
        label = labels[name]
        print(
            f"  {label:<36} {statistics.median(parts[name + ' wall']):7.1f} s "
            f"{statistics.median(parts[name + ' cpu']):7.1f} s"
        )
    if not options.serial:
        print(f"  the forked composer's CPU {statistics.median(composer_cpu):.1f} s (median)")
    print(f"  aiosmtpd's CPU {server_cpu / options.runs:.1f} s a run")
    print(
        f"goal ≤ {GOAL_S:.0f} s: {'ok' if whole <= GOAL_S else 'ABOVE GOAL'} ({whole / GOAL_S:.2f} ×)"
    )


if __name__ == "__main__":
    main()
