"""Municipal units (подразделения) as the ladder's first rung of their steps.

A municipal step (or the municipal instance of a both-level step) whose roles include a unit role
(definitions/catalogue.py UNIT_ROLES) with an active unit reminds the unit's address; the
coordinator hears of it at the ladder's coordinator level and the head at the head level. A unit
role with no unit set up leaves the step the coordinator's own, as before, and the check and the
launch preview say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from common.errors import NastavnikError
from definitions.catalogue import ROLES, UNIT_ROLES
from definitions.schema import Roadmap, Step
from engine.runs import run_definition
from storage.journal import journal_row
from storage.models import RoadmapRun, StepInstance
from storage.units import MunicipalUnit, get_unit, list_units

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UnitSpec:
    """A unit as `init --unit` gives it: role, name, e-mail."""

    role: str
    name: str
    email: str


def unit_role_names() -> dict[str, str]:
    """The unit roles with their Russian names, for forms and help."""
    return {role: role_name(role) for role in UNIT_ROLES}


def role_name(role: str) -> str:
    """The role's short Russian name: «методический центр» (without the spellings in brackets)."""
    return ROLES[role][1].split(" (")[0] if role in ROLES else role


def resolve_unit_role(text: str, *, where: str) -> str:
    """The unit role ``text`` names: a role id (methodical_center) or the words of the
    abbreviation table («ИМЦ», «экспертный совет»)."""
    value = text.strip()
    if value in UNIT_ROLES:
        return value
    from definitions.importing.vocabulary import load_role_rules, roles_of

    roles, _unknown = roles_of(value, load_role_rules()) if value else ([], [])
    units = [role for role in dict.fromkeys(roles) if role in UNIT_ROLES]
    if len(units) == 1:
        return units[0]
    raise NastavnikError(code="units.role", where=where, value=value, roles=", ".join(UNIT_ROLES))


def parse_unit_spec(text: str, *, where: str = "--unit") -> UnitSpec:
    """«РОЛЬ=НАЗВАНИЕ:E-MAIL» → its parts; the e-mail is what follows the last colon."""
    role_text, equals, rest = text.partition("=")
    name, colon, email = rest.rpartition(":")
    if not equals or not colon or not name.strip() or not email.strip():
        raise NastavnikError(code="units.spec", where=where, value=text)
    return UnitSpec(
        role=resolve_unit_role(role_text, where=where),
        name=_check_name(name, where=where),
        email=_check_email(email, where=where),
    )


def _check_email(email: str, *, where: str) -> str:
    value = email.strip()
    if not _EMAIL.match(value):
        raise NastavnikError(code="units.email", where=where, value=value)
    return value


def _check_name(name: str, *, where: str) -> str:
    value = " ".join(name.split())
    if not value:
        raise NastavnikError(code="units.name", where=where)
    if len(value) > 200:
        raise NastavnikError(code="units.name_long", where=where)
    return value


def save_unit(
    *,
    session: Session,
    municipality_id: int,
    role: str,
    now: datetime,
    name: str | None = None,
    email: str | None = None,
    genitive: str | None = None,
    dative: str | None = None,
    active: bool | None = None,
    by: str = "cli",
    source: str = "cli",
) -> tuple[MunicipalUnit, bool]:
    """Add the unit of ``role`` or change the fields given; returns the unit and whether it is new.

    A new unit needs its name and e-mail; errors name the field (``name``, ``email``, …) so a
    form shows them beside it.
    """
    if role not in UNIT_ROLES:
        raise NastavnikError(
            code="units.role", where="role", value=role, roles=", ".join(UNIT_ROLES)
        )
    unit = get_unit(session, municipality_id=municipality_id, role=role)
    created = unit is None
    if unit is None:
        if name is None or not name.strip():
            raise NastavnikError(code="units.name", where="name")
        if email is None or not email.strip():
            raise NastavnikError(code="units.email_missing", where="email")
        unit = MunicipalUnit(
            municipality_id=municipality_id, role=role, name="", email="", created_at=now
        )
    if name is not None:
        unit.name = _check_name(name, where="name")
    if email is not None:
        unit.email = _check_email(email, where="email")
    if genitive is not None:
        unit.name_genitive = " ".join(genitive.split())
    if dative is not None:
        unit.name_dative = " ".join(dative.split())
    if active is not None:
        unit.active = active
    unit.updated_at = now
    session.add(unit)
    session.flush()
    mark_unit_steps(session=session, municipality_id=municipality_id, role=role)
    session.add(
        journal_row(
            at=now,
            actor=by,
            action="unit_add" if created else "unit_update",
            source=source,
            details=_details(unit),
        )
    )
    return unit, created


def _details(unit: MunicipalUnit) -> dict[str, object]:
    return {"role": unit.role, "name": unit.name, "email": unit.email, "active": unit.active}


def remove_unit(
    *,
    session: Session,
    municipality_id: int,
    role: str,
    now: datetime,
    by: str = "cli",
    source: str = "cli",
) -> MunicipalUnit:
    """Delete the unit of ``role`` (its steps go back to the coordinator); journaled."""
    unit = get_unit(session, municipality_id=municipality_id, role=role)
    if unit is None:
        raise NastavnikError(code="units.unknown", where="role", role=role)
    session.add(
        journal_row(at=now, actor=by, action="unit_remove", source=source, details=_details(unit))
    )
    session.delete(unit)
    session.flush()
    mark_unit_steps(session=session, municipality_id=municipality_id, role=role)
    return unit


def mark_unit_steps(*, session: Session, municipality_id: int, role: str) -> int:
    """Have the next tick re-examine the open municipal instances of ``role``'s steps in full.

    The tick is incremental: without this a unit added (or removed) after a step's due date would
    never hear of it, nor would the coordinator's rung be decided. Returns the instances marked.
    """
    marked = 0
    for run in session.exec(
        select(RoadmapRun).where(
            RoadmapRun.municipality_id == municipality_id, col(RoadmapRun.archived_at).is_(None)
        )
    ):
        codes = [
            step.code
            for step in run_definition(run)[0].roadmap.steps
            if is_municipal(step) and role in step.roles
        ]
        if codes:
            marked += (
                session.connection()
                .execute(
                    update(StepInstance)
                    .where(
                        col(StepInstance.run_id) == run.id,
                        col(StepInstance.unit) == "",
                        col(StepInstance.state) == "open",
                        col(StepInstance.step_code).in_(codes),
                    )
                    .values(tick_dirty=True)
                )
                .rowcount
                or 0
            )
    return marked


def is_municipal(step: Step) -> bool:
    """Whether the step has a municipal instance (scope municipality or both)."""
    return step.scope in ("municipality", "both")


def step_units(step: Step, units: dict[str, MunicipalUnit]) -> list[MunicipalUnit]:
    """The active units with an address that carry out the municipal instance of ``step``."""
    if not is_municipal(step):
        return []
    found = [units[role] for role in dict.fromkeys(step.roles) if role in units]
    return [unit for unit in found if unit.active and unit.email]


def units_by_role(session: Session, *, municipality_id: int) -> dict[str, MunicipalUnit]:
    """The municipality's units (active or not) by role."""
    return {u.role: u for u in list_units(session, municipality_id=municipality_id)}


def unit_recipients(
    roadmap: Roadmap, units: dict[str, MunicipalUnit]
) -> dict[str, tuple[str, ...]]:
    """Step code → the unit addresses its municipal instance's reminders go to (unit steps only)."""
    result: dict[str, tuple[str, ...]] = {}
    for step in roadmap.steps:
        addresses = tuple(dict.fromkeys(u.email.strip() for u in step_units(step, units)))
        if addresses:
            result[step.code] = addresses
    return result


@dataclass(frozen=True)
class MissingUnit:
    """A unit role the roadmap's municipal steps name but no active unit answers for."""

    role: str
    codes: tuple[str, ...]

    @property
    def message(self) -> str:
        from common.messages import render_message

        steps = ("шаге " if len(self.codes) == 1 else "шагах ") + ", ".join(self.codes)
        return render_message(
            "units.missing", role=role_name(self.role), role_id=self.role, steps=steps
        )

    @property
    def page_message(self) -> str:
        """The same for the portal's page of units, where the form to add one is below."""
        from common.messages import render_message

        steps = ("шаге " if len(self.codes) == 1 else "шагах ") + ", ".join(self.codes)
        return render_message("units.missing_page", role=role_name(self.role), steps=steps)


def missing_units(roadmap: Roadmap, units: dict[str, MunicipalUnit]) -> list[MissingUnit]:
    """Unit roles of municipal steps with no active unit with an address: their steps' letters
    go to the coordinator."""
    codes: dict[str, list[str]] = {}
    for step in roadmap.steps:
        if not is_municipal(step):
            continue
        for role in dict.fromkeys(step.roles):
            if role in UNIT_ROLES and not (
                role in units and units[role].active and units[role].email
            ):
                codes.setdefault(role, []).append(step.code)
    return [
        MissingUnit(role=role, codes=tuple(codes[role])) for role in UNIT_ROLES if role in codes
    ]
