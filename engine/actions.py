"""What people do to steps: done, undo, not applicable, set dates. Journaled, never lost.

Each act reads the instance, checks the transition, and updates it with ``WHERE version = v``; a
concurrent act that got there first makes the update match no row and the loser gets a clear
error instead of silently overwriting (no lost update). The journal row is written in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Table, bindparam, update
from sqlmodel import Session, col, select

from common.clock import local_day
from common.errors import NastavnikError
from common.messages import STEP_STATES
from common.russian import format_date_ru
from common.text import visible_text
from definitions.workdays import add_working_days
from engine.anchors import unfix_after_undo
from engine.runs import run_definition
from storage.journal import JOURNAL_INSERT, Actor, journal_row, journal_values
from storage.models import JournalEntry, RoadmapRun, School, StepInstance
from storage.schools import get_municipality


@dataclass(frozen=True)
class InstanceRef:
    """A step instance as the portal's forms read it with one Core query, not as an ORM object
    (building one cost a tenth of a mark-done request): what acting on it needs."""

    id: int
    run_id: int
    school_id: str | None
    step_code: str
    occurrence: int
    due: date | None
    state: str
    version: int
    done_by: str | None
    done_at: datetime | None


_REF_FIELDS = tuple(InstanceRef.__dataclass_fields__)
# the columns of step_instance an InstanceRef is made of, in its fields' order
INSTANCE_REF_COLUMNS = tuple(
    StepInstance.__table__.c[name]  # type: ignore[attr-defined]
    for name in InstanceRef.__dataclass_fields__
)


def _instances(
    session: Session, *, run: RoadmapRun, code: str, school: str | None
) -> list[StepInstance]:
    loaded, _ = run_definition(run)
    try:
        step = loaded.roadmap.step(code)
    except KeyError:
        raise NastavnikError(
            code="step.unknown", field="code", roadmap=run.roadmap_id, step=code
        ) from None
    if step.scope == "both" and school is not None:  # both levels: the school's own instance
        if session.get(School, school) is None:
            raise NastavnikError(code="school.unknown", field="school", school=school)
        unit = school
    elif step.scope == "school":
        if school is None:
            raise NastavnikError(code="step.school_needed", field="school", step=code)
        if session.get(School, school) is None:
            raise NastavnikError(code="school.unknown", field="school", school=school)
        unit = school
    else:
        if school is not None:
            raise NastavnikError(code="step.municipal_only", field="school", step=code)
        unit = ""
    return list(
        session.exec(
            select(StepInstance)
            .where(
                StepInstance.run_id == run.id,
                StepInstance.unit == unit,
                StepInstance.step_code == code,
            )
            .order_by(col(StepInstance.occurrence))
        )
    )


def _pick(
    instances: list[StepInstance], occurrence: int | None, *, want_open: bool
) -> StepInstance:
    if not instances:
        raise NastavnikError(code="step.not_launched_for_school", field="school")
    if occurrence is not None:
        for instance in instances:
            if instance.occurrence == occurrence:
                return instance
        raise NastavnikError(
            code="step.no_occurrence",
            field="occurrence",
            occurrence=occurrence,
            count=len(instances),
        )
    candidates = [i for i in instances if (i.state == "open") == want_open]
    if not candidates:
        if want_open:
            raise _already_resolved(instances[-1])
        raise NastavnikError(code="step.nothing_to_undo", field="code")
    return candidates[0] if want_open else candidates[-1]


def _already_resolved(instance: StepInstance | InstanceRef) -> NastavnikError:
    details = (f", {instance.done_by}" if instance.done_by else "") + (
        f", {format_date_ru(instance.done_at.date())}" if instance.done_at else ""
    )
    return NastavnikError(
        code="step.already_marked",
        field="code",
        state=STEP_STATES.get(instance.state, instance.state),
        details=details,
    )


def journal_entry(
    *,
    instance: StepInstance | InstanceRef,
    actor: Actor,
    now: datetime,
    action: str,
    details: dict[str, object],
    before: str | None = None,
    after: str | None = None,
) -> JournalEntry:
    """The journal row of an act on a step instance: who, from where, when, what, on which step."""
    return journal_row(
        at=now,
        actor=actor.email,
        action=action,
        source=actor.source,
        remote_addr=actor.remote_addr,
        run_id=instance.run_id,
        step_instance_id=instance.id,
        school_id=instance.school_id,
        step_code=instance.step_code,
        before=before,
        after=after,
        details=details,
    )


def _apply(
    session: Session,
    *,
    instance: StepInstance,
    values: dict[str, object],
    now: datetime,
    actor: Actor,
    action: str,
    details: dict[str, object],
) -> StepInstance:
    before = instance.state
    result = session.execute(
        update(StepInstance)
        .where(col(StepInstance.id) == instance.id, col(StepInstance.version) == instance.version)
        .values(**values, version=instance.version + 1, updated_at=now, tick_dirty=True)
        # the ORM would otherwise match the WHERE against every instance the session holds (all
        # of a step's instances when scheduling it for a region: quadratic); the instance is
        # refreshed below
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise NastavnikError(code="step.changed_meanwhile", step=instance.step_code)
    session.add(
        journal_entry(
            instance=instance,
            actor=actor,
            now=now,
            action=action,
            details=details,
            before=before,
            after=str(values.get("state", before)),
        )
    )
    session.flush()
    session.refresh(instance)
    return instance


def mark_done(
    *,
    session: Session,
    run: RoadmapRun,
    code: str,
    school: str | None,
    actor: Actor,
    now: datetime,
    at: datetime | None = None,
    evidence: str | None = None,
    occurrence: int | None = None,
) -> StepInstance:
    """Mark the first open occurrence (or the one given) done; late if done after its due day.

    The write is ``mark_instance_done``'s (one prepared statement under the version guard and its
    journal row): the CLI, the portal and the registry's completion write a done act one way.
    """
    municipality = get_municipality(session)
    done_at = _done_moment(at, now)
    instance = _pick(
        _instances(session, run=run, code=code, school=school), occurrence, want_open=True
    )
    mark_instance_done(
        session=session,
        instance=InstanceRef(**{name: getattr(instance, name) for name in _REF_FIELDS}),
        timezone=municipality.timezone,
        actor=actor,
        now=now,
        at=done_at,
        evidence=evidence,
    )
    session.refresh(instance)
    return instance


def _done_moment(at: datetime | None, now: datetime) -> datetime:
    """When the step was done: ``at`` (the document's moment) or now; aware and not in the future."""
    done_at = at or now
    if done_at.tzinfo is None:
        raise NastavnikError(code="moment.without_zone", field="at")
    if done_at > now:
        raise NastavnikError(
            code="moment.in_future", field="at", day=format_date_ru(done_at.date())
        )
    return done_at


# The on-time rule (docs/portal.md): a step is done on time when its document is dated no later
# than the due day AND the mark came within MARK_GRACE working days after the due day. The second
# condition keeps a document typed in long after the fact («от 20 апреля», marked on 15 September)
# from counting as on time; three working days are what the escalation ladder waits by default
# before the coordinator is told (EscalationPolicy.coordinator_after), so a mark on time never
# comes after the coordinator has been told the step is late.
MARK_GRACE = 3


def mark_deadline(due: date) -> date:
    """The last day a mark of a step due on ``due`` counts as on time (MARK_GRACE working days)."""
    return add_working_days(due, MARK_GRACE)


def done_state(
    done_at: datetime, *, due: date | None, timezone: str, marked_at: datetime | None = None
) -> str:
    """done, or done_late when the document's day (``done_at``) falls after the due day, or the
    mark (``marked_at``) came later than MARK_GRACE working days after it (municipality's zone)."""
    if due is None:
        return "done"
    if local_day(done_at, timezone) > due:
        return "done_late"
    if marked_at is not None and local_day(marked_at, timezone) > mark_deadline(due):
        return "done_late"
    return "done"


_STEP_TABLE: Table = StepInstance.__table__  # type: ignore[attr-defined]

# A done act as one prepared Core statement, for paths that already hold the instance's id and
# version (the portal's form, the tick's registry completion in batches). ``state = 'open'``
# restates what a matching version implies, so the statement alone never resolves a step twice.
DONE = (
    update(_STEP_TABLE)
    .where(
        _STEP_TABLE.c.id == bindparam("instance_id"),
        _STEP_TABLE.c.version == bindparam("version"),
        _STEP_TABLE.c.state == "open",
    )
    .values(
        state=bindparam("state"),
        done_at=bindparam("done_at"),
        marked_at=bindparam("now"),
        done_by=bindparam("done_by"),
        evidence=bindparam("evidence"),
        reason=None,
        version=bindparam("new_version"),
        updated_at=bindparam("now"),
        tick_dirty=True,
    )
)
JOURNAL = JOURNAL_INSERT


@dataclass(frozen=True)
class DoneAct:
    """One done act ready to write: the parameters of ``DONE`` and its row for ``JOURNAL``.

    Built in one place so that every Core path writes the step and the journal row that
    ``mark_done`` writes through the ORM; the caller executes them, one at a time or as an
    executemany.
    """

    instance_id: int
    state: str
    update: dict[str, object]
    journal: dict[str, object]


def done_act(
    instance: InstanceRef,
    *,
    timezone: str,
    actor: Actor,
    now: datetime,
    done_at: datetime,
    evidence: str | None,
) -> DoneAct:
    """The done act on an open instance at ``done_at`` (checked by the caller), done or late."""
    state = done_state(done_at, due=instance.due, timezone=timezone, marked_at=now)
    return DoneAct(
        instance_id=instance.id,
        state=state,
        update={
            "instance_id": instance.id,
            "version": instance.version,
            "state": state,
            "done_at": done_at,
            "done_by": actor.email,
            "evidence": evidence,
            "new_version": instance.version + 1,
            "now": now,
        },
        journal=journal_values(
            at=now,
            actor=actor.email,
            action="done",
            source=actor.source,
            remote_addr=actor.remote_addr,
            run_id=instance.run_id,
            step_instance_id=instance.id,
            school_id=instance.school_id,
            step_code=instance.step_code,
            before=instance.state,
            after=state,
            details={"evidence": evidence, "at": done_at.isoformat()},
        ),
    )


def mark_instance_done(
    *,
    session: Session,
    instance: InstanceRef,
    timezone: str,
    actor: Actor,
    now: datetime,
    at: datetime | None = None,
    evidence: str | None = None,
) -> str:
    """Mark one step instance done: the one write of a done act (``mark_done`` finds the instance
    by its step and school and calls this; the portal has read it by its id).

    The definition is not read, and the two writes are prepared Core statements: the ORM's unit of work and bulk
    update cost more than the rest of a mark-done request (benchmarks/bench_web.py). Returns the
    new state (done or done_late).
    """
    done_at = _done_moment(at, now)
    if instance.state != "open":
        raise _already_resolved(instance)
    act = done_act(
        instance, timezone=timezone, actor=actor, now=now, done_at=done_at, evidence=evidence
    )
    connection = session.connection()
    if connection.execute(DONE, act.update).rowcount != 1:
        session.rollback()
        raise NastavnikError(code="step.changed_meanwhile", step=instance.step_code)
    connection.execute(JOURNAL, act.journal)
    return act.state


def mark_not_applicable(
    *,
    session: Session,
    run: RoadmapRun,
    code: str,
    school: str | None,
    actor: Actor,
    now: datetime,
    reason: str,
    occurrence: int | None = None,
) -> StepInstance:
    """Mark a step not applicable to this school (or the municipality), with a reason."""
    reason = visible_text(reason)
    if not reason:
        raise NastavnikError(code="reason.required", field="reason")
    instance = _pick(
        _instances(session, run=run, code=code, school=school), occurrence, want_open=True
    )
    return _apply(
        session,
        instance=instance,
        now=now,
        actor=actor,
        action="not_applicable",
        values={
            "state": "not_applicable",
            "done_at": now,
            "marked_at": now,
            "done_by": actor.email,
            "reason": reason.strip(),
        },
        details={"reason": reason.strip()},
    )


def undo(
    *,
    session: Session,
    run: RoadmapRun,
    code: str,
    school: str | None,
    actor: Actor,
    now: datetime,
    occurrence: int | None = None,
) -> StepInstance:
    """Reopen the last resolved occurrence; the journal keeps what it was."""
    instance = _pick(
        _instances(session, run=run, code=code, school=school), occurrence, want_open=False
    )
    reopened = _apply(
        session,
        instance=instance,
        now=now,
        actor=actor,
        action="undo",
        values={
            "state": "open",
            "done_at": None,
            "marked_at": None,
            "done_by": None,
            "evidence": None,
            "reason": None,
        },
        details={"was": instance.state, "evidence": instance.evidence, "reason": instance.reason},
    )
    _unfix_anchored(session, reopened, now)
    return reopened


def _unfix_anchored(session: Session, instance: StepInstance, now: datetime) -> None:
    """The due dates anchored to a reopened step go back to expected (engine/anchors.py)."""
    run = session.get(RoadmapRun, instance.run_id)
    if run is not None:
        unfix_after_undo(session, run=run, code=instance.step_code, now=now)


SCHEDULE_MARGIN = timedelta(days=365)


def schedule_bounds(run: RoadmapRun) -> tuple[date, date]:
    """The dates an unscheduled step may take: the roadmap's period and a year around it.

    A date far outside (a typo, 9999-12-31) would make every page that lays out the period's
    working days do so up to that date.
    """
    return run.period_start - SCHEDULE_MARGIN, run.period_end + SCHEDULE_MARGIN


def schedule_step(
    *,
    session: Session,
    run: RoadmapRun,
    code: str,
    due: date,
    actor: Actor,
    now: datetime,
    school: str | None = None,
    start: date | None = None,
) -> int:
    """Set the dates of an unscheduled step (по отдельному графику) for all schools or one."""
    loaded, schedules = run_definition(run)
    try:
        step = loaded.roadmap.step(code)
    except KeyError:
        raise NastavnikError(
            code="step.unknown", field="code", roadmap=run.roadmap_id, step=code
        ) from None
    if schedules[code].kind != "unscheduled":
        raise NastavnikError(
            code="step.dates_in_roadmap", field="code", step=code, deadline=step.deadline
        )
    if start is not None and start > due:
        raise NastavnikError(
            code="dates.start_after_due",
            field="start",
            start=format_date_ru(start),
            due=format_date_ru(due),
        )
    earliest, latest = schedule_bounds(run)
    for value, field in ((start, "start"), (due, "due")):
        if value is not None and not earliest <= value <= latest:
            raise NastavnikError(
                code="dates.outside_period",
                field=field,
                day=format_date_ru(value),
                period_start=format_date_ru(run.period_start),
                period_end=format_date_ru(run.period_end),
                earliest=format_date_ru(earliest),
                latest=format_date_ru(latest),
            )
    query = select(StepInstance).where(
        StepInstance.run_id == run.id, StepInstance.step_code == code
    )
    if school is not None:
        if step.scope == "municipality":
            raise NastavnikError(code="step.municipal", field="school", step=code)
        if session.get(School, school) is None:
            raise NastavnikError(code="school.unknown", field="school", school=school)
        query = query.where(StepInstance.unit == school)
    changed = 0
    for instance in session.exec(query):
        _apply(
            session,
            instance=instance,
            now=now,
            actor=actor,
            action="schedule",
            values={"start": start, "due": due},
            details={
                "due": due.isoformat(),
                "start": start.isoformat() if start else None,
                "was_due": instance.due.isoformat() if instance.due else None,
            },
        )
        changed += 1
    return changed


def _instance(session: Session, instance_id: int) -> StepInstance:
    instance = session.get(StepInstance, instance_id)
    if instance is None:
        raise NastavnikError(code="step.unknown_instance", instance=instance_id)
    return instance


def _comment_text(comment: str) -> str:
    text = comment.strip()
    if not text:
        raise NastavnikError(code="comment.required", field="comment")
    if len(text) > 2000:
        raise NastavnikError(code="comment.too_long", field="comment", limit=2000)
    return text


def return_for_rework(
    *, session: Session, instance_id: int, actor: Actor, now: datetime, comment: str
) -> StepInstance:
    """Reopen a resolved step with the coordinator's comment (вернуть на доработку).

    Like ``undo``, but the journal row (action ``rework``) keeps the comment, which the school's
    page shows beside the step until it is done again.
    """
    text = _comment_text(comment)
    instance = _instance(session, instance_id)
    if instance.state == "open":
        raise NastavnikError(code="step.open_nothing_to_return", field="code")
    reopened = _apply(
        session,
        instance=instance,
        now=now,
        actor=actor,
        action="rework",
        values={
            "state": "open",
            "done_at": None,
            "marked_at": None,
            "done_by": None,
            "evidence": None,
            "reason": None,
        },
        details={
            "comment": text,
            "was": instance.state,
            "evidence": instance.evidence,
            "reason": instance.reason,
        },
    )
    _unfix_anchored(session, reopened, now)
    return reopened


def comment_step(
    *, session: Session, instance_id: int, actor: Actor, now: datetime, comment: str
) -> JournalEntry:
    """A comment on a step instance: a journal row (action ``comment``); the state is unchanged."""
    text = _comment_text(comment)
    instance = _instance(session, instance_id)
    entry = journal_entry(
        instance=instance, actor=actor, now=now, action="comment", details={"comment": text}
    )
    session.add(entry)
    session.flush()
    return entry
