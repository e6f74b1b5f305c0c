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
last year's base does not close this year's step. The step is marked done through
engine.actions by the actor «system» (source «registry») with the evidence «по данным реестра: …»;
its moment is when the data became sufficient (the latest row or order that the rule relies on),
so a base entered on time is done on time even if the tick runs later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from engine.actions import mark_done
from engine.runs import run_definition
from nastavnik.errors import NastavnikError
from nastavnik.russian import format_date_numeric, plural_ru
from registry.journal import SYSTEM
from registry.models import Mentee, Mentor, MentorshipPair, PairMentee
from registry.pairing import active_clause
from storage.models import GeneratedDocument, RoadmapRun, StepInstance
from storage.schools import get_municipality

PAIRS_ORDER_TEMPLATE = "order_pairs"


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
        order_day = facts.order_at.astimezone(ZoneInfo(tz)).date()
        pairs_text = _count(facts.pairs, "действующая пара", "действующие пары", "действующих пар")
        return _latest(facts.pairs_changed, facts.order_at), (
            f"по данным реестра: {pairs_text} (групп), все наставляемые с запросами закреплены; "
            f"приказ о закреплении наставнических пар сформирован {format_date_numeric(order_day)}"
        )
    return None, None


def _open_windows(
    instances: list[StepInstance], *, today: date, tz: str
) -> list[tuple[StepInstance, datetime | None]]:
    """Open instances whose window has opened, with the moment their data must be newer than.

    An occurrence's window opens at its start or, without one, the day after the previous
    occurrence's due date; the first occurrence accepts any data (``since`` None).
    """
    chosen: list[tuple[StepInstance, datetime | None]] = []
    previous: StepInstance | None = None
    for instance in instances:
        same = previous is not None and (previous.unit, previous.step_code) == (
            instance.unit,
            instance.step_code,
        )
        opens = instance.start
        if opens is None and same and previous is not None and previous.due is not None:
            opens = previous.due + timedelta(days=1)
        previous = instance
        if instance.state != "open" or (opens is not None and opens > today):
            continue
        since = None
        if instance.occurrence > 1 and opens is not None:
            since = datetime.combine(opens, time(0), tzinfo=ZoneInfo(tz))
        chosen.append((instance, since))
    return chosen


def apply_registry_completions(session: Session, now: datetime) -> int:
    """Mark done the open steps whose registry rule holds at ``now``; returns how many.

    Cheap when nothing applies: one query finds whether any school has registry data, one per run
    finds the instances of steps with ``completes_from``. A step changed by someone at the same
    moment (engine.actions refuses the lost update and rolls back) ends the pass with 0: the tick
    goes on, and the next one marks the steps.
    """
    has_data = session.exec(select(Mentee.id).limit(1)).first() is not None or (
        session.exec(select(Mentor.id).limit(1)).first() is not None
    )
    if not has_data:
        return 0
    tz = get_municipality(session).timezone
    today = now.astimezone(ZoneInfo(tz)).date()
    registry_schools = select(Mentee.school_id).union(select(Mentor.school_id))
    done = 0
    for run in list(session.exec(select(RoadmapRun).order_by(col(RoadmapRun.id)))):
        rules = {
            step.code: step.completes_from
            for step in run_definition(run)[0].roadmap.steps
            if step.completes_from is not None
        }
        if not rules:
            continue
        instances = list(
            session.exec(
                select(StepInstance)
                .where(
                    StepInstance.run_id == run.id,
                    col(StepInstance.step_code).in_(list(rules)),
                    col(StepInstance.school_id).in_(registry_schools),
                )
                .order_by(StepInstance.unit, StepInstance.step_code, col(StepInstance.occurrence))
            )
        )
        candidates = _open_windows(instances, today=today, tz=tz)
        if not candidates:
            continue
        facts = school_facts(
            session,
            schools=sorted({i.school_id for i, _ in candidates if i.school_id}),
            today=today,
        )
        for instance, since in candidates:
            moment, evidence = evaluate_rule(
                rules[instance.step_code], facts[instance.school_id or ""], since=since, tz=tz
            )
            if moment is None:
                continue
            try:
                mark_done(
                    session=session,
                    run=run,
                    code=instance.step_code,
                    school=instance.school_id,
                    actor=SYSTEM,
                    now=now,
                    # not before the roadmap existed, not after now
                    at=min(max(moment, run.launched_at or moment), now),
                    evidence=evidence,
                    occurrence=instance.occurrence,
                )
            except NastavnikError:
                if not session.in_transaction():
                    # engine.actions refused a lost update and rolled the transaction back:
                    # nothing of this pass was kept, the next tick does it again
                    return 0
                continue  # resolved by someone else meanwhile: nothing to do

            done += 1
    return done
