"""The portal's FastAPI application: create_app(engine, settings, clock) and its plumbing.

Pages live in web/views/ (one module per page); what they show is computed by plain functions
(web/matrix_data.py, web/charts.py, ...). This module wires them together with the cross-cutting parts:
the request size limit, security headers, CSRF on every form, error pages that never show a
traceback, and the template environment.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.errors import NastavnikError
from common.messages import render_message
from common.settings import Settings
from engine.runs import launched_runs
from web import access, pages
from web.access import NotFound, SendTo
from web.auth import Forbidden
from web.messages import russian_reason
from web.security import BadText, RefuseBadAddress

WEB_DIR = Path(__file__).resolve().parent
MAX_UPLOAD = 10 * 1024 * 1024
# a form with a 10 MB file carries a little more than 10 MB; anything beyond this is refused whole
MAX_BODY = MAX_UPLOAD + 256 * 1024

Clock = Callable[[], datetime]
_log = logging.getLogger(__name__)


class BodyLimit:
    """Refuse request bodies larger than ``limit`` before they reach the form parser.

    The body is drained (up to a hard cap) so that the browser receives the answer instead of a
    reset connection, then a page explains the limit.
    """

    def __init__(self, app: ASGIApp, *, limit: int, hard_cap: int = 64 * 1024 * 1024) -> None:
        self.app = app
        self.limit = limit
        self.hard_cap = hard_cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send, drain=int(declared) <= self.hard_cap)
            return
        seen = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    refused = True
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send, drain=False)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, *, drain: bool) -> None:
        if drain:
            more = True
            while more:
                message = await receive()
                more = message.get("more_body", False) and message["type"] == "http.request"
        response = HTMLResponse(
            pages.too_large_page(scope), status_code=413, headers={"Connection": "close"}
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class SecurityHeaders:
    """Add SECURITY_HEADERS to every response that does not set them itself.

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` runs each request through an
    extra task and memory streams, which cost more than the rest of a mark-done request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        self.static_headers = [h for h in self.headers if h[0] != b"cache-control"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.static_headers if scope["path"].startswith("/static/") else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in extra if name not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(*, engine: Engine, settings: Settings, clock: Clock) -> FastAPI:
    """The portal as an ASGI application.

    Args:
        engine: nastavnik's database (upgraded to the newest migration).
        settings: secret_key signs cookies and links; documents_dir holds uploads; mail_dir gets
            sign-in letters when no sender is configured; base_url is used in links in letters.
        clock: returns the aware current moment; tests pass a fixed one.
    """
    from web.views import ALL_ROUTERS, health
    from web.views.school_actions import ACTION_ROUTES

    if not settings.secret_key or settings.secret_key == "change-me-in-production":
        # web.server.with_secret_key gives the deployed portal its database's key
        raise NastavnikError(code="portal.no_secret_key")

    app = FastAPI(
        title="nastavnik",
        lifespan=_warm_up,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(pages.csrf_guard)],
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.clock = clock
    app.state.templates = pages.make_templates(WEB_DIR / "templates")
    # what the pages show of the navigation and forms follows the one access model
    app.state.templates.env.globals.update(
        may=access.may,
        own_school=access.own_school,
        may_manage_account=access.may_manage_account,
    )
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for router in ALL_ROUTERS:
        app.include_router(router)
    health.install(app)  # /healthz, and the banner about a daily check that did not run
    # matched first: plain Starlette routes that check their CSRF token themselves
    app.router.routes[:0] = ACTION_ROUTES

    @app.exception_handler(pages.NotSignedIn)
    async def not_signed_in(request: Request, _error: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Exception) -> Response:
        return pages.error_page(
            request,
            403,
            render_message("page.title.no_access"),
            str(error) or render_message("page.no_rights"),
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: Exception) -> Response:
        assert isinstance(error, NotFound)
        return pages.error_page(request, 404, error.title, error.message)

    @app.exception_handler(SendTo)
    async def send_to(request: Request, error: Exception) -> Response:
        assert isinstance(error, SendTo)
        return pages.redirect(request, error.target)

    @app.exception_handler(pages.CsrfFailed)
    async def csrf_failed(request: Request, _error: Exception) -> Response:
        return pages.error_page(
            request,
            403,
            render_message("page.title.form_stale"),
            render_message("page.form_stale"),
        )

    @app.exception_handler(BadText)
    async def bad_text(request: Request, error: Exception) -> Response:
        assert isinstance(error, BadText)
        return pages.error_page(
            request, 400, render_message("page.title.bad_character"), error.message
        )

    @app.exception_handler(NastavnikError)
    async def user_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, NastavnikError)
        return pages.error_page(
            request, 400, render_message("page.title.failed"), russian_reason(error)
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: Exception) -> Response:
        return pages.error_page(
            request,
            400,
            render_message("page.title.bad_request"),
            render_message("page.not_understood"),
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        titles = {
            404: render_message("page.title.page_missing"),
            405: render_message("page.title.not_allowed"),
            413: render_message("page.title.request_too_large"),
        }
        return pages.error_page(
            request,
            error.status_code,
            titles.get(error.status_code, render_message("page.title.error")),
            str(error.detail)
            if error.status_code not in (404, 405)
            else render_message("page.check_address"),
        )

    @app.exception_handler(Exception)
    async def crash(request: Request, _error: Exception) -> Response:
        return pages.error_page(
            request,
            500,
            render_message("page.title.internal"),
            render_message("page.internal"),
        )

    app.add_middleware(RefuseBadAddress)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    return app


@asynccontextmanager
async def _warm_up(app: FastAPI) -> AsyncIterator[None]:
    """Before serving: evaluate the launched runs for the matrix (StatusCache), which also loads
    the production calendar and compiles the definitions, so that nobody's first look pays for
    them (half a second in a new process, a 2,000-school run's evaluation besides)."""
    await anyio.to_thread.run_sync(_evaluate_runs, app)
    yield


def _evaluate_runs(app: FastAPI) -> None:
    from sqlmodel import Session, select

    from storage.models import Municipality
    from web.matrix_data import StatusCache

    started = time.perf_counter()
    try:
        with Session(app.state.engine) as session:
            if session.exec(select(Municipality)).first() is None:
                return
            cache = getattr(app.state, "status_cache", None) or StatusCache()
            app.state.status_cache = cache
            for run in launched_runs(session):
                cache.evaluated(session, run, app.state.clock())
    except Exception:  # a database not ready yet: the first look evaluates instead
        _log.warning("could not evaluate the runs before serving", exc_info=True)
        return
    _log.info("runs evaluated before serving in %.2f s", time.perf_counter() - started)


def app_state(request: Request) -> Any:
    """The application's state (engine, settings, clock, templates)."""
    return request.app.state
