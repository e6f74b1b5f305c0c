"""Who sees names, who sees counts; exports are refused or journaled; an export imports back."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import select

from common.errors import NastavnikError
from engine.actions import Actor
from registry.exporter import export_registry
from registry.importer import import_registry_file
from registry.listing import list_registry
from registry.privacy import registry_access, visible_schools
from storage.db import session_scope
from storage.models import JournalEntry, User
from tests.factories import moment, registry_demo

NOW = moment(date(2022, 9, 15))


@dataclass(frozen=True)
class Person:
    email: str
    role: str
    school_id: str | None = None


COORDINATOR = Person("coordinator@beloyarsky-edu.example.ru", "coordinator")
ADMIN = Person("sosh1@beloyarsky-edu.example.ru", "school_admin", "sosh1")
VIEWER = Person("viewer@beloyarsky-edu.example.ru", "viewer")


@pytest.mark.parametrize(
    ("person", "school", "access"),
    [
        (COORDINATOR, "sosh1", "names"),
        (COORDINATOR, "sosh2", "names"),
        (ADMIN, "sosh1", "names"),
        (ADMIN, "sosh2", "none"),
        (VIEWER, "sosh1", "counts"),
        (Person("x@y.ru", "school_admin", None), "sosh1", "none"),
        (Person("x@y.ru", "stranger"), "sosh1", "none"),
    ],
)
def test_who_sees_names_counts_or_nothing(person: Person, school: str, access: str) -> None:
    assert registry_access(person, school) == access


def test_the_rules_accept_the_stored_user_as_the_viewer() -> None:
    user = User(email="sosh2@x.ru", role="school_admin", school_id="sosh2")
    assert registry_access(user, "sosh2") == "names"
    assert visible_schools(user, ["sosh1", "sosh2", "sosh3"]) == ["sosh2"]


@pytest.fixture
def demo(engine: Engine, tmp_path: Path) -> Engine:
    registry_demo(engine, tmp_path, schools=2)
    return engine


def test_a_viewer_gets_counts_and_no_names(demo: Engine) -> None:
    with session_scope(demo) as session:
        schools = list_registry(session=session, viewer=VIEWER, now=NOW)
    assert [s.school_id for s in schools] == ["sosh1", "sosh2"]
    first = schools[0]
    assert (first.access, first.mentors, first.mentees, first.pairs) == ("counts", None, None, None)
    assert (
        first.counts.mentors,
        first.counts.mentees,
        first.counts.unpaired,
        first.counts.active_pairs,
    ) == (
        7,
        18,
        2,
        14,
    )


def test_a_school_admin_sees_the_names_of_their_school_only(demo: Engine) -> None:
    with session_scope(demo) as session:
        schools = list_registry(session=session, viewer=ADMIN, now=NOW, unpaired_only=True)
        with pytest.raises(NastavnikError, match="нет доступа к реестру этой школы"):
            list_registry(session=session, viewer=ADMIN, now=NOW, school_id="sosh2")
    assert [s.school_id for s in schools] == ["sosh1"]
    assert schools[0].mentees is not None
    assert [m.note for m in schools[0].mentees] == ["продолжить поиск наставника"] * 2


def test_exports_follow_the_names_rule_and_are_journaled_without_names(demo: Engine) -> None:
    with session_scope(demo) as session:
        for person in (VIEWER, ADMIN):
            with pytest.raises(NastavnikError, match="персональные данные|нет доступа"):
                export_registry(
                    session=session,
                    viewer=person,
                    school_id="sosh2",
                    kind="mentors",
                    fmt="csv",
                    now=NOW,
                )
        data = export_registry(
            session=session,
            viewer=ADMIN,
            school_id="sosh1",
            kind="mentees",
            fmt="xlsx",
            now=NOW,
            source="web",
            remote_addr="10.1.1.1",
        )
        journal = session.exec(
            select(JournalEntry).where(JournalEntry.action == "registry_export")
        ).all()
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("ФИО", "категория", "класс") and len(rows) == 19
    assert len(journal) == 1
    entry = journal[0]
    assert (entry.actor, entry.source, entry.remote_addr, entry.school_id) == (
        ADMIN.email,
        "web",
        "10.1.1.1",
        "sosh1",
    )
    assert entry.details == {"kind": "mentees", "format": "xlsx", "rows": 18}


def test_an_exported_registry_imports_back_unchanged(demo: Engine, tmp_path: Path) -> None:
    actor = Actor(COORDINATOR.email)
    for kind in ("mentors", "mentees", "pairs"):
        with session_scope(demo) as session:
            data = export_registry(
                session=session,
                viewer=COORDINATOR,
                school_id="sosh1",
                kind=kind,
                fmt="csv",  # type: ignore[arg-type]
                now=NOW,
            )
        path = tmp_path / f"{kind}.csv"
        path.write_bytes(data)
        with session_scope(demo) as session:
            result = import_registry_file(
                session=session, kind=kind, school_id="sosh1", path=path, actor=actor, now=NOW
            )  # type: ignore[arg-type]
        assert (result.added, result.updated) == (0, 0), kind
        assert result.unchanged > 0
    assert data.startswith("\ufeff".encode()) and b";" in data.splitlines()[0]
