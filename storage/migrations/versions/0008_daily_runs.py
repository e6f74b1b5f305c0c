"""operations: the record of daily runs and the portal's secret key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("acts_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("started_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("finished_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("trigger", sa.String(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.String(), nullable=True),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column("decided", sa.Integer(), nullable=True),
        sa.Column("reported_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_daily_run_day", "daily_run", ["day"])
    secret = op.create_table(
        "site_secret",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # every database gets its own key for the portal's cookies and links, never a shared default
    op.bulk_insert(
        secret, [{"id": 1, "value": secrets.token_urlsafe(48), "created_at": datetime.now(UTC)}]
    )


def downgrade() -> None:
    op.drop_table("site_secret")
    op.drop_index("ix_daily_run_day", table_name="daily_run")
    op.drop_table("daily_run")
