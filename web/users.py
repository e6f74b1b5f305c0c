"""People who sign in: add users, set passwords, send one-time sign-in links (as .eml letters)."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlmodel import Session, select

from nastavnik.errors import NastavnikError
from nastavnik.settings import Settings
from storage.models import JournalEntry, School, User
from web.auth import LINK_LIFETIME, ROLES, create_signin_link, hash_password

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
        raise NastavnikError(f"{email!r} is not an e-mail address", where="EMAIL")
    if role not in ROLES:
        raise NastavnikError(
            f"unknown role {role!r}; expected one of {', '.join(ROLES)}", where="--role"
        )
    if role == "school_admin":
        if not school_id:
            raise NastavnikError("a school admin needs a school: --school ID", where="--school")
        if session.get(School, school_id) is None:
            raise NastavnikError(f"unknown school {school_id!r}", where="--school")
    elif school_id:
        raise NastavnikError(
            f"a {role} sees the whole municipality: leave out --school", where="--school"
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
        JournalEntry(
            at=now,
            actor=by,
            action="user_add" if created else "user_update",
            source="cli",
            school_id=school_id,
            details={"email": email, "role": role, "password": password is not None},
        )
    )
    return user


def signin_letter(*, settings: Settings, user: User, token: str, now: datetime) -> EmailMessage:
    """The letter with a one-time sign-in link."""
    link = f"{settings.base_url.rstrip('/')}/signin/link/{token}"
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = user.email
    message["Subject"] = "Вход в портал «Наставник»"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.partition("@")[2] or "localhost")
    message.set_content(
        "Здравствуйте!\n\n"
        "Чтобы войти в портал внедрения целевой модели наставничества, откройте ссылку:\n\n"
        f"{link}\n\n"
        f"Ссылка действует {minutes} минут и только один раз. Если вы не запрашивали вход, "
        "просто удалите это письмо.\n"
    )
    return message


def write_letter(*, mail_dir: Path, message: EmailMessage, name: str) -> Path:
    """Write a letter as an .eml file into the mail folder (when no sender is configured)."""
    mail_dir.mkdir(parents=True, exist_ok=True)
    path = mail_dir / f"{name}.eml"
    path.write_bytes(bytes(message))
    return path


def send_signin_link(*, session: Session, settings: Settings, user: User, now: datetime) -> Path:
    """Create a one-time link for the user and write the letter into settings.mail_dir.

    The caller commits (the link is valid only once the transaction is committed).
    """
    token = create_signin_link(session=session, user=user, now=now)
    message = signin_letter(settings=settings, user=user, token=token, now=now)
    safe = re.sub(r"[^A-Za-z0-9]+", "_", user.email)
    return write_letter(
        mail_dir=settings.mail_dir,
        message=message,
        name=f"signin-{now:%Y%m%dT%H%M%S}-{safe}-{token[:6]}",
    )
