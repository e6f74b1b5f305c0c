"""Steps that complete from the registry at the tick: bases, then pairs once all are paired and ordered."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

from engine.actions import Actor, mark_done, undo
from flows.daily import tick_once
from nastavnik import demo_data
from nastavnik.demo import RegistryEvent, apply_registry_event
from registry import completion
from registry.completion import SYSTEM, apply_registry_completions
from registry.models import Mentee
from registry.pairing import add_pair, unpaired_mentees
from registry.people import add_person, edit_person
from storage.db import session_scope
from storage.models import JournalEntry, StepInstance
from tests.factories import COORDINATOR, launched, moment, registry_demo, the_run

ADMIN = Actor("sosh1@beloyarsky-edu.example.ru")


def _instance(engine: Engine, code: str, school: str, occurrence: int = 1) -> StepInstance:
    with session_scope(engine) as session:
        return session.exec(
            select(StepInstance).where(
                StepInstance.step_code == code,
                StepInstance.school_id == school,
                StepInstance.occurrence == occurrence,
            )
        ).one()


def test_the_tick_marks_the_base_of_mentees_done_from_the_registry_as_of_the_data(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=2)
    apply_registry_event(
        engine=engine, workdir=tmp_path, event=RegistryEvent(date(2022, 4, 20), "sosh1", "mentees")
    )
    tick_once(engine=engine, now=moment(date(2022, 5, 4)), send=False)
    done = _instance(engine, "3.1", "sosh1")
    assert (done.state, done.done_by) == ("done", "system")  # due 30 April; the base is of 20 April
    assert done.done_at == moment(date(2022, 4, 20), hour=11)
    assert done.evidence == "по данным реестра: 18 наставляемых с запросами"
    assert _instance(engine, "3.1", "sosh2").state == "open"
    assert _instance(engine, "3.2", "sosh1").state == "open"  # no mentors yet
    with session_scope(engine) as session:
        journal = session.exec(
            select(JournalEntry).where(JournalEntry.step_instance_id == done.id)
        ).one()
    assert (journal.actor, journal.source, journal.action, journal.after) == (
        "system",
        "registry",
        "done",
        "done",
    )
    assert journal.details["evidence"].startswith("по данным реестра")


def test_pairs_complete_only_when_every_mentee_with_a_request_is_paired_and_the_order_exists(
    engine: Engine, tmp_path: Path
) -> None:
    registry_demo(engine, tmp_path, schools=1, steps=("mentors", "mentees", "pairs"))
    now = moment(date(2022, 9, 8))
    with session_scope(engine) as session:
        assert apply_registry_completions(session, now) == 2  # both bases, not the pairs
        waiting = unpaired_mentees(session, today=now.date(), school_id="sosh1")
    assert len(waiting) == 2 and _instance(engine, "3.3", "sosh1").state == "open"
    with session_scope(engine) as session:
        free = add_person(
            session=session,
            kind="mentor",
            school_id="sosh1",
            actor=ADMIN,
            now=now,
            values={
                "full_name": "Лебедева Ольга Викторовна",
                "category": "педагог",
                "competencies": "адаптация, психология",
                "capacity": 2,
                "consent": "да",
                "consent_date": "07.09.2022",
            },
        )
        for mentee in waiting:
            add_pair(
                session=session,
                school_id="sosh1",
                form="учитель – ученик",
                mentor_ids=[free.id or 0],
                mentee_ids=[mentee.id or 0],
                start_date=date(2022, 9, 8),
                end_date=date(2023, 5, 31),
                actor=ADMIN,
                now=now,
            )
        assert apply_registry_completions(session, now) == 0  # no order on pairs yet
    apply_registry_event(
        engine=engine, workdir=tmp_path, event=RegistryEvent(date(2022, 9, 9), "sosh1", "order")
    )
    tick_once(engine=engine, now=moment(date(2022, 9, 12)), send=False)
    pairs = _instance(engine, "3.3", "sosh1")
    assert (pairs.state, pairs.done_at) == ("done", moment(date(2022, 9, 9), hour=11))
    assert pairs.evidence == (
        "по данным реестра: 16 действующих пар (групп), все наставляемые с запросами закреплены; "
        "приказ о закреплении наставнических пар сформирован 09.09.2022"
    )


def test_a_repeat_occurrence_needs_data_newer_than_its_window(
    engine: Engine, tmp_path: Path
) -> None:
    registry_demo(
        engine, tmp_path, schools=2, roadmap="khnov-2022-2024", steps=("mentors", "mentees")
    )
    with session_scope(engine) as session:
        apply_registry_completions(session, moment(date(2022, 12, 1)))
        assert (
            apply_registry_completions(session, moment(date(2023, 9, 5))) == 0
        )  # 2022's base is old
    assert [_instance(engine, "3.2", "sosh1", n).state for n in (1, 2)] == ["done_late", "open"]
    with session_scope(engine) as session:
        mentee = session.exec(select(Mentee).where(Mentee.school_id == "sosh1")).first()
        assert mentee is not None
        edit_person(
            session=session,
            kind="mentee",
            person_id=mentee.id or 0,
            actor=ADMIN,
            now=moment(date(2023, 9, 4)),
            values={"request": mentee.request + ", ОГЭ"},
        )
    with session_scope(engine) as session:
        assert apply_registry_completions(session, moment(date(2023, 9, 5))) == 1
    second = _instance(engine, "3.2", "sosh1", 2)
    assert (second.state, second.done_at) == ("done", moment(date(2023, 9, 4)))
    assert _instance(engine, "3.2", "sosh1", 3).state == "open"


def test_without_registry_data_nothing_is_marked(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=2)
    with session_scope(engine) as session:
        assert apply_registry_completions(session, moment(date(2022, 9, 1))) == 0
    assert the_run(engine).roadmap_id == "beloyarsky-2022"


# The set-based pass: many schools at once, the journal as the per-step path wrote it, a step
# changed between the read and the write, and nothing written while no rule holds.

SCHOOLS = [school["id"] for school in demo_data.SCHOOLS]
TICK = moment(date(2022, 5, 5), hour=12)
# 3.1 (mentee base) is due Saturday 30 April 2022, moved past the May holidays (1–3 May) to
# Wednesday 4 May (ГК РФ ст. 193); the municipality is at UTC+5, so 5 May 00:30 there is still
# 4 May in UTC: the local day decides, and it is late
ENTERED = [
    moment(date(2022, 4, 20), hour=11),  # done
    moment(date(2022, 5, 4), hour=23, minute=30),  # done, the last minutes of the due day
    moment(date(2022, 5, 5), hour=0, minute=30),  # done_late
]


def _enter_mentee(engine: Engine, school: str, at: datetime, *, request: str = "ОГЭ") -> None:
    with session_scope(engine) as session:
        add_person(
            session=session,
            kind="mentee",
            school_id=school,
            actor=Actor(f"{school}@beloyarsky-edu.example.ru"),
            now=at,
            values={
                "full_name": "Соколов Максим Игоревич",
                "category": "ученик",
                "school_class": "7 А",
                "age": "13",
                "request": request,
            },
        )


def _system_journal(engine: Engine) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(JournalEntry).where(JournalEntry.actor == "system").order_by(JournalEntry.id)
        ).all()
        return [row.model_dump(exclude={"id"}) for row in rows]


def _journal_size(engine: Engine) -> int:
    with session_scope(engine) as session:
        return len(session.exec(select(JournalEntry.id)).all())


def _bases(engine: Engine) -> dict[str, tuple[str, int, bool]]:
    """Each school's 3.1: (state, version, tick_dirty)."""
    with session_scope(engine) as session:
        rows = session.exec(select(StepInstance).where(StepInstance.step_code == "3.1")).all()
        return {row.school_id or "": (row.state, row.version, row.tick_dirty) for row in rows}


def test_one_pass_closes_the_steps_of_many_schools_done_or_late_by_the_local_day(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    launched(engine, tmp_path, schools=len(SCHOOLS))
    monkeypatch.setattr(completion, "BATCH_SCHOOLS", 5)  # 12 schools: three batches
    for index, school in enumerate(SCHOOLS[:-2]):
        _enter_mentee(engine, school, ENTERED[index % 3])
    _enter_mentee(engine, SCHOOLS[-2], ENTERED[0], request="")  # in the base, asks for nothing
    with session_scope(engine) as session:
        assert apply_registry_completions(session, TICK) == len(SCHOOLS) - 2
    journal = {entry["school_id"]: entry for entry in _system_journal(engine)}
    assert len(journal) == len(SCHOOLS) - 2
    for index, school in enumerate(SCHOOLS[:-2]):
        step = _instance(engine, "3.1", school)
        state = "done_late" if index % 3 == 2 else "done"
        assert (step.state, step.done_at, step.done_by, step.version, step.tick_dirty) == (
            state,
            ENTERED[index % 3],
            "system",
            2,
            True,
        )
        assert step.evidence == "по данным реестра: 1 наставляемый с запросом"
        assert journal[school] == {
            "at": TICK,
            "actor": "system",
            "action": "done",
            "source": "registry",
            "remote_addr": None,
            "run_id": step.run_id,
            "step_instance_id": step.id,
            "school_id": school,
            "step_code": "3.1",
            "before": "open",
            "after": state,
            # the moment as the database returns it, in UTC (mark_done wrote it so too)
            "details": {
                "evidence": step.evidence,
                "at": ENTERED[index % 3].astimezone(UTC).isoformat(),
            },
        }
        assert _instance(engine, "3.2", school).state == "open"  # no mentors
    assert [_instance(engine, "3.1", school).state for school in SCHOOLS[-2:]] == ["open", "open"]
    with session_scope(engine) as session:
        assert apply_registry_completions(session, TICK) == 0  # a second pass finds nothing open
    assert len(_system_journal(engine)) == len(SCHOOLS) - 2


def test_the_rows_and_journal_are_those_the_per_step_path_wrote(
    engine: Engine, tmp_path: Path
) -> None:
    """Each act of the pass, undone and done again through engine.actions.mark_done (the path
    the tick took step by step before) with the same moment and evidence, is written alike."""
    launched(engine, tmp_path, schools=3)
    for school, at in zip(SCHOOLS[:3], ENTERED, strict=True):
        _enter_mentee(engine, school, at)
    with session_scope(engine) as session:
        add_person(
            session=session,
            kind="mentor",
            school_id="sosh1",
            actor=ADMIN,
            now=ENTERED[0],
            values={
                "full_name": "Кузьмина Ольга Петровна",
                "category": "педагог",
                "consent": "да",
                "consent_date": "20.04.2022",
            },
        )
    with session_scope(engine) as session:
        assert apply_registry_completions(session, TICK) == 4  # 3.1 in each school, 3.2 in sosh1
    bulk = _system_journal(engine)
    run = the_run(engine)
    coordinator = Actor(COORDINATOR)
    for entry in bulk:
        school, code = entry["school_id"], entry["step_code"]
        before = _instance(engine, code, school)
        with session_scope(engine) as session:
            undo(session=session, run=run, code=code, school=school, actor=coordinator, now=TICK)
            mark_done(
                session=session,
                run=run,
                code=code,
                school=school,
                actor=SYSTEM,
                now=TICK,
                at=before.done_at,
                evidence=before.evidence,
            )
        after = _instance(engine, code, school)
        fields = ("state", "done_at", "done_by", "evidence", "reason", "updated_at", "tick_dirty")
        assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
        assert after.version == before.version + 2
    assert sorted(entry["after"] for entry in bulk) == ["done", "done", "done_late", "done_late"]
    assert _system_journal(engine) == bulk + bulk  # the same rows, written again in that order


def test_a_step_changed_between_the_read_and_the_write_is_skipped_and_the_rest_written(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=4)
    for school in SCHOOLS[:4]:
        _enter_mentee(engine, school, ENTERED[0])
    victim = _instance(engine, "3.1", "sosh2")
    changed: list[str] = []

    def school_acts_first(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        # the school's own «done» lands after the pass read the instances, before it writes
        if statement.startswith("SAVEPOINT") and not changed:
            cursor.execute(
                "UPDATE step_instance SET state = 'done', done_by = 'sosh2@beloyarsky-edu.example.ru',"
                f" evidence = 'Приказ № 7', version = version + 1 WHERE id = {victim.id}"
            )
            changed.append(statement)

    event.listen(engine, "before_cursor_execute", school_acts_first)
    try:
        with session_scope(engine) as session:
            assert apply_registry_completions(session, TICK) == 3
    finally:
        event.remove(engine, "before_cursor_execute", school_acts_first)
    assert changed
    theirs = _instance(engine, "3.1", "sosh2")
    assert (theirs.done_by, theirs.evidence, theirs.version) == (
        "sosh2@beloyarsky-edu.example.ru",
        "Приказ № 7",
        victim.version + 1,
    )
    others = set(SCHOOLS[:4]) - {"sosh2"}
    journal = _system_journal(engine)
    assert sorted(entry["school_id"] for entry in journal) == sorted(others)
    for school in others:
        ours = _instance(engine, "3.1", school)
        assert (ours.state, ours.done_by, ours.version) == ("done", "system", 2)


def test_nothing_is_written_while_no_rule_holds(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=4)
    for school in SCHOOLS[:4]:
        _enter_mentee(engine, school, ENTERED[0], request="")  # mentees asking for nothing
    with session_scope(engine) as session:
        add_person(
            session=session,
            kind="mentor",
            school_id="sosh1",
            actor=ADMIN,
            now=ENTERED[0],
            values={
                "full_name": "Лебедева Ольга Викторовна",
                "category": "педагог",
                "consent": "нет",  # a mentor without consent does not form the base
            },
        )
    tick_once(engine=engine, now=TICK, send=False)  # examines every step: no longer dirty
    before = _bases(engine), _journal_size(engine)
    assert {dirty for _, _, dirty in before[0].values()} == {False}
    with session_scope(engine) as session:
        assert apply_registry_completions(session, TICK) == 0
    assert (_bases(engine), _journal_size(engine)) == before
    assert {state for state, _, _ in before[0].values()} == {"open"}
    assert _instance(engine, "3.2", "sosh1").state == "open"
