"""Relative terms anchored to an event: due dates fixed when the event happens.

A step whose deadline counts from an event («в течение 10 рабочих дней после издания приказа») is
launched without dates (kind ``relative``). Its ``anchor`` names the event: a prerequisite step
(its completion day in the municipality's zone) or ``launch`` (the run's launch day). When the event
has happened, :func:`fix_anchored_dues` — run by the tick before it decides — sets each waiting
instance's start (the anchor day) and due date (moved off a day off unless the municipality keeps
calendar dates), marks it for the tick and bumps its version; reminders and escalations then run
on that date. Until then :func:`expected_due` gives the date the term would end if the anchor step
were done on its own due date (or today, when that has passed): pages show it as expected.

Undoing the anchor step (CLI ``undo``, the portal's undo or «вернуть на доработку») unfixes the
dates anchored to it at once (:func:`unfix_after_undo`, called by engine/actions.py): they are
expected again and the tick enforces nothing by the old date; completing the anchor again fixes
them from the new day. The tick's :func:`fix_anchored_dues` reconciles the same way, whatever
reopened the anchor. A date fixed anew gets its own reminders and escalations: the outbox keys of
the letters already settled on the old date are retired.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from common.clock import local_day
from definitions.compiler import LAUNCH
from definitions.deadlines import RelativeTerm, Schedule
from definitions.schema import Roadmap
from definitions.workdays import is_working_day, next_working_day
from engine.runs import run_definition
from storage.models import OutboxItem, RoadmapRun, StepInstance
from storage.schools import get_municipality

_DONE = ("done", "done_late")


def anchored_terms(
    roadmap: Roadmap, schedules: dict[str, Schedule]
) -> dict[str, tuple[str, RelativeTerm]]:
    """The steps whose due dates wait for an event: code → (anchor, term)."""
    terms: dict[str, tuple[str, RelativeTerm]] = {}
    for step in roadmap.steps:
        schedule = schedules.get(step.code)
        if (
            schedule is not None
            and schedule.kind == "relative"
            and schedule.term is not None
            and step.anchor is not None
        ):
            terms[step.code] = (step.anchor, schedule.term)
    return terms


def term_due(term: RelativeTerm, anchor: date, *, keep_calendar_dates: bool) -> date:
    """The last day of ``term`` counted from ``anchor``, moved off a day off unless kept."""
    due = term.due_from(anchor)
    if not keep_calendar_dates and not is_working_day(due):
        due = next_working_day(due)
    return due


def expected_due(
    term: RelativeTerm,
    *,
    anchor_done: date | None,
    anchor_due: date | None,
    today: date,
    keep_calendar_dates: bool = False,
) -> date:
    """The due date to show before it is fixed: from the anchor's completion, else its due date."""
    if anchor_done is not None:
        base = anchor_done
    else:
        base = max(anchor_due, today) if anchor_due is not None else today
    return term_due(term, base, keep_calendar_dates=keep_calendar_dates)


def fix_anchored_dues(
    session: Session, *, now: datetime, keep_calendar_dates: bool | None = None
) -> int:
    """Fix the due dates of relative terms whose anchor has happened, and unfix those whose anchor
    was undone; the number of instances changed.

    Args:
        session: an open session; the caller commits.
        now: the moment of the tick (only instances whose anchor happened by then are fixed).
        keep_calendar_dates: keep a due date on a day off; None reads the setting.
    """
    if keep_calendar_dates is None:
        keep_calendar_dates = _keep_calendar_dates()
    municipality = get_municipality(session)
    changed = 0
    runs = session.exec(select(RoadmapRun).where(RoadmapRun.municipality_id == municipality.id))
    for run in runs:
        changed += _reconcile(
            session,
            run=run,
            now=now,
            tz=municipality.timezone,
            keep_calendar_dates=keep_calendar_dates,
        )
    session.flush()
    return changed


def unfix_after_undo(session: Session, *, run: RoadmapRun, code: str, now: datetime) -> int:
    """After step ``code`` was reopened (undo, return for rework): the due dates anchored to it go
    back to expected (no date to enforce) until it is done again; the number of instances changed.

    The tick would do the same before it decides (:func:`fix_anchored_dues`); doing it in the act
    makes pages show the expected date at once.
    """
    municipality = get_municipality(session)
    changed = _reconcile(
        session,
        run=run,
        now=now,
        tz=municipality.timezone,
        keep_calendar_dates=_keep_calendar_dates(),
        anchor_code=code,
    )
    session.flush()
    return changed


def _keep_calendar_dates() -> bool:
    from common.settings import get_settings

    return get_settings().keep_calendar_dates


def _reconcile(
    session: Session,
    *,
    run: RoadmapRun,
    now: datetime,
    tz: str,
    keep_calendar_dates: bool,
    anchor_code: str | None = None,
) -> int:
    """Make each open instance of a relative step of ``run`` agree with its anchor: fixed from the
    anchor's day when it happened, without dates when it has not (or no longer has).

    ``anchor_code`` limits the work to the steps anchored to that step. A fixed instance keeps the
    anchor day in ``start``: a due date fixed from another day (the anchor undone and done again
    before a tick) is fixed again from the new one.
    """
    loaded, schedules = run_definition(run)
    roadmap = loaded.roadmap
    scopes = {step.code: step.scope for step in roadmap.steps}
    changed = 0
    for code, (anchor, term) in anchored_terms(roadmap, schedules).items():
        if anchor_code is not None and anchor != anchor_code:
            continue
        query = select(StepInstance).where(
            StepInstance.run_id == run.id,
            StepInstance.step_code == code,
            StepInstance.state == "open",
        )
        if anchor == LAUNCH:
            # the launch is not undone step by step: only dates still waiting need it
            query = query.where(col(StepInstance.due).is_(None))
        waiting = list(session.exec(query))
        if not waiting:
            continue
        done: dict[str, date] = {}
        every_school_done = False
        if anchor == LAUNCH:
            if run.launched_at is not None and run.launched_at <= now:
                launched = local_day(run.launched_at, tz)
                done = {instance.unit: launched for instance in waiting}
        else:
            anchors = list(
                session.exec(
                    select(StepInstance).where(
                        StepInstance.run_id == run.id,
                        StepInstance.step_code == anchor,
                        StepInstance.occurrence == 1,
                    )
                )
            )
            for instance in anchors:
                if instance.state in _DONE and instance.done_at and instance.done_at <= now:
                    done[instance.unit] = local_day(instance.done_at, tz)
            every_school_done = bool(anchors) and len(done) == len(anchors)
        for instance in waiting:
            day: date | None
            if anchor == LAUNCH:
                day = done.get(instance.unit)
            elif scopes.get(anchor) == "municipality":
                day = done.get("")
            elif instance.scope == "school":
                day = done.get(instance.unit)
            else:  # a municipal step after a step every school does: when the last is done
                day = max(done.values()) if every_school_done else None
            if day is None:
                if instance.due is None:
                    continue
                # the anchor was undone: expected again, nothing to enforce until it is redone
                instance.start = None
                instance.due = None
            elif instance.due is not None and instance.start == day:
                continue
            else:
                instance.start = day
                instance.due = term_due(term, day, keep_calendar_dates=keep_calendar_dates)
            instance.tick_dirty = True
            instance.version += 1
            session.add(instance)
            _retire_decisions(session, instance)
            changed += 1
    return changed


def _retire_decisions(session: Session, instance: StepInstance) -> None:
    """Free the outbox keys the tick decided on the instance's old dates, so its new date gets a
    ladder of its own (the outbox's unique key would otherwise keep it silent).

    Only letters already settled (sent, cancelled, failed) are renamed; a pending decision keeps
    its key: delivery cancels it if the new dates make it untrue, or sends it if they keep it true.
    Manual reminders have keys of their own and are left alone.
    """
    session.execute(
        update(OutboxItem)
        .where(
            col(OutboxItem.step_instance_id) == instance.id,
            col(OutboxItem.status) != "pending",
            col(OutboxItem.key).not_like("%:manual:%"),
            col(OutboxItem.key).not_like("%:retired:%"),
        )
        .values(key=col(OutboxItem.key) + f":retired:{instance.version}")
        .execution_options(synchronize_session=False)
    )
