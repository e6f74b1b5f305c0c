"""Commands of the daily run: tick (once, now) and serve (the portal and the daily schedule)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from nastavnik.cli_ops import recorded_tick
from nastavnik.cli_shared import NowOption, _engine, _municipal_tz, _say, parse_now


@recorded_tick
def tick(
    now: NowOption = None,
    send: Annotated[
        bool, typer.Option("--send/--no-send", help="Deliver the letters after deciding.")
    ] = True,
    prefect: Annotated[
        bool,
        typer.Option(
            "--prefect", help="Run as a Prefect flow (ephemeral API unless PREFECT_API_URL is set)."
        ),
    ] = False,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Schools per batch (a Prefect task each with --prefect, default 5000); "
            "without it the plain tick decides all schools in one pass.",
            min=1,
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Re-examine every open step, not only new due dates and changed steps "
            "(nothing already decided is decided again).",
        ),
    ] = False,
) -> None:
    """Evaluate the steps at a moment, decide reminders and escalations, then deliver them."""
    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    if prefect:
        from flows.tick import run_tick

        summary = run_tick(
            engine=engine,
            now=moment,
            send=send,
            use_prefect=True,
            batch_size=batch_size,
            full=full,
        )
    else:
        from flows.daily import tick_once

        summary = tick_once(engine=engine, now=moment, send=send, batch_size=batch_size, full=full)
    typer.echo(summary.text())
    # letters that could not all go out: one Russian line and a status cron or a monitor sees
    problem = getattr(summary.delivery, "problem", None)
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(summary.delivery.exit_code)


def serve(
    host: Annotated[str, typer.Option(help="Address of the portal.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the portal.")] = 8000,
    prefect_port: Annotated[
        int, typer.Option(help="Port of the Prefect server started when PREFECT_API_URL is unset.")
    ] = 4200,
    no_portal: Annotated[
        bool, typer.Option("--no-portal", help="Serve only the daily tick.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(min=1, help="Portal worker processes (one per core for many users)."),
    ] = 1,
    now: Annotated[
        str | None,
        typer.Option(
            help="Show the portal as on this day (YYYY-MM-DD[THH:MM]); the clock runs on from it. "
            "Serves the portal only: the daily schedule follows the real clock."
        ),
    ] = None,
    cron: Annotated[
        str,
        typer.Option(
            help="When the daily tick runs: a cron line in the municipality's time zone "
            '(e.g. "* * * * *" every minute to try it); non-working days are skipped.'
        ),
    ] = "0 9 * * *",
) -> None:
    """Run the portal and the daily tick (09:00 municipality time, working days) on a Prefect server."""
    from flows.serve import check_cron, serve_daily
    from nastavnik.cli_ops import check_ready_to_serve

    check_cron(cron)

    engine = _engine()
    check_ready_to_serve(engine)
    tz = _municipal_tz(engine)
    if now is not None:
        from common.settings import get_settings
        from web.server import run_portal

        moment = parse_now(now, tz=tz)
        os.environ["NASTAVNIK_NOW"] = moment.isoformat()  # also read by worker processes
        get_settings.cache_clear()
        typer.echo(
            _say("cli.portal_at", host=host, port=port, moment=moment.isoformat(), workers=workers)
        )
        run_portal(host, port, workers=workers)
        return
    portal = None
    if not no_portal:
        try:
            from web.server import run_portal
        except ImportError:
            typer.echo(_say("cli.warning", message=_say("cli.portal_missing")), err=True)
        else:

            def portal() -> None:
                run_portal(host, port, workers=workers)

            typer.echo(_say("cli.portal", host=host, port=port, workers=workers))
    serve_daily(
        db_url=engine.url.render_as_string(hide_password=False),
        timezone=tz,
        portal=portal,
        prefect_port=prefect_port,
        cron=cron,
    )
