"""Indicators (показатели эффективности): actual values from the registry against the targets.

A roadmap's indicator names its computation with ``measure`` (definitions/schema.py). For a
calendar year Y, per school:

- ``mentee_share_10_18``: pupils aged 10–18 who are mentees of a pair that runs during Y, over the
  school's pupils aged 10–18 (totals of Y), in %;
- ``mentor_share_15_18``: pupils aged 15–18 who are mentors of a pair running during Y, over the
  pupils aged 15–18, in %;
- ``young_teacher_mentee_share``: young specialists (0–3 years) who are mentees of a pair running
  during Y, over the school's young specialists, in %;
- ``mentee_satisfaction`` / ``mentor_satisfaction``: satisfied over those who took part in the
  survey of Y, in %.

A pair runs during Y when its period overlaps Y, whatever its status now: it was formed, so its
people entered the programme. For the municipality the numerators and denominators are summed
over the schools that entered the denominator (for the 15–18 share: that entered the 10–18
population too — 15–18 is a part of 10–18, checked per school, so the municipality's 15–18
population can never exceed its 10–18 one, as it could when a school gave only the former); the schools that did not are listed by name and
number («не введена численность обучающихся 10–18 лет за 2022 год»), never divided by zero.
A survey's satisfied count is entered like its denominator and may be missing (or cleared) on
its own: the school's value is then «нет данных» too and the school is left out of the sums,
never a 0 % that nobody reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from common.messages import render_message
from common.russian import format_decimal_ru
from engine.runs import launched_runs, run_definition
from registry.models import (
    Mentee,
    Mentor,
    MentorshipPair,
    PairMentee,
    PairMentor,
    SchoolTotals,
    SurveyResult,
)
from storage.models import RoadmapRun, School


@dataclass(frozen=True)
class Measure:
    """A computation: what it counts and what it divides by, in Russian."""

    id: str
    title: str
    numerator: str
    denominator: str


MEASURES: dict[str, Measure] = {
    m.id: m
    for m in (
        Measure(
            "mentee_share_10_18",
            "Доля обучающихся 10–18 лет в роли наставляемого",
            "обучающихся 10–18 лет — наставляемых",
            "обучающихся 10–18 лет",
        ),
        Measure(
            "mentor_share_15_18",
            "Доля обучающихся 15–18 лет в роли наставника",
            "обучающихся 15–18 лет — наставников",
            "обучающихся 15–18 лет",
        ),
        Measure(
            "young_teacher_mentee_share",
            "Доля молодых специалистов (стаж 0–3 года) в роли наставляемого",
            "молодых специалистов — наставляемых",
            "молодых специалистов",
        ),
        Measure(
            "mentee_satisfaction",
            "Удовлетворённость наставляемых",
            "наставляемых удовлетворены",
            "наставляемых участвовало в опросе",
        ),
        Measure(
            "mentor_satisfaction",
            "Удовлетворённость наставников",
            "наставников удовлетворены",
            "наставников участвовало в опросе",
        ),
    )
}

_MISSING: dict[str, str] = {
    "mentee_share_10_18": render_message("indicators.missing.pupils_10_18"),
    "mentor_share_15_18": render_message("indicators.missing.pupils_15_18"),
    "young_teacher_mentee_share": render_message("indicators.missing.young_teachers"),
    "mentee_satisfaction": render_message("indicators.missing.mentee_survey"),
    "mentor_satisfaction": render_message("indicators.missing.mentor_survey"),
}
# a measure whose population is a part of another's: a school counts in the municipality's sums
# only with both populations entered
_PART_OF: dict[str, str] = {"mentor_share_15_18": "mentee_share_10_18"}
# when the survey's denominator is there but the number satisfied is not
_MISSING_NUMERATOR: dict[str, str] = {
    "mentee_satisfaction": render_message("indicators.missing.mentees_satisfied"),
    "mentor_satisfaction": render_message("indicators.missing.mentors_satisfied"),
}


@dataclass(frozen=True)
class Value:
    """One measure's actual value for a school or the municipality; ``missing`` says why not."""

    numerator: int | None
    denominator: int | None
    percent: float | None
    missing: str | None = None

    def text(self) -> str:
        """«12,5 % (5 из 40)» or the reason there is no value."""
        if self.percent is None:
            return render_message("indicators.no_data", reason=self.missing)
        return render_message(
            "indicators.value",
            percent=format_decimal_ru(self.percent),
            numerator=self.numerator,
            denominator=self.denominator,
        )


@dataclass(frozen=True)
class IndicatorResult:
    """A measure for a year: the target (when a launched roadmap sets one) and the actual values."""

    measure: str
    title: str
    year: int
    target: float | None
    code: str | None
    municipality: Value
    schools: dict[str, Value] = field(default_factory=dict)
    missing_schools: list[str] = field(default_factory=list)

    @property
    def achieved(self) -> bool | None:
        """The municipal value reaches the target (None without either)."""
        if self.target is None or self.municipality.percent is None:
            return None
        return self.municipality.percent >= self.target

    def to_json(self) -> dict[str, Any]:
        """Plain data for `--json` and the portal."""

        def value(item: Value) -> dict[str, Any]:
            return {
                "numerator": item.numerator,
                "denominator": item.denominator,
                "percent": None if item.percent is None else round(item.percent, 2),
                "missing": item.missing,
            }

        return {
            "measure": self.measure,
            "code": self.code,
            "title": self.title,
            "year": self.year,
            "target": self.target,
            "achieved": self.achieved,
            "municipality": value(self.municipality),
            "schools": {school: value(item) for school, item in self.schools.items()},
            "missing_schools": self.missing_schools,
        }


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _running(year: int) -> list[Any]:
    first, last = _year_bounds(year)
    return [col(MentorshipPair.start_date) <= last, col(MentorshipPair.end_date) >= first]


def _mentees_counted(session: Session, year: int, *conditions: Any) -> dict[str, int]:
    rows = session.exec(
        select(Mentee.school_id, func.count(func.distinct(Mentee.id)))
        .join(PairMentee, col(PairMentee.mentee_id) == Mentee.id)
        .join(MentorshipPair, col(MentorshipPair.id) == PairMentee.pair_id)
        .where(*_running(year), *conditions)
        .group_by(Mentee.school_id)
    ).all()
    return {school: count for school, count in rows}


def _mentors_counted(session: Session, year: int, *conditions: Any) -> dict[str, int]:
    rows = session.exec(
        select(Mentor.school_id, func.count(func.distinct(Mentor.id)))
        .join(PairMentor, col(PairMentor.mentor_id) == Mentor.id)
        .join(MentorshipPair, col(MentorshipPair.id) == PairMentor.pair_id)
        .where(*_running(year), *conditions)
        .group_by(Mentor.school_id)
    ).all()
    return {school: count for school, count in rows}


def _fractions(session: Session, year: int) -> dict[str, dict[str, tuple[int | None, int | None]]]:
    """measure → school → (numerator, denominator), None for a number not entered.

    Counts from the registry are 0 when nobody is counted; survey counts are None when the
    school did not enter them.
    """
    totals = {
        row.school_id: row
        for row in session.exec(select(SchoolTotals).where(SchoolTotals.year == year))
    }
    surveys = {
        row.school_id: row
        for row in session.exec(select(SurveyResult).where(SurveyResult.year == year))
    }
    schools = [school_id for school_id in session.exec(select(School.id).order_by(School.id))]
    pupils_10_18 = _mentees_counted(
        session, year, Mentee.category == "pupil", col(Mentee.age).between(10, 18)
    )
    pupils_15_18 = _mentors_counted(
        session, year, Mentor.category == "pupil", col(Mentor.age).between(15, 18)
    )
    young = _mentees_counted(session, year, Mentee.category == "young_specialist")

    def from_totals(name: str) -> Callable[[str], int | None]:
        return lambda school: getattr(totals[school], name) if school in totals else None

    def from_survey(name: str) -> Callable[[str], int | None]:
        return lambda school: getattr(surveys[school], name) if school in surveys else None

    sources: dict[str, tuple[Callable[[str], int | None], Callable[[str], int | None]]] = {
        "mentee_share_10_18": (lambda s: pupils_10_18.get(s, 0), from_totals("pupils_10_18")),
        "mentor_share_15_18": (lambda s: pupils_15_18.get(s, 0), from_totals("pupils_15_18")),
        "young_teacher_mentee_share": (lambda s: young.get(s, 0), from_totals("young_teachers")),
        "mentee_satisfaction": (
            from_survey("mentees_satisfied"),
            from_survey("mentees_took_part"),
        ),
        "mentor_satisfaction": (
            from_survey("mentors_satisfied"),
            from_survey("mentors_took_part"),
        ),
    }
    result: dict[str, dict[str, tuple[int | None, int | None]]] = {}
    for measure, (numerator, denominator) in sources.items():
        result[measure] = {}
        for school in schools:
            result[measure][school] = (numerator(school), denominator(school))
    return result


def _value(measure: str, year: int, numerator: int | None, denominator: int | None) -> Value:
    if denominator is None:
        why = render_message("indicators.missing_in_year", reason=_MISSING[measure], year=year)
        return Value(numerator, None, None, why)
    if numerator is None:
        why = render_message(
            "indicators.missing_in_year", reason=_MISSING_NUMERATOR[measure], year=year
        )
        return Value(None, denominator, None, why)
    if denominator == 0:
        label = MEASURES[measure].denominator
        return Value(numerator, 0, None, render_message("indicators.zero", label=label, year=year))
    return Value(numerator, denominator, 100.0 * numerator / denominator)


def roadmap_targets(session: Session, year: int) -> dict[str, tuple[str, str, float | None]]:
    """measure → (indicator code, title, target of ``year``) from the launched roadmaps."""
    targets: dict[str, tuple[str, str, float | None]] = {}
    for run in launched_runs(session):
        for indicator in run_definition(run)[0].roadmap.indicators:
            if indicator.measure is None or indicator.measure in targets:
                continue
            target = next((t.value for t in indicator.targets if t.year == year), None)
            targets[indicator.measure] = (indicator.code, indicator.title, target)
    return targets


def compute_indicators(
    *, session: Session, year: int, school_id: str | None = None
) -> list[IndicatorResult]:
    """Every measure for ``year``: per school and for the municipality, beside the targets.

    Args:
        session: an open session.
        year: the calendar year (targets are per year).
        school_id: only this school's value (the municipal value is then that school's).
    """
    fractions = _fractions(session, year)
    names = {s.id: s.short_name for s in session.exec(select(School))}
    targets = roadmap_targets(session, year)
    results = []
    for measure_id, measure in MEASURES.items():
        per_school = fractions[measure_id]
        if school_id is not None:
            per_school = {school_id: per_school.get(school_id, (0, None))}
        values = {
            school: _value(measure_id, year, num, den) for school, (num, den) in per_school.items()
        }
        entered = {s: f for s, f in per_school.items() if None not in f}
        missing = [names.get(s, s) for s in per_school if s not in entered]
        if measure_id in _PART_OF:
            whole = fractions[_PART_OF[measure_id]]
            partial = [s for s in entered if whole.get(s, (0, None))[1] is None]
            for school in partial:
                del entered[school]
                missing.append(f"{names.get(school, school)} ({_MISSING[_PART_OF[measure_id]]})")
        if school_id is not None:
            # one school's value is its own, with its own reason when it has none
            total = values[school_id]
        elif entered:
            total = _value(
                measure_id,
                year,
                sum(num or 0 for num, _ in entered.values()),
                sum(den or 0 for _, den in entered.values()),
            )
        else:
            why = render_message(
                "indicators.missing_everywhere", reason=_MISSING[measure_id], year=year
            )
            total = Value(None, None, None, why)
        code, title, target = targets.get(measure_id, (None, measure.title, None))
        results.append(
            IndicatorResult(
                measure=measure_id,
                title=title,
                year=year,
                target=target,
                code=code,
                municipality=total,
                schools=values,
                missing_schools=missing,
            )
        )
    return results


def report_indicators(
    *, session: Session, run: RoadmapRun, year: int, school_id: str | None = None
) -> list[dict[str, Any]]:
    """The run's indicator targets for ``year`` with actual values: the municipality's, or one
    school's when ``school_id`` is given (the school's own report).

    An indicator without a ``measure`` (or with no data at all) keeps ``actual`` None: the
    справка lists it under «нет данных».
    """
    actual: dict[str, float | None] = {}
    for result in compute_indicators(session=session, year=year, school_id=school_id):
        own = result.municipality if school_id is None else result.schools.get(school_id)
        actual[result.measure] = None if own is None else own.percent
    rows = []
    for indicator in run_definition(run)[0].roadmap.indicators:
        for target in indicator.targets:
            if target.year != year:
                continue
            value = actual.get(indicator.measure) if indicator.measure else None
            rows.append(
                {
                    "code": indicator.code,
                    "title": indicator.title,
                    "year": year,
                    "target": target.value,
                    "unit": indicator.unit,
                    "actual": None if value is None else round(value, 1),
                }
            )
    return rows
