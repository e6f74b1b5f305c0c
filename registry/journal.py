"""Journal rows for registry acts: who did what to which record, never a person's name.

The journal is append-only, so a name written there could not be erased when the person asks to
be removed. Records are named by kind and id («mentee:12»); the details hold counts and field ids.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from engine.actions import Actor
from storage.journal import journal_row
from storage.schools import get_municipality

SYSTEM = Actor("system", source="registry")


def record_act(
    session: Session,
    *,
    actor: Actor,
    action: str,
    now: datetime,
    school_id: str | None,
    details: dict[str, object],
) -> None:
    """Append one journal row for a registry act (in the caller's transaction)."""
    session.add(
        journal_row(
            at=now,
            actor=actor.email,
            action=action,
            source=actor.source,
            remote_addr=actor.remote_addr,
            school_id=school_id,
            details=details,
        )
    )


def local_day(session: Session, now: datetime) -> date:
    """The calendar day at ``now`` in the municipality's zone (pairs and consents are dated)."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (now is an input)")
    return now.astimezone(ZoneInfo(get_municipality(session).timezone)).date()
