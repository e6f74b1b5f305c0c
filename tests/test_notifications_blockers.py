"""What a letter says blocks a step (notifications/items._blockers) is what the engine says.

Composing works the prerequisites not done out from their first occurrences' stored states alone,
once per school and step; the portal's pages evaluate every instance (engine/states.py). On a run
whose states are shuffled at random, with instances missing here and there, both must name the
same blockers for every instance: school steps waiting for municipal ones, municipal steps waiting
for a school step in every school, done, done late and not applicable prerequisites, later
occurrences that do not count.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from engine.runs import run_definition
from engine.status import run_status
from notifications.items import InstanceRow, _blockers, load_instances
from storage.db import session_scope
from storage.models import StepInstance
from tests.factories import launched, moment, the_run

STATES = ("open", "open", "open", "done", "done", "done_late", "not_applicable")


def _shuffle(engine: Engine, seed: int) -> None:
    """Random stored states; a few instances gone (a school without a step, a missing term)."""
    rng = random.Random(seed)
    with session_scope(engine) as session:
        ids = sorted(i for i in session.exec(select(StepInstance.id)) if i is not None)
        updates = [{"id": i, "state": rng.choice(STATES)} for i in ids]
        session.connection().execute(
            text("UPDATE step_instance SET state = :state WHERE id = :id"), updates
        )
        gone = [{"id": i} for i in rng.sample(ids, len(ids) // 25)]
        session.connection().execute(text("DELETE FROM step_instance WHERE id = :id"), gone)


# seed 000's municipal steps wait for school steps and its school steps for municipal ones;
# some of Dubna's prerequisites repeat yearly: only their first occurrence counts
@pytest.mark.parametrize(
    ("roadmap", "seed"),
    [("beloyarsky-2022", 1), ("beloyarsky-2022", 2), ("dubna-2021-2024", 3)],
)
def test_composings_blockers_are_the_engines_for_every_instance(
    engine: Engine, tmp_path: Path, roadmap: str, seed: int
) -> None:
    launched(engine, tmp_path, schools=6, roadmap=roadmap)
    _shuffle(engine, seed)
    run = the_run(engine)
    with session_scope(engine) as session:
        ids = [i for i in session.exec(select(StepInstance.id)) if i is not None]
        rows = load_instances(session, ids)
        definition = run_definition(run)[0].roadmap
        prerequisites = {code for step in definition.steps for code in step.depends_on}
        status = run_status(session=session, run=run, now=moment(date(2022, 5, 20)))
        engines = {view.id: tuple(view.blocked_by) for view in status.views}
        school = sorted({r.school_id for r in rows.values() if r.school_id})[0]
        subsets: dict[str, list[InstanceRow]] = {
            "every instance": list(rows.values()),
            "a school's": [r for r in rows.values() if r.school_id == school],
            "the municipality's": [r for r in rows.values() if r.school_id is None],
            "a school's and the municipality's": [
                r for r in rows.values() if r.school_id in (school, None)
            ],
        }
        for name, subset in subsets.items():
            composed = _blockers(session, run, definition, subset)
            assert {r.id: composed.get(r.id, ()) for r in subset} == {
                r.id: engines[r.id] for r in subset
            }, name
        repeated = set(
            session.exec(select(StepInstance.step_code).where(col(StepInstance.occurrence) > 1))
        )
    # the run is varied enough for the comparison to mean something
    blocked = [codes for codes in engines.values() if codes]
    assert (roadmap == "dubna-2021-2024") == bool(repeated & prerequisites)
    assert len(blocked) > 10 and len(blocked) < len(engines) / 2
    assert any(rows[i].school_id is None for i, codes in engines.items() if codes)
    assert any(rows[i].school_id for i, codes in engines.items() if codes)
