"""The roadmap definition format: pydantic models for definitions/roadmaps/*.yaml.

`nastavnik schema` prints the JSON schema; docs/roadmap.schema.json is generated from it and a
test fails when it goes stale.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common.messages import render_message

Level = Literal["municipal", "school"]
# both: one instance for the municipality and one for each school («ОО, МАУ «ИМЦ»»)
Scope = Literal["municipality", "school", "both"]
# What a step's completion can be read from in the school's registry (registry/completion.py).
CompletesFrom = Literal["mentee_base", "mentor_base", "mentor_and_mentee_bases", "pairs"]
# The computations of indicators the registry can do (registry/indicators.py).
Measure = Literal[
    "mentee_share_10_18",
    "mentor_share_15_18",
    "young_teacher_mentee_share",
    "mentee_satisfaction",
    "mentor_satisfaction",
]

CODE_PATTERN = r"^[0-9A-Za-zА-Яа-я][0-9A-Za-zА-Яа-я.\-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Issuer(_Strict):
    """Who adopted the roadmap: an education authority (municipal) or a school."""

    name: str = Field(description="Name of the issuing body, verbatim from the source.")
    level: Level = Field(description="municipal: an education authority; school: one school.")


class Period(_Strict):
    """The roadmap's period, inclusive."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(
                render_message("definition.period_reversed", end=self.end, start=self.start)
            )
        return self


class Section(_Strict):
    """A numbered section of the roadmap table (e.g. «1. Нормативно-правовое регулирование»)."""

    code: str = Field(pattern=CODE_PATTERN)
    title: str = Field(description="Verbatim title of the section.")


class EscalationOverride(_Strict):
    """Overrides of the municipality's escalation ladder for a roadmap or one step.

    All counts are working days by the Russian production calendar.
    """

    remind_before: int | None = Field(
        default=None, ge=0, description="Reminder N working days before due."
    )
    coordinator_after: int | None = Field(
        default=None, ge=0, description="Escalate to the coordinator after N working days overdue."
    )
    head_after: int | None = Field(
        default=None,
        ge=0,
        description="Escalate to the head of the education committee after M working days overdue.",
    )


class Step(_Strict):
    """One row of the roadmap table."""

    code: str = Field(pattern=CODE_PATTERN, description="Code as in the source: «1.5», «3.2».")
    section: str | None = Field(
        default=None, description="Code of the section the step belongs to."
    )
    stage: str | None = Field(
        default=None,
        description="Stage / event column where the source has one (seed 001), verbatim.",
    )
    parent: str | None = Field(
        default=None,
        description="Code of the step this numbered sub-row belongs to (1.3.1 under 1.3).",
    )
    title: str = Field(description="Title of the step, verbatim (typos kept).")
    items: list[str] = Field(
        default_factory=list, description="Numbered sub-items of the step's content, verbatim."
    )
    deadline: str | None = Field(
        default=None,
        description=(
            "The deadline phrase exactly as the source writes it; absent when the source gives "
            "none. Kept verbatim even when dates are typed by hand (start/end) or the step is "
            "unscheduled."
        ),
    )
    unscheduled: bool = Field(
        default=False,
        description=(
            "No dates yet: the coordinator sets them at launch (`nastavnik schedule`). Used for a "
            "phrase nastavnik cannot read, kept verbatim in deadline."
        ),
    )
    start: date | None = Field(
        default=None,
        description="Explicit start date when the source has a start column (seed 004).",
    )
    anchor: str | None = Field(
        default=None,
        description=(
            "What a relative deadline («в течение 10 рабочих дней после издания приказа») counts "
            "from: the code of a prerequisite step (its completion), «launch» (the roadmap's "
            "launch) or a date (YYYY-MM-DD). Until the event happens the due date is expected."
        ),
    )
    end: date | None = Field(
        default=None, description="Explicit end date when the source has an end column (seed 004)."
    )
    responsible: str = Field(description="Responsible parties, verbatim.")
    roles: list[str] = Field(
        min_length=1,
        description="Role ids (definitions/catalogue.py ROLES) the responsible parties map to.",
    )
    scope: Scope = Field(
        description=(
            "municipality: done once by the municipality; school: done by each school; both: "
            "by the municipality and by each school."
        )
    )
    result: str | None = Field(
        default=None, description="Expected result / kind of document, verbatim."
    )
    documents: list[str] = Field(
        default_factory=list,
        description="Ids of document kinds (catalogue DOCUMENTS) that close the step.",
    )
    depends_on: list[str] = Field(
        default_factory=list, description="Codes of the steps that must be done first."
    )
    escalation: EscalationOverride | None = None
    completes_from: CompletesFrom | None = Field(
        default=None,
        description=(
            "The step is done by each school's registry data, applied at the daily tick "
            "(school steps only). mentee_base: the school has mentees with a request "
            "(база наставляемых с перечнем запросов); mentor_base: the school has mentors who "
            "consented to personal data processing (база наставников); "
            "mentor_and_mentee_bases: both; pairs: every mentee with a request is in an active "
            "pair and the order on pairs (order_pairs) was generated for the school. A repeat "
            "occurrence needs data entered or changed since its start."
        ),
    )
    note: str | None = Field(
        default=None,
        description="Why a dependency or mapping was added by hand, or a note on the source.",
    )

    @field_validator("title", "deadline", "responsible")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(render_message("definition.blank"))
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> Step:
        if self.start and self.end and self.end < self.start:
            raise ValueError(
                render_message("definition.end_before_start", end=self.end, start=self.start)
            )
        if self.deadline is None and self.end is None and not self.unscheduled:
            raise ValueError(render_message("definition.no_deadline"))
        if self.completes_from is not None and self.scope != "school":
            raise ValueError(render_message("definition.completes_from_scope"))
        return self


class IndicatorTarget(_Strict):
    """A target value of an indicator for one year (a column of the planned-results table)."""

    year: int = Field(ge=2000, le=2100)
    value: float
    label: str | None = Field(
        default=None, description="The column header verbatim when it differs from the year."
    )


class Indicator(_Strict):
    """A planned result (показатель эффективности) with a target per year."""

    code: str = Field(pattern=CODE_PATTERN)
    title: str = Field(description="Indicator name, verbatim.")
    formula: str = Field(description="How it is computed, in words, verbatim.")
    unit: str = Field(default="%", description="Unit of the value.")
    targets: list[IndicatorTarget] = Field(min_length=1)
    measure: Measure | None = Field(
        default=None,
        description=(
            "Id of the computation in the registry, when nastavnik can compute it: "
            "mentee_share_10_18 (pupils 10–18 as mentees over pupils 10–18), mentor_share_15_18 "
            "(pupils 15–18 as mentors over pupils 15–18), young_teacher_mentee_share (young "
            "specialists as mentees over young specialists), mentee_satisfaction and "
            "mentor_satisfaction (satisfied over surveyed)."
        ),
    )


class Roadmap(_Strict):
    """A roadmap (дорожная карта): the definition the engine runs."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9\-]*$",
        description="Stable id, lowercase latin, digits and dashes.",
    )
    title: str = Field(description="Title, verbatim.")
    municipality: str = Field(
        description="Municipality the roadmap is for, in the nominative (e.g. «Белоярский район»)."
    )
    issuer: Issuer
    approved_by: str | None = Field(
        default=None, description="The approving act if the source states it, verbatim."
    )
    period: Period
    timezone: str = Field(
        description="IANA time zone of the municipality (e.g. Asia/Yekaterinburg)."
    )
    source: str | None = Field(
        default=None, description="The source document this definition encodes."
    )
    sections: list[Section] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)
    indicators: list[Indicator] = Field(default_factory=list)
    escalation: EscalationOverride | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: name too long
            raise ValueError(
                render_message("definition.unknown_timezone", timezone=value)
            ) from None
        return value

    def step(self, code: str) -> Step:
        """The step with this code (KeyError when absent)."""
        for step in self.steps:
            if step.code == code:
                return step
        raise KeyError(code)


def roadmap_json_schema() -> dict[str, object]:
    """The published JSON schema of a roadmap definition."""
    return Roadmap.model_json_schema()
