"""The portal's own tables: sign-in sessions, one-time sign-in links and uploaded scans.

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
