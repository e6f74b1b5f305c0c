"""municipal units (ИМЦ, экспертный совет) with their own e-mail for their steps' letters

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "municipal_unit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "municipality_id", sa.Integer(), sa.ForeignKey("municipality.id"), nullable=False
        ),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_genitive", sa.String(), nullable=False, server_default=""),
        sa.Column("name_dative", sa.String(), nullable=False, server_default=""),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("municipality_id", "role"),
    )
    op.create_index("ix_municipal_unit_municipality_id", "municipal_unit", ["municipality_id"])


def downgrade() -> None:
    op.drop_index("ix_municipal_unit_municipality_id", table_name="municipal_unit")
    op.drop_table("municipal_unit")
