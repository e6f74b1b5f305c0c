"""Running the portal: uvicorn over create_app with the process's settings and the real clock."""

from __future__ import annotations

import atexit
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from common.settings import Settings, get_settings


def real_clock() -> datetime:
    """The aware current moment (UTC): the only place the portal reads the clock."""
    return datetime.now(UTC)


def simulated_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at ``start`` and runs on at the real pace (for `serve --now`)."""
    offset = start - real_clock()

    def clock() -> datetime:
        return real_clock() + offset

    return clock


def app_from_settings(settings: Settings | None = None) -> FastAPI:
    """The portal for the configured database, which must be at this version's schema.

    The portal never migrates by itself (an upgrade is `nastavnik init`, docs/deployment.md) and
    signs with the database's own secret key unless NASTAVNIK_SECRET_KEY overrides it.
    """
    from storage.db import make_engine, require_current_schema
    from web.app import create_app

    settings = settings or get_settings()
    engine = make_engine(settings.db)
    require_current_schema(engine)
    settings = with_secret_key(settings, engine)
    clock = real_clock if settings.now is None else simulated_clock(settings.now)
    return create_app(engine=engine, settings=settings, clock=clock)


# the key older versions used when none was set; anyone can sign cookies with it
DEV_SECRET_KEYS = frozenset({"change-me-in-production"})
MIN_SECRET_KEY = 32


def with_secret_key(settings: Settings, engine: Engine) -> Settings:
    """The settings with the key the portal signs with: NASTAVNIK_SECRET_KEY, else the database's.

    Refuses a known default or a short key, and a database without a key (never initialised).
    """
    from sqlmodel import Session

    from common.errors import NastavnikError
    from storage.operations import stored_secret_key

    key = settings.secret_key
    if key:
        if key in DEV_SECRET_KEYS or len(key) < MIN_SECRET_KEY:
            raise NastavnikError(
                code="portal.weak_secret_key", where="NASTAVNIK_SECRET_KEY", length=MIN_SECRET_KEY
            )
        return settings
    with Session(engine) as session:
        stored = stored_secret_key(session)
    if not stored:
        raise NastavnikError(
            code="portal.no_stored_key", where=engine.url.render_as_string(hide_password=True)
        )
    return settings.model_copy(update={"secret_key": stored})


def run_portal(
    host: str = "127.0.0.1", port: int = 8000, *, workers: int = 1, log_level: str = "info"
) -> None:
    """Serve the portal until interrupted (blocking).

    With ``workers`` > 1, uvicorn's own supervisor runs the worker processes (each builds its app
    through ``app_from_settings``). The supervisor runs as a child process: it installs signal
    handlers, which only a main thread may do, and `nastavnik serve` runs the portal in a thread
    beside the Prefect schedule. The child is stopped when this process exits.
    """
    if workers > 1:
        process = start_portal_workers(host, port, workers=workers, log_level=log_level)
        atexit.register(_stop, process)
        try:
            process.wait()
        finally:
            _stop(process)
        return
    import uvicorn

    uvicorn.run(
        app_from_settings(),
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=False,
        server_header=False,
    )


def start_portal_workers(
    host: str, port: int, *, workers: int, log_level: str = "info"
) -> subprocess.Popen[bytes]:
    """Start uvicorn's supervisor with ``workers`` processes as a child; the caller stops it."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "web.server:app_from_settings",
            "--factory",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            log_level,
            "--no-proxy-headers",
            "--no-server-header",
        ]
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
