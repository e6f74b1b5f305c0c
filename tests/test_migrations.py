"""The migrations build exactly the schema the models describe, and undo it step by step."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import notifications.models  # noqa: F401  (the letter tables)
import storage.models  # noqa: F401
from storage.db import _alembic_config, current_revision, upgrade_database


def _registered_models() -> None:
    """Every package with tables registers them on SQLModel.metadata, as migrations/env.py does."""
    import importlib
    import importlib.util

    for name in ("registry.models", "web.models", "storage.operations"):
        if importlib.util.find_spec(name.split(".")[0]) and importlib.util.find_spec(name):
            importlib.import_module(name)


def _differences(engine: Engine) -> list[object]:
    _registered_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return [
            diff
            for diff in compare_metadata(context, SQLModel.metadata)
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
