"""Access to launched runs and their definition snapshots."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, select

from common.errors import NastavnikError
from definitions.compiler import compile_roadmap
from definitions.deadlines import Schedule
from definitions.loader import RoadmapFile, parse_roadmap_text
from storage.models import RoadmapRun


@lru_cache(maxsize=32)
def _snapshot(definition: str, roadmap_id: str) -> tuple[RoadmapFile, dict[str, Schedule]]:
    loaded = parse_roadmap_text(definition, path=Path(f"<launched {roadmap_id}>"))
    return loaded, compile_roadmap(loaded)


def run_definition(run: RoadmapRun) -> tuple[RoadmapFile, dict[str, Schedule]]:
    """The definition a run was launched with (not the file as it is now) and its schedules."""
    return _snapshot(run.definition, run.roadmap_id)


def find_run(session: Session, roadmap_id: str | None) -> RoadmapRun:
    """The run of this roadmap, or the only run when no id is given."""
    runs = list(session.exec(select(RoadmapRun).order_by(col(RoadmapRun.id))))
    if roadmap_id is not None:
        for run in runs:
            if run.roadmap_id == roadmap_id:
                return run
        raise NastavnikError(
            code="run.not_launched",
            field="roadmap",
            roadmap=roadmap_id,
            launched=", ".join(r.roadmap_id for r in runs) or "нет",
        )
    if not runs:
        raise NastavnikError(code="run.none_launched")
    if len(runs) > 1:
        raise NastavnikError(
            code="run.several_launched",
            field="roadmap",
            launched=", ".join(r.roadmap_id for r in runs),
        )
    return runs[0]
