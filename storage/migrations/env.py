"""Alembic environment: runs on the connection nastavnik passes in (storage/db.py)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import notifications.models  # noqa: F401  (registers the letter table)
import registry.models  # noqa: F401  (registers the registry tables)
import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
import storage.operations  # noqa: F401  (daily runs, the secret key)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    from storage.db import make_engine

    engine = make_engine(
        context.config.get_main_option("sqlalchemy.url") or "sqlite:///nastavnik.db"
    )
    with engine.begin() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
