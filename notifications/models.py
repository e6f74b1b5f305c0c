"""The letter table: one rendered e-mail (a digest) to one recipient, and its delivery state.

A letter groups the pending outbox items of one recipient. Its subject, both bodies and the whole
MIME message (``mime``, the bytes that go over the wire) are rendered and stored before anything is
sent (render first, send later): delivery only reads bytes, a retry sends the very same letter with
the same Message-ID, and `nastavnik outbox show ID` prints what will go out. Rows composed before
migration 0005 have no ``mime``; delivery builds it from the stored parts.

Statuses: ``pending`` (waiting: for working hours, for its retry time or for the next run),
``sending`` (claimed by a deliverer until ``lease_until``), ``sent`` (the server accepted it),
``failed`` (the server refused it for good, 5xx; ``last_error`` says why), ``cancelled`` (its
items were resolved or merged into a newer rendering before it was ever attempted).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Text
from sqlmodel import Field, SQLModel

from storage.models import _utc_column

LETTER_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


class Letter(SQLModel, table=True):
    """A rendered letter to one recipient and its delivery state."""

    __tablename__ = "letter"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    recipient: str = Field(index=True)
    kind: str = Field(
        description="school, coordinator, head, unit (a municipal unit) or other: who the letter is for."
    )
    status: str = Field(default="pending", index=True)
    message_id: str = Field(
        default="", description="<letter-ID.HASH@domain>, derived from the items."
    )
    mail_from: str = ""
    reply_to: str = ""
    subject: str = ""
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    body_html: str = Field(default="", sa_column=Column(Text, nullable=False))
    mime: bytes | None = Field(
        default=None,
        sa_column=Column(LargeBinary, nullable=True),
        description="The message as sent (ASCII, CRLF), fixed at compose time.",
    )
    item_count: int = 0
    composed_at: datetime | None = _utc_column(nullable=True)
    attempts: int = 0
    next_attempt_at: datetime | None = _utc_column(nullable=True, index=True)
    lease_until: datetime | None = _utc_column(nullable=True)
    last_attempt_at: datetime | None = _utc_column(nullable=True)
    last_error: str | None = None
    sent_at: datetime | None = _utc_column(nullable=True)
    failure_reported_in: int | None = Field(
        default=None, description="The coordinator's letter that reported this letter's failure."
    )
