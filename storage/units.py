"""Municipal units (подразделения): bodies with their own e-mail that carry out municipal steps.

An information and methodical centre (ИМЦ), an expert council: a step whose responsible is such a
unit reminds the unit itself; the ladder above it (coordinator, then head) stays as configured.
Each unit stands for one role of the catalogue (definitions/catalogue.py UNIT_ROLES); the rules
that check a unit live in engine/units.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from storage.models import UTCDateTime


class MunicipalUnit(SQLModel, table=True):
    """A municipal unit and the role of the roadmaps it answers for."""

    __tablename__ = "municipal_unit"
    __table_args__ = (UniqueConstraint("municipality_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    role: str = Field(description="The role id of the catalogue (methodical_center, ...).")
    name: str = Field(description="The unit's name in the nominative: «МАУ «ИМЦ»».")
    name_genitive: str = Field(
        default="",
        description="«кого? чего?» for letters («методического центра»); empty: as name.",
    )
    name_dative: str = Field(
        default="",
        description="«кому? чему?» for letters («методическому центру»); empty: as name.",
    )
    email: str
    active: bool = True
    created_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    updated_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )

    @property
    def genitive(self) -> str:
        return self.name_genitive or self.name

    @property
    def dative(self) -> str:
        return self.name_dative or self.name


def list_units(
    session: Session, *, municipality_id: int, active_only: bool = False
) -> list[MunicipalUnit]:
    """The municipality's units by role id."""
    query = select(MunicipalUnit).where(MunicipalUnit.municipality_id == municipality_id)
    if active_only:
        query = query.where(col(MunicipalUnit.active))
    return list(session.exec(query.order_by(col(MunicipalUnit.role))))


def get_unit(session: Session, *, municipality_id: int, role: str) -> MunicipalUnit | None:
    """The unit that answers for ``role``, active or not."""
    return session.exec(
        select(MunicipalUnit).where(
            MunicipalUnit.municipality_id == municipality_id, MunicipalUnit.role == role
        )
    ).first()
