"""a letter's bodies and MIME bytes in a table of their own (letter_content)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

Every claim and every mark of a letter is an UPDATE of its ``letter`` row, and SQLite rewrites
the whole row at each: with its text, HTML and MIME bytes inside, marking a digest sent rewrote
the digest. The bodies and the bytes move to ``letter_content`` (one row per letter, keyed by the
letter's id); ``letter`` keeps the delivery state. The data moves both ways.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letter_content",
        # no foreign key (as outbox.letter_id): SQLite's batch rebuild of ``letter`` drops the table
        sa.Column("letter_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("mime", sa.LargeBinary(), nullable=True),
    )
    op.execute(
        "INSERT INTO letter_content (letter_id, body_text, body_html, mime) "
        "SELECT id, body_text, body_html, mime FROM letter"
    )
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.drop_column("mime")
        batch_op.drop_column("body_html")
        batch_op.drop_column("body_text")


def downgrade() -> None:
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("mime", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE letter SET "
        "body_text = COALESCE((SELECT c.body_text FROM letter_content c WHERE c.letter_id = letter.id), ''), "
        "body_html = COALESCE((SELECT c.body_html FROM letter_content c WHERE c.letter_id = letter.id), ''), "
        "mime = (SELECT c.mime FROM letter_content c WHERE c.letter_id = letter.id)"
    )
    op.drop_table("letter_content")
