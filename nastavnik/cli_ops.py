"""Operations commands: `nastavnik runs`, `backup`, `restore`; the record around `tick`; the
checks `serve` makes before starting. A thin shell over engine/daily_runs.py and storage/backup.py.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from nastavnik.cli_shared import _say

F = TypeVar("F", bound=Callable[..., Any])


def _engine_and_tz() -> tuple[Any, str]:
    from nastavnik.cli_shared import _engine, _municipal_tz

    engine = _engine()
    return engine, _municipal_tz(engine)


def recorded_tick(command: F) -> F:
    """Record each `nastavnik tick` in the daily runs; SIGTERM ends it cleanly with exit 143."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from common.clock import local_day
        from engine.daily_runs import Interrupted, recording
        from nastavnik.cli_shared import parse_now

        engine, tz = _engine_and_tz()
        moment = parse_now(kwargs.get("now"), tz=tz)
        try:
            with recording(engine=engine, acts_at=moment, day=local_day(moment, tz), trigger="cli"):
                return command(*args, **kwargs)
        except (Interrupted, KeyboardInterrupt):
            typer.echo(
                _say("cli.error", message=_say("cli.tick_interrupted")),
                err=True,
            )
            raise typer.Exit(143) from None

    return wrapper  # type: ignore[return-value]


def check_ready_to_serve(engine: Any) -> None:
    """`serve` refuses an old schema or an unusable secret key before starting anything."""
    from common.settings import get_settings
    from storage.db import require_current_schema
    from web.server import with_secret_key

    require_current_schema(engine)
    with_secret_key(get_settings(), engine)


def _local(moment: Any, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M:%S") if moment else "—"


def _duration(run: Any) -> str:
    if run.finished_at is None:
        return "—"
    seconds = (run.finished_at - run.started_at).total_seconds()
    if seconds < 60:
        return _say("runs.seconds", seconds=f"{seconds:.1f}".replace(".", ","))
    return _say("runs.minutes", minutes=int(seconds // 60), seconds=int(seconds % 60))


def runs(
    limit: Annotated[
        int, typer.Option(min=1, help="Сколько прогонов показать, начиная с последнего.")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Вывести в формате JSON.")] = False,
) -> None:
    """Последние ежедневные прогоны (по расписанию и `nastavnik tick`) и их итог."""
    from sqlmodel import Session

    from common.russian import format_date_ru
    from engine.daily_runs import (
        OUTCOME_TEXT,
        TRIGGER_TEXT,
        effective_outcome,
        last_runs,
        real_clock,
    )

    engine, tz = _engine_and_tz()
    now = real_clock()
    with Session(engine) as session:
        rows = last_runs(session=session, limit=limit)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": run.id,
                        "day": run.day.isoformat(),
                        "acts_at": run.acts_at.isoformat(),
                        "started_at": run.started_at.isoformat(),
                        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                        "trigger": run.trigger,
                        "attempt": run.attempt,
                        "flow_run_id": run.flow_run_id,
                        "host": run.host,
                        "pid": run.pid,
                        "outcome": effective_outcome(run, now=now),
                        "outcome_text": OUTCOME_TEXT[effective_outcome(run, now=now)],
                        "decided": run.decided,
                        "message": run.message,
                    }
                    for run in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not rows:
        typer.echo(_say("runs.none"))
        return
    typer.echo(_say("runs.title", timezone=tz))
    for run in rows:
        outcome = effective_outcome(run, now=now)
        details = [
            f"№ {run.id}",
            _say("runs.day", day=format_date_ru(run.day)),
            _say("runs.started", moment=_local(run.started_at, tz)),
            _say("runs.lasted", duration=_duration(run)),
            TRIGGER_TEXT.get(run.trigger, run.trigger)
            + (_say("runs.attempt", attempt=run.attempt) if run.attempt > 1 else ""),
            OUTCOME_TEXT.get(outcome, outcome)
            + (_say("runs.decided", count=run.decided) if run.decided is not None else ""),
        ]
        typer.echo(" · ".join(details))
        if run.message and outcome != "completed":
            typer.echo(f"    {run.message}")


def backup(
    directory: Annotated[
        Path,
        typer.Argument(metavar="КАТАЛОГ", help="Новый (или пустой) каталог для резервной копии."),
    ],
) -> None:
    """Сохранить базу данных (не останавливая службы) и папку документов в КАТАЛОГ."""
    from common.messages import render_count
    from common.settings import get_settings
    from engine.daily_runs import real_clock
    from nastavnik.cli_shared import _engine
    from storage.backup import backup as make_backup

    report = make_backup(
        engine=_engine(),
        documents_dir=get_settings().documents_dir,
        target=directory,
        now=real_clock(),
    )
    typer.echo(
        _say(
            "backup.written",
            directory=report.directory,
            database=report.database,
            revision=report.revision,
            files=render_count("count.files", count=report.documents),
        )
    )


def restore(
    directory: Annotated[
        Path,
        typer.Argument(metavar="КАТАЛОГ", help="Каталог, записанный командой `nastavnik backup`."),
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Не спрашивать: база данных и документы будут заменены.")
    ] = False,
) -> None:
    """Заменить базу данных и папку документов резервной копией (сначала остановите службы)."""
    from common.messages import render_count
    from common.settings import get_settings
    from nastavnik.cli_shared import _engine
    from storage.backup import read_manifest
    from storage.backup import restore as put_back
    from storage.db import current_revision, head_revision

    read_manifest(directory)
    engine = _engine()
    if not yes:
        typer.confirm(
            _say("backup.confirm_restore", url=engine.url.render_as_string(hide_password=True)),
            abort=True,
        )
    report = put_back(engine=engine, documents_dir=get_settings().documents_dir, source=directory)
    typer.echo(
        _say(
            "backup.restored",
            directory=report.directory,
            revision=report.revision,
            files=render_count("count.files", count=report.documents),
        )
    )
    if current_revision(engine) != head_revision():
        typer.echo(_say("backup.older_schema"))
