"""`nastavnik serve --workers N`: uvicorn's supervisor with N worker processes serves the portal."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from tests.smtp_server import free_port
from tests.web_helpers import ADMIN_1, PASSWORD, build_portal, csrf_of
from web.server import _stop, start_portal_workers


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_two_workers_serve_the_portal_from_the_environments_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = build_portal(tmp_path, acts_until=None)
    monkeypatch.setenv("NASTAVNIK_DB", str(portal.engine.url))
    monkeypatch.delenv("NASTAVNIK_SECRET_KEY", raising=False)  # the database's own key
    monkeypatch.setenv("NASTAVNIK_DOCUMENTS_DIR", str(tmp_path / "files"))
    port = free_port()
    process = start_portal_workers("127.0.0.1", port, workers=2, log_level="warning")
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/signin", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "the supervisor exited"
            assert time.monotonic() < deadline, "the portal did not answer within 60 s"
            time.sleep(0.3)
        assert len(_children(process.pid)) >= 2
        with httpx.Client(base_url=base, follow_redirects=False) as client:
            # a session made by one worker is honoured by the other: state lives in the database
            page = client.get("/signin")
            signed = client.post(
                "/signin",
                data={"email": ADMIN_1, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            )
            assert signed.status_code == 303
            for _ in range(6):
                assert client.get("/schools/sosh1").status_code == 200
    finally:
        _stop(process)
    assert process.poll() is not None


def test_serve_now_runs_the_portal_on_a_simulated_clock(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from common.settings import Settings
    from storage.db import make_engine, upgrade_database
    from web.server import app_from_settings

    upgrade_database(make_engine(f"sqlite:///{tmp_path / 'n.db'}"))
    start = datetime(2022, 9, 15, 4, 0, tzinfo=UTC)
    app = app_from_settings(Settings(db=f"sqlite:///{tmp_path / 'n.db'}", now=start))
    first = app.state.clock()
    assert timedelta(0) <= first - start < timedelta(seconds=30)
    assert app.state.clock() >= first  # it runs on from the simulated moment
    real = app_from_settings(Settings(db=f"sqlite:///{tmp_path / 'n.db'}"))
    assert abs(real.state.clock() - datetime.now(UTC)) < timedelta(seconds=30)


def test_serve_now_refuses_a_bad_date_without_a_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    cli = str(Path(sys.executable).parent / "nastavnik")
    env = {**os.environ, "NASTAVNIK_DB": f"sqlite:///{tmp_path / 'n.db'}"}
    subprocess.run(
        [cli, "init", "--municipality", "М", "--tz", "Asia/Yekaterinburg"], env=env, check=True
    )
    done = subprocess.run(
        [cli, "serve", "--now", "2022-13-01"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 2 and "--now" in done.stderr and "Traceback" not in done.stderr
