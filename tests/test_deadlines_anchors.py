"""Relative terms anchored to a prerequisite step: dates fixed when it is done, the tick escalates by them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from common.errors import DefinitionError
from common.settings import Settings
from definitions.compiler import compile_roadmap
from definitions.loader import find_roadmap, load_roadmap
from engine.actions import Actor, mark_done, return_for_rework, undo
from engine.roadmap_launch import launch_roadmap
from engine.status import run_status
from flows.daily import tick_once
from nastavnik import demo_data
from notifications.delivery import deliver_pending
from storage.db import session_scope
from storage.models import OutboxItem, StepInstance
from tests.factories import COORDINATOR, demo_municipality, moment, the_run

PHRASE = "в течение 10 рабочих дней после издания приказа"


def _roadmap_file(tmp_path: Path, anchor: str | None) -> Path:
    """beloyarsky-2022 with 1.5 (curators) due 10 working days after the school's order (1.4)."""
    text = find_roadmap(demo_data.ROADMAP_ID).text
    anchored = f'deadline: "{PHRASE}"' + (f'\n    anchor: "{anchor}"' if anchor else "")
    changed = text.replace('deadline: "до 15 мая 2022 г."', anchored, 1)
    assert changed != text
    path = tmp_path / "anchored.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


def _launch(engine: Engine, tmp_path: Path) -> None:
    demo_municipality(engine, tmp_path, schools=3)
    with session_scope(engine) as session:
        launch_roadmap(
            session=session,
            loaded=load_roadmap(_roadmap_file(tmp_path, "1.4")),
            now=moment(date(2022, 3, 1)),
            by=COORDINATOR,
        )


def _done(engine: Engine, code: str, school: str, day: date) -> None:
    with session_scope(engine) as session:
        mark_done(
            session=session,
            run=the_run(engine),
            code=code,
            school=school,
            actor=Actor(f"{school}@x.ru"),
            now=moment(day, 15),
        )


def _curators(engine: Engine) -> dict[str, tuple[date | None, date | None]]:
    with session_scope(engine) as session:
        rows = session.exec(select(StepInstance).where(StepInstance.step_code == "1.5"))
        return {row.school_id or "": (row.start, row.due) for row in rows}


def _letters(engine: Engine) -> set[tuple[str, str | None]]:
    with session_scope(engine) as session:
        query = select(OutboxItem, StepInstance).where(
            OutboxItem.step_instance_id == StepInstance.id, StepInstance.step_code == "1.5"
        )
        return {(item.level, instance.school_id) for item, instance in session.exec(query)}


def _tick(engine: Engine, day: date) -> None:
    tick_once(engine=engine, now=moment(day), send=False, count_states=False)


def test_the_anchor_completing_early_late_and_never_fixes_the_due_date_and_the_tick_follows_it(
    engine: Engine, tmp_path: Path
) -> None:
    _launch(engine, tmp_path)
    schools = [school["id"] for school in demo_data.SCHOOLS[:3]]
    early, late, never = schools
    assert set(_curators(engine).values()) == {(None, None)}  # nothing to enforce yet
    # early: the order (1.4, due 31 May) on Tue 12 April → 10 working days end on 26 April
    _done(engine, "1.4", early, date(2022, 4, 12))
    with session_scope(engine) as session:
        status = run_status(session=session, run=the_run(engine), now=moment(date(2022, 4, 12), 16))
    expected = {v.school: v.projected_due for v in status.views if v.code == "1.5"}
    # shown as expected before any tick: from the order for the early school, and from 1.4's
    # own due date (31 May → 15 June: 12–13 June are days off) for the others
    assert expected == {early: date(2022, 4, 26), late: date(2022, 6, 15), never: date(2022, 6, 15)}
    _tick(engine, date(2022, 4, 13))
    assert _curators(engine)[early] == (date(2022, 4, 12), date(2022, 4, 26))
    assert _curators(engine)[late] == (None, None) and _curators(engine)[never] == (None, None)
    _tick(engine, date(2022, 4, 26))
    assert ("overdue", early) not in _letters(engine)
    _tick(engine, date(2022, 4, 27))  # one working day after the anchored date
    assert ("overdue", early) in _letters(engine)
    _tick(engine, date(2022, 5, 5))  # 27, 28, 29 April, 4 May: past the coordinator's three days
    assert ("coordinator", early) in _letters(engine)
    # late: the order on Mon 6 June, after its own due date → 10 working days end on 21 June
    _done(engine, "1.4", late, date(2022, 6, 6))
    _tick(engine, date(2022, 6, 7))
    assert _curators(engine)[late] == (date(2022, 6, 6), date(2022, 6, 21))
    assert not {level for level, school in _letters(engine) if school == late}
    _tick(engine, date(2022, 6, 22))
    assert ("overdue", late) in _letters(engine)
    # never: no order, no due date, no letter about the curator to the head or anyone
    _tick(engine, date(2022, 12, 30))
    assert _curators(engine)[never] == (None, None)
    assert not {level for level, school in _letters(engine) if school == never}


def _expected(engine: Engine, day: date) -> dict[str, date | None]:
    with session_scope(engine) as session:
        status = run_status(session=session, run=the_run(engine), now=moment(day, 16))
    return {v.school or "": v.projected_due for v in status.views if v.code == "1.5"}


def test_undoing_the_anchor_makes_the_date_expected_again_and_redoing_it_fixes_a_new_one(
    engine: Engine, tmp_path: Path
) -> None:
    _launch(engine, tmp_path)
    school = demo_data.SCHOOLS[0]["id"]
    # the order (1.4) on Tue 12 April: the tick fixes 26 April
    _done(engine, "1.4", school, date(2022, 4, 12))
    _tick(engine, date(2022, 4, 13))
    assert _curators(engine)[school] == (date(2022, 4, 12), date(2022, 4, 26))
    # the order was marked by mistake: undone (what `nastavnik undo` and the portal call)
    with session_scope(engine) as session:
        undo(
            session=session,
            run=the_run(engine),
            code="1.4",
            school=school,
            actor=Actor(COORDINATOR),
            now=moment(date(2022, 4, 20), 10),
        )
    # at once, before any tick: no date to enforce, shown as expected from 1.4's own due date
    # (31 May → 15 June: 12–13 June are days off)
    assert _curators(engine)[school] == (None, None)
    assert _expected(engine, date(2022, 4, 20))[school] == date(2022, 6, 15)
    # the old fixed date passes: no letter about the curators
    _tick(engine, date(2022, 4, 27))
    _tick(engine, date(2022, 5, 5))
    assert _curators(engine)[school] == (None, None)
    assert not {level for level, unit in _letters(engine) if unit == school}
    # the order is issued again on Mon 6 June: fixed from that day, 21 June, and enforced by it
    _done(engine, "1.4", school, date(2022, 6, 6))
    _tick(engine, date(2022, 6, 7))
    assert _curators(engine)[school] == (date(2022, 6, 6), date(2022, 6, 21))
    _tick(engine, date(2022, 6, 21))
    assert ("overdue", school) not in _letters(engine)
    _tick(engine, date(2022, 6, 22))
    assert ("overdue", school) in _letters(engine)


def _overdue_notices(engine: Engine, school: str) -> list[str]:
    """The statuses of the school's overdue notices about the curators, oldest first."""
    with session_scope(engine) as session:
        query = (
            select(OutboxItem.status)
            .where(
                OutboxItem.step_instance_id == StepInstance.id,
                StepInstance.step_code == "1.5",
                StepInstance.school_id == school,
                OutboxItem.level == "overdue",
            )
            .order_by(OutboxItem.id)  # type: ignore[arg-type]
        )
        return list(session.exec(query))


def test_a_date_fixed_again_after_an_undo_gets_its_own_letters(
    engine: Engine, tmp_path: Path
) -> None:
    _launch(engine, tmp_path)
    school = demo_data.SCHOOLS[0]["id"]
    settings = Settings(
        smtp_url=None,
        mail_from="nastavnik@beloyarsky-edu.example.ru",
        mail_dir=tmp_path / "mail",
        base_url="http://127.0.0.1:8000",
    )
    _done(engine, "1.4", school, date(2022, 4, 12))
    _tick(engine, date(2022, 4, 13))
    _tick(engine, date(2022, 4, 27))  # fixed 26 April: the school is told it is late
    deliver_pending(engine=engine, now=moment(date(2022, 4, 27), 10), settings=settings)
    assert _overdue_notices(engine, school) == ["sent"]
    with session_scope(engine) as session:
        undo(
            session=session,
            run=the_run(engine),
            code="1.4",
            school=school,
            actor=Actor(COORDINATOR),
            now=moment(date(2022, 4, 28), 10),
        )
    _tick(engine, date(2022, 5, 5))
    assert _overdue_notices(engine, school) == ["sent"]  # nothing more by the old date
    _done(engine, "1.4", school, date(2022, 6, 6))
    _tick(engine, date(2022, 6, 7))
    assert _curators(engine)[school] == (date(2022, 6, 6), date(2022, 6, 21))
    _tick(engine, date(2022, 6, 21))
    assert _overdue_notices(engine, school) == ["sent"]
    _tick(engine, date(2022, 6, 22))  # late by the new date: told again
    assert _overdue_notices(engine, school) == ["sent", "pending"]


def test_returning_the_anchor_for_rework_unfixes_and_the_tick_fixes_from_the_new_completion(
    engine: Engine, tmp_path: Path
) -> None:
    _launch(engine, tmp_path)
    school = demo_data.SCHOOLS[0]["id"]
    _done(engine, "1.4", school, date(2022, 4, 12))
    _tick(engine, date(2022, 4, 13))
    with session_scope(engine) as session:
        order = session.exec(
            select(StepInstance).where(
                StepInstance.step_code == "1.4", StepInstance.school_id == school
            )
        ).one()
        # «вернуть на доработку» on the portal
        return_for_rework(
            session=session,
            instance_id=order.id or 0,
            actor=Actor(COORDINATOR),
            now=moment(date(2022, 4, 14), 10),
            comment="Приказ без подписи",
        )
    assert _curators(engine)[school] == (None, None)
    # done again on Fri 15 April, before any tick: the tick fixes ten working days from it
    _done(engine, "1.4", school, date(2022, 4, 15))
    _tick(engine, date(2022, 4, 16))
    assert _curators(engine)[school] == (date(2022, 4, 15), date(2022, 4, 29))
    _tick(engine, date(2022, 4, 27))  # past the first fixed date (26 April): nothing
    assert ("overdue", school) not in _letters(engine)
    _tick(engine, date(2022, 5, 4))  # 29 April is a working day, 1–3 May are not
    assert ("overdue", school) in _letters(engine)


def test_a_launch_anchor_fixes_the_due_date_from_the_launch_day(
    engine: Engine, tmp_path: Path
) -> None:
    demo_municipality(engine, tmp_path, schools=1)
    with session_scope(engine) as session:
        launch_roadmap(
            session=session,
            loaded=load_roadmap(_roadmap_file(tmp_path, "launch")),
            now=moment(date(2022, 3, 1)),
            by=COORDINATOR,
        )
    _tick(engine, date(2022, 3, 2))
    # launched Tue 1 March 2022: 2–4 March, Saturday 5 March (a transferred working day), 9–11
    # and 14–16 March (7–8 March off) are ten working days → 16 March
    assert set(_curators(engine).values()) == {(date(2022, 3, 1), date(2022, 3, 16))}


def test_a_relative_term_without_an_anchor_is_an_error_that_says_how_to_name_one(
    tmp_path: Path,
) -> None:
    with pytest.raises(DefinitionError) as raised:
        compile_roadmap(load_roadmap(_roadmap_file(tmp_path, None)))
    message = str(raised.value)
    assert "anchored.yaml:" in message and "шаг 1.5" in message
    # no title of this roadmap speaks of an order: the message says what the field may hold
    assert "назовите его в поле anchor" in message and "launch" in message
    with pytest.raises(DefinitionError) as unknown:
        compile_roadmap(load_roadmap(_roadmap_file(tmp_path, "9.9")))
    assert "«9.9»: такого шага нет" in str(unknown.value)
