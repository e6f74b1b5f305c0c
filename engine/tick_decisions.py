"""The tick's decisions: who must be told about which step, written to the outbox in bulk.

Set-based: per distinct ladder the thresholds become cut-off dates, then one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` per level over candidate step instances. The outbox's
unique key (step instance, level, recipient) makes a rerun, or two ticks at once, decide nothing
twice.

Incremental: a tick does not re-read every open instance. Per run × step × level a watermark keeps
the cut-off the last complete tick decided through, so a tick looks only at due dates that entered
a window since then, plus the instances launched or acted on since (``tick_dirty``). A day with no
new deadline and no act costs a few index probes, whatever the size of the region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    text,
)
from sqlmodel import Session, col, func, select

from definitions.workdays import is_working_day
from engine.policy import Ladder, ladders_for
from engine.runs import run_definition
from engine.status import local_today
from engine.units import unit_recipients, units_by_role
from storage.models import Municipality, OutboxItem, RoadmapRun, TickWatermark, UTCDateTime
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
    examined: int = 0  # candidate instances: due dates new to a window, plus changed steps

    @property
    def total(self) -> int:
        return sum(self.decided.values())


_SCHOOL_RECIPIENT = {
    # level -> who hears of a school-scoped step's decision
    "reminder": "school",
    "overdue": "school",
    "coordinator": "coordinator",
    "head": "head",
}
_MUNICIPAL_RECIPIENT = {
    # a municipal step is the coordinator's own: reminded and notified, then the head
    "reminder": "coordinator",
    "overdue": "coordinator",
    "head": "head",
}
# The beginning of time for a level no tick has decided yet: its window is everything due so far.
NEVER = date(1900, 1, 1)


@dataclass(frozen=True)
class TickPlan:
    """The cut-offs of one tick: per run and step, for each level, the window of due dates to decide.

    ``rows`` holds ``run_id``, ``step_code`` and, per level, ``<level>_from`` (exclusive: the
    watermark of the last complete tick) and ``<level>_until`` (inclusive: this tick's cut-off).
    It is plain data so that a Prefect task can take it as a parameter.
    """

    now: datetime
    today: date
    municipality_id: int
    rows: tuple[dict[str, object], ...]
    # ``run_id``, ``step_code``, ``recipient``: the municipal unit (engine/units.py) a municipal
    # step reminds instead of the coordinator, who then hears of it at the coordinator level
    unit_recipients: tuple[dict[str, object], ...] = ()

    def ranges(self) -> list[tuple[date, date]]:
        """The distinct, merged (from, until] windows over all steps and levels."""
        spans: set[tuple[date, date]] = set()
        for row in self.rows:
            for level in LEVELS:
                low, high = row[f"{level}_from"], row[f"{level}_until"]
                assert isinstance(low, date) and isinstance(high, date)
                if high > low:
                    spans.add((low, high))
        merged: list[tuple[date, date]] = []
        for low, high in sorted(spans):
            if merged and low <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        return merged


def plan_tick(session: Session, *, now: datetime, full: bool = False) -> TickPlan:
    """This tick's windows: from each level's watermark (or the beginning, with ``full``) to now's cut-off."""
    municipality = get_municipality(session)
    today = local_today(now, municipality.timezone)
    municipality_id = municipality.id or 0
    overdue_until = late_cutoff(today, 1)
    runs = list(
        session.exec(
            select(RoadmapRun).where(
                RoadmapRun.municipality_id == municipality_id,
                col(RoadmapRun.archived_at).is_(None),  # archived runs are out of the daily run
            )
        )
    )
    marks: dict[tuple[int, str, str], date] = {}
    if runs and not full:
        for mark in session.exec(
            select(TickWatermark).where(col(TickWatermark.run_id).in_([r.id for r in runs]))
        ):
            marks[(mark.run_id, mark.step_code, mark.level)] = mark.through
    cutoffs: dict[Ladder, dict[str, date]] = {}
    rows: list[dict[str, object]] = []
    units = units_by_role(session, municipality_id=municipality_id) if runs else {}
    recipients: list[dict[str, object]] = []
    for run in runs:
        roadmap = run_definition(run)[0].roadmap
        recipients += [
            {"run_id": run.id, "step_code": code, "recipient": address}
            for code, addresses in unit_recipients(roadmap, units).items()
            for address in addresses
        ]
        for code, ladder in ladders_for(
            session, municipality_id=municipality_id, roadmap=roadmap
        ).items():
            if ladder not in cutoffs:
                cutoffs[ladder] = {
                    "reminder": remind_cutoff(today, ladder.remind_before),
                    "overdue": overdue_until,
                    "coordinator": late_cutoff(today, ladder.coordinator_after),
                    "head": late_cutoff(today, ladder.head_after),
                }
            row: dict[str, object] = {"run_id": run.id, "step_code": code}
            for level, until in cutoffs[ladder].items():
                row[f"{level}_from"] = marks.get((run.id or 0, code, level), NEVER)
                row[f"{level}_until"] = until
            rows.append(row)
    return TickPlan(
        now=now,
        today=today,
        municipality_id=municipality_id,
        rows=tuple(rows),
        unit_recipients=tuple(recipients),
    )


def advance_watermarks(session: Session, plan: TickPlan) -> int:
    """Record that every unit was decided up to the plan's cut-offs (call after all batches).

    One upsert per mark that keeps the later of the stored and the new cut-off, so two ticks that
    finish at once (or an earlier ``--now`` after a later one) never move a watermark back.
    """
    marks = [
        {
            "run_id": row["run_id"],
            "step_code": row["step_code"],
            "level": level,
            "through": row[f"{level}_until"],
            "ticked_at": plan.now,
        }
        for row in plan.rows
        for level in LEVELS
    ]
    if not marks:
        return 0
    statement = text(
        "INSERT INTO tick_watermark (run_id, step_code, level, through, ticked_at) "
        "VALUES (:run_id, :step_code, :level, :through, :ticked_at) "
        "ON CONFLICT (run_id, step_code, level) DO UPDATE SET "
        "through = excluded.through, ticked_at = excluded.ticked_at "
        "WHERE excluded.through > tick_watermark.through"
    ).bindparams(bindparam("through", type_=Date()), bindparam("ticked_at", type_=UTCDateTime()))
    session.connection().execute(statement, marks)
    return len(marks)


def _temporary_tables(metadata: MetaData) -> tuple[Table, Table, Table, Table]:
    level_columns = [
        Column(f"{level}_{edge}", Date) for level in LEVELS for edge in ("from", "until")
    ]
    policy = Table(
        "tick_policy",
        metadata,
        Column("run_id", Integer, primary_key=True),
        Column("step_code", String, primary_key=True),
        *level_columns,
        prefixes=["TEMPORARY"],
    )
    units = Table(
        "tick_units", metadata, Column("unit", String, primary_key=True), prefixes=["TEMPORARY"]
    )
    ranges = Table(
        "tick_ranges",
        metadata,
        Column("low", Date, primary_key=True),
        Column("high", Date),
        prefixes=["TEMPORARY"],
    )
    candidates = Table(
        "tick_candidates",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("version", Integer),
        Column("run_id", Integer),
        Column("step_code", String),
        Column("scope", String),
        Column("school_id", String),
        Column("state", String),
        Column("due", Date),
        Column("dirty", Boolean),
        prefixes=["TEMPORARY"],
    )
    return policy, units, ranges, candidates


def decide_notifications(
    *,
    session: Session,
    now: datetime,
    units: list[str] | None = None,
    plan: TickPlan | None = None,
) -> TickResult:
    """Decide, at ``now``, who must be told about which step, and write it to the outbox.

    Only candidates are examined: open instances whose due date entered a level's window since the
    last complete tick (the plan's ``from`` → ``until``), and dirty instances (launched or acted on
    since), which are examined in full and then marked clean. Without a ``plan`` the call makes its
    own and, when it covers every unit (``units`` is None), advances the watermarks itself.

    Args:
        session: an open session; the caller commits.
        now: the moment of the tick (its date in the municipality's zone decides).
        units: an optional batch: school ids, with "" for the municipality's own steps.
        plan: the tick's windows, made once by the caller for all its batches.
    """
    own_plan = plan is None
    if plan is None:
        plan = plan_tick(session, now=now)
    result = TickResult(now=now, today=plan.today)
    connection = session.connection()
    policy, batch, ranges, candidates = _temporary_tables(MetaData())
    tables = (policy, batch, ranges, candidates)
    for table in tables:
        table.drop(connection, checkfirst=True)
        table.create(connection)
    by_units = _unit_table(connection, plan)
    try:
        unit_filter = ""
        if units is not None:
            unit_filter = " AND si.unit IN (SELECT unit FROM tick_units)"
            if units:
                connection.execute(insert(batch), [{"unit": unit} for unit in units])
        if plan.rows:
            connection.execute(insert(policy), list(plan.rows))
        spans = plan.ranges()
        if spans:
            connection.execute(insert(ranges), [{"low": lo, "high": hi} for lo, hi in spans])
        # One read of each candidate row; the levels below work on this in-memory copy.
        fields = (
            "si.id, si.version, si.run_id, si.step_code, si.scope, si.school_id, si.state, si.due"
        )
        result.examined = connection.execute(
            text(
                "INSERT INTO tick_candidates "
                "(id, version, run_id, step_code, scope, school_id, state, due, dirty) "
                f"SELECT {fields}, si.tick_dirty FROM tick_ranges g CROSS JOIN step_instance si "
                "WHERE si.state = 'open' AND si.due > g.low AND si.due <= g.high"
                f"{unit_filter} "
                "UNION "
                f"SELECT {fields}, si.tick_dirty FROM step_instance si "
                f"WHERE si.tick_dirty{unit_filter}"
            )
        ).rowcount
        municipality = session.get(Municipality, plan.municipality_id)
        emails = {
            "coordinator": municipality.coordinator_email if municipality else "",
            "head": municipality.head_email if municipality else "",
        }
        if result.examined:
            for level in LEVELS:
                for scope, recipients in (
                    ("school", _SCHOOL_RECIPIENT),
                    ("municipality", _MUNICIPAL_RECIPIENT),
                ):
                    recipient = recipients.get(level)
                    if recipient is None or (recipient != "school" and not emails[recipient]):
                        continue
                    result.decided[level] += _decide_level(
                        connection,
                        plan=plan,
                        level=level,
                        scope=scope,
                        recipient=emails.get(recipient, ""),
                        units=(
                            "exclude"  # a unit's own rungs are decided below
                            if by_units is not None
                            and scope == "municipality"
                            and level in ("reminder", "overdue")
                            else ""
                        ),
                    )
            if by_units is not None:
                # a unit's steps: reminded and notified at the unit, then the coordinator, the head
                for level in ("reminder", "overdue"):
                    result.decided[level] += _decide_level(
                        connection,
                        plan=plan,
                        level=level,
                        scope="municipality",
                        recipient="",
                        units="to",
                    )
                if emails["coordinator"]:
                    result.decided["coordinator"] += _decide_level(
                        connection,
                        plan=plan,
                        level="coordinator",
                        scope="municipality",
                        recipient=emails["coordinator"],
                        units="only",
                    )
        connection.execute(
            text(
                "UPDATE step_instance SET tick_dirty = false "
                "WHERE id IN (SELECT id FROM tick_candidates WHERE dirty) AND tick_dirty "
                "AND version = (SELECT c.version FROM tick_candidates c WHERE c.id = step_instance.id)"
            )
        )
    finally:
        for table in tables:
            table.drop(connection)
        if by_units is not None:
            by_units.drop(connection)
    if own_plan and units is None:
        advance_watermarks(session, plan)
    return result


def _unit_table(connection: Connection, plan: TickPlan) -> Table | None:
    """The plan's unit recipients as a temporary table, or None when no step has a unit."""
    if not plan.unit_recipients:
        return None
    table = Table(
        "tick_unit_recipients",
        MetaData(),
        Column("run_id", Integer, primary_key=True),
        Column("step_code", String, primary_key=True),
        Column("recipient", String, primary_key=True),
        prefixes=["TEMPORARY"],
    )
    table.drop(connection, checkfirst=True)
    table.create(connection)
    connection.execute(insert(table), list(plan.unit_recipients))
    return table


_UNIT_OF_STEP = (
    "SELECT 1 FROM tick_unit_recipients u WHERE u.run_id = c.run_id AND u.step_code = c.step_code"
)


def _decide_level(
    connection: Connection,
    *,
    plan: TickPlan,
    level: str,
    scope: str,
    recipient: str,
    units: str = "",
) -> int:
    """One ``INSERT … SELECT … ON CONFLICT DO NOTHING`` of one level for one scope's candidates.

    ``recipient`` is the coordinator's or the head's address; empty means the school's admin, or
    with ``units="to"`` the municipal unit of the step. ``units`` "exclude" leaves out the steps
    that have a unit, "only" takes just them.
    """
    condition = f"c.due <= p.{level}_until AND (c.due > p.{level}_from OR c.dirty)"
    if level == "reminder":
        condition += " AND c.due >= :today"
    if units == "exclude":
        condition += f" AND NOT EXISTS ({_UNIT_OF_STEP})"
    elif units == "only":
        condition += f" AND EXISTS ({_UNIT_OF_STEP})"
    if units == "to":
        to, join_school = "u.recipient", "CROSS JOIN tick_unit_recipients u "
        school_condition = "AND u.run_id = c.run_id AND u.step_code = c.step_code "
    elif recipient:
        to, join_school, school_condition = ":recipient", "", ""
    else:
        to, join_school = "s.admin_email", "CROSS JOIN school s "
        school_condition = "AND s.id = c.school_id AND s.admin_email <> '' "
    sql = (
        "INSERT INTO outbox (key, step_instance_id, level, recipient, municipality_id, school_id, "
        "days_late, decided_at, status, attempts) "
        f"SELECT CAST(c.id AS TEXT) || ':{level}:' || {to}, c.id, '{level}', {to}, "
        ":municipality_id, c.school_id, 0, :now, 'pending', 0 "
        # CROSS JOIN keeps SQLite's planner from reordering: the candidates (an in-memory copy)
        # drive the query and the policy is found by its key; PostgreSQL plans it as a join.
        "FROM tick_candidates c "
        "CROSS JOIN tick_policy p "
        f"{join_school}"
        "WHERE p.run_id = c.run_id AND p.step_code = c.step_code "
        f"AND c.state = 'open' AND c.scope = '{scope}' AND c.due IS NOT NULL AND {condition} "
        f"{school_condition}"
        "ON CONFLICT (key) DO NOTHING"
    )
    params: list[BindParameter[Any]] = [
        bindparam("now", plan.now, type_=UTCDateTime()),
        bindparam("today", plan.today, type_=Date()),
        bindparam("municipality_id", plan.municipality_id),
        bindparam("recipient", recipient),
    ]
    statement = text(sql).bindparams(*[p for p in params if f":{p.key}" in sql])
    return max(connection.execute(statement).rowcount or 0, 0)


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
