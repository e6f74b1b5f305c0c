"""`nastavnik deploy` and `nastavnik task-worker`: thin shells over flows.deploy (typer only at
import: --help stays fast)."""

from typing import Annotated

import typer

CRON_HELP = "When the daily tick runs: a cron line in the municipality's time zone."
COLD_HELP = (
    "Prefect's own job command: each run starts a fresh interpreter (for workers started with "
    "`prefect worker start`, or installs at different paths). By default the command hands the "
    "run to `nastavnik worker`'s fork server."
)
TASK_WORKERS_HELP = (
    "Spread the daily run's work (deciding, composing, delivering) over task workers "
    "(`nastavnik task-worker` on each machine) instead of running it in the run's process."
)


def deploy(
    pool: Annotated[
        str, typer.Option(help="Prefect work pool of process workers (created when missing).")
    ] = "nastavnik",
    cron: Annotated[str, typer.Option(help=CRON_HELP)] = "0 9 * * *",
    task_workers: Annotated[bool, typer.Option("--task-workers", help=TASK_WORKERS_HELP)] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Schools per decision batch (a task each).")
    ] = 5000,
    cold: Annotated[bool, typer.Option("--cold", help=COLD_HELP)] = False,
) -> None:
    """Deploy the daily tick to the Prefect server of PREFECT_API_URL, run by a pool's workers.

    Workers run it with their own environment: NASTAVNIK_DB, NASTAVNIK_SMTP_URL, the folders
    and NASTAVNIK_BASE_URL (no secret is a parameter of the deployment).
    """
    from flows.deploy import deploy_daily, require_api_url
    from flows.serve import check_cron
    from nastavnik.cli_shared import _engine, _municipal_tz

    require_api_url()
    check_cron(cron)
    deployed = deploy_daily(
        pool=pool,
        cron=cron,
        timezone=_municipal_tz(_engine()),
        task_workers=task_workers,
        batch_size=batch_size,
        warm=not cold,
    )
    typer.echo(
        f"развёртывание {deployed.deployment} на сервере {deployed.api_url}: "
        f"по расписанию «{deployed.cron}» ({deployed.timezone}), пул «{deployed.pool}»\n"
        "запустите на каждой машине-исполнителе: "
        + (
            f"prefect worker start --pool {deployed.pool}"
            if cold
            else f"nastavnik worker --pool {deployed.pool}"
        )
    )
    if task_workers:
        typer.echo(
            "работу прогона выполняют исполнители задач: запустите на каждой машине "
            "(с тем же PREFECT_API_URL, NASTAVNIK_DB, NASTAVNIK_SMTP_URL и общим "
            "PREFECT_RESULTS_LOCAL_STORAGE_PATH): nastavnik task-worker"
        )


def worker(
    pool: Annotated[str, typer.Option(help="Prefect work pool to take runs from.")] = "nastavnik",
    name: Annotated[str | None, typer.Option(help="The worker's name in Prefect.")] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Runs this worker runs at once (no limit if unset).")
    ] = None,
    cold: Annotated[
        bool, typer.Option("--cold", help="No fork server: every run starts its own interpreter.")
    ] = False,
) -> None:
    """Take the daily runs of a work pool (`prefect worker start --type process`) with a warm fork
    server: Python, Prefect and nastavnik are imported once, each run is a fork (deployed without
    --cold). Until stopped (SIGTERM or Ctrl-C); reads PREFECT_API_URL and the run's settings
    (NASTAVNIK_DB, NASTAVNIK_SMTP_URL, …) from its environment.
    """
    from flows.deploy import require_api_url, run_worker

    require_api_url()
    raise typer.Exit(run_worker(pool=pool, name=name, limit=limit, warm=not cold))


def task_worker(
    limit: Annotated[
        int, typer.Option(min=1, help="Tasks this worker runs at once (threads).")
    ] = 4,
) -> None:
    """Serve the daily run's tasks (deciding, composing, delivering) to the Prefect server of
    PREFECT_API_URL until stopped: one long-lived process per machine, no start per run.

    It reads NASTAVNIK_DB, NASTAVNIK_SMTP_URL, NASTAVNIK_MAIL_FROM, NASTAVNIK_BASE_URL and the
    folders from its own environment; tasks' parameters and results go through
    PREFECT_RESULTS_LOCAL_STORAGE_PATH, a folder every worker and the process worker share.
    """
    from flows.deploy import require_api_url, serve_task_worker

    require_api_url()
    serve_task_worker(limit=limit)
