"""Suggestions: Russian words meet across their endings; only mentors who can take the mentee rank."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from common.errors import NastavnikError
from engine.actions import Actor
from registry.models import Mentee, Mentor
from registry.people import add_person, edit_person, remove_person
from registry.suggest import stem, suggest_mentors, words_of
from storage.db import session_scope
from tests.factories import moment, registry_demo

NOW = moment(date(2022, 9, 15))
ADMIN = Actor("sosh1@beloyarsky-edu.example.ru")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("математике", "математик"),
        ("Математика", "математик"),
        ("олимпиады", "олимпиад"),
        ("ЁЛКА", "елк"),
        ("сочинению", "сочинен"),
        ("сочинение", "сочинен"),
        ("ОГЭ", "огэ"),
    ],
)
def test_a_stem_drops_one_common_ending(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_function_words_are_not_compared() -> None:
    assert set(words_of("подготовка к олимпиаде по математике")) == {
        "подготовк",
        "олимпиад",
        "математик",
    }


@pytest.fixture
def demo(engine: Engine, tmp_path: Path) -> Engine:
    registry_demo(engine, tmp_path, schools=1)
    return engine


def _waiting(engine: Engine) -> Mentee:
    with session_scope(engine) as session:
        return session.exec(
            select(Mentee)
            .where(
                Mentee.school_id == "sosh1", Mentee.request == "подготовка к итоговому сочинению"
            )
            .order_by(Mentee.id)
        ).all()[-1]


def test_the_mentor_with_the_request_in_the_competencies_and_a_free_place_comes_first(
    demo: Engine,
) -> None:
    mentee = _waiting(demo)
    with session_scope(demo) as session:
        suggestions = suggest_mentors(session=session, mentee_id=mentee.id or 0, now=NOW)
        teacher = session.exec(
            select(Mentor).where(Mentor.position == "учитель русского языка и литературы")
        ).one()
    assert [s.mentor_id for s in suggestions] == [teacher.id]  # everyone else is full
    best = suggestions[0]
    # «итоговому», «сочинению» are in «…, итоговое сочинение»; «подготовка» is not: 80 × 2/3 + 20 × 1/3
    assert (best.score, best.free, best.capacity) == (60, 1, 3)
    assert (
        best.explanation
        == "совпадает: итоговое, сочинение; свободно мест: 1 из 3; форма «учитель – ученик»"
    )


def test_mentors_without_consent_or_of_another_form_are_not_suggested_and_ties_go_to_more_free_places(
    demo: Engine,
) -> None:
    mentee = _waiting(demo)
    with session_scope(demo) as session:
        for name, consent, capacity in (
            ("Орлова Наталья Петровна", "да", 3),
            ("Орлов Павел Петрович", "нет", 3),
            ("Петрова Анна Игоревна", "да", 1),
        ):
            add_person(
                session=session,
                kind="mentor",
                school_id="sosh1",
                actor=ADMIN,
                now=NOW,
                values={
                    "full_name": name,
                    "category": "учитель",
                    "capacity": capacity,
                    "competencies": "литература, итоговое сочинение, подготовка к ЕГЭ",
                    "consent": consent,
                    "consent_date": "01.09.2022" if consent == "да" else "",
                },
            )
        add_person(
            session=session,
            kind="mentor",
            school_id="sosh1",
            actor=ADMIN,
            now=NOW,
            values={
                "full_name": "Ершов Илья Андреевич",
                "category": "студент",
                "capacity": 2,
                "competencies": "итоговое сочинение",
                "consent": "да",
                "consent_date": "01.09.2022",
            },
        )
        ranked = suggest_mentors(session=session, mentee_id=mentee.id or 0, now=NOW)
    names = [s.full_name for s in ranked]
    assert names[:2] == [
        "Орлова Наталья Петровна",
        "Петрова Анна Игоревна",
    ]  # 80 + 20; then 80 + 20 × 1/1
    assert ranked[0].score == 100 and ranked[1].score == 100
    assert "Орлов Павел Петрович" not in names  # no consent
    assert "Ершов Илья Андреевич" in names and ranked[
        names.index("Ершов Илья Андреевич")
    ].forms == ["студент – ученик"]


def test_a_removed_mentee_gets_no_suggestions_and_a_mentee_without_request_ranks_by_free_places(
    demo: Engine,
) -> None:
    mentee = _waiting(demo)
    with session_scope(demo) as session:
        edit_person(
            session=session,
            kind="mentee",
            person_id=mentee.id or 0,
            actor=ADMIN,
            now=NOW,
            values={"request": ""},
        )
        (plain,) = suggest_mentors(session=session, mentee_id=mentee.id or 0, now=NOW)
        assert (plain.score, plain.matched) == (7, [])  # 20 × 1/3
        remove_person(
            session=session,
            kind="mentee",
            person_id=mentee.id or 0,
            actor=ADMIN,
            now=NOW,
            reason="заявление",
        )
        with pytest.raises(NastavnikError, match="удалён из реестра по запросу"):
            suggest_mentors(session=session, mentee_id=mentee.id or 0, now=NOW)
