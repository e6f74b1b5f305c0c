"""A school's yearly head counts and survey results: the numbers the indicators divide by.

Schools enter them (the portal's form, `nastavnik registry totals`/`survey`); a later entry for
the same school and year changes only the numbers it gives and the ones it names in ``clear``.
A number not given (None) keeps the stored one, because the CLI passes only the options typed;
removing a number that turned out wrong is a separate, explicit request, so that leaving a
number out never erases it by accident. Checks, on the numbers as they will be after the entry:
counts are whole numbers ≥ 0, pupils 15–18 are part of pupils 10–18, the satisfied are part of
those who took part.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session, select

from common.errors import NastavnikError
from common.messages import render_message
from engine.actions import Actor
from registry.models import SchoolTotals, SurveyResult
from registry.people import require_school
from registry.values import FieldErrors
from storage.journal import record_act

TOTALS_LABELS: dict[str, str] = {
    "year": "год",
    "pupils_10_18": "обучающихся 10–18 лет",
    "pupils_15_18": "обучающихся 15–18 лет",
    "young_teachers": "молодых специалистов (стаж 0–3 года)",
}
SURVEY_LABELS: dict[str, str] = {
    "year": "год",
    "mentees_took_part": "наставляемых участвовало в опросе",
    "mentees_satisfied": "наставляемых удовлетворены",
    "mentors_took_part": "наставников участвовало в опросе",
    "mentors_satisfied": "наставников удовлетворены",
}


def _check_counts(values: dict[str, int | None], labels: dict[str, str]) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name, value in values.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            problems[name] = render_message("values.whole", value=value)
        elif value is not None and value < 0:
            problems[name] = render_message("totals.negative", value=value)
    return problems


def _check_year(year: int, problems: dict[str, str]) -> None:
    if not 2000 <= year <= 2100:
        problems["year"] = render_message("totals.year", year=year)


Yearly = TypeVar("Yearly", SchoolTotals, SurveyResult)


def _check_clear(given: dict[str, int | None], clear: Collection[str]) -> dict[str, str]:
    """Names to clear must be this record's numbers, and not also be given a value."""
    unknown = sorted(name for name in clear if name not in given)
    if unknown:
        known = ", ".join(given)
        raise NastavnikError(
            code="registry.unknown_clear", field="clear", names=", ".join(unknown), known=known
        )
    return {
        name: render_message("totals.set_and_cleared")
        for name in given
        if name in clear and given[name] is not None
    }


def _stored_and_merged(
    session: Session,
    model: type[Yearly],
    school_id: str,
    year: int,
    given: dict[str, int | None],
    clear: Collection[str],
) -> tuple[Yearly | None, dict[str, int | None]]:
    """The stored row of that year, and the numbers it will hold: none for a cleared one, else
    the given one, else the stored one."""
    row = session.exec(
        select(model).where(model.school_id == school_id, model.year == year)
    ).first()
    merged: dict[str, int | None] = {}
    for name, value in given.items():
        if name in clear:
            merged[name] = None
        else:
            merged[name] = value if value is not None else getattr(row, name, None)
    return row, merged


def _save(
    session: Session,
    row: Yearly,
    merged: dict[str, int | None],
    given: dict[str, int | None],
    clear: Collection[str],
    *,
    actor: Actor,
    now: datetime,
    action: str,
) -> Yearly:
    """Write the merged numbers and journal what was entered and what was cleared.

    The journal names the cleared numbers (in the record's order) apart from the entered ones:
    a number gone from the indicators must be traceable to who removed it and when.
    """
    for name, value in merged.items():
        setattr(row, name, value)
    row.entered_by = actor.email
    row.entered_at = now
    session.add(row)
    details: dict[str, object] = {
        "year": row.year,
        **{k: v for k, v in given.items() if v is not None},
    }
    if clear:
        details["cleared"] = [name for name in given if name in clear]
    record_act(
        session,
        actor=actor,
        action=action,
        now=now,
        school_id=row.school_id,
        details=details,
    )
    session.flush()
    return row


def set_totals(
    *,
    session: Session,
    school_id: str,
    year: int,
    actor: Actor,
    now: datetime,
    pupils_10_18: int | None = None,
    pupils_15_18: int | None = None,
    young_teachers: int | None = None,
    clear: Collection[str] = (),
) -> SchoolTotals:
    """Enter or correct a school's head counts for a year.

    Only the numbers given change; None keeps the stored number. ``clear`` names the numbers
    to remove (``{"pupils_15_18"}``): the indicators that divide by them then say «нет данных».
    """
    require_school(session, school_id)
    given = {
        "pupils_10_18": pupils_10_18,
        "pupils_15_18": pupils_15_18,
        "young_teachers": young_teachers,
    }
    problems = _check_counts(given, TOTALS_LABELS) | _check_clear(given, clear)
    _check_year(year, problems)
    row, merged = _stored_and_merged(session, SchoolTotals, school_id, year, given, clear)
    if not problems and merged["pupils_15_18"] is not None and merged["pupils_10_18"] is not None:
        if merged["pupils_15_18"] > merged["pupils_10_18"]:
            problems["pupils_15_18"] = render_message(
                "totals.part_over_whole",
                pupils_15_18=merged["pupils_15_18"],
                pupils_10_18=merged["pupils_10_18"],
            )
    if problems:
        raise FieldErrors(problems, labels=TOTALS_LABELS)
    return _save(
        session,
        row or SchoolTotals(school_id=school_id, year=year),
        merged,
        given,
        clear,
        actor=actor,
        now=now,
        action="registry_totals",
    )


def set_survey(
    *,
    session: Session,
    school_id: str,
    year: int,
    actor: Actor,
    now: datetime,
    mentees_took_part: int | None = None,
    mentees_satisfied: int | None = None,
    mentors_took_part: int | None = None,
    mentors_satisfied: int | None = None,
    clear: Collection[str] = (),
) -> SurveyResult:
    """Enter or correct a school's satisfaction survey for a year, as counts.

    As ``set_totals``: None keeps the stored count, ``clear`` names the counts to remove.
    """
    require_school(session, school_id)
    given = {
        "mentees_took_part": mentees_took_part,
        "mentees_satisfied": mentees_satisfied,
        "mentors_took_part": mentors_took_part,
        "mentors_satisfied": mentors_satisfied,
    }
    problems = _check_counts(given, SURVEY_LABELS) | _check_clear(given, clear)
    _check_year(year, problems)
    row, merged = _stored_and_merged(session, SurveyResult, school_id, year, given, clear)
    for who in ("mentees", "mentors"):
        took, satisfied = merged[f"{who}_took_part"], merged[f"{who}_satisfied"]
        if not problems and took is not None and satisfied is not None and satisfied > took:
            problems[f"{who}_satisfied"] = render_message(
                "totals.mentees_over" if who == "mentees" else "totals.mentors_over",
                satisfied=satisfied,
                took=took,
            )
    if problems:
        raise FieldErrors(problems, labels=SURVEY_LABELS)
    return _save(
        session,
        row or SurveyResult(school_id=school_id, year=year),
        merged,
        given,
        clear,
        actor=actor,
        now=now,
        action="registry_survey",
    )
