"""People act on steps: done (on time or late), undo, not applicable, dates for unscheduled steps."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from common.errors import NastavnikError
from engine.actions import Actor, mark_done, mark_not_applicable, schedule_step, undo
from engine.status import run_status
from storage.db import session_scope
from storage.models import JournalEntry, StepInstance
from tests.factories import COORDINATOR, launched, moment, the_run

ADMIN = Actor("sosh1@beloyarsky-edu.example.ru")


def _state(engine: Engine, code: str, school: str | None, day: date) -> str:
    with session_scope(engine) as session:
        status = run_status(session=session, run=the_run(engine), now=moment(day), school=school)
    return next(v.state for v in status.views if v.code == code and v.school == school)


def test_done_before_the_due_day_is_done_and_after_it_is_done_late(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=2)
    run = the_run(engine)
    with session_scope(engine) as session:
        on_time = mark_done(
            session=session,
            run=run,
            code="1.5",
            school="sosh1",
            actor=ADMIN,
            now=moment(date(2022, 5, 15), 23, 50),
            evidence="Приказ от 13.05.2022 № 41-од",
        )
        late = mark_done(
            session=session,
            run=run,
            code="1.5",
            school="sosh2",
            actor=Actor("sosh2@x.ru"),
            now=moment(date(2022, 5, 20)),
            # due Sunday 15 May, moved to Monday 16 May (ГК РФ ст. 193): 17 May is late
            at=moment(date(2022, 5, 17), 0, 10),
        )
    assert (on_time.state, late.state) == ("done", "done_late")
    assert on_time.evidence == "Приказ от 13.05.2022 № 41-од" and on_time.done_by == ADMIN.email
    assert _state(engine, "1.5", "sosh2", date(2022, 6, 1)) == "done_late"


def test_undo_reopens_and_the_journal_keeps_every_act(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=1)
    run = the_run(engine)
    with session_scope(engine) as session:
        mark_done(
            session=session,
            run=run,
            code="1.5",
            school="sosh1",
            actor=ADMIN,
            now=moment(date(2022, 5, 10)),
            evidence="№ 41",
        )
        reopened = undo(
            session=session,
            run=run,
            code="1.5",
            school="sosh1",
            actor=Actor(COORDINATOR, "web", "10.0.0.7"),
            now=moment(date(2022, 5, 11)),
        )
        journal = list(
            session.exec(
                select(JournalEntry)
                .where(JournalEntry.step_code == "1.5")
                .order_by(JournalEntry.id)
            )
        )
    assert reopened.state == "open" and reopened.done_at is None and reopened.evidence is None
    assert [(j.action, j.before, j.after, j.actor) for j in journal] == [
        ("done", "open", "done", ADMIN.email),
        ("undo", "done", "open", COORDINATOR),
    ]
    assert journal[1].source == "web" and journal[1].remote_addr == "10.0.0.7"
    assert journal[1].details["evidence"] == "№ 41"


def test_not_applicable_needs_a_reason(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=1)
    run = the_run(engine)
    with pytest.raises(NastavnikError) as error:
        with session_scope(engine) as session:
            mark_not_applicable(
                session=session,
                run=run,
                code="3.3",
                school="sosh1",
                actor=ADMIN,
                now=moment(date(2022, 5, 10)),
                reason="  ",
            )
    assert error.value.field == "reason"
    with session_scope(engine) as session:
        row = mark_not_applicable(
            session=session,
            run=run,
            code="3.3",
            school="sosh1",
            actor=ADMIN,
            now=moment(date(2022, 5, 10)),
            reason="Пары сформированы в сетевой программе",
        )
    assert row.state == "not_applicable" and row.reason == "Пары сформированы в сетевой программе"


@pytest.mark.parametrize(
    ("code", "school", "field", "message"),
    [
        ("9.9", "sosh1", "code", "нет мероприятия «9.9»"),
        ("1.5", None, "school", "выполняет каждая школа"),
        ("1.1", "sosh1", "school", "выполняет муниципалитет"),
        ("1.5", "nope", "school", "школы «nope» нет"),
    ],
)
def test_acting_on_the_wrong_step_or_school_says_where(
    engine: Engine, tmp_path: Path, code: str, school: str | None, field: str, message: str
) -> None:
    launched(engine, tmp_path, schools=1)
    with pytest.raises(NastavnikError, match=message) as error:
        with session_scope(engine) as session:
            mark_done(
                session=session,
                run=the_run(engine),
                code=code,
                school=school,
                actor=ADMIN,
                now=moment(date(2022, 5, 10)),
            )
    assert error.value.field == field


def test_done_twice_is_refused_with_who_did_it(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=1)
    run = the_run(engine)
    with session_scope(engine) as session:
        mark_done(
            session=session,
            run=run,
            code="1.5",
            school="sosh1",
            actor=ADMIN,
            now=moment(date(2022, 5, 10)),
        )
    with pytest.raises(NastavnikError, match=f"уже отмечено: выполнено, {ADMIN.email}"):
        with session_scope(engine) as session:
            mark_done(
                session=session,
                run=run,
                code="1.5",
                school="sosh1",
                actor=Actor("other@x.ru"),
                now=moment(date(2022, 5, 11)),
            )


def test_two_people_acting_at_once_never_lose_an_update(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=1)
    run = the_run(engine)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(kind: str) -> None:
        barrier.wait()
        try:
            with session_scope(engine) as session:
                if kind == "done":
                    mark_done(
                        session=session,
                        run=run,
                        code="1.5",
                        school="sosh1",
                        actor=ADMIN,
                        now=moment(date(2022, 5, 10)),
                        evidence="№ 1",
                    )
                else:
                    mark_not_applicable(
                        session=session,
                        run=run,
                        code="1.5",
                        school="sosh1",
                        actor=Actor("director@x.ru"),
                        now=moment(date(2022, 5, 10)),
                        reason="r",
                    )
            outcomes.append(f"{kind}: ok")
        except NastavnikError as error:
            outcomes.append(f"{kind}: refused: {error}")

    threads = [threading.Thread(target=act, args=(kind,)) for kind in ("done", "na")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with session_scope(engine) as session:
        row = session.exec(select(StepInstance).where(StepInstance.step_code == "1.5")).one()
        acts = list(session.exec(select(JournalEntry).where(JournalEntry.step_code == "1.5")))
    assert sum(outcome.endswith(": ok") for outcome in outcomes) == 1, outcomes
    winner = "done" if row.state == "done" else "not_applicable"
    assert [a.action for a in acts] == [winner] and row.version == 2


def test_the_coordinator_sets_dates_of_an_unscheduled_step(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=2)
    run = the_run(engine)
    coordinator = Actor(COORDINATOR)
    with session_scope(engine) as session:
        changed = schedule_step(
            session=session,
            run=run,
            code="3.4",
            due=date(2022, 10, 31),
            start=date(2022, 9, 1),
            school="sosh1",
            actor=coordinator,
            now=moment(date(2022, 3, 10)),
        )
        rows = {
            r.unit: r.due
            for r in session.exec(select(StepInstance).where(StepInstance.step_code == "3.4"))
        }
    assert changed == 1 and rows == {"sosh1": date(2022, 10, 31), "sosh2": None}
    with pytest.raises(NastavnikError, match="заданы дорожной картой") as error:
        with session_scope(engine) as session:
            schedule_step(
                session=session,
                run=run,
                code="1.5",
                due=date(2022, 10, 31),
                actor=coordinator,
                now=moment(date(2022, 3, 10)),
            )
    assert error.value.field == "code"


def test_done_out_of_order_is_allowed_and_dependents_of_a_late_step_get_a_projected_date(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=1)
    run = the_run(engine)
    with session_scope(engine) as session:
        # 1.6 before its prerequisite 1.5: allowed
        mark_done(
            session=session,
            run=run,
            code="1.6",
            school="sosh1",
            actor=ADMIN,
            now=moment(date(2022, 5, 5)),
        )
        # 1.4 (due 31 May) finished 10 days late
        mark_done(
            session=session,
            run=run,
            code="1.4",
            school="sosh1",
            actor=ADMIN,
            now=moment(date(2022, 6, 10)),
        )
        status = run_status(session=session, run=run, now=moment(date(2022, 5, 6)), school="sosh1")
    views = {v.code: v for v in status.views}
    assert views["1.6"].state == "done"
    # 1.5 is due Sunday 15 May, moved to Monday 16 May; ten days later is 26 May
    assert views["1.5"].blocked_by == [] and views["1.5"].projected_due == date(2022, 5, 26)
