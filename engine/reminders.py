"""«Напомнить сейчас»: the coordinator tells schools about a step at once, through the outbox.

The decision is written like the tick's (one outbox row per step instance and recipient, delivered
by notifications/ in the next letter), with its own key so that it neither blocks nor repeats the
tick's decisions, and a journal row per instance says who asked.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from common.clock import local_day
from common.errors import NastavnikError
from definitions.workdays import working_days_between
from engine.actions import Actor, journal_entry
from engine.runs import run_definition
from engine.units import step_units, units_by_role
from storage.models import Municipality, OutboxItem, RoadmapRun, School, StepInstance
from storage.schools import get_municipality


def remind_now(
    *,
    session: Session,
    run: RoadmapRun,
    code: str,
    actor: Actor,
    now: datetime,
    school: str | None = None,
    units_only: bool = False,
) -> int:
    """Queue a reminder (or, past the due date, an overdue notice) to the admin of every school
    whose step ``code`` is open and dated — or of ``school`` only — and, without ``school``, to
    the municipal units (engine/units.py) of its open municipal instance; ``units_only``: to
    them alone. Returns how many were queued."""
    municipality = get_municipality(session)
    today = local_day(now, municipality.timezone)
    recipients: list[tuple[StepInstance, str | None]] = []
    if school is None:
        recipients += _unit_recipients(session, run=run, code=code, municipality=municipality)
    query = select(StepInstance, School.admin_email).join(
        School, col(School.id) == StepInstance.school_id
    )
    query = query.where(
        StepInstance.run_id == run.id,
        StepInstance.step_code == code,
        StepInstance.state == "open",
        col(StepInstance.due).is_not(None),
    )
    if school:
        query = query.where(StepInstance.school_id == school)
    if not units_only:
        recipients += list(session.exec(query))
    queued = 0
    for instance, recipient in recipients:
        if not recipient or instance.due is None:
            continue
        overdue = instance.due < today
        level = "overdue" if overdue else "reminder"
        session.add(
            OutboxItem(
                key=f"{instance.id}:{level}:{recipient}:manual:{now.isoformat()}",
                step_instance_id=instance.id or 0,
                level=level,
                recipient=recipient,
                municipality_id=municipality.id or 0,
                school_id=instance.school_id,
                days_late=working_days_between(instance.due, today) if overdue else 0,
                decided_at=now,
            )
        )
        session.add(
            journal_entry(
                instance=instance,
                actor=actor,
                now=now,
                action="remind",
                details={"to": recipient, "level": level},
            )
        )
        queued += 1
    if not queued:
        raise NastavnikError(code="remind.nobody")
    session.flush()
    return queued


def _unit_recipients(
    session: Session, *, run: RoadmapRun, code: str, municipality: Municipality
) -> list[tuple[StepInstance, str | None]]:
    """The open, dated municipal instances of ``code`` with each unit address of the step."""
    step = next((s for s in run_definition(run)[0].roadmap.steps if s.code == code), None)
    if step is None:
        return []
    units = step_units(step, units_by_role(session, municipality_id=municipality.id or 0))
    if not units:
        return []
    instances = session.exec(
        select(StepInstance).where(
            StepInstance.run_id == run.id,
            StepInstance.step_code == code,
            StepInstance.unit == "",
            StepInstance.state == "open",
            col(StepInstance.due).is_not(None),
        )
    )
    return [(instance, unit.email) for instance in instances for unit in units]
