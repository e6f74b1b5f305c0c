"""The daily tick as a Prefect flow: batches of schools as tasks (when several), delivery as a
task with retries, a summary table artifact.

No secret travels as a flow parameter (Prefect shows parameters in its UI): with ``db_url`` left
out, every flow and task reads the database URL from the run's environment (``NASTAVNIK_DB``), as
the letters read ``NASTAVNIK_SMTP_URL``. A worker on another machine gets both from its own
environment.
"""

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_table_artifact
from sqlalchemy.engine import Engine

from common.errors import NastavnikError
from common.messages import STEP_STATES, render_message
from engine.daily_runs import recorded_daily_flow
from engine.tick_decisions import TickPlan
from flows.daily import TickSummary, decide_batch, state_counts, tick_once
from storage.db import make_engine, session_scope
from storage.schools import get_municipality

if TYPE_CHECKING:
    from prefect.futures import PrefectDistributedFuture

    from notifications.delivery import DeliveryReport


R = TypeVar("R")

# notifications.retries.TASK_RETRY_DELAYS (the letters' own backoff after a 4xx: 5 min, 15 min,
# 1 h), written out so that loading this module (each run's process does) does not import the
# letters' rendering; tests/test_deployed.py checks that the two agree
DELIVERY_RETRY_DELAYS: list[float] = [300.0, 900.0, 3600.0]


def _worth_retrying(_task: Any, _run: Any, state: Any) -> bool:
    """Retry delivery when the server or the database was busy (notifications/retries.py)."""
    from notifications.retries import worth_retrying

    return worth_retrying(state.data)


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
    retries=len(DELIVERY_RETRY_DELAYS),
    retry_delay_seconds=DELIVERY_RETRY_DELAYS,
    retry_condition_fn=_worth_retrying,
)
def deliver_task(db_url: str | None, now: datetime) -> str:
    """Send what is due; fails (after recording every letter) while the server is down or says 4xx.

    Prefect then retries at the letters' own backoff, each attempt acting at ``now`` plus the
    delays waited (notifications/retries.py). A 5xx is final: the letter is failed, no retry.
    """
    from prefect.runtime import task_run

    from notifications.retries import deliver_or_raise

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
    task_workers: bool = False,
) -> dict[str, int]:
    """The tick inside a flow run: decide, deliver, log the summary and publish it as a table
    artifact; in this run's process, or (``task_workers``) spread over the task workers.

    Prefect's own work is kept to what shows or retries something: in this process one batch (up
    to ``batch_size`` schools) is decided in the flow itself, with no task run around it, and the
    watermarks move in the flow too; the daily flow calls this directly, not as a subflow.
    """
    import pendulum

    moment = now
    if moment is None:
        engine = make_engine(database_url(db_url))
        with session_scope(engine) as session:
            moment = pendulum.now(get_municipality(session).timezone)
    if task_workers:
        summary = _tick_on_task_workers(db_url, moment, send=send, batch_size=batch_size, full=full)
    else:
        summary = _tick_in_process(db_url, moment, send=send, batch_size=batch_size, full=full)
    get_run_logger().info(summary.text())
    what, count = render_message("tick.artifact_what"), render_message("tick.artifact_count")
    create_table_artifact(
        key="tick-summary",
        table=[
            {what: render_message("tick.artifact_decided", level=k), count: v}
            for k, v in summary.decided.items()
        ]
        + [{what: render_message("tick.artifact_examined"), count: summary.examined}]
        + [
            {what: render_message("tick.artifact_state", state=STEP_STATES.get(k, k)), count: v}
            for k, v in sorted(summary.states.items())
        ],
        description=render_message("tick.artifact_title", moment=moment.isoformat()),
    )
    return summary.decided


def _tick_in_process(
    db_url: str | None, moment: datetime, *, send: bool, batch_size: int, full: bool
) -> TickSummary:
    """Decide (a task per batch when there are several), deliver (a task, for its retries)."""
    from common.clock import local_day
    from definitions.workdays import is_working_day
    from engine.tick_decisions import unit_batches
    from flows.daily import complete_from_registry, finish, plan

    engine = make_engine(database_url(db_url))
    with session_scope(engine) as session:
        municipality = get_municipality(session)
        batches = unit_batches(session, size=batch_size)
        today = local_day(moment, municipality.timezone)
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
    return summary


# --- the daily run spread over Prefect task workers (`nastavnik task-worker`) -------------------
#
# `nastavnik deploy --task-workers` sets ``task_workers`` on the deployment: its run (on a process
# worker) then only orchestrates, and the heavy parts run as background tasks (``Task.delay``) in
# long-lived task-worker processes, each with its own environment (NASTAVNIK_DB, the SMTP URL, …):
# no interpreter start per task, and every live worker takes part of the run. Tasks' parameters
# and results travel through Prefect's result storage (PREFECT_RESULTS_LOCAL_STORAGE_PATH), which
# every worker of the region must share.


@task(name="prepare the tick", retries=2, retry_delay_seconds=5)
def prepare_task(
    db_url: str | None, now: datetime, batch_size: int, full: bool
) -> tuple[TickPlan, list[list[str]]]:
    """Steps completed from the registry, this tick's windows, and the batches of schools."""
    from engine.tick_decisions import unit_batches
    from flows.daily import complete_from_registry, plan

    engine = make_engine(database_url(db_url))
    complete_from_registry(engine=engine, now=now)
    tick_plan = plan(engine=engine, now=now, full=full)
    with session_scope(engine) as session:
        batches = unit_batches(session, size=batch_size)
    return tick_plan, batches


@task(name="finish the decisions and compose the letters", retries=2, retry_delay_seconds=5)
def finish_and_compose_task(
    db_url: str | None, now: datetime, tick_plan: TickPlan, send: bool
) -> tuple[dict[str, int], int]:
    """After every batch: move the watermarks, count the states, compose the letters."""
    from common.settings import get_settings
    from flows.daily import finish, state_counts
    from notifications.compose import compose_letters

    engine = make_engine(database_url(db_url))
    finish(engine=engine, plan=tick_plan)
    with session_scope(engine) as session:
        states = dict(state_counts(session=session, today=tick_plan.today))
    composed = 0
    if send:
        with session_scope(engine) as session:
            composed = compose_letters(session=session, now=now, settings=get_settings()).letters
    return states, composed


@task(
    name="deliver composed letters",
    retries=len(DELIVERY_RETRY_DELAYS),
    retry_delay_seconds=DELIVERY_RETRY_DELAYS,
    retry_condition_fn=_worth_retrying,
)
def deliver_share_task(db_url: str | None, now: datetime) -> "DeliveryReport":
    """One of the run's deliverers: claims and sends composed letters until none is due.

    Several run at once, one per task worker: the claims keep them apart (docs/delivery.md).
    """
    from prefect.runtime import task_run

    from notifications.delivery import deliver_pending
    from notifications.retries import DeliveryIncomplete, attempt_moment

    report = deliver_pending(
        engine=make_engine(database_url(db_url)),
        now=attempt_moment(now, task_run.run_count),
        compose=False,
    )
    if report.incomplete:
        raise DeliveryIncomplete(report)
    return report


def _own_key(context: Any, _parameters: dict[str, Any]) -> str:
    """A task run's cache and result key: its own id. A task worker would otherwise key results
    by the inputs within the flow run, so two deliverers (same inputs) would share one result,
    and a retried daily run would take its tasks' earlier results instead of running them."""
    return f"nastavnik-{context.task_run.id}"


# what `nastavnik task-worker` serves and the daily run hands out
PREPARE = prepare_task.with_options(cache_key_fn=_own_key)
DECIDE = decide_batch_task.with_options(cache_key_fn=_own_key)
FINISH = finish_and_compose_task.with_options(cache_key_fn=_own_key)
DELIVER = deliver_share_task.with_options(cache_key_fn=_own_key)
TASK_WORKER_TASKS = (PREPARE, DECIDE, FINISH, DELIVER)
# how long the run waits for one task (a task worker killed in the middle leaves its task run
# Running for good): the slowest, a deliverer's share at 40,000 schools, takes minutes
TASK_WAIT = 3600.0


def live_task_workers() -> int:
    """How many task workers the Prefect server sees subscribed to all the daily run's tasks."""
    from prefect.client.orchestration import get_client

    keys = [t.task_key for t in TASK_WORKER_TASKS]
    with get_client(sync_client=True) as client:
        response = client._client.post(
            "/task_workers/filter", json={"task_worker_filter": {"task_keys": keys}}
        )
        response.raise_for_status()
        workers = response.json()
    # a worker of another version serves other keys (a task is known by a hash of its code)
    return len({w["identifier"] for w in workers if set(keys) <= set(w.get("task_keys", []))})


def _result(future: "PrefectDistributedFuture[R]", *, wait: float = TASK_WAIT) -> R:
    """The task's result, waiting at most ``wait`` seconds (then TimeoutError: the run fails and
    Prefect's retry of the run hands the work out again; deciding, composing and delivering are
    safe to repeat). Prefect 3.8's future refuses to wait (RuntimeError "… has no state") when read
    in the instant between the task run's creation and its first state: asked again."""
    import time

    deadline = time.monotonic() + wait
    while True:
        try:
            return future.result(timeout=max(1.0, deadline - time.monotonic()))
        except RuntimeError as error:
            if "has no state" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _tick_on_task_workers(
    db_url: str | None, moment: datetime, *, send: bool, batch_size: int, full: bool
) -> TickSummary:
    """The tick with its work in task workers: prepare, decide the batches (all at once, spread
    over the workers), finish and compose, then one deliverer per live worker."""
    from definitions.workdays import is_working_day

    workers = live_task_workers()
    if workers == 0:
        raise NastavnikError(code="prefect.no_task_workers")
    tick_plan, batches = _result(PREPARE.delay(db_url, moment, batch_size, full))
    summary = TickSummary(
        now=moment, today=tick_plan.today, working_day=is_working_day(tick_plan.today)
    )
    futures = [DECIDE.delay(db_url, moment, units, tick_plan) for units in batches]
    for future in futures:
        summary.add(_result(future))
    states, composed = _result(FINISH.delay(db_url, moment, tick_plan, send))
    summary.states = Counter(states)
    if send:
        from notifications.delivery import DeliveryReport

        delivery = DeliveryReport(composed=composed)
        deliverers = [DELIVER.delay(db_url, moment) for _ in range(workers)]
        for deliverer in deliverers:
            delivery.absorb(_result(deliverer))
        summary.delivery = delivery
    return summary


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
    db_url: str | None = None,
    now: datetime | None = None,
    task_workers: bool = False,
    batch_size: int = 5000,
) -> dict[str, int] | None:
    """The scheduled entry: runs the tick on working days of the production calendar only.

    With ``task_workers`` (``nastavnik deploy --task-workers``) the work runs in the task workers
    (``nastavnik task-worker``) in batches of ``batch_size`` schools, spread over them.

    ``now`` defaults to ``NASTAVNIK_NOW`` when set (a simulated moment, for trying a deployment on
    a past day), else the real clock in the municipality's zone.
    """
    import pendulum

    from common.clock import local_day
    from common.settings import get_settings
    from definitions.workdays import is_working_day

    engine = make_engine(database_url(db_url))
    with session_scope(engine) as session:
        tz = get_municipality(session).timezone
    moment = now or get_settings().now or pendulum.now(tz)
    today = local_day(moment, tz)
    if not is_working_day(today):
        get_run_logger().info("%s is not a working day: nothing to do", today)
        return None
    return _tick_and_report(db_url, moment, batch_size=batch_size, task_workers=task_workers)


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
        from common.clock import local_day
        from definitions.workdays import is_working_day

        today = local_day(now, municipality.timezone)
        summary = TickSummary(now=now, today=today, working_day=is_working_day(today))
        summary.add(decided)
        summary.states = state_counts(session=session, today=today)
    return summary
