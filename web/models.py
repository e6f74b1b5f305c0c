"""The portal's own tables: sessions, sign-in links and attempts, calendar links, uploaded scans.

Tokens are never stored in clear: a row keeps the SHA-256 of the token the browser or the letter
holds, so a copy of the database does not let anyone sign in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from storage.models import UTCDateTime


def _utc(*, nullable: bool = False, index: bool = False) -> datetime | None:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds the token, the row its hash and expiry."""

    __tablename__ = "web_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime | None = _utc()
    expires_at: datetime | None = _utc()
    remote_addr: str | None = None


class SignInLink(SQLModel, table=True):
    """A one-time sign-in link sent by e-mail: single use, expires."""

    __tablename__ = "signin_link"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime | None = _utc()
    expires_at: datetime | None = _utc()
    used_at: datetime | None = _utc(nullable=True)


class Upload(SQLModel, table=True):
    """A signed scan uploaded as evidence for a step instance, stored under documents_dir."""

    __tablename__ = "upload"
    __table_args__ = (Index("ix_upload_instance", "step_instance_id"),)

    id: int | None = Field(default=None, primary_key=True)
    step_instance_id: int = Field(foreign_key="step_instance.id")
    school_id: str | None = Field(default=None, foreign_key="school.id")
    file_name: str
    stored_path: str = Field(description="Path relative to settings.documents_dir.")
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime | None = _utc()


class CalendarLink(SQLModel, table=True):
    """A user's calendar feed link: a random token, stored hashed; revoked when re-issued."""

    __tablename__ = "calendar_link"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime | None = _utc()
    revoked_at: datetime | None = _utc(nullable=True)
    last_used_at: datetime | None = _utc(nullable=True)


class SignInAttempt(SQLModel, table=True):
    """A failed password sign-in or a sign-in link asked for: what the sign-in limits count.

    Kept in the database so that every worker process of the portal counts the same attempts;
    rows older than the longest window are deleted as new ones arrive.
    """

    __tablename__ = "signin_attempt"
    __table_args__ = (
        Index("ix_signin_attempt_address", "kind", "address", "at"),
        Index("ix_signin_attempt_email", "kind", "email", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, description="password_failure or link_request")
    at: datetime | None = _utc(index=True)
    address: str = Field(default="", max_length=64)
    email: str = Field(default="", max_length=320)
