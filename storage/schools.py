"""Municipality set-up and the schools import (CSV or XLSX): all rows or none."""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from common.clock import local_day
from common.errors import NastavnikError
from common.messages import render_message
from common.text import bad_character
from storage.journal import journal_row
from storage.models import Municipality, School, StepInstance

REQUIRED_COLUMNS = ("id", "name", "short_name", "director", "admin_email")
OPTIONAL_COLUMNS = ("curator", "curator_email", "territory")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: schools added and updated."""

    added: list[str]
    updated: list[str]


def get_municipality(session: Session) -> Municipality:
    """The database's municipality; a clear error when `nastavnik init` has not been run."""
    municipality = session.exec(select(Municipality).order_by(col(Municipality.id))).first()
    if municipality is None:
        raise NastavnikError(code="municipality.missing")
    return municipality


def municipal_today(session: Session, now: datetime) -> date:
    """Today at ``now`` in the municipality's zone (``common.clock.local_day``)."""
    return local_day(now, get_municipality(session).timezone)


def check_timezone(timezone: str) -> str:
    """The zone itself, or a clear error when it is not an IANA name."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise NastavnikError(code="timezone.unknown", field="timezone", timezone=timezone) from None
    return timezone


def init_municipality(
    *,
    session: Session,
    now: datetime,
    name: str | None,
    timezone: str | None,
    coordinator: str | None = None,
    head: str | None = None,
    **details: str,
) -> Municipality:
    """Create the municipality or update the fields given."""
    if timezone is not None:
        check_timezone(timezone)
    for field, email in (("coordinator", coordinator), ("head", head)):
        if email is not None and not _EMAIL.match(email):
            raise NastavnikError(code="email.invalid", field=field, email=email)
    municipality = session.exec(select(Municipality).order_by(col(Municipality.id))).first()
    if municipality is None:
        if not name:
            raise NastavnikError(code="municipality.name_needed", field="municipality")
        municipality = Municipality(name=name, timezone=timezone or "Europe/Moscow", created_at=now)
    if name:
        municipality.name = name
    if timezone:
        municipality.timezone = timezone
    recipients_before = (municipality.coordinator_email, municipality.head_email)
    if coordinator:
        municipality.coordinator_email = coordinator
    if head:
        municipality.head_email = head
    if municipality.id is not None and recipients_before != (
        municipality.coordinator_email,
        municipality.head_email,
    ):
        mark_for_tick(session)
    for key, value in details.items():
        if value is not None and hasattr(municipality, key):
            setattr(municipality, key, value)
    session.add(municipality)
    session.flush()
    return municipality


def mark_for_tick(session: Session, *, school_ids: list[str] | None = None) -> None:
    """Have the next tick re-examine these schools' steps (all steps without ``school_ids``).

    The tick looks only at new due dates and changed steps; a new recipient (another school admin,
    coordinator or head) must hear about what is already late, so their steps count as changed.
    """
    statement = update(StepInstance).values(tick_dirty=True)
    if school_ids is not None:
        statement = statement.where(col(StepInstance.school_id).in_(school_ids))
    session.execute(statement)


def _read_rows(
    path: Path, expected: str = "id, name, short_name, director, admin_email"
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (row number, cells) from a CSV or XLSX file; row numbers as a spreadsheet shows them."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a damaged file
            _log.info("%s: openpyxl cannot read it: %s", path, error)
            raise NastavnikError(code="schools.xlsx_unreadable", where=str(path)) from None
        sheet = workbook.worksheets[0]
        rows = [
            (index, ["" if cell is None else str(cell).strip() for cell in row])
            for index, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
        workbook.close()
    elif suffix in (".csv", ".txt"):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            try:
                text = raw.decode("cp1251")  # Excel on Russian Windows saves CSV in cp1251
            except UnicodeDecodeError:
                line = raw[: error.start].count(b"\n") + 1
                raise NastavnikError(code="schools.encoding", where=str(path), line=line) from None
        return read_csv_text(text, where=str(path), expected=expected)
    else:
        raise NastavnikError(code="schools.not_a_table", where=str(path))
    return _header_and_rows(rows, where=str(path), expected=expected)


def read_csv_text(
    text: str, *, where: str, expected: str
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (row number, cells) of CSV text, «,», «;» or tab separated."""
    text = text.lstrip("\ufeff")
    dialect: Any = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
    except csv.Error:
        pass
    rows = [
        (index, [cell.strip() for cell in row])
        for index, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1)
    ]
    return _header_and_rows(rows, where=where, expected=expected)


def _header_and_rows(
    rows: list[tuple[int, list[str]]], *, where: str, expected: str
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    rows = [(index, cells) for index, cells in rows if any(cells)]
    if not rows:
        raise NastavnikError(code="schools.empty", where=where, columns=expected)
    header = [cell.strip().lower() for cell in rows[0][1]]
    return header, rows[1:]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _undeclinable(full_name: str) -> str | None:
    """Why documents cannot decline this name («Петров И.И.»), or None when they can."""
    from common.declension import split_full_name

    try:
        split_full_name(full_name)
    except NastavnikError:
        return (
            f"«{full_name}» — нужны полные фамилия, имя и отчество («Петров Иван Иванович»): "
            "приказы склоняют имя и ставят инициалы сами"
        )
    return None


def parse_schools_file(path: Path) -> list[dict[str, Any]]:
    """Validated school rows; every problem reported as row and column, nothing partial."""
    if not path.exists():
        raise NastavnikError(code="file.missing", where=str(path))
    header, rows = _read_rows(path)
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise NastavnikError(
            code="schools.missing_columns",
            where=str(path),
            missing=", ".join(missing),
            columns=", ".join(REQUIRED_COLUMNS),
        )
    position = {name: header.index(name) for name in header if name}
    problems: list[str] = []
    parsed: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row_number, cells in rows:
        cells = cells + [""] * (len(header) - len(cells))
        value = {name: cells[index] for name, index in position.items()}

        def problem(column: str, message: str, row_number: int = row_number) -> None:
            problems.append(
                render_message(
                    "schools.cell",
                    row=row_number,
                    column=_column_letter(position[column]),
                    name=column,
                    problem=message,
                )
            )

        for column, cell in value.items():
            code = bad_character(cell)
            if code is not None:
                problem(column, render_message("schools.cell_control", character=code))
        for column in REQUIRED_COLUMNS:
            if not value[column]:
                problem(column, render_message("schools.cell_empty"))
        if value["id"] and not _ID.match(value["id"]):
            problem("id", render_message("schools.cell_bad_id", value=value["id"]))
        if value["id"] in seen:
            problem(
                "id",
                render_message("schools.cell_repeats", value=value["id"], row=seen[value["id"]]),
            )
        elif value["id"]:
            seen[value["id"]] = row_number
        for column in ("director", "curator"):
            if value.get(column) and (reason := _undeclinable(value[column])):
                problem(column, reason)
        for column in ("admin_email", "curator_email"):
            if column in value and value[column] and not _EMAIL.match(value[column]):
                problem(column, render_message("email.invalid", email=value[column]))
        parsed.append(value)
    if problems:
        raise NastavnikError(
            code="schools.problems",
            where=str(path),
            count=len(problems),
            lines="\n  ".join(problems),
        )
    if not parsed:
        raise NastavnikError(code="schools.no_rows", where=str(path))
    return parsed


def import_schools(*, session: Session, path: Path, now: datetime, by: str = "cli") -> ImportResult:
    """Add or update the schools of a file in one transaction."""
    rows = parse_schools_file(path)
    municipality = get_municipality(session)
    added: list[str] = []
    updated: list[str] = []
    new_recipient: list[str] = []
    known = {school.id: school for school in session.exec(select(School))}
    for row in rows:
        extra = {k: v for k, v in row.items() if k not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS and v}
        school = known.get(row["id"])
        if school is None:
            school = School(
                id=row["id"],
                municipality_id=municipality.id or 0,
                added_at=now,
                name="",
                short_name="",
                director="",
                admin_email="",
            )
            added.append(row["id"])
        else:
            updated.append(row["id"])
            if school.admin_email != row["admin_email"]:
                new_recipient.append(school.id)
        school.name = row["name"]
        school.short_name = row["short_name"]
        school.director = row["director"]
        school.admin_email = row["admin_email"]
        school.curator = row.get("curator", "") or school.curator
        school.curator_email = row.get("curator_email", "") or school.curator_email
        school.territory = row.get("territory", "") or school.territory
        school.extra = extra
        session.add(school)
    if new_recipient:
        mark_for_tick(session, school_ids=new_recipient)
    session.add(
        journal_row(
            at=now,
            actor=by,
            action="schools_import",
            details={"file": path.name, "added": added, "updated": updated},
        )
    )
    session.flush()
    return ImportResult(added=added, updated=updated)
