"""`nastavnik outbox` and `nastavnik mail`: list, preview, retry and test letters (a thin shell)."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

import typer

from common.errors import NastavnikError
from common.messages import LETTER_STATES, render_message
from nastavnik.cli_shared import NowOption

outbox_app = typer.Typer(
    help="Письма: список, просмотр письма, повторная отправка неотправленного."
)
mail_app = typer.Typer(
    help="Почтовый сервер (NASTAVNIK_SMTP_URL) или папка писем.", no_args_is_help=True
)


def _fail(message: NastavnikError | str, *, code: int = 1) -> NoReturn:
    from common.messages import render_message
    from nastavnik.options import error_text

    typer.echo(render_message("cli.error", message=error_text(message)), err=True)
    raise typer.Exit(code)


def _engine() -> Any:
    from sqlalchemy import inspect

    from common.settings import get_settings
    from storage.db import make_engine

    engine = make_engine(get_settings().db)
    if not inspect(engine).has_table("letter"):
        _fail(render_message("cli.no_letter_table"))
    return engine


def _now(engine: Any, text: str | None) -> Any:
    from sqlmodel import Session

    from nastavnik.cli_shared import parse_now
    from storage.schools import get_municipality

    with Session(engine) as session:
        tz = get_municipality(session).timezone
    return parse_now(text, tz=tz)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@outbox_app.callback(invoke_without_command=True)
def outbox(
    ctx: typer.Context,
    pending: Annotated[
        bool, typer.Option("--pending", help="Только письма, ждущие отправки.")
    ] = False,
    failed: Annotated[
        bool, typer.Option("--failed", help="Только письма, которые сервер не принял.")
    ] = False,
) -> None:
    """Письма, начиная с новых: состояние, получатель, тема, причина отказа сервера."""
    if ctx.invoked_subcommand is not None:
        return
    from sqlalchemy.orm import noload
    from sqlmodel import Session, col, func, select

    from notifications.models import Letter
    from storage.models import OutboxItem

    engine = _engine()
    statuses = [
        s
        for s, wanted in (
            ("composing", pending),
            ("pending", pending),
            ("sending", pending),
            ("failed", failed),
        )
        if wanted
    ]
    with Session(engine) as session:
        query = (
            select(Letter)
            .where(Letter.status != "cancelled")
            .order_by(col(Letter.id).desc())
            # a list needs no bodies: a digest to the coordinator can be a megabyte of MIME
            .options(noload(Letter.content))  # type: ignore[arg-type]
        )
        if statuses:
            query = query.where(col(Letter.status).in_(statuses))
        letters = list(session.exec(query))
        loose = session.exec(
            select(func.count())
            .select_from(OutboxItem)
            .where(OutboxItem.status == "pending", col(OutboxItem.letter_id).is_(None))
        ).one()
    if not letters:
        typer.echo(render_message("outbox.none"))
    for letter in letters:
        when = letter.sent_at.strftime("%Y-%m-%d %H:%M") if letter.sent_at else ""
        typer.echo(
            render_message(
                "cli.letter_line",
                id=letter.id,
                status=LETTER_STATES.get(letter.status, letter.status),
                recipient=letter.recipient,
                items=letter.item_count,
                when=when,
                subject=_shorten(letter.subject, 90),
            )
        )
        if letter.status in ("failed", "pending") and letter.last_error:
            typer.echo(f"       {letter.last_error}")
    if loose and not failed:
        typer.echo(render_message("cli.decisions_waiting", count=loose))


@outbox_app.command("show")
def outbox_show(
    letter_id: Annotated[
        int, typer.Argument(metavar="НОМЕР", help="Номер письма (см. `nastavnik outbox`).")
    ],
    html: Annotated[bool, typer.Option("--html", help="Вывести часть HTML вместо текста.")] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Вывести письмо целиком, как оно отправляется (.eml).")
    ] = False,
) -> None:
    """Показать составленное письмо: заголовки и текст (или HTML, или письмо целиком)."""
    from sqlmodel import Session

    from notifications.mime import letter_message
    from notifications.models import Letter

    engine = _engine()
    with Session(engine) as session:
        letter = session.get(Letter, letter_id)
    if letter is None:
        _fail(render_message("mail.unknown_letter", letter=letter_id))
    if raw:
        typer.echo(letter_message(letter).data.decode("ascii").replace("\r\n", "\n"))
        return
    state = LETTER_STATES.get(letter.status, letter.status)
    if letter.sent_at:
        state += render_message("outbox.sent_at", moment=f"{letter.sent_at:%Y-%m-%d %H:%M}")
    if letter.attempts:
        state += render_message("outbox.attempts", count=letter.attempts)
    typer.echo(render_message("outbox.letter", letter=letter.id, state=state))
    for shown in (
        letter.mail_from and render_message("outbox.from", value=letter.mail_from),
        letter.recipient and render_message("outbox.to", value=letter.recipient),
        letter.reply_to and render_message("outbox.reply_to", value=letter.reply_to),
        letter.subject and render_message("outbox.subject", value=letter.subject),
        letter.message_id and render_message("outbox.message_id", value=letter.message_id),
        letter.last_error and render_message("outbox.error", value=letter.last_error),
    ):
        if shown:
            typer.echo(shown)
    typer.echo("")
    typer.echo(letter.body_html if html else letter.body_text)


@outbox_app.command("retry")
def outbox_retry(
    letter_id: Annotated[
        int, typer.Argument(metavar="НОМЕР", help="Номер письма (см. `nastavnik outbox --failed`).")
    ],
    now: NowOption = None,
) -> None:
    """Отправить неотправленное письмо ещё раз при следующей отправке (то же письмо с тем же идентификатором)."""
    from common.errors import NastavnikError
    from notifications.delivery import retry_letter

    engine = _engine()
    try:
        letter = retry_letter(engine=engine, letter_id=letter_id, now=_now(engine, now))
    except NastavnikError as error:
        _fail(error)
    typer.echo(render_message("cli.letter_retried", letter=letter.id, recipient=letter.recipient))


@outbox_app.command("compose")
def outbox_compose(now: NowOption = None) -> None:
    """Составить письма из принятых решений, не отправляя их (для просмотра)."""
    from common.settings import get_settings
    from notifications.compose import compose_letters
    from storage.db import session_scope

    engine = _engine()
    moment = _now(engine, now)
    with session_scope(engine) as session:
        result = compose_letters(session=session, now=moment, settings=get_settings())
    typer.echo(
        render_message(
            "cli.letters_composed", letters=result.letters, dropped=result.cancelled_items
        )
    )


@mail_app.command("test")
def mail_test(
    to: Annotated[str, typer.Option("--to", help="Адрес для проверочного письма.")],
    now: NowOption = None,
) -> None:
    """Отправить проверочное письмо сейчас (без учёта тихих часов) и сказать, куда оно ушло."""
    import uuid
    from datetime import UTC, datetime

    from common.settings import get_settings
    from notifications.mime import build_message
    from notifications.render import format_address
    from notifications.smtp import DeliveryError, FolderTransport, open_transport

    settings = get_settings()
    moment = datetime.now(UTC) if now is None else datetime.fromisoformat(now).astimezone(UTC)
    domain = settings.mail_from.rpartition("@")[2] or "nastavnik"
    message = build_message(
        subject="Наставник: проверка почты",
        text=(
            "Здравствуйте!\n\nЭто проверочное письмо системы «Наставник». Если вы его читаете, "
            "письма о сроках дорожной карты до вас дойдут.\n"
        ),
        html=None,
        mail_from=format_address(settings.mail_from, "Наставник"),
        to=to,
        reply_to=None,
        message_id=f"<test-{uuid.uuid4().hex}@{domain}>",
        date_=moment,
    )
    transport = open_transport(settings)
    try:
        transport.send(message, sender=settings.mail_from, recipients=[to])
    except DeliveryError as error:
        _fail(f"{transport.description}: {error}")
    finally:
        transport.close()
    if isinstance(transport, FolderTransport):
        typer.echo(render_message("mail.test_written", path=transport.path_for(message)))
    else:
        typer.echo(render_message("mail.test_accepted", server=transport.description, email=to))
