"""store the ready MIME bytes of a letter at compose time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21

Delivery then only reads bytes and sends them. The column is nullable: letters composed before
this revision keep NULL and are built from their stored subject and bodies when they go out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER everything in place; on PostgreSQL it is a plain ALTER TABLE
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mime", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.drop_column("mime")
