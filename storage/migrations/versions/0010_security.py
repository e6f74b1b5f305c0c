"""portal security: calendar links as stored random tokens, sign-in attempts shared by workers,
pairs numbered within their school

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_link",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_calendar_link_user_id", "calendar_link", ["user_id"])
    op.create_table(
        "signin_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signin_attempt_at", "signin_attempt", ["at"])
    op.create_index("ix_signin_attempt_address", "signin_attempt", ["kind", "address", "at"])
    op.create_index("ix_signin_attempt_email", "signin_attempt", ["kind", "email", "at"])

    # pairs are numbered within their school (1, 2, …) in the order they were made
    op.add_column("mentorship_pair", sa.Column("number", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE mentorship_pair SET number = (SELECT COUNT(*) FROM mentorship_pair AS earlier "
        "WHERE earlier.school_id = mentorship_pair.school_id AND earlier.id <= mentorship_pair.id)"
    )
    op.create_index(
        "ux_mentorship_pair_school_number",
        "mentorship_pair",
        ["school_id", "number"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_mentorship_pair_school_number", table_name="mentorship_pair")
    with op.batch_alter_table("mentorship_pair") as batch:
        batch.drop_column("number")
    op.drop_index("ix_signin_attempt_email", table_name="signin_attempt")
    op.drop_index("ix_signin_attempt_address", table_name="signin_attempt")
    op.drop_index("ix_signin_attempt_at", table_name="signin_attempt")
    op.drop_table("signin_attempt")
    op.drop_index("ix_calendar_link_user_id", table_name="calendar_link")
    op.drop_table("calendar_link")
