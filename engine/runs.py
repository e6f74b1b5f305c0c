"""Launched runs: the one "which run" (``which_run``) and their definition snapshots."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, overload

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


def launched_runs(session: Session) -> list[RoadmapRun]:
    """Every launched run, oldest first."""
    return list(session.exec(select(RoadmapRun).order_by(col(RoadmapRun.id))))


@overload
def which_run(
    session: Session, *, roadmap_id: str | None, otherwise: Literal["refuse"] = "refuse"
) -> RoadmapRun: ...


@overload
def which_run(
    session: Session, *, roadmap_id: str | None, otherwise: Literal["none", "newest"]
) -> RoadmapRun | None: ...


def which_run(
    session: Session,
    *,
    roadmap_id: str | None,
    otherwise: Literal["refuse", "none", "newest"] = "refuse",
) -> RoadmapRun | None:
    """The run a command, a page or a flow means: the run of ``roadmap_id``, else the only run.

    Every "which run" of the project is this function. When ``roadmap_id`` names no run, or none
    is given and there is not exactly one run, ``otherwise`` says what follows:

    - ``"refuse"`` (the CLI, the flows): a user error that lists the runs launched;
    - ``"none"``: None (a launch that creates the run; a document not tied to a run);
    - ``"newest"`` (the portal's ``?run=``): the newest run, None before the first launch.
    """
    runs = launched_runs(session)
    if roadmap_id is not None:
        for run in runs:
            if run.roadmap_id == roadmap_id:
                return run
    elif len(runs) == 1 and otherwise != "newest":
        return runs[0]
    if otherwise == "none":
        return None
    if otherwise == "newest":
        return runs[-1] if runs else None
    if roadmap_id is not None:
        raise NastavnikError(
            code="run.not_launched",
            field="roadmap",
            roadmap=roadmap_id,
            launched=", ".join(r.roadmap_id for r in runs) or "нет",
        )
    if not runs:
        raise NastavnikError(code="run.none_launched")
    raise NastavnikError(
        code="run.several_launched",
        field="roadmap",
        launched=", ".join(r.roadmap_id for r in runs),
    )
