"""Pairs and groups on the portal: the form, and mentors suggested for a waiting mentee.

``registry.pairing.add_pair`` checks every rule (form and categories, consent, free places, one
active pair per form, dates); its Russian messages are shown beside the fields and nothing is
written. A suggestion («Подобрать наставника») comes with its explanation and a button that
forms the pair through the same path.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from common.errors import NastavnikError
from common.messages import render_message
from common.numbers import whole_number
from registry.forms import list_forms
from registry.listing import list_registry
from registry.pairing import add_pair
from registry.suggest import suggest_mentors
from registry.values import FieldErrors, Invalid, read_date
from web import pages
from web.access import RegistryEditor, RegistryNames
from web.messages import russian_reason
from web.views.registry_scope import (
    Scope,
    context_of,
    first_upper,
    form_list,
    form_text,
    school_person,
    too_long,
)

router = APIRouter()
_LIMITS = {"programme": 300, "group_name": 100}


def default_period(today: date) -> tuple[date, date]:
    """A new pair runs from today to the end of the school year (31 May)."""
    end_year = today.year + 1 if today.month >= 6 else today.year
    return today, date(end_year, 5, 31)


def _pair_page(
    request: Request,
    session: Session,
    scope: Scope,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    (item,) = list_registry(
        session=session, viewer=scope.user, now=pages.now(request), school_id=scope.school.id
    )
    context = context_of(
        scope,
        title="Сформировать пару или группу",
        mentors=item.mentors or [],
        mentees=item.mentees or [],
        forms=list_forms(session, active_only=True),
        values=values,
        errors=errors or {},
    )
    return pages.render(request, "registry_pair.html", context, status_code=status_code)


@router.get("/schools/{school_id}/registry/pairs/new")
def new_pair_form(
    request: Request, scope: RegistryNames, school_id: str, mentor: str = "", mentee: str = ""
) -> Response:
    with pages.db(request) as session:
        start, end = default_period(scope.today)
        values = {
            "mentors": mentor,
            "mentees": [mentee] if mentee else [],
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
        }
        return _pair_page(request, session, scope, values=values)


def _ids(raw: list[str], field: str, errors: dict[str, str]) -> list[int]:
    ids = []
    for text in raw:
        number = whole_number(text)
        if number is None:
            errors[field] = render_message("pairs.choose")
            return []
        ids.append(number)
    return ids


def _day(text: str, field: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None  # add_pair says «не заполнено» beside the field
    try:
        return read_date(text)
    except Invalid as invalid:
        errors[field] = first_upper(str(invalid))
        return None


@router.post("/schools/{school_id}/registry/pairs")
def add_pair_view(request: Request, scope: RegistryEditor, school_id: str) -> Response:
    raw = form_text(request)
    mentees = form_list(request, "mentees")
    values: dict[str, Any] = {
        name: raw.get(name, "")
        for name in ("form", "mentors", "programme", "group_name", "start_date", "end_date")
    }
    values["mentees"] = mentees
    errors = too_long(values, _LIMITS)
    mentor_ids = _ids([values["mentors"]] if values["mentors"] else [], "mentors", errors)
    mentee_ids = _ids(mentees, "mentees", errors)
    start = _day(values["start_date"], "start_date", errors)
    end = _day(values["end_date"], "end_date", errors)
    try:
        with pages.db(request) as session:
            # the rules run even when a date or a choice could not be read, so that every
            # problem is shown at once; the form's own reading of a field wins over «не заполнено»
            try:
                pair = add_pair(
                    session=session,
                    school_id=school_id,
                    form=values["form"],
                    mentor_ids=mentor_ids,
                    mentee_ids=mentee_ids,
                    start_date=start,
                    end_date=end,
                    programme=values["programme"],
                    group_name=values["group_name"] or None,
                    actor=pages.actor(request, scope.user),
                    now=pages.now(request),
                )
            except FieldErrors as error:
                raise FieldErrors({**error.problems, **errors}) from None
            if errors:
                raise FieldErrors(errors)  # rolls the pair back
            pair_id, number, many = pair.id, pair.number, len(mentee_ids) > 1
    except FieldErrors as error:
        problems = {k: first_upper(v) for k, v in error.problems.items()}
        with pages.db(request) as session:
            return _pair_page(
                request, session, scope, values=values, errors=problems, status_code=400
            )
    except NastavnikError as error:
        with pages.db(request) as session:
            return _pair_page(
                request,
                session,
                scope,
                values=values,
                errors={"form_error": russian_reason(error)},
                status_code=400,
            )
    message = render_message("notice.group_formed" if many else "notice.pair_formed", pair=number)
    return pages.redirect(request, f"{scope.page}#pair-{pair_id}", message)


@router.get("/schools/{school_id}/registry/suggest/{mentee_id}")
def suggestions(
    request: Request, scope: RegistryNames, school_id: str, mentee_id: pages.RowId
) -> Response:
    with pages.db(request) as session:
        mentee = school_person(session, "mentee", mentee_id, school_id)
        found = suggest_mentors(
            session=session, mentee_id=mentee_id, now=pages.now(request), limit=10
        )
        codes = {form.title: form.code for form in list_forms(session, active_only=True)}
        start, end = default_period(scope.today)
        context = context_of(
            scope,
            title=f"Подбор наставника: {mentee.full_name}",
            mentee=mentee,
            suggestions=found,
            codes=codes,
            start=start.isoformat(),
            end=end.isoformat(),
        )
        return pages.render(request, "registry_suggest.html", context)
