"""roadmap definitions kept in the database with their versions: drafts and published (#14)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roadmap_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roadmap_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("published_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("published_at", storage.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("roadmap_id", "version"),
    )
    op.create_index(
        op.f("ix_roadmap_version_roadmap_id"), "roadmap_version", ["roadmap_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_roadmap_version_roadmap_id"), table_name="roadmap_version")
    op.drop_table("roadmap_version")
