"""The signed-in user's own page: who they are, and their calendar link (issue, re-issue, revoke)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web import pages
from web.auth import live_calendar_link
from web.users import set_calendar_link

router = APIRouter()


def _page(request: Request, *, new_link: str | None = None) -> Response:
    user = pages.require_user(request)
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
def account_page(request: Request) -> Response:
    return _page(request)


@router.post("/account/calendar")
def calendar_link_act(request: Request, action: str = Form("")) -> Response:
    user = pages.require_user(request)
    now = pages.now(request)
    if action not in ("issue", "revoke"):
        return pages.error_page(request, 400, "Неверный запрос", "Неизвестное действие.")
    with pages.db(request) as session:
        token = set_calendar_link(
            session=session,
            user=user,
            issue=action == "issue",
            now=now,
            remote_addr=pages.remote_addr(request),
        )
    if token is None:
        return pages.redirect(request, "/account", "Ссылка на календарь отозвана.")
    base = pages.state(request).settings.base_url.rstrip("/")
    return _page(request, new_link=f"{base}/calendar/{token}.ics")
