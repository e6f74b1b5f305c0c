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
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROADMAP = "khnov-2022-2024"
# The first tick comes months after launch, with six steps per school already late (a catch-up);
# the daily ticks after it cross 30 August 2022, when ten of the roadmap's steps fall due at once in
# every school: reminders, overdue notices, then both escalations (the busiest stretch of the seed).
TICK_DAY = date(2022, 8, 22)
DAILY_TICKS = 20  # then a tick on each of the next working days, as `serve` runs it
GOALS = {"launch_s": 30.0, "tick_s": 10.0, "no_change_tick_s": 2.0, "peak_rss_mib": 1024.0}


def _region(directory: Path, schools: int, url: str | None = None) -> object:
    """An initialised municipality of ``schools`` schools: a SQLite file in ``directory`` or the
    empty database at ``url`` (bench_registry.py's PostgreSQL runs)."""
    from sqlalchemy import insert

    from nastavnik.demo import at_nine
    from storage.db import make_engine, session_scope, upgrade_database
    from storage.models import School
    from storage.schools import init_municipality

    engine = make_engine(url or f"sqlite:///{directory / 'bench.db'}")
    upgrade_database(engine)
    now = at_nine(date(2022, 1, 10), "Europe/Moscow")
    with session_scope(engine) as session:
        init_municipality(
            session=session,
            now=now,
            name="Синтетический район",
            timezone="Europe/Moscow",
            coordinator="coordinator@example.ru",
            head="head@example.ru",
        )
        rows = [
            {
                "id": f"s{i:05d}",
                "municipality_id": 1,
                "name": f"Школа {i}",
                "short_name": f"СОШ {i}",
                "director": "Иванов Иван Иванович",
                "admin_email": f"s{i:05d}@example.ru",
                "curator": "",
                "curator_email": "",
                "extra": {},
                "added_at": now,
            }
            for i in range(schools)
        ]
        for start in range(0, len(rows), 5000):
            session.connection().execute(insert(School), rows[start : start + 5000])
    return engine


def measure_size(schools: int) -> dict[str, float]:
    """Launch, tick and no-change tick for one region size, in this process."""
    from definitions.loader import find_roadmap
    from definitions.workdays import is_working_day
    from engine.roadmap_launch import launch_roadmap
    from flows.daily import state_counts, tick_once
    from nastavnik.demo import at_nine
    from storage.db import session_scope

    with tempfile.TemporaryDirectory() as tmp:
        engine = _region(Path(tmp), schools)
        loaded = find_roadmap(ROADMAP)
        started = time.perf_counter()
        with session_scope(engine) as session:  # type: ignore[arg-type]
            result = launch_roadmap(
                session=session,
                loaded=loaded,
                now=at_nine(date(2022, 1, 10), "Europe/Moscow"),
                by="bench",
            )
        launch_s = time.perf_counter() - started
        now = at_nine(TICK_DAY, "Europe/Moscow")
        started = time.perf_counter()
        first = tick_once(engine=engine, now=now, send=False, count_states=False)  # type: ignore[arg-type]
        catch_up_s = time.perf_counter() - started
        started = time.perf_counter()
        second = tick_once(engine=engine, now=now, send=False, count_states=False)  # type: ignore[arg-type]
        no_change_s = time.perf_counter() - started
        assert second.total == 0 and second.examined == 0
        daily_s: list[float] = []
        daily_decisions: list[int] = []
        day = TICK_DAY
        while len(daily_s) < DAILY_TICKS:
            day += timedelta(days=1)
            if not is_working_day(day):
                continue
            started = time.perf_counter()
            daily = tick_once(
                engine=engine,
                now=at_nine(day, "Europe/Moscow"),
                send=False,  # type: ignore[arg-type]
                count_states=False,
            )
            daily_s.append(time.perf_counter() - started)
            daily_decisions.append(daily.total)
            print(
                f"  {schools} schools, {day}: {daily_s[-1]:.2f} s, {daily.total} decisions, "
                f"{daily.examined} examined",
                file=sys.stderr,
            )
        started = time.perf_counter()
        with session_scope(engine) as session:  # type: ignore[arg-type]
            state_counts(session=session, today=day)
        counts_s = time.perf_counter() - started
        busiest = max(range(len(daily_s)), key=lambda i: daily_decisions[i])
    return {
        "schools": schools,
        "instances": result.instances_added,
        "decisions": first.total,
        "daily_decisions": sum(daily_decisions),
        "busiest_decisions": daily_decisions[busiest],
        "busiest_tick_s": daily_s[busiest],
        "max_daily_tick_s": max(daily_s),
        "launch_s": launch_s,
        "tick_s": catch_up_s,
        "daily_tick_s": statistics.median(daily_s),
        "no_change_tick_s": no_change_s,
        "state_counts_s": counts_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def per_task_design(schools: int) -> tuple[float, float, int]:
    """The same schools ticked by one Prefect task per step instance vs the batch flow (seconds)."""
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    from prefect import flow, task
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect.testing.utilities import prefect_test_harness
    from sqlmodel import select

    from definitions.loader import find_roadmap
    from engine.roadmap_launch import launch_roadmap
    from engine.states import evaluate_state
    from flows.tick import tick_flow
    from nastavnik.demo import at_nine
    from storage.db import session_scope
    from storage.models import StepInstance

    now = at_nine(TICK_DAY, "Europe/Moscow")

    engines: dict[str, object] = {}

    @task(name="evaluate one step instance")
    def evaluate_one(db_url: str, instance_id: int) -> str:
        """The least a per-step task must do: read its row, evaluate it, record an overdue notice."""
        from sqlalchemy import text

        from storage.db import make_engine

        if db_url not in engines:
            engines[db_url] = make_engine(db_url)
        engine = engines[db_url]
        with session_scope(engine) as session:  # type: ignore[arg-type]
            row = session.get(StepInstance, instance_id)
            assert row is not None
            state = evaluate_state(
                stored=row.state, due=row.due, today=TICK_DAY, blocked=False, remind_before=3
            )
            if state == "overdue" and row.school_id:
                session.connection().execute(
                    text(
                        "INSERT INTO outbox (key, step_instance_id, level, recipient, municipality_id, school_id, "
                        "days_late, decided_at, status, attempts) VALUES (:key, :id, 'overdue', :to, 1, :school, 0, "
                        "CURRENT_TIMESTAMP, 'pending', 0) ON CONFLICT (key) DO NOTHING"
                    ),
                    {
                        "key": f"{row.id}:overdue:{row.school_id}@example.ru",
                        "id": row.id,
                        "to": f"{row.school_id}@example.ru",
                        "school": row.school_id,
                    },
                )
            return state

    @flow(name="tick-one-task-per-step", task_runner=ThreadPoolTaskRunner(max_workers=8))
    def per_step_flow(db_url: str, ids: list[int]) -> int:
        futures = [evaluate_one.submit(db_url, i) for i in ids]
        return len([f.result() for f in futures])

    with (
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        prefect_test_harness(server_startup_timeout=120),
    ):
        timings = []
        for design in ("batch", "per_task"):
            with tempfile.TemporaryDirectory() as tmp:
                engine = _region(Path(tmp), schools)
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                with session_scope(engine) as session:  # type: ignore[arg-type]
                    launch_roadmap(
                        session=session,
                        loaded=find_roadmap(ROADMAP),
                        now=at_nine(date(2022, 1, 10), "Europe/Moscow"),
                        by="bench",
                    )
                    ids = list(session.exec(select(StepInstance.id)))
                started = time.perf_counter()
                if design == "batch":
                    tick_flow(url, now=now, send=False, batch_size=50)
                else:
                    per_step_flow(url, ids)
                timings.append(time.perf_counter() - started)
    return timings[0], timings[1], len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000,40000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (medians reported)")
    parser.add_argument(
        "--prefect-schools", type=int, default=0, help="also compare the per-task design"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_size(args.one)))
        return
    print(
        f"engine benchmark: roadmap {ROADMAP}, SQLite, launch 2022-01-10; first tick {TICK_DAY} (catch-up: "
        f"every step late since launch at once; 30 Aug, ten steps due per school, comes next); then a daily tick on each of the next {DAILY_TICKS} working "
        f"days (median, and the busiest day); then the same moment again (no change). Medians of "
        f"{args.repeat} run(s), one process per size."
    )
    print(
        f"{'schools':>8} {'instances':>10} {'launch s':>9} {'catch-up s':>11} {'decisions':>10} "
        f"{'daily s':>8} {'busiest s':>10} {'decisions':>10} {'no-change s':>12} {'counts s':>9} {'RSS MiB':>8}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        runs = []
        for _ in range(args.repeat if size < 40000 else 1):
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(size)], capture_output=True, text=True
            )
            if done.returncode != 0:
                sys.exit(f"the run of {size} schools failed:\n{done.stderr}")
            out = done.stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
        med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        print(
            f"{size:>8} {int(med['instances']):>10} {med['launch_s']:>9.2f} {med['tick_s']:>11.2f} "
            f"{int(med['decisions']):>10} {med['daily_tick_s']:>8.3f} {med['busiest_tick_s']:>10.2f} "
            f"{int(med['busiest_decisions']):>10} {med['no_change_tick_s']:>12.3f} {med['state_counts_s']:>9.2f} "
            f"{med['peak_rss_mib']:>8.0f}"
        )
        if size == 40000:
            figures = {
                "launch_s": med["launch_s"],
                "tick_s": med["max_daily_tick_s"],
                "no_change_tick_s": med["no_change_tick_s"],
                "peak_rss_mib": med["peak_rss_mib"],
            }
            verdicts = [
                f"{key} {figures[key]:.2f} ≤ {goal:g}: {'PASS' if figures[key] <= goal else 'BELOW GOAL'}"
                for key, goal in GOALS.items()
            ]
            print(
                "  goals at 40,000 schools (tick = the slowest daily tick): " + "; ".join(verdicts)
            )
            print(
                f"  the catch-up tick (a region ticked for the first time months after launch) took "
                f"{med['tick_s']:.1f} s for {int(med['decisions'])} decisions ({med['decisions'] / med['tick_s']:.0f}/s)"
            )
    if args.prefect_schools:
        batch_s, per_task_s, tasks = per_task_design(args.prefect_schools)
        print(
            f"\n{args.prefect_schools} schools ({tasks} step instances) through Prefect: batch flow {batch_s:.1f} s, "
            f"one task per step {per_task_s:.1f} s — ratio {per_task_s / batch_s:.0f}×"
        )


if __name__ == "__main__":
    main()
