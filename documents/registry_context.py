"""Document data read from the registry: the order on pairs, the two registers, the справка's KPIs.

documents/from_db.py merges this over the database's base data and under ``--data`` (so a CSV of
pairs given by hand still overrides the registry). A school without pairs gives no ``pairs``,
and the renderer then names the missing field as before.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from common.declension import detect_gender
from common.errors import NastavnikError
from registry.indicators import report_indicators
from registry.models import (
    MENTEE_CATEGORIES,
    Mentee,
    Mentor,
    MentorshipForm,
    MentorshipPair,
    PairMentee,
    PairMentor,
)
from registry.pairing import UNPAIRED_NOTE, active_clause
from storage.models import RoadmapRun

_CLASS = re.compile(r"^(\d{1,2})\s*[-«\"]?\s*([А-ЯЁа-яё])?[»\"]?$")


def academic_year(day: date) -> str:
    """«2022–2023» for a day of that school year (it starts on 1 September)."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}–{first + 1}"


def _pupil_text(full_name: str, school_class: str) -> str:
    """«обучающийся 7 «А» класса» / «обучающаяся …»: the way an order names a pupil."""
    try:
        word = "обучающаяся" if detect_gender(full_name) == "female" else "обучающийся"
    except NastavnikError:
        word = "обучающийся"
    match = _CLASS.match(school_class.strip())
    if match is None:
        return f"{word} {school_class}".strip()
    letter = f" «{match[2].upper()}»" if match[2] else ""
    return f"{word} {match[1]}{letter} класса"


def mentor_position(mentor: Mentor) -> str:
    """The mentor's position for documents («учитель математики», «обучающаяся 10 «А» класса»)."""
    if mentor.category == "pupil":
        return _pupil_text(mentor.full_name, mentor.position)
    return mentor.position


def mentee_position(mentee: Mentee) -> str:
    """The mentee's class or position for documents."""
    if mentee.category == "pupil":
        return _pupil_text(mentee.full_name, mentee.school_class)
    if mentee.category == "young_specialist":
        return ", ".join(part for part in (mentee.position, "молодой специалист") if part)
    return mentee.position or MENTEE_CATEGORIES[mentee.category]


class _Registry:
    """One school's present people and active pairs, read once."""

    def __init__(self, session: Session, school_id: str, today: date) -> None:
        self.forms = {f.code: f for f in session.exec(select(MentorshipForm))}
        self.mentors = {
            m.id: m
            for m in session.exec(
                select(Mentor)
                .where(Mentor.school_id == school_id, col(Mentor.removed_at).is_(None))
                .order_by(Mentor.full_name)
            )
        }
        self.mentees = {
            m.id: m
            for m in session.exec(
                select(Mentee)
                .where(Mentee.school_id == school_id, col(Mentee.removed_at).is_(None))
                .order_by(Mentee.full_name)
            )
        }
        self.pairs = list(
            session.exec(
                select(MentorshipPair).where(
                    MentorshipPair.school_id == school_id, *active_clause(today)
                )
            )
        )
        ids = [p.id for p in self.pairs]
        self.pair_mentors: dict[int, list[int]] = defaultdict(list)
        self.pair_mentees: dict[int, list[int]] = defaultdict(list)
        if ids:
            for pair_id, mentor_id in session.exec(
                select(PairMentor.pair_id, PairMentor.mentor_id).where(
                    col(PairMentor.pair_id).in_(ids)
                )
            ):
                if mentor_id in self.mentors:
                    self.pair_mentors[pair_id].append(mentor_id)
            for pair_id, mentee_id in session.exec(
                select(PairMentee.pair_id, PairMentee.mentee_id).where(
                    col(PairMentee.pair_id).in_(ids)
                )
            ):
                if mentee_id in self.mentees:
                    self.pair_mentees[pair_id].append(mentee_id)

    def form_title(self, code: str) -> str:
        return f"«{self.forms[code].title}»"

    def links(self) -> list[tuple[MentorshipPair, Mentor, Mentee]]:
        """(pair, mentor, mentee) for every present mentor × mentee of an active pair."""
        rows = []
        for pair in self.pairs:
            for mentor_id in self.pair_mentors[pair.id or 0]:
                for mentee_id in self.pair_mentees[pair.id or 0]:
                    rows.append((pair, self.mentors[mentor_id], self.mentees[mentee_id]))
        position = {code: form.position for code, form in self.forms.items()}
        rows.sort(
            key=lambda r: (
                position.get(r[0].form_code, 99),
                r[0].group_name or "",
                r[1].full_name,
                r[2].full_name,
            )
        )
        return rows


def _order_pairs(registry: _Registry) -> dict[str, Any]:
    links = registry.links()
    if not links:
        return {}
    return {
        "academic_year": academic_year(min(pair.start_date for pair, _, _ in links)),
        "pairs": [
            {
                "mentor": mentor.full_name,
                "mentee": mentee.full_name,
                "form": registry.form_title(pair.form_code),
                "start": pair.start_date,
                "end": pair.end_date,
                "group": pair.group_name,
                "mentor_position": mentor_position(mentor),
                "mentee_position": mentee_position(mentee),
            }
            for pair, mentor, mentee in links
        ],
    }


def _mentor_registry(registry: _Registry) -> dict[str, Any]:
    if not registry.mentors:
        return {}
    by_mentor: dict[int, list[tuple[MentorshipPair, Mentee]]] = defaultdict(list)
    for pair, mentor, mentee in registry.links():
        by_mentor[mentor.id or 0].append((pair, mentee))
    rows = []
    for mentor_id, mentor in registry.mentors.items():
        links = by_mentor.get(mentor_id or 0, [])
        forms = sorted({registry.form_title(pair.form_code) for pair, _ in links})
        rows.append(
            {
                "full_name": mentor.full_name,
                "position": mentor_position(mentor),
                "forms": ", ".join(forms) or "—",
                "competences": mentor.competencies,
                "experience_years": mentor.experience_years,
                "mentees": [mentee.full_name for _, mentee in links],
                "start": min((pair.start_date for pair, _ in links), default=None),
                "end": max((pair.end_date for pair, _ in links), default=None),
                "contacts": mentor.contacts,
            }
        )
    return {"mentors": rows}


def _mentee_registry(registry: _Registry) -> dict[str, Any]:
    if not registry.mentees:
        return {}
    by_mentee: dict[int, list[tuple[MentorshipPair, Mentor]]] = defaultdict(list)
    for pair, mentor, mentee in registry.links():
        by_mentee[mentee.id or 0].append((pair, mentor))
    rows = []
    for mentee_id, mentee in registry.mentees.items():
        links = by_mentee.get(mentee_id or 0, [])
        waiting = not links and bool(mentee.request)
        rows.append(
            {
                "full_name": mentee.full_name,
                "category": mentee_position(mentee),
                "request": mentee.request or "—",
                "form": ", ".join(sorted({registry.form_title(p.form_code) for p, _ in links}))
                or "—",
                "mentor": ", ".join(mentor.full_name for _, mentor in links) or None,
                "start": min((pair.start_date for pair, _ in links), default=None),
                "end": max((pair.end_date for pair, _ in links), default=None),
                "result": UNPAIRED_NOTE if waiting else "",
            }
        )
    return {"mentees": rows}


def registry_document_data(
    *,
    session: Session,
    template_id: str,
    today: date,
    school_id: str | None = None,
    run: RoadmapRun | None = None,
) -> dict[str, Any]:
    """The fields a template takes from the registry (empty when the registry has nothing)."""
    if template_id == "analytical_report" and run is not None:
        return {"indicators": report_indicators(session=session, run=run, year=today.year)}
    if template_id == "school_report" and run is not None and school_id is not None:
        return {
            "indicators": _school_indicators(
                session=session, run=run, year=today.year, school_id=school_id
            )
        }
    builders = {
        "order_pairs": _order_pairs,
        "mentor_registry": _mentor_registry,
        "mentee_registry": _mentee_registry,
    }
    if school_id is None or template_id not in builders:
        return {}
    return builders[template_id](_Registry(session, school_id, today))


def _school_indicators(
    *, session: Session, run: RoadmapRun, year: int, school_id: str
) -> list[dict[str, Any]]:
    """The run's indicator targets for ``year`` with the school's own values (None: no data)."""
    from registry.indicators import report_indicators

    return report_indicators(session=session, run=run, year=year, school_id=school_id)
