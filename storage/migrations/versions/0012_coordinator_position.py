"""the municipal coordinator's position, printed by the documents that name the coordinator

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("municipality") as batch:
        batch.add_column(
            sa.Column("coordinator_position", sa.String(), nullable=False, server_default="")
        )


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite ≥ 3.35): batch mode would recreate the table, which the
    # schools' foreign keys to it refuse on a database with data
    op.drop_column("municipality", "coordinator_position")
