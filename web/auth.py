"""Who is signed in: passwords, sessions, sign-in and calendar links, CSRF.

Plain functions over a session and the clock; the views call them. The roles are ROLES; what
each may do is web/access.py.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, update
from sqlmodel import Session, col, select

from common.errors import NastavnikError
from storage.models import User
from web.models import CalendarLink, SignInLink, WebSession

ROLES = ("coordinator", "school_admin", "viewer")
ROLE_TITLES = {
    "coordinator": "координатор",
    "school_admin": "ответственный в ОО",
    "viewer": "наблюдатель",
}
SESSION_LIFETIME = timedelta(hours=12)
LINK_LIFETIME = timedelta(minutes=30)

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verifying against this keeps the timing of an unknown e-mail like that of a wrong password
    (made on the first sign-in, not when the module is imported: one hash is ≈ 0.2 s of CPU)."""
    return hasher.hash("nastavnik-dummy-password")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    if len(password) < 8:
        raise NastavnikError(code="password.too_short", field="password", length=8)
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as stored in the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    stored = (
        user.password_hash
        if user is not None and user.active and user.password_hash
        else _dummy_hash(_hasher)
    )
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or not user.password_hash:
        return None
    return user


def start_session(*, session: Session, user: User, now: datetime, remote_addr: str | None) -> str:
    """Create a session row; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user.id or 0,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            remote_addr=remote_addr,
        )
    )
    # old expired sessions of this user go when a new one starts
    session.execute(
        delete(WebSession).where(
            col(WebSession.user_id) == user.id, col(WebSession.expires_at) < now
        )
    )
    return token


def end_session(*, session: Session, token: str) -> None:
    """Delete the session row (sign out)."""
    session.execute(delete(WebSession).where(col(WebSession.token_hash) == token_hash(token)))


# what a Principal is made of, read with the session row: by session_principal, and together
# with the step instance a form acts on by the step actions (web/views/action_runner.py)
SESSION_COLUMNS = (
    User.id,
    User.email,
    User.role,
    User.school_id,
    User.name,
    User.active,
    WebSession.expires_at,
)

_SESSION_LOOKUP = (
    select(*SESSION_COLUMNS)  # type: ignore[call-overload]
    .join(WebSession, WebSession.user_id == User.id)
    .where(WebSession.token_hash == bindparam("token_hash"))
)


def session_principal(*, session: Session, token: str | None, now: datetime) -> Principal | None:
    """The active user of a live session token, or None.

    Every request asks this, so it is one prepared statement over the columns a Principal
    needs, not an ORM load of the user row (that cost more than the lookup itself).
    """
    if not token or len(token) > 100:
        return None
    row = session.connection().execute(_SESSION_LOOKUP, {"token_hash": token_hash(token)}).first()
    return None if row is None else principal_from_columns(row, now=now)


def principal_from_columns(values: Sequence[Any], *, now: datetime) -> Principal | None:
    """The Principal of SESSION_COLUMNS' values, or None when the session expired or the user
    was deactivated."""
    user_id, email, role, school_id, name, active, expires_at = values
    if expires_at is None or expires_at <= now or not active:
        return None
    return Principal(id=user_id, email=email, role=role, school_id=school_id, name=name)


def create_signin_link(*, session: Session, user: User, now: datetime) -> str:
    """A one-time token for a sign-in link; valid for LINK_LIFETIME."""
    token = secrets.token_urlsafe(32)
    session.add(
        SignInLink(
            token_hash=token_hash(token),
            user_id=user.id or 0,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    return token


def peek_signin_link(*, session: Session, token: str, now: datetime) -> User | None:
    """The user a link signs in, if it is unused and unexpired (does not use it)."""
    link = session.get(SignInLink, token_hash(token)) if token and len(token) <= 100 else None
    if (
        link is None
        or link.used_at is not None
        or link.expires_at is None
        or link.expires_at <= now
    ):
        return None
    user = session.get(User, link.user_id)
    return user if user is not None and user.active else None


def use_signin_link(*, session: Session, token: str, now: datetime) -> User | None:
    """Use a link once: the UPDATE matches only an unused, unexpired link, so two clicks race safely."""
    user = peek_signin_link(session=session, token=token, now=now)
    if user is None:
        return None
    result = session.execute(
        update(SignInLink)
        .where(col(SignInLink.token_hash) == token_hash(token), col(SignInLink.used_at).is_(None))
        .values(used_at=now)
    )
    return user if result.rowcount == 1 else None  # type: ignore[attr-defined]


def csrf_token(*, secret: str, session_token: str) -> str:
    """The CSRF token bound to a session (or pre-session) cookie: an HMAC, nothing stored."""
    return hmac.new(secret.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def check_csrf(*, secret: str, session_token: str | None, submitted: str | None) -> bool:
    """Whether the submitted token belongs to this browser's cookie."""
    if not session_token or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret=secret, session_token=session_token), submitted)


def issue_calendar_link(*, session: Session, user_id: int, now: datetime) -> str:
    """A new random calendar token for the user; any earlier one is revoked. Returns the token,
    which is shown once: only its hash is kept."""
    revoke_calendar_links(session=session, user_id=user_id, now=now)
    token = secrets.token_urlsafe(32)
    session.add(CalendarLink(token_hash=token_hash(token), user_id=user_id, created_at=now))
    return token


def revoke_calendar_links(*, session: Session, user_id: int, now: datetime) -> int:
    """Revoke the user's live calendar links; returns how many were live."""
    result = session.execute(
        update(CalendarLink)
        .where(col(CalendarLink.user_id) == user_id, col(CalendarLink.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def live_calendar_link(*, session: Session, user_id: int) -> CalendarLink | None:
    """The user's live calendar link (its hash and dates), or None."""
    return session.exec(
        select(CalendarLink).where(
            CalendarLink.user_id == user_id, col(CalendarLink.revoked_at).is_(None)
        )
    ).first()


def calendar_link_user(*, session: Session, token: str, now: datetime) -> User | None:
    """The active user whose live calendar link this token is, or None; notes when it was used."""
    if not token or len(token) > 100:
        return None
    link = session.get(CalendarLink, token_hash(token))
    if link is None or link.revoked_at is not None:
        return None
    user = session.get(User, link.user_id)
    if user is None or not user.active:
        return None
    link.last_used_at = now
    session.add(link)
    return user


# --- who is signed in ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the views need it (what they may do: web/access.py)."""

    id: int
    email: str
    role: str
    school_id: str | None
    name: str


def principal_of(user: User) -> Principal:
    """The Principal of a User row."""
    return Principal(
        id=user.id or 0, email=user.email, role=user.role, school_id=user.school_id, name=user.name
    )


class Forbidden(Exception):
    """Raised by a view when the signed-in user may not do this (rendered as 403)."""
