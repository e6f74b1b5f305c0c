"""Shared fixtures: a real database on SQLite and, when NASTAVNIK_TEST_PG_URL is set, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from storage.db import make_engine, upgrade_database

PG_URL = os.environ.get("NASTAVNIK_TEST_PG_URL")
PG_SKIP_REASON = (
    "NASTAVNIK_TEST_PG_URL is not set: PostgreSQL runs of the storage tests are skipped"
)


def _pg_engine() -> Iterator[Engine]:
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An upgraded, empty database: a SQLite file, or a fresh schema in PostgreSQL."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'nastavnik.db'}")
        upgrade_database(engine)
        yield engine
        engine.dispose()
        return
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    for pg in _pg_engine():
        upgrade_database(pg)
        yield pg


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite database only (for tests about SQLite itself)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'nastavnik.db'}")
    upgrade_database(engine)
    yield engine
    engine.dispose()
