"""The МКОУ «Хновская СОШ» 2022–2024 roadmap (seed 003) is encoded completely and verbatim.

Expected values are copied from the source, shared/seeds/003_8ff06728000164a7.txt, not from the
YAML file, so a changed or lost row fails here.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from itertools import pairwise

import pytest

from definitions.catalogue import DOCUMENTS, ROLES
from definitions.loader import find_cycle, load_roadmap
from definitions.schema import Roadmap
from tests.seeds import ROADMAPS, SEEDS, VECTORS

DEFINITION = ROADMAPS / "khnov-2022-2024.yaml"
SEED = SEEDS / "003_8ff06728000164a7.txt"
PERIOD = "2022-01-01:2024-12-31"

# Row numbers of the source table that carry a deadline, in order (trailing dots dropped; the
# unnumbered row after 2.8 is «2.8a»). The source itself skips 1.1, 1.4, 1.5, 1.13, 1.14, 2.2, 2.7.
SOURCE_CODES = (
    "1.2 1.3 1.6 1.7 1.8 1.9 1.10 1.11 1.12 1.15 "
    "2.1 2.3 2.4 2.5 2.6 2.8 2.8a "
    "3.1 3.2 3.3 3.4 3.5 3.6 3.7 "
    "4.1 4.2 4.3 4.4 "
    "5.1 5.2 5.3 5.4 5.6 5.7 "
    "6.1.1 6.2.1"
).split()


@pytest.fixture(scope="module")
def roadmap() -> Roadmap:
    return load_roadmap(DEFINITION).roadmap


def test_roadmap_is_the_khnov_schools_own_plan_for_2022_to_2024(roadmap: Roadmap) -> None:
    assert roadmap.id == "khnov-2022-2024"
    assert roadmap.title == (
        "План мероприятий (дорожная карта) внедрения методологии (целевой модели) наставничества "
        "обучающихся МКОУ «Хновская СОШ», в том числе с применением лучших практик обмена опытом между "
        "обучающимися, на 2022 – 2024 учебный год"
    )
    assert roadmap.municipality == "Ахтынский район"
    assert roadmap.issuer.name == "МКОУ «Хновская СОШ»"
    assert roadmap.issuer.level == "school"
    assert roadmap.approved_by is not None and "Сулейманов М.С." in roadmap.approved_by
    assert roadmap.timezone == "Europe/Moscow"
    assert (roadmap.period.start, roadmap.period.end) == (date(2022, 1, 1), date(2024, 12, 31))
    assert roadmap.source == "shared/seeds/003_8ff06728000164a7.txt"


def test_every_row_with_a_deadline_is_a_step_in_source_order(roadmap: Roadmap) -> None:
    assert len(roadmap.steps) == 36
    assert [step.code for step in roadmap.steps] == SOURCE_CODES


def test_six_sections_and_three_heading_rows_are_sections(roadmap: Roadmap) -> None:
    assert [section.code for section in roadmap.sections] == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "5.5",
        "6",
        "6.1",
        "6.2",
    ]
    titles = {section.code: section.title for section in roadmap.sections}
    # «СОШ»,в»: the missing space after the comma is the source's
    assert titles["1"] == (
        "Нормативное правовое регулирование внедрения методологии (целевой модели) наставничества "
        "обучающихся МКОУ «Хновская СОШ»,в том числе с применением лучших практик обмена опытом между "
        "обучающимися"
    )
    assert (
        titles["3"]
        == "Внедрение целевой модели наставничества в МКОУ «Хновская СОШ» в 2022 – 2023уч. г."
    )
    assert titles["5.5"] == (
        "Мониторинг процесса реализации программ наставничества  (в соответствии с материалами "
        "методических рекомендаций, утвержденных распоряжением Минпросвещения России от 25.12.2019 № Р-145)"
    )
    assert (
        titles["6.1"]
        == "Контроль реализации мероприятий по внедрению целевой модели наставничества:"
    )
    assert titles["6.2"] == "Координирование внедрения целевой модели наставничества"
    assert Counter(step.section for step in roadmap.steps) == {
        "1": 10,
        "2": 7,
        "3": 7,
        "4": 4,
        "5": 4,
        "5.5": 2,
        "6.1": 1,
        "6.2": 1,
    }


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (
            "1.2",
            "Утверждение состава  рабочей группы по внедрению целевой модели наставничества в 2022 – 2023уч. г.",
        ),
        (
            "1.6",
            "Назначение куратора  внедрения целевой модели наставничества в МКОУ «Хновская СОШ»  "
            "(далее - куратор внедрения ЦМН)",
        ),
        (
            "1.10",
            "Утверждение дорожной карты  по внедрению целевой модели наставничества МКОУ «Хновская СОШ»",
        ),
        # «через,» and «информационные ресурсов»: typos kept; the row has no number in the source
        (
            "2.8a",
            "Популяризация ЦМН через, муниципальные СМИ, информационные ресурсов сети Интернет, сообщества в "
            "социальных сетях, официальных ресурсах организаций - участников ЦМН",
        ),
        # «2022 - 2021 учебном году»: the source's wrong year kept
        ("3.2", "Формирование базы наставляемых в 2022 - 2021 учебном году"),
        # «с формированным»: typo kept
        (
            "3.3",
            "Формирование базы наставников для реализации ЦМН в 2022 - 2021 учебном году (отбор из числа "
            "потенциальных наставников в соответствии с формированным на текущий учебный год перечнем запросов)",
        ),
        ("3.4", "Обучение наставников"),
        (
            "5.7",
            "Оценка мотивационно-личностного, компетентностного, профессионального роста участников "
            "целевой модели наставничества",
        ),
        ("6.1.1", "на уровне школы:"),
        ("6.2.1", "На уровне школы"),
    ],
)
def test_titles_are_verbatim(roadmap: Roadmap, code: str, title: str) -> None:
    assert roadmap.step(code).title == title


@pytest.mark.parametrize(
    ("code", "deadline"),
    [
        ("1.2", "до 30.08.2022"),
        ("1.6", "до 03.08.2022"),
        ("1.7", "до 30.08..2022"),  # the doubled dot is the source's
        ("1.8", "до 30.08..2022"),
        ("1.9", "до 15.09.2022г."),
        ("1.10", "до 30.08.2022"),
        ("2.1", "до 15.10. ежегодно (в период с 2022 по 2024 г.г.)"),
        ("2.3", "до 30.08. ежегодно (в период с 2022 по 2024 г.г.)"),
        ("2.4", "в течение всего периода реализации ЦМН"),
        ("3.1", "август 2022 г"),
        ("3.2", "с 1 по 15 сентября ежегодно (в период с 2022 по 2024 г.г.)"),
        ("3.3", "с 16 по 30 сентября ежегодно (в период с 2022 по 2024 г.г.)"),
        ("3.4", "по отдельному графику"),
        ("3.5", "до 30 октября ежегодно (в период с 2022 по 2024 г.г.)"),
        ("3.6", "в соответствии со сроками реализации программ наставничества"),
        ("3.7", "в соответствии со сроками реализации программ наставничества или май 2021 г."),
        ("4.1", "в течение всего периода внедрения ЦМН"),
        ("5.2", "в соответствии со сроками, устанавливаемыми Минпросвещения России"),
        ("5.3", "Декабрь, июнь в период с 2022 по 2024 г.г."),
        ("6.1.1", "В течение всего периода внедрения ЦМН"),
    ],
)
def test_deadlines_are_the_source_phrases(roadmap: Roadmap, code: str, deadline: str) -> None:
    assert roadmap.step(code).deadline == deadline


def test_results_are_verbatim_and_empty_cells_stay_empty(roadmap: Roadmap) -> None:
    assert roadmap.step("1.8").result == "Положения о наставничестве"
    assert roadmap.step("1.9").result == "Согласование (в рамках компетенции)"
    assert roadmap.step("1.10").result == (
        "Приказ ОО - основание для внедрения ЦМН на уровне образовательных организаций"
    )
    assert roadmap.step("2.4").result == (
        "Базы наставников, которые потенциально могут участвовать в программах наставничества, включая: "
        "· базы учеников для формы наставничества «ученик-ученик»; · базы выпускников; · базы наставников "
        "от предприятий и организаций;"
    )
    assert roadmap.step("3.1").result == (
        "Нормативное обеспечение Распорядительная документация Программно-методическое обеспечение "
        "Материально-техническое обеспечение Организации - партнеры"
    )
    assert (
        roadmap.step("5.4").result
        == "Получены и обобщены на школьном  уровне данные о внедрении ЦМН"
    )
    assert roadmap.step("3.4").result is None
    assert roadmap.step("6.1.1").result is None


def test_bulleted_cells_are_items(roadmap: Roadmap) -> None:
    assert roadmap.step("1.11").title == (
        "Разработка и утверждение распорядительных актов о внедрении ЦМН на уровне школы, включающие:"
    )
    assert roadmap.step("1.11").items == [
        "сроки внедрения ЦМН в образовательной организации;",
        "назначение ответственных за внедрение и реализацию ЦМН в образовательной организации с описанием "
        "их обязанностей;",
        "назначение ответственных за материально-техническое обеспечение программ наставничества в "
        "образовательных организациях;",
        "сроки проведения мониторинга эффективности программ наставничества;",
        "планируемые результаты внедрения ЦМН в образовательной организации;",
        "утверждение положения о наставничестве и дорожной карты внедрения ЦМН в образовательной организации.",
    ]
    assert len(roadmap.step("3.6").items) == 5
    assert roadmap.step("3.6").items[0] == "встреча-знакомство;"
    assert roadmap.step("3.6").items[-1] == "итоговая встреча."
    assert roadmap.step("3.7").items == [
        "подведение итогов работы в формате личной и групповой рефлексии;",
        "проведение открытого публичного мероприятия.",
    ]
    assert roadmap.step("6.1.1").items == [
        "контроль процедуры внедрения целевой модели наставничества;",
        "контроль проведения программ наставничества.",
    ]
    with_items = [step.code for step in roadmap.steps if step.items]
    assert with_items == ["1.11", "3.6", "3.7", "6.1.1"]


def test_every_row_is_done_by_the_school_and_its_responsible_is_kept(roadmap: Roadmap) -> None:
    # the source names «Сулейманов С.С.» in every row (the approving director is «Сулейманов М.С.»)
    assert {step.responsible for step in roadmap.steps} == {"Сулейманов С.С."}
    assert {tuple(step.roles) for step in roadmap.steps} == {("director",)}
    assert {step.scope for step in roadmap.steps} == {"school"}


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
    # working group → roadmap developed → agreed → approved → the school's acts
    for before, after in pairwise(["1.2", "1.7", "1.9", "1.10", "1.11"]):
        assert before in roadmap.step(after).depends_on, (before, after)
    assert "1.8" in roadmap.step("1.11").depends_on  # the acts approve the Положение of 1.8
    # curator → partners → conditions → mentee base → mentor base (by its requests) → training →
    # pairs → pairs work → completion; pairs work → monitoring → collection → assessments
    chain = ["1.6", "2.3", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7"]
    for before, after in pairwise(chain):
        assert before in roadmap.step(after).depends_on, (before, after)
    for before, after in pairwise(["3.6", "5.3", "5.4", "5.6"]):
        assert before in roadmap.step(after).depends_on, (before, after)
    assert "5.4" in roadmap.step("5.7").depends_on
    assert {
        "1.2",
        "1.6",
        "1.7",
        "1.9",
        "1.10",
        "1.11",
        "2.3",
        "2.6",
        "3.1",
        "3.2",
        "3.3",
        "3.5",
        "3.6",
    } <= (_prerequisites(roadmap, "5.7"))
    # the first rows have no prerequisite
    assert [step.code for step in roadmap.steps if not step.depends_on] == [
        "1.2",
        "1.3",
        "1.6",
        "4.1",
        "4.2",
    ]


def test_approval_before_agreement_is_kept_for_the_linter(roadmap: Roadmap) -> None:
    # 1.10 approves the roadmap «до 30.08.2022», 1.9 agrees it «до 15.09.2022г.»: a source inconsistency
    assert roadmap.step("1.10").depends_on == ["1.9"]
    assert roadmap.step("1.10").deadline == "до 30.08.2022"
    assert roadmap.step("1.9").deadline == "до 15.09.2022г."


def test_no_step_waits_for_a_step_that_runs_through_the_whole_period(roadmap: Roadmap) -> None:
    continuous = {
        step.code for step in roadmap.steps if "в течение всего периода" in step.deadline.lower()
    }
    assert continuous == {
        "2.4",
        "2.5",
        "2.8",
        "2.8a",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
        "5.1",
        "6.1.1",
        "6.2.1",
    }
    for step in roadmap.steps:
        assert not continuous & set(step.depends_on), step.code


def test_every_prerequisite_is_another_step_and_the_graph_is_acyclic(roadmap: Roadmap) -> None:
    codes = {step.code for step in roadmap.steps}
    for step in roadmap.steps:
        assert set(step.depends_on) <= codes - {step.code}, step.code
    assert find_cycle(roadmap) is None


def test_roles_and_documents_are_catalogue_ids(roadmap: Roadmap) -> None:
    for step in roadmap.steps:
        assert set(step.roles) <= set(ROLES), step.code
        assert set(step.documents) <= set(DOCUMENTS), step.code
    assert roadmap.step("1.6").documents == ["order_curator_appointment"]
    assert roadmap.step("1.7").documents == ["roadmap"]
    assert roadmap.step("1.8").documents == ["regulation"]
    assert roadmap.step("1.10").documents == ["order_regulation_roadmap"]
    assert roadmap.step("2.4").documents == ["mentor_registry"]
    assert roadmap.step("3.2").documents == ["mentee_registry"]
    assert roadmap.step("3.5").documents == ["order_pairs"]


# Planned results: columns headed «2022 г.», «2021 г.», «2022 г.», «2023 г.», «2024 г.»; the first is
# read as 2020 and keeps its header as label. Rows are numbered 1, 2, 3, 5, 6 in the source.
INDICATOR_TARGETS = {
    "1": [10, 20, 35, 45, 50],
    "2": [2, 4, 6, 8, 10],
    "3": [100, 100, 100, 100, 100],
    "5": [50, 55, 60, 70, 85],
    "6": [50, 55, 60, 70, 85],
}


def test_indicators_keep_every_target_per_year(roadmap: Roadmap) -> None:
    assert [indicator.code for indicator in roadmap.indicators] == list(INDICATOR_TARGETS)
    for indicator in roadmap.indicators:
        assert indicator.unit == "%"
        assert [(t.year, t.value) for t in indicator.targets] == list(
            zip([2020, 2021, 2022, 2023, 2024], INDICATOR_TARGETS[indicator.code], strict=True)
        ), indicator.code
        assert [t.label for t in indicator.targets] == ["2022 г.", None, None, None, None]


def test_indicator_titles_and_formulas_are_verbatim(roadmap: Roadmap) -> None:
    first = roadmap.indicators[0]
    assert first.title == (
        "Доля детей и молодежи в возрасте от 10 до 18 лет, обучающихся МКОУ «Хновская СОШ», вошедших в "
        "программы наставничества в роли наставляемого, %"
    )
    assert first.formula == (
        "отношение количества детей и молодежи в возрасте от 10 до 18 лет, вошедших в программы "
        "наставничества в роли наставляемого, к общему количеству детей и молодежи в возрасте от 10 до 18 "
        "лет, обучающихся МКОУ «Хновская СОШ»"
    )
    assert roadmap.indicators[3].title == (
        "Уровень удовлетворенности наставляемых участием в программах наставничества, % (опросный)"
    )
    # the source closes 6's bracket twice «СОШ»))»: one is kept inside the formula
    assert roadmap.indicators[4].formula.endswith("реализуемых в МКОУ «Хновская СОШ»)")


def test_deadline_phrases_are_rows_of_the_shared_vector_table(roadmap: Roadmap) -> None:
    phrases = {
        line.split("\t")[0]
        for line in VECTORS.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and line.split("\t")[1] == PERIOD
    }
    missing = {step.code: step.deadline for step in roadmap.steps if step.deadline not in phrases}
    # the table lacks 3.7's phrase and the capitalised «В течение …» of 6.1.1 and 6.2.1
    assert missing == {
        "3.7": "в соответствии со сроками реализации программ наставничества или май 2021 г.",
        "6.1.1": "В течение всего периода внедрения ЦМН",
        "6.2.1": "В течение всего периода внедрения ЦМН",
    }


def test_deadline_phrases_compile_to_the_shared_vectors(roadmap: Roadmap) -> None:
    deadlines = pytest.importorskip("definitions.deadlines")
    expected = {}
    for line in VECTORS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            phrase, period, kind, occurrences = (line.split("\t") + [""])[:4]
            if period == PERIOD:
                expected[phrase] = (kind, occurrences)
    for step in roadmap.steps:
        if step.deadline not in expected:
            continue
        schedule = deadlines.parse_deadline(
            step.deadline, period_start=roadmap.period.start, period_end=roadmap.period.end
        )
        kind, occurrences = expected[step.deadline]
        got = ";".join(
            f"{o.start.isoformat() if o.start else '-'}..{o.due.isoformat()}"
            for o in schedule.occurrences
        )
        assert got == occurrences, (step.code, step.deadline)


# The table's content: from its first section row to the planned-results heading.
_TABLE = re.compile(r"\t1\.\n\tНормативное.*?(?=\nПланируемые результаты)", re.S)


@pytest.mark.skipif(
    not SEED.exists(), reason="shared/seeds/003_8ff06728000164a7.txt is not present"
)
def test_every_word_of_the_source_table_is_encoded_exactly_once(roadmap: Roadmap) -> None:
    match = _TABLE.search(SEED.read_text(encoding="utf-8"))
    assert match is not None
    # a number cell's trailing dot («1.», «1.2.») is not part of the code
    table = re.sub(r"^\t([0-9][0-9.]*?)\.$", r"\t\1", match.group(), flags=re.M)
    source = Counter(word for word in table.split() if word != "·")
    # hyphenated words split by the layout
    for head, tail in (("материально-", "техническое"), ("«ученик-", "ученик»;")):
        source -= Counter([head, tail])
        source[head + tail] += 1
    encoded: Counter[str] = Counter()
    for section in roadmap.sections:
        encoded.update(f"{section.code} {section.title}".split())
    for step in roadmap.steps:
        code = "" if step.code == "2.8a" else step.code  # no number in the source
        for text in (
            code,
            step.title,
            *step.items,
            step.deadline,
            step.responsible,
            step.result or "",
        ):
            encoded.update(text.split())
    # 2.4's result keeps its bullets as text
    encoded -= Counter({"·": 3})
    assert encoded == source
