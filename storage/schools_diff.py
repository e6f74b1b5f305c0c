"""What a schools import would change, shown before it is applied.

A schools file overwrites what it names, admin e-mails included (they decide who gets the
escalations), so the portal and the CLI show the difference first: schools added, fields changed
(old → new), schools the system has and the file lacks (they are kept). The preview runs the import
itself inside a savepoint and rolls it back, so it shows exactly what applying would do.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from common.messages import render_message
from storage.journal import journal_row
from storage.models import School
from storage.schools import ImportResult, import_schools, parse_schools_file

# the fields of a school a file sets, in the order a person reads them
FIELD_LABELS = {
    "name": "полное название",
    "short_name": "краткое название",
    "director": "директор",
    "admin_email": "адрес почты ответственного",
    "curator": "куратор",
    "curator_email": "адрес почты куратора",
    "territory": "территория",
    "extra": "дополнительные столбцы",
}
_SKIPPED = {"id", "municipality_id", "added_at"}


@dataclass(frozen=True)
class FieldChange:
    """One field of one school: its old and new value."""

    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class SchoolChange:
    """A school the file changes."""

    id: str
    short_name: str
    changes: list[FieldChange]


@dataclass
class SchoolsDiff:
    """What importing a file would do to the schools."""

    added: list[tuple[str, str]] = field(default_factory=list)  # (id, short name)
    changed: list[SchoolChange] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # kept, not in the file
    unchanged: int = 0

    @property
    def admin_email_changes(self) -> list[tuple[str, str, str, str]]:
        """(id, short name, old e-mail, new e-mail) of schools whose admin e-mail changes."""
        return [
            (school.id, school.short_name, change.old, change.new)
            for school in self.changed
            for change in school.changes
            if change.field == "admin_email"
        ]

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.changed)

    @property
    def changes_existing(self) -> bool:
        """Whether schools already in the system would change (a plain addition does not)."""
        return bool(self.changed)

    def fingerprint(self) -> str:
        """A digest of the difference: the confirmation applies only what was shown."""
        payload = json.dumps(
            [
                self.added,
                [(s.id, [(c.field, c.old, c.new) for c in s.changes]) for s in self.changed],
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items())) if value else ""
    return "" if value is None else str(value)


def _snapshot(session: Session) -> dict[str, dict[str, str]]:
    return {
        school.id: {
            name: _text(value)
            for name, value in school.model_dump().items()
            if name not in _SKIPPED
        }
        for school in session.exec(select(School))
    }


def diff_schools_import(*, session: Session, path: Path, now: datetime) -> SchoolsDiff:
    """What importing this file would change (the import runs in a savepoint, rolled back).

    Raises:
        NastavnikError: the file is not a valid schools file (row and column named).
    """
    file_ids = [row["id"] for row in parse_schools_file(path)]
    session.flush()
    before = _snapshot(session)
    savepoint = session.begin_nested()
    try:
        import_schools(session=session, path=path, now=now, by="preview")
        session.flush()
        after = _snapshot(session)
    finally:
        savepoint.rollback()
    session.expire_all()
    diff = SchoolsDiff()
    for school_id in file_ids:
        new = after[school_id]
        old = before.get(school_id)
        if old is None:
            diff.added.append((school_id, new.get("short_name", "")))
            continue
        changes = [
            FieldChange(name, FIELD_LABELS.get(name, name), old.get(name, ""), value)
            for name, value in new.items()
            if old.get(name, "") != value
        ]
        changes.sort(
            key=lambda c: list(FIELD_LABELS).index(c.field) if c.field in FIELD_LABELS else 99
        )
        if changes:
            diff.changed.append(SchoolChange(school_id, old.get("short_name", ""), changes))
        else:
            diff.unchanged += 1
    listed = set(file_ids)
    diff.missing = [
        (school_id, values.get("short_name", ""))
        for school_id, values in sorted(before.items())
        if school_id not in listed
    ]
    return diff


def apply_schools_import(
    *, session: Session, path: Path, now: datetime, by: str, source: str = "cli"
) -> tuple[ImportResult, SchoolsDiff]:
    """Import the file and journal each changed admin e-mail (the coordinator's next letter
    lists them); returns the import's result and the difference it made."""
    diff = diff_schools_import(session=session, path=path, now=now)
    result = import_schools(session=session, path=path, now=now, by=by)
    for school_id, _short_name, old, new in diff.admin_email_changes:
        session.add(
            journal_row(
                at=now,
                actor=by,
                action="school_admin_email_change",
                source=source,
                school_id=school_id,
                before=old,
                after=new,
                details={"old": old, "new": new},
            )
        )
    session.flush()
    return result, diff


def describe_diff(diff: SchoolsDiff) -> list[str]:
    """The difference in Russian lines, for the CLI."""
    lines: list[str] = []
    if diff.added:
        lines.append(render_message("schools.diff_added", count=len(diff.added)))
        lines += [f"  + {school_id} — {name}" for school_id, name in diff.added]
    if diff.changed:
        lines.append(render_message("schools.diff_changed", count=len(diff.changed)))
        for school in diff.changed:
            lines.append(f"  ~ {school.id} — {school.short_name}")
            lines += [
                f"      {c.label}: «{c.old or '—'}» → «{c.new or '—'}»" for c in school.changes
            ]
    if diff.missing:
        lines.append(render_message("schools.diff_missing", count=len(diff.missing)))
        lines += [f"  ? {school_id} — {name}" for school_id, name in diff.missing]
    if diff.unchanged:
        lines.append(render_message("schools.diff_unchanged", count=diff.unchanged))
    if not diff.changes_anything:
        lines.append(render_message("schools.diff_nothing"))
    return lines
