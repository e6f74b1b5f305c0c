"""What every registry page needs: the school, who may see its names, who may change it.

Personal data (152-ФЗ) is decided on the server by ``registry.privacy``: the coordinator and the
school's own admin see names; a viewer sees counts only; an admin of another school sees nothing
(403, as everywhere on the portal). A template is never trusted to hide names: a page meant for
names refuses a viewer before it reads them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ParamSpec

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from registry.models import Mentee, Mentor, MentorshipPair
from registry.privacy import Access, registry_access
from storage.models import School
from storage.schools import municipal_today
from web import pages
from web.auth import Forbidden, Principal

P = ParamSpec("P")


class NotFound(Exception):
    """A school, person or pair that is not there (rendered as a 404 page with its reason)."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title
        self.message = message


def with_not_found(view: Callable[P, Response]) -> Callable[P, Response]:
    """Render ``NotFound`` raised by a view as a 404 page (the app has no handler for it)."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return view(*args, **kwargs)
        except NotFound as missing:
            request = kwargs.get("request")
            assert isinstance(request, Request), "registry views take request as a keyword"
            return pages.error_page(request, 404, missing.title, missing.message)

    return wrapped


@dataclass(frozen=True)
class SchoolInfo:
    """The school as the pages name it: plain values that outlive the transaction (a rollback
    expires ORM rows, and an error page is rendered after one)."""

    id: str
    short_name: str
    name: str


@dataclass(frozen=True)
class Scope:
    """A registry request: who asks, about which school, and what they may see and do."""

    user: Principal
    school: SchoolInfo
    access: Access
    today: date

    @property
    def can_change(self) -> bool:
        """Names visible and the school changeable: the coordinator or the school's own admin."""
        return self.access == "names" and self.user.can_change_school(self.school.id)

    @property
    def page(self) -> str:
        """The school's registry page."""
        return f"/schools/{self.school.id}/registry"


def school_scope(
    request: Request, session: Session, school_id: str, *, need: str = "counts"
) -> Scope:
    """Authorise a registry request: ``need`` is "counts" (any view), "names" or "change".

    Access is decided before the school is looked up, so an admin of another school learns
    nothing (not even whether an id exists) from a 404.
    """
    user = pages.require_user(request, session)
    access = registry_access(user, school_id)
    if access == "none":
        raise Forbidden("Реестр наставничества другой образовательной организации недоступен.")
    school = session.get(School, school_id)
    if school is None:
        raise NotFound("Школа не найдена", f"Нет образовательной организации «{school_id}».")
    scope = Scope(
        user=user,
        school=SchoolInfo(id=school.id, short_name=school.short_name, name=school.name),
        access=access,
        today=municipal_today(session, pages.now(request)),
    )
    if need in ("names", "change") and access != "names":
        raise Forbidden(
            "Персональные данные реестра видят только координатор и ответственный этой школы; "
            "наблюдателю доступны только количества."
        )
    if need == "change" and not scope.can_change:
        raise Forbidden("У вашей роли нет прав на изменение реестра.")
    return scope


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
    noun = "Наставник" if kind == "mentor" else "Наставляемый"
    if person is None or person.school_id != school_id:
        whom = "наставника" if kind == "mentor" else "наставляемого"
        raise NotFound(
            f"{noun} не найден", f"В реестре этой школы нет записи {whom} № {person_id}."
        )
    if person.removed_at is not None:
        raise NotFound(
            f"{noun} удалён",
            f"Запись {kind}:{person_id} удалена по запросу: её данные стёрты.",
        )
    return person


def school_pair(session: Session, pair_id: int, school_id: str) -> MentorshipPair:
    """A pair or group of this school, or ``NotFound``."""
    pair = session.get(MentorshipPair, pair_id, with_for_update=True)
    if pair is None or pair.school_id != school_id:
        raise NotFound("Пара не найдена", f"В реестре этой школы нет пары № {pair_id}.")
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
        name: f"Слишком длинно: не больше {limit} символов."
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
