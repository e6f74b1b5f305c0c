"""SQLModel tables: municipality, schools, users, roadmap runs, step instances, journal, policy, outbox.

Datetimes are stored in UTC and always come back timezone-aware (SQLite keeps no zone); dates
(start, due) are calendar dates in the municipality's time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
    true,
)
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (now is an input)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Municipality(SQLModel, table=True):
    """The municipality (муниципалитет) and the people on its escalation ladder."""

    __tablename__ = "municipality"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    timezone: str = "Europe/Moscow"
    committee_name: str = Field(default="", description="Full name of the education authority.")
    place: str = Field(default="", description="City or settlement for documents (г. Белоярский).")
    coordinator_name: str = ""
    coordinator_position: str = Field(
        default="", description="The coordinator's position («методист МАУ «БМЦ»»), for documents."
    )
    coordinator_email: str = ""
    head_name: str = ""
    head_position: str = ""
    head_email: str = ""
    created_at: datetime | None = _utc_column(nullable=True)


class School(SQLModel, table=True):
    """A school (образовательная организация) of the municipality."""

    __tablename__ = "school"

    id: str = Field(primary_key=True, description="The school's id from the import file.")
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    name: str
    short_name: str
    director: str
    admin_email: str
    curator: str = ""
    curator_email: str = ""
    territory: str = Field(
        default="", description="The territory (settlement, district) the matrix groups by."
    )
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    added_at: datetime | None = _utc_column(nullable=True)


class User(SQLModel, table=True):
    """A person who signs in: coordinator, school admin (one school) or viewer."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    role: str
    school_id: str | None = Field(default=None, foreign_key="school.id")
    name: str = ""
    password_hash: str | None = None
    active: bool = True
    created_at: datetime | None = _utc_column(nullable=True)


class RoadmapRun(SQLModel, table=True):
    """A roadmap launched in a municipality: the definition's snapshot and hash at launch."""

    __tablename__ = "roadmap_run"
    __table_args__ = (UniqueConstraint("municipality_id", "roadmap_id"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    roadmap_id: str
    title: str
    content_hash: str
    definition: str = Field(sa_column=Column(Text, nullable=False))
    period_start: date
    period_end: date
    launched_by: str
    launched_at: datetime | None = _utc_column(nullable=True)
    # an archived run is kept for reports and left out of the daily run (#14)
    archived_at: datetime | None = _utc_column(nullable=True)
    archived_by: str | None = None


class StepInstance(SQLModel, table=True):
    """One school × step × occurrence (or municipality × step × occurrence) of a run.

    ``state`` holds what people decided: open, done, done_late, not_applicable. The states that
    depend on the clock (blocked, due_soon, overdue) are evaluated at ``now`` (engine/states.py).
    ``unit`` is the school id, or "" for the municipality, so the unique key has no NULLs.
    """

    __tablename__ = "step_instance"
    __table_args__ = (
        UniqueConstraint("run_id", "unit", "step_code", "occurrence"),
        Index("ix_step_instance_state_due", "state", "due"),
        Index(
            "ix_step_instance_tick_dirty",
            "unit",
            sqlite_where=text("tick_dirty"),
            postgresql_where=text("tick_dirty"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="roadmap_run.id", index=True)
    school_id: str | None = Field(default=None, foreign_key="school.id", index=True)
    unit: str
    step_code: str
    scope: str
    occurrence: int
    start: date | None = None
    due: date | None = None
    state: str = "open"
    done_at: datetime | None = _utc_column(nullable=True)
    done_by: str | None = None
    evidence: str | None = None
    reason: str | None = None
    # when the mark was made (the act's moment), beside done_at (the document's date): the on-time
    # rule looks at both (engine/actions.py done_state, docs/portal.md)
    marked_at: datetime | None = _utc_column(nullable=True)
    version: int = 1
    updated_at: datetime | None = _utc_column(nullable=True)
    # Set by launch and by every act (done, undo, n/a, schedule); the tick re-examines such rows in
    # full and clears the flag, and otherwise looks only at due dates that entered a window since
    # its watermark (TickWatermark). A partial index keeps the dirty rows cheap to find.
    tick_dirty: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class TickWatermark(SQLModel, table=True):
    """How far the tick has decided one level of one step of a run: due dates up to ``through``.

    Advanced only after a tick covered every unit, so a reader can trust everything up to it was
    decided; the next tick looks at due dates in (through, its own cut-off] plus dirty instances.
    """

    __tablename__ = "tick_watermark"

    run_id: int = Field(foreign_key="roadmap_run.id", primary_key=True)
    step_code: str = Field(primary_key=True)
    level: str = Field(primary_key=True)
    through: date
    ticked_at: datetime | None = _utc_column(nullable=True)


class JournalEntry(SQLModel, table=True):
    """An append-only record of every act: who, when, what, from where, before → after."""

    __tablename__ = "journal"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = _utc_column(index=True)
    actor: str
    action: str
    source: str = "cli"
    remote_addr: str | None = None
    run_id: int | None = None
    step_instance_id: int | None = Field(default=None, index=True)
    school_id: str | None = None
    step_code: str | None = None
    before: str | None = None
    after: str | None = None
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class EscalationPolicy(SQLModel, table=True):
    """The escalation ladder: for the municipality ("" roadmap and step), a roadmap or one step.

    Counts are working days. The most specific row wins: step, then roadmap, then municipality.
    """

    __tablename__ = "escalation_policy"
    __table_args__ = (UniqueConstraint("municipality_id", "roadmap_id", "step_code"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    roadmap_id: str = ""
    step_code: str = ""
    remind_before: int = 3
    coordinator_after: int = 3
    head_after: int = 10


class OutboxItem(SQLModel, table=True):
    """A decision that someone must be told: one row per (step instance, level, recipient).

    The unique key makes a second tick, or two ticks at once, decide it only once. Delivery
    (notifications/) groups pending items into one letter per recipient.
    """

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    step_instance_id: int = Field(foreign_key="step_instance.id", index=True)
    level: str
    recipient: str = Field(index=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    school_id: str | None = None
    days_late: int = 0
    decided_at: datetime | None = _utc_column()
    status: str = Field(default="pending", index=True)
    attempts: int = 0
    lease_until: datetime | None = _utc_column(nullable=True)
    letter_id: int | None = Field(default=None, index=True)
    last_error: str | None = None
    sent_at: datetime | None = _utc_column(nullable=True)


class GeneratedDocument(SQLModel, table=True):
    """A document rendered for a step instance (or for the municipality), with its hash and data."""

    __tablename__ = "generated_document"

    id: int | None = Field(default=None, primary_key=True)
    step_instance_id: int | None = Field(default=None, foreign_key="step_instance.id", index=True)
    school_id: str | None = Field(default=None, index=True)
    template_id: str
    path: str
    sha256: str
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rendered_by: str
    rendered_at: datetime | None = _utc_column()
