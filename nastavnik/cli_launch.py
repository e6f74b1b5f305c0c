"""`nastavnik launch`: preview, confirm, launch; `launch undo` and `launch archive` (#14)."""

from __future__ import annotations

from typing import Annotated

import typer

from common.errors import NastavnikError
from nastavnik.cli_shared import _fail, _say


def _recipients(names: set[str]) -> str:
    shown = sorted(names)
    text = ", ".join(shown[:4])
    if len(shown) > 4:
        text += _say("launch.and_more", count=len(shown) - 4)
    return _say("launch.addresses", count=len(shown), addresses=text)


def print_preview(preview: object) -> None:
    """The preview as the coordinator reads it, in Russian."""
    from common.russian import format_date_ru
    from engine.roadmap_launch import LaunchPreview

    assert isinstance(preview, LaunchPreview)
    echo = typer.echo
    if preview.already_launched:
        echo(_say("launch.preview_again", title=preview.title, roadmap=preview.roadmap_id))
    else:
        echo(_say("launch.preview_new", title=preview.title, roadmap=preview.roadmap_id))
    echo(
        _say(
            "launch.preview_counts",
            schools=preview.schools,
            steps=preview.steps,
            instances=preview.instances,
        )
    )
    period = f"{format_date_ru(preview.period_start)} – {format_date_ru(preview.period_end)}"
    today = format_date_ru(preview.today)
    if preview.period_state == "ended":
        echo(_say("launch.period_ended", period=period, today=today))
    elif preview.period_state == "not_started":
        echo(_say("launch.period_not_started", period=period, today=today))
    else:
        echo(_say("launch.period", period=period, today=today))
    if preview.timezone != preview.municipality_timezone:
        echo(
            _say(
                "launch.other_timezone",
                timezone=preview.timezone,
                municipality_timezone=preview.municipality_timezone,
            )
        )
    if preview.past_due:
        echo(_say("launch.past_due", count=preview.past_due))
    else:
        echo(_say("launch.none_past_due"))
    if preview.letters:
        echo(_say("launch.letters_to"))
        for level, names in preview.letters.items():
            recipients = _recipients(names)
            if level == "reminder":
                echo(_say("launch.level.reminder", recipients=recipients))
            elif level == "overdue":
                echo(_say("launch.level.overdue", recipients=recipients))
            elif level == "coordinator":
                echo(_say("launch.level.coordinator", recipients=recipients))
            else:
                echo(_say("launch.level.head", recipients=recipients))
    else:
        echo(_say("launch.no_letters"))
    if preview.outside:
        listed = ", ".join(f"{code} ({format_date_ru(due)})" for code, due in preview.outside[:6])
        if len(preview.outside) > 6:
            listed += _say("launch.and_more", count=len(preview.outside) - 6)
        if preview.kept_outside:
            echo(_say("launch.outside_kept", steps=listed))
        else:
            echo(_say("launch.outside_dropped", steps=listed))
    if preview.unscheduled:
        echo(_say("launch.unscheduled", steps=", ".join(preview.unscheduled)))
    for warning in preview.missing_units:
        echo(_say("launch.attention", message=warning))


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
                    message = _say("launch.undone", roadmap=roadmap_id, removed=removed)
                else:
                    run = archive_run(session=session, roadmap_id=roadmap_id, now=moment, by=by)
                    assert run.archived_at is not None
                    message = _say(
                        "launch.archived_now",
                        roadmap=roadmap_id,
                        day=format_date_ru(moment.date()),
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
            confirmed = typer.confirm(_say("launch.confirm"), default=False)
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
    counts = {"instances": result.instances_added, "schools": result.schools}
    if result.created:
        typer.echo(_say("launch.launched", roadmap=result.roadmap_id, **counts))
    else:
        typer.echo(_say("launch.launched_again", roadmap=result.roadmap_id, **counts))
