"""Test data: the demo municipality (nastavnik/demo_data.py) built through the real code paths."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from definitions.loader import find_roadmap
from engine.roadmap_launch import LaunchResult, launch_roadmap
from nastavnik import demo_data
from nastavnik.demo import REGISTRY_STEPS, at_nine, demo_registry, setup_municipality
from storage.db import session_scope
from storage.models import RoadmapRun

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
        return session.exec(select(RoadmapRun)).one()


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
