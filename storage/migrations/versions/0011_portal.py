"""portal: school territory (the matrix groups by it), the moment a step was marked

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("school") as batch:
        batch.add_column(sa.Column("territory", sa.String(), nullable=False, server_default=""))
    with op.batch_alter_table("step_instance") as batch:
        batch.add_column(sa.Column("marked_at", storage.models.UTCDateTime(), nullable=True))
    # before this revision the mark's moment was not kept apart: the last act on the step says it
    op.execute(
        "UPDATE step_instance SET marked_at = updated_at WHERE state IN ('done', 'done_late')"
    )


def downgrade() -> None:
    with op.batch_alter_table("step_instance") as batch:
        batch.drop_column("marked_at")
    with op.batch_alter_table("school") as batch:
        batch.drop_column("territory")
