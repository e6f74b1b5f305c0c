"""Registry import: good CSV and XLSX files load, bad ones report every row and column, write nothing."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from common.errors import NastavnikError
from engine.actions import Actor
from registry.importer import import_registry_file
from registry.models import Mentee, Mentor, MentorshipPair, PairMentee
from storage.db import session_scope
from storage.models import JournalEntry
from tests.factories import demo_municipality, moment

NOW = moment(date(2022, 9, 20))
ADMIN = Actor("sosh1@beloyarsky-edu.example.ru")

MENTORS = (
    "ФИО;категория;должность или класс;компетенции;наставляемых;согласие;дата согласия;возраст\n"
    "Кузьмина Ольга Петровна;учитель;учитель математики;математика, олимпиады;3;да;01.09.2022;\n"
    "Белова Дарья Андреевна;ученик;10 А;английский язык;2;да;1 сентября 2022 г.;16\n"
)
MENTEES = (
    "full_name,category,school_class,age,request,experience_years\n"
    "Ахмедов Руслан Ильдарович,молодой специалист,,,методика урока,1\n"
    "Соколов Максим Игоревич,ученик,7 А,13,подготовка к олимпиаде по математике,\n"
    "Попова Виктория Олеговна,ученик,9 А,15,английский язык,\n"
)
PAIRS = (
    "mentor;mentee;form;start;end;group\n"
    "Кузьмина Ольга Петровна;Соколов Максим Игоревич;«учитель – ученик»;15.09.2022;31.05.2023;\n"
    "Белова Дарья Андреевна;Попова Виктория Олеговна;ученик-ученик;15.09.2022;31.05.2023;Группа 1\n"
)


def _import(engine: Engine, kind: str, path: Path, school: str = "sosh1"):  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return import_registry_file(
            session=session,
            kind=kind,
            school_id=school,
            path=path,  # type: ignore[arg-type]
            actor=ADMIN,
            now=NOW,
        )


def _write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_text(text, encoding="utf-8-sig" if bom else "utf-8")
    return path


def _count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def school(engine: Engine, tmp_path: Path) -> Engine:
    demo_municipality(engine, tmp_path, schools=2)
    return engine


def test_mentors_mentees_and_pairs_import_from_csv_with_bom_semicolons_and_russian_dates(
    school: Engine, tmp_path: Path
) -> None:
    assert _import(school, "mentors", _write(tmp_path / "m.csv", MENTORS, bom=True)).added == 2
    assert _import(school, "mentees", _write(tmp_path / "e.csv", MENTEES)).added == 3
    result = _import(school, "pairs", _write(tmp_path / "p.csv", PAIRS))
    assert (result.added, result.unchanged) == (2, 0)
    with session_scope(school) as session:
        pupil = session.exec(select(Mentor).where(Mentor.category == "pupil")).one()
        assert (pupil.full_name, pupil.age, pupil.consent, pupil.consent_date, pupil.capacity) == (
            "Белова Дарья Андреевна",
            16,
            True,
            date(2022, 9, 1),
            2,
        )
        young = session.exec(select(Mentee).where(Mentee.category == "young_specialist")).one()
        assert young.experience_years == 1
        group = session.exec(
            select(MentorshipPair).where(MentorshipPair.group_name == "Группа 1")
        ).one()
        assert (group.form_code, group.start_date, group.end_date, group.status) == (
            "pupil_pupil",
            date(2022, 9, 15),
            date(2023, 5, 31),
            "active",
        )
        journal = session.exec(
            select(JournalEntry).where(JournalEntry.action == "registry_import")
        ).all()
    assert [entry.details["kind"] for entry in journal] == ["mentors", "mentees", "pairs"]
    assert all("Кузьмина" not in str(entry.details) for entry in journal)


def test_importing_the_same_files_again_changes_nothing_and_a_changed_row_updates_the_person(
    school: Engine, tmp_path: Path
) -> None:
    for kind, text in (("mentors", MENTORS), ("mentees", MENTEES), ("pairs", PAIRS)):
        _import(school, kind, _write(tmp_path / f"{kind}.csv", text))
    again = [
        _import(school, kind, tmp_path / f"{kind}.csv") for kind in ("mentors", "mentees", "pairs")
    ]
    assert [(r.added, r.updated, r.unchanged) for r in again] == [(0, 0, 2), (0, 0, 3), (0, 0, 2)]
    changed = MENTORS.replace("математика, олимпиады;3", "математика, физика;2")
    result = _import(school, "mentors", _write(tmp_path / "m2.csv", changed))
    assert (result.added, result.updated, result.unchanged) == (0, 1, 1)
    with session_scope(school) as session:
        teacher = session.exec(select(Mentor).where(Mentor.category == "teacher")).one()
    assert (teacher.competencies, teacher.capacity, teacher.version) == ("математика, физика", 2, 2)


def test_the_xlsx_import_reads_dates_and_numbers_as_excel_stores_them(
    school: Engine, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ФИО", "Категория", "Компетенции", "Наставляемых", "Согласие", "Дата согласия"])
    sheet.append(
        [
            "Тихонов Андрей Владимирович",
            "педагог",
            "физическая культура",
            2,
            "да",
            date(2022, 8, 30),
        ]
    )
    sheet.append(["Литвинова Светлана Юрьевна", "учитель", "начальные классы", 1.0, "нет", None])
    book.save(tmp_path / "mentors.xlsx")
    assert _import(school, "mentors", tmp_path / "mentors.xlsx").added == 2
    with session_scope(school) as session:
        people = {m.full_name: m for m in session.exec(select(Mentor))}
    assert people["Тихонов Андрей Владимирович"].consent_date == date(2022, 8, 30)
    assert people["Литвинова Светлана Юрьевна"].consent is False


BAD_MENTEES = (
    "ФИО;категория;класс;возраст;стаж;запрос\n"
    "Соколов Максим Игоревич;ученик;7 А;13;;олимпиада\n"
    "соколов;ученик;;тринадцать;;\n"
    "Гарипова Алина Рамилевна;молодой специалист;;;5;методика\n"
    "Соколов  Максим Игоревич;ученик;7 А;13;;\n"
    "Ермаков Денис Сергеевич;директор;8 Б;14;;\n"
)


def test_a_bad_file_reports_every_problem_by_row_and_column_and_imports_nothing(
    school: Engine, tmp_path: Path
) -> None:
    with pytest.raises(NastavnikError) as caught:
        _import(school, "mentees", _write(tmp_path / "bad.csv", BAD_MENTEES))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'bad.csv'}: 6 ошибок, ничего не импортировано:")
    for line in (
        "строка 3, столбец A (фио): «соколов»: ожидается «Фамилия Имя Отчество»",
        "строка 3, столбец D (возраст): «тринадцать»: ожидается целое число",
        "строка 3, столбец C (класс): для обучающегося укажите класс («7 Б»)",
        "строка 4, столбец E (стаж): 5: молодой специалист — стаж от 0 до 3 лет",
        "строка 5, столбец A (фио): повторяет строку 2",
        "строка 6, столбец B (категория): «директор»: неизвестная категория",
    ):
        assert line in message
    assert _count(school, Mentee) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "файл пустой: нужна строка заголовков (full_name, category) и строки под ней"),
        (
            "ФИО;кличка\n",
            "строка 1 (заголовок): нет столбцов category; неизвестные столбцы B «кличка»",
        ),
        ("ФИО;категория;фио\nИванов Иван Иванович;педагог;x\n", "повторяются столбцы C «фио»"),
        ("ФИО;категория\n", "под заголовком нет ни одной строки"),
    ],
)
def test_a_file_without_a_proper_header_or_rows_says_so(
    school: Engine, tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(NastavnikError, match=re.escape(expected)):
        _import(school, "mentors", _write(tmp_path / "m.csv", text))


def test_a_pairs_file_that_breaks_the_pairing_rules_names_the_row_and_writes_no_pair(
    school: Engine, tmp_path: Path
) -> None:
    _import(
        school,
        "mentors",
        _write(
            tmp_path / "m.csv",
            MENTORS.replace("олимпиады;3;да;01.09.2022", "олимпиады;1;да;01.09.2022"),
        ),
    )
    _import(school, "mentees", _write(tmp_path / "e.csv", MENTEES))
    pairs = (
        "наставник;наставляемый;форма;начало;окончание\n"
        "Кузьмина Ольга Петровна;Соколов Максим Игоревич;учитель – ученик;15.09.2022;31.05.2023\n"
        "Кузьмина Ольга Петровна;Попова Виктория Олеговна;учитель – ученик;15.09.2022;31.05.2023\n"
        "Белова Дарья Андреевна;Ахмедов Руслан Ильдарович;ученик – ученик;15.09.2022;01.09.2022\n"
        "Петров Пётр Петрович;Соколов Максим Игоревич;учитель – учитель;31.02.2022;31.05.2023\n"
    )
    with pytest.raises(NastavnikError) as caught:
        _import(school, "pairs", _write(tmp_path / "p.csv", pairs))
    message = str(caught.value)
    assert (
        "строка 5, столбец A (наставник): «Петров Пётр Петрович»: нет в базе наставников этой школы"
        in message
    )
    assert "строка 5, столбец D (начало): «31.02.2022»: такой даты нет" in message
    assert "строка 3, столбец A (наставник): Кузьмина О. П.: свободно мест 0 из 1" in message
    assert (
        "строка 4, столбец B (наставляемый): Ахмедов Р. И. — молодой специалист, а в форме «ученик – ученик» "
        "наставляемый — обучающийся"
    ) in message
    assert (
        "строка 4, столбец E (окончание): окончание 01.09.2022 раньше начала 15.09.2022" in message
    )
    assert _count(school, MentorshipPair) == 0 and _count(school, PairMentee) == 0


def test_rows_of_one_group_become_one_pair_with_several_mentees(
    school: Engine, tmp_path: Path
) -> None:
    _import(school, "mentors", _write(tmp_path / "m.csv", MENTORS))
    _import(school, "mentees", _write(tmp_path / "e.csv", MENTEES))
    pairs = (
        "mentor,mentee,form,start,end,group,programme\n"
        "Белова Дарья Андреевна,Попова Виктория Олеговна,ученик – ученик,01.10.2022,26.05.2023,Группа № 1,Школа лидера\n"
        "Белова Дарья Андреевна,Соколов Максим Игоревич,ученик – ученик,01.10.2022,26.05.2023,Группа № 1,Школа лидера\n"
    )
    assert _import(school, "pairs", _write(tmp_path / "p.csv", pairs)).added == 1
    with session_scope(school) as session:
        members = session.exec(select(func.count()).select_from(PairMentee)).one()
        pair = session.exec(select(MentorshipPair)).one()
    assert (members, pair.group_name, pair.programme) == (2, "Группа № 1", "Школа лидера")


def test_a_pairs_row_can_name_people_by_their_registry_id_and_mentors_of_another_school_are_refused(
    school: Engine, tmp_path: Path
) -> None:
    _import(school, "mentors", _write(tmp_path / "m.csv", MENTORS))
    _import(school, "mentees", _write(tmp_path / "e.csv", MENTEES), school="sosh2")
    with session_scope(school) as session:
        mentee_id = session.exec(
            select(Mentee.id).where(Mentee.full_name == "Соколов Максим Игоревич")
        ).one()
    pairs = f"mentor;mentee;form;start;end\nmentor:1;mentee:{mentee_id};учитель – ученик;15.09.2022;31.05.2023\n"
    with pytest.raises(
        NastavnikError,
        match=rf"строка 2, столбец B \(mentee\): «mentee:{mentee_id}»: такой записи нет",
    ):
        _import(school, "pairs", _write(tmp_path / "p.csv", pairs))
    with pytest.raises(
        NastavnikError, match=r"строка 2, столбец A \(mentor\): «mentor:1»: такой записи нет"
    ):
        _import(school, "pairs", tmp_path / "p.csv", school="sosh2")
