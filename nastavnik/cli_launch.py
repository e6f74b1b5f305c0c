"""`nastavnik launch`: preview, confirm, launch; `launch undo` and `launch archive` (#14)."""

from __future__ import annotations

from typing import Annotated

import typer

from common.errors import NastavnikError
from nastavnik.cli_shared import _fail, _say

_LEVELS = {
    "reminder": "напоминание о сроке",
    "overdue": "о просрочке (исполнителю)",
    "coordinator": "координатору",
    "head": "руководителю органа управления образованием",
}


def _recipients(names: set[str]) -> str:
    shown = sorted(names)
    text = ", ".join(shown[:4])
    if len(shown) > 4:
        text += f" и ещё {len(shown) - 4}"
    return f"{len(shown)} адрес(ов): {text}"


def print_preview(preview: object) -> None:
    """The preview as the coordinator reads it, in Russian."""
    from common.russian import format_date_ru
    from engine.roadmap_launch import LaunchPreview

    assert isinstance(preview, LaunchPreview)
    echo = typer.echo
    state = "уже запущена: добавится только новое" if preview.already_launched else "новый запуск"
    echo(f"Дорожная карта «{preview.title}» ({preview.roadmap_id}) — {state}")
    echo(
        f"  школ: {preview.schools}; шагов: {preview.steps}; будет создано экземпляров шагов: "
        f"{preview.instances}"
    )
    period = f"{format_date_ru(preview.period_start)} – {format_date_ru(preview.period_end)}"
    today = format_date_ru(preview.today)
    if preview.period_state == "ended":
        echo(f"  ВНИМАНИЕ: период {period} уже закончился (сегодня {today})")
    elif preview.period_state == "not_started":
        echo(f"  период {period} ещё не начался (сегодня {today})")
    else:
        echo(f"  период {period}, сегодня {today}")
    if preview.timezone != preview.municipality_timezone:
        echo(
            f"  ВНИМАНИЕ: часовой пояс дорожной карты {preview.timezone}, а муниципалитета "
            f"{preview.municipality_timezone}: сроки считаются по поясу муниципалитета"
        )
    if preview.past_due:
        echo(f"  ВНИМАНИЕ: уже просрочено экземпляров: {preview.past_due}")
    else:
        echo("  просроченных нет")
    if preview.letters:
        echo("  при ближайшем ежедневном запуске письма получат:")
        for level, names in preview.letters.items():
            echo(f"    {_LEVELS[level]}: {_recipients(names)}")
    else:
        echo("  при ближайшем ежедневном запуске писем не будет")
    if preview.outside:
        listed = ", ".join(f"{code} ({format_date_ru(due)})" for code, due in preview.outside[:6])
        more = f" и ещё {len(preview.outside) - 6}" if len(preview.outside) > 6 else ""
        verdict = (
            "будут запущены (--keep-outside)"
            if preview.kept_outside
            else "не будут запущены (чтобы запустить, добавьте --keep-outside)"
        )
        echo(f"  сроки вне периода: {listed}{more} — {verdict}")
    if preview.unscheduled:
        echo(
            "  без срока (даты задаст координатор: nastavnik schedule): "
            + ", ".join(preview.unscheduled)
        )
    for warning in preview.missing_units:
        echo(f"  ВНИМАНИЕ: {warning}")


def launch(
    target: Annotated[
        str,
        typer.Argument(
            metavar="КАРТА",
            help="Код дорожной карты для запуска или «undo» / «archive» и код дорожной карты.",
        ),
    ],
    roadmap_id: Annotated[
        str | None,
        typer.Argument(metavar="КОД", help="Код дорожной карты после «undo» или «archive»."),
    ] = None,
    schools: Annotated[
        str, typer.Option(help="«all» (все школы) или коды школ через запятую.")
    ] = "all",
    by: Annotated[str, typer.Option(help="Кто запускает (для журнала).")] = "cli",
    yes: Annotated[bool, typer.Option("--yes", help="Запустить, не спрашивая.")] = False,
    keep_outside: Annotated[
        bool,
        typer.Option("--keep-outside", help="Запустить и этапы со сроками вне периода."),
    ] = False,
    now: Annotated[
        str | None,
        typer.Option(
            help="Момент запуска, ГГГГ-ММ-ДД или ГГГГ-ММ-ДДTЧЧ:ММ (по умолчанию — сейчас)."
        ),
    ] = None,
) -> None:
    """Показать, что даст запуск, и запустить; `launch undo КОД` — отменить до первого письма, `launch archive КОД` — в архив."""
    from common.russian import format_date_ru
    from definitions.loader import find_roadmap
    from engine.roadmap_launch import archive_run, launch_roadmap, preview_launch, undo_launch
    from nastavnik.cli_shared import _engine, _extra_dir, _municipal_tz, _stored, parse_now
    from storage.db import session_scope

    engine = _engine()
    moment = parse_now(now, tz=_municipal_tz(engine))
    if target in ("undo", "archive"):
        if roadmap_id is None:
            _fail(_say("cli.launch_roadmap_needed", act=target), code=2)
        try:
            with session_scope(engine) as session:
                if target == "undo":
                    removed = undo_launch(session=session, roadmap_id=roadmap_id, now=moment, by=by)
                    message = f"{roadmap_id}: запуск отменён; удалено экземпляров шагов: {removed}"
                else:
                    run = archive_run(session=session, roadmap_id=roadmap_id, now=moment, by=by)
                    assert run.archived_at is not None
                    message = (
                        f"{roadmap_id}: запуск в архиве с {format_date_ru(moment.date())}: "
                        "остаётся в отчётах, ежедневный запуск его больше не рассматривает"
                    )
        except NastavnikError as error:
            _fail(error)
        typer.echo(message)
        return
    if roadmap_id is not None:
        _fail(_say("cli.extra_argument", value=roadmap_id), code=2)
    loaded = find_roadmap(target, _extra_dir(), _stored())
    chosen = (
        None if schools.strip() == "all" else [s.strip() for s in schools.split(",") if s.strip()]
    )
    with session_scope(engine) as session:
        preview = preview_launch(
            session=session, loaded=loaded, now=moment, schools=chosen, keep_outside=keep_outside
        )
    print_preview(preview)
    if not yes:
        try:
            confirmed = typer.confirm("Запустить?", default=False)
        except typer.Abort:
            confirmed = False
        if not confirmed:
            typer.echo(_say("cli.launch_declined"))
            raise typer.Exit(1)
    with session_scope(engine) as session:
        result = launch_roadmap(
            session=session,
            loaded=loaded,
            now=moment,
            by=by,
            schools=chosen,
            keep_outside=keep_outside,
        )
    for message in result.messages:
        typer.echo(_say("cli.warning", message=message), err=True)
    verb = "запущена" if result.created else "уже была запущена"
    typer.echo(
        f"{result.roadmap_id}: {verb}; добавлено экземпляров шагов: {result.instances_added}, "
        f"школ: {result.schools}. Отменить до первого письма: nastavnik launch undo "
        f"{result.roadmap_id}"
    )
