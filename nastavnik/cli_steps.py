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
    code: Annotated[str, typer.Argument(metavar="МЕРОПРИЯТИЕ", help="Код мероприятия.")],
    due: Annotated[str, typer.Option(help="Срок, ГГГГ-ММ-ДД.")],
    start: Annotated[str | None, typer.Option(help="Начало, ГГГГ-ММ-ДД.")] = None,
    school: SchoolOption = None,
    roadmap: RoadmapOption = None,
    by: Annotated[str, typer.Option(help="Кто назначает даты (для журнала).")] = "coordinator",
    now: NowOption = None,
) -> None:
    """Назначить даты мероприятию «по отдельному графику» для всех школ или одной."""
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
    from common.messages import render_count

    typer.echo(
        _say("cli.scheduled", step=code, changed=render_count("count.instances", count=changed))
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
    due = format_date_ru(instance.due) if instance.due else _say("cli.no_due")
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
    code: Annotated[str, typer.Argument(metavar="МЕРОПРИЯТИЕ", help="Код мероприятия.")],
    by: Annotated[str, typer.Option(help="Адрес электронной почты выполнившего.")],
    school: SchoolOption = None,
    evidence: Annotated[
        str | None, typer.Option(help="Подтверждение: номер и дата приказа, ссылка.")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Когда выполнено, ГГГГ-ММ-ДД (по умолчанию — сейчас).")
    ] = None,
    occurrence: OccurrenceOption = None,
    roadmap: RoadmapOption = None,
    now: NowOption = None,
) -> None:
    """Отметить мероприятие выполненным (после срока — с опозданием)."""
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
    code: Annotated[str, typer.Argument(metavar="МЕРОПРИЯТИЕ", help="Код мероприятия.")],
    by: Annotated[str, typer.Option(help="Адрес электронной почты отменяющего.")],
    school: SchoolOption = None,
    occurrence: OccurrenceOption = None,
    roadmap: RoadmapOption = None,
    now: NowOption = None,
) -> None:
    """Снять отметку «выполнено» или «неприменимо»: мероприятие снова в работе."""
    _act("undo", code=code, school=school, by=by, occurrence=occurrence, roadmap=roadmap, now=now)


def na(
    code: Annotated[str, typer.Argument(metavar="МЕРОПРИЯТИЕ", help="Код мероприятия.")],
    by: Annotated[str, typer.Option(help="Адрес электронной почты решающего.")],
    reason: Annotated[str, typer.Option(help="Почему мероприятие неприменимо.")],
    school: SchoolOption = None,
    occurrence: OccurrenceOption = None,
    roadmap: RoadmapOption = None,
    now: NowOption = None,
) -> None:
    """Отметить мероприятие неприменимым, с причиной."""
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
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Вывести в формате JSON: объект на каждое мероприятие школы."),
    ] = False,
    now: NowOption = None,
) -> None:
    """Таблица «школы × мероприятия» на момент, с итогами."""
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
