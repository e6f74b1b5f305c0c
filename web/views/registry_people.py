"""Mentors and mentees on the portal: add, edit (against the version shown), remove on request.

The forms call ``registry.people`` as they are; its ``FieldErrors`` come back beside each field
in Russian, and nothing is written while any field is wrong. A removal on request asks for the
reason and an explicit confirmation; the journal keeps that it happened, never the name.
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
from registry.models import MENTEE_CATEGORIES, MENTOR_CATEGORIES
from registry.people import Kind, add_person, edit_person, remove_person
from registry.values import MENTEE_FIELDS, MENTOR_FIELDS, FieldErrors, FieldSpec
from web import pages
from web.access import RegistryEditor, RegistryNames
from web.messages import russian_reason
from web.views.registry_scope import (
    NotFound,
    Scope,
    context_of,
    first_upper,
    form_text,
    school_person,
    too_long,
)

router = APIRouter()

# how each field is entered: widget, hint, length limit
_WIDGETS: dict[str, tuple[str, str, int]] = {
    "full_name": ("text", "Фамилия Имя Отчество", 200),
    "category": ("select", "", 60),
    "position": ("text", "", 200),
    "school_class": ("text", "например, 7 Б", 20),
    "age": ("number", "", 3),
    "experience_years": ("number", "", 3),
    "competencies": ("textarea", "через запятую: по ним подбираются наставляемые", 2000),
    "capacity": ("number", "сколько наставляемых одновременно (1, если пусто)", 3),
    "hours_per_month": ("number", "", 4),
    "consent": ("checkbox", "", 5),
    "consent_date": ("date", "", 30),
    "contacts": ("text", "телефон, электронная почта", 200),
    "request": (
        "textarea",
        "с чем нужна помощь; пусто — наставляемый в базе, но наставника не ищет",
        2000,
    ),
}
_HINTS: dict[tuple[str, str], str] = {
    ("mentor", "position"): "должность; у обучающегося — класс («10 А»)",
    ("mentor", "age"): "обязателен для наставника-обучающегося",
    ("mentee", "age"): "обязателен для обучающегося",
    ("mentee", "school_class"): "обязателен для обучающегося, например 7 Б",
    ("mentee", "experience_years"): "для молодого специалиста — от 0 до 3 лет",
    ("mentee", "position"): "для педагога и молодого специалиста",
}
KIND_TITLES = {"mentor": ("наставника", "Наставник"), "mentee": ("наставляемого", "Наставляемый")}


def kind_of(text: str) -> Kind:
    """The kind in an address («mentor», «mentee»), or a 404."""
    if text == "mentor":
        return "mentor"
    if text == "mentee":
        return "mentee"
    raise NotFound(render_message("page.title.page_missing"), render_message("page.registry_kinds"))


def _fields(kind: Kind) -> tuple[FieldSpec, ...]:
    return MENTOR_FIELDS if kind == "mentor" else MENTEE_FIELDS


def form_fields(kind: Kind) -> list[dict[str, Any]]:
    """The form's fields in order, with their widgets, for registry_person.html."""
    choices = MENTOR_CATEGORIES if kind == "mentor" else MENTEE_CATEGORIES
    fields = []
    for spec in _fields(kind):
        widget, hint, limit = _WIDGETS[spec.name]
        fields.append(
            {
                "name": spec.name,
                "label": spec.label,
                "widget": widget,
                "hint": _HINTS.get((kind, spec.name), hint),
                "limit": limit,
                "required": spec.required,
                "choices": choices if spec.name == "category" else {},
            }
        )
    return fields


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _submitted(request: Request, kind: Kind) -> dict[str, str]:
    """The person's fields from the form; an unticked consent box is «нет»."""
    raw = form_text(request)
    values = {spec.name: raw.get(spec.name, "") for spec in _fields(kind)}
    if kind == "mentor":
        values["consent"] = "да" if raw.get("consent") else "нет"
    return values


def _person_page(
    request: Request,
    scope: Scope,
    *,
    kind: Kind,
    values: dict[str, str],
    person_id: int | None = None,
    version: int | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    whom, _ = KIND_TITLES[kind]
    title = (
        render_message("people.edit_title", whom=whom)
        if person_id
        else render_message("people.add_title", whom=whom)
    )
    action = (
        f"{scope.page}/people/{kind}/{person_id}" if person_id else f"{scope.page}/people/{kind}"
    )
    context = context_of(
        scope,
        title=title,
        kind=kind,
        fields=form_fields(kind),
        values=values,
        errors=errors or {},
        action=action,
        person_id=person_id,
        version=version,
    )
    return pages.render(request, "registry_person.html", context, status_code=status_code)


def _field_errors(error: FieldErrors) -> dict[str, str]:
    return {name: first_upper(message) for name, message in error.problems.items()}


@router.get("/schools/{school_id}/registry/people/{kind}/new")
def new_person_form(request: Request, scope: RegistryNames, school_id: str, kind: str) -> Response:
    chosen = kind_of(kind)
    values = {"capacity": "1"} if chosen == "mentor" else {}
    return _person_page(request, scope, kind=chosen, values=values)


@router.post("/schools/{school_id}/registry/people/{kind}")
def add_person_view(request: Request, scope: RegistryEditor, school_id: str, kind: str) -> Response:
    chosen = kind_of(kind)
    values = _submitted(request, chosen)
    errors = too_long(values, {name: limit for name, (_, _, limit) in _WIDGETS.items()})
    try:
        with pages.db(request) as session:
            if errors:
                raise FieldErrors(errors)
            person = add_person(
                session=session,
                kind=chosen,
                school_id=school_id,
                values=values,
                actor=pages.actor(request, scope.user),
                now=pages.now(request),
            )
            ref, name = f"{chosen}:{person.id}", person.full_name
    except NastavnikError as error:  # FieldErrors too
        return _refused(request, scope, error, kind=chosen, values=values)
    _, noun = KIND_TITLES[chosen]
    return pages.redirect(
        request,
        f"{scope.page}#{ref.replace(':', '-')}",
        render_message("people.added", noun=noun, name=name),
    )


@router.get("/schools/{school_id}/registry/people/{kind}/{person_id}")
def edit_person_form(
    request: Request, scope: RegistryNames, school_id: str, kind: str, person_id: pages.RowId
) -> Response:
    chosen = kind_of(kind)
    with pages.db(request) as session:
        person = school_person(session, chosen, person_id, school_id)
        values = {spec.name: _as_text(getattr(person, spec.name)) for spec in _fields(chosen)}
        version = person.version
    return _person_page(
        request, scope, kind=chosen, values=values, person_id=person_id, version=version
    )


def _refused(
    request: Request,
    scope: Scope,
    error: NastavnikError,
    *,
    kind: Kind,
    values: dict[str, str],
    person_id: int | None = None,
    version: int | None = None,
) -> Response:
    """The form again, as submitted, with what was wrong: field errors at their fields, any other
    refusal above the form; nothing was saved."""
    errors = (
        _field_errors(error) if isinstance(error, FieldErrors) else {"form": russian_reason(error)}
    )
    return _person_page(
        request,
        scope,
        kind=kind,
        values=values,
        person_id=person_id,
        version=version,
        errors=errors,
        status_code=400,
    )


class _Stale(Exception):
    pass


@router.post("/schools/{school_id}/registry/people/{kind}/{person_id}")
def edit_person_view(
    request: Request, scope: RegistryEditor, school_id: str, kind: str, person_id: pages.RowId
) -> Response:
    chosen = kind_of(kind)
    values = _submitted(request, chosen)
    version_text = form_text(request).get("version", "")
    errors = too_long(values, {name: limit for name, (_, _, limit) in _WIDGETS.items()})
    try:
        with pages.db(request) as session:
            person = school_person(session, chosen, person_id, school_id)
            if whole_number(version_text) != person.version:
                raise _Stale()
            if errors:
                raise FieldErrors(errors)
            person = edit_person(
                session=session,
                kind=chosen,
                person_id=person_id,
                values=values,
                actor=pages.actor(request, scope.user),
                now=pages.now(request),
                version=person.version,
            )
            name = person.full_name
    except _Stale:
        return _stale_page(request, scope, chosen, person_id)
    except NastavnikError as error:  # FieldErrors too
        return _refused(
            request,
            scope,
            error,
            kind=chosen,
            values=values,
            person_id=person_id,
            version=whole_number(version_text),
        )
    return pages.redirect(
        request, f"{scope.page}#{chosen}-{person_id}", render_message("people.saved", name=name)
    )


def _stale_page(request: Request, scope: Scope, kind: Kind, person_id: int) -> Response:
    """The record as it is now, with the reason the change was not saved."""
    with pages.db(request) as session:
        person = school_person(session, kind, person_id, scope.school.id)
        values = {spec.name: _as_text(getattr(person, spec.name)) for spec in _fields(kind)}
        version = person.version
    return _person_page(
        request,
        scope,
        kind=kind,
        values=values,
        person_id=person_id,
        version=version,
        errors={"form": render_message("people.changed_meanwhile")},
        status_code=409,
    )


# --- removal on request ---------------------------------------------------------------------------


def _remove_page(
    request: Request,
    session: Session,
    scope: Scope,
    *,
    kind: Kind,
    person_id: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    person = school_person(session, kind, person_id, scope.school.id)
    whom, _ = KIND_TITLES[kind]
    context = context_of(
        scope,
        title=render_message("people.remove_title", whom=whom),
        kind=kind,
        person=person,
        person_id=person_id,
        values=values or {},
        errors=errors or {},
    )
    return pages.render(request, "registry_remove.html", context, status_code=status_code)


@router.get("/schools/{school_id}/registry/people/{kind}/{person_id}/remove")
def remove_person_form(
    request: Request, scope: RegistryNames, school_id: str, kind: str, person_id: pages.RowId
) -> Response:
    chosen = kind_of(kind)
    with pages.db(request) as session:
        return _remove_page(request, session, scope, kind=chosen, person_id=person_id)


@router.post("/schools/{school_id}/registry/people/{kind}/{person_id}/remove")
def remove_person_view(
    request: Request, scope: RegistryEditor, school_id: str, kind: str, person_id: pages.RowId
) -> Response:
    chosen = kind_of(kind)
    raw = form_text(request)
    reason = raw.get("reason", "")
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = render_message("people.reason_empty")
    elif len(reason) > 500:
        errors["reason"] = render_message("act.reason_long")
    if raw.get("confirm") != "yes":
        errors["confirm"] = render_message("people.confirm_removal")
    with pages.db(request) as session:
        school_person(session, chosen, person_id, school_id)
        if not errors:
            removal = remove_person(
                session=session,
                kind=chosen,
                person_id=person_id,
                reason=reason,
                actor=pages.actor(request, scope.user),
                now=pages.now(request),
            )
    if errors:
        with pages.db(request) as session:
            return _remove_page(
                request,
                session,
                scope,
                kind=chosen,
                person_id=person_id,
                values={"reason": reason},
                errors=errors,
                status_code=400,
            )
    ended = len(removal.pairs_ended)
    tail = render_message("people.pairs_ended", count=ended) if ended else ""
    return pages.redirect(
        request,
        scope.page,
        render_message("people.removed", person=removal.person, pairs=tail),
    )
