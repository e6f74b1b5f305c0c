"""Export a school's registry as CSV or XLSX in the import format (so it can be edited and re-imported).

Names leave the system here, so only who may see them may export (registry/privacy.py), and each
export is journaled: who, from where, which school, what and how many rows (never the names).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Literal

from openpyxl import Workbook
from sqlmodel import Session, col, select

from common.errors import NastavnikError
from common.russian import format_date_numeric
from common.spreadsheets import csv_row, xlsx_sheet_text
from engine.actions import Actor
from registry.importer import PAIR_FIELDS
from registry.journal import record_act
from registry.models import (
    MENTEE_CATEGORIES,
    MENTOR_CATEGORIES,
    PAIR_STATUSES,
    Mentee,
    Mentor,
    MentorshipForm,
    MentorshipPair,
    PairMentee,
    PairMentor,
)
from registry.people import require_school
from registry.privacy import Viewer, require_names
from registry.values import MENTEE_FIELDS, MENTOR_FIELDS, FieldSpec

ExportKind = Literal["mentors", "mentees", "pairs"]
ExportFormat = Literal["csv", "xlsx"]
_PAIR_COLUMNS = ("mentor", "mentee", "form", "start", "end", "group", "programme", "status")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if hasattr(value, "strftime"):
        return format_date_numeric(value)  # type: ignore[arg-type]
    return str(value)


def _people_rows(
    session: Session, kind: ExportKind, school_id: str
) -> tuple[list[str], list[list[str]]]:
    if kind == "mentors":
        fields: tuple[FieldSpec, ...] = MENTOR_FIELDS
        model: type[Mentor] | type[Mentee] = Mentor
        labels = MENTOR_CATEGORIES
    else:
        fields, model, labels = MENTEE_FIELDS, Mentee, MENTEE_CATEGORIES
    people = session.exec(
        select(model)
        .where(model.school_id == school_id, col(model.removed_at).is_(None))
        .order_by(model.full_name)
    )
    rows = []
    for person in people:
        row = []
        for spec in fields:
            value = getattr(person, spec.name)
            row.append(labels[value] if spec.name == "category" else _cell(value))
        rows.append(row)
    return [spec.label for spec in fields], rows


def _pair_rows(session: Session, school_id: str) -> tuple[list[str], list[list[str]]]:
    forms = {f.code: f.title for f in session.exec(select(MentorshipForm))}
    mentors = {
        m.id: m.full_name for m in session.exec(select(Mentor).where(Mentor.school_id == school_id))
    }
    mentees = {
        m.id: m.full_name for m in session.exec(select(Mentee).where(Mentee.school_id == school_id))
    }
    rows = []
    for pair in session.exec(
        select(MentorshipPair)
        .where(MentorshipPair.school_id == school_id, MentorshipPair.status != "cancelled")
        .order_by(col(MentorshipPair.id))
    ):
        pair_mentors = session.exec(
            select(PairMentor.mentor_id).where(PairMentor.pair_id == pair.id)
        )
        pair_mentees = list(
            session.exec(select(PairMentee.mentee_id).where(PairMentee.pair_id == pair.id))
        )
        for mentor_id in pair_mentors:
            for mentee_id in pair_mentees:
                if not mentors.get(mentor_id) or not mentees.get(mentee_id):
                    continue  # removed on request: no name to export
                rows.append(
                    [
                        mentors[mentor_id],
                        mentees[mentee_id],
                        forms[pair.form_code],
                        _cell(pair.start_date),
                        _cell(pair.end_date),
                        pair.group_name or "",
                        pair.programme,
                        PAIR_STATUSES[pair.status],
                    ]
                )
    labels = {spec.name: spec.label for spec in PAIR_FIELDS}
    return [labels[name] for name in _PAIR_COLUMNS], rows


def export_registry(
    *,
    session: Session,
    viewer: Viewer,
    school_id: str,
    kind: ExportKind,
    fmt: ExportFormat,
    now: datetime,
    source: str = "cli",
    remote_addr: str | None = None,
) -> bytes:
    """The school's mentors, mentees or pairs as CSV («;», UTF-8 with BOM) or XLSX bytes.

    Args:
        session: an open session (the journal row is added to it; the caller commits).
        viewer: who exports; must be allowed to see the school's names.
        school_id: the school.
        kind: mentors, mentees or pairs.
        fmt: csv or xlsx.
        now: the moment (journaled).
        source, remote_addr: where the export was asked from (journaled).
    """
    require_school(session, school_id)
    require_names(viewer, school_id)
    if kind not in ("mentors", "mentees", "pairs"):
        raise NastavnikError(code="registry.unknown_kind", field="kind", kind=kind)
    if fmt not in ("csv", "xlsx"):
        raise NastavnikError(code="registry.unknown_format", field="format", format=fmt)
    header, rows = (
        _pair_rows(session, school_id)
        if kind == "pairs"
        else _people_rows(session, kind, school_id)
    )
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(csv_row(row) for row in rows)
        data = ("\ufeff" + text.getvalue()).encode("utf-8")
    else:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = {"mentors": "Наставники", "mentees": "Наставляемые", "pairs": "Пары"}[kind]
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        xlsx_sheet_text(sheet)
        raw = io.BytesIO()
        book.save(raw)
        data = raw.getvalue()
    record_act(
        session,
        actor=Actor(viewer.email, source=source, remote_addr=remote_addr),
        action="registry_export",
        now=now,
        school_id=school_id,
        details={"kind": kind, "format": fmt, "rows": len(rows)},
    )
    session.flush()
    return data
