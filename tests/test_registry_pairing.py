"""Pairing rules, people's records and removal on request, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from common.errors import NastavnikError
from engine.actions import Actor
from registry.forms import set_form
from registry.models import Mentee, Mentor, MentorshipForm, MentorshipPair
from registry.pairing import PairDraft, PairLoad, add_pair, check_pair, end_pair, unpaired_mentees
from registry.people import add_person, edit_person, remove_person
from registry.values import FieldErrors
from storage.db import session_scope
from storage.models import JournalEntry
from tests.factories import demo_municipality, moment

NOW = moment(date(2022, 9, 20))
TODAY = date(2022, 9, 20)
ADMIN = Actor("sosh1@beloyarsky-edu.example.ru", source="web", remote_addr="10.0.0.7")
YEAR = (date(2022, 9, 15), date(2023, 5, 31))


@dataclass
class People:
    teacher: int
    no_consent: int
    pupil_mentor: int
    pupil: int
    pupil2: int
    young: int
    other_school_pupil: int


@pytest.fixture
def people(engine: Engine, tmp_path: Path) -> People:
    demo_municipality(engine, tmp_path, schools=2)
    with session_scope(engine) as session:

        def add(kind: str, school: str = "sosh1", **values: object) -> int:
            person = add_person(
                session=session,
                kind=kind,
                school_id=school,
                values=values,  # type: ignore[arg-type]
                actor=ADMIN,
                now=NOW,
            )
            return int(person.id or 0)

        return People(
            teacher=add(
                "mentor",
                full_name="Кузьмина Ольга Петровна",
                category="учитель",
                competencies="математика",
                capacity="2",
                consent="да",
                consent_date="01.09.2022",
            ),
            no_consent=add(
                "mentor", full_name="Тихонов Андрей Владимирович", category="педагог", capacity=3
            ),
            pupil_mentor=add(
                "mentor",
                full_name="Белова Дарья Андреевна",
                category="ученик",
                age=16,
                position="10 А",
                consent=True,
                consent_date=date(2022, 9, 2),
            ),
            pupil=add(
                "mentee",
                full_name="Соколов Максим Игоревич",
                category="ученик",
                age=13,
                school_class="7 А",
                request="олимпиада по математике",
            ),
            pupil2=add(
                "mentee",
                full_name="Попова Виктория Олеговна",
                category="ученик",
                age=15,
                school_class="9 А",
                request="английский язык",
            ),
            young=add(
                "mentee",
                full_name="Ахмедов Руслан Ильдарович",
                category="молодой специалист",
                experience_years=1,
                request="методика урока",
            ),
            other_school_pupil=add(
                "mentee",
                school="sosh2",
                full_name="Ермаков Денис Сергеевич",
                category="ученик",
                age=14,
                school_class="8 Б",
                request="физика",
            ),
        )


def _pair(
    engine: Engine,
    form: str,
    mentors: list[int],
    mentees: list[int],
    *,
    start: date = YEAR[0],
    end: date = YEAR[1],
) -> MentorshipPair:
    with session_scope(engine) as session:
        return add_pair(
            session=session,
            school_id="sosh1",
            form=form,
            mentor_ids=mentors,
            mentee_ids=mentees,
            start_date=start,
            end_date=end,
            actor=ADMIN,
            now=NOW,
        )


def _problems(
    engine: Engine, form: str, mentors: list[int], mentees: list[int], **kwargs: date
) -> dict[str, str]:
    with pytest.raises(FieldErrors) as caught:
        _pair(engine, form, mentors, mentees, **kwargs)
    return caught.value.problems


def test_a_teacher_and_a_pupil_make_a_pair_and_the_pupil_leaves_the_unpaired_list(
    engine: Engine, people: People
) -> None:
    with session_scope(engine) as session:
        before = [m.full_name for m in unpaired_mentees(session, today=TODAY, school_id="sosh1")]
    assert before == [
        "Ахмедов Руслан Ильдарович",
        "Попова Виктория Олеговна",
        "Соколов Максим Игоревич",
    ]
    pair = _pair(engine, "учитель – ученик", [people.teacher], [people.pupil])
    assert (pair.form_code, pair.status) == ("teacher_pupil", "active")
    with session_scope(engine) as session:
        after = [m.full_name for m in unpaired_mentees(session, today=TODAY)]
        journal = session.exec(select(JournalEntry).where(JournalEntry.action == "pair_add")).one()
    assert after == [
        "Ахмедов Руслан Ильдарович",
        "Попова Виктория Олеговна",
        "Ермаков Денис Сергеевич",
    ]
    assert journal.details["mentees"] == [f"mentee:{people.pupil}"]
    assert (journal.source, journal.remote_addr) == ("web", "10.0.0.7")


def test_the_form_must_fit_the_categories_of_mentor_and_mentee(
    engine: Engine, people: People
) -> None:
    problems = _problems(engine, "учитель – ученик", [people.pupil_mentor], [people.young])
    assert problems == {
        "mentors": "Белова Д. А. — обучающийся, а в форме «учитель – ученик» наставник — педагог",
        "mentees": "Ахмедов Р. И. — молодой специалист, а в форме «учитель – ученик» наставляемый — обучающийся",
    }
    assert (
        _pair(engine, "учитель – учитель", [people.teacher], [people.young]).form_code
        == "teacher_teacher"
    )
    assert (
        _pair(engine, "ученик – ученик", [people.pupil_mentor], [people.pupil2]).form_code
        == "pupil_pupil"
    )


def test_a_mentor_without_consent_cannot_be_paired(engine: Engine, people: People) -> None:
    problems = _problems(engine, "учитель – ученик", [people.no_consent], [people.pupil])
    assert problems == {
        "mentors": "Тихонов А. В.: нет согласия на обработку персональных данных, "
        "без него наставника нельзя закрепить"
    }


def test_a_mentor_takes_no_more_mentees_than_the_capacity(engine: Engine, people: People) -> None:
    _pair(engine, "учитель – ученик", [people.teacher], [people.pupil])
    _pair(engine, "учитель – учитель", [people.teacher], [people.young])
    problems = _problems(engine, "учитель – ученик", [people.teacher], [people.pupil2])
    assert problems == {"mentors": "Кузьмина О. П.: свободно мест 0 из 2, а наставляемых в паре 1"}
    with session_scope(engine) as session:
        first = session.exec(
            select(MentorshipPair).where(MentorshipPair.form_code == "teacher_pupil")
        ).one()
        end_pair(session=session, pair_id=first.id or 0, actor=ADMIN, now=NOW)
    assert _pair(engine, "учитель – ученик", [people.teacher], [people.pupil2]).status == "active"


def test_a_mentee_is_in_one_active_pair_per_form_but_may_have_another_form(
    engine: Engine, people: People
) -> None:
    first = _pair(engine, "учитель – ученик", [people.teacher], [people.pupil])
    problems = _problems(engine, "учитель – ученик", [people.teacher], [people.pupil])
    assert problems == {
        "mentees": f"Соколов М. И. уже в действующей паре № {first.id} формы «учитель – ученик»"
    }
    assert (
        _pair(engine, "ученик – ученик", [people.pupil_mentor], [people.pupil]).status == "active"
    )


def test_dates_must_be_in_order_and_people_must_be_of_the_school(
    engine: Engine, people: People
) -> None:
    problems = _problems(
        engine,
        "учитель – ученик",
        [people.teacher],
        [people.other_school_pupil],
        start=date(2022, 9, 15),
        end=date(2022, 9, 1),
    )
    assert problems == {
        "mentees": "выбранного наставляемого нет в базе наставляемых этой школы",
        "end_date": "окончание 01.09.2022 раньше начала 15.09.2022",
    }


def test_an_unknown_or_switched_off_form_is_refused_with_the_forms_on_offer(
    engine: Engine, people: People
) -> None:
    assert _problems(engine, "родитель – ученик", [people.teacher], [people.pupil])[
        "form"
    ].startswith(
        "«родитель – ученик»: такой формы нет; есть «ученик – ученик», «учитель – учитель»"
    )
    with session_scope(engine) as session:
        set_form(session=session, code="student_pupil", active=False, actor=ADMIN, now=NOW)
    assert _problems(engine, "студент – ученик", [people.teacher], [people.pupil]) == {
        "form": "форма «студент – ученик» отключена в муниципалитете",
        "mentors": "Кузьмина О. П. — педагог, а в форме «студент – ученик» наставник — студент",
    }


def test_a_person_entered_twice_or_with_bad_fields_gets_errors_by_field(
    engine: Engine, people: People
) -> None:
    with session_scope(engine) as session, pytest.raises(FieldErrors) as caught:
        add_person(
            session=session,
            kind="mentee",
            school_id="sosh1",
            actor=ADMIN,
            now=NOW,
            values={"full_name": "Соколов  максим Игоревич", "category": "ученик", "age": "13"},
        )
    assert caught.value.problems == {
        "full_name": "«Соколов максим Игоревич»: ожидается «Фамилия Имя Отчество» кириллицей, каждое слово "
        "с заглавной буквы",
        "school_class": "для обучающегося укажите класс («7 Б»)",
    }
    with session_scope(engine) as session, pytest.raises(FieldErrors) as caught:
        add_person(
            session=session,
            kind="mentee",
            school_id="sosh1",
            actor=ADMIN,
            now=NOW,
            values={
                "full_name": "Соколов Максим Игоревич",
                "category": "ученик",
                "age": 13,
                "school_class": "7 А",
            },
        )
    assert caught.value.problems == {
        "full_name": "«Соколов Максим Игоревич» уже есть в базе: измените запись"
    }
    assert "поле «ФИО»" in str(caught.value)


def test_editing_changes_only_the_given_fields_and_refuses_a_stale_version(
    engine: Engine, people: People
) -> None:
    with session_scope(engine) as session:
        mentor = edit_person(
            session=session,
            kind="mentor",
            person_id=people.no_consent,
            actor=ADMIN,
            now=NOW,
            values={"consent": "да", "consent_date": "19.09.2022"},
            version=1,
        )
        assert (mentor.consent, mentor.version, mentor.competencies) == (True, 2, "")
        journal = session.exec(
            select(JournalEntry).where(JournalEntry.action == "registry_edit")
        ).one()
    assert journal.details == {
        "person": f"mentor:{people.no_consent}",
        "fields": ["consent", "consent_date"],
    }
    with (
        session_scope(engine) as session,
        pytest.raises(NastavnikError, match="кто-то изменил запись"),
    ):
        edit_person(
            session=session,
            kind="mentor",
            person_id=people.no_consent,
            actor=ADMIN,
            now=NOW,
            values={"capacity": 1},
            version=1,
        )
    with session_scope(engine) as session, pytest.raises(FieldErrors) as caught:
        edit_person(
            session=session,
            kind="mentor",
            person_id=people.no_consent,
            actor=ADMIN,
            now=NOW,
            values={"consent_date": "01.10.2022"},
        )
    assert caught.value.problems == {"consent_date": "1 октября 2022 г. ещё не наступило"}


def test_removal_on_request_erases_the_name_ends_the_pair_and_journals_without_the_name(
    engine: Engine, people: People
) -> None:
    pair = _pair(engine, "учитель – ученик", [people.teacher], [people.pupil])
    with session_scope(engine) as session:
        removal = remove_person(
            session=session,
            kind="mentee",
            person_id=people.pupil,
            actor=ADMIN,
            now=NOW,
            reason="Заявление родителя Соколова М. И. от 19.09.2022",
        )
    assert removal.pairs_ended == [pair.id]
    with session_scope(engine) as session:
        mentee = session.get(Mentee, people.pupil)
        assert mentee is not None
        assert (
            mentee.full_name,
            mentee.request,
            mentee.school_class,
            mentee.category,
            mentee.age,
        ) == ("", "", "", "pupil", 13)
        ended = session.get(MentorshipPair, pair.id)
        assert ended is not None and (ended.status, ended.end_date) == ("cancelled", TODAY)
        journal = session.exec(select(JournalEntry).order_by(JournalEntry.id)).all()
        names = [m.full_name for m in session.exec(select(Mentor))]
    removal_row = [entry for entry in journal if entry.action == "registry_remove"]
    assert removal_row[0].details == {
        "person": f"mentee:{people.pupil}",
        "pairs_ended": [pair.id],
        "reason": "Заявление родителя … М. И. от 19.09.2022",
    }
    assert all("Соколов" not in str(entry.details) for entry in journal)
    assert "Кузьмина Ольга Петровна" in names
    with session_scope(engine) as session:
        assert [m.id for m in unpaired_mentees(session, today=TODAY, school_id="sosh1")] == [
            people.young,
            people.pupil2,
        ]
    with (
        session_scope(engine) as session,
        pytest.raises(NastavnikError, match="уже удалена"),
    ):
        remove_person(
            session=session, kind="mentee", person_id=people.pupil, actor=ADMIN, now=NOW, reason="x"
        )
    problems = _problems(engine, "учитель – ученик", [people.teacher], [people.pupil])
    assert problems == {"mentees": "выбранный наставляемый удалён из базы по запросу"}


# --- the table of rules, one broken rule per row ---------------------------------------------------

_FORMS = [
    MentorshipForm(
        code="teacher_pupil",
        title="учитель – ученик",
        mentor_category="teacher",
        mentee_categories=["pupil"],
    ),
    MentorshipForm(
        code="pupil_pupil",
        title="ученик – ученик",
        mentor_category="pupil",
        mentee_categories=["pupil"],
        active=False,
    ),
]
_MENTORS = {
    1: Mentor(
        id=1,
        school_id="sosh1",
        full_name="Кузьмина Ольга Петровна",
        category="teacher",
        capacity=1,
        consent=True,
    ),
    2: Mentor(
        id=2,
        school_id="sosh1",
        full_name="Тихонов Андрей Владимирович",
        category="teacher",
        capacity=3,
        consent=False,
    ),
    3: Mentor(
        id=3,
        school_id="sosh2",
        full_name="Белова Дарья Андреевна",
        category="teacher",
        capacity=3,
        consent=True,
    ),
    4: Mentor(
        id=4, school_id="sosh1", full_name="", category="teacher", consent=True, removed_at=NOW
    ),
    6: Mentor(
        id=6,
        school_id="sosh1",
        full_name="Орлова Вера Сергеевна",
        category="teacher",
        capacity=3,
        consent=True,
    ),
    5: Mentor(
        id=5,
        school_id="sosh1",
        full_name="Ершов Илья Павлович",
        category="pupil",
        capacity=3,
        consent=True,
    ),
}
_MENTEES = {
    11: Mentee(id=11, school_id="sosh1", full_name="Ахмедов Руслан Ильдарович", category="pupil"),
    12: Mentee(id=12, school_id="sosh1", full_name="Ермаков Денис Сергеевич", category="pupil"),
    13: Mentee(id=13, school_id="sosh1", full_name="Соколова Анна Игоревна", category="teacher"),
    14: Mentee(id=14, school_id="sosh1", full_name="", category="pupil", removed_at=NOW),
    16: Mentee(id=16, school_id="sosh1", full_name="Зайцев Пётр Ильич", category="pupil"),
    15: Mentee(id=15, school_id="sosh2", full_name="Лебедев Олег Олегович", category="pupil"),
}


def _draft(**changes: object) -> PairDraft:
    values: dict[str, object] = {
        "form": "учитель – ученик",
        "mentor_ids": [1],
        "mentee_ids": [11],
        "start_date": YEAR[0],
        "end_date": YEAR[1],
    }
    values.update(changes)
    return PairDraft(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"form": " "}, "form", "не заполнено"),
        ({"form": "кружок"}, "form", "«кружок»: такой формы нет; есть «учитель – ученик»"),
        ({"form": "ученик – ученик", "mentor_ids": [5]}, "form",
         "форма «ученик – ученик» отключена в муниципалитете"),
        ({"mentor_ids": []}, "mentors", "не выбран"),
        ({"mentee_ids": []}, "mentees", "не выбран"),
        ({"mentor_ids": [6], "mentee_ids": [11, 11]}, "mentees",
         "один и тот же наставляемый указан дважды"),
        ({"start_date": None}, "start_date", "не заполнено"),
        ({"end_date": None}, "end_date", "не заполнено"),
        ({"start_date": YEAR[1], "end_date": YEAR[0]}, "end_date",
         "окончание 15.09.2022 раньше начала 31.05.2023"),
        ({"status": "paused"}, "status",
         "«paused»: допустимы «действует», «завершена», «прекращена»"),
        ({"mentor_ids": [3]}, "mentors", "выбранного наставника нет в базе наставников этой школы"),
        ({"mentor_ids": [9]}, "mentors", "выбранного наставника нет в базе наставников этой школы"),
        ({"mentor_ids": [4]}, "mentors", "выбранный наставник удалён из базы по его запросу"),
        ({"mentor_ids": [5]}, "mentors",
         "Ершов И. П. — обучающийся, а в форме «учитель – ученик» наставник — педагог"),
        ({"mentor_ids": [2]}, "mentors",
         "Тихонов А. В.: нет согласия на обработку персональных данных, без него наставника "
         "нельзя закрепить"),
        ({"mentee_ids": [11, 16]}, "mentors",
         "Кузьмина О. П.: свободно мест 1 из 1, а наставляемых в паре 2"),
        ({"mentee_ids": [15]}, "mentees",
         "выбранного наставляемого нет в базе наставляемых этой школы"),
        ({"mentee_ids": [14]}, "mentees", "выбранный наставляемый удалён из базы по запросу"),
        ({"mentee_ids": [13]}, "mentees",
         "Соколова А. И. — педагог, а в форме «учитель – ученик» наставляемый — обучающийся"),
        ({"mentee_ids": [12]}, "mentees",
         "Ермаков Д. С. уже в действующей паре № 7 формы «учитель – ученик»"),
    ],
)  # fmt: skip
def test_each_pairing_rule_reports_its_field_and_catalogue_message(
    changes: dict[str, object], field: str, message: str
) -> None:
    load = PairLoad()
    load.by_mentee_form[(12, "teacher_pupil")] = 7
    form, problems = check_pair(
        _draft(**changes),
        school_id="sosh1",
        forms=_FORMS,
        mentors=_MENTORS,
        mentees=_MENTEES,
        load=load,
        today=TODAY,
    )
    assert problems == {field: message}


def test_a_field_with_several_broken_rules_joins_their_messages_in_table_order() -> None:
    _, problems = check_pair(
        _draft(mentor_ids=[2, 5], mentee_ids=[11, 12]),
        school_id="sosh1",
        forms=_FORMS,
        mentors=_MENTORS,
        mentees=_MENTEES,
        load=PairLoad(),
        today=TODAY,
    )
    assert problems == {
        "mentors": "Тихонов А. В.: нет согласия на обработку персональных данных, без него "
        "наставника нельзя закрепить; Ершов И. П. — обучающийся, а в форме «учитель – ученик» "
        "наставник — педагог"
    }
