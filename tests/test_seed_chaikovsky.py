"""The Чайковский roadmap (seed 001) is encoded completely and verbatim.

The expected values below are read off the source, shared/seeds/001_411196e847bb5ae1.txt, not off
the YAML: a row dropped, merged or retyped makes these tests fail.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from definitions.loader import RoadmapFile, find_cycle, load_roadmap
from tests.seeds import SEEDS, VECTORS

ROADMAP_PATH = (
    Path(__file__).resolve().parents[1] / "definitions" / "roadmaps" / "chaikovsky-2022-2023.yaml"
)
SOURCE_PATH = SEEDS / "001_411196e847bb5ae1.txt"
VECTORS_PATH = VECTORS

# The one string that is not source text: the «Ответственные» cell of «Апробация целевой модели»
# is empty in the source and the schema needs a non-blank value.
PLACEHOLDERS = {"(в источнике не указаны)"}


@pytest.fixture(scope="module")
def loaded() -> RoadmapFile:
    return load_roadmap(ROADMAP_PATH)


def test_roadmap_header_matches_the_source(loaded: RoadmapFile) -> None:
    roadmap = loaded.roadmap
    assert roadmap.id == "chaikovsky-2022-2023"
    assert roadmap.title == (
        "«Дорожная карта» реализации целевой модели наставничества в Чайковском городском округе "
        "на 2022 – 2023 год"
    )
    assert roadmap.municipality == "Чайковский городской округ"
    assert roadmap.issuer.level == "municipal"
    assert (
        roadmap.approved_by
        == "Приказом Управления образования Администрации Чайковского городского округа"
    )
    assert (str(roadmap.period.start), str(roadmap.period.end)) == ("2022-01-01", "2023-12-31")
    assert roadmap.timezone == "Asia/Yekaterinburg"
    assert roadmap.source == "shared/seeds/001_411196e847bb5ae1.txt"
    assert roadmap.indicators == []


def test_the_seven_stages_are_the_sections(loaded: RoadmapFile) -> None:
    assert [(s.code, s.title) for s in loaded.roadmap.sections] == [
        ("1", "Подготовка условий для запуска программы наставничества"),
        ("2", "Формирование базы наставляемых"),
        ("3", "Формирование базы наставников"),
        ("4", "Отбор и обучение наставников"),
        ("5", "Формирование наставнических пар / групп"),
        ("6", "Организация и осуществление работы наставнических пар /групп"),
        ("7", "Завершение наставничества"),
    ]


def test_every_row_of_the_source_is_a_step_in_source_order(loaded: RoadmapFile) -> None:
    # 17 events; «Выбор форм…» has 3 rows, «Сбор данных о наставниках» and «Мотивация…» 2 each.
    steps = loaded.roadmap.steps
    assert len(steps) == 21
    assert [s.code for s in steps] == [
        "1.1",
        "1.2",
        "1.3.1",
        "1.3.2",
        "1.3.3",
        "1.4",
        "1.5",
        "2.1",
        "2.2",
        "3.1.1",
        "3.1.2",
        "3.2",
        "4.1",
        "4.2",
        "5.1",
        "5.2",
        "6.1",
        "6.2",
        "7.1",
        "7.2.1",
        "7.2.2",
    ]
    assert [s.section for s in steps] == [c.split(".")[0] for c in (s.code for s in steps)]
    assert len({s.title for s in steps}) == 17
    # numbered content lines per row, as in the source (4.1 and 6.2 have one unnumbered line)
    assert [len(s.items) for s in steps] == [
        3,
        5,
        1,
        1,
        1,
        3,
        2,
        2,
        2,
        2,
        1,
        2,
        1,
        3,
        4,
        3,
        5,
        1,
        3,
        3,
        2,
    ]


def test_stage_of_each_step_is_its_section_title(loaded: RoadmapFile) -> None:
    titles = {s.code: s.title for s in loaded.roadmap.sections}
    for step in loaded.roadmap.steps:
        assert step.section is not None
        assert step.stage == titles[step.section]


@pytest.mark.parametrize(
    ("code", "deadline"),
    [
        ("1.1", "Сентябрь - октябрь 2022 года"),
        ("1.2", "Октябрь 2021 года"),  # before the period: the source's, kept
        ("1.3.2", "1 декада ноября 2022 года"),
        ("1.3.3", "В течение года"),
        ("2.1", "ноябрь 2022 года"),
        ("3.1.2", "октябрь – ноябрь 2022 года"),
        ("4.2", "2022-2023 учебный год"),
        ("6.1", "2022 - 2023 учебный год."),
        ("6.2", "Апрель 2023"),
        ("7.2.1", "Май 2023 года"),
        ("7.2.2", "Январь 2023 года"),
    ],
)
def test_deadlines_are_verbatim(loaded: RoadmapFile, code: str, deadline: str) -> None:
    assert loaded.roadmap.step(code).deadline == deadline


@pytest.mark.parametrize(
    ("code", "responsible", "roles"),
    [
        (
            "1.1",
            "Методисты МБУ ЦРО, руководители ОО, заместители директора по НМР",
            ["methodical_center", "director", "deputy"],
        ),
        ("1.2", "Сахарова Н.А.", ["committee"]),
        ("1.3.2", "Методисты МБУ ЦРО, кураторы ОО", ["methodical_center", "curator"]),
        ("3.1.2", "директор школы", ["director"]),
        # no comma between «Наставники» and «Педагог - психолог» in the source
        (
            "5.2",
            "Кураторы Целевой модели Наставничества, Наставники Педагог - психолог",
            ["curator", "mentor", "psychologist"],
        ),
        ("6.1", "Наставники", ["mentor"]),
        (
            "7.2.2",
            "Зам. директора, кураторы и координатор целевой модели наставничества",
            ["deputy", "curator", "coordinator"],
        ),
    ],
)
def test_responsibles_are_verbatim_and_mapped_to_roles(
    loaded: RoadmapFile, code: str, responsible: str, roles: list[str]
) -> None:
    step = loaded.roadmap.step(code)
    assert step.responsible == responsible
    assert step.roles == roles


def test_typos_of_the_source_are_kept(loaded: RoadmapFile) -> None:
    roadmap = loaded.roadmap
    assert (
        roadmap.step("1.2").items[0]
        == "Издание приказа «Внедрение целевой модели наставничества»»."
    )
    assert roadmap.step("4.2").items[1] == (
        "Издать приказ об организации «Школы наставников» с утверждение программ и графиков обучения наставников."
    )
    assert (
        roadmap.step("5.1").items[3]
        == "Анализ анкет групповой встречи и соединение наставников и наставляемых в пары/ группы."
    )
    assert roadmap.step("7.2.2").items[1] == (
        'Проведение конкурса профессионального мастерства "Педагог - наставник года", «Лучший наставник»'
    )


def test_rows_of_a_split_event_share_its_title_and_split_its_content(loaded: RoadmapFile) -> None:
    roadmap = loaded.roadmap
    rows = [roadmap.step(code) for code in ("1.3.1", "1.3.2", "1.3.3")]
    assert {row.title for row in rows} == {
        "Выбор форм и программ наставничества исходя из потребностей ОО"
    }
    assert rows[1].items == [
        "Проведение переговорной площадки по вопросам реализации целевой модели наставничества. "
        "Выбор форм и программ наставничества."
    ]
    assert roadmap.step("3.1.2").items == [
        "Проведение мероприятия (круглый стол) для информирования и вовлечения потенциальных наставников."
    ]
    assert roadmap.step("7.2.2").items[0] == (
        "Публикация результатов программы наставничества, лучших наставников, информации на сайте МБУ ЦРО, школы."
    )


@pytest.mark.parametrize(
    ("code", "scope"),
    [
        ("1.2", "municipality"),
        ("1.3.2", "municipality"),
        ("1.3.3", "municipality"),
        ("1.1", "school"),
        ("2.2", "school"),
        ("5.2", "school"),
        ("6.1", "school"),
        ("7.2.1", "school"),
    ],
)
def test_scope(loaded: RoadmapFile, code: str, scope: str) -> None:
    assert loaded.roadmap.step(code).scope == scope


def test_documents_named_by_the_content(loaded: RoadmapFile) -> None:
    roadmap = loaded.roadmap
    assert "order_municipal_implementation" in roadmap.step("1.2").documents
    assert roadmap.step("2.2").documents == ["mentee_registry"]
    assert roadmap.step("3.2").documents == ["mentor_registry"]
    assert "order_pairs" in roadmap.step("5.2").documents


def _prerequisites(loaded: RoadmapFile, code: str) -> set[str]:
    """Every step that must be done, directly or not, before ``code``."""
    seen: set[str] = set()
    todo = list(loaded.roadmap.step(code).depends_on)
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(loaded.roadmap.step(dep).depends_on)
    return seen


def test_mission_chain_order_bases_pairs_work_monitoring(loaded: RoadmapFile) -> None:
    roadmap = loaded.roadmap
    assert find_cycle(roadmap) is None
    # order issued (1.2) → bases (2.2, 3.2) → mentors chosen (4.1) → pairs matched and fixed (5.1,
    # 5.2) → pairs work (6.1) → final monitoring (7.1) → rewards (7.2.1)
    assert roadmap.step("2.2").depends_on == ["2.1"]
    assert roadmap.step("3.2").depends_on == ["3.1.1", "3.1.2"]
    assert roadmap.step("5.1").depends_on == ["2.2", "4.1"]
    assert roadmap.step("5.2").depends_on == ["5.1"]
    assert roadmap.step("6.1").depends_on == ["5.2"]
    assert roadmap.step("7.1").depends_on == ["6.1", "6.2"]
    assert {
        "1.2",
        "2.1",
        "2.2",
        "3.1.1",
        "3.1.2",
        "3.2",
        "4.1",
        "5.1",
        "5.2",
        "6.1",
        "6.2",
    } <= _prerequisites(loaded, "7.2.1")
    # every step but the two roots waits for the municipal normative base
    roots = [s.code for s in roadmap.steps if not s.depends_on]
    assert roots == ["1.1", "1.2"]
    assert all(
        "1.2" in _prerequisites(loaded, s.code) for s in roadmap.steps if s.code not in roots
    )


def test_source_inconsistencies_are_kept_not_fixed(loaded: RoadmapFile) -> None:
    roadmap = loaded.roadmap
    # published in January 2023, after results reported in April 2023
    assert roadmap.step("7.2.2").depends_on == ["7.1"]
    # forms chosen in the 1st decade of November from the November monitoring
    assert roadmap.step("1.3.2").depends_on == ["1.3.1"]


# --- against the source text itself -------------------------------------------------------------


# Lines where the PDF extraction put several cells of one row on the same line, split into cells.
MERGED_LINES = {
    "форм и программ наставничества. 2022 года": ["форм и программ наставничества.", "2022 года"],
    "4. Отбор и Выявление Провести анализ базы наставников и выбрать подходящих Ноябрь Кураторы": [
        "4. Отбор и",
        "Выявление",
        "Провести анализ базы наставников и выбрать подходящих",
        "Ноябрь",
        "Кураторы",
    ],
    "для конкретной программы. 2022 года внедрения Целевой": [
        "для конкретной программы.",
        "2022 года",
        "внедрения Целевой",
    ],
}


def _source_fragments() -> list[str]:
    """The source's non-empty lines (cells or pieces of cells), spaces collapsed, merged lines split."""
    text = SOURCE_PATH.read_text(encoding="utf-8")
    fragments: list[str] = []
    for line in text.splitlines():
        fragment = re.sub(r"\s+", " ", line).strip()
        if fragment:
            fragments += MERGED_LINES.get(fragment, [fragment])
    return fragments


def _is_joined_from_source_lines(value: str, fragments: list[str]) -> bool:
    """True when ``value`` is source lines (in order, maybe interleaved with other cells) joined by spaces.

    The first line may carry a content line's «N.» marker, which items drop.
    """

    @cache
    def match(pos: int, after: int) -> bool:
        if pos == len(value):
            return True
        for index in range(after, len(fragments)):
            fragment = fragments[index]
            candidates = [fragment]
            if pos == 0:
                candidates.append(re.sub(r"^\d+\.\s+", "", fragment))
            for candidate in candidates:
                if candidate and value.startswith(candidate, pos):
                    end = pos + len(candidate)
                    if end == len(value) or (value[end] == " " and match(end + 1, index + 1)):
                        return True
        return False

    return match(0, 0)


@pytest.mark.skipif(not SOURCE_PATH.exists(), reason="the seed text is not next to this checkout")
def test_every_text_field_is_made_of_source_lines(loaded: RoadmapFile) -> None:
    fragments = _source_fragments()
    roadmap = loaded.roadmap
    values = [roadmap.title, *(s.title for s in roadmap.sections)]
    for step in roadmap.steps:
        values += [step.title, step.deadline, step.responsible, *step.items]
    bad = [
        v
        for v in values
        if v not in PLACEHOLDERS and not _is_joined_from_source_lines(v, fragments)
    ]
    assert bad == []


def _vectors() -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in VECTORS_PATH.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        phrase, period, _kind, occurrences = line.split("\t")
        if period == "2022-01-01:2023-12-31":
            rows[phrase.casefold()] = occurrences
    return rows


def test_deadline_phrases_have_rows_in_the_vectors_table(loaded: RoadmapFile) -> None:
    # the table lists each phrase once, ignoring case; «В течение года» has no row for this period
    vectors = _vectors()
    missing = {s.deadline for s in loaded.roadmap.steps if s.deadline.casefold() not in vectors}
    assert missing <= {"В течение года"}


def test_deadline_phrases_compile_to_the_vectors(loaded: RoadmapFile) -> None:
    deadlines = pytest.importorskip("definitions.deadlines")
    vectors = _vectors()
    period = loaded.roadmap.period
    for step in loaded.roadmap.steps:
        expected = vectors.get(step.deadline.casefold())
        schedule = deadlines.parse_deadline(
            step.deadline, period_start=period.start, period_end=period.end
        )
        if expected is None:
            continue
        got = ";".join(f"{o.start or '-'}..{o.due}" for o in schedule.occurrences)
        assert (step.code, got) == (step.code, expected)
