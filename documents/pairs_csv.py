"""Read mentoring pairs (наставнические пары) from a CSV file for the order on pairs.

Columns (header required, any order): ``mentor``, ``mentee``, ``form``, ``start``, ``end``; optional
``group``, ``mentor_position``, ``mentee_position``. Separator «,» or «;» (as Russian Excel saves),
UTF-8 with or without BOM, dates «15.09.2022» or «2022-09-15». All or nothing: every problem is
reported at once by row and column, and no pair is returned while any row is wrong.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from common.declension import split_full_name
from common.errors import NastavnikError
from common.messages import render_message
from documents.context import Pair, parse_date

REQUIRED_COLUMNS = ("mentor", "mentee", "form", "start", "end")
OPTIONAL_COLUMNS = ("group", "mentor_position", "mentee_position")


def _collector(problems: list[str], row_number: int) -> Callable[[str, str], None]:
    def problem(column: str, reason: str) -> None:
        problems.append(
            render_message("documents.pairs_cell", row=row_number, column=column, problem=reason)
        )

    return problem


def read_pairs_csv(*, path: Path) -> list[Pair]:
    """The pairs of a CSV file; a NastavnikError lists every bad row and column."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise NastavnikError(code="documents.pairs_encoding", where=str(path)) from None
    except OSError:
        raise NastavnikError(code="documents.file_unreadable", where=str(path)) from None
    return parse_pairs_csv(text, source=Path(path).name)


def parse_pairs_csv(text: str, *, source: str = "pairs.csv") -> list[Pair]:
    """The pairs of CSV text; ``source`` names the file in error messages."""
    text = text.lstrip("\ufeff")
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line:
        raise NastavnikError(
            code="documents.pairs_empty", where=source, columns=",".join(REQUIRED_COLUMNS)
        )
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name and name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(
                render_message("documents.pairs_missing_columns", columns=", ".join(missing))
            )
        if unknown:
            problems.append(
                render_message("documents.pairs_unknown_columns", columns=", ".join(unknown))
            )
        raise NastavnikError(
            code="documents.pairs_header",
            where=source,
            problems="; ".join(problems),
            required=", ".join(REQUIRED_COLUMNS),
            optional=", ".join(OPTIONAL_COLUMNS),
        )

    pairs: list[Pair] = []
    found: list[str] = []
    for row_number, row in enumerate(reader, start=2):
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # blank lines at the end of Excel exports
        row_problems: list[str] = []
        problem = _collector(row_problems, row_number)
        if None in row:
            problem("-", render_message("documents.pairs_extra_values"))
        values = {key: (value or "").strip() for key, value in row.items() if isinstance(key, str)}
        for column in REQUIRED_COLUMNS:
            if not values.get(column):
                problem(column, render_message("documents.pairs_blank"))
        for column in ("mentor", "mentee"):
            if values.get(column):
                try:
                    split_full_name(values[column])
                except NastavnikError as error:
                    problem(column, error.reason)
        dates = {}
        for column in ("start", "end"):
            if values.get(column):
                try:
                    dates[column] = parse_date(values[column], where=column)
                except NastavnikError:
                    problem(column, render_message("documents.pairs_date", value=values[column]))
        if len(dates) == 2 and dates["start"] > dates["end"]:
            problem(
                "end",
                render_message(
                    "documents.pairs_end_before_start", end=values["end"], start=values["start"]
                ),
            )
        if values.get("mentor") and values.get("mentor") == values.get("mentee"):
            problem("mentee", render_message("documents.pairs_same_person"))
        if row_problems:
            found.extend(row_problems)
            continue
        pairs.append(
            Pair(
                mentor=values["mentor"],
                mentee=values["mentee"],
                form=values["form"],
                start=dates["start"],
                end=dates["end"],
                group=values.get("group") or None,
                mentor_position=values.get("mentor_position") or None,
                mentee_position=values.get("mentee_position") or None,
            )
        )
    if found:
        raise NastavnikError(
            code="documents.pairs_problems", where=source, count=len(found), lines="\n".join(found)
        )
    if not pairs:
        raise NastavnikError(code="documents.pairs_no_rows", where=source)
    return pairs
