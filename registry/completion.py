"""Steps that complete from the registry (``Step.completes_from``), applied at the daily tick.

Rules, per school:

- ``mentee_base``: the base of mentees has at least one present mentee with a request;
- ``mentor_base``: the base of mentors has at least one present mentor who consented to personal
  data processing;
- ``mentor_and_mentee_bases``: both;
- ``pairs``: at least one active pair, every present mentee with a request is in an active pair,
  and the order on pairs (template ``order_pairs``) was generated for the school.

Only open instances whose window has opened (no start, or start ≤ today) are considered. A repeat
occurrence (the second year of an annual step) needs data entered or changed since its start, so
last year's base does not close this year's step. The step is marked done by the actor «system»
(source «registry») with the evidence «по данным реестра: …»; its moment is when the data became
sufficient (the latest row or order that the rule relies on), so a base entered on time is done on
time even if the tick runs later.

The day a region enters its registry, every school's steps qualify at once, so the pass is
set-based: the database returns only the open instances whose window has opened, as plain
rows, and each batch of schools is written as one executemany of engine.actions' done statement
(under its version guard) and one insert of the journal rows that ``mark_done``, called step by
step before, wrote one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from common.clock import local_day
from common.russian import format_date_numeric, plural_ru
from engine.actions import (
    DONE,
    INSTANCE_REF_COLUMNS,
    JOURNAL,
    DoneAct,
    InstanceRef,
    done_act,
)
from engine.runs import launched_runs, run_definition
from registry.models import Mentee, Mentor, MentorshipPair, PairMentee
from registry.pairing import active_clause
from storage.journal import Actor
from storage.models import GeneratedDocument, StepInstance
from storage.schools import get_municipality

PAIRS_ORDER_TEMPLATE = "order_pairs"
# Schools whose facts are read and whose steps are written together: bounds the IN lists of the
# facts queries (SQLite allows 32,766 parameters) and the size of one executemany.
BATCH_SCHOOLS = 2_000
# the actor of what the registry does by itself (completion at the daily run)
SYSTEM = Actor("system", source="registry")
_STEP = StepInstance.__table__  # type: ignore[attr-defined]


@dataclass
class SchoolFacts:
    """What the rules read about one school's registry, with the moment each fact last changed."""

    mentees: int = 0
    mentees_changed: datetime | None = None
    mentors: int = 0
    mentors_changed: datetime | None = None
    unpaired: int = 0
    pairs: int = 0
    pairs_changed: datetime | None = None
    order_at: datetime | None = None


def _grouped(session: Session, query: Any) -> dict[str, tuple[int, datetime | None]]:
    return {school: (count, moment) for school, count, moment in session.exec(query).all()}


def school_facts(session: Session, *, schools: list[str], today: date) -> dict[str, SchoolFacts]:
    """The facts of the given schools, in a handful of grouped queries."""
    facts = {school: SchoolFacts() for school in schools}
    mentees = _grouped(
        session,
        select(Mentee.school_id, func.count(), func.max(Mentee.updated_at))
        .where(
            col(Mentee.school_id).in_(schools),
            col(Mentee.removed_at).is_(None),
            Mentee.request != "",
        )
        .group_by(Mentee.school_id),
    )
    mentors = _grouped(
        session,
        select(Mentor.school_id, func.count(), func.max(Mentor.updated_at))
        .where(
            col(Mentor.school_id).in_(schools),
            col(Mentor.removed_at).is_(None),
            Mentor.consent == True,  # noqa: E712  (SQL, not Python)
        )
        .group_by(Mentor.school_id),
    )
    pairs = _grouped(
        session,
        select(MentorshipPair.school_id, func.count(), func.max(MentorshipPair.updated_at))
        .where(col(MentorshipPair.school_id).in_(schools), *active_clause(today))
        .group_by(MentorshipPair.school_id),
    )
    paired = (
        select(PairMentee.mentee_id)
        .join(MentorshipPair, col(MentorshipPair.id) == PairMentee.pair_id)
        .where(*active_clause(today))
    )
    unpaired = dict(
        session.exec(
            select(Mentee.school_id, func.count())
            .where(
                col(Mentee.school_id).in_(schools),
                col(Mentee.removed_at).is_(None),
                Mentee.request != "",
                col(Mentee.id).not_in(paired),
            )
            .group_by(Mentee.school_id)
        ).all()
    )
    orders = dict(
        session.exec(
            select(GeneratedDocument.school_id, func.max(GeneratedDocument.rendered_at))
            .where(
                col(GeneratedDocument.school_id).in_(schools),
                GeneratedDocument.template_id == PAIRS_ORDER_TEMPLATE,
            )
            .group_by(GeneratedDocument.school_id)
        ).all()
    )
    for school, item in facts.items():
        item.mentees, item.mentees_changed = mentees.get(school, (0, None))
        item.mentors, item.mentors_changed = mentors.get(school, (0, None))
        item.pairs, item.pairs_changed = pairs.get(school, (0, None))
        item.unpaired = unpaired.get(school, 0)
        item.order_at = orders.get(school)
    return facts


def _fresh(moment: datetime | None, since: datetime | None) -> bool:
    return moment is not None and (since is None or moment >= since)


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def _count(number: int, one: str, few: str, many: str) -> str:
    return f"{number} {plural_ru(number, one, few, many)}"


def evaluate_rule(
    rule: str, facts: SchoolFacts, *, since: datetime | None, tz: str
) -> tuple[datetime | None, str | None]:
    """(the moment the rule became true, the evidence) — or (None, None) while it is not."""
    mentee_base = facts.mentees > 0 and _fresh(facts.mentees_changed, since)
    mentor_base = facts.mentors > 0 and _fresh(facts.mentors_changed, since)
    mentees_text = _count(
        facts.mentees,
        "наставляемый с запросом",
        "наставляемых с запросами",
        "наставляемых с запросами",
    )
    mentors_text = _count(
        facts.mentors,
        "наставник с согласием на обработку ПДн",
        "наставника с согласием на обработку ПДн",
        "наставников с согласием на обработку ПДн",
    )
    if rule == "mentee_base" and mentee_base:
        return facts.mentees_changed, f"по данным реестра: {mentees_text}"
    if rule == "mentor_base" and mentor_base:
        return facts.mentors_changed, f"по данным реестра: {mentors_text}"
    if rule == "mentor_and_mentee_bases" and mentee_base and mentor_base:
        moment = _latest(facts.mentees_changed, facts.mentors_changed)
        return moment, f"по данным реестра: {mentors_text}, {mentees_text}"
    if (
        rule == "pairs"
        and facts.pairs > 0
        and facts.unpaired == 0
        and _fresh(facts.order_at, since)
        and facts.order_at is not None
    ):
        order_day = local_day(facts.order_at, tz)
        pairs_text = _count(facts.pairs, "действующая пара", "действующие пары", "действующих пар")
        return _latest(facts.pairs_changed, facts.order_at), (
            f"по данным реестра: {pairs_text} (групп), все наставляемые с запросами закреплены; "
            f"приказ о закреплении наставнических пар сформирован {format_date_numeric(order_day)}"
        )
    return None, None


def _candidates(
    session: Session, *, run_id: int, codes: list[str], today: date, tz: str
) -> list[tuple[InstanceRef, datetime | None]]:
    """The run's open instances of ``codes`` whose window has opened, in schools with registry
    data, with the moment their data must be newer than; by school, step and occurrence.

    An occurrence's window opens at its start or, without one, the day after the previous
    occurrence's due date; the first occurrence accepts any data (``since`` None). The database
    pairs each instance with that previous due date (a window function) and returns only the open
    instances whose window has opened: once a region's steps are mostly closed, or their next
    occurrences not yet open, the tick builds no rows for them.
    """
    previous_due = func.lag(_STEP.c.due, type_=Date()).over(
        partition_by=(_STEP.c.unit, _STEP.c.step_code), order_by=_STEP.c.occurrence
    )
    occurrences = (
        core_select(*INSTANCE_REF_COLUMNS, _STEP.c.unit, _STEP.c.start, previous_due.label("after"))
        .where(
            _STEP.c.run_id == run_id,
            _STEP.c.step_code.in_(codes),
            _STEP.c.school_id.in_(select(Mentee.school_id).union(select(Mentor.school_id))),
        )
        .subquery()
    )
    rows = session.connection().execute(
        core_select(occurrences)
        .where(
            occurrences.c.state == "open",
            # opened: at its start, or the day after the previous occurrence's due date
            or_(
                occurrences.c.start <= today,
                and_(
                    occurrences.c.start.is_(None),
                    or_(occurrences.c.after.is_(None), occurrences.c.after < today),
                ),
            ),
        )
        .order_by(occurrences.c.unit, occurrences.c.step_code, occurrences.c.occurrence)
    )
    found: list[tuple[InstanceRef, datetime | None]] = []
    for row in rows:
        instance = InstanceRef(*row[: len(INSTANCE_REF_COLUMNS)])
        opens = row.start
        if opens is None and row.after is not None:
            opens = row.after + timedelta(days=1)
        since = None
        if instance.occurrence > 1 and opens is not None:
            since = datetime.combine(opens, time(0), tzinfo=ZoneInfo(tz))
        found.append((instance, since))
    return found


def _by_schools(
    candidates: list[tuple[InstanceRef, datetime | None]], size: int
) -> Iterator[list[tuple[InstanceRef, datetime | None]]]:
    """The candidates (grouped by school) in batches of at most ``size`` schools, in order."""
    batch: list[tuple[InstanceRef, datetime | None]] = []
    schools: set[str | None] = set()
    for candidate in candidates:
        school = candidate[0].school_id
        if school not in schools and len(schools) == size:
            yield batch
            batch, schools = [], set()
        schools.add(school)
        batch.append(candidate)
    if batch:
        yield batch


def _write(session: Session, acts: list[DoneAct]) -> list[DoneAct]:
    """Write a batch of done acts; returns those written (the others were changed meanwhile).

    One executemany of the version-guarded UPDATE: when it changed as many rows as it was given
    (the usual case), every act holds. Otherwise someone resolved, undid or rescheduled some of
    the steps since they were read: the batch is rolled back to its savepoint and written row by
    row, skipping the rows whose version moved; the next tick looks at them again. A driver that
    cannot count an executemany's rows would simply always take the row-by-row way.
    """
    connection = session.connection()
    savepoint = connection.begin_nested()
    if connection.execute(DONE, [act.update for act in acts]).rowcount == len(acts):
        savepoint.commit()
        written = acts
    else:
        savepoint.rollback()
        written = [act for act in acts if connection.execute(DONE, act.update).rowcount == 1]
    if written:
        connection.execute(JOURNAL, [act.journal for act in written])
    return written


def apply_registry_completions(session: Session, now: datetime) -> int:
    """Mark done the open steps whose registry rule holds at ``now``; returns how many.

    Cheap when nothing applies: one query finds whether any school has registry data, one per run
    finds the instances of steps with ``completes_from``. A step changed by someone at the same
    moment is left as they made it and not counted: the next tick examines it again.
    """
    has_data = session.exec(select(Mentee.id).limit(1)).first() is not None or (
        session.exec(select(Mentor.id).limit(1)).first() is not None
    )
    if not has_data:
        return 0
    tz = get_municipality(session).timezone
    today = local_day(now, tz)
    closed: set[int] = set()
    for run in launched_runs(session):
        rules = {
            step.code: step.completes_from
            for step in run_definition(run)[0].roadmap.steps
            if step.completes_from is not None
        }
        if not rules:
            continue
        candidates = _candidates(session, run_id=run.id or 0, codes=list(rules), today=today, tz=tz)
        for batch in _by_schools(candidates, BATCH_SCHOOLS):
            facts = school_facts(
                session,
                schools=sorted({i.school_id for i, _ in batch if i.school_id}),
                today=today,
            )
            acts = []
            for instance, since in batch:
                moment, evidence = evaluate_rule(
                    rules[instance.step_code], facts[instance.school_id or ""], since=since, tz=tz
                )
                if moment is None:
                    continue
                acts.append(
                    done_act(
                        instance,
                        timezone=tz,
                        actor=SYSTEM,
                        now=now,
                        # not before the roadmap existed, not after now
                        done_at=min(max(moment, run.launched_at or moment), now),
                        evidence=evidence,
                    )
                )
            if acts:
                closed.update(act.instance_id for act in _write(session, acts))
    _expire(session, closed)
    return len(closed)


def _expire(session: Session, ids: set[int]) -> None:
    """Expire the caller's ORM copies of the instances written here by Core statements."""
    if ids:
        for item in list(session.identity_map.values()):
            if isinstance(item, StepInstance) and item.id in ids:
                session.expire(item)
