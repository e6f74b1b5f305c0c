"""Outbox items as letters word them: the step, its due date, the school, what blocks it.

Read as plain rows (named tuples of the columns needed), not ORM objects: composing a run's
letters reads every pending item, its step instance and the instances its prerequisites live in,
and building thousands of ORM objects cost more than rendering the letters.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlmodel import Session, col, or_

from definitions.deadlines import Schedule
from definitions.schema import Roadmap, Step
from engine.runs import run_definition
from engine.states import RESOLVED
from engine.units import step_units, units_by_role
from notifications.render import LetterItem
from storage.models import OutboxItem, RoadmapRun, School, StepInstance
from storage.schools import get_municipality

CHUNK = 500  # ids per IN (…): well under SQLite's and PostgreSQL's parameter limits


class PendingItem(NamedTuple):
    """A pending outbox decision: tell ``recipient`` about a step instance at ``level``."""

    id: int
    step_instance_id: int
    level: str
    recipient: str
    key: str


class InstanceRow(NamedTuple):
    """The columns of a step instance a letter needs."""

    id: int
    run_id: int
    school_id: str | None
    unit: str
    step_code: str
    occurrence: int
    due: date | None
    state: str


def pending_items_query(open_letter_ids: list[int], *, only: bool = False) -> Select[Any]:
    """Pending items not in a letter yet or in a letter that may still be rewritten.

    ``only``: the items of those letters alone, none not in a letter yet.
    """
    in_letter = col(OutboxItem.letter_id).in_(open_letter_ids or [0])
    return (
        select(
            col(OutboxItem.id),
            col(OutboxItem.step_instance_id),
            col(OutboxItem.level),
            col(OutboxItem.recipient),
            col(OutboxItem.key),
        )
        .where(
            col(OutboxItem.status) == "pending",
            in_letter if only else or_(col(OutboxItem.letter_id).is_(None), in_letter),
        )
        .order_by(col(OutboxItem.id))
    )


def chunks(values: list[int]) -> list[list[int]]:
    """``values`` in slices of at most CHUNK."""
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def load_instances(session: Session, ids: list[int]) -> dict[int, InstanceRow]:
    """The step instances with these ids, by id."""
    found: dict[int, InstanceRow] = {}
    for chunk in chunks(sorted(set(ids))):
        query = select(
            *(
                col(column)
                for column in (
                    StepInstance.id,
                    StepInstance.run_id,
                    StepInstance.school_id,
                    StepInstance.unit,
                    StepInstance.step_code,
                    StepInstance.occurrence,
                    StepInstance.due,
                    StepInstance.state,
                )
            )
        ).where(col(StepInstance.id).in_(chunk))
        for row in session.execute(query):
            found[row[0]] = InstanceRow(*row)
    return found


def still_true(item: PendingItem, instance: InstanceRow | None, today: date) -> str | None:
    """Why the decision no longer holds, or None when the letter should still say it."""
    if instance is None:
        return "the step has no due date any more"
    return gone_reason(item.level, instance.state, instance.due, today)


def gone_reason(level: str, state: str | None, due: date | None, today: date) -> str | None:
    """``still_true`` on the bare columns: why a decision at ``level`` no longer holds, or None."""
    if state is None or due is None:
        return "the step has no due date any more"
    if state != "open":
        return f"the step is {state} now"
    if level == "reminder" and due < today:
        return "the reminder's due date has passed (the overdue notice follows)"
    if level != "reminder" and due >= today:
        return "the step is not overdue any more (its due date moved)"
    return None


def _blockers(
    session: Session, run: RoadmapRun, roadmap: Roadmap, instances: list[InstanceRow]
) -> dict[int, tuple[str, ...]]:
    """The prerequisite codes not done for each instance, as engine/states.py decides them.

    A prerequisite is looked up as ``evaluate_views`` does: its first occurrence in the
    instance's school, or the municipality's for a municipal step; a school step a municipal
    instance waits for, in every school (and the municipality, if it has one). Only the
    prerequisites' first occurrences are read, four columns each, and each (school, step) is
    worked out once: building and evaluating a view of every instance of the involved steps was a
    quarter of composing a region's letters.
    """
    depends_on = {s.code: tuple(s.depends_on) for s in roadmap.steps}
    scopes = {s.code: s.scope for s in roadmap.steps}
    waiting = [i for i in instances if depends_on.get(i.step_code)]
    if not waiting:
        return {}
    codes = sorted({d for i in waiting for d in depends_on[i.step_code]})
    units = sorted({i.unit for i in waiting} | {""})
    # a municipal instance waits for a school step in every school
    everywhere = sorted({d for i in waiting if not i.school_id for d in depends_on[i.step_code]})
    query = select(
        col(StepInstance.school_id),
        col(StepInstance.step_code),
        col(StepInstance.occurrence),
        col(StepInstance.state),
    ).where(col(StepInstance.run_id) == run.id, col(StepInstance.step_code).in_(codes))
    if len(units) <= CHUNK:
        query = query.where(
            or_(
                col(StepInstance.unit).in_(units),
                col(StepInstance.step_code).in_(everywhere or [""]),
            )
        )
    # (school or "", step) → (first occurrence, its stored state)
    first: dict[tuple[str, str], tuple[int, str]] = {}
    for school_id, code, occurrence, state in session.execute(query):
        key = (school_id or "", code)
        known = first.get(key)
        if known is None or occurrence < known[0]:
            first[key] = (occurrence, state)
    pending = {key for key, (_, state) in first.items() if state not in RESOLVED}
    pending_somewhere = {code for _, code in pending}

    def not_done(code: str, unit: str) -> bool:
        if scopes.get(code) == "municipality":
            return ("", code) in pending
        if unit:
            return (unit, code) in pending
        return code in pending_somewhere

    by_unit: dict[tuple[str, str], tuple[str, ...]] = {}
    result: dict[int, tuple[str, ...]] = {}
    for instance in waiting:
        key = (instance.school_id or "", instance.step_code)
        found = by_unit.get(key)
        if found is None:
            found = by_unit[key] = tuple(
                code for code in depends_on[instance.step_code] if not_done(code, key[0])
            )
        result[instance.id] = found
    return result


def letter_items(
    session: Session,
    items: list[PendingItem],
    instances: dict[int, InstanceRow],
) -> dict[int, LetterItem]:
    """The wording data of each outbox item, keyed by outbox id."""
    by_run: dict[int, dict[int, InstanceRow]] = defaultdict(dict)
    for item in items:
        instance = instances[item.step_instance_id]
        by_run[instance.run_id][instance.id] = instance
    names: dict[str, str] = {}
    territories: dict[str, str] = {}
    for school_id, short, name, territory in session.execute(
        select(col(School.id), col(School.short_name), col(School.name), col(School.territory))
    ):
        names[school_id] = short or name
        if territory:
            territories[school_id] = territory
    municipal = any(instances[i.step_instance_id].school_id is None for i in items)
    units = (
        units_by_role(session, municipality_id=get_municipality(session).id or 0)
        if municipal
        else {}
    )
    blocked: dict[int, tuple[str, ...]] = {}
    runs: dict[int, RoadmapRun] = {}
    steps_of: dict[int, dict[str, tuple[int, Step]]] = {}
    occurrences_of: dict[int, dict[str, int]] = {}
    schedules_of: dict[int, dict[str, Schedule]] = {}
    for run_id, run_instances in by_run.items():
        run = session.get(RoadmapRun, run_id)
        assert run is not None
        runs[run_id] = run
        # the definition once per run: compiling its deadlines is the costliest fixed part
        loaded, schedules = run_definition(run)
        blocked.update(_blockers(session, run, loaded.roadmap, list(run_instances.values())))
        steps_of[run_id] = {s.code: (n, s) for n, s in enumerate(loaded.roadmap.steps)}
        occurrences_of[run_id] = {code: len(s.occurrences) for code, s in schedules.items()}
        schedules_of[run_id] = schedules
    # what every item of a step (and term) shares, worked out once per run and step
    # (run_id, roadmap_id, roadmap_title, code, title, occurrences, documents, result, order)
    shared: dict[tuple[int, str], tuple[Any, ...]] = {}
    moved: dict[tuple[int, str, int, date], date | None] = {}
    worded_blockers: dict[tuple[int, tuple[str, ...], bool], tuple[tuple[str, str, bool], ...]] = {}
    result: dict[int, LetterItem] = {}
    for item in items:
        instance = instances[item.step_instance_id]
        run_id, code = instance.run_id, instance.step_code
        step_key = (run_id, code)
        common = shared.get(step_key)
        if common is None:
            run = runs[run_id]
            order, step = steps_of[run_id][code]
            common = shared[step_key] = (
                run_id,
                run.roadmap_id,
                run.title,
                step.code,
                step.title,
                occurrences_of[run_id].get(step.code, 1),
                tuple(step.documents),
                step.result,
                order,
            )
        steps = steps_of[run_id]
        waits_for = blocked.get(instance.id, ())
        blockers: tuple[tuple[str, str, bool], ...] = ()
        if waits_for:
            named = (run_id, waits_for, instance.school_id is None)
            blockers = worded_blockers.get(named) or worded_blockers.setdefault(
                named,
                tuple(
                    (
                        blocker,
                        steps[blocker][1].title,
                        instance.school_id is None and steps[blocker][1].scope == "school",
                    )
                    for blocker in waits_for
                ),
            )
        assert instance.due is not None
        term = (run_id, code, instance.occurrence, instance.due)
        if term not in moved:
            moved[term] = _moved_from(schedules_of[run_id].get(code), instance)
        school_id = instance.school_id
        # positionally, in LetterItem's order: keywords cost twice as much for 360,000 items
        result[item.id] = LetterItem(
            item.id,  # outbox_id
            instance.id,  # step_instance_id
            item.level,
            common[0],  # run_id
            common[1],  # roadmap_id
            common[2],  # roadmap_title
            school_id,
            names.get(school_id, "") if school_id else "",  # school_name
            common[3],  # code
            common[4],  # title
            instance.occurrence,
            common[5],  # occurrences
            instance.due,
            common[6],  # documents
            common[7],  # result
            blockers,  # blocked_by
            common[8],  # step_order
            moved[term],  # moved_from
            (
                tuple(u.name for u in step_units(steps[code][1], units))
                if school_id is None and units
                else ()
            ),  # units
            territories.get(school_id, "") if school_id else "",  # territory
        )
    return result


def _moved_from(schedule: Schedule | None, instance: InstanceRow) -> date | None:
    """The calendar due date of the instance's occurrence when the term was moved off a day off."""
    if schedule is None or not 1 <= instance.occurrence <= len(schedule.occurrences):
        return None
    occurrence = schedule.occurrences[instance.occurrence - 1]
    return occurrence.moved_from if occurrence.due == instance.due else None
