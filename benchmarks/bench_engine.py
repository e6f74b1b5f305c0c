"""Engine benchmark: launch and tick for synthetic regions, and the per-task Prefect design.

    python benchmarks/bench_engine.py                      # 100, 1,000 and 40,000 schools
    python benchmarks/bench_engine.py --sizes 100,1000     # quicker
    python benchmarks/bench_engine.py --prefect-schools 100  # the one-task-per-step comparison

Each size runs in a fresh process (so its peak RSS is its own) on a SQLite file, with the largest
seed (khnov-2022-2024: 36 steps, 64 occurrences per school). Goals at 40,000 schools: tick ≤ 10 s,
no-change tick ≤ 2 s, launch ≤ 30 s, peak RSS ≤ 1 GiB. Figures are medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROADMAP = "khnov-2022-2024"
TICK_DAY = date(2023, 5, 15)
GOALS = {"launch_s": 30.0, "tick_s": 10.0, "no_change_tick_s": 2.0, "peak_rss_mib": 1024.0}


def _region(directory: Path, schools: int) -> object:
    from sqlalchemy import insert

    from nastavnik.demo import at_nine
    from storage.db import make_engine, session_scope, upgrade_database
    from storage.models import School
    from storage.schools import init_municipality

    engine = make_engine(f"sqlite:///{directory / 'bench.db'}")
    upgrade_database(engine)
    now = at_nine(date(2022, 1, 10), "Europe/Moscow")
    with session_scope(engine) as session:
        init_municipality(session=session, now=now, name="Синтетический район", timezone="Europe/Moscow",
                          coordinator="coordinator@example.ru", head="head@example.ru")
        rows = [
            {"id": f"s{i:05d}", "municipality_id": 1, "name": f"Школа {i}", "short_name": f"СОШ {i}",
             "director": "Иванов Иван Иванович", "admin_email": f"s{i:05d}@example.ru", "curator": "",
             "curator_email": "", "extra": {}, "added_at": now}
            for i in range(schools)
        ]
        for start in range(0, len(rows), 5000):
            session.connection().execute(insert(School), rows[start:start + 5000])
    return engine


def measure_size(schools: int) -> dict[str, float]:
    """Launch, tick and no-change tick for one region size, in this process."""
    from definitions.loader import find_roadmap
    from engine.daily import tick_once
    from engine.launch import launch_roadmap
    from nastavnik.demo import at_nine
    from storage.db import session_scope

    with tempfile.TemporaryDirectory() as tmp:
        engine = _region(Path(tmp), schools)
        loaded = find_roadmap(ROADMAP)
        started = time.perf_counter()
        with session_scope(engine) as session:  # type: ignore[arg-type]
            result = launch_roadmap(session=session, loaded=loaded, now=at_nine(date(2022, 1, 10), "Europe/Moscow"),
                                    by="bench")
        launch_s = time.perf_counter() - started
        now = at_nine(TICK_DAY, "Europe/Moscow")
        started = time.perf_counter()
        first = tick_once(engine=engine, now=now, send=False, batch_size=5000)  # type: ignore[arg-type]
        tick_s = time.perf_counter() - started
        started = time.perf_counter()
        second = tick_once(engine=engine, now=now, send=False, batch_size=5000)  # type: ignore[arg-type]
        no_change_s = time.perf_counter() - started
        assert second.total == 0
    return {
        "schools": schools, "instances": result.instances_added, "decisions": first.total,
        "launch_s": launch_s, "tick_s": tick_s, "no_change_tick_s": no_change_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def per_task_design(schools: int) -> tuple[float, float, int]:
    """The same schools ticked by one Prefect task per step instance vs the batch flow (seconds)."""
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    from prefect import flow, task
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness
    from sqlmodel import select

    from definitions.loader import find_roadmap
    from engine.launch import launch_roadmap
    from engine.states import evaluate_state
    from engine.tick import decide_notifications
    from flows.tick import tick_flow
    from nastavnik.demo import at_nine
    from storage.db import session_scope
    from storage.models import StepInstance

    now = at_nine(TICK_DAY, "Europe/Moscow")

    @task(name="evaluate one step instance")
    def evaluate_one(db_url: str, instance_id: int) -> str:
        from storage.db import make_engine

        with session_scope(make_engine(db_url)) as session:
            row = session.get(StepInstance, instance_id)
            assert row is not None
            state = evaluate_state(stored=row.state, due=row.due, today=TICK_DAY, blocked=False, remind_before=3)
            if state == "overdue":
                decide_notifications(session=session, now=now, units=[row.unit])
            return state

    @flow(name="tick-one-task-per-step")
    def per_step_flow(db_url: str, ids: list[int]) -> int:
        futures = [evaluate_one.submit(db_url, i) for i in ids]
        return len([f.result() for f in futures])

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), prefect_test_harness(server_startup_timeout=120):
        timings = []
        for design in ("batch", "per_task"):
            with tempfile.TemporaryDirectory() as tmp:
                engine = _region(Path(tmp), schools)
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                with session_scope(engine) as session:  # type: ignore[arg-type]
                    launch_roadmap(session=session, loaded=find_roadmap(ROADMAP),
                                   now=at_nine(date(2022, 1, 10), "Europe/Moscow"), by="bench")
                    ids = list(session.exec(select(StepInstance.id)))
                started = time.perf_counter()
                if design == "batch":
                    tick_flow(url, now=now, send=False, batch_size=50)
                else:
                    per_step_flow(url, ids)
                timings.append(time.perf_counter() - started)
    return timings[0], timings[1], len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,40000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (medians reported)")
    parser.add_argument("--prefect-schools", type=int, default=0, help="also compare the per-task design")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_size(args.one)))
        return
    print(f"engine benchmark: roadmap {ROADMAP}, SQLite, tick at {TICK_DAY}, medians of {args.repeat} run(s)")
    print(f"{'schools':>8} {'instances':>10} {'decisions':>10} {'launch s':>9} {'tick s':>8} {'no-change s':>12} {'peak RSS MiB':>13}")
    for size in (int(s) for s in args.sizes.split(",")):
        runs = []
        for _ in range(args.repeat if size < 40000 else 1):
            out = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True,
                                 check=True).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
        med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        print(f"{size:>8} {int(med['instances']):>10} {int(med['decisions']):>10} {med['launch_s']:>9.2f} "
              f"{med['tick_s']:>8.2f} {med['no_change_tick_s']:>12.2f} {med['peak_rss_mib']:>13.0f}")
        if size == 40000:
            verdicts = [f"{key} {med[key]:.2f} ≤ {goal:g}: {'PASS' if med[key] <= goal else 'BELOW GOAL'}"
                        for key, goal in GOALS.items()]
            print("  goals at 40,000 schools: " + "; ".join(verdicts))
    if args.prefect_schools:
        batch_s, per_task_s, tasks = per_task_design(args.prefect_schools)
        print(f"\n{args.prefect_schools} schools ({tasks} step instances) through Prefect: batch flow {batch_s:.1f} s, "
              f"one task per step {per_task_s:.1f} s — ratio {per_task_s / batch_s:.0f}×")


if __name__ == "__main__":
    main()
