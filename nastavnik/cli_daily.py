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
        bool, typer.Option("--send/--no-send", help="Отправить письма после решения.")
    ] = True,
    prefect: Annotated[
        bool,
        typer.Option(
            "--prefect",
            help="Выполнить как поток Prefect (на временном сервере, если не задан PREFECT_API_URL).",
        ),
    ] = False,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Школ в пакете (с --prefect каждый пакет — отдельная задача Prefect, по "
            "умолчанию 5000); без параметра прогон решает по всем школам за один проход.",
            min=1,
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Пересмотреть все незавершённые мероприятия, а не только новые сроки и "
            "изменённые мероприятия (принятые решения не повторяются).",
        ),
    ] = False,
) -> None:
    """Рассмотреть мероприятия на момент, решить о напоминаниях и эскалациях, отправить письма."""
    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    if prefect:
        from nastavnik.cli_shared import check_prefect_settings

        check_prefect_settings()
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
    host: Annotated[str, typer.Option(help="Адрес, на котором слушает портал.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Порт портала.")] = 8000,
    prefect_port: Annotated[
        int,
        typer.Option(
            help="Порт сервера Prefect, который запускается, когда PREFECT_API_URL не задан."
        ),
    ] = 4200,
    no_portal: Annotated[
        bool, typer.Option("--no-portal", help="Только ежедневный прогон, без портала.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="Процессов портала (для многих пользователей — по одному на ядро)."
        ),
    ] = 1,
    now: Annotated[
        str | None,
        typer.Option(
            help="Показать портал на этот день (ГГГГ-ММ-ДД[TЧЧ:ММ]); часы идут дальше от него. "
            "Только для портала: ежедневный прогон идёт по настоящим часам."
        ),
    ] = None,
    cron: Annotated[
        str,
        typer.Option(
            help="Когда выполняется ежедневный прогон: строка cron в часовом поясе "
            "муниципалитета (например, «* * * * *» — каждую минуту, чтобы попробовать); "
            "нерабочие дни пропускаются."
        ),
    ] = "0 9 * * *",
) -> None:
    """Запустить портал и ежедневный прогон (в 09:00 по времени муниципалитета, по рабочим дням) на сервере Prefect."""
    from nastavnik.cli_shared import check_prefect_settings

    check_prefect_settings()
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
