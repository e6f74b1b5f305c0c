"""Roadmap definitions: every seed loads; schema errors and lint warnings name file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.errors import DefinitionError, NastavnikError
from definitions.compiler import compile_roadmap
from definitions.lint import lint_roadmap
from definitions.loader import ROADMAPS_DIR, find_roadmap, load_roadmap, load_roadmaps
from definitions.schema import roadmap_json_schema

SEEDS = {
    "beloyarsky-2022": "000_9230059a0d6d7f94.txt",
    "chaikovsky-2022-2023": "001_411196e847bb5ae1.txt",
    "selishche-2022-2024": "002_be43eb75f4d6e7d9.txt",
    "khnov-2022-2024": "003_8ff06728000164a7.txt",
    "dubna-2021-2024": "004_8b14bc2043315ff6.txt",
}

MINIMAL = """\
id: test-roadmap
title: "Тест"
municipality: "Белоярский район"
issuer:
  name: "КО"
  level: municipal
period:
  start: 2022-01-01
  end: 2022-12-31
timezone: Asia/Yekaterinburg
steps:
  - code: "1.1"
    title: "Приказ"
    deadline: "до 15 мая 2022 г."
    responsible: "КО"
    roles: [committee]
    scope: municipality
  - code: "1.2"
    title: "Кураторы"
    deadline: "май 2022"
    responsible: "ОУ"
    roles: [school]
    scope: school
    depends_on: ["1.1"]
"""


def test_every_seed_is_encoded_and_compiles() -> None:
    loaded = {item.roadmap.id: item for item in load_roadmaps()}
    assert set(loaded) == set(SEEDS)
    for roadmap_id, seed in SEEDS.items():
        item = loaded[roadmap_id]
        assert item.roadmap.source == f"shared/seeds/{seed}"
        schedules = compile_roadmap(item)
        assert set(schedules) == {step.code for step in item.roadmap.steps}


@pytest.mark.parametrize(
    ("roadmap_id", "fragment"),
    [
        (
            "beloyarsky-2022",
            "шаг 3.2 должен быть выполнен 4 апреля 2022 г., раньше предшествующего шага 3.1 "
            "(срок 30 апреля 2022 г.)",
        ),
        (
            "khnov-2022-2024",
            "шаг 1.10 должен быть выполнен 30 августа 2022 г., раньше предшествующего шага 1.9 "
            "(срок 15 сентября 2022 г.)",
        ),
        ("chaikovsky-2022-2023", "начинается 1 октября 2021 г., вне периода дорожной карты"),
    ],
)
def test_lint_reports_the_seeds_inconsistencies_with_file_and_line(
    roadmap_id: str, fragment: str
) -> None:
    loaded = find_roadmap(roadmap_id)
    warnings = [str(w) for w in lint_roadmap(loaded, compile_roadmap(loaded))]
    matching = [w for w in warnings if fragment in w]
    assert matching, warnings
    location = matching[0].split(": предупреждение:")[0]
    path, line = location.rsplit(":", 1)
    assert Path(path) == loaded.path and int(line) > 1


def test_a_date_outside_the_period_in_seed_003_is_a_warning() -> None:
    loaded = find_roadmap("khnov-2022-2024")
    schedules = compile_roadmap(loaded)
    assert schedules  # warnings do not stop the roadmap from running


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (
            ("scope: school", "scope: everyone"),
            23,
            "steps[1].scope: допустимые значения: 'municipality', 'school' или 'both'",
        ),
        (
            ("timezone: Asia/Yekaterinburg", "timezone: Mars/Olympus"),
            10,
            "часовой пояс «Mars/Olympus» не известен",
        ),
        (
            ('depends_on: ["1.1"]', 'depends_on: ["9.9"]'),
            24,
            "шаг 1.2 зависит от шага «9.9», которого нет",
        ),
        (
            ('    title: "Приказ"\n', '    title: "Приказ"\n    colour: red\n'),
            14,
            "steps[0].colour: такого поля нет в формате дорожной карты",
        ),
        (
            ('deadline: "май 2022"', 'deadline: "когда-нибудь"'),
            20,
            "срок «когда-нибудь» не прочитан",
        ),
        (
            ('  - code: "1.2"', '  - code: "1.1"'),
            18,
            "код шага «1.1» встречается дважды (впервые в строке 12)",
        ),
        (
            (
                "roles: [committee]\n    scope: municipality",
                'roles: [committee]\n    scope: municipality\n    depends_on: ["1.2"]',
            ),
            18,
            "круговая зависимость шагов: 1.1 → 1.2 → 1.1",
        ),
        (("period:\n", "period: [\n"), 9, "это не YAML"),
    ],
)
def test_a_bad_definition_is_an_error_with_file_and_line(
    tmp_path: Path, change: tuple[str, str], line: int, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    assert change[0] in MINIMAL
    path.write_text(MINIMAL.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(NastavnikError) as error:
        compile_roadmap(load_roadmap(path))
    text = str(error.value)
    assert f"{path}:" in text and message in text, text
    assert f"{path}:{line}:" in text, text


def test_the_minimal_definition_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    loaded = load_roadmap(path)
    assert lint_roadmap(loaded, compile_roadmap(loaded)) == []


def test_the_published_json_schema_is_current() -> None:
    published = Path(__file__).resolve().parents[1] / "docs" / "roadmap.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == roadmap_json_schema(), (
        "docs/roadmap.schema.json is stale: run `nastavnik schema > docs/roadmap.schema.json`"
    )


def test_unknown_roadmap_lists_the_known_ones() -> None:
    with pytest.raises(DefinitionError, match="дорожной карты «nope» нет; есть: beloyarsky-2022"):
        find_roadmap("nope")
    assert ROADMAPS_DIR.is_dir()


def test_a_file_read_again_is_parsed_once_and_an_edit_or_a_refusal_is_read_anew(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kept.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    first = load_roadmap(path)
    assert load_roadmap(path) is first  # the same text under the same path: kept
    other = tmp_path / "other.yaml"
    other.write_text(MINIMAL, encoding="utf-8")
    assert load_roadmap(other).path == other  # another path: its own messages' file name

    path.write_text(MINIMAL.replace('title: "Приказ"', 'title: "Приказ КО"'), encoding="utf-8")
    edited = load_roadmap(path)
    assert edited is not first and edited.roadmap.steps[0].title == "Приказ КО"

    path.write_text(MINIMAL.replace("level: municipal", "level: nope"), encoding="utf-8")
    for _ in range(2):  # a refusal is said each time, never kept as an answer
        with pytest.raises(NastavnikError, match=f"{path}:"):
            load_roadmap(path)
