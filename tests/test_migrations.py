"""The migrations build exactly the schema the models describe, and undo it step by step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from storage.db import _alembic_config, current_revision, upgrade_database
from storage.migrations.tables import load_all_tables

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "definitions",
    "engine",
    "storage",
    "flows",
    "tasks",
    "notifications",
    "web",
    "documents",
    "registry",
    "nastavnik",
)


def _differences(engine: Engine) -> list[object]:
    """What `alembic revision --autogenerate` would propose: the registry's tables vs the database."""
    metadata = load_all_tables()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return [
            diff
            for diff in compare_metadata(context, metadata)
            # alembic's own version table is not a model
            if not (
                isinstance(diff, tuple)
                and diff[0] == "remove_table"
                and diff[1].name == "alembic_version"
            )
        ]


def test_the_migrations_build_the_models_schema(engine: Engine) -> None:
    assert _differences(engine) == []


def test_the_chain_is_linear_and_the_database_reaches_its_head(engine: Engine) -> None:
    script = ScriptDirectory.from_config(_alembic_config(engine))
    assert len(script.get_heads()) == 1
    assert current_revision(engine) == script.get_current_head()


def test_every_migration_downgrades_and_upgrades_again(engine: Engine) -> None:
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert current_revision(engine) is None
    upgrade_database(engine)
    assert _differences(engine) == []


_TABLES_OF = """
import importlib, pkgutil, sys
from sqlmodel import SQLModel
if sys.argv[1] == "registry":
    from storage.migrations.tables import load_all_tables
    load_all_tables()
else:
    for package in sys.argv[2:]:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            if info.name.endswith((".migrations.env", ".__main__")) or ".versions" in info.name:
                continue
            importlib.import_module(info.name)
print(" ".join(sorted(SQLModel.metadata.tables)))
"""


def _tables(mode: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", _TABLES_OF, mode, *PACKAGES],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return set(result.stdout.split())


def test_the_table_registry_lists_every_module_that_defines_a_table() -> None:
    """A table defined anywhere in the project but missing from storage/migrations/tables.py
    would be proposed for dropping by autogenerate: importing every module finds no more tables
    than the registry loads."""
    assert _tables("everything") - _tables("registry") == set()
