"""`nastavnik prefect-server`: Prefect's API server in several processes (typer only at import)."""

from typing import Annotated

import typer


def prefect_server(
    workers: Annotated[int, typer.Option(help="Процессов сервера API.")] = 2,
    host: Annotated[str, typer.Option(help="Адрес, на котором слушает сервер.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Порт сервера.")] = 4200,
    healthcheck_timeout: Annotated[
        int,
        typer.Option(help="Сколько секунд процесс может запускаться, прежде чем его перезапустят."),
    ] = 120,
) -> None:
    """Запустить сервер API Prefect в нескольких процессах (сервер Prefect региона).

    Нужны PostgreSQL (PREFECT_API_DATABASE_CONNECTION_URL) и Redis (пакет «prefect-redis» и
    настройки PREFECT_MESSAGING_*); планировщик и другие службы работают в своём процессе:
    `prefect server services start`. Подробнее: docs/deployment.md.
    """
    from nastavnik.cli_shared import check_prefect_settings

    check_prefect_settings()
    from flows.prefect_server import run_prefect_server

    run_prefect_server(
        host=host, port=port, workers=workers, healthcheck_timeout=healthcheck_timeout
    )
