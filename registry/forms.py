"""Forms of mentorship (формы наставничества): which categories each form joins, per municipality.

Migration 0007 writes the six forms of the issue; a municipality changes titles, adds its own or
turns one off with ``set_form`` (`nastavnik registry forms set …`). Pairs name a form by its code
or by its title as people type it («Учитель-ученик», «педагог – педагог»).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, col, select

from common.errors import NastavnikError
from engine.actions import Actor
from registry.models import MENTEE_CATEGORIES, MENTOR_CATEGORIES, MentorshipForm
from registry.values import normalise_word
from storage.journal import record_act

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


def list_forms(session: Session, *, active_only: bool = False) -> list[MentorshipForm]:
    """The municipality's forms in their order."""
    query = select(MentorshipForm).order_by(col(MentorshipForm.position), MentorshipForm.code)
    if active_only:
        query = query.where(MentorshipForm.active == True)  # noqa: E712  (SQL, not Python)
    return list(session.exec(query))


def form_key(text: str) -> str:
    """A title as compared: no quotes, one dash, «педагог» = «учитель», «обучающийся» = «ученик»."""
    text = normalise_word(text).strip("«»\"' ")
    text = re.sub(r"\s*[-–—]+\s*", " – ", text)
    return text.replace("педагог", "учитель").replace("обучающийся", "ученик")


def find_form(forms: list[MentorshipForm], text: str) -> MentorshipForm | None:
    """The form named by its code or its title (quotes, dashes and case ignored)."""
    wanted = text.strip()
    for form in forms:
        if form.code == wanted:
            return form
    key = form_key(wanted)
    for form in forms:
        if form_key(form.title) == key:
            return form
    return None


def set_form(
    *,
    session: Session,
    code: str,
    actor: Actor,
    now: datetime,
    title: str | None = None,
    mentor_category: str | None = None,
    mentee_categories: list[str] | None = None,
    active: bool | None = None,
) -> MentorshipForm:
    """Add a form or change one; categories are ids (teacher, pupil, student, employer, …)."""
    if not _CODE.match(code):
        raise NastavnikError(code="registry.form_code", field="code", form=code)
    if mentor_category is not None and mentor_category not in MENTOR_CATEGORIES:
        raise NastavnikError(
            code="registry.unknown_mentor_category",
            field="mentor_category",
            category=mentor_category,
            known=", ".join(MENTOR_CATEGORIES),
        )
    for category in mentee_categories or []:
        if category not in MENTEE_CATEGORIES:
            raise NastavnikError(
                code="registry.unknown_mentee_category",
                field="mentee_categories",
                category=category,
                known=", ".join(MENTEE_CATEGORIES),
            )
    form = session.get(MentorshipForm, code)
    if form is None:
        if not title or mentor_category is None or not mentee_categories:
            raise NastavnikError(code="registry.form_incomplete", where=code)
        position = len(list_forms(session)) + 1
        form = MentorshipForm(
            code=code,
            title=title,
            mentor_category=mentor_category,
            mentee_categories=mentee_categories,
            position=position,
        )
    if title is not None:
        if not title.strip():
            raise NastavnikError(code="registry.title_empty", field="title")
        form.title = title.strip()
    if mentor_category is not None:
        form.mentor_category = mentor_category
    if mentee_categories is not None:
        form.mentee_categories = list(mentee_categories)
    if active is not None:
        form.active = active
    session.add(form)
    record_act(
        session,
        actor=actor,
        action="registry_form",
        now=now,
        school_id=None,
        details={"form": code, "active": form.active},
    )
    session.flush()
    return form
