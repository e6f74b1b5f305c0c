"""«Подразделения»: the coordinator sets up municipal units (ИМЦ, экспертный совет) with their own
e-mail, edits them, disables and removes them (engine/units.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from common.errors import NastavnikError
from common.messages import render_message
from engine.runs import launched_runs, run_definition
from engine.units import missing_units, remove_unit, save_unit, unit_role_names, units_by_role
from storage.units import get_unit
from web import pages
from web.access import Coordinator, sentence

router = APIRouter()
_FIELDS = ("role", "name", "email", "genitive", "dative")


def _page(
    request: Request,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    editing: str = "",
    status_code: int = 200,
) -> Response:
    municipality = pages.municipality(session)
    units = units_by_role(session, municipality_id=municipality.id or 0) if municipality else {}
    warnings = [
        f"{run.title}: {missing.page_message}"
        for run in launched_runs(session)
        for missing in missing_units(run_definition(run)[0].roadmap, units)
    ]
    names = unit_role_names()
    context: dict[str, Any] = {
        "title": "Подразделения",
        "roles": names,
        "units": units,
        "free_roles": {role: name for role, name in names.items() if role not in units},
        "warnings": warnings,
        "errors": errors or {},
        "values": values or {},
        "editing": editing,
    }
    return pages.render(request, "units.html", context, status_code=status_code)


@router.get("/units")
def units_page(request: Request, user: Coordinator) -> Response:
    with pages.db(request) as session:
        return _page(request, session)


def _save(request: Request, *, role: str, values: dict[str, str], new: bool, by: str) -> Response:
    now = pages.now(request)
    with pages.db(request) as session:
        municipality = pages.municipality(session)
        if municipality is None:
            return pages.error_page(
                request,
                409,
                render_message("page.title.no_municipality"),
                render_message("page.no_municipality"),
            )
        errors: dict[str, str] = {}
        if role not in unit_role_names():
            errors["role"] = render_message("units.choose_role")
        elif new and get_unit(session, municipality_id=municipality.id or 0, role=role):
            errors["role"] = render_message("units.role_taken")
        if not errors:
            try:
                unit, _ = save_unit(
                    session=session,
                    municipality_id=municipality.id or 0,
                    role=role,
                    now=now,
                    name=values["name"],
                    email=values["email"],
                    genitive=values["genitive"],
                    dative=values["dative"],
                    by=by,
                    source="web",
                )
            except NastavnikError as error:
                errors[error.where if error.where in _FIELDS else "name"] = sentence(error.reason)
        if errors:
            session.rollback()
            return _page(
                request,
                session,
                errors=errors,
                values=values,
                editing="" if new else role,
                status_code=400,
            )
        message = (
            render_message("notice.unit_added", name=unit.name, email=unit.email)
            if new
            else render_message("notice.unit_changed", name=unit.name)
        )
    return pages.redirect(request, "/units", message)


def _unit_fields(
    name: str = Form(""), email: str = Form(""), genitive: str = Form(""), dative: str = Form("")
) -> dict[str, str]:
    """The unit form's fields (its role comes from the form or the address)."""
    return {"name": name, "email": email, "genitive": genitive, "dative": dative}


UnitFields = Annotated[dict[str, str], Depends(_unit_fields)]


@router.post("/units")
def units_add(
    request: Request, user: Coordinator, fields: UnitFields, role: str = Form("")
) -> Response:
    values = {"role": role, **fields}
    return _save(request, role=role, values=values, new=True, by=user.email)


@router.post("/units/{role}")
def units_edit(request: Request, user: Coordinator, fields: UnitFields, role: str) -> Response:
    values = {"role": role, **fields}
    with pages.db(request) as session:
        municipality = pages.municipality(session)
        if municipality is None or not get_unit(
            session, municipality_id=municipality.id or 0, role=role
        ):
            return pages.error_page(
                request,
                404,
                render_message("page.title.unit_missing"),
                render_message("page.no_such_one"),
            )
    return _save(request, role=role, values=values, new=False, by=user.email)


@router.post("/units/{role}/{act}")
def units_act(request: Request, user: Coordinator, role: str, act: str) -> Response:
    if act not in ("disable", "enable", "remove"):
        return pages.error_page(
            request,
            404,
            render_message("page.title.page_missing"),
            render_message("page.no_such_action"),
        )
    now = pages.now(request)
    with pages.db(request) as session:
        municipality = pages.municipality(session)
        unit = (
            get_unit(session, municipality_id=municipality.id or 0, role=role)
            if municipality
            else None
        )
        if municipality is None or unit is None:
            return pages.error_page(
                request,
                404,
                render_message("page.title.unit_missing"),
                render_message("page.no_such_one"),
            )
        name = unit.name
        if act == "remove":
            remove_unit(
                session=session,
                municipality_id=municipality.id or 0,
                role=role,
                now=now,
                by=user.email,
                source="web",
            )
            message = render_message("notice.unit_removed", name=name)
        else:
            save_unit(
                session=session,
                municipality_id=municipality.id or 0,
                role=role,
                now=now,
                active=act == "enable",
                by=user.email,
                source="web",
            )
            message = (
                render_message("notice.unit_enabled", name=name, email=unit.email)
                if act == "enable"
                else render_message("notice.unit_disabled", name=name)
            )
    return pages.redirect(request, "/units", message)
