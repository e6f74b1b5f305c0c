"""Backup and restore: the database (SQLite's online backup API, or pg_dump / pg_restore) and the
documents folder, into one directory with a manifest.

A backup directory holds ``backup.json`` (when, what, the schema revision), ``nastavnik.db`` (a
consistent SQLite copy taken while the portal and ticks may write) or ``nastavnik.dump``
(``pg_dump --format=custom`` of the schema nastavnik uses), and ``files/`` (generated documents and
uploaded scans). Restore puts both back: the database in one transaction, then the folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, Engine

from common.errors import NastavnikError
from common.messages import reason_of
from storage.db import current_revision, head_revision

MANIFEST = "backup.json"
SQLITE_FILE = "nastavnik.db"
PG_FILE = "nastavnik.dump"
FILES_DIR = "files"


@dataclass(frozen=True)
class BackupReport:
    """What a backup or restore wrote."""

    directory: Path
    database: str
    revision: str | None
    documents: int


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise NastavnikError(code="backup.in_memory", where=str(engine.url))
    return Path(database)


def _pg_command(engine: Engine) -> tuple[str, dict[str, str], str]:
    """A libpq URL without the password, the environment carrying it, and nastavnik's schema."""
    url: URL = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
        url = url.set(password=None)
    with engine.connect() as connection:
        schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
    return url.render_as_string(hide_password=False), env, str(schema)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise NastavnikError(code="backup.no_tool", tool=name)
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise NastavnikError(
            code="backup.tool_failed", tool=what, detail=reason_of(detail[-1] if detail else "")
        )


def _count_files(directory: Path) -> int:
    return sum(1 for path in directory.rglob("*") if path.is_file()) if directory.is_dir() else 0


def backup(*, engine: Engine, documents_dir: Path, target: Path, now: datetime) -> BackupReport:
    """Write a backup of the database and the documents folder into ``target`` (new or empty).

    Args:
        engine: nastavnik's database (SQLite or PostgreSQL); may be in use meanwhile.
        documents_dir: generated documents and uploaded scans (NASTAVNIK_DOCUMENTS_DIR).
        target: a directory that does not exist yet or is empty.
        now: recorded in the manifest.
    """
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise NastavnikError(code="backup.target_not_empty", where=str(target))
    revision = current_revision(engine)
    if revision is None:
        raise NastavnikError(code="backup.no_database", where=str(engine.url))
    target.mkdir(parents=True, exist_ok=True)
    dialect = engine.dialect.name
    if dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        copy = sqlite3.connect(target / SQLITE_FILE)
        try:
            with copy:
                source.backup(copy)  # a consistent snapshot while others write
        finally:
            copy.close()
            source.close()
    elif dialect == "postgresql":
        url, env, schema = _pg_command(engine)
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                f"--schema={schema}",
                "--no-owner",
                f"--file={target / PG_FILE}",
                url,
            ],
            env,
            "pg_dump",
        )
    else:
        raise NastavnikError(code="backup.unsupported", dialect=dialect)
    files = target / FILES_DIR
    if documents_dir.is_dir():
        shutil.copytree(documents_dir, files)
    else:
        files.mkdir()
    documents = _count_files(files)
    manifest = {
        "created_at": now.isoformat(),
        "database": dialect,
        "revision": revision,
        "documents": documents,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return BackupReport(target, dialect, revision, documents)


def read_manifest(source: Path) -> dict[str, Any]:
    """The backup's manifest; a clear error when ``source`` is not a backup."""
    path = source / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise NastavnikError(code="backup.not_a_backup", where=str(source)) from None
    except (ValueError, OSError) as error:
        raise NastavnikError(
            code="backup.damaged", where=str(path), detail=f": {reason_of(error)}"
        ) from None
    if not isinstance(manifest, dict):
        raise NastavnikError(code="backup.damaged", where=str(path), detail="")
    return manifest


def restore(*, engine: Engine, documents_dir: Path, source: Path) -> BackupReport:
    """Put a backup back: the database (replaced whole) and the documents folder.

    The services must be stopped meanwhile (docs/deployment.md). A backup of an older schema is
    restored as it is; `nastavnik init` then upgrades it. A backup from a newer nastavnik is
    refused.
    """
    manifest = read_manifest(source)
    dialect = engine.dialect.name
    if manifest.get("database") != dialect:
        raise NastavnikError(
            code="backup.other_database",
            where=str(source),
            copy=manifest.get("database"),
            dialect=dialect,
        )
    revision = manifest.get("revision")
    head = head_revision()
    if isinstance(revision, str) and revision > head:
        raise NastavnikError(code="backup.newer", where=str(source), revision=revision, head=head)
    if dialect == "sqlite":
        dump = source / SQLITE_FILE
        if not dump.is_file():
            raise NastavnikError(code="backup.no_dump", where=str(dump))
        engine.dispose()
        backup_copy = sqlite3.connect(dump)
        live = sqlite3.connect(_sqlite_path(engine))
        try:
            backup_copy.backup(live)  # replaces every page of the live database at once
        finally:
            live.close()
            backup_copy.close()
    else:
        dump = source / PG_FILE
        if not dump.is_file():
            raise NastavnikError(code="backup.no_dump", where=str(dump))
        url, env, schema = _pg_command(engine)
        engine.dispose()
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={url}",
                str(dump),
            ],
            env,
            "pg_restore",
        )
    files = source / FILES_DIR
    if documents_dir.exists():
        shutil.rmtree(documents_dir)
    if files.is_dir():
        shutil.copytree(files, documents_dir)
    else:
        documents_dir.mkdir(parents=True)
    return BackupReport(
        source, dialect, revision if isinstance(revision, str) else None, _count_files(files)
    )
