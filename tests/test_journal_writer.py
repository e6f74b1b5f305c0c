"""One journal writer: every journal row is built by storage/journal.py, nowhere else."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.journal import journal_row, journal_values
from storage.models import JournalEntry

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "common", "definitions", "storage", "engine", "registry", "notifications", "documents",
    "tasks", "flows", "web", "nastavnik", "benchmarks",
)  # fmt: skip
WRITER = "storage/journal.py"
COLUMNS = {"actor", "action", "at"}


def _rows_built_elsewhere() -> list[str]:
    """Places outside the writer that construct a journal row: ``JournalEntry(…)``, a Core insert
    into its table, raw SQL into ``journal``, or a dict literal with the row's columns."""
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            place = path.relative_to(ROOT).as_posix()
            if place == WRITER or "/migrations/" in place:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                where = f"{place}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    if name == "JournalEntry":
                        found.append(f"{where}: JournalEntry(…)")
                    if name == "insert" and "JournalEntry" in ast.unparse(node):
                        found.append(f"{where}: insert(JournalEntry)")
                elif isinstance(node, ast.Dict):
                    keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                    if COLUMNS <= keys:
                        found.append(f"{where}: a dict of the journal's columns")
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if "insert into journal" in " ".join(node.value.lower().split()):
                        found.append(f"{where}: INSERT INTO journal")
    return found


def test_nothing_but_the_writer_builds_a_journal_row() -> None:
    found = _rows_built_elsewhere()
    assert not found, "build journal rows with storage.journal (journal_row, journal_values):\n" + (
        "\n".join(found)
    )


def test_the_writer_fills_every_column_and_refuses_a_moment_without_a_zone() -> None:
    moment = datetime(2022, 5, 13, 9, tzinfo=UTC)
    row = journal_row(at=moment, actor="a@x.ru", action="done", source="web", school_id="sosh1")
    assert (row.at, row.actor, row.action, row.source, row.school_id, row.details) == (
        moment,
        "a@x.ru",
        "done",
        "web",
        "sosh1",
        {},
    )
    columns = set(JournalEntry.model_fields) - {"id"}
    assert set(journal_values(at=moment, actor="a", action="x")) == columns
    with pytest.raises(ValueError, match="naive"):
        journal_values(at=datetime(2022, 5, 13, 9), actor="a", action="x")
