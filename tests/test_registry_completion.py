"""Steps that complete from the registry at the tick: bases, then pairs once all are paired and ordered."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from engine.actions import Actor
from engine.daily import tick_once
from nastavnik.demo import RegistryEvent, apply_registry_event
from registry.completion import apply_registry_completions
from registry.models import Mentee
from registry.pairing import add_pair, unpaired_mentees
from registry.people import add_person, edit_person
from storage.db import session_scope
from storage.models import JournalEntry, StepInstance
from tests.factories import launched, moment, registry_demo, the_run

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
