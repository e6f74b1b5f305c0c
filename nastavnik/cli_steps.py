"""Commands on the steps of a launched roadmap: schedule, done, undo, na, status."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from nastavnik.cli_shared import (
    NowOption,
    OccurrenceOption,
    RoadmapOption,
    SchoolOption,
    _engine,
    _fail,
    _municipal_tz,
    _parse_day,
    _print_json,
    _say,
    parse_now,
)


def schedule(
    code: Annotated[str, typer.Argument(help="Step code.")],
    due: Annotated[str, typer.Option(help="Due date, YYYY-MM-DD.")],
    start: Annotated[str | None, typer.Option(help="Start date, YYYY-MM-DD.")] = None,
    school: SchoolOption = None,
    roadmap: RoadmapOption = None,
    by: Annotated[str, typer.Option(help="Who sets the dates (journaled).")] = "coordinator",
    now: NowOption = None,
) -> None:
    """Set the dates of an unscheduled step (по отдельному графику), for all schools or one."""
    from engine.actions import Actor, schedule_step
    from engine.runs import which_run
    from storage.db import session_scope

    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    due_day = _parse_day(due, "--due")
    assert due_day is not None
    with session_scope(engine) as session:
        run = which_run(session, roadmap_id=roadmap)
        changed = schedule_step(
            session=session,
            run=run,
            code=code,
            due=due_day,
            start=_parse_day(start, "--start"),
            school=school,
            actor=Actor(by),
            now=moment,
        )
    from common.russian import plural_ru

    typer.echo(
        _say(
            "cli.scheduled",
            step=code,
            changed=f"{changed} {plural_ru(changed, 'экземпляр', 'экземпляра', 'экземпляров')}",
        )
    )


def _act(action: str, **kwargs: Any) -> None:
    from common.russian import format_date_ru
    from engine import actions
    from engine.runs import which_run
    from storage.db import session_scope

    engine = _engine()
    tz = _municipal_tz(engine)
    moment = parse_now(kwargs.pop("now"), tz=tz)
    roadmap = kwargs.pop("roadmap")
    actor = actions.Actor(kwargs.pop("by"))
    if "at" in kwargs:
        kwargs["at"] = parse_now(kwargs["at"], tz=tz) if kwargs["at"] else None
    with session_scope(engine) as session:
        run = which_run(session, roadmap_id=roadmap)
        instance = getattr(actions, action)(
            session=session, run=run, actor=actor, now=moment, **kwargs
        )
    from common.messages import STEP_STATES

    unit = (
        _say("cli.instance_school", school=instance.school_id)
        if instance.school_id
        else _say("cli.instance_municipality")
    )
    due = format_date_ru(instance.due) if instance.due else "без срока"
    typer.echo(
        _say(
            "cli.instance",
            step=instance.step_code,
            unit=unit,
            occurrence=instance.occurrence,
            due=due,
            state=STEP_STATES.get(instance.state, instance.state),
        )
    )


def done(
    code: Annotated[str, typer.Argument(help="Step code.")],
    by: Annotated[str, typer.Option(help="E-mail of who did it.")],
    school: SchoolOption = None,
    evidence: Annotated[
        str | None, typer.Option(help="Evidence: the order's number and date, a link.")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="When it was done, YYYY-MM-DD (default: now).")
    ] = None,
    occurrence: OccurrenceOption = None,
    roadmap: RoadmapOption = None,
    now: NowOption = None,
) -> None:
    """Mark a step done (late if after its due date)."""
    _act(
        "mark_done",
        code=code,
        school=school,
        by=by,
        evidence=evidence,
        at=at,
        occurrence=occurrence,
        roadmap=roadmap,
        now=now,
    )


def undo(
    code: Annotated[str, typer.Argument(help="Step code.")],
    by: Annotated[str, typer.Option(help="E-mail of who undoes it.")],
    school: SchoolOption = None,
    occurrence: OccurrenceOption = None,
    roadmap: RoadmapOption = None,
    now: NowOption = None,
) -> None:
    """Reopen a step marked done or not applicable."""
    _act("undo", code=code, school=school, by=by, occurrence=occurrence, roadmap=roadmap, now=now)


def na(
    code: Annotated[str, typer.Argument(help="Step code.")],
    by: Annotated[str, typer.Option(help="E-mail of who decides.")],
    reason: Annotated[str, typer.Option(help="Why the step does not apply.")],
    school: SchoolOption = None,
    occurrence: OccurrenceOption = None,
    roadmap: RoadmapOption = None,
    now: NowOption = None,
) -> None:
    """Mark a step not applicable, with a reason."""
    _act(
        "mark_not_applicable",
        code=code,
        school=school,
        by=by,
        reason=reason,
        occurrence=occurrence,
        roadmap=roadmap,
        now=now,
    )


def status(
    school: SchoolOption = None,
    roadmap: RoadmapOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One object per step instance.")] = False,
    now: NowOption = None,
) -> None:
    """The schools × steps matrix at a moment, with counts."""
    from sqlmodel import Session, select

    from engine.runs import launched_runs
    from engine.status import run_status, status_json
    from nastavnik.tables import render_status
    from storage.models import School

    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    with Session(engine) as session:
        if school is not None and session.get(School, school) is None:
            _fail(_say("cli.unknown_school", school=school))
        runs = launched_runs(session)
        if roadmap is not None:
            runs = [r for r in runs if r.roadmap_id == roadmap]
            if not runs:
                _fail(_say("cli.not_launched", roadmap=roadmap))
        statuses = [run_status(session=session, run=run, now=moment, school=school) for run in runs]
        schools = {s.id: s for s in session.exec(select(School))}
    if as_json:
        _print_json([row for st in statuses for row in status_json(st)])
        return
    if not statuses:
        typer.echo(_say("cli.nothing_launched"))
    for st in statuses:
        render_status(st, schools)
