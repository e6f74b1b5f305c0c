"""`nastavnik backup` / `nastavnik restore`: a backup taken, the data changed, the backup restored —
the database and the documents folder are as they were (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from engine.actions import Actor, mark_done
from engine.runs import which_run
from flows.daily import tick_once
from storage.db import make_engine, session_scope, upgrade_database
from tests.factories import COORDINATOR, launched, moment
from tests.web_helpers import database_url

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from nastavnik.cli import main; main()"]


def _snapshot(engine: Engine, files: Path) -> dict[str, Any]:
    """Every row of every table, and every file of the documents folder with its hash."""
    tables: dict[str, Any] = {}
    with engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            rows = connection.execute(text(f'SELECT * FROM "{name}"')).all()
            tables[name] = sorted(repr(tuple(row)) for row in rows)
    documents = {
        str(path.relative_to(files)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(files.rglob("*"))
        if path.is_file()
    }
    return {"tables": tables, "documents": documents}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_a_restored_backup_gives_back_the_database_and_the_documents(
    backend: str, tmp_path: Path
) -> None:
    with database_url(backend, tmp_path) as url:
        url = url or f"sqlite:///{tmp_path / 'nastavnik.db'}"
        engine = make_engine(url)
        upgrade_database(engine)
        launched(engine, tmp_path, schools=3)
        tick_once(engine=engine, now=moment(date(2022, 5, 20)), send=False)
        files = tmp_path / "files"
        (files / "sosh1").mkdir(parents=True)
        (files / "sosh1" / "prikaz.pdf").write_bytes(b"%PDF-1.4 scan of the order")
        (files / "rajon.docx").write_bytes(b"PK\x03\x04 a document")
        before = _snapshot(engine, files)
        env = {
            **os.environ,
            "NASTAVNIK_DB": url,
            "NASTAVNIK_DOCUMENTS_DIR": str(files),
            "NASTAVNIK_MAIL_DIR": str(tmp_path / "mail"),
        }

        done = _cli(env, "backup", str(tmp_path / "backup"))
        assert done.returncode == 0, done.stderr
        assert "Резервная копия записана" in done.stdout and "2 файла" in done.stdout

        # the day goes on: a step is marked, letters decided, a scan deleted, another added
        with session_scope(engine) as session:
            mark_done(
                session=session,
                run=which_run(session, roadmap_id=None),
                code="1.5",
                school="sosh1",
                actor=Actor(COORDINATOR),
                now=moment(date(2022, 5, 23)),
            )
        tick_once(engine=engine, now=moment(date(2022, 5, 24)), send=False)
        (files / "sosh1" / "prikaz.pdf").unlink()
        (files / "later.pdf").write_bytes(b"%PDF later")
        assert _snapshot(engine, files) != before

        refused = _cli(env, "backup", str(tmp_path / "backup"))
        assert refused.returncode == 1 and "каталог не пуст" in refused.stderr
        done = _cli(env, "restore", str(tmp_path / "backup"), "--yes")
        assert done.returncode == 0, done.stderr
        assert "Восстановлено" in done.stdout
        assert _snapshot(engine, files) == before
        engine.dispose()


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path: Path) -> None:
    env = {**os.environ, "NASTAVNIK_DB": f"sqlite:///{tmp_path / 'n.db'}"}
    upgrade_database(make_engine(env["NASTAVNIK_DB"]))
    done = _cli(env, "restore", str(tmp_path), "--yes")
    assert done.returncode == 1
    assert "это не резервная копия nastavnik: нет файла backup.json" in done.stderr
    assert "Traceback" not in done.stderr
