"""Tables of the mentorship registry (реестр наставничества): who mentors whom, per school.

Every person and pair belongs to one school. People are never deleted while they take part in
statistics: a person removed on request (``removed_at``) keeps only the depersonalised fields the
indicators need (category, age), their name and everything else personal is erased.

Categories of people (``category``):

- mentors: ``teacher`` (педагог), ``pupil`` (обучающийся), ``student`` (студент),
  ``employer`` (представитель работодателя);
- mentees: ``pupil`` (обучающийся, with age and class), ``student`` (студент), ``teacher``
  (педагог), ``young_specialist`` (молодой специалист, 0–3 years of experience).

A pair (``MentorshipPair``) joins one or more mentors to one or more mentees (a group when more
than two people) in a form of mentorship, for a programme and a period.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import _utc_column

MENTOR_CATEGORIES: dict[str, str] = {
    "teacher": "педагог",
    "pupil": "обучающийся",
    "student": "студент",
    "employer": "представитель работодателя",
}
MENTEE_CATEGORIES: dict[str, str] = {
    "pupil": "обучающийся",
    "student": "студент",
    "teacher": "педагог",
    "young_specialist": "молодой специалист",
}
PAIR_STATUSES: dict[str, str] = {
    "active": "действует",
    "finished": "завершена",
    "cancelled": "прекращена",
}

# The six forms of the issue; a municipality edits the table (registry forms …) to change them.
DEFAULT_FORMS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("pupil_pupil", "ученик – ученик", "pupil", ("pupil",)),
    ("teacher_teacher", "учитель – учитель", "teacher", ("teacher", "young_specialist")),
    ("teacher_pupil", "учитель – ученик", "teacher", ("pupil",)),
    ("student_pupil", "студент – ученик", "student", ("pupil",)),
    ("employer_pupil", "работодатель – ученик", "employer", ("pupil",)),
    ("employer_student", "работодатель – студент", "employer", ("student",)),
)


class MentorshipForm(SQLModel, table=True):
    """A form of mentorship (форма наставничества) and which categories it joins."""

    __tablename__ = "mentorship_form"

    code: str = Field(primary_key=True, description="Stable id: teacher_pupil, pupil_pupil, …")
    title: str = Field(description="The form as documents write it: «учитель – ученик».")
    mentor_category: str = Field(description="The category a mentor of this form must have.")
    mentee_categories: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="The categories a mentee of this form may have.",
    )
    active: bool = Field(default=True, description="Offered for new pairs.")
    position: int = Field(default=0, description="Order in lists and documents.")


class Mentor(SQLModel, table=True):
    """A mentor (наставник) of a school's base of mentors."""

    __tablename__ = "mentor"

    id: int | None = Field(default=None, primary_key=True)
    school_id: str = Field(foreign_key="school.id", index=True)
    full_name: str = Field(description="Фамилия Имя Отчество; empty once removed on request.")
    category: str
    position: str = Field(default="", description="Position, or class for a pupil («10 А»).")
    age: int | None = Field(default=None, description="Age in years (pupils: for indicator 2).")
    experience_years: int | None = None
    competencies: str = Field(default="", sa_column=Column(Text, nullable=False))
    capacity: int = Field(default=1, description="How many mentees the mentor can take at once.")
    hours_per_month: int | None = None
    consent: bool = Field(default=False, description="Consent to personal data processing.")
    consent_date: date | None = None
    contacts: str = ""
    version: int = 1
    created_at: datetime | None = _utc_column(nullable=True)
    updated_at: datetime | None = _utc_column(nullable=True)
    removed_at: datetime | None = _utc_column(nullable=True)


class Mentee(SQLModel, table=True):
    """A mentee (наставляемый) of a school's base of mentees."""

    __tablename__ = "mentee"

    id: int | None = Field(default=None, primary_key=True)
    school_id: str = Field(foreign_key="school.id", index=True)
    full_name: str = Field(description="Фамилия Имя Отчество; empty once removed on request.")
    category: str
    school_class: str = Field(default="", description="Class of a pupil: «7 Б».")
    age: int | None = Field(default=None, description="Age in years (pupils: for indicator 1).")
    experience_years: int | None = Field(
        default=None, description="Years of teaching (young specialists: 0–3)."
    )
    position: str = Field(default="", description="Position of a teacher or a young specialist.")
    request: str = Field(
        default="",
        sa_column=Column(Text, nullable=False),
        description="What the mentee asks for (запрос); empty: not looking for a mentor.",
    )
    version: int = 1
    created_at: datetime | None = _utc_column(nullable=True)
    updated_at: datetime | None = _utc_column(nullable=True)
    removed_at: datetime | None = _utc_column(nullable=True)


class MentorshipPair(SQLModel, table=True):
    """A mentoring pair or group (наставническая пара, группа) of one school."""

    __tablename__ = "mentorship_pair"
    __table_args__ = (
        Index("ix_mentorship_pair_school_status", "school_id", "status"),
        Index("ux_mentorship_pair_school_number", "school_id", "number", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: str = Field(foreign_key="school.id")
    number: int | None = Field(
        default=None, description="The pair's number within its school (1, 2, …), shown to people."
    )
    form_code: str = Field(foreign_key="mentorship_form.code")
    programme: str = Field(default="", description="The mentorship programme it works by.")
    group_name: str | None = Field(default=None, description="«Группа № 1» for a group.")
    start_date: date
    end_date: date
    status: str = Field(default="active", description="active, finished or cancelled.")
    version: int = 1
    created_at: datetime | None = _utc_column(nullable=True)
    updated_at: datetime | None = _utc_column(nullable=True)


class PairMentor(SQLModel, table=True):
    """A mentor of a pair or group."""

    __tablename__ = "pair_mentor"

    pair_id: int = Field(foreign_key="mentorship_pair.id", primary_key=True)
    mentor_id: int = Field(foreign_key="mentor.id", primary_key=True, index=True)


class PairMentee(SQLModel, table=True):
    """A mentee of a pair or group."""

    __tablename__ = "pair_mentee"

    pair_id: int = Field(foreign_key="mentorship_pair.id", primary_key=True)
    mentee_id: int = Field(foreign_key="mentee.id", primary_key=True, index=True)


class SchoolTotals(SQLModel, table=True):
    """A school's head counts for a year, entered by the school: the indicators' denominators."""

    __tablename__ = "school_totals"
    __table_args__ = (UniqueConstraint("school_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: str = Field(foreign_key="school.id")
    year: int
    pupils_10_18: int | None = Field(default=None, description="Pupils aged 10 to 18.")
    pupils_15_18: int | None = Field(default=None, description="Pupils aged 15 to 18.")
    young_teachers: int | None = Field(
        default=None, description="Teachers who are young specialists (0–3 years)."
    )
    entered_by: str = ""
    entered_at: datetime | None = _utc_column(nullable=True)


class SurveyResult(SQLModel, table=True):
    """A school's satisfaction survey for a year, as counts (опрос удовлетворённости)."""

    __tablename__ = "survey_result"
    __table_args__ = (UniqueConstraint("school_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: str = Field(foreign_key="school.id")
    year: int
    mentees_took_part: int | None = None
    mentees_satisfied: int | None = None
    mentors_took_part: int | None = None
    mentors_satisfied: int | None = None
    entered_by: str = ""
    entered_at: datetime | None = _utc_column(nullable=True)


def default_form_rows() -> list[dict[str, Any]]:
    """The six default forms as rows (the migration inserts them)."""
    return [
        {
            "code": code,
            "title": title,
            "mentor_category": mentor,
            "mentee_categories": list(mentees),
            "active": True,
            "position": index,
        }
        for index, (code, title, mentor, mentees) in enumerate(DEFAULT_FORMS, start=1)
    ]
