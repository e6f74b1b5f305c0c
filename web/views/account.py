"""The signed-in user's own page: who they are, and their calendar link (issue, re-issue, revoke)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from common.messages import render_message
from web import pages
from web.access import SignedIn
from web.auth import Principal, live_calendar_link
from web.users import set_calendar_link

router = APIRouter()


def _page(request: Request, user: Principal, *, new_link: str | None = None) -> Response:
    with pages.db(request) as session:
        municipality = pages.municipality(session)
        link = live_calendar_link(session=session, user_id=user.id)
    return pages.render(
        request,
        "account.html",
        {
            "title": "Мой профиль",
            "account": user,
            "link": link,
            "new_link": new_link,
            "tz": municipality.timezone if municipality else "UTC",
        },
    )


@router.get("/account")
def account_page(request: Request, user: SignedIn) -> Response:
    return _page(request, user)


@router.post("/account/calendar")
def calendar_link_act(request: Request, user: SignedIn, action: str = Form("")) -> Response:
    now = pages.now(request)
    if action not in ("issue", "revoke"):
        return pages.error_page(
            request,
            400,
            render_message("page.title.bad_request"),
            render_message("page.unknown_action"),
        )
    with pages.db(request) as session:
        token = set_calendar_link(
            session=session,
            user=user,
            issue=action == "issue",
            now=now,
            remote_addr=pages.remote_addr(request),
        )
    if token is None:
        return pages.redirect(request, "/account", render_message("account.calendar_revoked"))
    base = pages.state(request).settings.base_url.rstrip("/")
    return _page(request, user, new_link=f"{base}/calendar/{token}.ics")
