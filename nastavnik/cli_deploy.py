"""`nastavnik deploy` and `nastavnik task-worker`: thin shells over flows.deploy (typer only at
import: --help stays fast)."""

from typing import Annotated

import typer

CRON_HELP = "Когда выполняется ежедневный прогон: строка cron в часовом поясе муниципалитета."
COLD_HELP = (
    "Собственная команда Prefect: каждый прогон запускает новый интерпретатор (для исполнителей, "
    "запущенных `prefect worker start`, или установок в разных папках). По умолчанию команда "
    "передаёт прогон сервер-заготовке `nastavnik worker`."
)
TASK_WORKERS_HELP = (
    "Распределить работу ежедневного прогона (решения, составление и отправка писем) по "
    "исполнителям задач (`nastavnik task-worker` на каждой машине) вместо процесса прогона."
)


def deploy(
    pool: Annotated[
        str, typer.Option(help="Пул исполнителей Prefect (создаётся, если его нет).")
    ] = "nastavnik",
    cron: Annotated[str, typer.Option(help=CRON_HELP)] = "0 9 * * *",
    task_workers: Annotated[bool, typer.Option("--task-workers", help=TASK_WORKERS_HELP)] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Школ в пакете решений (каждый пакет — отдельная задача).")
    ] = 5000,
    cold: Annotated[bool, typer.Option("--cold", help=COLD_HELP)] = False,
) -> None:
    """Развернуть ежедневный прогон на сервере Prefect из PREFECT_API_URL для исполнителей пула.

    Исполнители берут настройки из своего окружения: NASTAVNIK_DB, NASTAVNIK_SMTP_URL, папки и
    NASTAVNIK_BASE_URL (секреты не передаются параметрами развёртывания).
    """
    from nastavnik.cli_shared import check_prefect_settings

    check_prefect_settings()
    from flows.deploy import deploy_daily, require_api_url
    from flows.serve import check_cron
    from nastavnik.cli_shared import _engine, _municipal_tz, _say

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
        _say(
            "deploy.done",
            deployment=deployed.deployment,
            server=deployed.api_url,
            cron=deployed.cron,
            timezone=deployed.timezone,
            pool=deployed.pool,
            command=(
                f"prefect worker start --pool {deployed.pool}"
                if cold
                else f"nastavnik worker --pool {deployed.pool}"
            ),
        )
    )
    if task_workers:
        typer.echo(_say("deploy.task_workers"))


def worker(
    pool: Annotated[
        str, typer.Option(help="Пул Prefect, из которого исполнитель берёт прогоны.")
    ] = "nastavnik",
    name: Annotated[str | None, typer.Option(help="Имя исполнителя в Prefect.")] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            min=1, help="Сколько прогонов выполнять одновременно (без предела, если не задано)."
        ),
    ] = None,
    cold: Annotated[
        bool,
        typer.Option(
            "--cold", help="Без сервера-заготовки: каждый прогон запускает свой интерпретатор."
        ),
    ] = False,
) -> None:
    """Выполнять ежедневные прогоны пула (`prefect worker start --type process`) с
    сервером-заготовкой: интерпретатор, Prefect и nastavnik загружаются один раз, каждый прогон —
    копия готового процесса.

    Работает до остановки (сигнал `SIGTERM` или `Ctrl-C`); `PREFECT_API_URL` и настройки прогона
    (`NASTAVNIK_DB`, `NASTAVNIK_SMTP_URL`, …) берёт из своего окружения.
    """
    from nastavnik.cli_shared import check_prefect_settings

    check_prefect_settings()
    from flows.deploy import require_api_url, run_worker

    require_api_url()
    raise typer.Exit(run_worker(pool=pool, name=name, limit=limit, warm=not cold))


def task_worker(
    limit: Annotated[
        int, typer.Option(min=1, help="Сколько задач исполнитель выполняет одновременно (потоков).")
    ] = 4,
) -> None:
    """Выполнять задачи ежедневного прогона (решения, составление и отправка писем) для сервера
    Prefect из PREFECT_API_URL до остановки: один долгоживущий процесс на машину.

    Берёт NASTAVNIK_DB, NASTAVNIK_SMTP_URL, NASTAVNIK_MAIL_FROM, NASTAVNIK_BASE_URL и папки из
    своего окружения; параметры и результаты задач передаются через
    PREFECT_RESULTS_LOCAL_STORAGE_PATH — папку, общую для всех исполнителей.
    """
    from nastavnik.cli_shared import check_prefect_settings

    check_prefect_settings()
    from flows.deploy import require_api_url, serve_task_worker

    require_api_url()
    serve_task_worker(limit=limit)
