"""/healthz, the banner about a daily check that did not run, and what the portal and `serve` refuse
at start: an old schema, a default secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlmodel import Session

from common.errors import NastavnikError
from common.settings import Settings
from engine.daily_runs import recording
from storage.db import _alembic_config, head_revision, make_engine, upgrade_database
from storage.operations import stored_secret_key
from tests.browser import BROWSER_MARKS, chromium, free_port, serving, sign_in
from tests.factories import moment
from tests.test_daily_runs import die_while_running
from tests.web_helpers import ADMIN_1, COORDINATOR, build_portal
from web.server import app_from_settings

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from nastavnik.cli import main; main()"]
BANNER = "Ежедневная проверка 19 мая 2022 г. не выполнена"


def test_healthz_answers_with_the_database_and_the_last_daily_run(tmp_path: Path) -> None:
    portal = build_portal(tmp_path, acts_until=None)
    client = TestClient(portal.app())
    fresh = client.get("/healthz")
    assert fresh.status_code == 200
    assert fresh.json()["database"] == "ok" and fresh.json()["schema"]["ok"] is True
    assert fresh.json()["last_daily_run"] is None

    die_while_running(str(portal.engine.url), date(2022, 5, 19))
    dead = client.get("/healthz")
    assert dead.status_code == 503
    assert dead.json()["status"] == "fail"
    assert dead.json()["last_daily_run"]["outcome"] == "crashed"
    assert dead.json()["last_daily_run"]["day"] == "2022-05-19"

    with recording(
        engine=portal.engine,
        acts_at=moment(date(2022, 5, 20)),
        day=date(2022, 5, 20),
        trigger="cli",
    ):
        pass
    good = client.get("/healthz")
    assert good.status_code == 200 and good.json()["last_daily_run"]["outcome"] == "completed"

    config = _alembic_config(portal.engine)
    with portal.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    old = client.get("/healthz")
    assert old.status_code == 503
    schema = old.json()["schema"]
    assert schema["expected"] == head_revision() and schema["ok"] is False
    assert schema["current"] is not None and schema["current"] < head_revision()


def test_serve_and_the_portal_refuse_an_old_schema_and_name_the_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    with pytest.raises(NastavnikError, match="схема базы данных устарела"):
        app_from_settings(Settings(db=url))
    env = {**os.environ, "NASTAVNIK_DB": url}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [*CLI, "serve", "--port", str(free_port()), "--prefect-port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1
    assert f"схема базы данных устарела (версия 0007, нужна {head_revision()})" in done.stderr
    assert "`nastavnik init`" in done.stderr and "Traceback" not in done.stderr
    # init upgrades it, and the portal then starts
    assert subprocess.run([*CLI, "init"], env=env, cwd=ROOT, timeout=120).returncode == 0
    assert app_from_settings(Settings(db=url)).state.settings.secret_key


def test_each_database_has_its_own_key_and_a_default_key_is_refused(tmp_path: Path) -> None:
    keys = []
    for name in ("a.db", "b.db"):
        url = f"sqlite:///{tmp_path / name}"
        upgrade_database(make_engine(url))
        app = app_from_settings(Settings(db=url))
        with Session(make_engine(url)) as session:
            assert app.state.settings.secret_key == stored_secret_key(session)
        keys.append(app.state.settings.secret_key)
    assert keys[0] != keys[1] and min(len(k) for k in keys) >= 32
    url = f"sqlite:///{tmp_path / 'a.db'}"
    for bad in ("change-me-in-production", "short"):
        with pytest.raises(NastavnikError, match="NASTAVNIK_SECRET_KEY: ключ не годится"):
            app_from_settings(Settings(db=url, secret_key=bad))
    env = {**os.environ, "NASTAVNIK_DB": url, "NASTAVNIK_SECRET_KEY": "change-me-in-production"}
    done = subprocess.run(
        [*CLI, "serve", "--now", "2022-09-15", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1 and "NASTAVNIK_SECRET_KEY: ключ не годится" in done.stderr


@pytest.mark.browser
@BROWSER_MARKS[1]
def test_the_coordinator_sees_a_banner_about_a_day_whose_check_did_not_run(
    tmp_path: Path,
) -> None:
    port = free_port()
    portal = build_portal(tmp_path, acts_until=None, base_url=f"http://127.0.0.1:{port}")
    die_while_running(str(portal.engine.url), date(2022, 5, 19))
    with serving(portal.app(), port) as base, chromium() as browser:
        page = browser.new_page()
        sign_in(page, base, COORDINATOR)
        page.goto(f"{base}/matrix")
        alert = page.get_by_role("alert")
        assert BANNER in alert.inner_text()
        other = browser.new_page()
        sign_in(other, base, ADMIN_1)
        assert other.get_by_role("alert").count() == 0


def test_a_read_only_session_does_not_wait_for_a_writer_on_sqlite(tmp_path: Path) -> None:
    """The banner is read while the page's own session may hold SQLite's write lock: a session on
    ``execution_options(read_only=True)`` begins deferred and reads at once (WAL)."""
    import threading

    from sqlalchemy import text

    from storage.db import make_engine, upgrade_database

    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    upgrade_database(engine)
    result: list[int] = []
    with engine.begin() as writer:  # BEGIN IMMEDIATE: the write lock is held
        writer.execute(text("UPDATE alembic_version SET version_num = version_num"))

        def read() -> None:
            with engine.execution_options(read_only=True).connect() as reader:
                result.append(reader.execute(text("SELECT count(*) FROM school")).scalar_one())

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        thread.join(timeout=10)  # a writer would wait out the 30 s busy timeout
        assert result == [0]
    engine.dispose()
