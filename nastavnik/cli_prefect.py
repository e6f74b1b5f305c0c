"""`nastavnik prefect-server`: Prefect's API server in several processes (typer only at import)."""

from typing import Annotated

import typer


def prefect_server(
    workers: Annotated[int, typer.Option(help="Worker processes of the API server.")] = 2,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 4200,
    healthcheck_timeout: Annotated[
        int,
        typer.Option(help="Seconds a worker process may take to start before it is restarted."),
    ] = 120,
) -> None:
    """Run Prefect's API server in several processes (a region's Prefect server).

    Needs PostgreSQL (PREFECT_API_DATABASE_CONNECTION_URL) and Redis (prefect-redis and the
    PREFECT_MESSAGING_* settings); the scheduler and the other loops run in their own process:
    `prefect server services start`. See docs/deployment.md.
    """
    from flows.prefect_server import run_prefect_server

    run_prefect_server(
        host=host, port=port, workers=workers, healthcheck_timeout=healthcheck_timeout
    )
