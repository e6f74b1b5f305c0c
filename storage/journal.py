"""The one journal writer: every act's row is built here, for the ORM and for batched Core inserts.

The journal is append-only: who (``actor``, an e-mail or «system»), when (``at``, aware), what
(``action``), from where (``source``: cli, web, tick, registry…, and the client's address), on
which run, step instance, school or step, the state before and after, and details. Engine,
registry, storage and the portal build their rows through these functions only
(tests/test_journal_writer.py fails on a row built elsewhere). An act names who did it with an
``Actor``; ``record_act`` appends the row of an act that concerns a school rather than a step
(registry records are named by kind and id, «mentee:12», never by a person's name: the journal is
append-only, so a name written there could not be erased when the person asks to be removed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from storage.models import JournalEntry


@dataclass(frozen=True)
class Actor:
    """Who acts and from where (journaled)."""

    email: str
    source: str = "cli"
    remote_addr: str | None = None


# a batch of rows from ``journal_values`` in one executemany (the tick's and the registry's paths)
JOURNAL_INSERT = insert(JournalEntry.__table__)  # type: ignore[attr-defined]


def journal_values(
    *,
    at: datetime,
    actor: str,
    action: str,
    source: str = "cli",
    remote_addr: str | None = None,
    run_id: int | None = None,
    step_instance_id: int | None = None,
    school_id: str | None = None,
    step_code: str | None = None,
    before: str | None = None,
    after: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one journal row; ``at`` must carry its time zone (now is an input)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (now is an input)")
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "source": source,
        "remote_addr": remote_addr,
        "run_id": run_id,
        "step_instance_id": step_instance_id,
        "school_id": school_id,
        "step_code": step_code,
        "before": before,
        "after": after,
        "details": details if details is not None else {},
    }


def journal_row(**values: Any) -> JournalEntry:
    """One journal row as an ORM object (the caller adds it in its transaction).

    Takes the keyword arguments of ``journal_values``.
    """
    return JournalEntry(**journal_values(**values))


def record_act(
    session: Session,
    *,
    actor: Actor,
    action: str,
    now: datetime,
    school_id: str | None,
    details: dict[str, object],
) -> None:
    """Append the journal row of an act on a school's records (in the caller's transaction)."""
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
