"""One school's roadmap as a Prefect flow: a task per step, wired by the definition's dependencies.

It shows a school's roadmap as a graph in the Prefect UI. It is for looking at one school; the
region-wide tick (flows/tick.py) works in batches instead. Both use engine.states' evaluation.
"""

from datetime import datetime
from typing import Any

from prefect import flow
from prefect.futures import PrefectFuture
from sqlmodel import select

from engine.runs import run_definition
from engine.status import run_status
from storage.db import make_engine, session_scope
from storage.models import RoadmapRun
from tasks.school_step import evaluate_step_task


@flow(name="school-roadmap")
def school_roadmap_flow(
    db_url: str, roadmap_id: str, school_id: str, now: datetime
) -> dict[str, str]:
    """Evaluate one school's steps at ``now``; every step is a task waiting for its prerequisites."""
    with session_scope(make_engine(db_url)) as session:
        run = session.exec(select(RoadmapRun).where(RoadmapRun.roadmap_id == roadmap_id)).one()
        status = run_status(session=session, run=run, now=now, school=school_id)
    roadmap = run_definition(run)[0].roadmap
    first: dict[str, Any] = {}
    for view in status.views:
        if view.code not in first or view.occurrence < first[view.code].occurrence:
            first[view.code] = view
    futures: dict[str, PrefectFuture[str]] = {}
    for step in _dependency_order(roadmap.steps):
        chosen = first.get(step.code)
        if chosen is None:
            continue
        waits = [futures[code] for code in step.depends_on if code in futures]
        futures[step.code] = evaluate_step_task.with_options(
            task_run_name=f"{step.code} {step.title[:48]}"
        ).submit(step.code, chosen.state, chosen.blocked_by, wait_for=waits, return_state=False)
    return {code: future.result() for code, future in futures.items()}


def _dependency_order(steps: list[Any]) -> list[Any]:
    by_code = {step.code: step for step in steps}
    ordered: list[Any] = []
    seen: set[str] = set()

    def visit(code: str) -> None:
        if code in seen or code not in by_code:
            return
        seen.add(code)
        for dep in by_code[code].depends_on:
            visit(dep)
        ordered.append(by_code[code])

    for step in steps:
        visit(step.code)
    return ordered
