"""The Дубна municipal plan (seed 004) encodes its source table faithfully."""

from __future__ import annotations

import re
from datetime import date

import pytest

from definitions.catalogue import DOCUMENTS, ROLES
from definitions.loader import load_roadmap
from tests.seeds import ROADMAPS, SEEDS

DEFINITION = ROADMAPS / "dubna-2021-2024.yaml"
SOURCE = SEEDS / "004_8b14bc2043315ff6.txt"


@pytest.fixture(scope="module")
def roadmap():
    return load_roadmap(DEFINITION).roadmap


def test_roadmap_is_the_goruno_plan_of_order_175(roadmap):
    assert roadmap.id == "dubna-2021-2024"
    assert roadmap.issuer.name == "ГОРУНО"
    assert roadmap.issuer.level == "municipal"
    assert roadmap.municipality == "городской округ Дубна"
    assert "04.10.2021" in roadmap.approved_by and "№ 175/1.1 – 08" in roadmap.approved_by
    assert (roadmap.period.start, roadmap.period.end) == (date(2021, 1, 1), date(2024, 12, 31))
    assert roadmap.timezone == "Europe/Moscow"
    # the source's typo «МЕРОПРНЯТИЙ» is kept
    assert "РЕАЛИЗАЦИИ СИСТЕМЫ МЕРОПРНЯТИЙ ПО УПРАВЛЕНИЮ" in roadmap.title


def test_every_row_of_the_table_is_a_step_in_source_order(roadmap):
    assert [step.code for step in roadmap.steps] == (
        "1.1.1 1.1.2 1.2.1 1.3.1  2.1 2.2 2.3  3.1 3.2 3.3 3.4 3.5 3.6  4.1 4.2 4.3  5.1 5.2 5.3 5.4"
    ).split()
    assert [section.code for section in roadmap.sections] == "1 1.1 1.2 1.3 2 3 4 5".split()
    subsections = [roadmap.step(code).section for code in ("1.1.1", "1.1.2", "1.2.1", "1.3.1")]
    assert subsections == ["1.1", "1.1", "1.2", "1.3"]
    assert roadmap.step("5.4").section == "5"
    assert (
        roadmap.sections[7].title
        == "Аналитическая деятельность. Мониторинг и контроль эффективности внедрения ЦМН"
    )


@pytest.mark.parametrize(
    ("code", "start", "end", "deadline"),
    [
        ("1.1.1", date(2021, 10, 4), date(2021, 10, 9), "09.10.2021"),
        ("1.1.2", date(2021, 10, 1), date(2021, 10, 4), "04.10.2021"),
        ("1.2.1", date(2021, 10, 4), date(2021, 10, 9), "09.10.2021"),
        ("1.3.1", date(2021, 10, 20), date(2021, 12, 2), "02.12.2021"),
        ("2.1", date(2021, 11, 2), date(2021, 11, 20), "20.11.2021"),
        ("2.2", date(2021, 11, 2), date(2021, 11, 20), "20.11.2021"),
        ("3.1", date(2021, 10, 7), date(2024, 12, 25), "25.12.2024"),
        ("3.2", date(2021, 11, 1), date(2024, 4, 30), "Апрель 2024"),
    ],
)
def test_start_and_end_columns(roadmap, code, start, end, deadline):
    step = roadmap.step(code)
    assert (step.start, step.end, step.deadline) == (start, end, deadline)


@pytest.mark.parametrize(
    ("code", "deadline"),
    [
        ("2.3", "В течение периода"),
        ("3.4", "До декабря 2022 г."),
        ("3.6", "декабрь 2021 г декабрь 2022 г. декабрь 2023 г."),
        ("5.1", "Ежегодно"),
        ("5.3", "До 15.01.2022г. с последующим ежегодным обновлением"),
        ("5.4", "Ежегодно"),
    ],
)
def test_deadline_phrases_without_dates_are_verbatim(roadmap, code, deadline):
    step = roadmap.step(code)
    assert step.deadline == deadline
    assert step.start is None and step.end is None


def test_titles_results_and_responsibles_are_verbatim(roadmap):
    # typos of the source kept: «по внедрением», «промежугочного», «различных согласно плана»
    assert "системы мероприятий по внедрением целевой модели" in roadmap.step("1.1.2").title
    assert roadmap.step("3.6").result.startswith("Анализ промежугочного состояния")
    assert (
        roadmap.step("3.3").result
        == "Осуществляется реализация программ наставничества различных согласно плана"
    )
    assert roadmap.step("1.2.1").title.endswith("целевой модели наставничества в образовательных")
    assert roadmap.step("2.1").result == "Круглый стол"
    assert roadmap.step("2.1").title.endswith(
        "в программе реализации наставничества в общеобразовательной организации»"
    )
    assert roadmap.step("1.1.1").responsible == "ГОРУНО, ЦРО"
    assert roadmap.step("4.3").responsible == "ЦРО, СП/РИП"
    assert roadmap.step("5.4").responsible == "ЦРО,ОУ"
    assert (
        roadmap.step("4.1").title
        == "Создание на официальном сайте ЦРО вкладки «Внедрение целевой модели наставничества»"
    )


def test_scope_follows_the_responsible(roadmap):
    school = [step.code for step in roadmap.steps if step.scope == "school"]
    assert school == ["3.1", "3.3", "3.4", "3.5", "4.2", "5.2", "5.3", "5.4"]
    for step in roadmap.steps:
        assert (step.scope == "school") == ("ОУ" in step.responsible), step.code
    assert roadmap.step("1.1.1").roles == ["committee", "methodical_center"]
    assert roadmap.step("5.3").roles == ["methodical_center", "school"]


def test_roles_and_documents_come_from_the_catalogue(roadmap):
    for step in roadmap.steps:
        assert set(step.roles) <= set(ROLES), step.code
        assert set(step.documents) <= set(DOCUMENTS), step.code
    assert roadmap.step("5.1").documents == ["analytical_report"]
    assert roadmap.step("5.3").documents == ["mentor_registry", "mentee_registry"]


def test_key_dependency_chain(roadmap):
    # working group → plan approved → coordinator → bases formed → programmes / monitoring
    assert roadmap.step("1.1.1").depends_on == []
    assert roadmap.step("1.1.2").depends_on == ["1.1.1"]
    assert roadmap.step("1.2.1").depends_on == ["1.1.2"]
    assert roadmap.step("5.3").depends_on == ["1.2.1"]
    assert roadmap.step("3.3").depends_on == ["2.2", "5.3"]
    assert roadmap.step("5.4").depends_on == ["5.3"]
    codes = {step.code for step in roadmap.steps}
    assert all(set(step.depends_on) <= codes for step in roadmap.steps)


def test_all_text_occurs_in_the_source(roadmap):
    """Every verbatim string, with whitespace ignored, is a run of the source's text.

    2.1's title is cut by a page break in the source (its result and dates sit in between), so it
    is checked in its two halves.
    """
    flat = re.sub(r"\s+", "", SOURCE.read_text(encoding="utf-8"))
    texts = [roadmap.title, roadmap.approved_by, *(section.title for section in roadmap.sections)]
    for step in roadmap.steps:
        texts += [step.deadline, step.responsible, step.result or ""]
        if step.code == "2.1":
            head, tail = step.title.split(" программе реализации")
            texts += [head, "программе реализации" + tail]
        else:
            texts.append(step.title)
    for text in texts:
        assert re.sub(r"\s+", "", text) in flat, text
