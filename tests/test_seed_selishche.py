"""The Селищенская ОШ roadmap (seed 002) encodes its source table faithfully."""

from __future__ import annotations

import re
from datetime import date

import pytest

from definitions.catalogue import DOCUMENTS, ROLES
from definitions.loader import load_roadmap
from tests.seeds import ROADMAPS, SEEDS

DEFINITION = ROADMAPS / "selishche-2022-2024.yaml"
SOURCE = SEEDS / "002_be43eb75f4d6e7d9.txt"


@pytest.fixture(scope="module")
def roadmap():
    return load_roadmap(DEFINITION).roadmap


def test_roadmap_is_the_school_plan_approved_by_order_135(roadmap):
    assert roadmap.id == "selishche-2022-2024"
    assert roadmap.issuer.name == "МКОУ «Селищенская ОШ»"
    assert roadmap.issuer.level == "school"
    assert roadmap.municipality == "Новодугинский район"
    assert roadmap.approved_by == "Приказом МКОУ «Селищенская ОШ» от 16.12.2022 № 135"
    assert (roadmap.period.start, roadmap.period.end) == (date(2022, 1, 1), date(2024, 12, 31))
    assert roadmap.timezone == "Europe/Moscow"
    assert roadmap.source == "shared/seeds/002_be43eb75f4d6e7d9.txt"
    assert roadmap.title.endswith("Новодугинского района Смоленской области на 2022 — 2024 годы")


def test_every_row_of_the_table_is_a_step_in_source_order(roadmap):
    # 2 + 3 + 6 + 3 rows; the row between 3.2 and 3.4 is unnumbered in the source
    assert [step.code for step in roadmap.steps] == (
        "1.1 1.2  2.1 2.2 2.3  3.1 3.2 3.3 3.4 3.5 3.6  4.1 4.2 4.3"
    ).split()
    assert [section.code for section in roadmap.sections] == ["1", "2", "3", "4"]
    for step in roadmap.steps:
        assert step.section == step.code.split(".")[0]
    assert not roadmap.indicators


def test_section_titles_keep_the_source_typo(roadmap):
    assert roadmap.sections[2].title.startswith("Организационво-методическое сопровождение")
    assert roadmap.sections[1].title == (
        "Организационные и координационные меры по внедрению и развитию системы наставничества "
        "педагогических работников"
    )


@pytest.mark.parametrize(
    ("code", "deadline"),
    [
        ("1.1", "ноябрь-декабрь 2022 (с 2023 года - ежегодно)"),
        ("1.2", "1 квартал 2023 (далее — по необходимости)"),
        ("2.1", "декабрь 2022"),
        ("2.2", "ежегодно (июнь, декабрь)"),
        ("2.3", "июнь 2023, 2024"),
        ("3.1", "I квартал 2023"),
        ("3.3", "в сроки, определяемые ФГАОУ ДПО «Академия Минпросвещения России»"),
        ("3.4", "с января 2023 ежеквартально"),
        ("3.5", "с апреля 2023 ежегодно"),
        ("3.6", "ноябрь 2024"),
        ("4.1", "ежегодно (ноябрь)"),
        ("4.2", "постоянно, по мере поступления информации"),
        ("4.3", "ежегодно, декабрь"),
    ],
)
def test_deadline_phrases_are_verbatim(roadmap, code, deadline):
    assert roadmap.step(code).deadline == deadline


def test_titles_and_results_keep_the_source_typos(roadmap):
    # «внедрение н развитие», «Сформированы н утверждены», «Оказала своевременная поддержка»
    assert "обеспечивающих внедрение н развитие системы" in roadmap.step("1.1").title
    assert roadmap.step("1.2").result == "Сформированы н утверждены механизмы мотивации наставников"
    assert "наставничества Оказала своевременная поддержка" in roadmap.step("3.4").result
    assert roadmap.step("2.3").title == "Отчет о реализации мероприятий дорожной карты"
    assert roadmap.step("3.6").title.startswith(
        "Участие в итоговой конференции «Развитие системы наставничества"
    )


def test_dashed_sub_items_are_kept(roadmap):
    assert roadmap.step("1.1").items == [
        "положение о системе наставничества педагогических работников в образовательной организации;",
        "план мероприятий («дорожная карта») по реализации «Положения о системе наставничества "
        "педагогических работников в образовательной организации»",
    ]
    assert roadmap.step("4.1").items == [
        "база данных наставников;",
        "реестр ОО, реализующих программы наставничества;",
        "банк эффективных практик",
    ]


def test_unnumbered_row_is_the_academy_courses(roadmap):
    step = roadmap.step("3.3")
    assert step.title.startswith(
        "Организация участия педагогов-наставников в курсах повышения квалификации"
    )
    assert step.result.startswith(
        "Определены приоритеты в повышении квалификации педагогов-наставников"
    )
    assert "unnumbered" in step.note


def test_every_step_is_done_by_the_school(roadmap):
    assert {step.scope for step in roadmap.steps} == {"school"}
    assert roadmap.step("1.1").responsible == "образовательные организации (далее — ОО)"
    assert {step.responsible for step in roadmap.steps[1:]} == {"ОО"}
    assert all(step.roles == ["school"] for step in roadmap.steps)


def test_roles_and_documents_come_from_the_catalogue(roadmap):
    for step in roadmap.steps:
        assert set(step.roles) <= set(ROLES), step.code
        assert set(step.documents) <= set(DOCUMENTS), step.code
    assert roadmap.step("4.1").documents == ["mentor_registry", "best_practices"]
    assert "regulation" in roadmap.step("1.1").documents


def test_key_dependency_chain(roadmap):
    # normative base → base of mentors → qualification upgrade → the Academy's courses
    assert roadmap.step("1.1").depends_on == []
    assert roadmap.step("4.1").depends_on == ["1.1"]
    assert roadmap.step("3.2").depends_on == ["4.1"]
    assert roadmap.step("3.3").depends_on == ["3.2"]
    # readiness monitoring → process monitoring → presentation of results
    assert roadmap.step("2.1").depends_on == ["1.1"]
    assert roadmap.step("2.2").depends_on == ["2.1"]
    assert roadmap.step("4.3").depends_on == ["2.2"]
    codes = {step.code for step in roadmap.steps}
    assert all(set(step.depends_on) <= codes for step in roadmap.steps)


def test_all_text_occurs_in_the_source(roadmap):
    """Every verbatim string, with whitespace ignored, is a run of the source's text."""
    flat = re.sub(r"\s+", "", SOURCE.read_text(encoding="utf-8"))
    texts = [roadmap.title, roadmap.approved_by, *(section.title for section in roadmap.sections)]
    for step in roadmap.steps:
        texts += [step.title, step.deadline, step.responsible, step.result or "", *step.items]
    for text in texts:
        assert re.sub(r"\s+", "", text) in flat, text
