"""Who may see what of the registry (personal data, 152-ФЗ): names, counts, or nothing.

- the coordinator (муниципальный координатор) sees every school's names;
- a school admin (ответственный в ОО) sees their own school's names, and no other school (as on
  the portal, where a school admin sees only their school);
- a viewer (наблюдатель) sees counts only, for every school.

Exports of the registry (CSV/XLSX with names) follow the names rule and are journaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from common.errors import NastavnikError

Access = Literal["names", "counts", "none"]


class Viewer(Protocol):
    """The acting user as the rules need it (storage.models.User and the portal's Principal fit)."""

    @property
    def email(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def school_id(self) -> str | None: ...


@dataclass(frozen=True)
class LocalOperator:
    """Whoever runs the CLI on the server: has the database, so acts as the coordinator."""

    email: str = "cli"
    role: str = "coordinator"
    school_id: str | None = None


def registry_access(viewer: Viewer, school_id: str) -> Access:
    """What ``viewer`` may see of one school's registry."""
    if viewer.role == "coordinator":
        return "names"
    if viewer.role == "school_admin":
        return "names" if viewer.school_id is not None and viewer.school_id == school_id else "none"
    if viewer.role == "viewer":
        return "counts"
    return "none"


def visible_schools(viewer: Viewer, school_ids: list[str]) -> list[str]:
    """The schools of ``school_ids`` whose registry ``viewer`` may see at all (names or counts)."""
    return [school for school in school_ids if registry_access(viewer, school) != "none"]


def require_names(viewer: Viewer, school_id: str) -> None:
    """A clear refusal unless ``viewer`` may see this school's names (lists, exports, edits)."""
    access = registry_access(viewer, school_id)
    if access == "names":
        return
    if access == "counts":
        raise NastavnikError(code="registry.counts_only", where=f"школа {school_id}")
    raise NastavnikError(code="registry.no_access", where=f"школа {school_id}")
