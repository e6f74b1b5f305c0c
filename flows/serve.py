"""`nastavnik serve`: a real Prefect server (started here unless PREFECT_API_URL points at one),
the daily tick served on a cron schedule in the municipality's time zone, and the portal.

The ephemeral Prefect API runs no scheduler, hence the real server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable

from nastavnik.errors import NastavnikError


def wait_for_prefect(api_url: str, *, timeout: float = 90.0) -> None:
    """Block until the Prefect API answers its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise NastavnikError(f"the Prefect server at {api_url} did not answer within {timeout:.0f} s")


def start_prefect_server(
    *, host: str = "127.0.0.1", port: int = 4200, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `prefect server start` as a child process; returns it and its API URL."""
    api_url = f"http://{host}:{port}/api"
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_prefect(api_url)
    except NastavnikError:
        process.terminate()
        raise
    return process, api_url


def serve_daily(
    *,
    db_url: str,
    timezone: str,
    portal: Callable[[], None] | None = None,
    prefect_port: int = 4200,
) -> None:
    """Serve the daily tick (09:00 every day; the flow skips non-working days) and the portal."""
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server, api_url = start_prefect_server(port=prefect_port)
        os.environ["PREFECT_API_URL"] = api_url
        print(f"Prefect server: {api_url.removesuffix('/api')} (its UI shows the tick's runs)")
    from prefect.schedules import Cron

    from flows.tick import daily_tick_flow

    if portal is not None:
        threading.Thread(target=portal, name="portal", daemon=True).start()
    try:
        daily_tick_flow.serve(
            name="daily-tick",
            schedules=[Cron("0 9 * * *", timezone=timezone)],
            parameters={"db_url": db_url},
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
