"""`nastavnik deploy`: the daily tick as a deployment of a Prefect server, run by its workers.

It creates (or updates) a process work pool and the ``daily-tick`` deployment on it: imported by
module path (``flows.tick.daily_tick_flow``) on the worker, where the project is pip-installed, with
the cron schedule in the municipality's time zone. No parameter carries a secret: each run reads
the database URL (``NASTAVNIK_DB``) and the SMTP URL (``NASTAVNIK_SMTP_URL``) from its worker's
environment. Each run works in a fresh temporary folder, so the folders in that environment
(``NASTAVNIK_MAIL_DIR``, ``NASTAVNIK_DOCUMENTS_DIR``, a SQLite file) must be absolute paths.
"""

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from common.errors import NastavnikError
from common.messages import reason_of

ENTRYPOINT = "flows.tick.daily_tick_flow"
DEPLOYMENT = "daily-tick"
# Without a pull step a worker copies its whole working folder into each run's temporary
# workspace (measured: 14 s with a database file beside it). The code comes from the installed
# package, so the run needs no files: this step only keeps the empty workspace.
PULL_STEPS = [{"prefect.deployments.steps.set_working_directory": {"directory": "."}}]


def warm_command() -> str:
    """The job command of a warm deployment: this install's Python running flows/warm_client.py
    (standard library only), which hands the run to the worker's fork server (`nastavnik
    worker`) or, without one, execs ``python -m prefect.engine``. Absolute paths of this
    install: every worker machine has the project at the same path."""
    client = Path(__file__).with_name("warm_client.py")
    return shlex.join([sys.executable, "-I", "-S", str(client)])


@dataclass
class Deployed:
    """What `deploy` made: where the deployment lives and how to reach it."""

    api_url: str
    pool: str
    deployment: str
    cron: str
    timezone: str


def require_api_url() -> str:
    """PREFECT_API_URL, or a refusal: without it Prefect talks to a throw-away local server."""
    api_url = os.environ.get("PREFECT_API_URL", "").strip()
    if not api_url:
        raise NastavnikError(code="prefect.no_api_url")
    return api_url


def deploy_daily(
    *,
    pool: str,
    cron: str,
    timezone: str,
    task_workers: bool = False,
    batch_size: int = 5000,
    warm: bool = True,
) -> Deployed:
    """Create the process work pool ``pool`` if missing and create or update the deployment.

    With ``task_workers`` the deployment's runs hand their work to the task workers
    (`nastavnik task-worker`), in batches of ``batch_size`` schools. With ``warm`` (the default)
    each run's command is `warm_command` (a fork server's child when the worker is
    `nastavnik worker`); without it Prefect's own (a fresh interpreter per run).
    """
    api_url = require_api_url()
    import httpx
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate, WorkPoolCreate
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.exceptions import ObjectNotFound
    from prefect.utilities.callables import parameter_schema
    from prefect.workers.process import ProcessWorker

    from flows.tick import daily_tick_flow

    try:
        with get_client(sync_client=True) as client:
            try:
                client.read_work_pool(pool)
            except ObjectNotFound:
                client.create_work_pool(
                    WorkPoolCreate(
                        name=pool,
                        type="process",
                        base_job_template=ProcessWorker.get_default_base_job_template(),
                    )
                )
            flow_id = client.create_flow_from_name(daily_tick_flow.name)
            client.create_deployment(
                flow_id=flow_id,
                name=DEPLOYMENT,
                entrypoint=ENTRYPOINT,
                pull_steps=PULL_STEPS,
                work_pool_name=pool,
                schedules=[
                    DeploymentScheduleCreate(
                        schedule=CronSchedule(cron=cron, timezone=timezone), active=True
                    )
                ],
                parameter_openapi_schema=parameter_schema(daily_tick_flow).model_dump_for_openapi(),
                enforce_parameter_schema=True,
                parameters=(
                    {"task_workers": True, "batch_size": batch_size} if task_workers else {}
                ),
                description=(daily_tick_flow.description or "").splitlines()[0],
                job_variables={"command": warm_command()} if warm else {},
            )
    except (OSError, httpx.TransportError) as error:
        raise NastavnikError(
            code="prefect.unreachable", url=api_url, detail=reason_of(error)
        ) from None
    return Deployed(
        api_url=api_url,
        pool=pool,
        deployment=f"{daily_tick_flow.name}/{DEPLOYMENT}",
        cron=cron,
        timezone=timezone,
    )


def serve_task_worker(*, limit: int) -> None:
    """Serve the daily run's tasks until stopped (SIGTERM or Ctrl-C): a Prefect task worker."""
    from prefect.task_worker import serve

    from flows.tick import TASK_WORKER_TASKS

    serve(*TASK_WORKER_TASKS, limit=limit)


def run_worker(*, pool: str, name: str | None, limit: int | None, warm: bool) -> int:
    """A Prefect process worker for ``pool`` (`prefect worker start`) and, with ``warm``, the fork
    server its runs' commands hand the run to (flows/warm.py); until stopped (SIGTERM, Ctrl-C,
    passed on to the worker), then the fork server too. The worker's exit code.

    Both end with this process even when it is killed outright (SIGKILL, OOM; run by hand, not
    under systemd, which would stop the whole group): the kernel sends each SIGTERM
    (``end_with_parent``), on which Prefect's worker shuts down and the fork server stops its
    runs (recorded ``interrupted``) and removes its socket and folder."""
    import functools
    import shutil
    import signal
    import subprocess
    import tempfile

    from flows.warm import end_with_parent

    # run in Prefect's worker between fork and exec (this process has no other thread here)
    with_parent = functools.partial(end_with_parent, os.getpid())

    env = dict(os.environ)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    received: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        # both at once: the fork server stops taking runs and passes SIGTERM to its children
        # while Prefect's worker shuts down (one after the other took over 30 s under load)
        received.append(signum)
        if worker is not None and worker.poll() is None:
            worker.send_signal(signum)
        if server is not None and server.poll() is None:
            server.terminate()

    # Caught before the children start: a signal this process inherited as ignored (SIGINT under
    # a job runner or pytest-xdist) would stay ignored in them across exec; a caught one is reset
    # to its default there, so Prefect's worker stops on the SIGINT passed on.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    folder = None
    if warm:
        folder = tempfile.mkdtemp(prefix="nastavnik-fork-")
        socket_path = Path(folder) / "fork.sock"
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "flows.warm", "--socket", str(socket_path)),
                *("--parent", str(os.getpid()), "--remove-folder"),
            ],
            start_new_session=True,
        )
        env["NASTAVNIK_FORK_SOCKET"] = str(socket_path)  # the runs' commands find it here
    args = [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool, "--type", "process"]
    if name:
        args += ["--name", name]
    if limit:
        args += ["--limit", str(limit)]
    worker = subprocess.Popen(args, env=env, start_new_session=True, preexec_fn=with_parent)
    if received:  # stopped while starting
        worker.send_signal(received[0])
    try:
        code = worker.wait()
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return code
