"""The mentorship registry (реестр наставничества) on the portal: the overview and a school's page.

A school's page lists its mentors, mentees and pairs, with the mentees whose request still waits
(«продолжить поиск наставника») highlighted and counted. A viewer gets the counts alone: the
names are never read for them (``registry.listing`` with ``registry.privacy``). The forms live in
registry_people.py, registry_pairs.py, registry_files.py and registry_indicators.py; this
module's ``router`` carries them all.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from common.messages import render_message
from common.numbers import whole_number
from common.russian import format_date_ru
from registry.listing import SchoolRegistry, list_registry
from registry.models import MentorshipPair
from registry.pairing import end_pair
from registry.values import FieldErrors, Invalid, read_date
from web import pages
from web.access import RegistryEditor, RegistryOverviewReader, RegistryReader
from web.views import registry_files, registry_indicators, registry_pairs, registry_people
from web.views.registry_scope import (
    Scope,
    context_of,
    first_upper,
    form_text,
    school_pair,
)

router = APIRouter()
for _part in (registry_pairs, registry_files, registry_indicators, registry_people):
    router.include_router(_part.router)

END_STATUSES = {"finished": "завершена (программа выполнена)", "cancelled": "прекращена досрочно"}


@router.get("/registry")
def registry_overview(request: Request, user: RegistryOverviewReader) -> Response:
    """Every school's registry in numbers (coordinator, viewer); a school admin goes to theirs."""
    with pages.db(request) as session:
        schools = list_registry(session=session, viewer=user, now=pages.now(request))
    totals = {
        name: sum(getattr(s.counts, name) for s in schools)
        for name in ("mentors", "mentees", "with_request", "unpaired", "active_pairs")
    }
    return pages.render(
        request,
        "registry_overview.html",
        {"title": "Реестр наставничества", "schools": schools, "totals": totals},
    )


def render_school_registry(
    request: Request,
    session: Session,
    scope: Scope,
    *,
    pair_errors: dict[int, dict[str, str]] | None = None,
    pair_values: dict[int, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    """The school's registry page (again with a pair's end-form errors, when there are some)."""
    (item,) = list_registry(
        session=session, viewer=scope.user, now=pages.now(request), school_id=scope.school.id
    )
    context: dict[str, Any] = context_of(
        scope,
        title=f"Реестр наставничества — {scope.school.short_name}",
        registry=item,
        waiting=[m for m in item.mentees or [] if m.note],
        pair_versions=_pair_versions(session, item),
        pair_errors=pair_errors or {},
        pair_values=pair_values or {},
        end_statuses=END_STATUSES,
    )
    return pages.render(request, "registry_school.html", context, status_code=status_code)


def _pair_versions(session: Session, item: SchoolRegistry) -> dict[int, int]:
    if not item.pairs:
        return {}
    ids = [p.id for p in item.pairs]
    rows = session.exec(
        select(MentorshipPair.id, MentorshipPair.version).where(col(MentorshipPair.id).in_(ids))
    ).all()
    return {int(pair_id or 0): version for pair_id, version in rows}


@router.get("/schools/{school_id}/registry")
def school_registry(request: Request, scope: RegistryReader, school_id: str) -> Response:
    with pages.db(request) as session:
        return render_school_registry(request, session, scope)


@router.post("/schools/{school_id}/registry/pairs/{pair_id}/end")
def end_pair_view(
    request: Request, scope: RegistryEditor, school_id: str, pair_id: pages.RowId
) -> Response:
    """Finish or cancel an active pair from a day (today by default), against the version shown."""
    raw = form_text(request)
    values = {name: raw.get(name, "") for name in ("status", "on", "version")}
    errors: dict[str, str] = {}
    status = values["status"] or "finished"
    if status not in END_STATUSES:
        errors["status"] = render_message("pairs.end_status")
    shown_number = int(pair_id)
    try:
        with pages.db(request) as session:
            pair = school_pair(session, pair_id, school_id)
            shown_number = pair.number or pair_id
            day = scope.today
            if values["on"]:
                try:
                    day = read_date(values["on"])
                except Invalid as invalid:
                    errors["on"] = first_upper(str(invalid))
            if "on" not in errors and day > scope.today:
                errors["on"] = render_message("pairs.end_future")
            if pair.status != "active":
                errors["form"] = render_message("pairs.not_active")
            elif whole_number(values["version"]) != pair.version:
                errors["form"] = render_message("pairs.changed_meanwhile")
            if errors:
                raise FieldErrors(errors)
            end_pair(
                session=session,
                pair_id=pair_id,
                actor=pages.actor(request, scope.user),
                now=pages.now(request),
                status=status,
                on=day,
            )
    except FieldErrors as error:
        # end_pair names the day «end_date»; on this form it is the field «on»
        problems = {
            ("on" if name == "end_date" else name): first_upper(message)
            for name, message in error.problems.items()
        }
        with pages.db(request) as session:
            return render_school_registry(
                request,
                session,
                scope,
                pair_errors={pair_id: problems},
                pair_values={pair_id: values},
                status_code=409 if "form" in problems else 400,
            )
    message = render_message(
        "notice.pair_finished" if status == "finished" else "notice.pair_stopped",
        pair=shown_number,
        day=format_date_ru(day),
    )
    return pages.redirect(request, scope.page, message)
