"""The daily tick as a Prefect flow: batches of schools as tasks (when several), delivery as a
task with retries, a summary table artifact.

No secret travels as a flow parameter (Prefect shows parameters in its UI): with ``db_url`` left
out, every flow and task reads the database URL from the run's environment (``NASTAVNIK_DB``), as
the letters read ``NASTAVNIK_SMTP_URL``. A worker on another machine gets both from its own
environment.
"""

from datetime import datetime

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_table_artifact
from sqlalchemy.engine import Engine

from engine.daily_runs import recorded_daily_flow
from engine.tick_decisions import TickPlan, unit_batches
from flows.daily import (
    TickSummary,
    complete_from_registry,
    decide_batch,
    finish,
    plan,
    state_counts,
    tick_once,
)
from notifications.retries import TASK_RETRY_DELAYS, deliver_or_raise, worth_retrying
from storage.db import make_engine, session_scope
from storage.schools import get_municipality


def database_url(db_url: str | None = None) -> str:
    """The database URL given, else the run's own setting (``NASTAVNIK_DB``)."""
    if db_url:
        return db_url
    from common.settings import get_settings

    return get_settings().db


@task(name="decide notifications for a batch of schools", retries=2, retry_delay_seconds=5)
def decide_batch_task(
    db_url: str | None, now: datetime, units: list[str], tick_plan: TickPlan | None = None
) -> dict[str, int]:
    return decide_batch(
        engine=make_engine(database_url(db_url)), now=now, units=units, plan=tick_plan
    )


@task(
    name="deliver letters from the outbox",
    retries=len(TASK_RETRY_DELAYS),
    retry_delay_seconds=TASK_RETRY_DELAYS,
    retry_condition_fn=lambda _task, _run, state: worth_retrying(state.data),
)
def deliver_task(db_url: str | None, now: datetime) -> str:
    """Send what is due; fails (after recording every letter) while the server is down or says 4xx.

    Prefect then retries at the letters' own backoff, each attempt acting at ``now`` plus the
    delays waited (notifications/retries.py). A 5xx is final: the letter is failed, no retry.
    """
    from prefect.runtime import task_run

    report = deliver_or_raise(
        engine=make_engine(database_url(db_url)), now=now, attempt=task_run.run_count
    )
    return str(report)


def _tick_and_report(
    db_url: str | None,
    now: datetime | None,
    *,
    send: bool = True,
    batch_size: int = 5000,
    full: bool = False,
) -> dict[str, int]:
    """The tick inside a flow run: decide (a task per batch when there are several), deliver
    (a task, for its retries), log the summary and publish it as a table artifact.

    Prefect's own work is kept to what shows or retries something: one batch (up to
    ``batch_size`` schools) is decided in the flow itself, with no task run around it, and the
    watermarks move in the flow too; the daily flow calls this directly, not as a subflow.
    """
    import pendulum

    from definitions.workdays import is_working_day
    from engine.status import local_today

    engine = make_engine(database_url(db_url))
    with session_scope(engine) as session:
        municipality = get_municipality(session)
        moment = now or pendulum.now(municipality.timezone)
        batches = unit_batches(session, size=batch_size)
        today = local_today(moment, municipality.timezone)
    complete_from_registry(engine=engine, now=moment)
    tick_plan = plan(engine=engine, now=moment, full=full)
    summary = TickSummary(now=moment, today=today, working_day=is_working_day(today))
    if len(batches) <= 1:
        # every unit at once: the set-based pass without a batch filter, as the plain tick does
        summary.add(decide_batch(engine=engine, now=moment, units=None, plan=tick_plan))
    else:
        futures = decide_batch_task.map(db_url, moment, batches, unmapped(tick_plan))
        for decided in futures.result():
            summary.add(decided)
    finish(engine=engine, plan=tick_plan)
    with session_scope(engine) as session:
        summary.states = state_counts(session=session, today=today)
    if send:
        summary.delivery = deliver_task(db_url, moment)
    get_run_logger().info(summary.text())
    create_table_artifact(
        key="tick-summary",
        table=[{"what": f"decided: {k}", "count": v} for k, v in summary.decided.items()]
        + [{"what": "examined (new in a window or changed)", "count": summary.examined}]
        + [{"what": f"state: {k}", "count": v} for k, v in sorted(summary.states.items())],
        description=f"Tick at {moment.isoformat()}",
    )
    return summary.decided


@flow(name="tick", log_prints=False)
def tick_flow(
    db_url: str | None = None,
    now: datetime | None = None,
    send: bool = True,
    batch_size: int = 5000,
    full: bool = False,
) -> dict[str, int]:
    """Decide notifications in batches of schools, deliver, publish a summary.

    The watermarks move only after every batch succeeded, so a failed batch is decided again by
    the next tick (the outbox's unique key keeps what was already decided from repeating).
    """
    return _tick_and_report(db_url, now, send=send, batch_size=batch_size, full=full)


# a transient failure (database restarting, disk full for a moment) is retried twice, 5 min apart;
# each attempt is one row in the record of daily runs (engine/daily_runs.py)
@flow(name="daily-tick", retries=2, retry_delay_seconds=300)
@recorded_daily_flow
def daily_tick_flow(
    db_url: str | None = None, now: datetime | None = None
) -> dict[str, int] | None:
    """The scheduled entry: runs the tick on working days of the production calendar only.

    ``now`` defaults to ``NASTAVNIK_NOW`` when set (a simulated moment, for trying a deployment on
    a past day), else the real clock in the municipality's zone.
    """
    import pendulum

    from common.settings import get_settings
    from definitions.workdays import is_working_day
    from engine.status import local_today

    engine = make_engine(database_url(db_url))
    with session_scope(engine) as session:
        tz = get_municipality(session).timezone
    moment = now or get_settings().now or pendulum.now(tz)
    today = local_today(moment, tz)
    if not is_working_day(today):
        get_run_logger().info("%s is not a working day: nothing to do", today)
        return None
    return _tick_and_report(db_url, moment)


def run_tick(
    *,
    engine: Engine,
    now: datetime,
    send: bool,
    use_prefect: bool,
    batch_size: int | None,
    full: bool = False,
) -> TickSummary:
    """The CLI's tick: plain functions by default, the Prefect flow with ``use_prefect``."""
    if not use_prefect:
        return tick_once(engine=engine, now=now, send=send, batch_size=batch_size, full=full)
    from common.settings import get_settings

    url: str | None = engine.url.render_as_string(hide_password=False)
    if url == get_settings().db:
        url = None  # the run reads it from its environment: no password among the parameters
    decided = tick_flow(url, now=now, send=send, batch_size=batch_size or 5000, full=full)
    with session_scope(engine) as session:
        municipality = get_municipality(session)
        from definitions.workdays import is_working_day
        from engine.status import local_today

        today = local_today(now, municipality.timezone)
        summary = TickSummary(now=now, today=today, working_day=is_working_day(today))
        summary.add(decided)
        summary.states = state_counts(session=session, today=today)
    return summary
