"""What every registry page needs besides its scope: the school's records, the form's fields.

Who may see and change a school's registry is the portal's one access model (web/access.py, over
``registry.privacy``): the coordinator and the school's own admin see names; a viewer sees counts
only; an admin of another school sees nothing (403, as everywhere on the portal). A route declares
``RegistryReader``, ``RegistryNames`` or ``RegistryEditor``, so a page meant for names refuses a
viewer before it reads them; a template is never trusted to hide names.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlmodel import Session

from common.messages import render_message
from registry.models import Mentee, Mentor, MentorshipPair
from web import pages
from web.access import NotFound, RegistryScope

# the scope of a registry request; its routes declare it as a dependency (web/access.py)
Scope = RegistryScope


def school_person(session: Session, kind: str, person_id: int, school_id: str) -> Mentor | Mentee:
    """A present (not removed) mentor or mentee of this school, or ``NotFound``.

    A person of another school is "not found" here even for the coordinator: the address names
    the school, and acting on another school's record through it would journal the wrong school.
    """
    # FOR UPDATE (PostgreSQL): a concurrent edit waits here and then sees the new version
    person: Mentor | Mentee | None = (
        session.get(Mentor, person_id, with_for_update=True)
        if kind == "mentor"
        else session.get(Mentee, person_id, with_for_update=True)
    )
    if person is None or person.school_id != school_id:
        if kind == "mentor":
            raise NotFound(
                render_message("page.title.mentor_missing"),
                render_message("page.no_mentor", person=person_id),
            )
        raise NotFound(
            render_message("page.title.mentee_missing"),
            render_message("page.no_mentee", person=person_id),
        )
    if person.removed_at is not None:
        removed = render_message("page.person_removed", kind=kind, person=person_id)
        if kind == "mentor":
            raise NotFound(render_message("page.title.mentor_removed"), removed)
        raise NotFound(render_message("page.title.mentee_removed"), removed)
    return person


def school_pair(session: Session, pair_id: int, school_id: str) -> MentorshipPair:
    """A pair or group of this school, or ``NotFound``."""
    pair = session.get(MentorshipPair, pair_id, with_for_update=True)
    if pair is None or pair.school_id != school_id:
        raise NotFound(
            render_message("page.title.pair_missing"), render_message("page.no_pair", pair=pair_id)
        )
    return pair


def form_text(request: Request) -> dict[str, str]:
    """The submitted form's text fields, stripped (parsed once by the app's CSRF guard)."""
    return {key: value.strip() for key, value in pages.form_values(request).items()}


def form_list(request: Request, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes)."""
    form = getattr(request.state, "form", None)
    if form is None:
        return []
    return [value for value in form.getlist(name) if isinstance(value, str)]


def too_long(values: dict[str, str], limits: dict[str, int]) -> dict[str, str]:
    """Field errors for values over their length limits (the database would take them, people
    would not read them)."""
    return {
        name: render_message("form.too_long", limit=limit)
        for name, limit in limits.items()
        if len(values.get(name, "")) > limit
    }


def first_upper(text: str) -> str:
    """A registry message as a sentence on a page: capital first letter, a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "»")) else text + "."


def context_of(scope: Scope, **extra: Any) -> dict[str, Any]:
    """The template context every registry page shares."""
    return {"school": scope.school, "scope": scope, "today": scope.today, **extra}
