"""tick watermarks: decide only what changed since the last tick

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("step_instance") as batch:
        batch.add_column(
            sa.Column("tick_dirty", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_index(
        "ix_step_instance_tick_dirty",
        "step_instance",
        ["unit"],
        sqlite_where=sa.text("tick_dirty"),
        postgresql_where=sa.text("tick_dirty"),
    )
    op.create_table(
        "tick_watermark",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("step_code", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("ticked_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["roadmap_run.id"]),
        sa.PrimaryKeyConstraint("run_id", "step_code", "level"),
    )


def downgrade() -> None:
    op.drop_table("tick_watermark")
    op.drop_index("ix_step_instance_tick_dirty", table_name="step_instance")
    with op.batch_alter_table("step_instance") as batch:
        batch.drop_column("tick_dirty")
