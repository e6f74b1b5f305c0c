"""Launch: a roadmap × the municipality's schools → step instances, in bulk and idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

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
from sqlmodel import Session, func, select

from definitions.compiler import compile_roadmap
from definitions.loader import RoadmapFile
from nastavnik.errors import NastavnikError
from storage.models import JournalEntry, RoadmapRun, School, StepInstance, TickWatermark
from storage.schools import get_municipality


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


def _template_rows(loaded: RoadmapFile) -> list[dict[str, object]]:
    schedules = compile_roadmap(loaded)
    rows: list[dict[str, object]] = []
    for step in loaded.roadmap.steps:
        schedule = schedules[step.code]
        occurrences: list[tuple[date | None, date | None]] = [
            (o.start, o.due) for o in schedule.occurrences
        ]
        if not occurrences:  # unscheduled: one instance waits for the coordinator's dates
            occurrences = [(None, None)]
        for number, (start, due) in enumerate(occurrences, start=1):
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
) -> LaunchResult:
    """Create the run (once) and every missing step instance; launching again adds only what is new.

    Args:
        session: an open session; the caller commits.
        loaded: the roadmap definition as loaded from its file.
        now: the moment of the launch (journaled).
        by: who launches.
        schools: school ids, or None for all the municipality's schools.
    """
    municipality = get_municipality(session)
    roadmap = loaded.roadmap
    run = session.exec(
        select(RoadmapRun).where(
            RoadmapRun.municipality_id == municipality.id, RoadmapRun.roadmap_id == roadmap.id
        )
    ).first()
    messages: list[str] = []
    changed = False
    created = run is None
    if run is None:
        run = RoadmapRun(
            municipality_id=municipality.id or 0,
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
        source = loaded
    else:
        from engine.runs import run_definition

        source = run_definition(run)[0]
        if run.content_hash != loaded.content_hash:
            changed = True
            messages.append(
                f"the definition {loaded.path} changed since the launch on {run.launched_at:%Y-%m-%d}: "
                "the run keeps the launched version; new schools get that version too"
            )
    known_ids = set(
        session.exec(select(School.id).where(School.municipality_id == municipality.id))
    )
    if schools is not None:
        unknown = [school for school in schools if school not in known_ids]
        if unknown:
            raise NastavnikError(f"unknown school id(s): {', '.join(unknown)}", where="--schools")
        selected = sorted(set(schools))
    else:
        selected = sorted(known_ids)
    before = session.exec(
        select(func.count()).select_from(StepInstance).where(StepInstance.run_id == run.id)
    ).one()
    # Until a tick has set the run's watermarks, the tick's windows start at the beginning of time
    # and find every new instance by its due date; after that, new instances must be marked.
    ticked = session.exec(
        select(TickWatermark.run_id).where(TickWatermark.run_id == run.id).limit(1)
    ).first()
    _insert_instances(
        session,
        run_id=run.id or 0,
        rows=_template_rows(source),
        schools=selected,
        now=now,
        dirty=ticked is not None,
    )
    after = session.exec(
        select(func.count()).select_from(StepInstance).where(StepInstance.run_id == run.id)
    ).one()
    added = after - before
    if created or added:
        session.add(
            JournalEntry(
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
        definition_changed=changed,
        messages=messages,
    )


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
                "SELECT :run_id, NULL, '', t.code, t.scope, t.occurrence, t.start, t.due, 'open', 1, :now, :dirty "
                "FROM launch_template t WHERE t.scope = 'municipality' "
                "ON CONFLICT (run_id, unit, step_code, occurrence) DO NOTHING"
            ).bindparams(*params)
        )
        connection.execute(
            text(
                f"INSERT INTO step_instance ({columns}) "
                "SELECT :run_id, s.id, s.id, t.code, t.scope, t.occurrence, t.start, t.due, 'open', 1, :now, :dirty "
                "FROM launch_schools s CROSS JOIN launch_template t WHERE t.scope = 'school' "
                "ON CONFLICT (run_id, unit, step_code, occurrence) DO NOTHING"
            ).bindparams(*params)
        )
    finally:
        template.drop(connection)
        chosen.drop(connection)
