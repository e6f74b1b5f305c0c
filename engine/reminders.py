"""«Напомнить сейчас»: the coordinator tells schools about a step at once, through the outbox.

The decision is written like the tick's (one outbox row per step instance and recipient, delivered
by notifications/ in the next letter), with its own key so that it neither blocks nor repeats the
tick's decisions, and a journal row per instance says who asked.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from common.errors import NastavnikError
from definitions.workdays import working_days_between
from engine.actions import Actor, journal_entry
from engine.status import local_today
from storage.models import OutboxItem, RoadmapRun, School, StepInstance
from storage.schools import get_municipality


def remind_now(
    *,
    session: Session,
    run: RoadmapRun,
    code: str,
    actor: Actor,
    now: datetime,
    school: str | None = None,
) -> int:
    """Queue a reminder (or, past the due date, an overdue notice) to the admin of every school
    whose step ``code`` is open and dated — or of ``school`` only. Returns how many were queued."""
    municipality = get_municipality(session)
    today = local_today(now, municipality.timezone)
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
    queued = 0
    for instance, recipient in session.exec(query):
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
