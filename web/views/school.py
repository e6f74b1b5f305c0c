"""A school's page (and the municipality's own steps): dates, states, evidence, comments.

Its forms (done, undo, not applicable, return for rework, comment) are the step actions of
web/views/school_actions.py; a form that fails comes back here with its errors (``unit_page``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from common.clock import local_day
from common.messages import render_message
from engine.actions import MARK_GRACE
from engine.runs import launched_runs, which_run
from engine.status import run_status
from storage.models import JournalEntry, School, StepInstance, User
from web import pages
from web.access import MunicipalReader, Right, SchoolReader, allows, may_undo_mark
from web.auth import Principal
from web.models import Upload
from web.unit_steps import StepGroup, unit_home, unit_steps

router = APIRouter()

FormErrors = dict[int, dict[str, str]]


def unit_page(
    request: Request,
    session: Session,
    *,
    user: Principal,
    school: School | None,
    run_id: str | None,
    errors: FormErrors | None = None,
    values: dict[int, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    municipality = pages.municipality(session)
    launched = launched_runs(session)
    run = which_run(session, roadmap_id=run_id, otherwise="newest")
    unit = school.id if school is not None else None
    title = school.short_name if school is not None else "Мероприятия муниципалитета"
    context: dict[str, Any] = {
        "title": title,
        "school": school,
        "runs": launched,
        "run": run,
        "municipality": municipality,
        "groups": [],
        "errors": errors or {},
        "values": values or {},
        "can_change": allows(user, Right.SCHOOL_WRITE, unit),
        "can_rework": allows(user, Right.COORDINATE),
        "tz": municipality.timezone if municipality else "UTC",
    }
    if run is not None and municipality is not None:
        status = run_status(session=session, run=run, now=pages.now(request), school=unit)
        versions: dict[int, int] = dict(
            session.exec(  # type: ignore[arg-type]
                select(StepInstance.id, StepInstance.version).where(  # type: ignore[call-overload]
                    StepInstance.run_id == run.id, StepInstance.unit == (unit or "")
                )
            ).all()
        )
        uploads = list(
            session.exec(select(Upload).where(Upload.school_id == unit).order_by(col(Upload.id)))
        )
        groups = unit_steps(status, unit=unit, versions=versions, uploads=uploads)
        _mark_rows(session, groups, user=user, unit=unit, tz=municipality.timezone)
        home = unit_home(status, groups)
        for section in home.sections:
            section.open = any(r.view.id in (errors or {}) for g in section.groups for r in g.rows)
        municipal_states = {v.code: v.state for v in status.views if v.school is None}
        context.update(
            {
                "groups": groups,
                "home": home,
                "notes": _notes(session, [r.view.id for g in groups for r in g.rows]),
                "today": status.today,
                "municipal_states": municipal_states,
                # the unit's own steps: the municipality's page counts its steps, not the schools'
                "counts": _unit_counts([r.view.state for g in groups for r in g.rows]),
                "grace": MARK_GRACE,
                "can_comment": allows(user, Right.SCHOOL_WRITE, unit),
            }
        )
    return pages.render(request, "school.html", context, status_code=status_code)


def _mark_rows(
    session: Session, groups: list[StepGroup], *, user: Principal, unit: str | None, tz: str
) -> None:
    """Whether the user may undo each resolved step's mark (a school admin, only one a school
    admin made) and whether it is late only because the mark came after the grace period."""
    authors = {r.view.done_by for g in groups for r in g.rows if r.resolved and r.view.done_by}
    admins = (
        set(
            session.exec(
                select(User.email).where(col(User.email).in_(authors), User.role == "school_admin")
            )
        )
        if authors
        else set()
    )
    for group in groups:
        for row in group.rows:
            view = row.view
            row.may_undo = may_undo_mark(
                user, school_id=unit, marked_by_school_admin=view.done_by in admins
            )
            if view.stored == "done_late" and view.due and isinstance(view.done_at, datetime):
                row.late_by_mark = local_day(view.done_at, tz) <= view.due


def _notes(session: Session, instance_ids: list[int]) -> dict[int, list[JournalEntry]]:
    """The comments and returns for rework on these instances, newest first."""
    if not instance_ids:
        return {}
    found: dict[int, list[JournalEntry]] = {}
    for entry in session.exec(
        select(JournalEntry)
        .where(
            col(JournalEntry.step_instance_id).in_(instance_ids),
            col(JournalEntry.action).in_(("comment", "rework")),
        )
        .order_by(col(JournalEntry.at).desc(), col(JournalEntry.id).desc())
    ):
        found.setdefault(entry.step_instance_id or 0, []).append(entry)
    return found


def _unit_counts(states: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    return counts


@router.get("/schools/{school_id}")
def school_page(
    request: Request, user: SchoolReader, school_id: str, run: str | None = None
) -> Response:
    with pages.db(request) as session:
        school = session.get(School, school_id)
        if school is None:
            return pages.error_page(
                request,
                404,
                render_message("page.title.school_missing"),
                render_message("page.no_school", school=school_id),
            )
        return unit_page(request, session, user=user, school=school, run_id=run)


@router.get("/municipality")
def municipality_page(request: Request, user: MunicipalReader, run: str | None = None) -> Response:
    with pages.db(request) as session:
        return unit_page(request, session, user=user, school=None, run_id=run)
