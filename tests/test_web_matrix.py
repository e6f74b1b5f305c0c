"""The matrix's kept evaluation (web/matrix_data.py StatusCache): after a school's act only that school
is read and evaluated again, and what the page shows is what a full evaluation shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from engine.actions import Actor, mark_done, mark_not_applicable, undo
from engine.status import run_status, status_json
from storage.db import session_scope
from storage.models import RoadmapRun, StepInstance
from tests.web_helpers import (
    COORDINATOR,
    Portal,
    build_region,
    database_url,
    region_school_id,
    signed_in,
)
from web.matrix_data import Grid, StatusCache

SCHOOLS = 24
ACTOR = Actor(email=COORDINATOR, source="web")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def region(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Portal]:
    workdir = tmp_path_factory.mktemp(f"matrix-{request.param}")
    with database_url(request.param, workdir) as url:
        portal = build_region(workdir, schools=SCHOOLS, url=url)
        yield portal
        portal.engine.dispose()


def _result(html: str) -> str:
    """The matrix's table and counts (the part of the page that the evaluation decides)."""
    start = html.index('<div id="matrix-result">')
    return html[start : html.index("<script", start)]


def _act(portal: Portal, *, school: str | None, code: str, kind: str, days: int = 0) -> None:
    now = portal.now + timedelta(minutes=1)
    with session_scope(portal.engine) as session:
        run = session.exec(select(RoadmapRun)).one()
        if kind == "done":
            mark_done(
                session=session,
                run=run,
                code=code,
                school=school,
                actor=ACTOR,
                now=now,
                at=now - timedelta(days=days),
                evidence="Приказ № 1",
            )
        elif kind == "na":
            mark_not_applicable(
                session=session,
                run=run,
                code=code,
                school=school,
                actor=ACTOR,
                now=now,
                reason="нет",
            )
        else:
            undo(session=session, run=run, code=code, school=school, actor=ACTOR, now=now)


def _first(portal: Portal, *, school: str | None, state: str) -> str:
    with Session(portal.engine) as session:
        found = session.exec(
            select(StepInstance.step_code)
            .where(StepInstance.unit == (school or ""), StepInstance.state == state)
            .order_by(col(StepInstance.id))
        ).first()
    assert found is not None
    return found


PAGES = ("/matrix", "/matrix?sort=late&group=1", "/matrix?dates=1", "/matrix?state=overdue")


def test_a_school_act_is_evaluated_for_that_school_and_the_page_equals_a_full_evaluation(
    region: Portal,
) -> None:
    app = region.app()
    kept = signed_in(app, COORDINATOR)
    for path in PAGES:
        assert kept.get(path).status_code == 200
    cache: StatusCache = app.state.status_cache
    assert cache.last in ("full", "cached")
    school = region_school_id(5)
    acts = [  # school, the state of the step acted on, the act, days the document is dated back
        (school, "open", "done", 0),
        (school, "open", "done", 40),  # a late document
        (region_school_id(6), "open", "na", 0),
        (school, "done", "undo", 0),
    ]
    for unit, state, kind, days in acts:
        code = _first(region, school=unit, state=state)
        _act(region, school=unit, code=code, kind=kind, days=days)
        fresh = signed_in(region.app(), COORDINATOR)  # a new process: evaluates everything
        for index, path in enumerate(PAGES):
            shown = kept.get(path)
            if index == 0:
                assert cache.last == "units", (kind, code)
            else:
                assert cache.last == "cached"
            assert _result(shown.text) == _result(fresh.get(path).text), (kind, code, path)
        fresh.close()
    # the municipality's own step: every school may wait for it, so everything is evaluated again
    code = _first(region, school=None, state="open")
    _act(region, school=None, code=code, kind="done")
    fresh = signed_in(region.app(), COORDINATOR)
    assert _result(kept.get("/matrix").text) == _result(fresh.get("/matrix").text)
    assert cache.last == "full"
    # the next day evaluates everything too (states depend on the day)
    later = signed_in(region.app(region.now + timedelta(days=1)), COORDINATOR)
    assert later.get("/matrix").status_code == 200


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    acts=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=SCHOOLS),
            st.sampled_from(("done", "na", "undo")),
            st.integers(min_value=0, max_value=60),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_kept_evaluation_equals_a_fresh_one_after_any_acts(
    region: Portal, acts: list[tuple[int, str, int]]
) -> None:
    cache = StatusCache()
    with Session(region.engine) as session:
        run = session.exec(select(RoadmapRun)).one()
        cache.evaluated(session, run, region.now)
    for number, kind, days in acts:
        school = region_school_id(number)
        state = "open" if kind in ("done", "na") else "done"
        with Session(region.engine) as session:
            code = session.exec(
                select(StepInstance.step_code)
                .where(StepInstance.unit == school, StepInstance.state == state)
                .order_by(col(StepInstance.id))
            ).first()
        if code is None:
            continue
        _act(region, school=school, code=code, kind=kind, days=days)
    with Session(region.engine) as session:
        run = session.exec(select(RoadmapRun)).one()
        kept = cache.evaluated(session, run, region.now)
        full = run_status(session=session, run=run, now=region.now)
    assert cache.last in ("units", "cached")
    assert status_json(kept.status) == status_json(full)
    grid = Grid.of(full.views, kept.grid.codes)
    assert _grid_rows(kept.grid) == _grid_rows(grid)


def _grid_rows(grid: Grid) -> dict[str, tuple[object, ...]]:
    return {
        unit: (
            row.overdue,
            row.resolved,
            row.total,
            row.days_late,
            tuple(
                None if c is None else (c.state, c.days_late, [v.id for v in c.views])
                for c in row.cells
            ),
        )
        for unit, row in grid.rows.items()
    }


def test_names_sort_naturally(region: Portal) -> None:
    page = signed_in(region.app(), COORDINATOR).get("/matrix").text
    numbers = [
        int(n) for n in re.findall(r'<a href="/schools/r\d+\?run=[^"]+">МБОУ СОШ № (\d+)</a>', page)
    ]
    assert numbers == sorted(numbers) and len(numbers) == SCHOOLS
