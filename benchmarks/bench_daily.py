"""The whole daily job on one machine: decide, compose and deliver into a local SMTP server.

Goal (issue #12): the daily job at 40,000 schools ≤ 60 s on one machine.

Run from the repository root: ``python benchmarks/bench_daily.py [SCHOOLS] [--runs N]
[--pipelining]``. It builds a SQLite municipality of SCHOOLS schools (40,000 by default) with
seed 000 launched on 1 March 2022 (not timed), then N times (3 by default), each on a fresh copy,
runs the tick of 20 May 2022 at 10:00 exactly as ``nastavnik tick`` does (``tick_once``): registry
completions, deciding every school (each gets 3 overdue steps and a reminder), then composing one
digest per recipient and delivering every letter to aiosmtpd on 127.0.0.1 in its own process.
It prints the medians of each part and of the whole against the goal.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_letters import NOW, _build, _free_port, _start_server  # noqa: E402

from common.settings import Settings, get_settings  # noqa: E402
from flows.daily import deliver, tick_once  # noqa: E402
from storage.db import make_engine  # noqa: E402

GOAL_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schools", nargs="?", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pipelining", action="store_true", help="the server offers PIPELINING")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-daily-"))
    port = _free_port()
    stop = _start_server(port, pipelining=options.pipelining, in_process=False)
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}",
        mail_from="nastavnik@example.ru",
        mail_dir=workdir / "mail",
        base_url="https://nastavnik.example.ru",
    )
    parts: dict[str, list[float]] = {"decide": [], "deliver": [], "whole": [], "cpu": []}
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
            # tick_once(send=True) is these two calls: decide every school, then deliver
            begin, cpu = time.perf_counter(), time.process_time()
            summary = tick_once(engine=engine, now=NOW, send=False, count_states=False)
            decided = time.perf_counter()
            report = deliver(engine=engine, now=NOW)
            end = time.perf_counter()
            assert report.waiting == 0 and report.sent == report.composed, report
            letters, decisions = report.sent, summary.total
            parts["decide"].append(decided - begin)
            parts["deliver"].append(end - decided)
            parts["whole"].append(end - begin)
            parts["cpu"].append(time.process_time() - cpu)
            print(
                f"  run {run + 1}: decide {parts['decide'][-1]:.1f} s, compose + deliver "
                f"{parts['deliver'][-1]:.1f} s, whole {parts['whole'][-1]:.1f} s "
                f"(this process's CPU {parts['cpu'][-1]:.1f} s)",
                file=sys.stderr,
            )
            engine.dispose()
            path.unlink()
    finally:
        stop()
        shutil.rmtree(workdir, ignore_errors=True)
    server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    offer = "offering PIPELINING" if options.pipelining else "without PIPELINING"
    print(
        f"{options.schools} schools (seed 000, built in {built:.0f} s): {decisions} decisions, "
        f"{letters} letters to aiosmtpd on loopback in its own process, {offer}; "
        f"{options.runs} runs, load average {os.getloadavg()[0]:.2f}"
    )
    whole = statistics.median(parts["whole"])
    print(f"  decide (registry, plan, decisions)   {statistics.median(parts['decide']):7.1f} s")
    print(
        f"  compose + deliver                    {statistics.median(parts['deliver']):7.1f} s "
        f"({letters / statistics.median(parts['deliver']):.0f} letters/s)"
    )
    print(f"  whole daily job (median)             {whole:7.1f} s")
    print(
        f"  CPU: this process {statistics.median(parts['cpu']):.1f} s a run; aiosmtpd "
        f"{(server_cpu.ru_utime + server_cpu.ru_stime) / options.runs:.1f} s a run"
    )
    print(
        f"goal ≤ {GOAL_S:.0f} s: {'ok' if whole <= GOAL_S else 'ABOVE GOAL'} ({whole / GOAL_S:.2f} ×)"
    )


if __name__ == "__main__":
    main()
