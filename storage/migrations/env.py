"""Alembic environment: runs on the connection nastavnik passes in (storage/db.py)."""

from __future__ import annotations

from alembic import context

from storage.migrations.tables import load_all_tables

target_metadata = load_all_tables()
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
