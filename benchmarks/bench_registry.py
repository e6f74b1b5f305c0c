"""Registry completion benchmark: the tick's step that closes steps «по данным реестра».

    python benchmarks/bench_registry.py                     # 2,000 and 10,000 schools, SQLite
    python benchmarks/bench_registry.py --sizes 2000 --repeat 1
    python benchmarks/bench_registry.py --pg-url postgresql://postgres@127.0.0.1:5432/test

The day a whole region enters its registry: every school of a synthetic region (the largest seed,
khnov-2022-2024, launched on 10 January 2022) has a base of mentees and a base of mentors, half
of the mentee bases entered after 3.2's due date, so the tick of 26 September 2022 closes 3.2
(done or done_late) and 3.3 in every school, and checks 3.5's pairs rule without closing it.
Each run starts from a copy of the same SQLite file (with --pg-url, a database created from a
template database) and times ``apply_registry_completions`` and its commit. It prints steps
closed per second for the set-based path (registry/completion.py) and, measured in the same run,
for the per-step path it replaced (``per_step_completions`` below, kept here only to compare),
and checks that both leave the same step instances and journal rows. The per-step path runs only
up to --per-step-up-to schools: each of its ``mark_done`` calls made the ORM evaluate the UPDATE's
criteria against every instance the session held, so its time per step grows with the region.
Figures are medians of --repeat runs, after one unmeasured warm-up pass.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from benchmarks.bench_engine import _region  # noqa: E402
from common.errors import NastavnikError  # noqa: E402
from definitions.loader import find_roadmap  # noqa: E402
from engine.actions import mark_done  # noqa: E402
from engine.roadmap_launch import launch_roadmap  # noqa: E402
from engine.runs import run_definition  # noqa: E402
from nastavnik.demo import at_nine  # noqa: E402
from registry.completion import apply_registry_completions, evaluate_rule, school_facts  # noqa: E402
from registry.journal import SYSTEM  # noqa: E402
from registry.models import Mentee, Mentor  # noqa: E402
from storage.db import make_engine, session_scope  # noqa: E402
from storage.models import JournalEntry, RoadmapRun, StepInstance  # noqa: E402
from storage.schools import get_municipality  # noqa: E402

ROADMAP = "khnov-2022-2024"
TZ = "Europe/Moscow"
TICK = at_nine(date(2022, 9, 26), TZ)
ON_TIME = at_nine(date(2022, 9, 10), TZ)  # before 3.2's due date (15 September): done
LATE = at_nine(date(2022, 9, 20), TZ)  # after it: done_late; within 3.3's window: done


def _open_windows_per_step(
    instances: list[StepInstance], *, today: date, tz: str
) -> list[tuple[StepInstance, datetime | None]]:
    """registry/completion.py's window rule as the per-step path had it, on ORM instances."""
    chosen: list[tuple[StepInstance, datetime | None]] = []
    previous: StepInstance | None = None
    for instance in instances:
        same = previous is not None and (previous.unit, previous.step_code) == (
            instance.unit,
            instance.step_code,
        )
        opens = instance.start
        if opens is None and same and previous is not None and previous.due is not None:
            opens = previous.due + timedelta(days=1)
        previous = instance
        if instance.state != "open" or (opens is not None and opens > today):
            continue
        since = None
        if instance.occurrence > 1 and opens is not None:
            since = datetime.combine(opens, time(0), tzinfo=ZoneInfo(tz))
        chosen.append((instance, since))
    return chosen


def per_step_completions(session: Session, now: datetime) -> int:
    """The completion step before it was set-based: ORM instances, one mark_done per step."""
    tz = get_municipality(session).timezone
    today = now.astimezone(ZoneInfo(tz)).date()
    registry_schools = select(Mentee.school_id).union(select(Mentor.school_id))
    done = 0
    for run in list(session.exec(select(RoadmapRun).order_by(col(RoadmapRun.id)))):
        rules = {
            step.code: step.completes_from
            for step in run_definition(run)[0].roadmap.steps
            if step.completes_from is not None
        }
        instances = list(
            session.exec(
                select(StepInstance)
                .where(
                    StepInstance.run_id == run.id,
                    col(StepInstance.step_code).in_(list(rules)),
                    col(StepInstance.school_id).in_(registry_schools),
                )
                .order_by(StepInstance.unit, StepInstance.step_code, col(StepInstance.occurrence))
            )
        )
        candidates = _open_windows_per_step(instances, today=today, tz=tz)
        facts = school_facts(
            session,
            schools=sorted({i.school_id for i, _ in candidates if i.school_id}),
            today=today,
        )
        for instance, since in candidates:
            moment, evidence = evaluate_rule(
                rules[instance.step_code], facts[instance.school_id or ""], since=since, tz=tz
            )
            if moment is None:
                continue
            try:
                mark_done(
                    session=session,
                    run=run,
                    code=instance.step_code,
                    school=instance.school_id,
                    actor=SYSTEM,
                    now=now,
                    at=min(max(moment, run.launched_at or moment), now),
                    evidence=evidence,
                    occurrence=instance.occurrence,
                )
            except NastavnikError:
                if not session.in_transaction():
                    return 0
                continue
            done += 1
    return done


class Databases:
    """Where runs start from the same data: copies of one SQLite file, or PostgreSQL databases
    created from a template database (``--pg-url``: its server, as a user who may create them)."""

    def __init__(self, directory: Path, pg_url: str | None) -> None:
        self.directory = directory
        self.pg_url = pg_url
        self.admin: Engine | None = None
        if pg_url is not None:
            self.admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")

    def _url(self, name: str) -> str:
        if self.pg_url is None:
            return f"sqlite:///{self.directory / name}.db"
        return make_url(self.pg_url).set(database=name).render_as_string(hide_password=False)

    def _sql(self, statement: str) -> None:
        assert self.admin is not None
        with self.admin.connect() as connection:
            connection.exec_driver_sql(statement)

    def build(self, schools: int) -> None:
        """The region launched, with a mentee and a mentor in every school."""
        url = None
        if self.pg_url is not None:
            self._sql("DROP DATABASE IF EXISTS bench_registry_template")
            self._sql("CREATE DATABASE bench_registry_template")
            url = self._url("bench_registry_template")
        engine: Any = _region(self.directory, schools, url)
        with session_scope(engine) as session:
            launch_roadmap(
                session=session,
                loaded=find_roadmap(ROADMAP),
                now=at_nine(date(2022, 1, 10), TZ),
                by="bench",
            )
            enter_bases(session, [f"s{i:05d}" for i in range(schools)])
        engine.dispose()

    def fresh(self) -> Engine:
        """A database holding what ``build`` left."""
        if self.pg_url is None:
            shutil.copyfile(self.directory / "bench.db", self.directory / "run.db")
        else:
            self._sql("DROP DATABASE IF EXISTS bench_registry_run")
            self._sql("CREATE DATABASE bench_registry_run TEMPLATE bench_registry_template")
        return make_engine(self._url("run" if self.pg_url is None else "bench_registry_run"))

    def close(self) -> None:
        if self.admin is not None:
            self._sql("DROP DATABASE IF EXISTS bench_registry_run")
            self._sql("DROP DATABASE IF EXISTS bench_registry_template")
            self.admin.dispose()


def enter_bases(session: Session, schools: list[str]) -> None:
    """A pupil with a request and a teacher with consent in every school; half the pupils late."""
    connection = session.connection()
    connection.execute(
        insert(Mentee),
        [
            {
                "school_id": school,
                "full_name": "Соколов Максим Игоревич",
                "category": "pupil",
                "school_class": "7 А",
                "age": 13,
                "request": "подготовка к олимпиаде по математике",
                "created_at": ON_TIME if index % 2 == 0 else LATE,
                "updated_at": ON_TIME if index % 2 == 0 else LATE,
            }
            for index, school in enumerate(schools)
        ],
    )
    connection.execute(
        insert(Mentor),
        [
            {
                "school_id": school,
                "full_name": "Кузьмина Ольга Петровна",
                "category": "teacher",
                "position": "учитель математики",
                "competencies": "математика, олимпиады",
                "consent": True,
                "consent_date": LATE.date(),
                "created_at": LATE,
                "updated_at": LATE,
            }
            for school in schools
        ],
    )


def outcome(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What a pass left: the closed instances and their journal rows (without the journal's ids)."""
    table = StepInstance.__table__  # type: ignore[attr-defined]
    journal = JournalEntry.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        steps = connection.execute(
            select(
                table.c.id,
                table.c.state,
                table.c.done_at,
                table.c.done_by,
                table.c.evidence,
                table.c.reason,
                table.c.version,
                table.c.updated_at,
                table.c.tick_dirty,
            )
            .where(table.c.done_by == "system")
            .order_by(table.c.id)
        ).all()
        rows = connection.execute(
            select(*(c for c in journal.c if c.name != "id"))
            .where(journal.c.actor == "system")
            .order_by(journal.c.id)
        ).all()
    return [tuple(r) for r in steps], [tuple(r) for r in rows]


def measure(
    databases: Databases, complete: Callable[[Session, datetime], int]
) -> tuple[float, int, Any]:
    """Seconds for one pass (and its commit) on fresh data, steps closed, what it left."""
    engine = databases.fresh()
    started = perf_counter()
    with session_scope(engine) as session:
        closed = complete(session, TICK)
    seconds = perf_counter() - started
    left = outcome(engine)
    engine.dispose()
    return seconds, closed, left


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size and path (medians)")
    parser.add_argument(
        "--per-step-up-to",
        type=int,
        default=2000,
        help="the per-step path only up to this many schools (its time per step grows with them)",
    )
    parser.add_argument("--pg-url", help="PostgreSQL server to run on instead of SQLite files")
    args = parser.parse_args()
    print(
        f"registry completion benchmark: roadmap {ROADMAP}, "
        f"{'PostgreSQL' if args.pg_url else 'SQLite'}, every school's bases entered, "
        f"tick {TICK:%Y-%m-%d}; medians of {args.repeat} run(s)"
    )
    print(
        f"{'schools':>8} {'closed':>7} {'per-step s':>11} {'closed/s':>9} "
        f"{'set-based s':>12} {'closed/s':>9} {'speed-up':>9}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        paths: dict[str, Callable[[Session, datetime], int]] = {
            "set_based": apply_registry_completions
        }
        if size <= args.per_step_up_to:
            paths["per_step"] = per_step_completions
        seconds: dict[str, list[float]] = {name: [] for name in paths}
        left: dict[str, Any] = {}
        closed: dict[str, int] = {}
        with tempfile.TemporaryDirectory() as tmp:
            databases = Databases(Path(tmp), args.pg_url)
            try:
                databases.build(size)
                measure(databases, apply_registry_completions)  # warm-up: definition, statements
                for _ in range(args.repeat):
                    for name, complete in paths.items():
                        elapsed, closed[name], left[name] = measure(databases, complete)
                        seconds[name].append(elapsed)
                        print(f"  {size} schools, {name}: {elapsed:.2f} s", file=sys.stderr)
            finally:
                databases.close()
        if "per_step" in paths and (left["per_step"], closed["per_step"]) != (
            left["set_based"],
            closed["set_based"],
        ):
            sys.exit(f"{size} schools: the two paths left different steps or journal rows")
        count = closed["set_based"]
        new = statistics.median(seconds["set_based"])
        old_columns = f"{'—':>11} {'—':>9}"
        speed_up = "—"
        if "per_step" in paths:
            old = statistics.median(seconds["per_step"])
            old_columns = f"{old:>11.2f} {count / old:>9.0f}"
            speed_up = f"{old / new:.0f}×"
        print(
            f"{size:>8} {count:>7} {old_columns} {new:>12.3f} {count / new:>9.0f} {speed_up:>9}",
            flush=True,
        )


if __name__ == "__main__":
    main()
