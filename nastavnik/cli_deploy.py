"""`nastavnik deploy`: a thin shell over flows.deploy (typer only at import: --help stays fast)."""

from typing import Annotated

import typer

CRON_HELP = "When the daily tick runs: a cron line in the municipality's time zone."


def deploy(
    pool: Annotated[
        str, typer.Option(help="Prefect work pool of process workers (created when missing).")
    ] = "nastavnik",
    cron: Annotated[str, typer.Option(help=CRON_HELP)] = "0 9 * * *",
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
    deployed = deploy_daily(pool=pool, cron=cron, timezone=_municipal_tz(_engine()))
    typer.echo(
        f"развёртывание {deployed.deployment} на сервере {deployed.api_url}: "
        f"по расписанию «{deployed.cron}» ({deployed.timezone}), пул «{deployed.pool}»\n"
        f"запустите на каждой машине-исполнителе: prefect worker start --pool {deployed.pool}"
    )
