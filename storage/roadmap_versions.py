"""Roadmap definitions kept in the database with their versions (#14): drafts and published ones.

A roadmap edited in the portal has at most one draft (status ``draft``), the version after the
last published one; publishing turns the draft into that version. Each row keeps the whole
definition as YAML text (what `nastavnik roadmap export` writes), who saved it and when, what
changed (one Russian line per edit, kept while drafting) and the import's problems by step.
The latest published version of each roadmap is loaded next to the YAML files
(definitions.loader ``stored=``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint, func, inspect
from sqlmodel import Field, Session, SQLModel, col, select

from common.errors import NastavnikError
from storage.journal import journal_row
from storage.models import _utc_column

DRAFT = "draft"
PUBLISHED = "published"


class RoadmapVersion(SQLModel, table=True):
    """One version of a roadmap definition edited in the portal: a draft or a published one."""

    __tablename__ = "roadmap_version"
    __table_args__ = (UniqueConstraint("roadmap_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    roadmap_id: str = Field(index=True)
    version: int
    status: str = Field(default=DRAFT, description="draft or published.")
    definition: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    changes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    problems: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    author: str
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()
    published_by: str | None = None
    published_at: datetime | None = _utc_column(nullable=True)


def _table_exists(session: Session) -> bool:
    return bool(inspect(session.connection()).has_table(RoadmapVersion.__tablename__))


def versions_of(*, session: Session, roadmap_id: str) -> list[RoadmapVersion]:
    """Every version of a roadmap, the newest first (the draft, if any, on top)."""
    return list(
        session.exec(
            select(RoadmapVersion)
            .where(RoadmapVersion.roadmap_id == roadmap_id)
            .order_by(col(RoadmapVersion.version).desc())
        )
    )


def draft_of(*, session: Session, roadmap_id: str) -> RoadmapVersion | None:
    """The roadmap's draft, or None."""
    return session.exec(
        select(RoadmapVersion).where(
            RoadmapVersion.roadmap_id == roadmap_id, RoadmapVersion.status == DRAFT
        )
    ).first()


def version_of(*, session: Session, roadmap_id: str, version: int | None) -> RoadmapVersion | None:
    """A version by number; None: the latest published one."""
    query = select(RoadmapVersion).where(RoadmapVersion.roadmap_id == roadmap_id)
    if version is None:
        query = query.where(RoadmapVersion.status == PUBLISHED).order_by(
            col(RoadmapVersion.version).desc()
        )
    else:
        query = query.where(RoadmapVersion.version == version)
    return session.exec(query).first()


def stored_roadmaps(*, session: Session) -> list[RoadmapVersion]:
    """The newest row of every roadmap kept in the database (draft or published), by id."""
    newest = (
        select(RoadmapVersion.roadmap_id, func.max(RoadmapVersion.version).label("top"))
        .group_by(col(RoadmapVersion.roadmap_id))
        .subquery()
    )
    return list(
        session.exec(
            select(RoadmapVersion)
            .join(
                newest,
                (col(RoadmapVersion.roadmap_id) == newest.c.roadmap_id)
                & (col(RoadmapVersion.version) == newest.c.top),
            )
            .order_by(col(RoadmapVersion.roadmap_id))
        )
    )


def published_definitions(*, session: Session) -> list[tuple[str, int, str]]:
    """(roadmap id, version, YAML text) of the latest published version of every roadmap.

    A database the migrations have not reached yet has no such table: then there are none.
    """
    if not _table_exists(session):
        return []
    newest = (
        select(RoadmapVersion.roadmap_id, func.max(RoadmapVersion.version).label("top"))
        .where(RoadmapVersion.status == PUBLISHED)
        .group_by(col(RoadmapVersion.roadmap_id))
        .subquery()
    )
    rows = session.exec(
        select(RoadmapVersion.roadmap_id, RoadmapVersion.version, RoadmapVersion.definition)
        .join(
            newest,
            (col(RoadmapVersion.roadmap_id) == newest.c.roadmap_id)
            & (col(RoadmapVersion.version) == newest.c.top),
        )
        .order_by(col(RoadmapVersion.roadmap_id))
    )
    return [(str(a), int(b), str(c)) for a, b, c in rows]


def save_draft(
    *,
    session: Session,
    roadmap_id: str,
    definition: str,
    by: str,
    now: datetime,
    change: str,
    problems: list[dict[str, Any]] | None = None,
) -> RoadmapVersion:
    """Write the roadmap's draft (creating it as the next version when there is none).

    Args:
        session: an open session; the caller commits.
        roadmap_id: the roadmap's id.
        definition: the whole definition as YAML text.
        by: who edits.
        now: the moment of the edit.
        change: what this edit changed, one line in Russian (shown in the version history).
        problems: the import's problems (only when the draft comes from a file).
    """
    draft = draft_of(session=session, roadmap_id=roadmap_id)
    if draft is None:
        top = session.exec(
            select(func.max(RoadmapVersion.version)).where(RoadmapVersion.roadmap_id == roadmap_id)
        ).one()
        draft = RoadmapVersion(
            roadmap_id=roadmap_id,
            version=int(top or 0) + 1,
            definition=definition,
            changes=[change],
            problems=problems or [],
            author=by,
            created_at=now,
            updated_at=now,
        )
    else:
        draft.definition = definition
        draft.changes = [*draft.changes, change]
        if problems is not None:
            draft.problems = problems
        draft.updated_at = now
    session.add(draft)
    session.flush()
    return draft


def rename_draft(*, session: Session, old_id: str, new_id: str) -> None:
    """Move a never-published draft to a new roadmap id (its header's id changed)."""
    if versions_of(session=session, roadmap_id=new_id):
        raise NastavnikError(code="editor.id_taken", where="id", roadmap=new_id)
    rows = versions_of(session=session, roadmap_id=old_id)
    if any(row.status != DRAFT for row in rows):  # checked before any row changes
        raise NastavnikError(code="editor.published_id", where="id")
    for row in rows:
        row.roadmap_id = new_id
        session.add(row)
    session.flush()


def discard_draft(*, session: Session, roadmap_id: str) -> bool:
    """Delete the roadmap's draft; True when there was one."""
    draft = draft_of(session=session, roadmap_id=roadmap_id)
    if draft is None:
        return False
    session.delete(draft)
    session.flush()
    return True


def publish_draft(
    *,
    session: Session,
    roadmap_id: str,
    by: str,
    now: datetime,
    summary: str,
    source: str = "web",
    remote_addr: str | None = None,
) -> RoadmapVersion:
    """Turn the draft into a published version (the caller has checked it has no errors);
    journaled as roadmap_publish."""
    draft = draft_of(session=session, roadmap_id=roadmap_id)
    if draft is None:
        raise NastavnikError(code="editor.no_draft", where="publish")
    draft.status = PUBLISHED
    draft.summary = summary.strip() or "; ".join(draft.changes)[:2000]
    draft.published_by = by
    draft.published_at = now
    session.add(draft)
    session.add(
        journal_row(
            at=now,
            actor=by,
            action="roadmap_publish",
            source=source,
            remote_addr=remote_addr,
            details={"roadmap": roadmap_id, "version": draft.version},
        )
    )
    session.flush()
    return draft
