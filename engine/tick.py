"""The tick's decisions: who must be told about which step, written to the outbox in bulk.

Set-based: per distinct ladder the thresholds become cut-off dates, then one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` per level over step instances. The outbox's unique
key (step instance, level, recipient) makes a rerun, or two ticks at once, decide nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, bindparam, insert, text
from sqlmodel import Session, func, select

from definitions.workdays import is_working_day
from engine.policy import Ladder, ladders_for
from engine.runs import run_definition
from engine.status import local_today
from storage.models import OutboxItem, RoadmapRun, UTCDateTime
from storage.schools import get_municipality

LEVELS = ("reminder", "overdue", "coordinator", "head")


def nth_working_day_back(today: date, n: int) -> date:
    """The n-th working day counting back from today inclusive (n ≥ 1)."""
    day = today
    count = 0
    while True:
        if is_working_day(day):
            count += 1
            if count == n:
                return day
        day -= timedelta(days=1)


def nth_working_day_after(today: date, n: int) -> date:
    """The n-th working day after today, today excluded (n ≥ 1)."""
    day = today
    count = 0
    while count < n:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return day


def late_cutoff(today: date, days: int) -> date:
    """The latest due date that is at least ``days`` working days late at ``today``."""
    return nth_working_day_back(today, max(days, 1)) - timedelta(days=1)


def remind_cutoff(today: date, days: int) -> date:
    """The latest due date within ``days`` working days of ``today`` (the reminder window)."""
    return nth_working_day_after(today, days + 1) - timedelta(days=1)


@dataclass
class TickResult:
    """What a tick decided."""

    now: datetime
    today: date
    decided: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))

    @property
    def total(self) -> int:
        return sum(self.decided.values())


_SCHOOL_RECIPIENT = {
    # level -> SQL for the recipient of a school-scoped step's decision
    "reminder": "s.admin_email",
    "overdue": "s.admin_email",
    "coordinator": "m.coordinator_email",
    "head": "m.head_email",
}
_MUNICIPAL_RECIPIENT = {
    # a municipal step is the coordinator's own: reminded and notified, then the head
    "reminder": "m.coordinator_email",
    "overdue": "m.coordinator_email",
    "head": "m.head_email",
}


def _policy_rows(session: Session, today: date, municipality_id: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    cutoffs: dict[Ladder, tuple[date, date, date]] = {}
    for run in session.exec(
        select(RoadmapRun).where(RoadmapRun.municipality_id == municipality_id)
    ):
        roadmap = run_definition(run)[0].roadmap
        for code, ladder in ladders_for(
            session, municipality_id=municipality_id, roadmap=roadmap
        ).items():
            if ladder not in cutoffs:
                cutoffs[ladder] = (
                    remind_cutoff(today, ladder.remind_before),
                    late_cutoff(today, ladder.coordinator_after),
                    late_cutoff(today, ladder.head_after),
                )
            remind, coordinator, head = cutoffs[ladder]
            rows.append(
                {
                    "run_id": run.id,
                    "step_code": code,
                    "remind_until": remind,
                    "coordinator_until": coordinator,
                    "head_until": head,
                }
            )
    return rows


def decide_notifications(
    *, session: Session, now: datetime, units: list[str] | None = None
) -> TickResult:
    """Evaluate every open step instance at ``now`` and write the decisions to the outbox.

    Args:
        session: an open session; the caller commits.
        now: the moment of the tick (its date in the municipality's zone decides).
        units: an optional batch: school ids, with "" for the municipality's own steps.
    """
    municipality = get_municipality(session)
    today = local_today(now, municipality.timezone)
    result = TickResult(now=now, today=today)
    overdue_until = late_cutoff(today, 1)
    connection = session.connection()
    metadata = MetaData()
    policy = Table(
        "tick_policy",
        metadata,
        Column("run_id", Integer, primary_key=True),
        Column("step_code", String, primary_key=True),
        Column("remind_until", Date),
        Column("coordinator_until", Date),
        Column("head_until", Date),
        prefixes=["TEMPORARY"],
    )
    batch = Table(
        "tick_units", metadata, Column("unit", String, primary_key=True), prefixes=["TEMPORARY"]
    )
    for table in (policy, batch):
        table.drop(connection, checkfirst=True)
        table.create(connection)
    try:
        if units:
            connection.execute(insert(batch), [{"unit": unit} for unit in units])
        rows = _policy_rows(session, today, municipality.id or 0)
        if rows:
            connection.execute(insert(policy), rows)
        conditions = {
            "reminder": "si.due >= :today AND si.due <= p.remind_until",
            "overdue": "si.due <= :overdue_until",
            "coordinator": "si.due <= p.coordinator_until",
            "head": "si.due <= p.head_until",
        }
        unit_filter = ""
        if units is not None:
            unit_filter = " AND si.unit IN (SELECT unit FROM tick_units)"
        for level in LEVELS:
            for scope, recipients in (
                ("school", _SCHOOL_RECIPIENT),
                ("municipality", _MUNICIPAL_RECIPIENT),
            ):
                if level not in recipients:
                    continue
                recipient = recipients[level]
                join_school = "JOIN school s ON s.id = si.school_id " if scope == "school" else ""
                sql = (
                    "INSERT INTO outbox (key, step_instance_id, level, recipient, municipality_id, school_id, "
                    "days_late, decided_at, status, attempts) "
                    f"SELECT CAST(si.id AS TEXT) || ':{level}:' || {recipient}, si.id, '{level}', {recipient}, "
                    "m.id, si.school_id, 0, :now, 'pending', 0 "
                    "FROM step_instance si "
                    "JOIN roadmap_run r ON r.id = si.run_id "
                    "JOIN municipality m ON m.id = r.municipality_id "
                    f"{join_school}"
                    "JOIN tick_policy p ON p.run_id = si.run_id AND p.step_code = si.step_code "
                    f"WHERE si.state = 'open' AND si.scope = '{scope}' AND si.due IS NOT NULL "
                    f"AND m.id = :municipality_id AND {recipient} <> '' AND {conditions[level]}{unit_filter} "
                    "ON CONFLICT (key) DO NOTHING"
                )
                params = [
                    bindparam("now", now, type_=UTCDateTime()),
                    bindparam("today", today, type_=Date()),
                    bindparam("overdue_until", overdue_until, type_=Date()),
                    bindparam("municipality_id", municipality.id),
                ]
                statement = text(sql).bindparams(*[p for p in params if f":{p.key}" in sql])
                inserted = connection.execute(statement).rowcount
                result.decided[level] += max(inserted or 0, 0)
    finally:
        policy.drop(connection)
        batch.drop(connection)
    return result


def pending_count(session: Session) -> int:
    """How many decisions wait for delivery."""
    return session.exec(
        select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "pending")
    ).one()


def unit_batches(session: Session, *, size: int) -> list[list[str]]:
    """The municipality ("") and the school ids in batches of about ``size`` units."""
    from storage.models import School

    ids = ["", *sorted(session.exec(select(School.id)))]
    return [ids[i : i + size] for i in range(0, len(ids), size)]
