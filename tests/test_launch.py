"""Launch: one instance per school × school step × occurrence; idempotent; new schools; changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from common.errors import NastavnikError
from definitions.compiler import compile_roadmap
from definitions.loader import find_roadmap, load_roadmap
from engine.roadmap_launch import launch_roadmap
from nastavnik import demo_data
from nastavnik.demo import write_schools_csv
from storage.db import session_scope
from storage.models import JournalEntry, StepInstance
from storage.schools import import_schools
from tests.factories import COORDINATOR, launched, moment


def _expected_counts(schools: int) -> tuple[int, int]:
    loaded = find_roadmap(demo_data.ROADMAP_ID)
    schedules = compile_roadmap(loaded)
    municipal = school = 0
    for step in loaded.roadmap.steps:
        occurrences = max(
            1, len(schedules[step.code].occurrences)
        )  # unscheduled: one waiting instance
        if step.scope == "school":
            school += occurrences * schools
        else:
            municipal += occurrences
    return municipal, school


def _count(engine: Engine, *conditions: object) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(StepInstance).where(*conditions)).one()


def test_launch_creates_one_instance_per_school_step_and_one_per_municipal_step(
    engine: Engine, tmp_path: Path
) -> None:
    result = launched(engine, tmp_path, schools=3)
    municipal, school = _expected_counts(3)
    assert result.created and result.instances_added == municipal + school
    assert _count(engine, StepInstance.school_id.is_(None)) == municipal  # type: ignore[union-attr]
    assert _count(engine, StepInstance.school_id == "sosh2") == school // 3
    with session_scope(engine) as session:
        row = session.exec(
            select(StepInstance).where(
                StepInstance.step_code == "1.5", StepInstance.school_id == "sosh1"
            )
        ).one()
        # «до 15 мая 2022 г.» is a Sunday: the term ends on Monday 16 May (ГК РФ ст. 193)
        assert (row.start, row.due, row.state) == (None, date(2022, 5, 16), "open")
        unscheduled = session.exec(
            select(StepInstance).where(StepInstance.step_code == "2.2")
        ).one()
        assert unscheduled.due is None and unscheduled.school_id is None


def test_launching_again_adds_nothing_and_journals_nothing(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=2)
    with session_scope(engine) as session:
        again = launch_roadmap(
            session=session,
            loaded=find_roadmap(demo_data.ROADMAP_ID),
            now=moment(date(2022, 3, 2)),
            by=COORDINATOR,
        )
        launches = session.exec(
            select(func.count()).select_from(JournalEntry).where(JournalEntry.action == "launch")
        ).one()
    assert not again.created and again.instances_added == 0 and not again.definition_changed
    assert launches == 1


def test_a_school_added_later_gets_the_roadmap(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=2)
    _, per_three = _expected_counts(3)
    with session_scope(engine) as session:
        import_schools(
            session=session,
            path=write_schools_csv(tmp_path / "more.csv", demo_data.SCHOOLS[:3]),
            now=moment(date(2022, 4, 1)),
        )
        result = launch_roadmap(
            session=session,
            loaded=find_roadmap(demo_data.ROADMAP_ID),
            now=moment(date(2022, 4, 1)),
            by=COORDINATOR,
        )
    assert result.instances_added == per_three // 3
    assert _count(engine, StepInstance.school_id == demo_data.SCHOOLS[2]["id"]) == per_three // 3


def test_a_changed_definition_is_reported_and_not_applied(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=1)
    original = find_roadmap(demo_data.ROADMAP_ID)
    changed_file = tmp_path / "changed.yaml"
    changed_file.write_text(
        original.text.replace('deadline: "до 15 мая 2022 г."', 'deadline: "до 20 мая 2022 г."'),
        encoding="utf-8",
    )
    with session_scope(engine) as session:
        result = launch_roadmap(
            session=session,
            loaded=load_roadmap(changed_file),
            now=moment(date(2022, 4, 1)),
            by=COORDINATOR,
        )
        due = session.exec(select(StepInstance.due).where(StepInstance.step_code == "1.5")).one()
    assert result.definition_changed and "изменён после запуска" in result.messages[0]
    assert due == date(2022, 5, 16)  # the launched «до 15 мая 2022 г.», moved off the Sunday


def test_launch_for_chosen_schools_only_and_unknown_school_is_an_error(
    engine: Engine, tmp_path: Path
) -> None:
    from tests.factories import demo_municipality

    demo_municipality(engine, tmp_path, schools=3)
    with session_scope(engine) as session:
        launch_roadmap(
            session=session,
            loaded=find_roadmap(demo_data.ROADMAP_ID),
            now=moment(date(2022, 3, 1)),
            by=COORDINATOR,
            schools=["sosh1"],
        )
    assert _count(engine, StepInstance.school_id == "sosh2") == 0
    assert _count(engine, StepInstance.school_id == "sosh1") > 0
    with pytest.raises(NastavnikError, match="нет таких школ: nope") as error:
        with session_scope(engine) as session:
            launch_roadmap(
                session=session,
                loaded=find_roadmap(demo_data.ROADMAP_ID),
                now=moment(date(2022, 3, 1)),
                by=COORDINATOR,
                schools=["nope"],
            )
    assert error.value.field == "schools"


def test_every_seed_roadmap_launches(engine: Engine, tmp_path: Path) -> None:
    from definitions.loader import load_roadmaps
    from tests.factories import demo_municipality

    demo_municipality(engine, tmp_path, schools=2)
    for loaded in load_roadmaps():
        with session_scope(engine) as session:
            result = launch_roadmap(
                session=session, loaded=loaded, now=moment(date(2022, 3, 1)), by=COORDINATOR
            )
        assert result.created and result.instances_added > 0, loaded.roadmap.id
