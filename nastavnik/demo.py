"""`nastavnik demo`: the demo municipality plays the 2022 roadmap of Белоярский район forward.

The same builders are used by the tests (tests/factories.py), so the demo is tested data.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pendulum
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from definitions.loader import find_roadmap
from engine.actions import Actor, mark_done, mark_not_applicable, schedule_step
from engine.daily import TickSummary, tick_once
from engine.launch import launch_roadmap
from engine.runs import run_definition
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


def demo_acts(*, session: Session, run: RoadmapRun, until: date) -> list[DemoAct]:
    """What the schools and the coordinator did up to ``until``, from each school's diligence."""
    loaded, _ = run_definition(run)
    acts: list[DemoAct] = []
    instances = list(session.exec(select(StepInstance).where(StepInstance.run_id == run.id)))
    order = {step.code: index for index, step in enumerate(loaded.roadmap.steps)}
    for instance in sorted(instances, key=lambda i: (order[i.step_code], i.unit, i.occurrence)):
        if instance.due is None or instance.due > until + timedelta(days=40):
            continue
        if instance.school_id is None:
            # the coordinator is punctual except for the expert council (1.7), a week late
            lag = 7 if instance.step_code == "1.7" else -2
        else:
            school_lag = demo_data.DILIGENCE.get(instance.school_id)
            if school_lag is None:
                continue
            lag = school_lag
        when = instance.due + timedelta(days=lag)
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
        run = session.exec(select(RoadmapRun)).one()
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
    for tick_day in demo_data.TICK_DATES:
        with session_scope(engine) as session:
            run = session.exec(select(RoadmapRun)).one()
            acts = [
                a
                for a in demo_acts(session=session, run=run, until=tick_day - timedelta(days=1))
                if (a.code, a.school, a.at) not in done_before
            ]
        for act in acts:
            with session_scope(engine) as session:
                run = session.exec(select(RoadmapRun)).one()
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
                run = session.exec(select(RoadmapRun)).one()
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
    return result


def _admin_email(school_id: str) -> str:
    for school in demo_data.SCHOOLS:
        if school["id"] == school_id:
            return school["admin_email"]
    raise KeyError(school_id)
