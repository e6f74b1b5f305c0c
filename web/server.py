"""Running the portal: uvicorn over create_app with the process's settings and the real clock."""

from __future__ import annotations

import atexit
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from nastavnik.settings import Settings, get_settings


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
    """The portal for the configured database (schema upgraded first)."""
    from storage.db import make_engine, upgrade_database
    from web.app import create_app

    settings = settings or get_settings()
    engine = make_engine(settings.db)
    upgrade_database(engine)
    clock = real_clock if settings.now is None else simulated_clock(settings.now)
    return create_app(engine=engine, settings=settings, clock=clock)


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
