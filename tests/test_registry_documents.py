"""Documents that read the registry: the order on pairs, the two registers, the справка's indicators."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import docx
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from documents.from_db import build_document_data, read_extra, render_for_step, write_pairs_csv
from storage.db import session_scope
from storage.journal import Actor
from tests.factories import moment, registry_demo, the_run

NOW = moment(date(2022, 9, 20))


def _text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _rows(path: Path) -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(path.read_bytes())).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_the_order_on_pairs_lists_the_registrys_pairs_with_positions(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    registry_demo(sqlite_engine, tmp_path, schools=1, steps=("mentors", "mentees", "pairs"))
    out = tmp_path / "order.docx"
    run = the_run(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        data = build_document_data(
            session=session, template_id="order_pairs", now=NOW, school_id="sosh1"
        )
        render_for_step(
            session=session,
            template_id="order_pairs",
            out=out,
            now=NOW,
            actor=Actor("sosh1@x.ru"),
            school_id="sosh1",
            run=run,
            step_code="3.3",
            extra={"number": "95-од", "plans_deadline": "30.09.2022"},
        )
    assert data["academic_year"] == "2022–2023"
    # a row per mentor × mentee: 4 teachers × 2 pupils, 2 young specialists, 2 groups of two, 2 more
    assert len(data["pairs"]) == 16
    first = data["pairs"][0]
    assert (first["form"], first["mentor_position"]) == (
        "«ученик – ученик»",
        "обучающаяся 10 «А» класса",
    )
    text = _text(out)
    assert "на 2022–2023 учебный год" in text and "№ 95-од" in text
    assert "Тарасова Юлия Юрьевна, педагог-психолог" in text
    assert "Лебедева Софья Петровна, педагог-психолог, молодой специалист" in text
    assert "Марков Владимир Андреевич, обучающийся 4 «А» класса" in text
    assert "Группа № 2" in text and "01.09.2022 – 31.05.2023" in text
    assert "Данилова Юлия Николаевна" not in text  # waits for a mentor: not in the order


def test_a_csv_of_pairs_given_by_hand_still_overrides_the_registry(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    registry_demo(sqlite_engine, tmp_path, schools=1, steps=("mentors", "mentees", "pairs"))
    csv_path = write_pairs_csv(
        tmp_path / "pairs.csv",
        [
            {
                "mentor": "Кузьмина Ольга Петровна",
                "mentee": "Ахмедов Руслан Ильдарович",
                "form": "«педагог – педагог»",
                "start": "15.09.2022",
                "end": "31.05.2023",
            },
        ],
    )
    with session_scope(sqlite_engine) as session:
        data = build_document_data(
            session=session,
            template_id="order_pairs",
            now=NOW,
            school_id="sosh1",
            extra=read_extra(csv_path),
        )
    assert [pair["mentee"] for pair in data["pairs"]] == ["Ахмедов Руслан Ильдарович"]


def test_the_registers_are_workbooks_of_the_registry(sqlite_engine: Engine, tmp_path: Path) -> None:
    registry_demo(sqlite_engine, tmp_path, schools=1, steps=("mentors", "mentees", "pairs"))
    with session_scope(sqlite_engine) as session:
        for template in ("mentor_registry", "mentee_registry"):
            render_for_step(
                session=session,
                template_id=template,
                out=tmp_path / f"{template}.xlsx",
                now=NOW,
                actor=Actor("sosh1@x.ru"),
                school_id="sosh1",
            )
    mentors = _rows(tmp_path / "mentor_registry.xlsx")
    header = mentors.index(next(r for r in mentors if r[0] == "№ п/п"))
    assert len([r for r in mentors[header + 1 :] if isinstance(r[0], int)]) == 7
    teacher = next(r for r in mentors if r[1] == "Тарасова Юлия Юрьевна")
    assert teacher[2:7] == (
        "педагог-психолог",
        None,
        "психологическое сопровождение, адаптация, профориентация",
        "«учитель – ученик», «учитель – учитель»",
        "Лебедева Софья Петровна, Марков Владимир Андреевич, Тарлина Ирина Игоревна",
    )
    mentees = _rows(tmp_path / "mentee_registry.xlsx")
    waiting = [r for r in mentees if r[8] == "продолжить поиск наставника"]
    assert [r[1] for r in waiting] == ["Данилова Юлия Николаевна", "Матвеев Павел Дмитриевич"]
    assert waiting[0][2] == "обучающаяся 5 «В» класса" and waiting[0][5] is None


def test_the_analytical_report_puts_the_actual_values_beside_the_targets(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    registry_demo(sqlite_engine, tmp_path, schools=3, roadmap="khnov-2022-2024")
    out = tmp_path / "report.docx"
    run = the_run(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        data = build_document_data(
            session=session, template_id="analytical_report", now=NOW, run=run
        )
        render_for_step(
            session=session,
            template_id="analytical_report",
            out=out,
            now=NOW,
            actor=Actor("coordinator"),
            run=run,
        )
    assert [(i["code"], i["target"], i["actual"]) for i in data["indicators"]] == [
        ("1", 35, 2.1),
        ("2", 6, 0.8),
        ("3", 100, 38.5),
        ("5", 60, 80.0),
        ("6", 60, 89.5),
    ]
    text = _text(out)
    for value in ("2,1 %", "0,8 %", "38,5 %", "80 %", "89,5 %"):
        assert value in text
    assert (
        "Целевые значения не достигнуты по показателям: «Доля детей и молодежи в возрасте от 10 "
        "до 18 лет" in text
    )
    assert "(2,1 % при целевом значении 35 %)" in text
    assert "по показателям 1, 2, 3" not in text
