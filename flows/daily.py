"""One tick without Prefect: decide in batches, count states, deliver. Flows wrap the same parts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, bindparam, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from common.messages import render_message
from common.russian import format_date_ru
from definitions.workdays import is_working_day
from engine.tick_decisions import (
    LEVELS,
    TickPlan,
    advance_watermarks,
    decide_notifications,
    plan_tick,
    remind_cutoff,
    unit_batches,
)
from storage.db import session_scope

# the tick's decisions and states as the summary line says them
LEVEL_WORDS = {
    "reminder": "напоминаний",
    "overdue": "о просрочке школам",
    "coordinator": "координатору",
    "head": "председателю",
}
STATE_WORDS = {
    "open": "открыто",
    "due_soon": "срок скоро",
    "overdue": "просрочено",
    "done": "в срок",
    "done_late": "с опозданием",
    "not_applicable": "неприменимо",
    "unscheduled": "без даты",
    "blocked": "ждёт предыдущего шага",
}


@dataclass
class TickSummary:
    """What one tick decided and delivered, and the states it saw."""

    now: datetime
    today: date
    working_day: bool
    decided: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    examined: int = 0
    states: Counter[str] = field(default_factory=Counter)
    delivery: Any = None

    def text(self) -> str:
        day = format_date_ru(self.today)
        if not self.working_day:
            day = render_message("tick.day_off", day=day)
        decided = ", ".join(
            f"{LEVEL_WORDS.get(level, level)} — {count}" for level, count in self.decided.items()
        )
        states = ", ".join(
            f"{STATE_WORDS.get(state, state)} — {count}"
            for state, count in sorted(self.states.items())
        )
        lines = [
            render_message("tick.title", moment=self.now.isoformat(), day=day),
            render_message("tick.decided", counts=decided, examined=self.examined),
            render_message("tick.states", counts=states),
        ]
        if self.delivery is not None:
            lines.append(str(self.delivery))
        return "\n".join(lines)

    @property
    def total(self) -> int:
        return sum(self.decided.values())

    def add(self, decided: dict[str, int]) -> None:
        """Add one batch's counts (levels, and ``examined`` when the batch reports it)."""
        for level, count in decided.items():
            if level == "examined":
                self.examined += count
            else:
                self.decided[level] = self.decided.get(level, 0) + count


def state_counts(*, session: Session, today: date) -> Counter[str]:
    """Counts of instances by state, set-based (blocked is folded into open/due_soon here)."""
    soon = remind_cutoff(today, 3)
    rows = session.connection().execute(
        text(
            "SELECT CASE WHEN state <> 'open' THEN state "
            "WHEN due IS NULL THEN 'unscheduled' "
            "WHEN due < :today THEN 'overdue' "
            "WHEN due <= :soon THEN 'due_soon' ELSE 'open' END AS s, COUNT(*) "
            "FROM step_instance GROUP BY 1"
        ).bindparams(bindparam("today", today, type_=Date()), bindparam("soon", soon, type_=Date()))
    )
    return Counter({state: count for state, count in rows})


def complete_from_registry(*, engine: Engine, now: datetime) -> None:
    """Close the steps whose data is in the registry (``Step.completes_from``), before deciding;
    then fix the due dates of relative terms whose anchor happened (engine/anchors.py)."""
    from engine.anchors import fix_anchored_dues
    from registry.completion import apply_registry_completions

    with session_scope(engine) as session:
        apply_registry_completions(session, now)
        fix_anchored_dues(session, now=now)


def plan(*, engine: Engine, now: datetime, full: bool = False) -> TickPlan:
    """This tick's windows, read once before the batches."""
    with session_scope(engine) as session:
        return plan_tick(session, now=now, full=full)


def decide_batch(
    *, engine: Engine, now: datetime, units: list[str] | None, plan: TickPlan | None = None
) -> dict[str, int]:
    """Decide one batch of units in its own transaction: counts per level, and ``examined``."""
    with session_scope(engine) as session:
        result = decide_notifications(session=session, now=now, units=units, plan=plan)
    return {**result.decided, "examined": result.examined}


def finish(*, engine: Engine, plan: TickPlan) -> None:
    """After every batch succeeded: move the watermarks to this tick's cut-offs."""
    with session_scope(engine) as session:
        advance_watermarks(session, plan)


def tick_once(
    *,
    engine: Engine,
    now: datetime,
    send: bool = True,
    batch_size: int | None = None,
    full: bool = False,
    count_states: bool = True,
) -> TickSummary:
    """Evaluate the step instances at ``now``, write decisions to the outbox, deliver if asked.

    ``full`` ignores the watermarks and re-examines every open instance (decisions already in the
    outbox are not repeated); ``count_states`` adds the state counts to the summary.

    Without ``batch_size`` every school is decided in one set-based pass: each batch re-reads the
    window's instances to pick its own, so batches only pay off when they run in parallel (the
    Prefect flow) or the transaction must stay small.
    """
    complete_from_registry(engine=engine, now=now)
    tick_plan = plan(engine=engine, now=now, full=full)
    batches: list[list[str] | None] = [None]
    if batch_size is not None:
        with session_scope(engine) as session:
            batches = list(unit_batches(session, size=batch_size))
    today = tick_plan.today
    summary = TickSummary(now=now, today=today, working_day=is_working_day(today))
    for units in batches:
        summary.add(decide_batch(engine=engine, now=now, units=units, plan=tick_plan))
    finish(engine=engine, plan=tick_plan)
    if count_states:
        with session_scope(engine) as session:
            summary.states = state_counts(session=session, today=today)
    if send:
        summary.delivery = deliver(engine=engine, now=now)
    return summary


def deliver(*, engine: Engine, now: datetime) -> Any:
    """Deliver what is due to go out (notifications/); None until letters are configured."""
    try:
        from notifications.delivery import deliver_pending
    except ImportError:
        return None
    return deliver_pending(engine=engine, now=now)
