"""The `nastavnik` command: a thin shell that parses input, calls one function, prints.

Heavy imports (Prefect, SQLAlchemy, docx) happen inside the commands that need them, so that
`nastavnik --help`, `deadline` and `check` start fast.
"""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from common.errors import NastavnikError

app = typer.Typer(
    name="nastavnik",
    help="Roadmaps of the target model of mentorship (целевая модель наставничества), run for every school.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
roadmap_app = typer.Typer(help="Roadmaps nastavnik knows.", no_args_is_help=True)
app.add_typer(roadmap_app, name="roadmap")

from nastavnik.cli_outbox import mail_app, outbox_app  # noqa: E402  (typer only: keeps --help fast)

app.add_typer(outbox_app, name="outbox")
app.add_typer(mail_app, name="mail")

from nastavnik.cli_users import users_app  # noqa: E402  (typer only)

app.add_typer(users_app, name="users")

from nastavnik.cli_docs import docs_app  # noqa: E402  (typer only)
from nastavnik.cli_registry import indicators, registry_app  # noqa: E402  (typer only)

app.add_typer(registry_app, name="registry")
app.add_typer(docs_app, name="docs")
app.command("indicators")(indicators)

from nastavnik.cli_deploy import deploy, task_worker  # noqa: E402  (typer only)

app.command("deploy")(deploy)
app.command("task-worker")(task_worker)

from nastavnik.cli_prefect import prefect_server  # noqa: E402  (typer only)

app.command("prefect-server")(prefect_server)

from nastavnik.cli_ops import backup, recorded_tick, restore, runs  # noqa: E402  (typer only)

app.command("runs")(runs)
app.command("backup")(backup)
app.command("restore")(restore)
from nastavnik.cli_import import roadmap_export, roadmap_import  # noqa: E402  (typer only)
from nastavnik.cli_units import units_app  # noqa: E402  (typer only)

app.add_typer(units_app, name="units")

roadmap_app.command("import")(roadmap_import)
roadmap_app.command("export")(roadmap_export)

from nastavnik.cli_launch import launch  # noqa: E402  (typer only)

app.command("launch")(launch)


def _fail(message: NastavnikError | str, *, code: int = 1) -> NoReturn:
    from common.messages import render_message
    from nastavnik.options import error_text

    typer.echo(render_message("cli.error", message=error_text(message)), err=True)
    raise typer.Exit(code)


def _say(code: str, **params: object) -> str:
    """A line of the CLI's own, in Russian, from the message catalogue."""
    from common.messages import render_message

    return render_message(code, **params)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _parse_period(text: str) -> tuple[date, date]:
    try:
        start_text, end_text = text.split(":")
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        _fail(_say("cli.period", value=text), code=2)
    if end < start:
        _fail(_say("cli.period_reversed", value=text), code=2)
    return start, end


def _extra_dir() -> Path | None:
    from common.settings import get_settings

    return get_settings().roadmaps_dir


def _stored() -> list[tuple[str, int, str]]:
    """The roadmaps published in the portal (database), when there is a database to read."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session

    from common.settings import get_settings
    from storage.roadmap_versions import published_definitions

    url = get_settings().db
    try:
        parsed = make_url(url)
    except Exception:  # a malformed URL is reported by the commands that need the database
        return []
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:" or not Path(database).exists():
            return []
    try:
        with Session(_engine()) as session:
            return published_definitions(session=session)
    except SQLAlchemyError:
        return []


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Roadmap definition files (YAML).")],
) -> None:
    """Validate roadmap definitions and lint them; exit 1 on errors, 0 with warnings."""
    from definitions.compiler import compile_roadmap
    from definitions.lint import lint_roadmap
    from definitions.loader import load_roadmap

    failed = False
    for path in files:
        try:
            loaded = load_roadmap(path)
            schedules = compile_roadmap(loaded)
        except NastavnikError as error:
            typer.echo(str(error), err=True)
            failed = True
            continue
        warnings: list[object] = [*lint_roadmap(loaded, schedules)]
        warnings += [f"{path}: {text}" for text in _unit_warnings(loaded.roadmap)]
        for warning in warnings:
            typer.echo(str(warning), err=True)
        roadmap = loaded.roadmap
        typer.echo(
            _say(
                "cli.checked",
                path=path,
                roadmap=roadmap.id,
                steps=len(roadmap.steps),
                occurrences=sum(len(s.occurrences) for s in schedules.values()),
                warnings=len(warnings),
            )
        )
    raise typer.Exit(1 if failed else 0)


def _unit_warnings(roadmap: Any) -> list[str]:
    """Unit roles of the roadmap's municipal steps with no unit address in the database, in
    Russian; none when the database is not set up (a check needs no database)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session, col, select

    from common.messages import render_message
    from common.settings import get_settings
    from engine.units import missing_units, units_by_role
    from storage.db import current_revision
    from storage.models import Municipality

    url = make_url(get_settings().db)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return []
    try:
        engine = _engine()
        if current_revision(engine) is None:
            return []
        with Session(engine) as session:
            first = select(Municipality).order_by(col(Municipality.id))
            municipality = session.exec(first).first()
            if municipality is None:
                return []
            units = units_by_role(session, municipality_id=municipality.id or 0)
    except SQLAlchemyError:  # a database of an older version: `nastavnik init` upgrades it
        return []
    return [
        render_message("cli.warning", message=missing.message)
        for missing in missing_units(roadmap, units)
    ]


@app.command()
def deadline(
    phrase: Annotated[str, typer.Argument(help="A deadline phrase, e.g. «до 15 мая 2022 г.».")],
    period: Annotated[str, typer.Option(help="The roadmap's period, YYYY-MM-DD:YYYY-MM-DD.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the schedule as JSON (calendar dates).")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Say in Russian how the phrase was read.")
    ] = False,
    anchor: Annotated[
        str | None,
        typer.Option(help="The day the event of a relative term happened, YYYY-MM-DD."),
    ] = None,
    keep_calendar_dates: Annotated[
        bool,
        typer.Option(
            help="Keep a term that ends on a day off there (default: the next working day)."
        ),
    ] = False,
) -> None:
    """Compile one deadline phrase to dates; exit 2 when it cannot be read."""
    from common.russian import format_date_ru, format_due_ru
    from definitions.deadlines import explain_deadline, move_days_off, parse_deadline

    start, end = _parse_period(period)
    anchor_day = _parse_day(anchor, "--anchor")
    try:
        schedule = parse_deadline(phrase, period_start=start, period_end=end, anchor=anchor_day)
    except NastavnikError as error:
        _fail(error, code=2)
    if as_json:
        _print_json(schedule.to_json())
        return
    if explain:
        typer.echo(
            explain_deadline(
                phrase,
                period_start=start,
                period_end=end,
                anchor=anchor_day,
                keep_calendar_dates=keep_calendar_dates,
            )
        )
        return
    if not keep_calendar_dates:
        schedule = move_days_off(schedule)
    typer.echo(_say("cli.occurrences", kind=schedule.kind, count=len(schedule.occurrences)))
    for occurrence in schedule.occurrences:
        begin = format_date_ru(occurrence.start) if occurrence.start else "—"
        typer.echo(f"  {begin} … {format_due_ru(occurrence.due, occurrence.moved_from)}")


@roadmap_app.command("list")
def roadmap_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The roadmaps nastavnik knows."""
    from definitions.loader import load_roadmaps

    try:
        loaded = load_roadmaps(_extra_dir(), _stored())
    except NastavnikError as error:
        _fail(error)
    rows: list[dict[str, Any]] = [
        {
            "id": item.roadmap.id,
            "title": item.roadmap.title,
            "period": {
                "start": item.roadmap.period.start.isoformat(),
                "end": item.roadmap.period.end.isoformat(),
            },
        }
        for item in loaded
    ]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['id']:<24} {row['period']['start']} – {row['period']['end']}  {row['title']}"
        )


@roadmap_app.command("show")
def roadmap_show(roadmap_id: Annotated[str, typer.Argument(help="Roadmap id.")]) -> None:
    """The roadmap as a table with its resolved dates."""
    from definitions.compiler import compile_roadmap
    from definitions.loader import find_roadmap
    from nastavnik.tables import render_roadmap_table

    try:
        loaded = find_roadmap(roadmap_id, _extra_dir(), _stored())
        schedules = compile_roadmap(loaded)
    except NastavnikError as error:
        _fail(error)
    render_roadmap_table(loaded.roadmap, schedules)


@app.command()
def schema() -> None:
    """Print the JSON schema of roadmap definitions."""
    from definitions.schema import roadmap_json_schema

    _print_json(roadmap_json_schema())


def parse_now(text: str | None, *, tz: str) -> datetime:
    """`--now` as an aware datetime (common.clock), a bad value exits with status 2."""
    from common.clock import parse_now as _parse_now

    try:
        return _parse_now(text, tz=tz)
    except NastavnikError as error:
        _fail(error, code=2)


schools_app = typer.Typer(help="Schools of the municipality.", no_args_is_help=True)
app.add_typer(schools_app, name="schools")


def _engine():  # type: ignore[no-untyped-def]
    from common.settings import get_settings
    from storage.db import make_engine

    return make_engine(get_settings().db)


def _municipal_tz(engine: Any) -> str:
    from sqlmodel import Session

    from storage.db import current_revision
    from storage.schools import get_municipality

    if current_revision(engine) is None:
        _fail(_say("cli.not_initialised"))
    with Session(engine) as session:
        return get_municipality(session).timezone


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(_say("cli.day", option=option, value=text), code=2)


NowOption = Annotated[
    str | None,
    typer.Option(
        "--now", help="Simulate this moment: YYYY-MM-DD (09:00 local) or YYYY-MM-DDTHH:MM."
    ),
]
RoadmapOption = Annotated[
    str | None, typer.Option("--roadmap", help="Roadmap id when several are launched.")
]
SchoolOption = Annotated[
    str | None, typer.Option("--school", help="School id (leave out for municipal steps).")
]
OccurrenceOption = Annotated[
    int | None, typer.Option("--occurrence", help="Occurrence number of a recurring step.")
]


@app.command()
def init(
    municipality: Annotated[str | None, typer.Option(help="Name of the municipality.")] = None,
    tz: Annotated[str | None, typer.Option(help="IANA time zone, e.g. Asia/Yekaterinburg.")] = None,
    coordinator: Annotated[
        str | None, typer.Option(help="E-mail of the municipal coordinator.")
    ] = None,
    head: Annotated[
        str | None, typer.Option(help="E-mail of the head of the education committee.")
    ] = None,
    committee: Annotated[
        str | None,
        typer.Option(
            help="Full name of the education authority, as documents print it "
            "(«Комитет по образованию администрации Белоярского района»)."
        ),
    ] = None,
    place: Annotated[
        str | None, typer.Option(help="Place for documents, e.g. «г. Белоярский».")
    ] = None,
    coordinator_name: Annotated[
        str | None, typer.Option(help="Full name of the coordinator (Фамилия Имя Отчество).")
    ] = None,
    coordinator_position: Annotated[
        str | None,
        typer.Option(help="The coordinator's position, e.g. «методист МАУ «БМЦ»» (for documents)."),
    ] = None,
    head_name: Annotated[
        str | None, typer.Option(help="Full name of the head of the education committee.")
    ] = None,
    head_position: Annotated[
        str | None, typer.Option(help="The head's position, e.g. «председатель Комитета».")
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option(
            "--unit",
            help="A municipal unit that gets its steps' reminders, ROLE=NAME:E-MAIL, e.g. "
            "«ИМЦ=МАУ «ИМЦ»:imc@example.ru» (repeatable; ROLE is a role id or a word of the "
            "roles table: ИМЦ, методический центр, экспертный совет).",
        ),
    ] = None,
    now: NowOption = None,
) -> None:
    """Create or upgrade the database and set the municipality's details."""
    from engine.units import parse_unit_spec, save_unit
    from nastavnik.cli_units import describe_unit
    from storage.db import session_scope, upgrade_database
    from storage.schools import check_timezone, get_municipality, init_municipality

    try:  # every --unit is read before the database is touched
        specs = [parse_unit_spec(text) for text in unit or []]
    except NastavnikError as error:
        _fail(str(error), code=2)
    engine = _engine()
    revision = upgrade_database(engine)
    moment = parse_now(now, tz=check_timezone(tz) if tz else "UTC")
    details = {
        "committee_name": committee,
        "place": place,
        "coordinator_name": coordinator_name,
        "coordinator_position": coordinator_position,
        "head_name": head_name,
        "head_position": head_position,
    }
    if municipality or tz or coordinator or head or any(details.values()):
        with session_scope(engine) as session:
            record = init_municipality(
                session=session,
                now=moment,
                name=municipality,
                timezone=tz,
                coordinator=coordinator,
                head=head,
                **{key: value for key, value in details.items() if value},
            )
            typer.echo(_say("cli.municipality", name=record.name, timezone=record.timezone))
    if specs:
        with session_scope(engine) as session:
            municipality_id = get_municipality(session).id or 0
            for spec in specs:
                saved, created = save_unit(
                    session=session,
                    municipality_id=municipality_id,
                    role=spec.role,
                    now=moment,
                    name=spec.name,
                    email=spec.email,
                    active=True,
                )
                typer.echo(describe_unit(saved, what="добавлено" if created else "изменено"))
    url = engine.url.render_as_string(hide_password=True)
    typer.echo(_say("cli.database", url=url, revision=revision))


@schools_app.command("import")
def schools_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or XLSX with a header: id, name, short_name, director, admin_email."
        ),
    ],
    now: NowOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Apply without asking when existing schools change.")
    ] = False,
) -> None:
    """Import schools: shows what changes, asks, then every row or nothing.

    Adding schools needs no confirmation; changing existing ones (admin e-mails decide who gets
    escalations) asks on a terminal and needs --yes otherwise.
    """
    from storage.db import session_scope
    from storage.schools_diff import apply_schools_import, describe_diff, diff_schools_import

    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    with session_scope(engine) as session:
        diff = diff_schools_import(session=session, path=file, now=moment)
    for line in describe_diff(diff):
        typer.echo(line)
    if diff.changes_existing and not yes:
        if not sys.stdin.isatty():
            _fail("изменения существующих школ не применены: повторите команду с --yes")
        if not typer.confirm("Применить изменения?", default=False):
            _fail("ничего не изменено")
    with session_scope(engine) as session:
        _, applied = apply_schools_import(session=session, path=file, now=moment, by="cli")
    typer.echo(
        f"Импорт применён: добавлено школ — {len(applied.added)}, изменено — "
        f"{len(applied.changed)}, без изменений — {applied.unchanged}."
    )


@schools_app.command("list")
def schools_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The municipality's schools."""
    from sqlmodel import Session, select

    from storage.models import School

    engine = _engine()
    _municipal_tz(engine)
    with Session(engine) as session:
        schools = list(session.exec(select(School).order_by(School.id)))
    if as_json:
        _print_json(
            [
                {
                    "id": s.id,
                    "name": s.name,
                    "short_name": s.short_name,
                    "director": s.director,
                    "admin_email": s.admin_email,
                }
                for s in schools
            ]
        )
        return
    for school in schools:
        typer.echo(f"{school.id:<12} {school.short_name:<40} {school.admin_email}")


@app.command()
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


@app.command()
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


@app.command()
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


@app.command()
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


@app.command()
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


@app.command()
@recorded_tick
def tick(
    now: NowOption = None,
    send: Annotated[
        bool, typer.Option("--send/--no-send", help="Deliver the letters after deciding.")
    ] = True,
    prefect: Annotated[
        bool,
        typer.Option(
            "--prefect", help="Run as a Prefect flow (ephemeral API unless PREFECT_API_URL is set)."
        ),
    ] = False,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Schools per batch (a Prefect task each with --prefect, default 5000); "
            "without it the plain tick decides all schools in one pass.",
            min=1,
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Re-examine every open step, not only new due dates and changed steps "
            "(nothing already decided is decided again).",
        ),
    ] = False,
) -> None:
    """Evaluate the steps at a moment, decide reminders and escalations, then deliver them."""
    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    if prefect:
        from flows.tick import run_tick

        summary = run_tick(
            engine=engine,
            now=moment,
            send=send,
            use_prefect=True,
            batch_size=batch_size,
            full=full,
        )
    else:
        from flows.daily import tick_once

        summary = tick_once(engine=engine, now=moment, send=send, batch_size=batch_size, full=full)
    typer.echo(summary.text())
    # letters that could not all go out: one Russian line and a status cron or a monitor sees
    problem = getattr(summary.delivery, "problem", None)
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(summary.delivery.exit_code)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address of the portal.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the portal.")] = 8000,
    prefect_port: Annotated[
        int, typer.Option(help="Port of the Prefect server started when PREFECT_API_URL is unset.")
    ] = 4200,
    no_portal: Annotated[
        bool, typer.Option("--no-portal", help="Serve only the daily tick.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(min=1, help="Portal worker processes (one per core for many users)."),
    ] = 1,
    now: Annotated[
        str | None,
        typer.Option(
            help="Show the portal as on this day (YYYY-MM-DD[THH:MM]); the clock runs on from it. "
            "Serves the portal only: the daily schedule follows the real clock."
        ),
    ] = None,
    cron: Annotated[
        str,
        typer.Option(
            help="When the daily tick runs: a cron line in the municipality's time zone "
            '(e.g. "* * * * *" every minute to try it); non-working days are skipped.'
        ),
    ] = "0 9 * * *",
) -> None:
    """Run the portal and the daily tick (09:00 municipality time, working days) on a Prefect server."""
    from flows.serve import check_cron, serve_daily
    from nastavnik.cli_ops import check_ready_to_serve

    check_cron(cron)

    engine = _engine()
    check_ready_to_serve(engine)
    tz = _municipal_tz(engine)
    if now is not None:
        from common.settings import get_settings
        from web.server import run_portal

        moment = parse_now(now, tz=tz)
        os.environ["NASTAVNIK_NOW"] = moment.isoformat()  # also read by worker processes
        get_settings.cache_clear()
        typer.echo(
            _say("cli.portal_at", host=host, port=port, moment=moment.isoformat(), workers=workers)
        )
        run_portal(host, port, workers=workers)
        return
    portal = None
    if not no_portal:
        try:
            from web.server import run_portal
        except ImportError:
            typer.echo(_say("cli.warning", message=_say("cli.portal_missing")), err=True)
        else:

            def portal() -> None:
                run_portal(host, port, workers=workers)

            typer.echo(_say("cli.portal", host=host, port=port, workers=workers))
    serve_daily(
        db_url=engine.url.render_as_string(hide_password=False),
        timezone=tz,
        portal=portal,
        prefect_port=prefect_port,
        cron=cron,
    )


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo database and mail folder go.")
    ] = Path("demo"),
    send: Annotated[
        bool, typer.Option("--send/--no-send", help="Write the letters into the mail folder.")
    ] = True,
) -> None:
    """Build a demo municipality of 12 schools, launch seed 000, play 2022 forward, show the result."""
    import shutil

    directory = directory.resolve()
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    os.environ["NASTAVNIK_DB"] = f"sqlite:///{directory / 'nastavnik.db'}"
    os.environ.setdefault("NASTAVNIK_MAIL_DIR", str(directory / "mail"))
    os.environ.setdefault("NASTAVNIK_DOCUMENTS_DIR", str(directory / "files"))
    from common.settings import get_settings

    get_settings.cache_clear()
    from nastavnik.demo import run_demo
    from nastavnik.demo_data import DEMO_NOW

    engine = _engine()
    typer.echo(f"демонстрационный муниципалитет в папке {directory}\n")
    result = run_demo(engine=engine, workdir=directory, send=send, echo=typer.echo)
    typer.echo(f"мероприятий, отмеченных школами и координатором за год: {result.acts}\n")
    status(school=None, roadmap=None, as_json=False, now=DEMO_NOW.isoformat())
    _demo_users(engine)
    _demo_outro(directory, engine)


# Demo accounts for the portal: local, printed, and nothing else uses them.
DEMO_PASSWORD = "nastavnik-demo"
DEMO_USERS = (
    ("coordinator@beloyarsky-edu.example.ru", "coordinator", None),
    ("sosh1@beloyarsky-edu.example.ru", "school_admin", "sosh1"),
    ("head@beloyarsky-edu.example.ru", "viewer", None),
)


def _demo_users(engine: Any) -> None:
    from nastavnik.demo import at_nine
    from nastavnik.demo_data import DEMO_NOW, MUNICIPALITY
    from storage.db import session_scope
    from web.users import add_user

    with session_scope(engine) as session:
        for email, role, school in DEMO_USERS:
            add_user(
                session=session,
                email=email,
                role=role,
                school_id=school,
                password=DEMO_PASSWORD,
                now=at_nine(DEMO_NOW, MUNICIPALITY["timezone"]),
                by="demo",
            )


def _demo_outro(directory: Path, engine: Any) -> None:
    from sqlmodel import Session, func, select

    from storage.models import OutboxItem

    with Session(engine) as session:
        rows = session.exec(
            select(OutboxItem.level, OutboxItem.recipient, func.count()).group_by(
                OutboxItem.level, OutboxItem.recipient
            )
        ).all()
    typer.echo("\nрешённые уведомления (уровень, адресат, мероприятий):")
    words = {
        "reminder": "напоминание",
        "overdue": "просрочка",
        "coordinator": "координатору",
        "head": "председателю",
    }
    for level, recipient, count in sorted(rows):
        typer.echo(f"  {words.get(level, level):<13} {recipient:<40} {count}")
    mail_dir = Path(os.environ.get("NASTAVNIK_MAIL_DIR", directory / "mail"))
    from web.auth import ROLE_TITLES

    letters = sorted(mail_dir.glob("*.eml")) if mail_dir.is_dir() else []
    typer.echo(f"\nписем в папке {mail_dir}: {len(letters)}")
    db = os.environ["NASTAVNIK_DB"]
    typer.echo(
        "\nчто посмотреть дальше:\n"
        f"  export NASTAVNIK_DB={db}\n"
        "  nastavnik status --now 2022-09-15 --school sosh1   # мероприятия одной школы\n"
        "  nastavnik status --json --now 2022-09-15           # то же в JSON\n"
        "  nastavnik roadmap show beloyarsky-2022             # дорожная карта с датами\n"
        "  nastavnik serve --now 2022-09-15                   # портал: http://127.0.0.1:8000/\n"
        f"      вход с паролем «{DEMO_PASSWORD}»: "
        + ", ".join(f"{email} ({ROLE_TITLES[role]})" for email, role, _ in DEMO_USERS)
        + "\n"
        + (
            f"  nastavnik outbox show 1                              # письмо, как его видит школа\n  less {letters[0]}\n"
            if letters
            else ""
        )
    )


def main() -> None:
    """Entry point: run the app; user errors are printed in Russian without a traceback.

    typer (click) would print its own usage errors in English («Missing argument …»): the app runs
    outside click's standalone mode and those errors are said from the catalogue instead.
    """
    from typer._click import exceptions as click_errors

    from common.messages import render_message
    from nastavnik.options import error_text

    try:
        result = app(standalone_mode=False, prog_name="nastavnik")
    except NastavnikError as error:
        typer.echo(render_message("cli.error", message=error_text(error)), err=True)
        sys.exit(getattr(error, "exit_code", 1))
    except click_errors.NoArgsIsHelpError as error:
        error.show()  # the command's help, as click shows it
        sys.exit(error.exit_code)
    except click_errors.UsageError as error:
        typer.echo(render_message("cli.error", message=usage_error_text(error)), err=True)
        if error.ctx is not None:
            typer.echo(render_message("cli.help_hint", command=error.ctx.command_path), err=True)
        sys.exit(error.exit_code)
    except typer.Abort:
        typer.echo(render_message("cli.error", message=render_message("cli.aborted")), err=True)
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)


_NO_SUCH_COMMAND = re.compile(r"No such command '([^']*)'")


def usage_error_text(error: Exception) -> str:
    """A usage error of typer (click) in Russian: the option or argument it is about, and why."""
    from typer._click import exceptions as click_errors

    from common.messages import render_message

    param = getattr(error, "param", None)
    name = ""
    if param is not None:
        opts = getattr(param, "opts", None) or [param.name or ""]
        name = (
            opts[0]
            if getattr(param, "param_type_name", "") == "option"
            else str(param.name or "").upper()
        )
    if isinstance(error, click_errors.MissingParameter):
        if getattr(param, "param_type_name", "") == "option":
            return render_message("cli.missing_option", name=name or "?")
        return render_message("cli.missing_argument", name=name or "?")
    if isinstance(error, click_errors.NoSuchOption):
        hint = (
            render_message("cli.did_you_mean", options=", ".join(sorted(error.possibilities)))
            if error.possibilities
            else ""
        )
        return render_message("cli.no_such_option", option=error.option_name, hint=hint)
    if isinstance(error, click_errors.BadOptionUsage):
        return render_message("cli.bad_option", option=error.option_name)
    if isinstance(error, click_errors.BadParameter):
        return render_message("cli.bad_value", name=name or "?")
    command = _NO_SUCH_COMMAND.search(
        error.format_message() if hasattr(error, "format_message") else ""
    )
    if command is not None:
        return render_message("cli.no_such_command", command=command.group(1))
    return render_message("cli.usage")
