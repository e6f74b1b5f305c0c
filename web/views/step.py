"""A step's page: its definition, every school's state, its history (journal) and letters (outbox)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from common.errors import NastavnikError
from common.messages import render_message
from definitions.catalogue import DOCUMENTS
from engine.actions import schedule_step
from engine.reminders import remind_now
from engine.runs import launched_runs, run_definition, which_run
from engine.status import run_status
from engine.units import step_units, units_by_role
from storage.models import JournalEntry, OutboxItem, RoadmapRun, School
from web import pages
from web.access import Coordinator, MunicipalReader, Right, allows
from web.auth import Principal
from web.matrix_data import build_matrix
from web.messages import form_field, russian_reason

router = APIRouter()
UNITS_CHOICE = "@units"  # «Кому»: the step's municipal units only (no school id starts with @)

ACTION_LABELS = {
    "done": "выполнено",
    "undo": "отметка снята",
    "not_applicable": "неприменимо",
    "schedule": "назначены даты",
    "upload": "загружен скан",
    "document": "сформирован документ",
    "launch": "запуск",
    "rework": "возвращено на доработку",
    "remind": "напоминание отправлено",
    "comment": "комментарий",
}
LEVEL_LABELS = {
    "reminder": "напоминание о сроке",
    "overdue": "просрочка",
    "coordinator": "эскалация координатору",
    "head": "эскалация руководителю",
}


def _step_page(
    request: Request,
    session: Session,
    *,
    user: Principal,
    code: str,
    run_id: str | None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    run = which_run(session, roadmap_id=run_id, otherwise="newest")
    municipality = pages.municipality(session)
    if run is None or municipality is None:
        return pages.error_page(
            request,
            404,
            render_message("page.title.no_roadmap"),
            render_message("page.nothing_launched"),
        )
    loaded, schedules = run_definition(run)
    steps = {s.code: s for s in loaded.roadmap.steps}
    if code not in steps:
        return pages.error_page(
            request,
            404,
            render_message("page.title.activity_missing"),
            render_message("page.no_activity", step=code),
        )
    step = steps[code]
    units = [
        u.name
        for u in step_units(step, units_by_role(session, municipality_id=municipality.id or 0))
    ]
    status = run_status(session=session, run=run, now=pages.now(request))
    schools = {s.id: s for s in session.exec(select(School))}
    matrix = build_matrix(
        status, schools=schools, titles={code: step.title}, scopes={code: step.scope}, step=code
    )
    instance_ids = [v.id for v in status.views if v.code == code]
    journal = list(
        session.exec(
            select(JournalEntry)
            .where(JournalEntry.run_id == run.id, JournalEntry.step_code == code)
            .order_by(col(JournalEntry.at).desc(), col(JournalEntry.id).desc())
            .limit(300)
        )
    )
    letters = (
        list(
            session.exec(
                select(OutboxItem)
                .where(col(OutboxItem.step_instance_id).in_(instance_ids))
                .order_by(col(OutboxItem.decided_at).desc())
                .limit(300)
            )
        )
        if instance_ids
        else []
    )
    unit_of = {v.id: v.school for v in status.views if v.code == code}
    context: dict[str, Any] = {
        "title": f"Мероприятие {code}",
        "run": run,
        "runs": launched_runs(session),
        "step": step,
        "schedule": schedules[code],
        "matrix": matrix,
        "journal": journal,
        "letters": letters,
        "unit_of": unit_of,
        "schools": schools,
        "tz": municipality.timezone,
        "today": status.today,
        "documents": [DOCUMENTS.get(d, (d, None))[0] for d in step.documents],
        "depends": [(c, steps[c].title if c in steps else c) for c in step.depends_on],
        "action_labels": ACTION_LABELS,
        "level_labels": LEVEL_LABELS,
        "can_schedule": allows(user, Right.COORDINATE) and schedules[code].kind == "unscheduled",
        "can_remind": allows(user, Right.COORDINATE)
        and (step.scope in ("school", "both") or bool(units)),
        "remind_schools": step.scope in ("school", "both"),
        # the municipal units that carry out the step's municipal instance (engine/units.py)
        "units": units,
        "school_options": sorted(schools.values(), key=lambda s: s.short_name),
        "errors": errors or {},
        "values": values or {},
    }
    return pages.render(request, "step.html", context, status_code=status_code)


def _has_units(session: Session, run: RoadmapRun, code: str) -> bool:
    """Whether the step's municipal instance has municipal units to remind (engine/units.py)."""
    step = next((s for s in run_definition(run)[0].roadmap.steps if s.code == code), None)
    municipality = pages.municipality(session)
    if step is None or municipality is None:
        return False
    return bool(step_units(step, units_by_role(session, municipality_id=municipality.id or 0)))


@router.get("/steps/{code}")
def step_page(
    request: Request, user: MunicipalReader, code: str, run: str | None = None
) -> Response:
    with pages.db(request) as session:
        return _step_page(request, session, user=user, code=code, run_id=run)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@router.post("/steps/{code}/schedule")
def step_schedule(
    request: Request,
    user: Coordinator,
    code: str,
    run: str = Form(""),
    due: str = Form(""),
    start: str = Form(""),
    school: str = Form(""),
) -> Response:
    values = {"due": due, "start": start, "school": school}
    errors: dict[str, str] = {}
    due_day, start_day = _day(due), _day(start)
    if due_day is None:
        errors["due"] = render_message("schedule.due_empty")
    if start.strip() and start_day is None:
        errors["start"] = render_message("schedule.start_unread")
    if due_day is not None and start_day is not None and start_day > due_day:
        errors["start"] = render_message("schedule.start_after_due")
    if not errors:
        try:
            with pages.db(request) as session:
                chosen = which_run(session, roadmap_id=run, otherwise="newest")
                if chosen is None:
                    raise NastavnikError(code="run.not_chosen")
                assert due_day is not None
                changed = schedule_step(
                    session=session,
                    run=chosen,
                    code=code,
                    due=due_day,
                    start=start_day,
                    school=school or None,
                    actor=pages.actor(request, user),
                    now=pages.now(request),
                )
                roadmap_id = chosen.roadmap_id
        except NastavnikError as error:
            errors[form_field(error)] = russian_reason(error)
        else:
            return pages.redirect(
                request,
                f"/steps/{code}?run={roadmap_id}",
                render_message("notice.dates_set", step=code, count=changed),
            )
    with pages.db(request) as session:
        return _step_page(
            request,
            session,
            user=user,
            code=code,
            run_id=run,
            errors=errors,
            values=values,
            status_code=400,
        )


@router.post("/steps/{code}/remind")
def step_remind(
    request: Request, user: Coordinator, code: str, run: str = Form(""), school: str = Form("")
) -> Response:
    """«Напомнить сейчас»: a letter to the schools whose step is open, through the outbox."""
    try:
        with pages.db(request) as session:
            chosen = which_run(session, roadmap_id=run, otherwise="newest")
            if chosen is None:
                raise NastavnikError(code="run.not_chosen")
            queued = remind_now(
                session=session,
                run=chosen,
                code=code,
                school=None if school in ("", UNITS_CHOICE) else school,
                units_only=school == UNITS_CHOICE,
                actor=pages.actor(request, user),
                now=pages.now(request),
            )
            roadmap_id = chosen.roadmap_id
            # who was written to: schools only, or the step's municipal units too
            told_units = school == UNITS_CHOICE or (
                not school and _has_units(session, chosen, code)
            )
    except NastavnikError as error:
        with pages.db(request) as session:
            return _step_page(
                request,
                session,
                user=user,
                code=code,
                run_id=run,
                errors={"remind": russian_reason(error)},
                values={"remind_school": school},
                status_code=400,
            )
    return pages.redirect(
        request,
        f"/steps/{code}?run={roadmap_id}",
        render_message(
            "notice.reminder_units" if told_units else "notice.reminder_schools",
            step=code,
            count=queued,
        ),
    )
