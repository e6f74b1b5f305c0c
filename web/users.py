"""People who sign in: add users, set passwords, send one-time sign-in links by e-mail."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from common.errors import NastavnikError
from common.messages import render_message
from common.settings import Settings
from notifications.signin import render_signin_letter, send_signin_message, signin_message
from storage.journal import journal_row
from storage.models import Municipality, School, User
from web.auth import (
    LINK_LIFETIME,
    ROLE_TITLES,
    ROLES,
    Principal,
    create_signin_link,
    hash_password,
    issue_calendar_link,
    revoke_calendar_links,
)
from web.models import WebSession

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def add_user(
    *,
    session: Session,
    email: str,
    role: str,
    now: datetime,
    by: str,
    school_id: str | None = None,
    password: str | None = None,
    name: str = "",
    source: str = "cli",
) -> User:
    """Create a user (or update the role, school and password of an existing one); journaled.

    Args:
        session: an open session; the caller commits.
        email: the sign-in e-mail (stored lower-case).
        role: coordinator, school_admin or viewer.
        now: the moment (journaled).
        by: who adds the user.
        school_id: the school of a school admin (required for that role, refused for others).
        password: a password of at least 8 characters, or None to sign in by links only.
        name: the person's name, shown on pages.
    """
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise NastavnikError(code="email.invalid", field="email", email=email)
    if role not in ROLES:
        raise NastavnikError(
            code="users.unknown_role", field="role", role=role, known=", ".join(ROLES)
        )
    if role == "school_admin":
        if not school_id:
            raise NastavnikError(code="users.school_needed", field="school")
        if session.get(School, school_id) is None:
            raise NastavnikError(code="school.unknown", field="school", school=school_id)
    elif school_id:
        raise NastavnikError(
            code="users.whole_municipality",
            field="school",
            role=ROLE_TITLES.get(role, role).capitalize(),
        )
    password_hash = hash_password(password) if password is not None else None
    user = session.exec(select(User).where(User.email == email)).first()
    created = user is None
    if user is None:
        user = User(
            email=email, role=role, school_id=school_id, name=name, created_at=now, active=True
        )
    user.role = role
    user.school_id = school_id
    user.active = True
    if name:
        user.name = name
    if password_hash is not None:
        user.password_hash = password_hash
    session.add(user)
    session.flush()
    session.add(
        journal_row(
            at=now,
            actor=by,
            action="user_add" if created else "user_update",
            source=source,
            school_id=school_id,
            details={"email": email, "role": role, "password": password is not None},
        )
    )
    return user


def _access(role: str, school: School | None) -> str:
    """What an invited person may do, as the letter says it («как ответственному в …»)."""
    if role == "school_admin" and school is not None:
        return render_message("invite.school_admin", school=school.short_name)
    if role == "coordinator":
        return render_message("invite.coordinator")
    if role == "viewer":
        return render_message("invite.viewer")
    return ""


def send_signin_link(
    *, session: Session, settings: Settings, user: User, now: datetime, invitation: bool = False
) -> str:
    """Create a one-time link for the user, commit it, and send the letter now; returns where it went.

    The session is committed before the letter leaves (with whatever else it holds, such as the
    user just added): a link that arrives must already work. If sending fails the committed link
    is unused and expires by itself; nobody ever saw its token.

    Args:
        session: an open session.
        settings: base_url for the link; the SMTP server or mail folder; the sender.
        user: who signs in.
        now: the moment (the link expires LINK_LIFETIME later).
        invitation: the letter of a new account (`users add`) rather than one asked for.

    Raises:
        NastavnikError: the letter was not sent (the server's reason, the transport as ``where``).
    """
    token = create_signin_link(session=session, user=user, now=now)
    municipality = session.exec(select(Municipality).order_by(col(Municipality.id))).first()
    school = session.get(School, user.school_id) if user.school_id else None
    base = settings.base_url.rstrip("/")
    letter = render_signin_letter(
        link=f"{base}/signin/link/{token}",
        signin_page=f"{base}/signin",
        valid_until=now + LINK_LIFETIME,
        timezone=municipality.timezone if municipality else "UTC",
        municipality=municipality.name if municipality else "",
        person_name=user.name,
        invitation=invitation,
        access=_access(user.role, school),
    )
    session.commit()
    message = signin_message(letter=letter, to=user.email, mail_from=settings.mail_from, now=now)
    return send_signin_message(settings=settings, message=message, to=user.email)


def set_user_active(
    *,
    session: Session,
    user: User,
    active: bool,
    now: datetime,
    by: str,
    source: str = "web",
    remote_addr: str | None = None,
) -> None:
    """Disable (or enable again) a user; disabling ends their sessions and calendar link.

    Journaled as user_disable / user_enable. The caller commits.
    """
    user.active = active
    session.add(user)
    if not active:
        session.execute(delete(WebSession).where(col(WebSession.user_id) == user.id))
        revoke_calendar_links(session=session, user_id=user.id or 0, now=now)
    session.add(
        journal_row(
            at=now,
            actor=by,
            action="user_enable" if active else "user_disable",
            source=source,
            remote_addr=remote_addr,
            school_id=user.school_id,
            details={"email": user.email, "role": user.role},
        )
    )


def set_calendar_link(
    *,
    session: Session,
    user: User | Principal,
    issue: bool,
    now: datetime,
    source: str = "web",
    remote_addr: str | None = None,
) -> str | None:
    """Issue the user's own calendar link (revoking an earlier one) or revoke it; journaled as
    calendar_link_issue / calendar_link_revoke. Returns the new token (shown once) or None.

    The caller commits.
    """
    token = None
    if issue:
        token = issue_calendar_link(session=session, user_id=user.id or 0, now=now)
    else:
        revoke_calendar_links(session=session, user_id=user.id or 0, now=now)
    session.add(
        journal_row(
            at=now,
            actor=user.email,
            action="calendar_link_issue" if issue else "calendar_link_revoke",
            source=source,
            remote_addr=remote_addr,
            school_id=user.school_id,
            details={"email": user.email},
        )
    )
    return token
