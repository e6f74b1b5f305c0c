"""The one registry of table modules: every module that defines SQLModel tables is listed here.

Alembic's environment (env.py) and the migration tests load exactly this list, so
`alembic revision --autogenerate` sees every table and never proposes dropping one.
tests/test_migrations.py fails when a module defines a table that is not listed.
"""

import importlib

from sqlalchemy import MetaData
from sqlmodel import SQLModel

TABLE_MODULES: tuple[str, ...] = (
    "storage.models",
    "notifications.models",
    "registry.models",
    "web.models",
    "storage.operations",
    "storage.roadmap_versions",
    "storage.units",
)


def load_all_tables() -> MetaData:
    """Import every table module and return the metadata they registered on."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return SQLModel.metadata
