"""Step states at a moment: the clock-dependent ones (blocked, due_soon, overdue) are derived here.

Rules (issue: engine):
- done, done_late, not_applicable are what people decided and stay as they are;
- past its due date and not done → overdue, even when a prerequisite is not done (the letter
  names the blocking step);
- a prerequisite not done → blocked;
- due within the ladder's reminder window (working days) → due_soon; otherwise open.
A prerequisite counts as done for a unit (a school, or the municipality) when its first
occurrence there is resolved; a municipal step that every school does (school scope, prerequisite
of a municipal step) counts as done when all schools have resolved it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from common.clock import local_day
from definitions.deadlines import RelativeTerm
from definitions.workdays import working_days_between

RESOLVED = frozenset({"done", "done_late", "not_applicable"})
STATES = ("blocked", "open", "due_soon", "overdue", "done", "done_late", "not_applicable")


def evaluate_state(
    *, stored: str, due: date | None, today: date, blocked: bool, remind_before: int
) -> str:
    """The state of one step instance at ``today``."""
    if stored in RESOLVED:
        return stored
    if due is not None and today > due:
        return "overdue"
    if blocked:
        return "blocked"
    if due is not None and working_days_between(today, due) <= remind_before:
        return "due_soon"
    return "open"


@dataclass
class InstanceView:
    """A step instance with its evaluated state, ready for a table, JSON or a page."""

    id: int
    run_id: int
    school: str | None
    code: str
    scope: str
    occurrence: int
    start: date | None
    due: date | None
    stored: str
    done_at: datetime | None
    done_by: str | None
    evidence: str | None
    reason: str | None
    marked_at: object | None = None
    state: str = "open"
    blocked_by: list[str] = field(default_factory=list)
    projected_due: date | None = None
    days_late: int = 0
    # the prerequisite that moves projected_due, and whether it is still not done (else done late)
    delayed_by: str | None = None
    delay_pending: bool = False


def evaluate_views(
    views: list[InstanceView],
    *,
    today: date,
    depends_on: dict[str, list[str]],
    scopes: dict[str, str],
    remind_before: dict[str, int],
    tz: str,
    all_instances: list[InstanceView] | None = None,
    anchors: dict[str, tuple[str, RelativeTerm]] | None = None,
) -> None:
    """Fill state, blocked_by, projected_due and days_late of each view in place.

    ``all_instances`` (default: ``views``) are the instances prerequisites are looked up in, so a
    school's page can be evaluated against the municipal steps too. ``anchors`` (engine/anchors.py:
    code → (anchor step or launch, term)) give a relative term waiting for its anchor an expected
    due date in ``projected_due``.
    """
    pool = all_instances if all_instances is not None else views
    # a plain date: pendulum's subclass makes each subtraction an Interval (a third of the time)
    today = date(today.year, today.month, today.day)
    first: dict[tuple[str, str], InstanceView] = {}
    for view in pool:
        key = (view.school or "", view.code)
        if key not in first or view.occurrence < first[key].occurrence:
            first[key] = view
    by_code: dict[str, list[InstanceView]] = defaultdict(list)
    for (_unit, code), view in first.items():
        by_code[code].append(view)

    def prerequisite(code: str, unit: str) -> list[InstanceView]:
        if scopes.get(code) == "municipality":
            found = first.get(("", code))
            return [found] if found else []
        if unit:
            found = first.get((unit, code))
            return [found] if found else []
        return by_code.get(code, [])  # a municipal step waits for every school's instance

    for view in views:
        unit = view.school or ""
        blockers: list[str] = []
        shift = 0
        delayed_by: str | None = None
        delay_pending = False
        for code in depends_on.get(view.code, []):
            instances = prerequisite(code, unit)
            pending = [p for p in instances if p.stored not in RESOLVED]
            if pending:
                blockers.append(code)
                for p in pending:
                    # a prerequisite not done yet is done today at the earliest
                    if p.due is not None and today > p.due and (today - p.due).days > shift:
                        shift, delayed_by, delay_pending = (today - p.due).days, code, True
            for p in instances:
                if p.stored == "done_late" and p.due is not None and p.done_at is not None:
                    late = (local_day(p.done_at, tz) - p.due).days
                    if late > shift:
                        shift, delayed_by, delay_pending = late, code, False
        view.blocked_by = blockers
        view.state = evaluate_state(
            stored=view.stored,
            due=view.due,
            today=today,
            blocked=bool(blockers),
            remind_before=remind_before.get(view.code, 3),
        )
        if view.state == "overdue" and view.due is not None:
            view.days_late = working_days_between(view.due, today)
        if view.stored not in RESOLVED and view.due is not None and shift > 0:
            projected = view.due + timedelta(days=shift)
            # an expected date is never in the past: a step whose shifted date has passed is
            # simply late, and says so by its state
            if projected >= today and projected > view.due:
                view.projected_due = projected
                view.delayed_by = delayed_by
                view.delay_pending = delay_pending
        if view.due is None and anchors and view.code in anchors and view.stored not in RESOLVED:
            view.projected_due = _expected(view, anchors[view.code], prerequisite, today, tz)


def _expected(
    view: InstanceView,
    anchored: tuple[str, RelativeTerm],
    prerequisite: Callable[[str, str], list[InstanceView]],
    today: date,
    tz: str,
) -> date | None:
    """The expected due date of a relative term whose anchor step has not fixed it yet."""
    from engine.anchors import expected_due

    anchor, term = anchored
    if anchor == "launch":
        return None  # fixed by the tick that follows the launch
    instances = prerequisite(anchor, view.school or "")
    if not instances:
        return None
    done_days = [
        local_day(p.done_at, tz)
        for p in instances
        if p.stored in ("done", "done_late") and p.done_at is not None
    ]
    if len(done_days) == len(instances):
        return expected_due(term, anchor_done=max(done_days), anchor_due=None, today=today)
    dues = [p.due for p in instances if p.due is not None]
    return expected_due(term, anchor_done=None, anchor_due=max(dues) if dues else None, today=today)


STATE_PRIORITY = ("overdue", "due_soon", "blocked", "open", "done_late", "done", "not_applicable")


def cell_state(states: list[str]) -> str:
    """One cell for a step's occurrences at a school: the most urgent state among them."""
    return min(states, key=STATE_PRIORITY.index) if states else "open"
