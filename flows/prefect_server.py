"""Prefect's API server in several processes: `nastavnik prefect-server --workers N`.

`prefect server start --workers N` (Prefect 3.8.8) runs uvicorn's multi-process supervisor with
uvicorn's default worker health check: a worker process that has not finished starting within
5 s is killed and started again. Building Prefect's API app costs ≈ 6 s of CPU here, so the
workers are killed for ever and the server never answers ("Child process [...] died" in a loop;
uvicorn issue #2506, fixed there by the `timeout_worker_healthcheck` setting Prefect does not
pass). This runs the same app factory with the same settings Prefect sets for its workers and a
health-check window long enough for a loaded machine. Prefect's workers would also each register
the block types at start-up and collide on their unique slugs (one worker's start fails, and the
supervisor stops them all): the block types are registered once here, before the workers start.
"""

from __future__ import annotations

import os

from common.errors import NastavnikError

# what Prefect's multi-worker mode needs instead of its in-memory defaults
REDIS_SETTINGS = {
    "PREFECT_MESSAGING_BROKER": "prefect_redis.messaging",
    "PREFECT_MESSAGING_CACHE": "prefect_redis.messaging",
    "PREFECT_SERVER_EVENTS_CAUSAL_ORDERING": "prefect_redis.ordering",
    "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": "prefect_redis.lease_storage",
}


def check_multi_worker_settings() -> None:
    """Refuse, in Russian, what Prefect's workers cannot share: SQLite, in-memory messaging.

    Read through Prefect's settings, so a profile (`prefect config set`) counts as the
    environment does."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    url = settings.server.database.connection_url
    if url is None or not url.get_secret_value().startswith("postgresql"):
        raise NastavnikError(code="prefect_server.needs_postgresql")
    current = {
        "PREFECT_MESSAGING_BROKER": settings.server.events.messaging_broker,
        "PREFECT_MESSAGING_CACHE": settings.server.events.messaging_cache,
        "PREFECT_SERVER_EVENTS_CAUSAL_ORDERING": settings.server.events.causal_ordering,
        "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": settings.server.concurrency.lease_storage,
    }
    missing = [name for name, value in REDIS_SETTINGS.items() if current[name] != value]
    if missing:
        raise NastavnikError(
            code="prefect_server.needs_redis",
            settings=", ".join(f"{name}={REDIS_SETTINGS[name]}" for name in missing),
        )
    try:
        import prefect_redis  # noqa: F401
    except ImportError:
        raise NastavnikError(code="prefect_server.no_prefect_redis") from None


def run_prefect_server(
    *, host: str, port: int, workers: int, healthcheck_timeout: int, log_level: str = "info"
) -> None:
    """Serve Prefect's API and UI from ``workers`` processes (no background services: they run
    in their own process, `prefect server services start`). Returns when the server stops."""
    if workers < 1:
        raise NastavnikError(code="prefect_server.workers", workers=workers)
    if workers > 1:
        check_multi_worker_settings()
    import uvicorn

    if workers > 1:
        _register_block_types()
        # each worker would migrate and register again, concurrently: done once above
        os.environ["PREFECT_API_BLOCKS_REGISTER_ON_START"] = "false"
        os.environ["PREFECT_API_DATABASE_MIGRATE_ON_START"] = "false"
    # the worker processes read their settings from the environment they inherit
    os.environ["PREFECT__SERVER_FINAL"] = "1"
    os.environ["PREFECT__SERVER_WEBSERVER_ONLY"] = "1"
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    uvicorn.run(
        app="prefect.server.api.server:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_worker_healthcheck=healthcheck_timeout,
        log_level=log_level,
    )


def _register_block_types() -> None:
    """Create or update Prefect's tables and block types once, in this process."""
    import asyncio

    from prefect.server.database import provide_database_interface
    from prefect.server.models.block_registration import run_block_auto_registration

    async def register() -> None:
        database = provide_database_interface()
        await database.create_db()
        async with await database.session() as session:
            await run_block_auto_registration(session=session)

    asyncio.run(register())
