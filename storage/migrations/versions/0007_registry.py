"""mentorship registry: mentors, mentees, forms, pairs, school totals, surveys

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The six forms of mentorship every municipality starts with (registry/models.py DEFAULT_FORMS),
# written out so that this revision does not change when the code's defaults do.
_FORMS = [
    ("pupil_pupil", "ученик – ученик", "pupil", ["pupil"]),
    ("teacher_teacher", "учитель – учитель", "teacher", ["teacher", "young_specialist"]),
    ("teacher_pupil", "учитель – ученик", "teacher", ["pupil"]),
    ("student_pupil", "студент – ученик", "student", ["pupil"]),
    ("employer_pupil", "работодатель – ученик", "employer", ["pupil"]),
    ("employer_student", "работодатель – студент", "employer", ["student"]),
]


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("updated_at", storage.models.UTCDateTime(), nullable=True),
    ]


def upgrade() -> None:
    forms = op.create_table(
        "mentorship_form",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("mentor_category", sa.String(), nullable=False),
        sa.Column("mentee_categories", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.bulk_insert(
        forms,
        [
            {
                "code": code,
                "title": title,
                "mentor_category": mentor,
                "mentee_categories": mentees,
                "active": True,
                "position": index,
            }
            for index, (code, title, mentor, mentees) in enumerate(_FORMS, start=1)
        ],
    )
    op.create_table(
        "mentor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(), nullable=False),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("position", sa.String(), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("experience_years", sa.Integer(), nullable=True),
        sa.Column("competencies", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("hours_per_month", sa.Integer(), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_date", sa.Date(), nullable=True),
        sa.Column("contacts", sa.String(), nullable=False),
        *_stamps(),
        sa.Column("removed_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mentor_school_id", "mentor", ["school_id"])
    op.create_table(
        "mentee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(), nullable=False),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("school_class", sa.String(), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("experience_years", sa.Integer(), nullable=True),
        sa.Column("position", sa.String(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        *_stamps(),
        sa.Column("removed_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mentee_school_id", "mentee", ["school_id"])
    op.create_table(
        "mentorship_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(), nullable=False),
        sa.Column("form_code", sa.String(), nullable=False),
        sa.Column("programme", sa.String(), nullable=False),
        sa.Column("group_name", sa.String(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["form_code"], ["mentorship_form.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mentorship_pair_school_status", "mentorship_pair", ["school_id", "status"])
    op.create_table(
        "pair_mentor",
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["mentorship_pair.id"]),
        sa.ForeignKeyConstraint(["mentor_id"], ["mentor.id"]),
        sa.PrimaryKeyConstraint("pair_id", "mentor_id"),
    )
    op.create_index("ix_pair_mentor_mentor_id", "pair_mentor", ["mentor_id"])
    op.create_table(
        "pair_mentee",
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["mentorship_pair.id"]),
        sa.ForeignKeyConstraint(["mentee_id"], ["mentee.id"]),
        sa.PrimaryKeyConstraint("pair_id", "mentee_id"),
    )
    op.create_index("ix_pair_mentee_mentee_id", "pair_mentee", ["mentee_id"])
    op.create_table(
        "school_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("pupils_10_18", sa.Integer(), nullable=True),
        sa.Column("pupils_15_18", sa.Integer(), nullable=True),
        sa.Column("young_teachers", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(), nullable=False),
        sa.Column("entered_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "year"),
    )
    op.create_table(
        "survey_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("mentees_took_part", sa.Integer(), nullable=True),
        sa.Column("mentees_satisfied", sa.Integer(), nullable=True),
        sa.Column("mentors_took_part", sa.Integer(), nullable=True),
        sa.Column("mentors_satisfied", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(), nullable=False),
        sa.Column("entered_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "year"),
    )


def downgrade() -> None:
    op.drop_table("survey_result")
    op.drop_table("school_totals")
    op.drop_index("ix_pair_mentee_mentee_id", table_name="pair_mentee")
    op.drop_table("pair_mentee")
    op.drop_index("ix_pair_mentor_mentor_id", table_name="pair_mentor")
    op.drop_table("pair_mentor")
    op.drop_index("ix_mentorship_pair_school_status", table_name="mentorship_pair")
    op.drop_table("mentorship_pair")
    op.drop_index("ix_mentee_school_id", table_name="mentee")
    op.drop_table("mentee")
    op.drop_index("ix_mentor_school_id", table_name="mentor")
    op.drop_table("mentor")
    op.drop_table("mentorship_form")
