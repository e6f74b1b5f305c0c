"""The escalation ladder as data: municipality default, overridden per roadmap or per step."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from definitions.schema import EscalationOverride, Roadmap
from storage.models import EscalationPolicy


@dataclass(frozen=True)
class Ladder:
    """Working-day thresholds: remind before due, escalate to the coordinator and to the head."""

    remind_before: int = 3
    coordinator_after: int = 3
    head_after: int = 10

    def with_override(self, override: EscalationOverride | EscalationPolicy | None) -> Ladder:
        if override is None:
            return self
        return Ladder(
            remind_before=self.remind_before
            if override.remind_before is None
            else override.remind_before,
            coordinator_after=self.coordinator_after
            if override.coordinator_after is None
            else override.coordinator_after,
            head_after=self.head_after if override.head_after is None else override.head_after,
        )


def ladders_for(session: Session, *, municipality_id: int, roadmap: Roadmap) -> dict[str, Ladder]:
    """The ladder of every step of a roadmap.

    Precedence, most specific last: built-in default, the municipality's row, the definition's
    roadmap-level override, the definition's step override, the database's roadmap row, the
    database's step row (what the coordinator set wins over what the file says).
    """
    rows = list(
        session.exec(
            select(EscalationPolicy).where(EscalationPolicy.municipality_id == municipality_id)
        )
    )
    municipal = next((r for r in rows if not r.roadmap_id and not r.step_code), None)
    for_roadmap = next((r for r in rows if r.roadmap_id == roadmap.id and not r.step_code), None)
    for_steps = {r.step_code: r for r in rows if r.roadmap_id == roadmap.id and r.step_code}
    base = Ladder().with_override(municipal).with_override(roadmap.escalation)
    ladders: dict[str, Ladder] = {}
    for step in roadmap.steps:
        ladder = (
            base.with_override(step.escalation)
            .with_override(for_roadmap)
            .with_override(for_steps.get(step.code))
        )
        ladders[step.code] = ladder
    return ladders


def set_policy(
    *,
    session: Session,
    municipality_id: int,
    roadmap_id: str = "",
    step_code: str = "",
    remind_before: int,
    coordinator_after: int,
    head_after: int,
) -> EscalationPolicy:
    """Create or replace one rung set of the ladder."""
    row = session.exec(
        select(EscalationPolicy).where(
            EscalationPolicy.municipality_id == municipality_id,
            EscalationPolicy.roadmap_id == roadmap_id,
            EscalationPolicy.step_code == step_code,
        )
    ).first() or EscalationPolicy(
        municipality_id=municipality_id, roadmap_id=roadmap_id, step_code=step_code
    )
    row.remind_before, row.coordinator_after, row.head_after = (
        remind_before,
        coordinator_after,
        head_after,
    )
    session.add(row)
    session.flush()
    return row
