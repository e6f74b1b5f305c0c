"""`nastavnik demo`: the demo municipality plays the 2022 roadmap of Белоярский район forward.

The same builders are used by the tests (tests/factories.py), so the demo is tested data.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import pendulum
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from common.messages import render_message
from definitions.loader import find_roadmap
from engine.actions import Actor, mark_done, mark_not_applicable, schedule_step
from engine.roadmap_launch import launch_roadmap
from engine.runs import run_definition, which_run
from flows.daily import TickSummary, tick_once
from nastavnik import demo_data
from nastavnik.demo_data import DemoAct
from storage.db import session_scope, upgrade_database
from storage.models import RoadmapRun, StepInstance
from storage.schools import import_schools, init_municipality


def at_nine(day: date, tz: str) -> datetime:
    """09:00 of a day in the municipality's zone, as an aware datetime."""
    return pendulum.datetime(day.year, day.month, day.day, 9, 0, tz=tz)


def write_schools_csv(path: Path, schools: list[dict[str, str]] | None = None) -> Path:
    """The demo schools as the CSV a coordinator would import."""
    rows = schools if schools is not None else demo_data.SCHOOLS
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(demo_data.SCHOOL_COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in demo_data.SCHOOL_COLUMNS})
    return path


def setup_municipality(
    *, engine: Engine, now: datetime, workdir: Path, schools: list[dict[str, str]] | None = None
) -> None:
    """Create the schema, the demo municipality and import its schools from a CSV file."""
    upgrade_database(engine)
    details = dict(demo_data.MUNICIPALITY)
    with session_scope(engine) as session:
        init_municipality(
            session=session,
            now=now,
            name=details.pop("name"),
            timezone=details.pop("timezone"),
            coordinator=details.pop("coordinator_email"),
            head=details.pop("head_email"),
            **details,
        )
        import_schools(
            session=session,
            path=write_schools_csv(workdir / "schools.csv", schools),
            now=now,
            by=demo_data.MUNICIPALITY["coordinator_email"],
        )


def demo_acts(
    *,
    session: Session,
    run: RoadmapRun,
    until: date,
    registry_schools: Collection[str] = (),
) -> list[DemoAct]:
    """What the schools and the coordinator did up to ``until``, from each school's diligence.

    The schools of ``registry_schools`` keep a registry: their steps that complete from it are
    closed by the tick, so nobody marks them by hand.
    """
    loaded, schedules = run_definition(run)
    from_registry = {s.code for s in loaded.roadmap.steps if s.completes_from is not None}
    acts: list[DemoAct] = []
    instances = list(session.exec(select(StepInstance).where(StepInstance.run_id == run.id)))
    order = {step.code: index for index, step in enumerate(loaded.roadmap.steps)}
    for instance in sorted(instances, key=lambda i: (order[i.step_code], i.unit, i.occurrence)):
        if instance.due is None or instance.due > until + timedelta(days=40):
            continue
        if instance.step_code in from_registry and instance.school_id in registry_schools:
            continue
        if instance.school_id is None:
            # the coordinator is punctual except for the expert council (1.7), a week late
            lag = 7 if instance.step_code == "1.7" else -2
        else:
            school_lag = demo_data.DILIGENCE.get(instance.school_id)
            if school_lag is None:
                continue
            lag = school_lag
        # people work to the date the roadmap wrote, even when the term moved off a day off
        written = schedules[instance.step_code].occurrences
        base = instance.due
        if (
            1 <= instance.occurrence <= len(written)
            and written[instance.occurrence - 1].due == base
        ):
            base = written[instance.occurrence - 1].moved_from or base
        when = base + timedelta(days=lag)
        if instance.start is not None and when < instance.start:
            when = instance.start
        if when <= until:
            number = 10 + order[instance.step_code]
            acts.append(
                DemoAct(
                    code=instance.step_code,
                    school=instance.school_id,
                    at=when,
                    evidence=f"Приказ от {when:%d.%m.%Y} № {number}-од",
                )
            )
    acts.sort(key=lambda act: act.at)
    return acts


def write_registry_files(directory: Path, school_id: str) -> dict[str, Path]:
    """A demo school's mentors, mentees and pairs as the «;»-separated CSV Russian Excel saves."""
    rows = demo_data.registry_rows(school_id)
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for kind, columns, data in (
        ("mentors", demo_data.MENTOR_COLUMNS, rows.mentors),
        ("mentees", demo_data.MENTEE_COLUMNS, rows.mentees),
        ("pairs", demo_data.PAIR_COLUMNS, rows.pairs),
    ):
        path = directory / f"{school_id}-{kind}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), delimiter=";")
            writer.writeheader()
            writer.writerows({column: row.get(column, "") for column in columns} for row in data)
        files[kind] = path
    return files


RegistryStep = Literal["mentors", "mentees", "pairs", "totals", "order"]
REGISTRY_STEPS: tuple[RegistryStep, ...] = ("mentors", "mentees", "pairs", "totals", "order")


@dataclass(frozen=True)
class RegistryEvent:
    """A demo school entering part of its registry on a day."""

    at: date
    school: str
    step: RegistryStep


def registry_events(run: RoadmapRun) -> list[RegistryEvent]:
    """When each demo school enters its bases (at its pace), pairs, totals and order (September)."""
    loaded, schedules = run_definition(run)
    due = {
        step.completes_from: schedules[step.code].occurrences[0].moved_from
        or schedules[step.code].occurrences[0].due
        for step in loaded.roadmap.steps
        if step.completes_from in ("mentor_base", "mentee_base")
    }
    events = []
    for index, school in enumerate(demo_data.REGISTRY):
        lag = timedelta(days=demo_data.DILIGENCE[school] or 0)
        pairs_day = demo_data.PAIRS_START + timedelta(days=index % 4)
        events += [
            RegistryEvent(due["mentor_base"] + lag, school, "mentors"),
            RegistryEvent(due["mentee_base"] + lag, school, "mentees"),
            RegistryEvent(pairs_day, school, "pairs"),
            RegistryEvent(pairs_day, school, "totals"),
            RegistryEvent(pairs_day + timedelta(days=3), school, "order"),
        ]
    return sorted(events, key=lambda e: (e.at, e.school, REGISTRY_STEPS.index(e.step)))


def apply_registry_event(*, engine: Engine, workdir: Path, event: RegistryEvent) -> None:
    """Do what the school does on that day: import a file, enter its totals, render the order."""
    from documents.from_db import render_for_step
    from registry.importer import import_registry_file
    from registry.totals import set_survey, set_totals

    tz = demo_data.MUNICIPALITY["timezone"]
    now = at_nine(event.at, tz) + timedelta(hours=2)
    actor = Actor(_admin_email(event.school))
    with session_scope(engine) as session:
        if event.step in ("mentors", "mentees", "pairs"):
            files = write_registry_files(workdir / "registry", event.school)
            import_registry_file(
                session=session,
                kind=event.step,
                school_id=event.school,
                path=files[event.step],
                actor=actor,
                now=now,
            )
        elif event.step == "totals":
            profile = demo_data.REGISTRY[event.school]
            year = event.at.year
            set_totals(
                session=session,
                school_id=event.school,
                year=year,
                actor=actor,
                now=now,
                pupils_10_18=profile.pupils_10_18,
                pupils_15_18=profile.pupils_15_18,
                young_teachers=profile.young_teachers,
            )
            took, satisfied, mentors_took, mentors_satisfied = profile.survey
            set_survey(
                session=session,
                school_id=event.school,
                year=year,
                actor=actor,
                now=now,
                mentees_took_part=took,
                mentees_satisfied=satisfied,
                mentors_took_part=mentors_took,
                mentors_satisfied=mentors_satisfied,
            )
        else:
            run = which_run(session, roadmap_id=None)
            loaded, _ = run_definition(run)
            code = next(s.code for s in loaded.roadmap.steps if s.completes_from == "pairs")
            number = 90 + list(demo_data.REGISTRY).index(event.school)
            render_for_step(
                session=session,
                template_id="order_pairs",
                out=workdir / "files" / f"{event.school}-order_pairs.docx",
                now=now,
                actor=actor,
                school_id=event.school,
                run=run,
                step_code=code,
                extra={"number": f"{number}-од", "plans_deadline": date(2022, 9, 30)},
            )


def demo_registry(
    *,
    engine: Engine,
    workdir: Path,
    schools: Collection[str],
    steps: Collection[str] = REGISTRY_STEPS,
) -> None:
    """Enter the demo registry of some schools at once, on each event's own day (tests use it)."""
    with session_scope(engine) as session:
        run = which_run(session, roadmap_id=None, otherwise="none")
    events = [
        RegistryEvent(demo_data.PAIRS_START, school, step)
        for school in schools
        for step in REGISTRY_STEPS
        if step in steps and step != "order"  # the order on pairs needs a launched roadmap
    ]
    if run is not None:
        chosen = set(schools)
        events = [e for e in registry_events(run) if e.school in chosen and e.step in steps]
        # in the school's order (mentors before pairs), never earlier than the previous step
        events.sort(key=lambda e: (e.school, REGISTRY_STEPS.index(e.step)))
        last: dict[str, date] = {}
        for index, event in enumerate(events):
            day = max(event.at, last.get(event.school, event.at))
            events[index] = RegistryEvent(day, event.school, event.step)
            last[event.school] = day
    for event in events:
        apply_registry_event(engine=engine, workdir=workdir, event=event)


@dataclass
class DemoResult:
    """What the demo did, for the closing summary."""

    database: str
    mail_dir: Path
    ticks: list[TickSummary] = field(default_factory=list)
    acts: int = 0


def run_demo(
    *, engine: Engine, workdir: Path, send: bool = True, echo: Callable[[str], None] = print
) -> DemoResult:
    """Build the demo municipality, launch seed 000, play the year forward with ticks."""
    tz = demo_data.MUNICIPALITY["timezone"]
    launch_day = date(2022, 3, 1)
    setup_municipality(engine=engine, now=at_nine(launch_day, tz), workdir=workdir)
    coordinator = Actor(demo_data.MUNICIPALITY["coordinator_email"])
    with session_scope(engine) as session:
        launch_roadmap(
            session=session,
            loaded=find_roadmap(demo_data.ROADMAP_ID),
            now=at_nine(launch_day, tz),
            by=coordinator.email,
        )
    with session_scope(engine) as session:
        run = which_run(session, roadmap_id=None)
        _, schedules = run_definition(run)
        for code, schedule in schedules.items():
            if schedule.kind == "unscheduled":  # the coordinator sets «по отдельному графику» dates
                schedule_step(
                    session=session,
                    run=run,
                    code=code,
                    due=date(2022, 10, 31),
                    start=date(2022, 9, 1),
                    actor=coordinator,
                    now=at_nine(date(2022, 3, 10), tz),
                )
    result = DemoResult(
        database=engine.url.render_as_string(hide_password=True), mail_dir=workdir / "mail"
    )
    done_before: set[tuple[str, str | None, date]] = set()
    with session_scope(engine) as session:
        pending = registry_events(which_run(session, roadmap_id=None))
    for tick_day in demo_data.TICK_DATES:
        while pending and pending[0].at < tick_day:
            apply_registry_event(engine=engine, workdir=workdir, event=pending.pop(0))
        with session_scope(engine) as session:
            run = which_run(session, roadmap_id=None)
            acts = [
                a
                for a in demo_acts(
                    session=session,
                    run=run,
                    until=tick_day - timedelta(days=1),
                    registry_schools=demo_data.REGISTRY,
                )
                if (a.code, a.school, a.at) not in done_before
            ]
        for act in acts:
            with session_scope(engine) as session:
                run = which_run(session, roadmap_id=None)
                actor = Actor(_admin_email(act.school) if act.school else coordinator.email)
                mark_done(
                    session=session,
                    run=run,
                    code=act.code,
                    school=act.school,
                    actor=actor,
                    now=at_nine(act.at, tz) + timedelta(hours=6),
                    at=at_nine(act.at, tz) + timedelta(hours=5),
                    evidence=act.evidence,
                )
            done_before.add((act.code, act.school, act.at))
        result.acts += len(acts)
        if tick_day == demo_data.TICK_DATES[1]:
            with session_scope(engine) as session:
                run = which_run(session, roadmap_id=None)
                # a small primary school forms its pairs in a network programme of another school
                mark_not_applicable(
                    session=session,
                    run=run,
                    code="3.3",
                    school="nosh4",
                    actor=Actor(_admin_email("nosh4")),
                    now=at_nine(tick_day, tz),
                    reason="Пары сформированы в сетевой программе МАОУ СОШ № 1 г. Белоярский "
                    "(договор о сетевом взаимодействии от 01.04.2022 № 7)",
                )
        summary = tick_once(engine=engine, now=at_nine(tick_day, tz), send=send)
        result.ticks.append(summary)
        echo(summary.text())
        echo("")
    echo(registry_summary(engine=engine, workdir=workdir))
    return result


def registry_summary(*, engine: Engine, workdir: Path) -> str:
    """What the demo's registry holds and closed, and the commands to look at it."""
    from sqlalchemy import func

    from registry.listing import list_registry
    from registry.privacy import LocalOperator
    from storage.models import JournalEntry

    now = at_nine(demo_data.DEMO_NOW, demo_data.MUNICIPALITY["timezone"])
    with session_scope(engine) as session:
        schools = [
            s
            for s in list_registry(session=session, viewer=LocalOperator(), now=now)
            if s.counts.mentors
        ]
        closed = session.exec(
            select(JournalEntry.step_code, func.count())
            .where(JournalEntry.actor == "system", JournalEntry.source == "registry")
            .group_by(JournalEntry.step_code)
            .order_by(JournalEntry.step_code)
        ).all()
    waiting = next(s for s in schools if s.counts.unpaired)
    first_waiting = (waiting.mentees or [])[0].ref.split(":")[1] if waiting.mentees else "ID"
    day = demo_data.DEMO_NOW.isoformat()
    order = next(iter(sorted((workdir / "files").glob("*-order_pairs.docx"))), None)
    lines = [
        render_message(
            "demo.registry",
            schools=len(schools),
            mentors=sum(s.counts.mentors for s in schools),
            mentees=sum(s.counts.mentees for s in schools),
            pairs=sum(s.counts.active_pairs for s in schools),
            waiting=sum(s.counts.unpaired for s in schools),
        ),
        render_message(
            "demo.registry_closed",
            steps=", ".join(f"{code} ×{count}" for code, count in closed),
        ),
        render_message("demo.registry_next", day=day, mentee=first_waiting),
    ]
    if order is not None:
        lines.append(render_message("demo.registry_order", path=order))
    return "\n".join(lines) + "\n"


def _admin_email(school_id: str) -> str:
    for school in demo_data.SCHOOLS:
        if school["id"] == school_id:
            return school["admin_email"]
    raise KeyError(school_id)
