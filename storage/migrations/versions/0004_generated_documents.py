"""generated documents attached to step instances

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generated_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_instance_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.String(), nullable=True),
        sa.Column("template_id", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("rendered_by", sa.String(), nullable=False),
        sa.Column("rendered_at", storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["step_instance_id"], ["step_instance.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_generated_document_step_instance_id", "generated_document", ["step_instance_id"]
    )
    op.create_index("ix_generated_document_school_id", "generated_document", ["school_id"])


def downgrade() -> None:
    op.drop_table("generated_document")
