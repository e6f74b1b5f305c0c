"""The Белоярский район 2022 roadmap (seed 000) is encoded completely and verbatim.

Expected values are copied from the source, shared/seeds/000_9230059a0d6d7f94.txt, not from the
YAML file, so a changed or lost row fails here.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import pairwise

import pytest

from definitions.catalogue import DOCUMENTS, ROLES
from definitions.loader import load_roadmap
from definitions.schema import Roadmap
from tests.seeds import ROADMAPS, SEEDS, VECTORS

DEFINITION = ROADMAPS / "beloyarsky-2022.yaml"
SEED = SEEDS / "000_9230059a0d6d7f94.txt"

# Row numbers of the source table, in order.
SOURCE_CODES = (
    "1.1 1.2 1.3 1.4 1.5 1.6 1.7 1.8 2.1 2.2 2.3 2.4 2.5 2.6 2.7 2.8 3.1 3.2 3.3 3.4 4.1 4.2 4.3 4.4 4.5"
).split()


@pytest.fixture(scope="module")
def roadmap() -> Roadmap:
    return load_roadmap(DEFINITION).roadmap


def test_roadmap_is_the_beloyarsky_district_plan_for_2022(roadmap: Roadmap) -> None:
    assert roadmap.id == "beloyarsky-2022"
    assert roadmap.title == (
        "План мероприятий (дорожная карта) внедрения Муниципальной целевой модели наставничества "
        "педагогических работников и обучающихся образовательных учреждений Белоярского района на 2022 год"
    )
    assert roadmap.municipality == "Белоярский район"
    assert roadmap.issuer.level == "municipal"
    assert roadmap.timezone == "Asia/Yekaterinburg"
    assert (roadmap.period.start, roadmap.period.end) == (date(2022, 1, 1), date(2022, 12, 31))
    assert roadmap.source == "shared/seeds/000_9230059a0d6d7f94.txt"
    assert roadmap.indicators == []


def test_every_row_of_the_source_is_a_step_in_source_order(roadmap: Roadmap) -> None:
    assert len(roadmap.steps) == 25
    assert [step.code for step in roadmap.steps] == SOURCE_CODES


def test_four_sections_with_verbatim_titles(roadmap: Roadmap) -> None:
    assert [(section.code, section.title) for section in roadmap.sections] == [
        (
            "1",
            "Нормативно-правовое регулирование внедрения Муниципальной целевой модели наставничества "
            "педагогических работников и обучающихся образовательных учреждений Белоярского района",
        ),
        (
            "2",
            "Организационная, методическая, экспертно-консультационная, информационная и просветительская "
            "поддержка участников внедрения Целевой модели наставничества",
        ),
        (
            "3",
            "Внедрение Целевой модели наставничества в образовательных учреждениях Белоярского района",
        ),
        ("4", "Мониторинг и оценка результатов внедрения Целевой модели наставничества"),
    ]
    assert Counter(step.section for step in roadmap.steps) == {"1": 8, "2": 8, "3": 4, "4": 5}
    assert all(step.code.startswith(f"{step.section}.") for step in roadmap.steps)


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (
            "1.1",
            "Разработка Положения о муниципальной целевой модели наставничества педагогических работников "
            "и обучающихся  в образовательных учреждениях Белоярского района (МЦМН)",
        ),
        (
            "1.7",
            "Согласование «Положения о системе наставничества педагогических работников и обучающихся в "
            "образовательной организации», Дорожной карты, Программы наставничества.",
        ),
        (
            "2.5",
            'Разработка методического пособия (электронный сборник) "Наставничество – путь от цели к результату"',
        ),
        # the source's truncated wording «…Белоярского района деятельностью» is kept
        (
            "2.8",
            "Привлечение к реализации программ наставничества образовательных организаций, предприятий и "
            "организаций Белоярского района деятельностью",
        ),
        # «2022–» / «2023» was split by the layout: joined without a space
        (
            "3.2",
            "Формирование базы наставников в 2022–2023 учебном  году (отбор из числа потенциальных "
            "наставников в соответствии с перечнем запросов)",
        ),
        (
            "4.4",
            "Проведение заседания ММС по теме «Анализ результатов Муниципального мониторинга состояния "
            "внедрения и реализации целевой модели наставничества в образовательных учреждениях "
            "Белоярского района»",
        ),
    ],
)
def test_titles_are_verbatim(roadmap: Roadmap, code: str, title: str) -> None:
    assert roadmap.step(code).title == title


@pytest.mark.parametrize(
    ("code", "deadline"),
    [
        ("1.1", "март – апрель 2022 г."),
        ("1.3", "Апрель 2022"),
        ("1.6", "до 25 мая 2022 г"),
        ("1.7", "до 30 мая 2022г."),
        ("2.2", "По отдельному графику"),
        ("2.4", "Постоянно, ежегодная актуализация"),
        ("3.1", "до 30 апреля 2022 г."),
        ("3.2", "до 04 апреля 2022 г."),
        (
            "3.4",
            "в соответствии с сороками реализации программ наставничества",
        ),  # «сороками»: typo kept
        ("4.1", "апрель — декабрь 2022 г."),
        ("4.2", "апрель – декабрь  2022 г."),
        ("4.3", "декабрь 2022г."),
    ],
)
def test_deadlines_are_the_source_phrases(roadmap: Roadmap, code: str, deadline: str) -> None:
    assert roadmap.step(code).deadline == deadline


def test_results_keep_the_source_typos(roadmap: Roadmap) -> None:
    assert roadmap.step("3.2").result == "База наставником с перечнем компетенций"
    assert roadmap.step("1.6").result == (
        "Пакет положения и дорожные карты , локальный акт, регламентирующий меры стимулирования "
        "педагогических работников образовательного учреждения, включенных в систему наставничества в ОУ."
    )
    assert roadmap.step("2.7").result == (
        "Непрерывный профессиональный рост, личностное развитие и самореализация педагогических работников "
        "ОУ. Категории слушателей: заместители руководителя, педагогические работники ОУ. Обучены 2 "
        "человека. Получены удостоверения о повышении квалификации."
    )
    assert roadmap.step("3.3").result == "Приказ о закреплении наставнических пар"


def test_the_expert_councils_agreement_has_no_result_in_the_source(roadmap: Roadmap) -> None:
    assert roadmap.step("1.7").result is None
    assert roadmap.step("1.7").documents == []


@pytest.mark.parametrize(
    ("code", "responsible", "roles"),
    [
        ("1.1", "КО", ["committee"]),
        ("1.5", "ОУ", ["school"]),
        ("1.7", "Экспертный совет (МАУ «БМЦ»)", ["expert_council", "methodical_center"]),
        ("1.8", "КО, МАУ «БМЦ»", ["committee", "methodical_center"]),
        ("2.2", "КО, МАУ «БМЦ», ОУ", ["committee", "methodical_center", "school"]),
        (
            "4.2",
            "Кураторы внедрения целевой модели наставничества (МАУ «БМЦ», ОУ)",
            ["curator", "methodical_center"],
        ),
        ("4.5", "МАУ «БМЦ»", ["methodical_center"]),
    ],
)
def test_responsibles_are_verbatim_and_mapped_to_roles(
    roadmap: Roadmap, code: str, responsible: str, roles: list[str]
) -> None:
    step = roadmap.step(code)
    assert step.responsible == responsible
    assert step.roles == roles


def test_rows_done_by_each_school_are_school_scoped(roadmap: Roadmap) -> None:
    # every row whose only responsible is «ОУ» is done by each school
    only_schools = [step.code for step in roadmap.steps if step.responsible == "ОУ"]
    assert only_schools == ["1.4", "1.5", "1.6", "2.8", "3.1", "3.2", "3.3", "3.4"]
    assert all(roadmap.step(code).scope == "school" for code in only_schools)
    # the committee's acts and the municipal monitoring are done once
    for code in ("1.1", "1.2", "1.3", "1.7", "1.8", "4.3", "4.4", "4.5"):
        assert roadmap.step(code).scope == "municipality", code


def _prerequisites(roadmap: Roadmap, code: str) -> set[str]:
    found: set[str] = set()
    todo = list(roadmap.step(code).depends_on)
    while todo:
        dep = todo.pop()
        if dep not in found:
            found.add(dep)
            todo.extend(roadmap.step(dep).depends_on)
    return found


def test_dependencies_follow_the_mission_shape(roadmap: Roadmap) -> None:
    # model developed → approved → roadmap → school order → curator → documents → agreed
    chain = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]
    for before, after in pairwise(chain):
        assert before in roadmap.step(after).depends_on, (before, after)
    # curator → mentee base → mentor base (by the list of requests) → pairs → pairs work → monitoring
    assert "1.5" in roadmap.step("3.1").depends_on
    assert "3.1" in roadmap.step("3.2").depends_on
    assert {"3.1", "3.2"} <= set(roadmap.step("3.3").depends_on)
    assert "3.3" in roadmap.step("3.4").depends_on
    assert "3.4" in roadmap.step("4.2").depends_on
    assert "4.3" in roadmap.step("4.4").depends_on
    assert {"1.1", "1.5", "3.1", "3.2", "3.3", "3.4", "4.2", "4.3"} <= _prerequisites(
        roadmap, "4.4"
    )
    # the first row has no prerequisite; every other row has one
    assert roadmap.step("1.1").depends_on == []
    assert all(step.depends_on for step in roadmap.steps if step.code != "1.1")


def test_every_prerequisite_is_another_step_of_the_roadmap(roadmap: Roadmap) -> None:
    codes = [step.code for step in roadmap.steps]
    for step in roadmap.steps:
        for dep in step.depends_on:
            assert dep in codes
        assert step.code not in _prerequisites(roadmap, step.code)  # acyclic


def test_roles_and_documents_are_catalogue_ids(roadmap: Roadmap) -> None:
    for step in roadmap.steps:
        assert set(step.roles) <= set(ROLES), step.code
        assert set(step.documents) <= set(DOCUMENTS), step.code
    assert roadmap.step("1.5").documents == ["order_curator_appointment"]
    assert roadmap.step("3.1").documents == ["mentee_registry"]
    assert roadmap.step("3.3").documents == ["order_pairs"]


def test_deadline_phrases_are_rows_of_the_shared_vector_table(roadmap: Roadmap) -> None:
    phrases = {
        line.split("\t")[0]
        for line in VECTORS.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and line.split("\t")[1] == "2022-01-01:2022-12-31"
    }
    missing = {step.code: step.deadline for step in roadmap.steps if step.deadline not in phrases}
    # the table lists «апрель 2022» (row 1.2) once; 1.3 writes it capitalised
    assert missing == {"1.3": "Апрель 2022"}
    assert phrases <= {step.deadline for step in roadmap.steps}


@pytest.mark.skipif(
    not SEED.exists(), reason="shared/seeds/000_9230059a0d6d7f94.txt is not present"
)
def test_every_word_of_the_source_table_is_encoded_exactly_once(roadmap: Roadmap) -> None:
    source = Counter(SEED.read_text(encoding="utf-8").split())
    # the table's column headers are not content
    source -= Counter(
        "№ п/п Наименование мероприятий Срок реализации Ответственный исполнитель Результат, вид документа".split()
    )
    # the layout split «2022–2023» (3.2) over two lines
    source -= Counter(["2022–", "2023"])
    source["2022–2023"] += 1
    encoded: Counter[str] = Counter(roadmap.title.split())
    for section in roadmap.sections:
        encoded.update(f"{section.code} {section.title}".split())
    for step in roadmap.steps:
        for text in (step.code, step.title, step.deadline, step.responsible, step.result or ""):
            encoded.update(text.split())
    assert encoded == source


def test_every_deadline_compiles_and_the_source_inconsistencies_remain(roadmap: Roadmap) -> None:
    from definitions.deadlines import parse_deadline

    schedules = {
        step.code: parse_deadline(
            step.deadline, period_start=roadmap.period.start, period_end=roadmap.period.end
        )
        for step in roadmap.steps
    }
    assert schedules["3.1"].occurrences[-1].due == date(2022, 4, 30)
    assert schedules["3.2"].occurrences[-1].due == date(2022, 4, 4)
    assert schedules["2.2"].kind == "unscheduled"  # «По отдельному графику»
    # the source wants mentors chosen by the mentees' requests (3.1) before those requests are due
    assert "3.1" in roadmap.step("3.2").depends_on
    assert schedules["3.2"].occurrences[-1].due < schedules["3.1"].occurrences[-1].due
