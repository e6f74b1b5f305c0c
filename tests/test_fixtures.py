"""The suite's own speed-ups give what they stand for: a copy of the template database is the
database the migrations build (tables, columns, keys, indexes, rows), on SQLite and PostgreSQL; a
PostgreSQL schema emptied for the next test is that database again, and one a test altered is not
used again; the in-process CLI runner reports exit codes, stdout, stderr and tracebacks like the command."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, inspect, select
from sqlalchemy.engine import Engine

from storage.db import make_engine, upgrade_database
from tests.cli_helpers import run_cli
from tests.conftest import PG_URL, _pg_engine, fresh_sqlite
from tests.factories import launched
from tests.pg_schemas import SchemaPool, engine_on


def _shape(engine: Engine) -> dict[str, Any]:
    """Everything about a schema a test could notice, with the schema's own name left out."""
    found = inspect(engine)
    shape: dict[str, Any] = {}
    for table in sorted(found.get_table_names()):
        shape[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in found.get_columns(table)
            ],
            "primary": found.get_pk_constraint(table)["constrained_columns"],
            "foreign": sorted(
                (tuple(k["constrained_columns"]), k["referred_table"], tuple(k["referred_columns"]))
                for k in found.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in found.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(table)
            ),
            "checks": sorted(str(c.get("sqltext")) for c in found.get_check_constraints(table)),
        }
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            rows = connection.execute(select(table)).all()
            if name == "site_secret":  # drawn anew for every database: its form only
                shape[name]["rows"] = [(row.id, len(row.value)) for row in rows]
                continue
            shape[name]["rows"] = sorted(tuple(str(value) for value in row) for row in rows)
    return shape


def _secret(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("SELECT value FROM site_secret").scalar_one())


@pytest.fixture
def migrated(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A database the migrations themselves built, on the backend of ``engine``."""
    if engine.dialect.name == "sqlite":
        built = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
        upgrade_database(built)
        yield built
        built.dispose()
        return
    for pg in _pg_engine():
        upgrade_database(pg)
        yield pg


def test_the_template_copy_is_the_migrated_database(
    engine: Engine,
    migrated: Engine,
    sqlite_template: Path,
    pg_schema_script: str | None,
    tmp_path: Path,
) -> None:
    copy, built = _shape(engine), _shape(migrated)
    assert "alembic_version" in copy and len(copy) > 10
    assert copy == built
    # like the migrations, every copy has its own secret key, not the template's
    if engine.dialect.name == "sqlite":
        (tmp_path / "other").mkdir()
        other = fresh_sqlite(sqlite_template, tmp_path / "other")
        assert _secret(other) != _secret(engine)
        other.dispose()
    else:
        for other in _pg_engine(pg_schema_script):
            assert _secret(other) != _secret(engine)


def test_the_in_process_runner_reports_like_the_command(tmp_path: Path) -> None:
    fine = run_cli("deadline", "май 2022", "--period", "2022-01-01:2022-12-31")
    assert fine.returncode == 0 and "мая 2022" in fine.stdout and fine.stderr == ""
    unknown = run_cli("no-such-command")
    assert unknown.returncode == 2 and "no-such-command" in unknown.stderr
    # a database that is not there: the Russian one-line error of main(), exit 1
    missing = run_cli("status", env={"NASTAVNIK_DB": f"sqlite:///{tmp_path / 'none.db'}"})
    assert missing.returncode == 1 and missing.stderr.startswith("ошибка: ")
    assert "Traceback" not in missing.stderr


@pytest.mark.pg
def test_a_postgresql_schema_used_again_is_the_migrated_one_and_a_changed_one_is_dropped(
    pg_schemas: SchemaPool | None, tmp_path: Path
) -> None:
    if pg_schemas is None:
        pytest.skip("no PostgreSQL or no pg_dump: every test makes its own schema")
    assert PG_URL is not None
    pool = SchemaPool(PG_URL, pg_schemas.script)  # its own, so the session's is not disturbed
    try:
        schema = pool.take()
        used = engine_on(PG_URL, schema)
        fresh = _shape(used)
        launched(used, tmp_path, schools=2)  # rows in most tables, sequences moved on
        with used.begin() as connection:
            connection.exec_driver_sql("DELETE FROM mentorship_form WHERE code = 'pupil_pupil'")
            connection.exec_driver_sql("UPDATE site_secret SET value = 'used'")
        used.dispose()
        pool.give_back(schema)

        assert pool.take() == schema  # emptied and handed out again
        again = engine_on(PG_URL, schema)
        assert _shape(again) == fresh  # the same tables, keys, indexes and the migrations' rows
        (tmp_path / "again").mkdir()
        launched(again, tmp_path / "again", schools=1)
        with again.connect() as connection:  # the sequences started over
            assert connection.exec_driver_sql("SELECT min(id) FROM step_instance").scalar() == 1
        with again.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE journal ADD COLUMN note text")
        again.dispose()
        pool.give_back(schema)

        assert schema not in pool.free  # a schema a test altered is dropped, never used again
        with pool.admin.connect() as connection:
            left = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_namespace WHERE nspname = %(name)s", {"name": schema}
            )
            assert left.scalar() == 0
    finally:
        pool.close()
