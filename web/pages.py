"""What every page needs: the signed-in user, CSRF, flash messages, rendering, error pages.

Cookies: ``nastavnik_session`` (the session token), ``nastavnik_pre`` (a random value that binds
the sign-in form's CSRF token before there is a session), ``nastavnik_flash`` (a signed one-shot
message). All HttpOnly and SameSite=Lax; Secure when the portal's base_url is https.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import fastapi
import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select
from starlette.datastructures import FormData
from starlette.types import Scope

from common.clock import local_day
from common.messages import render_message
from common.numbers import DB_INT_MAX
from common.russian import format_date_ru, working_days_ru
from engine.actions import Actor
from storage.db import session_scope
from storage.models import Municipality
from web.auth import ROLE_TITLES, Principal, check_csrf, csrf_token, session_principal
from web.security import check_form

SESSION_COOKIE = "nastavnik_session"
PRE_COOKIE = "nastavnik_pre"
FLASH_COOKIE = "nastavnik_flash"

STATE_LABELS = {
    "done": "выполнено в срок",
    "done_late": "выполнено с опозданием",
    "open": "в работе",
    "due_soon": "срок скоро",
    "overdue": "просрочено",
    "blocked": "ждёт предыдущего шага",
    "not_applicable": "неприменимо",
}
STATE_SYMBOLS = {
    "done": "✓",
    "done_late": "✓",
    "open": "○",
    "due_soon": "◐",
    "overdue": "✗",
    "blocked": "◌",
    "not_applicable": "—",
}
# where an act came from (journal.source)
SOURCE_LABELS = {
    "web": "портал",
    "cli": "командная строка",
    "registry": "реестр наставничества",
    "tick": "ежедневная проверка",
    "system": "система",
}
LEGEND_ORDER = ("done", "done_late", "open", "due_soon", "overdue", "blocked", "not_applicable")


# An id in a page's address. Beyond the database's integer it is a bad request (the 400 page), not
# a database error.
RowId = Annotated[int, fastapi.Path(ge=1, le=DB_INT_MAX)]


class NotSignedIn(Exception):
    """The page needs a signed-in user (redirects to the sign-in page)."""


class CsrfFailed(Exception):
    """A form came without this browser's CSRF token."""


# --- templates ------------------------------------------------------------------------------------


def _date_ru(value: date | datetime | None, tz: str | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = local_day(value, tz) if tz else value.date()
    return format_date_ru(value)


def _datetime_ru(value: datetime | None, tz: str = "UTC") -> str:
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(tz))
    return f"{format_date_ru(local.date())} {local:%H:%M}"


# who acted, when it was not a person signed in with an e-mail: the journal keeps the technical name
ACTOR_LABELS = {
    "system": "система (автоматически)",
    "(system)": "система (автоматически)",
    "registry": "реестр наставничества (автоматически)",
    "cli": "администратор (командная строка)",
    "coordinator": "координатор (командная строка)",
    "test": "администратор",
}


def actor_label(actor: str | None) -> str:
    """A person's e-mail as it is; a technical actor («cli», «registry», «(system)») in Russian."""
    if not actor:
        return "—"
    return ACTOR_LABELS.get(actor.strip().lower(), actor)


def _date_short(value: date | datetime | None, tz: str | None = None) -> str:
    """15.04.22: a date where a cell of the matrix has room for little."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = local_day(value, tz) if tz else value.date()
    return f"{value:%d.%m.%y}"


def _who(actor: str | None) -> str:
    """Who acted, in words: an e-mail as it is, the system's technical names in Russian."""
    return actor_label(actor)


class _ProcessBytecodeCache(jinja2.BytecodeCache):
    """The pages' compiled templates, kept for the process and shared by every environment in it.

    Each app (`create_app`) has an environment of its own, and Jinja compiles a template once per
    environment: a process that builds several apps (the portal's workers after a reload, the test
    suite: ≈ 8 s of CPU) compiled the same sources again. Jinja checks each entry against its
    source's checksum, so an edited template is compiled anew. Only make_templates uses it: its
    environments all have the same options (which Jinja's key does not cover)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _ProcessBytecodeCache()


def make_templates(directory: Path) -> Jinja2Templates:
    """The Jinja environment of the pages (autoescaped) with the Russian filters."""
    templates = Jinja2Templates(directory=str(directory))
    env = templates.env
    env.bytecode_cache = _BYTECODE
    env.filters["date_ru"] = _date_ru
    env.filters["datetime_ru"] = _datetime_ru
    env.filters["date_short"] = _date_short
    env.filters["who"] = _who
    env.filters["state_label"] = lambda state: STATE_LABELS.get(state, state)
    env.filters["source_label"] = lambda source: SOURCE_LABELS.get(source, source)
    env.filters["state_symbol"] = lambda state: STATE_SYMBOLS.get(state, "")
    env.filters["working_days"] = working_days_ru
    env.filters["role_title"] = lambda role: ROLE_TITLES.get(role, role)
    env.filters["who"] = actor_label
    env.globals["STATE_LABELS"] = STATE_LABELS
    env.globals["STATE_SYMBOLS"] = STATE_SYMBOLS
    env.globals["LEGEND_ORDER"] = LEGEND_ORDER
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates


# --- request helpers ------------------------------------------------------------------------------


def state(request: Request) -> Any:
    """The application's state."""
    return request.app.state


def now(request: Request) -> datetime:
    """The current moment from the app's clock (aware)."""
    moment = state(request).clock()
    assert moment.tzinfo is not None, "the clock must return an aware datetime"
    return moment  # type: ignore[no-any-return]


@contextmanager
def db(request: Request) -> Iterator[Session]:
    """A session whose transaction commits when the block succeeds."""
    with session_scope(state(request).engine) as session:
        yield session


def remote_addr(request: Request) -> str | None:
    """The client's address as the server sees it (no proxy headers are trusted)."""
    return request.client.host if request.client else None


def actor(request: Request, user: Principal) -> Actor:
    """Who acts, for the journal: the user's e-mail, source web, the client's address."""
    return Actor(email=user.email, source="web", remote_addr=remote_addr(request))


def current_user(request: Request, session: Session | None = None) -> Principal | None:
    """The signed-in user, or None (looked up once per request).

    A view that opens its own transaction passes its session, so that the request uses one
    database connection for the lookup and the work (a connection checkout is a round trip).
    """
    if hasattr(request.state, "principal"):
        return request.state.principal  # type: ignore[no-any-return]
    token = request.cookies.get(SESSION_COOKIE)
    principal = None
    if token:
        if session is not None:
            principal = session_principal(session=session, token=token, now=now(request))
        else:
            with Session(state(request).engine) as own:
                principal = session_principal(session=own, token=token, now=now(request))
    request.state.principal = principal
    return principal


def require_user(request: Request, session: Session | None = None) -> Principal:
    """The signed-in user; redirects to sign-in when there is none."""
    user = current_user(request, session)
    if user is None:
        raise NotSignedIn()
    return user


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after a form; anything else becomes ``default``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _cookie_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE)


async def csrf_guard(request: Request) -> None:
    """Every POST must carry the CSRF token bound to this browser's cookie (app-wide dependency)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    await checked_form(request)


async def checked_form(request: Request) -> FormData:
    """The request's form, once its CSRF token is checked against this browser's cookie.

    ``csrf_guard`` calls it for FastAPI's routes; the step actions, which are plain Starlette
    routes (web/views/action_runner.py), call it themselves. Raises CsrfFailed.
    """
    form = await request.form()
    check_form(form)  # before the token: a forged value never reaches a view or the database
    request.state.form = form
    submitted = form.get("csrf_token")
    secret = state(request).settings.secret_key
    if not isinstance(submitted, str) or not check_csrf(
        secret=secret, session_token=_cookie_token(request), submitted=submitted
    ):
        raise CsrfFailed()
    return form


def form_values(request: Request) -> dict[str, str]:
    """The text fields of the request's form (parsed once by ``csrf_guard``), for forms whose
    fields depend on the data, like a document's."""
    form = getattr(request.state, "form", None)
    if form is None:
        return {}
    return {key: value for key, value in form.items() if isinstance(value, str)}


def secure_cookies(request: Request) -> bool:
    """Secure cookies when the portal is served over https."""
    return str(state(request).settings.base_url).startswith("https://")


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None = None
) -> None:
    """Set an HttpOnly, SameSite=Lax cookie (Secure on https)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


def _flash_serializer(request: Request) -> URLSafeSerializer:
    """The app's signer of flash messages, made once (deriving its key on every request showed)."""
    app_state = state(request)
    serializer = getattr(app_state, "flash_serializer", None)
    if serializer is None:
        serializer = app_state.flash_serializer = URLSafeSerializer(
            app_state.settings.secret_key, salt="flash"
        )
    return serializer  # type: ignore[no-any-return]


def flash(request: Request, response: Response, message: str) -> None:
    """A one-shot message shown on the next page."""
    set_cookie(request, response, FLASH_COOKIE, _flash_serializer(request).dumps(message))


def redirect(request: Request, target: str, message: str | None = None) -> RedirectResponse:
    """303 to a local page, with an optional flash message."""
    response = RedirectResponse(safe_next(target), status_code=303)
    if message:
        flash(request, response, message)
    return response


def _take_flash(request: Request) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        message = _flash_serializer(request).loads(raw)
    except BadSignature:
        return None
    return message if isinstance(message, str) else None


def municipality(session: Session) -> Municipality | None:
    """The municipality, or None before `nastavnik init`."""
    return session.exec(select(Municipality).order_by(Municipality.id)).first()  # type: ignore[arg-type]


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a page with the user, CSRF token, flash message and municipality in its context."""
    token = _cookie_token(request)
    new_pre = None
    if token is None:
        new_pre = token = secrets.token_urlsafe(24)
    user = current_user(request) if SESSION_COOKIE in request.cookies else None
    message = _take_flash(request)
    base = {
        "request": request,
        "user": user,
        "csrf_token": csrf_token(secret=state(request).settings.secret_key, session_token=token),
        "flash": message,
        "today": None,
        "tz": "UTC",
        "path": request.url.path,
    }
    base.update(context)
    response = state(request).templates.TemplateResponse(
        request, template, base, status_code=status_code
    )
    if new_pre is not None:
        set_cookie(request, response, PRE_COOKIE, new_pre)
    if message is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response  # type: ignore[no-any-return]


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    """A plain error page (no traceback, no internals)."""
    try:
        return render(
            request, "error.html", {"title": title, "message": message}, status_code=status_code
        )
    except Exception:  # the error page must not fail itself (e.g. the database is down)
        return HTMLResponse(_plain_page(title, message), status_code=status_code)


def _plain_page(title: str, message: str) -> str:
    from html import escape

    return (
        f'<!doctype html><html lang="ru"><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<link rel="stylesheet" href="/static/style.css"><main class="page"><h1>{escape(title)}</h1>'
        f'<p>{escape(message)}</p><p><a href="/">На главную</a></p></main></html>'
    )


def too_large_page(_scope: Scope) -> str:
    """The answer to an upload over the limit."""
    return _plain_page(
        render_message("page.title.too_large"),
        render_message("page.too_large"),
    )
