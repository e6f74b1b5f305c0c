"""Engines, sessions and schema upgrades (alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from common.errors import NastavnikError
from common.messages import reason_of

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _normalise_url(url: str) -> str:
    # plain postgresql:// would pick psycopg2, which we do not install
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout."""
    url = _normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # the driver's own transaction handling would defer BEGIN; take the write lock up front
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # 64 MiB of page cache (default 2 MiB): the tick and launch touch indexes of millions
            # of rows in a region; temporary tables stay in memory.
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # writers take the lock at BEGIN (no deadlock upgrading a read later); a reader asked
            # for with execution_options(read_only=True) does not wait for a writer (WAL)
            if connection.get_execution_options().get("read_only"):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser interpolates «%»: a URL with an escaped password or options would break it
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade_database(engine: Engine) -> str:
    """Create or upgrade the schema to the newest migration; returns the revision reached."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = _alembic_config(engine)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        raise NastavnikError(
            code="database.unreachable",
            where=engine.url.render_as_string(hide_password=True),
            detail=reason_of(error.orig),
        ) from None
    return revision or "base"


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None when it was never initialised."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest migration this version of nastavnik knows."""
    from alembic.script import ScriptDirectory

    config = _alembic_config(make_engine("sqlite://"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def require_current_schema(engine: Engine) -> None:
    """Refuse a database whose schema is not this version's (never initialised, or older).

    `serve` and the portal call it at start: they never migrate by themselves, an upgrade is an
    administrator's step (`nastavnik backup`, then `nastavnik init`; docs/deployment.md).
    """
    try:
        current = current_revision(engine)
    except OperationalError as error:
        raise NastavnikError(
            code="database.unreachable",
            where=engine.url.render_as_string(hide_password=True),
            detail=reason_of(error.orig),
        ) from None
    head = head_revision()
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise NastavnikError(code="database.not_created", where=where)
    raise NastavnikError(code="database.outdated", where=where, current=current, head=head)
