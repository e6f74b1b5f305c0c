"""roadmap runs can be archived: kept for reports, left out of the daily run (#14)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("roadmap_run") as batch:
        batch.add_column(sa.Column("archived_at", storage.models.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("archived_by", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roadmap_run") as batch:
        batch.drop_column("archived_by")
        batch.drop_column("archived_at")
