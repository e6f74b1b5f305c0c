"""A school's yearly totals and surveys, and the indicators (показатели) they feed.

Schools enter the numbers the indicators divide by (pupils 10–18 and 15–18, young specialists)
and their survey counts; ``registry.totals`` checks them and keeps the ones not given. The
indicators page shows each measure per school and for the municipality against the launched
roadmap's target, and names the missing number («нет данных: …») instead of a value.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from nastavnik.errors import NastavnikError
from nastavnik.russian import format_decimal_ru
from registry.indicators import compute_indicators
from registry.journal import local_day
from registry.models import SchoolTotals, SurveyResult
from registry.totals import SURVEY_LABELS, TOTALS_LABELS, set_survey, set_totals
from registry.values import FieldErrors, Invalid, read_int
from storage.models import School
from web import pages
from web.auth import Forbidden
from web.messages import russian_reason
from web.views.registry_scope import (
    Scope,
    context_of,
    first_upper,
    form_text,
    school_scope,
    with_not_found,
)

router = APIRouter()
MAX_COUNT = 100_000
TOTALS_FIELDS = ("pupils_10_18", "pupils_15_18", "young_teachers")
SURVEY_FIELDS = ("mentees_took_part", "mentees_satisfied", "mentors_took_part", "mentors_satisfied")


def pick_year(text: str | None, default: int) -> tuple[int, str | None]:
    """The year asked for in the address, or ``default`` with the reason it was not taken."""
    if not text:
        return default, None
    try:
        return read_int(text, low=2000, high=2100), None
    except Invalid:
        return default, f"Год «{text[:20]}» не понят: показан {default} год."


def _row_values(row: object | None, names: tuple[str, ...]) -> dict[str, str]:
    return {name: "" if row is None else str(getattr(row, name) or "") for name in names}


def _entered(row: object | None) -> str | None:
    if row is None or getattr(row, "entered_at", None) is None:
        return None
    return str(getattr(row, "entered_by", "") or "")


def _totals_page(
    request: Request,
    session: Session,
    scope: Scope,
    *,
    year: int,
    notice: str | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    totals = session.exec(
        select(SchoolTotals).where(
            SchoolTotals.school_id == scope.school.id, SchoolTotals.year == year
        )
    ).first()
    survey = session.exec(
        select(SurveyResult).where(
            SurveyResult.school_id == scope.school.id, SurveyResult.year == year
        )
    ).first()
    stored = {
        "totals": _row_values(totals, TOTALS_FIELDS),
        "survey": _row_values(survey, SURVEY_FIELDS),
    }
    shown = {form: {**stored[form], **(values or {}).get(form, {})} for form in stored}
    context = context_of(
        scope,
        title=f"Численность и опросы — {scope.school.short_name}",
        year=year,
        notice=notice,
        totals_labels=TOTALS_LABELS,
        survey_labels=SURVEY_LABELS,
        totals_fields=TOTALS_FIELDS,
        survey_fields=SURVEY_FIELDS,
        values=shown,
        errors=errors or {},
        entered={"totals": _entered(totals), "survey": _entered(survey)},
        indicators=_rows(compute_indicators(session=session, year=year, school_id=scope.school.id)),
    )
    return pages.render(request, "registry_totals.html", context, status_code=status_code)


@router.get("/schools/{school_id}/registry/totals")
@with_not_found
def totals_page(request: Request, school_id: str, year: str | None = None) -> Response:
    with pages.db(request) as session:
        scope = school_scope(request, session, school_id)
        chosen, notice = pick_year(year, scope.today.year)
        return _totals_page(request, session, scope, year=chosen, notice=notice)


def _read_counts(
    raw: dict[str, str], names: tuple[str, ...]
) -> tuple[dict[str, int | None], dict[str, str]]:
    counts: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for name in names:
        text = raw.get(name, "")
        if not text:
            counts[name] = None
            continue
        try:
            counts[name] = read_int(text, low=0, high=MAX_COUNT)
        except Invalid as invalid:
            errors[name] = first_upper(str(invalid))
    if not errors and all(value is None for value in counts.values()):
        errors["form"] = "Введите хотя бы одно число."
    return counts, errors


def _enter(request: Request, school_id: str, form: str) -> Response:
    """Enter the totals or the survey of a year (one path for both forms)."""
    raw = form_text(request)
    names = TOTALS_FIELDS if form == "totals" else SURVEY_FIELDS
    values = {name: raw.get(name, "") for name in names}
    scope: Scope | None = None
    year_text = raw.get("year", "")
    year: int | None = None
    try:
        with pages.db(request) as session:
            scope = school_scope(request, session, school_id, need="change")
            counts, errors = _read_counts(raw, names)
            try:
                year = read_int(year_text, low=2000, high=2100)
            except Invalid as invalid:
                errors["year"] = first_upper(str(invalid))
            if errors or year is None:
                raise FieldErrors(errors)
            setter = set_totals if form == "totals" else set_survey
            setter(  # type: ignore[operator]
                session=session,
                school_id=school_id,
                year=year,
                actor=pages.actor(request, scope.user),
                now=pages.now(request),
                **counts,
            )
    except FieldErrors as error:
        assert scope is not None
        problems = {name: first_upper(message) for name, message in error.problems.items()}
        with pages.db(request) as session:
            shown_year = year if year is not None and "year" not in problems else scope.today.year
            return _totals_page(
                request,
                session,
                scope,
                year=shown_year,
                errors={form: problems},
                values={form: values},
                status_code=400,
            )
    except NastavnikError as error:
        if scope is None:
            raise
        with pages.db(request) as session:
            return _totals_page(
                request,
                session,
                scope,
                year=scope.today.year,
                errors={form: {"form": russian_reason(error)}},
                values={form: values},
                status_code=400,
            )
    what = "Численность сохранена" if form == "totals" else "Итоги опроса сохранены"
    return pages.redirect(request, f"{scope.page}/totals?year={year}", f"{what}: {year} год.")


@router.post("/schools/{school_id}/registry/totals")
@with_not_found
def enter_totals(request: Request, school_id: str) -> Response:
    return _enter(request, school_id, "totals")


@router.post("/schools/{school_id}/registry/survey")
@with_not_found
def enter_survey(request: Request, school_id: str) -> Response:
    return _enter(request, school_id, "survey")


# --- the indicators page --------------------------------------------------------------------------


def _target_text(target: float | None) -> str:
    return "не задана" if target is None else f"{format_decimal_ru(target)} %"


def _rows(results: list[Any]) -> list[dict[str, Any]]:
    """Each measure as the templates show it: texts, not numbers to format there."""
    rows = []
    for result in results:
        achieved = result.achieved
        rows.append(
            {
                "code": result.code,
                "title": result.title,
                "target": _target_text(result.target),
                "value": result.municipality.text(),
                "missing": result.municipality.percent is None,
                "achieved": achieved,
                "achieved_text": {True: "достигнут", False: "не достигнут", None: "—"}[achieved],
                "schools": {school: value.text() for school, value in result.schools.items()},
                "schools_missing": {
                    school: value.percent is None for school, value in result.schools.items()
                },
                "missing_schools": result.missing_schools,
            }
        )
    return rows


@router.get("/indicators")
def indicators_page(request: Request, year: str | None = None) -> Response:
    """The municipality and every school (coordinator, viewer); a school admin, their school."""
    with pages.db(request) as session:
        user = pages.require_user(request, session)
        if user.role == "school_admin" and user.school_id:
            return pages.redirect(
                request,
                f"/schools/{user.school_id}/registry/totals" + (f"?year={year}" if year else ""),
            )
        if not user.can_view_municipality():
            raise Forbidden("Показатели муниципалитета доступны координатору и наблюдателю.")
        today = local_day(session, pages.now(request))
        chosen, notice = pick_year(year, today.year)
        results = compute_indicators(session=session, year=chosen)
        schools = [(s.id, s.short_name) for s in session.exec(select(School).order_by(School.id))]
    context: dict[str, Any] = {
        "title": f"Показатели эффективности за {chosen} год",
        "year": chosen,
        "notice": notice,
        "rows": _rows(results),
        "schools": schools,
    }
    return pages.render(request, "registry_indicators.html", context)
