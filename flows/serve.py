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
from pathlib import Path

from common.errors import NastavnikError
from common.messages import render_message


def wait_for_prefect(api_url: str, *, timeout: float = 180.0) -> None:
    """Block until the Prefect API answers its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise NastavnikError(code="prefect.no_answer", url=api_url, seconds=f"{timeout:.0f}")


DAILY_CRON = "0 9 * * *"


def check_cron(cron: str) -> str:
    """The cron line if it is one (five fields), else a clear refusal."""
    from datetime import datetime

    from cronsim import CronSim, CronSimError

    try:
        CronSim(cron, datetime(2026, 1, 1))
    except CronSimError:
        raise NastavnikError(code="serve.cron", cron=cron) from None
    return cron


def start_prefect_server(
    *,
    host: str = "127.0.0.1",
    port: int = 4200,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `prefect server start` as a child process; returns it and its API URL.

    Its UI is told where its API is (``PREFECT_UI_API_URL``), else it stays blank off port 4200;
    its output goes to ``log_path`` (appended), or is discarded when None.
    """
    api_url = f"http://{host}:{port}/api"
    log = open(log_path, "ab") if log_path is not None else None  # noqa: SIM115 (the child keeps it)
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                host,
                "--port",
                str(port),
            ],
            env={"PREFECT_UI_API_URL": api_url, **os.environ, **(env or {})},
            stdout=log if log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
        )
    finally:
        if log is not None:
            log.close()
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
    cron: str = DAILY_CRON,
) -> None:
    """Serve the daily tick (09:00 every day; the flow skips non-working days) and the portal.

    The database URL reaches each run's process through its environment (``NASTAVNIK_DB``), never
    as a parameter the Prefect UI would show.
    """
    os.environ["NASTAVNIK_DB"] = db_url
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
        home.mkdir(parents=True, exist_ok=True)
        log_path = home / "prefect-server.log"
        server, api_url = start_prefect_server(port=prefect_port, log_path=log_path)
        os.environ["PREFECT_API_URL"] = api_url
        print(render_message("serve.prefect_server", url=api_url.removesuffix("/api")))
        print(render_message("serve.prefect_log", path=log_path))
    from prefect.schedules import Cron
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.tick import daily_tick_flow

    if portal is not None:
        threading.Thread(target=portal, name="portal", daemon=True).start()
    try:
        # Prefect may have been imported before the URL was set (the settings check of the CLI):
        # its settings were read then, without the URL, and it would serve through a throw-away
        # server of its own on the same database, which under load fails to start in time.
        with temporary_settings(updates={PREFECT_API_URL: os.environ["PREFECT_API_URL"]}):
            daily_tick_flow.serve(name="daily-tick", schedules=[Cron(cron, timezone=timezone)])
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
