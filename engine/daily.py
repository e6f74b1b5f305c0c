"""One tick without Prefect: decide in batches, count states, deliver. Flows wrap the same parts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, bindparam, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from definitions.workdays import is_working_day
from engine.status import local_today
from engine.tick import LEVELS, decide_notifications, remind_cutoff, unit_batches
from nastavnik.russian import format_date_ru
from storage.db import session_scope
from storage.schools import get_municipality


@dataclass
class TickSummary:
    """What one tick decided and delivered, and the states it saw."""

    now: datetime
    today: date
    working_day: bool
    decided: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    states: Counter[str] = field(default_factory=Counter)
    delivery: Any = None

    def text(self) -> str:
        day = format_date_ru(self.today) + ("" if self.working_day else " (нерабочий день)")
        lines = [f"tick at {self.now.isoformat()} — {day}"]
        lines.append(
            "decided: " + ", ".join(f"{level} {count}" for level, count in self.decided.items())
        )
        lines.append(
            "states: "
            + ", ".join(f"{state} {count}" for state, count in sorted(self.states.items()))
        )
        if self.delivery is not None:
            lines.append(str(self.delivery))
        return "\n".join(lines)

    @property
    def total(self) -> int:
        return sum(self.decided.values())

    def add(self, decided: dict[str, int]) -> None:
        for level, count in decided.items():
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


def decide_batch(*, engine: Engine, now: datetime, units: list[str]) -> dict[str, int]:
    """Decide one batch of units in its own transaction."""
    with session_scope(engine) as session:
        return decide_notifications(session=session, now=now, units=units).decided


def tick_once(
    *, engine: Engine, now: datetime, send: bool = True, batch_size: int = 500
) -> TickSummary:
    """Evaluate every step instance at ``now``, write decisions to the outbox, deliver if asked."""
    with session_scope(engine) as session:
        municipality = get_municipality(session)
        today = local_today(now, municipality.timezone)
        batches = unit_batches(session, size=batch_size)
    summary = TickSummary(now=now, today=today, working_day=is_working_day(today))
    for units in batches:
        summary.add(decide_batch(engine=engine, now=now, units=units))
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
