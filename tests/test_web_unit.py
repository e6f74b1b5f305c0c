"""A unit's page lists (web/unit_steps.py): the municipal instance of a both-level step («ОО, МАУ «ИМЦ»»)
is the municipality's own, its school instances are each school's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import select

from definitions.loader import find_roadmap, load_roadmap
from engine.roadmap_launch import launch_roadmap
from engine.status import run_status
from storage.db import session_scope
from storage.models import RoadmapRun
from tests.factories import COORDINATOR, demo_municipality, moment
from web.unit_steps import StepGroup, unit_steps


def _both_roadmap(tmp_path: Path) -> Path:
    """The demo roadmap with 2.1 done by the municipality and by each school, and a municipal
    step 2.5 and a school step 2.6 after it."""
    source = find_roadmap("beloyarsky-2022").path
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    for step in data["steps"]:
        if step["code"] == "2.1":
            step["scope"] = "both"
            step["responsible"] = "ОО, МАУ «ИМЦ»"
        if step["code"] in ("2.5", "2.6"):
            step["depends_on"] = ["2.1"]
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _groups(engine: Engine, unit: str | None) -> dict[str, StepGroup]:
    with session_scope(engine) as session:
        run = session.exec(select(RoadmapRun)).one()
        status = run_status(session=session, run=run, now=moment(date(2022, 6, 3)), school=unit)
        return {g.step.code: g for g in unit_steps(status, unit=unit, versions={}, uploads=[])}


def test_the_municipal_instance_of_a_both_level_step_is_listed_as_municipal(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    demo_municipality(sqlite_engine, tmp_path, schools=2)
    with session_scope(sqlite_engine) as session:
        launch_roadmap(
            session=session,
            loaded=load_roadmap(_both_roadmap(tmp_path)),
            now=moment(date(2022, 3, 1)),
            by=COORDINATOR,
        )
    municipal = _groups(sqlite_engine, None)
    school = _groups(sqlite_engine, "sosh1")
    # the municipality's page: its own 2.1 as a municipal step, one occurrence, no school's
    assert municipal["2.1"].municipal and [r.view.school for r in municipal["2.1"].rows] == [None]
    assert municipal["1.1"].municipal and "2.6" not in municipal
    # the school's page: its own 2.1, not a municipal step
    assert not school["2.1"].municipal
    assert [r.view.school for r in school["2.1"].rows] == ["sosh1"]
    # a municipal step after 2.1 waits for the municipality's own 2.1 (shown as municipal);
    # a school's step after it waits for the school's own 2.1 (not the municipality's)
    [blocker] = municipal["2.5"].rows[0].blockers
    assert (blocker.code, blocker.municipal) == ("2.1", True)
    [blocker] = school["2.6"].rows[0].blockers
    assert (blocker.code, blocker.municipal) == ("2.1", False)
