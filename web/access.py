"""Who may do what on the portal: one model, as plain functions and as typed FastAPI dependencies.

The roles (web/auth.py, `nastavnik users add --role`):
- coordinator (муниципальный координатор): reads and changes everything;
- viewer (наблюдатель): reads everything but the registry's names, changes nothing;
- school_admin (ответственный в ОО): reads and changes their own school, nothing else.

What a page or form needs is a ``Right``; ``allows`` is the one table of who holds it (over a
school, the registry's rule of ``registry.privacy.registry_access``, so that the registry's pages,
its CLI and the step pages agree). A FastAPI route declares its right with a dependency
(``SignedIn``, ``Coordinator``, ``SchoolWriter``, ``InstanceReader``, ...); the step actions, plain
Starlette routes for speed, are ``ActionRoute``s that call ``require`` with their declared right.
``declared_rule`` reads a route's right back, and tests/test_web_authz.py checks every route
against it: a route that declares none fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session, SQLModel
from starlette.routing import Route

from common.messages import render_message
from registry.privacy import Access, Viewer, registry_access
from storage.models import GeneratedDocument, School, StepInstance
from storage.schools import municipal_today
from web import pages
from web.auth import Forbidden, Principal
from web.models import Upload
from web.pages import RowId


class Right(StrEnum):
    """What a request needs of the signed-in user (the values are the authorisation test's rules)."""

    SIGNED_IN = "signed_in"  # any signed-in user, about themselves
    MUNICIPAL = "municipal"  # read the whole municipality: coordinator, viewer
    COORDINATE = "coordinator"  # change the municipality's set-up and acts: coordinator
    SCHOOL_READ = "school_read"  # a school's steps and files: coordinator, viewer, its own admin
    SCHOOL_NAMES = "school_names"  # a school's registry with names (152-ФЗ): coordinator, own admin
    SCHOOL_WRITE = "school_write"  # change a school's steps and registry: coordinator, own admin


# a route for the coordinator and viewers that sends a school admin to their own school's page
MUNICIPAL_OR_OWN = "municipal_or_own"


def allows(user: Principal, right: Right, school_id: str | None = None) -> bool:
    """Whether ``user`` holds ``right`` (over ``school_id``; None is the municipality's own steps,
    which its coordinator changes and its viewers read)."""
    if right is Right.SIGNED_IN:
        return True
    if right is Right.MUNICIPAL:
        return user.role in ("coordinator", "viewer")
    if right is Right.COORDINATE:
        return user.role == "coordinator"
    if school_id is None:
        return user.role == "coordinator" or (right is Right.SCHOOL_READ and user.role == "viewer")
    access = registry_access(user, school_id)
    return access != "none" if right is Right.SCHOOL_READ else access == "names"


def may(user: Principal, right: str, school_id: str | None = None) -> bool:
    """``allows`` for the templates, which name a right by its value («municipal»)."""
    return allows(user, Right(right), school_id)


def require(user: Principal, right: Right, school_id: str | None = None) -> None:
    """Raise Forbidden, with the reason in Russian, unless ``user`` holds ``right``."""
    if not allows(user, right, school_id):
        raise Forbidden(_refusal(user, right, school_id))


def _refusal(user: Principal, right: Right, school_id: str | None) -> str:
    if right is Right.COORDINATE:
        text = render_message("access.coordinator")
    elif right is Right.MUNICIPAL or (user.role == "school_admin" and school_id is None):
        text = render_message("access.municipal")
    elif user.role == "school_admin":
        text = render_message("access.other_school")
    elif right is Right.SCHOOL_NAMES:
        text = render_message("registry.counts_only")
    else:
        text = render_message("access.read_only")
    return sentence(text)


def sentence(text: str) -> str:
    """A catalogue text as a sentence on a page: a capital first letter, a full stop."""
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def registry_view(user: Principal, school_id: str) -> Access:
    """What ``user`` sees of a school's registry: names, counts, or nothing."""
    if allows(user, Right.SCHOOL_NAMES, school_id):
        return "names"
    return "counts" if allows(user, Right.SCHOOL_READ, school_id) else "none"


def own_school(user: Viewer) -> str | None:
    """The school a school admin works in (their pages are that school's); None for the others."""
    return user.school_id if user.role == "school_admin" and user.school_id else None


def may_undo_mark(user: Principal, *, school_id: str | None, marked_by_school_admin: bool) -> bool:
    """Undo a mark: whoever may change the step; a school admin only a mark a school admin made.

    What the coordinator closed, or the tick from the registry, only the coordinator reopens (the
    next tick would escalate it).
    """
    return allows(user, Right.SCHOOL_WRITE, school_id) and (
        user.role != "school_admin" or marked_by_school_admin
    )


def require_undo(user: Principal, *, school_id: str | None, author_role: str | None) -> None:
    """Raise Forbidden unless ``user`` may undo a mark made by a user of ``author_role``."""
    if not may_undo_mark(
        user, school_id=school_id, marked_by_school_admin=author_role == "school_admin"
    ):
        raise Forbidden(sentence(render_message("access.undo_mark")))


def may_manage_account(user: Principal, *, account_id: int, account_role: str) -> bool:
    """The coordinator manages school admins and viewers on the portal; coordinators' accounts
    (their own included) are changed from the command line."""
    return (
        allows(user, Right.COORDINATE) and account_id != user.id and account_role != "coordinator"
    )


# --- things that are not there, and where a page sends someone instead ---------------------------


class NotFound(Exception):
    """A school, step, file or record that is not there (rendered as a 404 page with its reason)."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title
        self.message = message


class SendTo(Exception):
    """The request belongs on another page (a 303 there)."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


# --- FastAPI dependencies -------------------------------------------------------------------------

_DECLARED: dict[Callable[..., Any], str] = {}


def signed_in_user(request: Request) -> Principal:
    """The signed-in user; NotSignedIn (the sign-in page) without one."""
    return pages.require_user(request)


def _needs(right: Right) -> Callable[[Request], Principal]:
    def dependency(request: Request) -> Principal:
        user = signed_in_user(request)
        require(user, right)
        return user

    _DECLARED[dependency] = right.value
    return dependency


def _municipal_or_own(own_page: str) -> Callable[[Request], Principal]:
    def dependency(request: Request) -> Principal:
        user = signed_in_user(request)
        school = own_school(user)
        if school is not None:
            query = f"?{request.url.query}" if request.url.query else ""
            raise SendTo(own_page.format(school=school) + query)
        require(user, Right.MUNICIPAL)
        return user

    _DECLARED[dependency] = MUNICIPAL_OR_OWN
    return dependency


def _needs_school(right: Right) -> Callable[[Request, str], Principal]:
    def dependency(request: Request, school_id: str) -> Principal:
        user = signed_in_user(request)
        require(user, right, school_id)
        return user

    _DECLARED[dependency] = right.value
    return dependency


# a row whose school decides: its model, and the page's title and message when it is not there
_ROWS: dict[str, tuple[type[SQLModel], str, str]] = {
    "instance": (
        StepInstance,
        render_message("page.title.step_missing"),
        render_message("page.no_such_step"),
    ),
    "upload": (
        Upload,
        render_message("page.title.file_missing"),
        render_message("page.no_such_file"),
    ),
    "document": (
        GeneratedDocument,
        render_message("page.title.document_missing"),
        render_message("page.no_such_document"),
    ),
}


def row_school(session: Session, kind: str, row_id: int) -> str | None:
    """The school of a step instance, an upload or a generated document; NotFound without it."""
    model, title, message = _ROWS[kind]
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(title, message)
    return row.school_id  # type: ignore[attr-defined,no-any-return]


def _checked_row(request: Request, right: Right, kind: str, row_id: int) -> Principal:
    user = signed_in_user(request)
    with pages.db(request) as session:
        school = row_school(session, kind, row_id)
    require(user, right, school)
    return user


def _needs_instance(right: Right) -> Callable[[Request, int], Principal]:
    def dependency(request: Request, instance_id: RowId) -> Principal:
        return _checked_row(request, right, "instance", instance_id)

    _DECLARED[dependency] = right.value
    return dependency


def _needs_upload(right: Right) -> Callable[[Request, int], Principal]:
    def dependency(request: Request, upload_id: RowId) -> Principal:
        return _checked_row(request, right, "upload", upload_id)

    _DECLARED[dependency] = right.value
    return dependency


def _needs_document(right: Right) -> Callable[[Request, int], Principal]:
    def dependency(request: Request, document_id: RowId) -> Principal:
        return _checked_row(request, right, "document", document_id)

    _DECLARED[dependency] = right.value
    return dependency


@dataclass(frozen=True)
class SchoolInfo:
    """The school as the pages name it: plain values that outlive the transaction (a rollback
    expires ORM rows, and an error page is rendered after one)."""

    id: str
    short_name: str
    name: str


@dataclass(frozen=True)
class RegistryScope:
    """A registry request: who asks, about which school, and what they may see and do."""

    user: Principal
    school: SchoolInfo
    access: Access
    today: date

    @property
    def can_change(self) -> bool:
        """Names visible and the school changeable: the coordinator or the school's own admin."""
        return allows(self.user, Right.SCHOOL_WRITE, self.school.id)

    @property
    def page(self) -> str:
        """The school's registry page."""
        return f"/schools/{self.school.id}/registry"


def _registry_scope(right: Right) -> Callable[[Request, str], RegistryScope]:
    def dependency(request: Request, school_id: str) -> RegistryScope:
        # access is decided before the school is looked up: an admin of another school learns
        # nothing (not even whether an id exists) from a 404
        user = signed_in_user(request)
        require(user, right, school_id)
        with pages.db(request) as session:
            school = session.get(School, school_id)
            if school is None:
                raise NotFound(
                    render_message("page.title.school_missing"),
                    render_message("page.no_school", school=school_id),
                )
            return RegistryScope(
                user=user,
                school=SchoolInfo(id=school.id, short_name=school.short_name, name=school.name),
                access=registry_view(user, school_id),
                today=municipal_today(session, pages.now(request)),
            )

    _DECLARED[dependency] = right.value
    return dependency


SignedIn = Annotated[Principal, Depends(_needs(Right.SIGNED_IN))]
MunicipalReader = Annotated[Principal, Depends(_needs(Right.MUNICIPAL))]
Coordinator = Annotated[Principal, Depends(_needs(Right.COORDINATE))]
SchoolReader = Annotated[Principal, Depends(_needs_school(Right.SCHOOL_READ))]
SchoolWriter = Annotated[Principal, Depends(_needs_school(Right.SCHOOL_WRITE))]
InstanceReader = Annotated[Principal, Depends(_needs_instance(Right.SCHOOL_READ))]
InstanceWriter = Annotated[Principal, Depends(_needs_instance(Right.SCHOOL_WRITE))]
UploadReader = Annotated[Principal, Depends(_needs_upload(Right.SCHOOL_READ))]
DocumentReader = Annotated[Principal, Depends(_needs_document(Right.SCHOOL_READ))]
# the registry's overview and indicators: a school admin is sent to their school's
RegistryOverviewReader = Annotated[
    Principal, Depends(_municipal_or_own("/schools/{school}/registry"))
]
IndicatorsReader = Annotated[
    Principal, Depends(_municipal_or_own("/schools/{school}/registry/totals"))
]
RegistryReader = Annotated[RegistryScope, Depends(_registry_scope(Right.SCHOOL_READ))]
RegistryNames = Annotated[RegistryScope, Depends(_registry_scope(Right.SCHOOL_NAMES))]
RegistryEditor = Annotated[RegistryScope, Depends(_registry_scope(Right.SCHOOL_WRITE))]


class ActionRoute(Route):
    """A plain Starlette route (the step actions, kept off FastAPI's path for speed) with the
    right its endpoint requires over the instance it acts on."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, right: Right) -> None:
        super().__init__(path, endpoint, methods=["POST"])
        self.right = right


def declared_rule(route: Any) -> str | None:
    """The access rule a route declares: an ActionRoute's right, or the right of the access
    dependency among a FastAPI route's dependencies; None when it declares none (public)."""
    if isinstance(route, ActionRoute):
        return route.right.value
    dependant = getattr(route, "dependant", None)
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dependency = stack.pop()
        if dependency.call in _DECLARED:
            return _DECLARED[dependency.call]
        stack.extend(dependency.dependencies)
    return None
