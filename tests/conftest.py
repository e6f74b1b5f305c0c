"""Shared fixtures: a real database on SQLite and, when NASTAVNIK_TEST_PG_URL is set, PostgreSQL;
the one Prefect test harness of the session; how pytest-xdist spreads the suite over workers.

Speed without shortcuts (CONTRIBUTING.md, "Set-up, tests, lint, benchmarks"): the migrations run
once per worker into a template (a SQLite file, a PostgreSQL schema dumped by pg_dump), and every
test gets a copy of it — the same upgraded, empty database the migrations give, at a small part of
their cost.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from storage.db import make_engine, upgrade_database
from tests.pg_schemas import SCHEMA_TOKEN, SchemaPool, engine_on

PG_URL = os.environ.get("NASTAVNIK_TEST_PG_URL")
PG_SKIP_REASON = (
    "NASTAVNIK_TEST_PG_URL is not set: PostgreSQL runs of the storage tests are skipped"
)

# ---------------------------------------------------------------------------------------------
# pytest-xdist (`make test` runs `-n auto --dist loadgroup`)
# The tests on the session's Prefect harness (the prefect_harness fixture) run on one worker: one
# test server per session. The scheduler sees test ids only, so they are named here; a test that
# uses the harness outside them gets a warning at collection.
PREFECT_GROUP = "prefect-harness"
PREFECT_HARNESS_FILES = ("test_flows.py", "test_notifications_prefect.py")
PREFECT_HARNESS_TESTS = (
    "tests/test_units.py::test_the_prefect_tick_flow_carries_the_units_in_its_plan",
)
# The warm path's tests share one Prefect server with the deployed daily run (the warm_server
# fixture, tests/warm_server.py), one test after another: they run on one worker.
WARM_GROUP = "warm-server"
WARM_SERVER_FILES = ("test_warm.py", "test_warm_cancel.py", "test_warm_orphans.py")
# Files that take longest go out first, so no worker is left with a long one at the end.
SLOW_FIRST = (
    "test_served.py",
    "test_deployed.py",
    "test_warm.py",
    "test_warm_orphans.py",
    "test_warm_cancel.py",
    "test_served_sigterm.py",
    "test_flows.py",
    "test_notifications_prefect.py",
    "test_delivery_leases.py",
    "test_delivery_faults.py",
    "test_launch_preview.py",
    "test_documents_pdf.py",
    "test_web_registry.py",
    "test_web_security.py",
    "test_web_portal_browser.py",
)


def xdist_group_of(nodeid: str) -> str:
    """The unit a worker takes whole: the Prefect-harness group, the warm server's group, an
    explicit ``@pytest.mark.xdist_group`` (xdist suffixes its name), or the test's file (its
    module-scoped fixtures are built once)."""
    path, _, rest = nodeid.partition("::")
    if Path(path).name in PREFECT_HARNESS_FILES or nodeid.split("[", 1)[0] in PREFECT_HARNESS_TESTS:
        return PREFECT_GROUP
    if Path(path).name in WARM_SERVER_FILES:
        return WARM_GROUP
    if "@" in rest and rest.rfind("@") > rest.rfind("]"):
        return rest.rsplit("@", 1)[1]
    return path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadgroup` by xdist_group_of (xdist's own loadgroup reads a node id pytest 9 no
    longer lets a plugin rename, so it would spread every test on its own)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    # the groups go out in the order pytest_collection_modifyitems gives (SLOW_FIRST), not by
    # their number of tests (xdist's default puts the few long Prefect and serve tests last)
    config.option.loadscopereorder = False

    class FileAndHarnessScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group_of(nodeid)

    return FileAndHarnessScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist: the long files first (the order inside a file stays); a warning for a
    harness test outside PREFECT_GROUP or a warm server's test outside WARM_GROUP (it would start
    a second Prefect server)."""
    if not hasattr(config, "workerinput"):
        return
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        group = xdist_group_of(item.nodeid)
        if "prefect_harness" in fixtures and group != PREFECT_GROUP:
            item.warn(
                pytest.PytestWarning(
                    "uses the Prefect harness outside PREFECT_HARNESS_FILES/TESTS in "
                    "tests/conftest.py: under xdist it may start a second test server"
                )
            )
        if "warm_server" in fixtures and group != WARM_GROUP:
            item.warn(
                pytest.PytestWarning(
                    "uses the warm server outside WARM_SERVER_FILES in tests/conftest.py: "
                    "under xdist it may start a second one"
                )
            )

    def rank(item: pytest.Item) -> int:
        if xdist_group_of(item.nodeid) == PREFECT_GROUP:
            return 0
        name = Path(item.nodeid.split("::", 1)[0]).name
        return SLOW_FIRST.index(name) + 1 if name in SLOW_FIRST else len(SLOW_FIRST) + 1

    items.sort(key=rank)


# ---------------------------------------------------------------------------------------------
# Passwords


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes() -> Iterator[None]:
    """argon2id at its cheapest parameters in the test process: a hash or a check at the
    portal's parameters is ≈ 0.2 s of CPU, and the portal's tests sign in and make users hundreds
    of times (measured: 42 s of CPU in the SQLite half of them). The same library and code path,
    only the cost differs; the portal as a subprocess (`nastavnik serve`, the browser tests)
    keeps the real cost."""
    from argon2 import PasswordHasher

    import web.auth

    real = web.auth._hasher
    web.auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        yield
    finally:
        web.auth._hasher = real


# ---------------------------------------------------------------------------------------------
# Prefect


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One real Prefect server for the whole session, started on first use; under xdist its tests
    share one worker (PREFECT_GROUP). The flows run in the test process against it.

    `prefect server start` on a copy of a migrated Prefect database (seeded_prefect_home), with
    the services these tests do not use off (QUIET_SERVER), rather than Prefect's own
    prefect_test_harness: that one migrates a fresh database and runs every service (measured:
    the first harness test's set-up 14 s → 7 s of wall; the harness files, with `tick
    --prefect`'s test now on this server too, 35 s → 22 s of CPU)."""
    os.environ["PREFECT_LOGGING_TO_API_ENABLED"] = "false"
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    from flows.serve import start_prefect_server
    from tests.test_served import QUIET_SERVER, SEEDED_SERVER, free_port, seeded_prefect_home

    home = seeded_prefect_home(tmp_path_factory.mktemp("prefect-harness"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
            **QUIET_SERVER,
            **SEEDED_SERVER,
        }
    )
    server, api_url = start_prefect_server(port=free_port(), env=env, log_path=home / "server.log")
    try:
        with temporary_settings(
            {PREFECT_API_URL: api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        ):
            yield
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def warm_server(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One Prefect server (SQLite) with `nastavnik deploy`'s daily run for the warm path's tests,
    started on first use (≈ 9 s) and stopped after the last of them (pytest_runtest_teardown); its
    API URL. Each test runs its own `nastavnik worker` on its own database and first clears what
    an earlier one left (tests/warm_server.py); under xdist they share one worker (WARM_GROUP)."""
    from tests.warm_server import SHARED

    return SHARED.api(lambda: tmp_path_factory.mktemp("warm-server"))


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """The warm server stops when the test after a WARM_GROUP one is not of that group (xdist
    hands a worker the group together; otherwise a later test of it starts the server again)."""
    if xdist_group_of(item.nodeid) != WARM_GROUP:
        return
    if nextitem is None or xdist_group_of(nextitem.nodeid) != WARM_GROUP:
        _stop_warm_server()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The warm server never outlives the session (a run stopped half-way, -x)."""
    _stop_warm_server()


def _stop_warm_server() -> None:
    module = sys.modules.get("tests.warm_server")  # not imported: never started
    if module is not None:
        module.SHARED.stop()


# ---------------------------------------------------------------------------------------------
# Databases


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file upgraded to the newest migration, once per worker; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "nastavnik.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


def own_values(engine: Engine) -> Engine:
    """Give a copy what the migrations draw anew for every database (0008: the site's own secret
    key for cookies and links, never one shared with another database)."""
    import secrets
    from datetime import UTC, datetime

    from sqlalchemy import update

    from storage.operations import SiteSecret

    table = SiteSecret.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(
            update(table).values(value=secrets.token_urlsafe(48), created_at=datetime.now(UTC))
        )
    return engine


def fresh_sqlite(template: Path, folder: Path) -> Engine:
    """An engine on a copy of the template in ``folder`` (nastavnik.db)."""
    target = folder / "nastavnik.db"
    shutil.copyfile(template, target)
    return own_values(make_engine(f"sqlite:///{target}"))


@pytest.fixture(scope="session")
def pg_schema_script() -> str | None:
    """The SQL that creates an upgraded schema named SCHEMA_TOKEN, dumped by pg_dump from a
    schema the migrations built (once per worker); None without PostgreSQL or pg_dump."""
    if not PG_URL or shutil.which("pg_dump") is None:
        return None
    schema = f"tmpl_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        upgrade_database(engine)
        engine.dispose()
        plain = admin.url.set(drivername="postgresql").render_as_string(hide_password=False)
        dumped = subprocess.run(
            ["pg_dump", "--dbname", plain, "--schema", schema, "--inserts", "--no-owner"]
            + ["--no-privileges", "--no-comments"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
    if dumped.returncode != 0:  # e.g. a pg_dump older than the server: the migrations per test
        warnings.warn(
            f"pg_dump failed, PostgreSQL tests migrate each schema: {dumped.stderr}", stacklevel=2
        )
        return None
    dump = dumped.stdout
    # psql meta-commands (\restrict …) are not SQL; the dump's own search_path stays empty
    lines = [line for line in dump.splitlines() if not line.startswith("\\")]
    script = "\n".join(lines)
    assert re.search(rf"CREATE TABLE {schema}\.alembic_version\b", script), script[:2000]
    return script.replace(schema, SCHEMA_TOKEN)


def _pg_engine(script: str | None = None) -> Iterator[Engine]:
    """A fresh schema, dropped afterwards: empty, or made by a pg_schema_script."""
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    if script is None:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    else:
        raw = admin.raw_connection()
        try:
            with raw.cursor() as cursor:
                cursor.execute(script.replace(SCHEMA_TOKEN, schema))
            raw.commit()
        finally:
            raw.close()
    engine = engine_on(PG_URL, schema)
    if script is not None:
        own_values(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(scope="session")
def pg_schemas(pg_schema_script: str | None) -> Iterator[SchemaPool | None]:
    """The test process's PostgreSQL schemas made from pg_schema_script, each emptied after its
    test and used again (tests/pg_schemas.py); None without PostgreSQL or pg_dump."""
    if PG_URL is None or pg_schema_script is None:
        yield None
        return
    pool = SchemaPool(PG_URL, pg_schema_script)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An upgraded, empty database: a SQLite file, or a schema in PostgreSQL as the migrations
    leave it (one emptied after an earlier test, tests/pg_schemas.py)."""
    if request.param == "sqlite":
        engine = fresh_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
        yield engine
        engine.dispose()
        return
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    pool: SchemaPool | None = request.getfixturevalue("pg_schemas")
    if pool is None:  # no pg_dump: the migrations themselves, on a schema of its own
        for pg in _pg_engine():
            upgrade_database(pg)
            yield pg
        return
    schema = pool.take()
    pg = own_values(engine_on(PG_URL, schema))
    try:
        yield pg
    finally:
        pg.dispose()
        pool.give_back(schema)


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A SQLite database only (for tests about SQLite itself)."""
    engine = fresh_sqlite(sqlite_template, tmp_path)
    yield engine
    engine.dispose()
