"""Import a school's mentors, mentees or pairs from CSV or XLSX: every row valid, or nothing.

Files: a header row is required; columns in any order, named by id (``full_name``) or in Russian
(«ФИО»); «,» or «;» separated, UTF-8 with or without BOM (or Excel's cp1251); dates «15.09.2022»,
«15 сентября 2022 г.» or «2022-09-15». Every problem is reported at once as «строка 3, столбец C
(категория): …» with the row and column a spreadsheet shows, and nothing is written while any row
is wrong. Reading the file reuses the schools import (storage/schools.py).

People are matched by name within the school: a row whose ФИО is already in the base updates that
record, a new name adds one. A pairs row joins one mentor and one mentee; rows with the same
``group`` make one group. The pairs file of documents/pairs_csv.py imports as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlmodel import Session, col, select

from common.declension import split_full_name
from common.errors import NastavnikError
from common.messages import render_message
from common.numbers import whole_number
from common.russian import format_date_numeric, plural_ru
from engine.actions import Actor
from registry.forms import list_forms
from registry.models import MentorshipPair, PairMentee, PairMentor
from registry.pairing import (
    PairDraft,
    PairLoad,
    check_pair,
    load_of,
    people_of,
    write_pair,
)
from registry.people import (
    Kind,
    check_person,
    model_of,
    name_key,
    people_by_name,
    require_school,
)
from registry.values import (
    MENTEE_FIELDS,
    MENTOR_FIELDS,
    FieldSpec,
    Invalid,
    normalise_word,
    read_date,
)
from storage.journal import record_act
from storage.schools import _column_letter, _read_rows, municipal_today, read_csv_text

FileKind = Literal["mentors", "mentees", "pairs"]

PAIR_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("mentor", "наставник", None, True, ("наставник", "фио наставника")),
    FieldSpec("mentee", "наставляемый", None, True, ("наставляемый", "фио наставляемого")),
    FieldSpec("form", "форма", None, True, ("форма", "форма наставничества")),
    FieldSpec("start", "начало", None, True, ("начало", "дата начала")),
    FieldSpec("end", "окончание", None, True, ("окончание", "дата окончания")),
    FieldSpec("group", "группа", None, False, ("группа",)),
    FieldSpec("programme", "программа", None, False, ("программа", "program")),
    FieldSpec("status", "статус", None, False, ("статус",)),
    # the order's CSV has positions; the registry keeps them on the people, so they are ignored
    FieldSpec("mentor_position", "должность наставника", None, False, ()),
    FieldSpec("mentee_position", "должность наставляемого", None, False, ()),
)
_PAIR_STATUS_WORDS = {
    "active": "active",
    "действует": "active",
    "активна": "active",
    "finished": "finished",
    "завершена": "finished",
    "cancelled": "cancelled",
    "прекращена": "cancelled",
}
# a draft pair's field → the file column a problem with it is reported in
_PAIR_COLUMN = {
    "form": "form",
    "mentors": "mentor",
    "mentees": "mentee",
    "start_date": "start",
    "end_date": "end",
    "status": "status",
}


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    kind: str
    school_id: str
    added: int
    updated: int
    unchanged: int

    def text(self) -> str:
        """One line for the CLI."""
        return (
            f"{self.kind} of {self.school_id}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )


@dataclass
class _Table:
    """A read file: its columns by field id, and rows as field id → text."""

    where: str
    columns: dict[str, int]
    headers: dict[str, str]
    labels: dict[str, str]
    rows: list[tuple[int, dict[str, str]]]
    problems: list[str] = field(default_factory=list)

    def problem(self, row: int, name: str, message: str) -> None:
        """Record a problem at a row and a field's column (or the field, when it has no column)."""
        index = self.columns.get(name)
        if index is not None:
            where = render_message(
                "registry.at_column", column=_column_letter(index), header=self.headers[name]
            )
        else:
            where = render_message(
                "registry.at_field", label=self.labels.get(name, name), name=name
            )
        self.problems.append(
            render_message("registry.row_problem", row=row, place=where, problem=message)
        )

    def fail_if_problems(self) -> None:
        """Raise every recorded problem at once: nothing is written."""
        if self.problems:
            count, noun, lines = self.summary()
            raise NastavnikError(
                code="registry.problems", where=self.where, count=count, noun=noun, lines=lines
            )

    def summary(self) -> tuple[int, str, str]:
        """The recorded problems as a message tells them: count, noun, lines."""
        count = len(self.problems)
        return count, plural_ru(count, "ошибка", "ошибки", "ошибок"), "\n  ".join(self.problems)


def _header_key(text: str) -> str:
    return normalise_word(text).replace("_", " ")


def _read_table(path: Path, fields: tuple[FieldSpec, ...]) -> _Table:
    if not path.exists():
        raise NastavnikError(code="registry.file_missing", where=str(path))
    header, rows = _read_rows(path, expected=_expected(fields))
    return _table_of(header, rows, fields, where=str(path))


def _expected(fields: tuple[FieldSpec, ...]) -> str:
    return ", ".join(spec.name for spec in fields if spec.required)


def _table_of(
    header: list[str],
    rows: list[tuple[int, list[str]]],
    fields: tuple[FieldSpec, ...],
    *,
    where: str,
) -> _Table:
    """A table of the fields from a file's header and rows; a wrong header is refused."""
    names: dict[str, str] = {}
    for spec in fields:
        for alias in (spec.name, spec.label, *spec.aliases):
            names[_header_key(alias)] = spec.name
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for index, title in enumerate(header):
        if not title.strip():
            continue
        name = names.get(_header_key(title))
        if name is None:
            unknown.append(f"{_column_letter(index)} «{title}»")
        elif name in columns:
            repeated.append(f"{_column_letter(index)} «{title}»")
        else:
            columns[name] = index
            headers[name] = title
    missing = [spec.name for spec in fields if spec.required and spec.name not in columns]
    if missing or unknown or repeated:
        parts = []
        if missing:
            parts.append(render_message("registry.columns_missing", columns=", ".join(missing)))
        if unknown:
            parts.append(render_message("registry.columns_unknown", columns=", ".join(unknown)))
        if repeated:
            parts.append(render_message("registry.columns_repeated", columns=", ".join(repeated)))
        known = ", ".join(f"{spec.name} («{spec.label}»)" for spec in fields)
        raise NastavnikError(
            code="registry.header", where=where, problems="; ".join(parts), known=known
        )
    table_rows = []
    for row_number, cells in rows:
        cells = cells + [""] * (len(header) - len(cells))
        table_rows.append((row_number, {name: cells[index] for name, index in columns.items()}))
    if not table_rows:
        raise NastavnikError(code="registry.no_rows", where=where)
    return _Table(
        where=where,
        columns=columns,
        headers=headers,
        labels={spec.name: spec.label for spec in fields},
        rows=table_rows,
    )


def import_people(
    *, session: Session, kind: Kind, school_id: str, path: Path, actor: Actor, now: datetime
) -> ImportResult:
    """Add or update a school's mentors (kind "mentor") or mentees ("mentee") from a file.

    Args:
        session: the open session (the caller commits; a problem leaves it untouched).
        kind: "mentor" or "mentee".
        school_id: the school whose base the file is.
        path: a .csv or .xlsx file.
        actor: who imports (journaled with the counts, never the names).
        now: the moment of the import.
    """
    require_school(session, school_id)
    table = _read_table(path, MENTOR_FIELDS if kind == "mentor" else MENTEE_FIELDS)
    today = municipal_today(session, now)
    existing = people_by_name(session, kind, school_id)
    seen: dict[str, int] = {}
    checked_rows: list[dict[str, Any]] = []
    for row_number, raw in table.rows:
        values, problems = check_person(kind, raw, today=today)
        for name, message in problems.items():
            table.problem(row_number, name, message)
        if "full_name" not in problems:
            key = name_key(values["full_name"])
            if key in seen:
                table.problem(
                    row_number, "full_name", render_message("registry.repeats_row", row=seen[key])
                )
            seen.setdefault(key, row_number)
        checked_rows.append(values)
    table.fail_if_problems()
    model = model_of(kind)
    added = updated = unchanged = 0
    for values in checked_rows:
        person = existing.get(name_key(values["full_name"]))
        if person is None:
            session.add(model(school_id=school_id, created_at=now, updated_at=now, **values))
            added += 1
            continue
        changed = [name for name, value in values.items() if getattr(person, name) != value]
        if not changed:
            unchanged += 1
            continue
        for name in changed:
            setattr(person, name, values[name])
        person.version += 1
        person.updated_at = now
        session.add(person)
        updated += 1
    result = ImportResult(
        kind=f"{kind}s", school_id=school_id, added=added, updated=updated, unchanged=unchanged
    )
    record_act(
        session,
        actor=actor,
        action="registry_import",
        now=now,
        school_id=school_id,
        details={
            "kind": result.kind,
            "file": path.name,
            "added": added,
            "updated": updated,
            "unchanged": unchanged,
        },
    )
    session.flush()
    return result


@dataclass
class _Group:
    """Rows that make one pair or group."""

    first_row: int
    key: tuple[str, ...]
    draft: PairDraft
    rows: list[int] = field(default_factory=list)


def _find_person(value: str, *, kind: Kind, by_name: dict[str, Any], by_id: dict[int, Any]) -> int:
    """The id of a person named in a pairs row: «mentor:12», or the ФИО as in the base."""
    text = value.strip()
    prefix = f"{kind}:"
    if text.lower().startswith(prefix):
        number = text[len(prefix) :].strip()
        found = whole_number(number)
        if found is not None and found in by_id and by_id[found].removed_at is None:
            return found
        raise Invalid(render_message("registry.no_such_record", value=text))
    person = by_name.get(name_key(text))
    if person is None:
        if kind == "mentor":
            raise Invalid(render_message("registry.not_among_mentors", value=text))
        raise Invalid(render_message("registry.not_among_mentees", value=text))
    return int(person.id)


def _read_dates(
    table: _Table, row_number: int, raw: dict[str, str]
) -> tuple[date | None, date | None]:
    dates: dict[str, date | None] = {}
    for name in ("start", "end"):
        dates[name] = None
        if raw.get(name, "").strip():
            try:
                dates[name] = read_date(raw[name])
            except Invalid as error:
                table.problem(row_number, name, str(error))
        else:
            table.problem(row_number, name, render_message("values.empty"))
    return dates["start"], dates["end"]


def import_pairs(
    *, session: Session, school_id: str, path: Path, actor: Actor, now: datetime
) -> ImportResult:
    """Form a school's pairs and groups from a file, checking every pairing rule.

    A pair already in the registry with the same form, people and dates is left unchanged, so the
    same file can be imported again.
    """
    require_school(session, school_id)
    table = _read_table(path, PAIR_FIELDS)
    today = municipal_today(session, now)
    groups, broken = _group_rows(table, people=_PeopleIndex.of(session, school_id))
    accepted, unchanged = _check_groups(
        session,
        table,
        [group for group in groups if id(group) not in broken],
        school_id=school_id,
        today=today,
    )
    table.fail_if_problems()
    for group, form in accepted:
        write_pair(session, school_id=school_id, draft=group.draft, form=form, today=today, now=now)
    result = ImportResult(
        kind="pairs", school_id=school_id, added=len(accepted), updated=0, unchanged=unchanged
    )
    record_act(
        session,
        actor=actor,
        action="registry_import",
        now=now,
        school_id=school_id,
        details={
            "kind": "pairs",
            "file": path.name,
            "added": len(accepted),
            "unchanged": unchanged,
        },
    )
    return result


@dataclass(frozen=True)
class _PeopleIndex:
    """A school's mentors and mentees by id and by name, to find the people a pairs row names."""

    mentors: dict[int, Any]
    mentees: dict[int, Any]
    mentor_names: dict[str, Any]
    mentee_names: dict[str, Any]

    @classmethod
    def of(cls, session: Session, school_id: str) -> _PeopleIndex:
        mentors, mentees = people_of(session, school_id)
        return cls(
            mentors=mentors,
            mentees=mentees,
            mentor_names=people_by_name(session, "mentor", school_id),
            mentee_names=people_by_name(session, "mentee", school_id),
        )

    def lookups(self) -> tuple[tuple[Kind, dict[str, Any], dict[int, Any]], ...]:
        return (
            ("mentor", self.mentor_names, self.mentors),
            ("mentee", self.mentee_names, self.mentees),
        )


def _row_people(
    table: _Table, row_number: int, raw: dict[str, str], people: _PeopleIndex
) -> dict[str, int | None]:
    """The mentor's and the mentee's ids a pairs row names (None, with a problem, when not found)."""
    person_ids: dict[str, int | None] = {}
    for column, by_name, by_id in people.lookups():
        person_ids[column] = None
        if not raw.get(column, "").strip():
            table.problem(row_number, column, render_message("values.empty"))
            continue
        try:
            person_ids[column] = _find_person(
                raw[column], kind=column, by_name=by_name, by_id=by_id
            )
        except Invalid as error:
            table.problem(row_number, column, str(error))
    return person_ids


def _row_status(table: _Table, row_number: int, raw: dict[str, str]) -> str | None:
    status_text = normalise_word(raw.get("status", ""))
    status = _PAIR_STATUS_WORDS.get(status_text) if status_text else None
    if status_text and status is None:
        table.problem(
            row_number,
            "status",
            render_message("registry.pair_status", value=raw["status"]),
        )
    return status


def _group_rows(table: _Table, *, people: _PeopleIndex) -> tuple[list[_Group], set[int]]:
    """The file's rows as pairs and groups (rows with one ``group`` name make one group).

    Returns the groups in file order and the ids of those whose rows have problems of their own
    (their pairing rules are not checked).
    """
    groups: dict[str, _Group] = {}
    ordered: list[_Group] = []
    broken: set[int] = set()
    for row_number, raw in table.rows:
        problems_before = len(table.problems)
        person_ids = _row_people(table, row_number, raw, people)
        start, end = _read_dates(table, row_number, raw)
        status = _row_status(table, row_number, raw)
        group_name = raw.get("group", "").strip()
        key = (
            normalise_word(raw.get("form", "")),
            str(start),
            str(end),
            raw.get("programme", "").strip(),
            status or "",
        )
        if group_name and group_name in groups:
            group = groups[group_name]
            if group.key != key:
                table.problem(
                    row_number,
                    "group",
                    render_message("registry.group_differs", group=group_name, row=group.first_row),
                )
                broken.add(id(group))
                continue
        else:
            group = _Group(
                first_row=row_number,
                key=key,
                draft=PairDraft(
                    form=raw.get("form", ""),
                    mentor_ids=[],
                    mentee_ids=[],
                    start_date=start,
                    end_date=end,
                    programme=raw.get("programme", ""),
                    group_name=group_name or None,
                    status=status,
                ),
            )
            ordered.append(group)
            if group_name:
                groups[group_name] = group
        _add_people(table, group, row_number, person_ids)
        if len(table.problems) > problems_before:
            broken.add(id(group))  # its rules are not checked: the row itself is wrong
    return ordered, broken


def _add_people(
    table: _Table, group: _Group, row_number: int, person_ids: dict[str, int | None]
) -> None:
    group.rows.append(row_number)
    mentor_id, mentee_id = person_ids["mentor"], person_ids["mentee"]
    if mentor_id is not None and mentor_id not in group.draft.mentor_ids:
        group.draft.mentor_ids.append(mentor_id)
    if mentee_id is not None:
        if mentee_id in group.draft.mentee_ids:
            table.problem(
                row_number, "mentee", render_message("registry.mentee_in_row", row=group.first_row)
            )
        else:
            group.draft.mentee_ids.append(mentee_id)


def _check_groups(
    session: Session, table: _Table, groups: list[_Group], *, school_id: str, today: date
) -> tuple[list[tuple[_Group, Any]], int]:
    """Check each group's pairing rules; the accepted groups with their forms, and how many are
    already in the registry (a pair equal to one there is not checked against the load again)."""
    forms = list_forms(session)
    mentors, mentees = people_of(session, school_id)
    existing = _existing_pairs(session, school_id)
    load = load_of(session, school_id, today)
    accepted: list[tuple[_Group, Any]] = []
    unchanged = 0

    def check(draft: PairDraft, load: PairLoad) -> tuple[Any, dict[str, str]]:
        return check_pair(
            draft,
            school_id=school_id,
            forms=forms,
            mentors=mentors,
            mentees=mentees,
            load=load,
            today=today,
        )

    for group in groups:
        form, problems = check(group.draft, PairLoad())
        if form is not None and not problems and _signature(group.draft, form.code) in existing:
            unchanged += 1
            continue
        form, problems = check(group.draft, load)
        for name, message in problems.items():
            table.problem(group.first_row, _PAIR_COLUMN.get(name, name), message)
        if form is not None and not problems:
            load.take(group.draft, form.code, pair_id=0)
            accepted.append((group, form))
    return accepted, unchanged


def _signature(draft: PairDraft, form_code: str) -> tuple[Any, ...]:
    return (
        form_code,
        tuple(sorted(draft.mentor_ids)),
        tuple(sorted(draft.mentee_ids)),
        draft.start_date,
        draft.end_date,
    )


def _existing_pairs(session: Session, school_id: str) -> set[tuple[Any, ...]]:
    pairs = {
        pair.id or 0: pair
        for pair in session.exec(
            select(MentorshipPair).where(
                MentorshipPair.school_id == school_id, MentorshipPair.status != "cancelled"
            )
        )
    }
    if not pairs:
        return set()
    mentors: dict[int, list[int]] = {}
    mentees: dict[int, list[int]] = {}
    for pair_id, mentor_id in session.exec(
        select(PairMentor.pair_id, PairMentor.mentor_id).where(col(PairMentor.pair_id).in_(pairs))
    ):
        mentors.setdefault(pair_id, []).append(mentor_id)
    for pair_id, mentee_id in session.exec(
        select(PairMentee.pair_id, PairMentee.mentee_id).where(col(PairMentee.pair_id).in_(pairs))
    ):
        mentees.setdefault(pair_id, []).append(mentee_id)
    return {
        (
            pair.form_code,
            tuple(sorted(mentors.get(pair_id, []))),
            tuple(sorted(mentees.get(pair_id, []))),
            pair.start_date,
            pair.end_date,
        )
        for pair_id, pair in pairs.items()
    }


# the columns of the order on pairs (documents/): names as written, no base needed
ORDER_PAIR_COLUMNS = (
    "mentor",
    "mentee",
    "form",
    "start",
    "end",
    "group",
    "mentor_position",
    "mentee_position",
)


def read_pairs_file(*, path: Path) -> list[dict[str, Any]]:
    """The pairs of a pairs file (CSV or XLSX) as the order on pairs lists them.

    The same file as ``import_pairs`` reads, checked without the base: every row names a mentor
    and a mentee as «Фамилия Имя Отчество» (documents decline them), a form and its dates. Every
    problem is reported at once by row and column; no pair is returned while any row is wrong.
    """
    return _pair_lines(_read_table(path, PAIR_FIELDS))


def read_pairs_text(text: str, *, source: str) -> list[dict[str, Any]]:
    """``read_pairs_file`` of CSV text; ``source`` names it in messages."""
    header, rows = read_csv_text(text, where=source, expected=_expected(PAIR_FIELDS))
    return _pair_lines(_table_of(header, rows, PAIR_FIELDS, where=source))


def _pair_lines(table: _Table) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for row_number, raw in table.rows:
        problems_before = len(table.problems)
        for name in ("mentor", "mentee", "form"):
            if not raw.get(name, "").strip():
                table.problem(row_number, name, render_message("values.empty"))
            elif name != "form":
                try:
                    split_full_name(raw[name].strip())
                except NastavnikError as error:
                    table.problem(row_number, name, error.reason)
        start, end = _read_dates(table, row_number, raw)
        if start is not None and end is not None and start > end:
            table.problem(
                row_number,
                "end",
                render_message(
                    "pairing.end_before_start",
                    end=format_date_numeric(end),
                    start=format_date_numeric(start),
                ),
            )
        if raw.get("mentor", "").strip() and raw["mentor"].strip() == raw["mentee"].strip():
            table.problem(row_number, "mentee", render_message("registry.mentee_is_mentor"))
        if len(table.problems) == problems_before:
            line = {name: raw.get(name, "").strip() or None for name in ORDER_PAIR_COLUMNS}
            lines.append(line | {"start": start, "end": end})
    if table.problems:
        count, noun, listed = table.summary()
        raise NastavnikError(
            code="registry.pairs_unread", where=table.where, count=count, noun=noun, lines=listed
        )
    return lines


_IMPORTERS: dict[str, Callable[..., ImportResult]] = {
    "mentors": lambda **kw: import_people(kind="mentor", **kw),
    "mentees": lambda **kw: import_people(kind="mentee", **kw),
    "pairs": import_pairs,
}


def import_registry_file(
    *, session: Session, kind: FileKind, school_id: str, path: Path, actor: Actor, now: datetime
) -> ImportResult:
    """Import a file of mentors, mentees or pairs into a school's registry (all or nothing)."""
    if kind not in _IMPORTERS:
        raise NastavnikError(code="registry.unknown_kind", field="kind", kind=kind)
    return _IMPORTERS[kind](session=session, school_id=school_id, path=path, actor=actor, now=now)
