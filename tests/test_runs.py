"""One "which run": engine.runs.which_run answers the CLI, the portal, the flows and the launch."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from common.errors import NastavnikError
from definitions.loader import find_roadmap
from engine.roadmap_launch import launch_roadmap
from engine.runs import launched_runs, which_run
from storage.db import session_scope
from tests.factories import COORDINATOR, demo_municipality, moment

FIRST, SECOND = "beloyarsky-2022", "khnov-2022-2024"


def _launch(engine: Engine, roadmap_id: str) -> None:
    with session_scope(engine) as session:
        launch_roadmap(
            session=session,
            loaded=find_roadmap(roadmap_id),
            now=moment(date(2022, 3, 1)),
            by=COORDINATOR,
        )


def _which(engine: Engine, roadmap_id: str | None, otherwise: str) -> str | None:
    with session_scope(engine) as session:
        run = which_run(session, roadmap_id=roadmap_id, otherwise=otherwise)  # type: ignore[call-overload]
        return None if run is None else run.roadmap_id


def test_before_any_launch_the_cli_is_told_and_the_portal_gets_none(
    engine: Engine, tmp_path: Path
) -> None:
    demo_municipality(engine, tmp_path, schools=1)
    with pytest.raises(NastavnikError) as refused:
        _which(engine, None, "refuse")
    assert refused.value.code == "run.none_launched"
    assert _which(engine, None, "newest") is None
    assert _which(engine, FIRST, "none") is None


@pytest.mark.parametrize(
    ("roadmap_id", "otherwise", "chosen"),
    [
        (FIRST, "refuse", FIRST),
        (None, "refuse", FIRST),  # the only run
        (None, "none", FIRST),
        (None, "newest", FIRST),
        ("dubna-2021-2024", "newest", FIRST),  # the portal's ?run= naming no run
        ("dubna-2021-2024", "none", None),  # a launch that creates the run
    ],
)
def test_with_one_run_each_reading_finds_it(
    engine: Engine, tmp_path: Path, roadmap_id: str | None, otherwise: str, chosen: str | None
) -> None:
    demo_municipality(engine, tmp_path, schools=1)
    _launch(engine, FIRST)
    assert _which(engine, roadmap_id, otherwise) == chosen


def test_with_two_runs_the_id_chooses_and_without_it_the_cli_asks_which(
    engine: Engine, tmp_path: Path
) -> None:
    demo_municipality(engine, tmp_path, schools=1)
    _launch(engine, FIRST)
    _launch(engine, SECOND)
    with session_scope(engine) as session:
        assert [run.roadmap_id for run in launched_runs(session)] == [FIRST, SECOND]
    assert _which(engine, FIRST, "refuse") == FIRST
    assert _which(engine, SECOND, "newest") == SECOND
    assert _which(engine, None, "newest") == SECOND
    assert _which(engine, None, "none") is None
    with pytest.raises(NastavnikError) as several:
        _which(engine, None, "refuse")
    assert several.value.code == "run.several_launched"
    assert f"{FIRST}, {SECOND}" in several.value.reason
    with pytest.raises(NastavnikError) as unknown:
        _which(engine, "dubna-2021-2024", "refuse")
    assert (unknown.value.code, unknown.value.field) == ("run.not_launched", "roadmap")
