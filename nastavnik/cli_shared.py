"""Helpers every command module of the CLI shares: printing a refusal, the database, `--now`.

Kept light (typer and the error type only) so that `nastavnik --help` starts fast; the
database and the settings are imported inside the helpers that need them.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from common.errors import NastavnikError


def _fail(message: NastavnikError | str, *, code: int = 1) -> NoReturn:
    from common.messages import render_message
    from nastavnik.options import error_text

    typer.echo(render_message("cli.error", message=error_text(message)), err=True)
    raise typer.Exit(code)


def _say(code: str, **params: object) -> str:
    """A line of the CLI's own, in Russian, from the message catalogue."""
    from common.messages import render_message

    return render_message(code, **params)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _parse_period(text: str) -> tuple[date, date]:
    try:
        start_text, end_text = text.split(":")
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        _fail(_say("cli.period", value=text), code=2)
    if end < start:
        _fail(_say("cli.period_reversed", value=text), code=2)
    return start, end


def _extra_dir() -> Path | None:
    from common.settings import get_settings

    return get_settings().roadmaps_dir


def _stored() -> list[tuple[str, int, str]]:
    """The roadmaps published in the portal (database), when there is a database to read."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session

    from common.settings import get_settings
    from storage.roadmap_versions import published_definitions

    url = get_settings().db
    try:
        parsed = make_url(url)
    except Exception:  # a malformed URL is reported by the commands that need the database
        return []
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:" or not Path(database).exists():
            return []
    try:
        with Session(_engine()) as session:
            return published_definitions(session=session)
    except SQLAlchemyError:
        return []


def parse_now(text: str | None, *, tz: str) -> datetime:
    """`--now` as an aware datetime (common.clock), a bad value exits with status 2."""
    from common.clock import parse_now as _parse_now

    try:
        return _parse_now(text, tz=tz)
    except NastavnikError as error:
        _fail(error, code=2)


def _engine():  # type: ignore[no-untyped-def]
    from common.settings import get_settings
    from storage.db import make_engine

    return make_engine(get_settings().db)


def _municipal_tz(engine: Any) -> str:
    from sqlmodel import Session

    from storage.db import current_revision
    from storage.schools import get_municipality

    if current_revision(engine) is None:
        _fail(_say("cli.not_initialised"))
    with Session(engine) as session:
        return get_municipality(session).timezone


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(_say("cli.day", option=option, value=text), code=2)


NowOption = Annotated[
    str | None,
    typer.Option(
        "--now",
        help=(
            "Считать, что сейчас этот момент: ГГГГ-ММ-ДД (09:00 по местному времени) "
            "или ГГГГ-ММ-ДДTЧЧ:ММ."
        ),
    ),
]
RoadmapOption = Annotated[
    str | None, typer.Option("--roadmap", help="Код дорожной карты, когда запущено несколько.")
]
SchoolOption = Annotated[
    str | None,
    typer.Option("--school", help="Код школы (для мероприятий муниципалитета не указывается)."),
]
OccurrenceOption = Annotated[
    int | None, typer.Option("--occurrence", help="Номер этапа повторяющегося мероприятия.")
]


def check_prefect_settings() -> None:
    """Refuse a malformed PREFECT_* setting in Russian, naming it, before Prefect starts.

    Prefect reads its settings when it is imported and would print pydantic's English report
    (and, from the command, a traceback): its import is silenced here and the settings are
    validated once more to say which one is wrong; the English detail goes to the log."""
    import contextlib
    import io
    import logging

    from pydantic import ValidationError

    with contextlib.redirect_stderr(io.StringIO()):
        from prefect.settings import Settings
        from prefect.settings.base import PrefectBaseSettings
    try:
        Settings()
    except ValidationError as error:
        logging.getLogger(__name__).info("Prefect's settings: %s", error)
        setting, value, why = _bad_setting(error, PrefectBaseSettings)
        raise NastavnikError(
            code="prefect.bad_setting", setting=setting, value=value, why=why
        ) from None


def _bad_setting(error: Any, base: type) -> tuple[str, object, str]:
    """The setting, its value and why it does not do, for pydantic's first finding: the setting's
    variable is the prefix of the settings class pydantic names (``error.title``) and the field."""
    from common.messages import CATALOGUE
    from definitions.loader import problem_text

    found = error.errors()[0]
    classes, prefix = [base], "PREFECT_"
    while classes:
        cls = classes.pop()
        if cls.__name__ == error.title:
            prefix = getattr(cls, "model_config", {}).get("env_prefix") or prefix
            break
        classes.extend(cls.__subclasses__())
    setting = prefix + "_".join(str(part) for part in found["loc"]).upper()
    kind = found["type"]  # pydantic's kinds, said in Russian for definitions too
    known = kind == "literal_error" or f"definition.check.{kind}" in CATALOGUE
    why = ": " + problem_text(found) if known else ""
    return setting, found["input"], why
