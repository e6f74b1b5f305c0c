"""The letter table: one rendered e-mail (a digest) to one recipient, and its delivery state.

A letter groups the pending outbox items of one recipient. Its subject, both bodies and the whole
MIME message (``mime``, the bytes that go over the wire) are rendered and stored before anything is
sent (render first, send later): delivery only reads bytes, a retry sends the very same letter with
the same Message-ID, and `nastavnik outbox show ID` prints what will go out. Rows composed before
migration 0005 have no ``mime``; delivery builds it from the stored parts.

The bodies and the bytes live in ``letter_content``, one row per letter (since migration 0015):
the ``letter`` row is the delivery state, which every claim and mark rewrites, and on SQLite an
UPDATE rewrites the whole row — with the bodies inside it a mark rewrote a whole digest. A letter
without a content row (a placeholder being composed) has empty bodies and no bytes. ``Letter``
still reads them as ``letter.body_text``, ``letter.body_html`` and ``letter.mime`` (loaded with the
letter, ``content``); writes go through ``notifications.compose`` (Core statements).

Statuses: ``composing`` (a large run's letter chosen and given its items, its content being
rendered by another process; held by that composing until ``lease_until``, never claimed),
``pending`` (waiting: for working hours, for its retry time or for the next run),
``sending`` (claimed by a deliverer until ``lease_until``), ``sent`` (the server accepted it),
``failed`` (the server refused it for good, 5xx; ``last_error`` says why), ``cancelled`` (its
items were resolved or merged into a newer rendering before it was ever attempted).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Integer, LargeBinary, Text
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel

from storage.models import _utc_column

LETTER_STATUSES = ("composing", "pending", "sending", "sent", "failed", "cancelled")


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
    content: LetterContent | None = Relationship(
        # read-only here (compose writes it); loaded with the letter, so a letter read in a session
        # still shows its bodies after the session ends. A list of letters opts out (noload).
        sa_relationship=relationship(
            "LetterContent",
            lazy="selectin",
            uselist=False,
            viewonly=True,
            primaryjoin="Letter.id == foreign(LetterContent.letter_id)",
        )
    )

    @property
    def body_text(self) -> str:
        """The plain-text body ('' before the letter is composed)."""
        return self.content.body_text if self.content is not None else ""

    @property
    def body_html(self) -> str:
        """The HTML body ('' when none)."""
        return self.content.body_html if self.content is not None else ""

    @property
    def mime(self) -> bytes | None:
        """The message as sent (ASCII, CRLF), fixed at compose time; None for rows before 0005."""
        return self.content.mime if self.content is not None else None


class LetterContent(SQLModel, table=True):
    """What a letter says: its bodies and its whole message, apart from its delivery state."""

    __tablename__ = "letter_content"

    # no foreign key, like outbox.letter_id: SQLite rebuilds ``letter`` in batch migrations, and
    # a key pointing at it would refuse the rebuild (PRAGMA foreign_keys is on)
    letter_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    body_html: str = Field(default="", sa_column=Column(Text, nullable=False))
    mime: bytes | None = Field(
        default=None,
        sa_column=Column(LargeBinary, nullable=True),
        description="The message as sent (ASCII, CRLF), fixed at compose time.",
    )
