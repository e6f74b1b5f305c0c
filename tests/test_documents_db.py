"""Documents rendered from the database: the demo municipality's data, attached to the step."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from common.errors import NastavnikError
from documents.from_db import render_for_step
from storage.db import session_scope
from storage.journal import Actor
from storage.models import GeneratedDocument, JournalEntry, StepInstance
from tests.factories import launched, moment, the_run


def _text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_curator_order_for_a_step_uses_the_schools_data_and_is_attached(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    launched(sqlite_engine, tmp_path, schools=2)
    out = tmp_path / "order.docx"
    with session_scope(sqlite_engine) as session:
        rendered = render_for_step(
            session=session,
            template_id="order_curator_appointment",
            out=out,
            now=moment(date(2022, 5, 10)),
            actor=Actor("sosh1@x.ru"),
            school_id="sosh1",
            run=the_run(sqlite_engine),
            step_code="1.5",
            extra={"number": "41-од"},
        )
        stored = session.exec(
            select(GeneratedDocument, StepInstance).where(
                GeneratedDocument.step_instance_id == StepInstance.id
            )
        ).one()
    text = _text(out)
    assert (
        "Назначить Петрову Анну Сергеевну, заместителя директора по учебно-воспитательной работе"
        in text
    )
    assert "10.05.2022" in text and "№ 41-од" in text and "М.С. Сулейманов" in text
    document, instance = stored
    assert (instance.step_code, instance.school_id) == ("1.5", "sosh1")
    assert document.sha256 == rendered.sha256 and document.data["number"] == "41-од"


def test_the_analytical_report_counts_the_schools_steps(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    from engine.actions import Actor, mark_done

    launched(sqlite_engine, tmp_path, schools=2)
    with session_scope(sqlite_engine) as session:
        mark_done(
            session=session,
            run=the_run(sqlite_engine),
            code="1.5",
            school="sosh1",
            actor=Actor("a@x.ru"),
            now=moment(date(2022, 5, 10)),
        )
    out = tmp_path / "report.docx"
    with session_scope(sqlite_engine) as session:
        render_for_step(
            session=session,
            template_id="analytical_report",
            out=out,
            now=moment(date(2022, 6, 1)),
            actor=Actor("coordinator"),
            run=the_run(sqlite_engine),
            extra={"number": "1"},
        )
    text = _text(out)
    assert "МАОУ СОШ № 1 г. Белоярский" in text and "МАОУ СОШ № 2 г. Белоярский" in text
    assert "None" not in text and "{{" not in text


def test_missing_data_names_the_field(sqlite_engine: Engine, tmp_path: Path) -> None:
    launched(sqlite_engine, tmp_path, schools=1)
    with pytest.raises(NastavnikError, match="не хватает данных: number"):
        with session_scope(sqlite_engine) as session:
            render_for_step(
                session=session,
                template_id="order_curator_appointment",
                out=tmp_path / "x.docx",
                now=moment(date(2022, 5, 10)),
                actor=Actor("x"),
                school_id="sosh1",
                run=the_run(sqlite_engine),
            )
    assert not (tmp_path / "x.docx").exists()


def test_a_document_from_the_command_line_is_recorded_and_journaled_as_one_act(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=1)
    out = tmp_path / "order.docx"
    run = the_run(engine)
    with session_scope(engine) as session:
        rendered = render_for_step(
            session=session,
            template_id="order_curator_appointment",
            out=out,
            now=moment(date(2022, 5, 10)),
            actor=Actor("methodist@x.ru", source="cli"),
            school_id="sosh1",
            run=run,
            step_code="1.5",
            extra={"number": "41-од"},
        )
        render_for_step(
            session=session,
            template_id="analytical_report",
            out=tmp_path / "report.docx",
            now=moment(date(2022, 6, 1)),
            actor=Actor("coordinator", source="cli"),
            run=run,
            extra={"number": "1"},
        )
    with session_scope(engine) as session:
        documents = list(session.exec(select(GeneratedDocument).order_by(GeneratedDocument.id)))
        rows = list(
            session.exec(
                select(JournalEntry)
                .where(JournalEntry.action == "document")
                .order_by(JournalEntry.id)
            )
        )
        instance = session.get(StepInstance, documents[0].step_instance_id)
    assert len(documents) == 2 and len(rows) == 2
    order, report = rows
    assert instance is not None and instance.step_code == "1.5"
    assert (order.actor, order.source, order.run_id, order.step_instance_id, order.step_code) == (
        "methodist@x.ru",
        "cli",
        run.id,
        instance.id,
        "1.5",
    )
    assert order.details == {
        "document": order.details["document"],
        "template": "order_curator_appointment",
        "document_id": documents[0].id,
        "file": str(out.resolve()),
        "sha256": rendered.sha256,
    }
    assert order.details["document"]  # the catalogue's title
    assert (report.run_id, report.step_instance_id, report.school_id) == (run.id, None, None)
    assert report.details["document_id"] == documents[1].id


def test_a_refused_document_leaves_no_record_and_no_journal_row(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    launched(sqlite_engine, tmp_path, schools=1)
    with pytest.raises(NastavnikError):
        with session_scope(sqlite_engine) as session:
            render_for_step(
                session=session,
                template_id="order_curator_appointment",
                out=tmp_path / "x.docx",
                now=moment(date(2022, 5, 10)),
                actor=Actor("x"),
                school_id="sosh1",
                run=the_run(sqlite_engine),
                step_code="1.5",
            )
    with session_scope(sqlite_engine) as session:
        assert session.exec(select(GeneratedDocument)).first() is None
        assert (
            session.exec(select(JournalEntry).where(JournalEntry.action == "document")).first()
            is None
        )


def test_the_analytical_report_states_only_true_facts(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Not applicable is never overdue nor «в работе»; municipal steps are reported; the
    report has its own number and date; days late are working days."""
    from engine.actions import Actor, mark_not_applicable

    launched(sqlite_engine, tmp_path, schools=2)
    run = the_run(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        for code in ("1.5", "3.3"):  # 1.5 is past due on the report date, 3.3 is not yet due
            mark_not_applicable(
                session=session,
                run=run,
                code=code,
                school="sosh1",
                actor=Actor("a@x.ru"),
                now=moment(date(2022, 4, 1)),
                reason="не применяется",
            )
    out = tmp_path / "report.docx"
    with session_scope(sqlite_engine) as session:
        render_for_step(
            session=session,
            template_id="analytical_report",
            out=out,
            now=moment(date(2022, 6, 1)),
            actor=Actor("coordinator"),
            run=the_run(sqlite_engine),
            extra={"number": "7-с", "date": "01.06.2022"},
        )
    document = docx.Document(str(out))
    text = _text(out)
    overdue = next(
        t for t in document.tables if "Просрочено, рабочих дней" in t.rows[0].cells[-1].text
    )
    rows = [[c.text for c in row.cells] for row in overdue.rows[1:]]
    assert not any(r[1] == "МАОУ СОШ № 1 г. Белоярский" and r[2].startswith("1.5 ") for r in rows)
    assert any(r[1] == "МАОУ СОШ № 2 г. Белоярский" and r[2].startswith("1.5 ") for r in rows)
    # 1.5 «до 15 мая 2022 г.» (a Sunday) ends on Monday 16.05 (ГК РФ ст. 193):
    # 17.05 … 01.06 holds 12 working days
    assert any(r[2].startswith("1.5 ") and r[4] == "12" for r in rows)
    assert "отмечены «неприменимо») — 2 мероприятия" in text
    assert "01.06.2022\t№ 7-с" in text
    municipal = next(
        t for t in document.tables if t.rows[0].cells[-1].text == "Состояние на дату справки"
    )
    codes = [row.cells[0].text for row in municipal.rows[1:]]
    assert "1.1" in codes and "1.5" not in codes


def test_a_schools_roadmap_is_the_schools_own(sqlite_engine: Engine, tmp_path: Path) -> None:
    """School steps with the school's dates and people, the municipal steps that concern it,
    none of the committee's own; under the school's approval stamp."""
    from documents.render import MissingData

    launched(sqlite_engine, tmp_path, schools=2)
    out = tmp_path / "roadmap.docx"
    with session_scope(sqlite_engine) as session:
        with pytest.raises(MissingData) as error:
            render_for_step(
                session=session,
                template_id="roadmap",
                out=out,
                now=moment(date(2022, 5, 20)),
                actor=Actor("sosh1@x.ru"),
                school_id="sosh1",
                run=the_run(sqlite_engine),
            )
    assert error.value.fields == ["approval.number", "approval.date"]
    with session_scope(sqlite_engine) as session:
        render_for_step(
            session=session,
            template_id="roadmap",
            out=out,
            now=moment(date(2022, 5, 20)),
            actor=Actor("sosh1@x.ru"),
            school_id="sosh1",
            run=the_run(sqlite_engine),
            extra={"approval": {"number": "118-о", "date": "24.05.2022"}},
        )
    document = docx.Document(str(out))
    text = _text(out)
    assert (
        "План мероприятий (дорожная карта) внедрения целевой модели наставничества в "
        "МАОУ СОШ № 1 г. Белоярский на 2022 год" in text
    )
    assert "УТВЕРЖДЕНА\nприказом МАОУ СОШ № 1 г. Белоярский\nот 24.05.2022 № 118-о" in text
    rows = {row.cells[0].text: row for row in document.tables[0].rows[1:]}
    assert "1.5" in rows and "1.1" not in rows  # the committee's own step is not the school's
    assert rows["1.5"].cells[4].text == "МАОУ СОШ № 1 г. Белоярский (куратор А.С. Петрова)"
    # «до 15 мая 2022 г.» is a Sunday: the school's term ends on Monday (ГК РФ ст. 193)
    assert rows["1.5"].cells[3].text == "до 16 мая 2022 г."
