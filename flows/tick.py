"""The daily tick as a Prefect flow: batches of schools as tasks, a summary table artifact."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from sqlalchemy.engine import Engine

from engine.daily import TickSummary, decide_batch, deliver, state_counts, tick_once
from engine.tick import unit_batches
from storage.db import make_engine, session_scope
from storage.schools import get_municipality


@task(name="decide notifications for a batch of schools", retries=2, retry_delay_seconds=5)
def decide_batch_task(db_url: str, now: datetime, units: list[str]) -> dict[str, int]:
    return decide_batch(engine=make_engine(db_url), now=now, units=units)


@task(name="deliver letters from the outbox", retries=3, retry_delay_seconds=[10, 60, 300])
def deliver_task(db_url: str, now: datetime) -> str:
    return str(deliver(engine=make_engine(db_url), now=now))


@flow(name="tick", log_prints=False)
def tick_flow(
    db_url: str, now: datetime | None = None, send: bool = True, batch_size: int = 500
) -> dict[str, int]:
    """Evaluate every step instance, decide notifications in batches, deliver, publish a summary."""
    import pendulum

    from definitions.workdays import is_working_day
    from engine.status import local_today

    engine = make_engine(db_url)
    with session_scope(engine) as session:
        municipality = get_municipality(session)
        moment = now or pendulum.now(municipality.timezone)
        batches = unit_batches(session, size=batch_size)
        today = local_today(moment, municipality.timezone)
    summary = TickSummary(now=moment, today=today, working_day=is_working_day(today))
    futures = decide_batch_task.map(db_url, moment, batches)
    for decided in futures.result():
        summary.add(decided)
    with session_scope(engine) as session:
        summary.states = state_counts(session=session, today=today)
    if send:
        summary.delivery = deliver_task(db_url, moment)
    get_run_logger().info(summary.text())
    create_table_artifact(
        key="tick-summary",
        table=[{"what": f"decided: {k}", "count": v} for k, v in summary.decided.items()]
        + [{"what": f"state: {k}", "count": v} for k, v in sorted(summary.states.items())],
        description=f"Tick at {moment.isoformat()}",
    )
    return summary.decided


@flow(name="daily-tick")
def daily_tick_flow(db_url: str) -> dict[str, int] | None:
    """The scheduled entry: runs the tick on working days of the production calendar only."""
    import pendulum

    from definitions.workdays import is_working_day

    engine = make_engine(db_url)
    with session_scope(engine) as session:
        tz = get_municipality(session).timezone
    now = pendulum.now(tz)
    if not is_working_day(now.date()):
        get_run_logger().info("%s is not a working day: nothing to do", now.date())
        return None
    return tick_flow(db_url, now=now)


def run_tick(
    *, engine: Engine, now: datetime, send: bool, use_prefect: bool, batch_size: int
) -> TickSummary:
    """The CLI's tick: plain functions by default, the Prefect flow with ``use_prefect``."""
    if not use_prefect:
        return tick_once(engine=engine, now=now, send=send, batch_size=batch_size)
    url = engine.url.render_as_string(hide_password=False)
    decided = tick_flow(url, now=now, send=send, batch_size=batch_size)
    with session_scope(engine) as session:
        municipality = get_municipality(session)
        from definitions.workdays import is_working_day
        from engine.status import local_today

        today = local_today(now, municipality.timezone)
        summary = TickSummary(now=now, today=today, working_day=is_working_day(today))
        summary.add(decided)
        summary.states = state_counts(session=session, today=today)
    return summary
