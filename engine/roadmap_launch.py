"""Launch: a roadmap × the municipality's schools → step instances, in bulk and idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    Column,
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

from common.errors import NastavnikError
from common.messages import render_message
from common.russian import format_date_ru
from definitions.compiler import compile_roadmap
from definitions.loader import RoadmapFile
from engine.runs import which_run
from storage.journal import journal_row
from storage.models import JournalEntry, RoadmapRun, School, StepInstance, TickWatermark
from storage.schools import get_municipality

if TYPE_CHECKING:
    from engine.policy import Ladder
    from storage.models import Municipality


@dataclass
class LaunchResult:
    """What a launch did."""

    run_id: int
    roadmap_id: str
    created: bool
    instances_added: int
    schools: int
    definition_changed: bool = False
    messages: list[str] = field(default_factory=list)


def _template_rows(loaded: RoadmapFile, *, keep_outside: bool = True) -> list[dict[str, object]]:
    """One row per step × occurrence; occurrences due outside the period are left out unless kept.

    Occurrence numbers stay those of the schedule, so a kept or dropped occurrence does not shift
    the others.
    """
    schedules = compile_roadmap(loaded)
    period = loaded.roadmap.period
    rows: list[dict[str, object]] = []
    for step in loaded.roadmap.steps:
        schedule = schedules[step.code]
        occurrences: list[tuple[int, date | None, date | None]] = [
            (number, o.start, o.due)
            for number, o in enumerate(schedule.occurrences, start=1)
            # the source's own date decides: a term moved off a day off may end after the period
            if keep_outside
            or o.due is None
            or period.start <= (o.moved_from or o.due) <= period.end
        ]
        if not schedule.occurrences:  # unscheduled: one instance waits for the coordinator's dates
            occurrences = [(1, None, None)]
        for number, start, due in occurrences:
            rows.append(
                {
                    "code": step.code,
                    "scope": step.scope,
                    "occurrence": number,
                    "start": start,
                    "due": due,
                }
            )
    return rows


def launch_roadmap(
    *,
    session: Session,
    loaded: RoadmapFile,
    now: datetime,
    by: str,
    schools: list[str] | None = None,
    keep_outside: bool = True,
) -> LaunchResult:
    """Create the run (once) and every missing step instance; launching again adds only what is new.

    Args:
        session: an open session; the caller commits.
        loaded: the roadmap definition as loaded from its file.
        now: the moment of the launch (journaled).
        by: who launches.
        schools: school ids, or None for all the municipality's schools.
        keep_outside: launch the occurrences due outside the roadmap's period too.
    """
    municipality = get_municipality(session)
    roadmap = loaded.roadmap
    run, source, created, messages = _open_run(
        session, municipality_id=municipality.id or 0, loaded=loaded, now=now, by=by
    )
    known_ids = set(
        session.exec(select(School.id).where(School.municipality_id == municipality.id))
    )
    selected = _choose_schools(known_ids, schools)
    before = _count_instances(session, run.id or 0)
    # Until a tick has set the run's watermarks, the tick's windows start at the beginning of time
    # and find every new instance by its due date; after that, new instances must be marked.
    ticked = session.exec(
        select(TickWatermark.run_id).where(TickWatermark.run_id == run.id).limit(1)
    ).first()
    _insert_instances(
        session,
        run_id=run.id or 0,
        rows=_template_rows(source, keep_outside=keep_outside),
        schools=selected,
        now=now,
        dirty=ticked is not None,
    )
    added = _count_instances(session, run.id or 0) - before
    if created or added:
        session.add(
            journal_row(
                at=now,
                actor=by,
                action="launch",
                run_id=run.id,
                details={"roadmap": roadmap.id, "instances_added": added, "schools": len(selected)},
            )
        )
    session.flush()
    return LaunchResult(
        run_id=run.id or 0,
        roadmap_id=roadmap.id,
        created=created,
        instances_added=added,
        schools=len(selected),
        definition_changed=bool(messages),
        messages=messages,
    )


def _open_run(
    session: Session, *, municipality_id: int, loaded: RoadmapFile, now: datetime, by: str
) -> tuple[RoadmapRun, RoadmapFile, bool, list[str]]:
    """The roadmap's run, created when there is none; the definition it runs (the launched one,
    when it was launched before), whether it was created, and notes on a changed definition."""
    roadmap = loaded.roadmap
    run = which_run(session, roadmap_id=roadmap.id, otherwise="none")
    messages: list[str] = []
    if run is None:
        run = RoadmapRun(
            municipality_id=municipality_id,
            roadmap_id=roadmap.id,
            title=roadmap.title,
            content_hash=loaded.content_hash,
            definition=loaded.text,
            period_start=roadmap.period.start,
            period_end=roadmap.period.end,
            launched_by=by,
            launched_at=now,
        )
        session.add(run)
        session.flush()
        return run, loaded, True, messages
    from engine.runs import run_definition

    if run.content_hash != loaded.content_hash:
        messages.append(
            render_message(
                "launch.definition_changed",
                path=loaded.path,
                day=format_date_ru((run.launched_at or now).date()),
            )
        )
    return run, run_definition(run)[0], False, messages


def _choose_schools(known: set[str], schools: list[str] | None) -> list[str]:
    """The ids of the chosen schools (all known ones for None); an unknown id is refused."""
    if schools is None:
        return sorted(known)
    unknown = [school for school in schools if school not in known]
    if unknown:
        raise NastavnikError(
            code="launch.unknown_schools", field="schools", schools=", ".join(unknown)
        )
    return sorted(set(schools))


def _count_instances(session: Session, run_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(StepInstance).where(StepInstance.run_id == run_id)
    ).one()


def _insert_instances(
    session: Session,
    *,
    run_id: int,
    rows: list[dict[str, object]],
    schools: list[str],
    now: datetime,
    dirty: bool,
) -> None:
    """Set-based insert: a temporary table of the steps × the schools, duplicates ignored."""
    connection = session.connection()
    metadata = MetaData()
    template = Table(
        "launch_template",
        metadata,
        Column("code", String),
        Column("scope", String),
        Column("occurrence", Integer),
        Column("start", Date),
        Column("due", Date),
        prefixes=["TEMPORARY"],
    )
    chosen = Table(
        "launch_schools", metadata, Column("id", String, primary_key=True), prefixes=["TEMPORARY"]
    )
    template.drop(connection, checkfirst=True)
    chosen.drop(connection, checkfirst=True)
    template.create(connection)
    chosen.create(connection)
    try:
        connection.execute(insert(template), rows)
        if schools:
            connection.execute(insert(chosen), [{"id": school} for school in schools])
        from storage.models import UTCDateTime

        columns = (
            "run_id, school_id, unit, step_code, scope, occurrence, start, due, state, version, "
            "updated_at, tick_dirty"
        )
        params: list[BindParameter[Any]] = [
            bindparam("run_id", run_id),
            bindparam("now", now, type_=UTCDateTime()),
            bindparam("dirty", dirty, type_=Boolean()),
        ]
        connection.execute(
            text(
                f"INSERT INTO step_instance ({columns}) "
                "SELECT :run_id, NULL, '', t.code, 'municipality', t.occurrence, t.start, t.due, 'open', 1, :now, :dirty "
                "FROM launch_template t WHERE t.scope IN ('municipality', 'both') "
                "ON CONFLICT (run_id, unit, step_code, occurrence) DO NOTHING"
            ).bindparams(*params)
        )
        connection.execute(
            text(
                f"INSERT INTO step_instance ({columns}) "
                "SELECT :run_id, s.id, s.id, t.code, 'school', t.occurrence, t.start, t.due, 'open', 1, :now, :dirty "
                "FROM launch_schools s CROSS JOIN launch_template t WHERE t.scope IN ('school', 'both') "
                "ON CONFLICT (run_id, unit, step_code, occurrence) DO NOTHING"
            ).bindparams(*params)
        )
    finally:
        template.drop(connection)
        chosen.drop(connection)


@dataclass
class LaunchPreview:
    """What a launch would do, shown before it is confirmed (all counts for the chosen schools)."""

    roadmap_id: str
    title: str
    already_launched: bool
    schools: int
    steps: int
    instances: int
    past_due: int
    period_start: date
    period_end: date
    today: date
    timezone: str
    municipality_timezone: str
    outside: list[tuple[str, date]]  # (step code, due) of occurrences outside the period
    kept_outside: bool
    letters: dict[str, set[str]]  # level → recipients the next daily run would write to
    unscheduled: list[str]
    # Russian warnings: unit roles of municipal steps with no unit address (engine/units.py)
    missing_units: list[str] = field(default_factory=list)

    @property
    def period_state(self) -> str:
        """ended / not_started / current."""
        if self.period_end < self.today:
            return "ended"
        if self.period_start > self.today:
            return "not_started"
        return "current"


def preview_launch(
    *,
    session: Session,
    loaded: RoadmapFile,
    now: datetime,
    schools: list[str] | None = None,
    keep_outside: bool = False,
) -> LaunchPreview:
    """What `launch_roadmap` would create and what the next daily run would send, changing nothing.

    Args:
        session: an open session (only read).
        loaded: the roadmap definition.
        now: the moment of the preview.
        schools: school ids, or None for all the municipality's schools.
        keep_outside: count the occurrences due outside the period as launched.
    """
    from common.clock import local_day
    from engine.policy import ladders_for
    from engine.units import missing_units, unit_recipients, units_by_role

    municipality = get_municipality(session)
    roadmap = loaded.roadmap
    today = local_day(now, municipality.timezone)
    known = {
        school.id: school
        for school in session.exec(select(School).where(School.municipality_id == municipality.id))
    }
    chosen = [known[school] for school in _choose_schools(set(known), schools)]
    run = which_run(session, roadmap_id=roadmap.id, otherwise="none")
    schedules = compile_roadmap(loaded)
    outside = [
        (step.code, occurrence.moved_from or occurrence.due)
        for step in roadmap.steps
        for occurrence in schedules[step.code].occurrences
        if occurrence.due is not None
        and not (
            roadmap.period.start <= (occurrence.moved_from or occurrence.due) <= roadmap.period.end
        )
    ]
    municipal_units = units_by_role(session, municipality_id=municipality.id or 0)
    forecast = _Forecast(
        municipality=municipality,
        today=today,
        ladders=ladders_for(session, municipality_id=municipality.id or 0, roadmap=roadmap),
        by_unit=unit_recipients(roadmap, municipal_units),
    )
    # launching again adds only what is missing: count only that
    existing = _existing_instances(session, run.id or 0) if run is not None else set()
    for row in _template_rows(loaded, keep_outside=keep_outside):
        units: list[School | None] = []
        if row["scope"] in ("municipality", "both"):
            units.append(None)
        if row["scope"] in ("school", "both"):
            units.extend(chosen)
        forecast.add(
            row,
            [
                unit
                for unit in units
                if (unit.id if unit is not None else "", row["code"], row["occurrence"])
                not in existing
            ],
        )
    return LaunchPreview(
        roadmap_id=roadmap.id,
        title=roadmap.title,
        already_launched=run is not None,
        schools=len(chosen),
        steps=len(roadmap.steps),
        instances=forecast.instances,
        past_due=forecast.past_due,
        period_start=roadmap.period.start,
        period_end=roadmap.period.end,
        today=today,
        timezone=roadmap.timezone,
        municipality_timezone=municipality.timezone,
        outside=outside,
        kept_outside=keep_outside,
        letters={level: names for level, names in forecast.letters.items() if names},
        unscheduled=[s.code for s in roadmap.steps if not schedules[s.code].occurrences],
        missing_units=[missing.message for missing in missing_units(roadmap, municipal_units)],
    )


def _existing_instances(session: Session, run_id: int) -> set[tuple[str, str, int]]:
    """(unit, step code, occurrence) of the run's step instances."""
    return {
        (unit, code, occurrence)
        for unit, code, occurrence in session.exec(
            select(StepInstance.unit, StepInstance.step_code, StepInstance.occurrence).where(
                StepInstance.run_id == run_id
            )
        )
    }


@dataclass
class _Forecast:
    """The instances a launch would add and the letters the next daily run would write for them."""

    municipality: Municipality
    today: date
    ladders: dict[str, Ladder]
    by_unit: dict[str, tuple[str, ...]]
    instances: int = 0
    past_due: int = 0
    letters: dict[str, set[str]] = field(
        default_factory=lambda: {
            "reminder": set(),
            "overdue": set(),
            "coordinator": set(),
            "head": set(),
        }
    )

    def add(self, row: dict[str, object], units: list[School | None]) -> None:
        """Count one step × occurrence for these schools (None: the municipality)."""
        from engine.tick_decisions import late_cutoff, remind_cutoff

        self.instances += len(units)
        due = row["due"]
        if not isinstance(due, date):
            return
        ladder = self.ladders[str(row["code"])]
        municipality, letters, today = self.municipality, self.letters, self.today
        for unit in units:
            own = unit.admin_email if unit is not None else municipality.coordinator_email
            # a municipal unit's step: the unit first, then the coordinator (engine/units.py)
            owners = self.by_unit.get(str(row["code"]), ()) if unit is None else ()
            if due < today:
                self.past_due += 1
                letters["overdue"].update(owners or [own or "—"])
                # a municipal step's own recipient is the coordinator: no second rung for them
                if (unit is not None or owners) and due <= late_cutoff(
                    today, ladder.coordinator_after
                ):
                    letters["coordinator"].add(municipality.coordinator_email or "—")
                if due <= late_cutoff(today, ladder.head_after):
                    letters["head"].add(municipality.head_email or "—")
            elif due <= remind_cutoff(today, ladder.remind_before):
                letters["reminder"].update(owners or [own or "—"])


def _run_of(session: Session, roadmap_id: str) -> RoadmapRun:
    run = which_run(session, roadmap_id=roadmap_id, otherwise="none")
    if run is None:
        raise NastavnikError(code="launch.not_launched", field="roadmap", roadmap=roadmap_id)
    return run


def undo_launch(*, session: Session, roadmap_id: str, now: datetime, by: str) -> int:
    """Remove a launch that nobody has heard of yet: no letter sent, no step acted on.

    Returns the number of step instances removed. The journal keeps the launch and its undoing.
    """
    from storage.models import OutboxItem

    run = _run_of(session, roadmap_id)
    instance_ids = select(StepInstance.id).where(StepInstance.run_id == run.id)
    from storage.models import GeneratedDocument

    lettered = session.exec(
        select(func.count())
        .select_from(OutboxItem)
        .where(
            col(OutboxItem.step_instance_id).in_(instance_ids),
            col(OutboxItem.sent_at).is_not(None) | col(OutboxItem.letter_id).is_not(None),
        )
    ).one()
    if lettered:
        raise NastavnikError(code="launch.undo_after_letters", roadmap=roadmap_id, count=lettered)
    acted = (
        session.exec(
            select(func.count())
            .select_from(JournalEntry)
            .where(col(JournalEntry.step_instance_id).in_(instance_ids))
        ).one()
        + session.exec(
            select(func.count())
            .select_from(GeneratedDocument)
            .where(col(GeneratedDocument.step_instance_id).in_(instance_ids))
        ).one()
    )
    uploads = (
        session.connection()
        .execute(
            text(
                "SELECT count(*) FROM upload WHERE step_instance_id IN "
                "(SELECT id FROM step_instance WHERE run_id = :run)"
            ),
            {"run": run.id},
        )
        .scalar_one()
    )
    if acted or uploads:
        raise NastavnikError(
            code="launch.undo_after_marks", roadmap=roadmap_id, count=acted + uploads
        )
    removed = session.exec(
        select(func.count()).select_from(StepInstance).where(StepInstance.run_id == run.id)
    ).one()
    connection = session.connection()
    params = {"run": run.id}
    connection.execute(
        text(
            "DELETE FROM outbox WHERE step_instance_id IN "
            "(SELECT id FROM step_instance WHERE run_id = :run)"
        ),
        params,
    )
    connection.execute(text("DELETE FROM tick_watermark WHERE run_id = :run"), params)
    connection.execute(text("DELETE FROM step_instance WHERE run_id = :run"), params)
    session.add(
        journal_row(
            at=now,
            actor=by,
            action="launch_undo",
            details={"roadmap": roadmap_id, "instances_removed": removed},
        )
    )
    session.delete(run)
    session.flush()
    return int(removed)


def archive_run(*, session: Session, roadmap_id: str, now: datetime, by: str) -> RoadmapRun:
    """Archive a run: kept with its history for reports, left out of the daily run."""
    run = _run_of(session, roadmap_id)
    if run.archived_at is not None:
        raise NastavnikError(
            code="launch.archived", roadmap=roadmap_id, day=f"{run.archived_at:%d.%m.%Y}"
        )
    run.archived_at = now
    run.archived_by = by
    session.add(run)
    session.add(
        journal_row(
            at=now, actor=by, action="archive", run_id=run.id, details={"roadmap": roadmap_id}
        )
    )
    session.flush()
    return run
