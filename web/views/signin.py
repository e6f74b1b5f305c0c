"""Sign-in page: e-mail + password, or a one-time link by e-mail; sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import select

from common.errors import NastavnikError
from common.messages import render_message
from storage.models import User
from web import pages
from web.auth import authenticate, end_session, peek_signin_link, start_session, use_signin_link
from web.throttle import attempts_exhausted, forgive_failures, record_attempt
from web.users import send_signin_link

router = APIRouter()
SESSION_MAX_AGE = 12 * 3600


def _page(
    request: Request,
    *,
    email: str = "",
    error: str | None = None,
    notice: str | None = None,
    next_url: str = "/",
    status_code: int = 200,
) -> Response:
    return pages.render(
        request,
        "signin.html",
        {
            "title": "Вход",
            "email": email,
            "error": error,
            "notice": notice,
            "next": pages.safe_next(next_url),
        },
        status_code=status_code,
    )


def _look_up_user_first(request: Request) -> None:
    """Look up who is signed in before a transaction opens: the page rendered inside it asks, and
    on SQLite a second connection would wait for the first one's write lock (HTTP 500 after 30 s
    when a signed-in person used a stale link)."""
    pages.current_user(request)


def _signed_in(request: Request, token: str, next_url: str) -> Response:
    response = pages.redirect(request, pages.safe_next(next_url))
    pages.set_cookie(request, response, pages.SESSION_COOKIE, token, max_age=SESSION_MAX_AGE)
    response.delete_cookie(pages.PRE_COOKIE, path="/")
    return response


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> Response:
    return _page(request, next_url=next)


@router.post("/signin")
def signin(
    request: Request, email: str = Form(""), password: str = Form(""), next: str = Form("/")
) -> Response:
    email = email.strip().lower()
    if not email or not password:
        return _page(
            request,
            email=email,
            error=render_message("signin.empty"),
            next_url=next,
            status_code=400,
        )
    address = pages.remote_addr(request) or ""
    now = pages.now(request)
    _look_up_user_first(request)
    with pages.db(request) as session:
        if attempts_exhausted(
            session=session, kind="password_failure", address=address, email=email, now=now
        ):
            return _page(
                request,
                email=email,
                next_url=next,
                status_code=429,
                error=render_message("signin.too_many_attempts"),
            )
        user = authenticate(session=session, email=email, password=password)
        if user is None:
            record_attempt(
                session=session, kind="password_failure", address=address, email=email, now=now
            )
            return _page(
                request,
                email=email,
                error=render_message("signin.wrong"),
                next_url=next,
                status_code=400,
            )
        forgive_failures(session=session, email=email)
        token = start_session(session=session, user=user, now=now, remote_addr=address or None)
    return _signed_in(request, token, next)


@router.post("/signin/link")
def request_link(request: Request, email: str = Form("")) -> Response:
    email = email.strip().lower()
    if not email:
        return _page(
            request,
            error=render_message("signin.link_email_empty"),
            status_code=400,
        )
    address = pages.remote_addr(request) or ""
    now = pages.now(request)
    with pages.db(request) as session:
        if attempts_exhausted(
            session=session, kind="link_request", address=address, email=email, now=now
        ):
            refused = True
        else:
            refused = False
            record_attempt(
                session=session, kind="link_request", address=address, email=email, now=now
            )
    if refused:
        return _page(
            request,
            email=email,
            status_code=429,
            error=render_message("signin.too_many_links"),
        )
    settings = pages.state(request).settings
    try:
        with pages.db(request) as session:
            user = session.exec(select(User).where(User.email == email)).first()
            if user is not None and user.active:
                send_signin_link(
                    session=session, settings=settings, user=user, now=pages.now(request)
                )
    except NastavnikError:
        # the mail server is down or refused the address: say so, or the person waits in vain
        return _page(
            request,
            email=email,
            status_code=503,
            error=render_message("signin.link_not_sent"),
        )
    # the same answer whether or not the address is known: the page does not reveal who has an account
    return _page(
        request,
        email=email,
        notice=render_message("signin.link_sent"),
    )


@router.get("/signin/link/{token}")
def link_confirm(request: Request, token: str) -> Response:
    # a GET never uses the link: mail scanners open links; the person presses the button
    with pages.db(request) as session:
        user = peek_signin_link(session=session, token=token, now=pages.now(request))
    if user is None:
        return _page(
            request,
            status_code=400,
            error=render_message("signin.link_used"),
        )
    return pages.render(
        request,
        "signin_link.html",
        {"title": "Вход по ссылке", "email": user.email, "token": token},
    )


@router.post("/signin/link/{token}")
def link_use(request: Request, token: str) -> Response:
    _look_up_user_first(request)
    with pages.db(request) as session:
        user = use_signin_link(session=session, token=token, now=pages.now(request))
        if user is None:
            return _page(
                request,
                status_code=400,
                error=render_message("signin.link_used"),
            )
        session_token = start_session(
            session=session,
            user=user,
            now=pages.now(request),
            remote_addr=pages.remote_addr(request),
        )
    return _signed_in(request, session_token, "/")


@router.post("/signout")
def signout(request: Request) -> Response:
    token = request.cookies.get(pages.SESSION_COOKIE)
    if token:
        with pages.db(request) as session:
            end_session(session=session, token=token)
    response = pages.redirect(request, "/signin")
    response.delete_cookie(pages.SESSION_COOKIE, path="/")
    return response
