"""A school's yearly totals and surveys, and the indicators (показатели) they feed.

Schools enter the numbers the indicators divide by (pupils 10–18 and 15–18, young specialists)
and their survey counts; ``registry.totals`` checks them. The form shows every stored number, so
what the user does to a field is what happens to the number: a field emptied clears it, a field
left as it was keeps it, a new number replaces it. "Left as it was" is judged against the number
the page showed (sent back in a hidden ``was_…`` field), not against the database now: a number
someone else changed in the meantime is not overwritten by the stale copy on this page. The
indicators page shows each measure per school and for the municipality against the launched
roadmap's target, and names the missing number («нет данных: …») instead of a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from common.errors import NastavnikError
from common.messages import render_message
from common.russian import format_decimal_ru
from registry.indicators import compute_indicators
from registry.models import SchoolTotals, SurveyResult
from registry.totals import SURVEY_LABELS, TOTALS_LABELS, set_survey, set_totals
from registry.values import FieldErrors, Invalid, read_int
from storage.models import School
from storage.schools import municipal_today
from web import pages
from web.access import IndicatorsReader, RegistryEditor, RegistryReader
from web.messages import russian_reason
from web.views.registry_scope import (
    Scope,
    context_of,
    first_upper,
    form_text,
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
        return default, render_message("notice.year_not_understood", text=text[:20], year=default)


def _row_values(row: object | None, names: tuple[str, ...]) -> dict[str, str]:
    """The stored numbers as the form shows them: "" for none, "0" for a zero (a real count)."""
    values = {name: getattr(row, name, None) for name in names}
    return {name: "" if value is None else str(value) for name, value in values.items()}


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
    was: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    """The page; ``values`` and ``was`` are a refused form's fields and the numbers it was
    shown with, so that a corrected form is judged against the same numbers as the first."""
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
    baseline = {form: {**stored[form], **(was or {}).get(form, {})} for form in stored}
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
        was=baseline,
        errors=errors or {},
        entered={"totals": _entered(totals), "survey": _entered(survey)},
        indicators=_rows(compute_indicators(session=session, year=year, school_id=scope.school.id)),
    )
    return pages.render(request, "registry_totals.html", context, status_code=status_code)


@router.get("/schools/{school_id}/registry/totals")
def totals_page(
    request: Request, scope: RegistryReader, school_id: str, year: str | None = None
) -> Response:
    with pages.db(request) as session:
        chosen, notice = pick_year(year, scope.today.year)
        return _totals_page(request, session, scope, year=chosen, notice=notice)


@dataclass(frozen=True)
class Change:
    """What a submitted form asks for: numbers to store, numbers to clear, field errors."""

    counts: dict[str, int | None]
    clear: set[str]
    errors: dict[str, str]

    @property
    def empty(self) -> bool:
        """Nothing to store or clear: saving would only journal an act that changed nothing."""
        return not self.clear and all(value is None for value in self.counts.values())


def _read_change(raw: dict[str, str], names: tuple[str, ...]) -> Change:
    """Each field against the number the page showed (``was_<name>``).

    Unchanged, or not in the form at all: keep (None). Emptied: clear. A number: store it.
    Without ``was_<name>`` (a form from before this field existed, a script) an empty field
    clears, as it would on the page.
    """
    counts: dict[str, int | None] = {}
    clear: set[str] = set()
    errors: dict[str, str] = {}
    for name in names:
        counts[name] = None
        text, was = raw.get(name), raw.get(f"was_{name}")
        if text is None or text == was:
            continue
        if not text:
            clear.add(name)
            continue
        try:
            counts[name] = read_int(text, low=0, high=MAX_COUNT)
        except Invalid as invalid:
            errors[name] = first_upper(str(invalid))
    return Change(counts, clear, errors)


def _saved_message(form: str, year: int, change: Change) -> str:
    """«Численность сохранена: 2022 год.», naming what was cleared (the user should see it)."""
    labels = TOTALS_LABELS if form == "totals" else SURVEY_LABELS
    names = TOTALS_FIELDS if form == "totals" else SURVEY_FIELDS
    cleared = ", ".join(f"«{labels[name]}»" for name in names if name in change.clear)
    if not cleared:
        return render_message(
            "notice.totals_saved" if form == "totals" else "notice.survey_saved", year=year
        )
    return render_message(
        "notice.totals_saved_cleared" if form == "totals" else "notice.survey_saved_cleared",
        year=year,
        cleared=cleared,
    )


def _enter(request: Request, scope: Scope, school_id: str, form: str) -> Response:
    """Enter the totals or the survey of a year (one path for both forms)."""
    raw = form_text(request)
    names = TOTALS_FIELDS if form == "totals" else SURVEY_FIELDS
    values = {name: raw[name] for name in names if name in raw}
    was = {name: raw[f"was_{name}"] for name in names if f"was_{name}" in raw}
    year_text = raw.get("year", "")
    year: int | None = None
    change: Change | None = None
    try:
        with pages.db(request) as session:
            change = _read_change(raw, names)
            errors = dict(change.errors)
            try:
                year = read_int(year_text, low=2000, high=2100)
            except Invalid as invalid:
                errors["year"] = first_upper(str(invalid))
            if not errors and change.empty and not any(values.values()):
                errors["form"] = render_message("numbers.none")
            if errors or year is None:
                raise FieldErrors(errors)
            if change.empty:
                return pages.redirect(
                    request,
                    f"{scope.page}/totals?year={year}",
                    render_message("notice.numbers_unchanged", year=year),
                )
            setter = set_totals if form == "totals" else set_survey
            setter(  # type: ignore[operator]
                session=session,
                school_id=school_id,
                year=year,
                actor=pages.actor(request, scope.user),
                now=pages.now(request),
                clear=change.clear,
                **change.counts,
            )
    except FieldErrors as error:
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
                was={form: was},
                status_code=400,
            )
    except NastavnikError as error:
        with pages.db(request) as session:
            return _totals_page(
                request,
                session,
                scope,
                year=scope.today.year,
                errors={form: {"form": russian_reason(error)}},
                values={form: values},
                was={form: was},
                status_code=400,
            )
    assert change is not None and year is not None
    return pages.redirect(
        request, f"{scope.page}/totals?year={year}", _saved_message(form, year, change)
    )


@router.post("/schools/{school_id}/registry/totals")
def enter_totals(request: Request, scope: RegistryEditor, school_id: str) -> Response:
    return _enter(request, scope, school_id, "totals")


@router.post("/schools/{school_id}/registry/survey")
def enter_survey(request: Request, scope: RegistryEditor, school_id: str) -> Response:
    return _enter(request, scope, school_id, "survey")


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
def indicators_page(request: Request, _user: IndicatorsReader, year: str | None = None) -> Response:
    """The municipality and every school (coordinator, viewer); a school admin, their school."""
    with pages.db(request) as session:
        today = municipal_today(session, pages.now(request))
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
