"""People who sign in, managed by the coordinator: add school admins and viewers, disable, enable,
send the invitation again. Every act is journaled (web/users.py)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from common.errors import NastavnikError
from common.messages import render_message
from common.text import visible_text
from storage.models import School, User
from web import pages
from web.access import Coordinator, NotFound, may_manage_account, sentence
from web.auth import Forbidden, Principal
from web.users import add_user, send_signin_link, set_user_active

router = APIRouter()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ADDABLE_ROLES = {"school_admin": "ответственный в ОО", "viewer": "наблюдатель"}


def _page(
    request: Request,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    users = list(
        session.exec(select(User).order_by(col(User.role), col(User.school_id), col(User.email)))
    )
    schools = {s.id: s for s in session.exec(select(School).order_by(col(School.id)))}
    municipality = pages.municipality(session)
    context: dict[str, Any] = {
        "title": "Пользователи",
        "users": users,
        "schools": schools,
        "roles": ADDABLE_ROLES,
        "errors": errors or {},
        "values": values or {},
        "tz": municipality.timezone if municipality else "UTC",
    }
    return pages.render(request, "users.html", context, status_code=status_code)


@router.get("/users")
def users_page(request: Request, user: Coordinator) -> Response:
    with pages.db(request) as session:
        return _page(request, session)


@router.post("/users")
def users_add(
    request: Request,
    coordinator: Coordinator,
    email: str = Form(""),
    name: str = Form(""),
    role: str = Form(""),
    school: str = Form(""),
) -> Response:
    email, name = email.strip().lower(), visible_text(name)
    values = {"email": email, "name": name, "role": role, "school": school}
    errors: dict[str, str] = {}
    if not _EMAIL.match(email) or len(email) > 254:
        errors["email"] = render_message("users.email_empty")
    if role not in ADDABLE_ROLES:
        errors["role"] = render_message("users.choose_role")
    if len(name) > 200:
        errors["name"] = render_message("users.name_long")
    now = pages.now(request)
    with pages.db(request) as session:
        if role == "school_admin" and session.get(School, school) is None:
            errors["school"] = render_message("users.choose_school")
        if not errors and session.exec(select(User).where(User.email == email)).first():
            errors["email"] = render_message("users.email_taken")
        if errors:
            return _page(request, session, errors=errors, values=values, status_code=400)
        user = add_user(
            session=session,
            email=email,
            role=role,
            school_id=school if role == "school_admin" else None,
            name=name,
            now=now,
            by=coordinator.email,
            source="web",
        )
        invited = _invite(request, session, user)
    message = render_message(
        "notice.user_added" if invited else "notice.user_added_not_invited", email=email
    )
    return pages.redirect(request, "/users", message)


def _invite(request: Request, session: Session, user: User) -> bool:
    """Send the user a sign-in link; False when the mail server did not take it."""
    try:
        send_signin_link(
            session=session,
            settings=pages.state(request).settings,
            user=user,
            now=pages.now(request),
            invitation=True,
        )
    except NastavnikError:
        return False
    return True


def _target(session: Session, coordinator: Principal, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(
            render_message("page.title.user_missing"), render_message("page.no_such_one")
        )
    if not may_manage_account(coordinator, account_id=user_id, account_role=user.role):
        raise Forbidden(sentence(render_message("access.coordinator_accounts")))
    return user


@router.post("/users/{user_id}/{act}")
def users_act(
    request: Request, coordinator: Coordinator, user_id: pages.RowId, act: str
) -> Response:
    if act not in ("disable", "enable", "invite"):
        return pages.error_page(
            request,
            404,
            render_message("page.title.page_missing"),
            render_message("page.no_such_action"),
        )
    now = pages.now(request)
    with pages.db(request) as session:
        user = _target(session, coordinator, user_id)
        if act == "invite":
            if not user.active:
                return pages.redirect(
                    request,
                    "/users",
                    render_message("notice.user_disabled_first", email=user.email),
                )
            invited = _invite(request, session, user)
            message = render_message(
                "notice.user_invited" if invited else "notice.user_not_invited", email=user.email
            )
        else:
            set_user_active(
                session=session,
                user=user,
                active=act == "enable",
                now=now,
                by=coordinator.email,
                remote_addr=pages.remote_addr(request),
            )
            message = render_message(
                "notice.user_enabled" if act == "enable" else "notice.user_disabled",
                email=user.email,
            )
    return pages.redirect(request, "/users", message)
