"""The record of daily runs: started, alive, and how each ended — so a dead run is noticed.

Every daily check (the scheduled flow and `nastavnik tick`) runs inside ``recording``: a row in
``daily_run`` is written when it starts, a heartbeat renews it while it works, and the outcome is
written when it ends (completed, skipped on a day off, failed, interrupted by SIGTERM). A process
killed outright (kill -9, power loss, OOM) cannot write its outcome: the next run that starts
finds its row still ``running`` with the process gone (same host) or its heartbeat stale, and
marks it ``crashed``. The tick itself is idempotent (the outbox's unique keys, watermarks that move
only after every batch, letters under a lease), so that next run decides and delivers what the
dead one left.

A day whose runs all failed is "not completed": the portal shows it in a banner and the
coordinator's next letter says so (``days_not_completed``, ``take_unreported_days``).
"""

from __future__ import annotations

import functools
import inspect
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from common.messages import render_message
from storage.db import session_scope
from storage.operations import NOT_COMPLETED, DailyRun

HEARTBEAT = timedelta(seconds=30)
# a running row whose heartbeat is older than this belongs to a dead process (10 beats missed)
STALE_AFTER = timedelta(minutes=5)

Clock = Callable[[], datetime]

OUTCOME_TEXT = {
    "running": "идёт",
    "completed": "выполнена",
    "skipped": "не нужна (нерабочий день)",
    "failed": "завершилась ошибкой",
    "interrupted": "прервана (остановка службы)",
    "crashed": "не завершена: процесс прекратил работу",
    "missed": "не запускалась",
}
TRIGGER_TEXT = {"schedule": "по расписанию", "cli": "nastavnik tick"}


def real_clock() -> datetime:
    """The aware current moment (UTC): what the shells pass as ``clock``."""
    return datetime.now(UTC)


class Interrupted(BaseException):
    """SIGTERM arrived while a run worked (systemd stopping the service): the run ends cleanly.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` swallows it.
    """


@dataclass
class RunHandle:
    """What the recorded code tells the record: decisions made, or that the day needed none."""

    id: int
    decided: int | None = None
    skipped: bool = False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def is_dead(run: DailyRun, *, now: datetime, host: str | None = None) -> bool:
    """A ``running`` row whose process is gone: same host and no such pid, or a stale heartbeat."""
    if run.outcome != "running":
        return False
    if host is not None and run.host == host and run.pid and not _alive(run.pid):
        return True
    return run.heartbeat_at < now - STALE_AFTER


def effective_outcome(run: DailyRun, *, now: datetime) -> str:
    """The outcome as it stands at ``now``: a dead run reads as crashed before anyone marks it."""
    if is_dead(run, now=now, host=socket.gethostname()):
        return "crashed"
    return run.outcome


def mark_dead_runs(*, session: Session, now: datetime) -> list[int]:
    """Mark ``crashed`` every running row whose process is gone; returns their ids."""
    host = socket.gethostname()
    dead = [
        run
        for run in session.exec(select(DailyRun).where(DailyRun.outcome == "running"))
        if is_dead(run, now=now, host=host)
    ]
    for run in dead:
        run.outcome = "crashed"
        run.message = render_message(
            "runs.crashed",
            pid=run.pid,
            host=run.host,
            heartbeat=f"{run.heartbeat_at:%Y-%m-%d %H:%M:%S}",
        )
        session.add(run)
    return [run.id for run in dead if run.id is not None]


MISSED_LOOKBACK = 60  # days: a schedule stopped for longer is not listed day by day


def record_missed_days(*, session: Session, day: date, now: datetime) -> list[date]:
    """Rows ``missed`` for the working days between the last scheduled run and ``day`` that have
    no run at all (the service or the machine was down); returns those days.

    Only the schedule sets what is expected: before the first scheduled run nothing is missed.
    """
    from definitions.workdays import is_working_day

    last: date | None = session.execute(
        select(func.max(col(DailyRun.day))).where(
            col(DailyRun.trigger) == "schedule", col(DailyRun.day) < day
        )
    ).scalar()
    if last is None:
        return []
    start = max(last + timedelta(days=1), day - timedelta(days=MISSED_LOOKBACK))
    known = set(
        session.execute(
            select(col(DailyRun.day)).where(col(DailyRun.day) >= start, col(DailyRun.day) < day)
        ).scalars()
    )
    missed = [
        start + timedelta(days=offset)
        for offset in range((day - start).days)
        if is_working_day(start + timedelta(days=offset))
        and start + timedelta(days=offset) not in known
    ]
    for missed_day in missed:
        session.add(
            DailyRun(
                day=missed_day,
                acts_at=now,
                started_at=now,
                heartbeat_at=now,
                finished_at=now,
                trigger="schedule",
                outcome="missed",
                host=socket.gethostname(),
                message=render_message("runs.missed"),
            )
        )
    return missed


def start_run(
    *,
    engine: Engine,
    acts_at: datetime,
    day: date,
    trigger: str,
    clock: Clock,
    attempt: int = 1,
    flow_run_id: str | None = None,
) -> int:
    """Mark the dead runs crashed, then write this run's row (``running``); returns its id."""
    now = clock()
    with session_scope(engine) as session:
        mark_dead_runs(session=session, now=now)
        if trigger == "schedule":
            record_missed_days(session=session, day=day, now=now)
        run = DailyRun(
            day=day,
            acts_at=acts_at,
            started_at=now,
            heartbeat_at=now,
            trigger=trigger,
            attempt=attempt,
            flow_run_id=flow_run_id,
            host=socket.gethostname(),
            pid=os.getpid(),
        )
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def beat(*, engine: Engine, run_id: int, clock: Clock) -> None:
    """Renew a running row's heartbeat."""
    with session_scope(engine) as session:
        session.execute(
            update(DailyRun)
            .where(col(DailyRun.id) == run_id, col(DailyRun.outcome) == "running")
            .values(heartbeat_at=clock())
        )


def finish_run(
    *,
    engine: Engine,
    run_id: int,
    outcome: str,
    clock: Clock,
    message: str = "",
    decided: int | None = None,
) -> None:
    """Write a run's outcome."""
    now = clock()
    with session_scope(engine) as session:
        session.execute(
            update(DailyRun)
            .where(col(DailyRun.id) == run_id)
            .values(
                outcome=outcome,
                finished_at=now,
                heartbeat_at=now,
                message=message[:2000],
                decided=decided,
            )
        )


def _one_line(error: BaseException) -> str:
    code = getattr(error, "exit_code", None)  # click/typer's Exit from a CLI command
    if isinstance(code, int):
        return render_message("runs.exit_code", exit_code=code)
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def _outcome_of(error: BaseException) -> str:
    # Prefect's flow engine turns SIGTERM into TerminationSignal (a BaseException)
    if isinstance(error, (Interrupted, KeyboardInterrupt)):
        return "interrupted"
    if type(error).__name__ == "TerminationSignal":
        return "interrupted"
    if isinstance(error, SystemExit):
        return "completed" if error.code in (0, None) else "failed"
    code = getattr(error, "exit_code", None)  # click/typer's Exit from a CLI command
    if isinstance(code, int):
        return "completed" if code == 0 else "failed"
    return "failed"


def _raise_interrupted(signum: int, _frame: Any) -> None:
    raise Interrupted(f"signal {signum}")


@contextmanager
def recording(
    *,
    engine: Engine,
    acts_at: datetime,
    day: date,
    trigger: str,
    clock: Clock = real_clock,
    attempt: int = 1,
    flow_run_id: str | None = None,
    heartbeat: timedelta = HEARTBEAT,
) -> Iterator[RunHandle]:
    """Record one daily run around the code that does it.

    In a main thread with SIGTERM at its default, SIGTERM raises ``Interrupted`` so that the run
    ends cleanly (transactions roll back, the outcome is written) and the process exits non-zero;
    inside a Prefect flow run Prefect's own handler does the same with TerminationSignal.
    """
    run_id = start_run(
        engine=engine,
        acts_at=acts_at,
        day=day,
        trigger=trigger,
        clock=clock,
        attempt=attempt,
        flow_run_id=flow_run_id,
    )
    handle = RunHandle(id=run_id)
    stop = threading.Event()

    def beating() -> None:
        while not stop.wait(heartbeat.total_seconds()):
            try:
                beat(engine=engine, run_id=run_id, clock=clock)
            except Exception:  # a missed beat is not fatal; a dead database fails the run anyway
                continue

    thread = threading.Thread(target=beating, name=f"daily-run-{run_id}-heartbeat", daemon=True)
    thread.start()
    previous = None
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield handle
    except BaseException as error:
        stop.set()
        outcome = _outcome_of(error)
        finish_run(
            engine=engine,
            run_id=run_id,
            outcome=outcome,
            clock=clock,
            message="" if outcome == "completed" else _one_line(error),
            decided=handle.decided,
        )
        raise
    else:
        stop.set()
        finish_run(
            engine=engine,
            run_id=run_id,
            outcome="skipped" if handle.skipped else "completed",
            clock=clock,
            decided=handle.decided,
        )
    finally:
        stop.set()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        thread.join(timeout=5)


F = TypeVar("F", bound=Callable[..., Any])


def recorded_daily_flow(fn: F) -> F:
    """Record each run of the scheduled daily flow (``fn(db_url=…)`` returns None on a day off).

    A decorator for the flow's function, under ``@flow``: the flow keeps its signature; each
    attempt (Prefect retries included) is one row, with the flow run's id and attempt number.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from common.clock import local_day
        from common.settings import get_settings
        from storage.db import make_engine
        from storage.schools import get_municipality

        # Prefect passes the parameters by position or by name
        given = inspect.signature(fn).bind_partial(*args, **kwargs).arguments
        db_url = given.get("db_url") or get_settings().db
        engine = make_engine(db_url)
        try:
            with session_scope(engine) as session:
                tz = get_municipality(session).timezone
        except Exception:  # the flow fails on it too: recorded as this day's failed run
            tz = "UTC"
        now = given.get("now") or real_clock()
        flow_run_id, attempt, scheduled = _prefect_run()
        # a late run (Prefect catching up after a restart) is the check of the day it was due; a
        # run given its moment (``now``, e.g. triggered through the API) is that moment's check
        with recording(
            engine=engine,
            acts_at=now,
            day=local_day(now if given.get("now") else (scheduled or now), tz),
            trigger="schedule",
            attempt=attempt,
            flow_run_id=flow_run_id,
        ) as handle:
            result = fn(*args, **kwargs)
            if result is None:
                handle.skipped = True
            elif isinstance(result, dict):
                handle.decided = sum(v for v in result.values() if isinstance(v, int))
            return result

    return wrapper  # type: ignore[return-value]


def _prefect_run() -> tuple[str | None, int, datetime | None]:
    """The flow run's id, attempt and scheduled start (None outside a deployment's run)."""
    try:
        from prefect.runtime import deployment, flow_run
    except ImportError:  # pragma: no cover
        return None, 1, None
    run_id = flow_run.id
    scheduled = flow_run.scheduled_start_time if deployment.id else None
    return (
        (str(run_id) if run_id else None),
        int(flow_run.run_count or 1),
        scheduled if isinstance(scheduled, datetime) else None,
    )


def last_runs(*, session: Session, limit: int = 20) -> list[DailyRun]:
    """The newest runs first."""
    return list(session.exec(select(DailyRun).order_by(col(DailyRun.id).desc()).limit(limit)).all())


def days_not_completed(*, session: Session, since: date, now: datetime) -> list[date]:
    """Days from ``since`` whose runs all ended badly (failed, interrupted, crashed); oldest first.

    A day with one good run (completed, or skipped as a day off) is complete; a run still working
    makes its day undecided, not failed.
    """
    by_day: dict[date, set[str]] = {}
    for run in session.exec(select(DailyRun).where(col(DailyRun.day) >= since)):
        by_day.setdefault(run.day, set()).add(effective_outcome(run, now=now))
    return sorted(day for day, outcomes in by_day.items() if outcomes <= NOT_COMPLETED)


def unreported_days(*, session: Session, now: datetime, open_letters: list[int]) -> list[date]:
    """Days not completed that no coordinator letter told about yet (in the last 60 days).

    A day told in a letter not yet handed to a server (``open_letters``, rewritten by this
    composing) is told again in the letter that replaces it.
    """
    since = (now - timedelta(days=60)).date()
    days = days_not_completed(session=session, since=since, now=now)
    if not days:
        return []
    told = {
        run.day
        for run in session.exec(
            select(DailyRun).where(
                col(DailyRun.day).in_(days),
                col(DailyRun.reported_in).is_not(None),
                col(DailyRun.reported_in).not_in(open_letters or [0]),
            )
        )
    }
    return [day for day in days if day not in told]


def mark_reported(*, session: Session, days: list[date], letter_id: int) -> None:
    """Record that ``letter_id`` tells the coordinator about these days."""
    session.execute(
        update(DailyRun).where(col(DailyRun.day).in_(days)).values(reported_in=letter_id)
    )


def days_not_run_phrase(days: list[date]) -> str:
    """«Ежедневная проверка 20 мая 2022 г. не выполнена» (or the plural for several days)."""
    from common.russian import format_date_ru

    dates = ", ".join(format_date_ru(day) for day in days)
    return render_message("runs.missed_day" if len(days) == 1 else "runs.missed_days", dates=dates)


def missed_days_text(days: list[date]) -> str:
    """The coordinator's line about days whose check did not complete (Russian)."""
    return render_message("runs.missed_told", missed=days_not_run_phrase(days))
