"""Test data: the demo municipality (nastavnik/demo_data.py) built through the real code paths."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine

from definitions.loader import find_roadmap
from engine.roadmap_launch import LaunchResult, launch_roadmap
from engine.runs import which_run
from nastavnik import demo_data
from nastavnik.demo import REGISTRY_STEPS, at_nine, demo_registry, setup_municipality
from storage.db import session_scope
from storage.models import RoadmapRun, UTCDateTime

TZ = demo_data.MUNICIPALITY["timezone"]
COORDINATOR = demo_data.MUNICIPALITY["coordinator_email"]
HEAD = demo_data.MUNICIPALITY["head_email"]


def moment(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local moment in the demo municipality (UTC+5)."""
    value = at_nine(day, TZ)
    return value.replace(hour=hour, minute=minute)


def demo_municipality(engine: Engine, workdir: Path, *, schools: int = 3) -> list[dict[str, str]]:
    """The demo municipality with its first ``schools`` schools."""
    chosen = demo_data.SCHOOLS[:schools]
    setup_municipality(engine=engine, now=moment(date(2022, 3, 1)), workdir=workdir, schools=chosen)
    return chosen


def launched(
    engine: Engine, workdir: Path, *, schools: int = 3, roadmap: str = demo_data.ROADMAP_ID
) -> LaunchResult:
    """The demo municipality with seed 000 launched on 1 March 2022."""
    demo_municipality(engine, workdir, schools=schools)
    with session_scope(engine) as session:
        return launch_roadmap(
            session=session,
            loaded=find_roadmap(roadmap),
            now=moment(date(2022, 3, 1)),
            by=COORDINATOR,
        )


def the_run(engine: Engine) -> RoadmapRun:
    """The only launched run."""
    with session_scope(engine) as session:
        return which_run(session, roadmap_id=None)


def registry_demo(
    engine: Engine,
    workdir: Path,
    *,
    schools: int = 3,
    roadmap: str = demo_data.ROADMAP_ID,
    steps: tuple[str, ...] = REGISTRY_STEPS,
) -> list[str]:
    """``launched`` plus the demo registry of its schools that keep one, entered as the demo does."""
    launched(engine, workdir, schools=schools, roadmap=roadmap)
    chosen = [
        school["id"] for school in demo_data.SCHOOLS[:schools] if school["id"] in demo_data.REGISTRY
    ]
    demo_registry(engine=engine, workdir=workdir, schools=chosen, steps=steps)
    return chosen


def expire_leases(engine: Engine) -> None:
    """The letters a stopped deliverer held wait out their lease (docs/delivery.md): it is moved
    into the past, so the next run takes them at once."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE letter SET lease_until = :past WHERE status = 'sending'").bindparams(
                bindparam("past", type_=UTCDateTime())
            ),
            {"past": datetime(2000, 1, 1, tzinfo=UTC)},
        )
