"""Importing schools: CSV or XLSX, bad rows reported by row and column, all or nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.engine import Engine
from sqlmodel import select

from common.errors import NastavnikError
from storage.db import session_scope
from storage.models import School
from storage.schools import import_schools
from tests.factories import demo_municipality, moment

HEADER = "id,name,short_name,director,admin_email,district\n"


def _import(engine: Engine, path: Path) -> None:
    with session_scope(engine) as session:
        import_schools(session=session, path=path, now=moment(date(2022, 3, 1)))


def _ids(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return set(session.exec(select(School.id)))


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_imported(
    engine: Engine, tmp_path: Path
) -> None:
    demo_municipality(engine, tmp_path, schools=1)
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "new1,Школа 1,СОШ 1,Иванов И.И.,a@x.ru,север\n"
        + "new2,Школа 2,,Петров П.П.,not-an-email,юг\n"
        + "new1,Школа 3,СОШ 3,Сидоров С.С.,c@x.ru,\n",
        encoding="utf-8",
    )
    with pytest.raises(NastavnikError) as error:
        _import(engine, path)
    message = str(error.value)
    assert "строка 3, столбец C (short_name): пусто" in message
    assert (
        "строка 3, столбец E (admin_email): «not-an-email» — не адрес электронной почты" in message
    )
    assert "строка 4, столбец A (id): «new1» уже есть в строке 2" in message
    assert (
        "строка 2, столбец D (director): «Иванов И.И.» — нужны полные фамилия, имя и отчество"
        in message
    )
    assert "ничего не импортировано" in message
    assert _ids(engine) == {"sosh1"}


def test_missing_columns_are_named(engine: Engine, tmp_path: Path) -> None:
    demo_municipality(engine, tmp_path, schools=1)
    path = tmp_path / "cols.csv"
    path.write_text("id;name;director\nx;y;z\n", encoding="utf-8")
    with pytest.raises(NastavnikError, match="нет столбцов short_name, admin_email"):
        _import(engine, path)


def test_xlsx_with_extra_columns_imports_and_keeps_them(engine: Engine, tmp_path: Path) -> None:
    demo_municipality(engine, tmp_path, schools=1)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ID", "Name", "short_name", "director", "admin_email", "ИНН"])
    sheet.append(["new1", "Школа 1", "СОШ 1", "Иванов Иван Иванович", "a@x.ru", 8611004970])
    path = tmp_path / "schools.xlsx"
    workbook.save(path)
    _import(engine, path)
    with session_scope(engine) as session:
        school = session.get(School, "new1")
        assert (
            school is not None
            and school.extra == {"инн": "8611004970"}
            and school.director == "Иванов Иван Иванович"
        )


def test_a_cp1251_csv_from_excel_reads(engine: Engine, tmp_path: Path) -> None:
    demo_municipality(engine, tmp_path, schools=1)
    path = tmp_path / "excel.csv"
    path.write_bytes(
        (HEADER.replace(",", ";") + "k1;Школа;СОШ;Кузнецова Анна Петровна;k@x.ru;\n").encode(
            "cp1251"
        )
    )
    _import(engine, path)
    assert "k1" in _ids(engine)


def test_a_file_in_no_known_encoding_is_refused_with_its_line(tmp_path: Path) -> None:
    from storage.schools import parse_schools_file

    bad = tmp_path / "schools.csv"
    bad.write_bytes(b"id,name,short_name,director,admin_email\n" + b"s1,\x98\xff,x,y,a@b.ru\n")
    with pytest.raises(NastavnikError) as caught:
        parse_schools_file(bad)
    assert "строка 2" in str(caught.value) and "UTF-8" in str(caught.value)
