"""Shared set-up for the portal's tests: the demo municipality, a launched roadmap, users, clients."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from common.settings import Settings
from definitions.loader import find_roadmap
from engine.actions import Actor, mark_done
from engine.roadmap_launch import launch_roadmap
from nastavnik import demo_data
from nastavnik.demo import at_nine, demo_acts, setup_municipality
from storage.db import make_engine, session_scope
from storage.models import RoadmapRun, StepInstance
from web.app import create_app
from web.users import add_user

TZ = demo_data.MUNICIPALITY["timezone"]
NOW = at_nine(date(2022, 5, 20), TZ)
PASSWORD = "correct-horse-42"
COORDINATOR = demo_data.MUNICIPALITY["coordinator_email"]
VIEWER = "viewer@beloyarsky-edu.example.ru"
ADMIN_1 = "sosh1@beloyarsky-edu.example.ru"  # school sosh1
ADMIN_2 = "sosh2@beloyarsky-edu.example.ru"  # school sosh2


@dataclass
class Portal:
    """A prepared database and the settings of a portal over it."""

    engine: Engine
    settings: Settings
    workdir: Path
    now: datetime

    def app(self, now: datetime | None = None) -> FastAPI:
        moment = now or self.now
        return create_app(engine=self.engine, settings=self.settings, clock=lambda: moment)


def build_portal(
    workdir: Path,
    *,
    url: str | None = None,
    acts_until: date | None = date(2022, 5, 1),
    now: datetime = NOW,
    base_url: str = "http://testserver",
) -> Portal:
    """The demo municipality with beloyarsky-2022 launched, some demo acts done, and four users."""
    workdir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url or f"sqlite:///{workdir / 'portal.db'}")
    launch_day = date(2022, 3, 1)
    setup_municipality(engine=engine, now=at_nine(launch_day, TZ), workdir=workdir)
    with session_scope(engine) as session:
        launch_roadmap(
            session=session,
            loaded=find_roadmap(demo_data.ROADMAP_ID),
            now=at_nine(launch_day, TZ),
            by=COORDINATOR,
        )
    if acts_until is not None:
        with session_scope(engine) as session:
            run = session.exec(select(RoadmapRun)).one()
            for act in demo_acts(session=session, run=run, until=acts_until):
                email = (
                    next(s["admin_email"] for s in demo_data.SCHOOLS if s["id"] == act.school)
                    if act.school
                    else COORDINATOR
                )
                mark_done(
                    session=session,
                    run=run,
                    code=act.code,
                    school=act.school,
                    actor=Actor(email),
                    now=at_nine(act.at, TZ) + timedelta(hours=6),
                    at=at_nine(act.at, TZ) + timedelta(hours=5),
                    evidence=act.evidence,
                )
    with session_scope(engine) as session:
        add_user(
            session=session,
            email=COORDINATOR,
            role="coordinator",
            password=PASSWORD,
            now=now,
            by="test",
        )
        add_user(
            session=session, email=VIEWER, role="viewer", password=PASSWORD, now=now, by="test"
        )
        add_user(
            session=session,
            email=ADMIN_1,
            role="school_admin",
            school_id="sosh1",
            password=PASSWORD,
            now=now,
            by="test",
        )
        add_user(
            session=session,
            email=ADMIN_2,
            role="school_admin",
            school_id="sosh2",
            password=PASSWORD,
            now=now,
            by="test",
        )
    settings = Settings(
        db=str(engine.url),
        base_url=base_url,
        documents_dir=workdir / "files",
        mail_dir=workdir / "mail",
        secret_key="test-secret-key-for-the-portal",
    )
    return Portal(engine=engine, settings=settings, workdir=workdir, now=now)


@contextmanager
def database_url(backend: str, workdir: Path) -> Iterator[str | None]:
    """A database URL for build_portal: None (a SQLite file in workdir) or a fresh PostgreSQL
    schema, dropped afterwards; skips when PostgreSQL is asked for and NASTAVNIK_TEST_PG_URL is unset."""
    import pytest

    if backend == "sqlite":
        yield None
        return
    pg_url = os.environ.get("NASTAVNIK_TEST_PG_URL")
    if not pg_url:
        pytest.skip("NASTAVNIK_TEST_PG_URL is not set: the PostgreSQL run is skipped")
    schema = f"w_{uuid.uuid4().hex[:12]}"
    admin = make_engine(pg_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    base = make_engine(pg_url).url.render_as_string(hide_password=False)
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token in a page."""
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def signed_in(app: FastAPI, email: str, password: str = PASSWORD) -> TestClient:
    """A TestClient signed in as ``email`` (through the sign-in form, CSRF and all)."""
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    page = client.get("/signin")
    response = client.post(
        "/signin", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 303, response.text
    return client


def open_instance(engine: Engine, *, school: str | None, code: str | None = None) -> StepInstance:
    """An open step instance of a school (or the municipality) — the first one, or of ``code``."""
    with session_scope(engine) as session:
        query = select(StepInstance).where(
            StepInstance.unit == (school or ""), StepInstance.state == "open"
        )
        if code is not None:
            query = query.where(StepInstance.step_code == code)
        instance = session.exec(query.order_by(col(StepInstance.id))).first()
        assert instance is not None
        return instance


def done_instance(engine: Engine, *, school: str | None) -> StepInstance:
    """A resolved step instance of a school (or the municipality)."""
    with session_scope(engine) as session:
        instance = session.exec(
            select(StepInstance)
            .where(
                StepInstance.unit == (school or ""),
                col(StepInstance.state).in_(("done", "done_late")),
            )  # type: ignore[attr-defined]
            .order_by(col(StepInstance.id))
        ).first()
        assert instance is not None
        return instance


TERRITORIES = (
    "г. Белоярский",
    "с.п. Казым",
    "с.п. Лыхма",
    "с.п. Сосновка",
    "с.п. Сорум",
    "с.п. Полноват",
    "с.п. Верхнеказымский",
    "с.п. Ванзеват",
)
# how many days after its due date each school marks a step (None: never), by school number
REGION_LAGS: tuple[int | None, ...] = (-6, -2, 0, 2, 9, 30, None)


def region_school_id(number: int) -> str:
    """The id of the region's school number ``number`` (1-based)."""
    return f"r{number:05d}"


def build_region(
    workdir: Path,
    *,
    schools: int = 300,
    url: str | None = None,
    now: datetime = at_nine(date(2022, 9, 15), TZ),
) -> Portal:
    """A region of ``schools`` schools in 8 territories with beloyarsky-2022 launched and acted on
    up to ``now``: school n is named «МБОУ СОШ № n», imported in a shuffled order, and marks its
    steps REGION_LAGS[n % 7] days after their due dates (written in bulk: a 2,000-school region
    builds in seconds). Users: the coordinator and the admin of school 1 (ADMIN_1's password)."""
    import csv
    import random

    from sqlalchemy import bindparam, update

    from storage.db import upgrade_database
    from storage.schools import import_schools, init_municipality

    workdir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url or f"sqlite:///{workdir / 'region.db'}")
    upgrade_database(engine)
    launch_day = at_nine(date(2022, 3, 1), TZ)
    numbers = list(range(1, schools + 1))
    random.Random(17).shuffle(numbers)
    path = workdir / "region.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "short_name", "director", "admin_email", "territory"])
        for n in numbers:
            writer.writerow(
                [
                    region_school_id(n),
                    f"Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № {n}»",
                    f"МБОУ СОШ № {n}",
                    "Иванова Мария Петровна",
                    f"{region_school_id(n)}@region.example.ru",
                    TERRITORIES[n % len(TERRITORIES)],
                ]
            )
    details = dict(demo_data.MUNICIPALITY)
    with session_scope(engine) as session:
        init_municipality(
            session=session,
            now=launch_day,
            name=details.pop("name"),
            timezone=details.pop("timezone"),
            coordinator=details.pop("coordinator_email"),
            head=details.pop("head_email"),
            **details,
        )
        import_schools(session=session, path=path, now=launch_day, by=COORDINATOR)
        launch_roadmap(
            session=session,
            loaded=find_roadmap(demo_data.ROADMAP_ID),
            now=launch_day,
            by=COORDINATOR,
        )
    today = now.date()
    updates: list[dict[str, object]] = []
    with session_scope(engine) as session:
        rows = session.exec(
            select(StepInstance.id, StepInstance.school_id, StepInstance.due)  # type: ignore[call-overload]
        ).all()
        for instance_id, school_id, due in rows:
            if due is None:
                continue
            lag = REGION_LAGS[int(school_id[1:]) % len(REGION_LAGS)] if school_id else -2
            if lag is None or due + timedelta(days=lag) >= today:
                continue
            moment = at_nine(due + timedelta(days=lag), TZ)
            updates.append(
                {
                    "row_id": instance_id,
                    "new_state": "done" if lag <= 0 else "done_late",
                    "moment": moment,
                    "by": f"{school_id}@region.example.ru" if school_id else COORDINATOR,
                    "evidence": f"№ {instance_id}-од от {moment:%d.%m.%Y}",
                }
            )
        if updates:
            table = StepInstance.__table__  # type: ignore[attr-defined]
            session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values(
                    state=bindparam("new_state"),
                    done_at=bindparam("moment"),
                    marked_at=bindparam("moment"),
                    done_by=bindparam("by"),
                    evidence=bindparam("evidence"),
                ),
                updates,
            )
        add_user(
            session=session,
            email=COORDINATOR,
            role="coordinator",
            password=PASSWORD,
            now=now,
            by="test",
        )
        add_user(
            session=session,
            email=f"{region_school_id(1)}@region.example.ru",
            role="school_admin",
            school_id=region_school_id(1),
            password=PASSWORD,
            now=now,
            by="test",
        )
    settings = Settings(
        db=str(engine.url),
        base_url="http://testserver",
        documents_dir=workdir / "files",
        mail_dir=workdir / "mail",
        secret_key="test-secret-key-for-the-portal",
    )
    return Portal(engine=engine, settings=settings, workdir=workdir, now=now)


def matrix_cells(html: str) -> list[tuple[str, str, str]]:
    """(state, step code, unit) of every cell of a matrix page, read as a browser lays the table
    out: a cell's step is its column's header, its unit the row's ``data-unit``."""
    from html.parser import HTMLParser

    class _Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.codes: list[str] = []
            self.unit: str | None = None
            self.column = 0
            self.cells: list[tuple[str, str, str]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if tag == "th" and "data-step" in found:
                self.codes.append(found["data-step"] or "")
            elif tag == "tr":
                self.unit = found.get("data-unit")
                self.column = 0
            elif tag in ("td", "th") and self.unit is not None:
                self.column += 1
                classes = (found.get("class") or "").split()
                index = self.column - 4  # the name, overdue and done columns come first
                if tag == "td" and index >= 0 and classes and classes[0] not in ("num", "empty"):
                    self.cells.append((classes[0], self.codes[index], self.unit))

    reader = _Reader()
    reader.feed(html)
    return reader.cells
