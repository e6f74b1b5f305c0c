"""The registry as people see it: per school, counts always, names only where privacy allows.

``list_registry`` is what the portal's registry page and `nastavnik registry list` show.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from common.errors import NastavnikError
from registry.models import (
    MENTEE_CATEGORIES,
    MENTOR_CATEGORIES,
    PAIR_STATUSES,
    Mentee,
    Mentor,
    MentorshipForm,
    MentorshipPair,
    PairMentee,
    PairMentor,
)
from registry.pairing import UNPAIRED_NOTE, active_clause
from registry.privacy import Access, Viewer, registry_access
from storage.models import School
from storage.schools import municipal_today


@dataclass(frozen=True)
class Counts:
    """A school's registry in numbers (what a viewer sees)."""

    mentors: int = 0
    mentees: int = 0
    with_request: int = 0
    unpaired: int = 0
    active_pairs: int = 0


@dataclass(frozen=True)
class MentorRow:
    """A mentor as listed."""

    ref: str
    full_name: str
    category: str
    position: str
    competencies: str
    capacity: int
    taken: int
    consent: bool


@dataclass(frozen=True)
class MenteeRow:
    """A mentee as listed; ``note`` is «продолжить поиск наставника» when the request waits."""

    ref: str
    full_name: str
    category: str
    school_class: str
    position: str
    request: str
    mentors: list[str]
    note: str


@dataclass(frozen=True)
class PairRow:
    """An active pair or group as listed."""

    id: int
    number: int
    form: str
    mentors: list[str]
    mentees: list[str]
    group: str | None
    programme: str
    start: date
    end: date
    status: str


@dataclass
class SchoolRegistry:
    """One school's registry for one viewer: lists are None when only counts may be seen."""

    school_id: str
    short_name: str
    access: Access
    counts: Counts
    mentors: list[MentorRow] | None = None
    mentees: list[MenteeRow] | None = None
    pairs: list[PairRow] | None = None
    unpaired_only: bool = False
    notes: list[str] = field(default_factory=list)


def _counts(session: Session, schools: list[str], today: date) -> dict[str, Counts]:
    def grouped(query: object) -> dict[str, int]:
        return dict(session.exec(query).all())  # type: ignore[call-overload]

    present_mentee = (col(Mentee.school_id).in_(schools), col(Mentee.removed_at).is_(None))
    paired = (
        select(PairMentee.mentee_id)
        .join(MentorshipPair, col(MentorshipPair.id) == PairMentee.pair_id)
        .where(*active_clause(today))
    )
    mentors = grouped(
        select(Mentor.school_id, func.count())
        .where(col(Mentor.school_id).in_(schools), col(Mentor.removed_at).is_(None))
        .group_by(Mentor.school_id)
    )
    mentees = grouped(
        select(Mentee.school_id, func.count()).where(*present_mentee).group_by(Mentee.school_id)
    )
    requests = grouped(
        select(Mentee.school_id, func.count())
        .where(*present_mentee, Mentee.request != "")
        .group_by(Mentee.school_id)
    )
    unpaired = grouped(
        select(Mentee.school_id, func.count())
        .where(*present_mentee, Mentee.request != "", col(Mentee.id).not_in(paired))
        .group_by(Mentee.school_id)
    )
    pairs = grouped(
        select(MentorshipPair.school_id, func.count())
        .where(col(MentorshipPair.school_id).in_(schools), *active_clause(today))
        .group_by(MentorshipPair.school_id)
    )
    return {
        school: Counts(
            mentors=mentors.get(school, 0),
            mentees=mentees.get(school, 0),
            with_request=requests.get(school, 0),
            unpaired=unpaired.get(school, 0),
            active_pairs=pairs.get(school, 0),
        )
        for school in schools
    }


def _names(session: Session, item: SchoolRegistry, today: date) -> None:
    forms = {f.code: f.title for f in session.exec(select(MentorshipForm))}
    mentors = {
        m.id: m
        for m in session.exec(
            select(Mentor)
            .where(Mentor.school_id == item.school_id, col(Mentor.removed_at).is_(None))
            .order_by(Mentor.full_name)
        )
    }
    mentees = {
        m.id: m
        for m in session.exec(
            select(Mentee)
            .where(Mentee.school_id == item.school_id, col(Mentee.removed_at).is_(None))
            .order_by(Mentee.full_name)
        )
    }
    pairs = list(
        session.exec(
            select(MentorshipPair)
            .where(MentorshipPair.school_id == item.school_id, *active_clause(today))
            .order_by(col(MentorshipPair.id))
        )
    )
    ids = [p.id for p in pairs]
    pair_mentors: dict[int, list[int]] = defaultdict(list)
    pair_mentees: dict[int, list[int]] = defaultdict(list)
    for pair_id, mentor_id in session.exec(
        select(PairMentor.pair_id, PairMentor.mentor_id).where(col(PairMentor.pair_id).in_(ids))
    ):
        pair_mentors[pair_id].append(mentor_id)
    for pair_id, mentee_id in session.exec(
        select(PairMentee.pair_id, PairMentee.mentee_id).where(col(PairMentee.pair_id).in_(ids))
    ):
        pair_mentees[pair_id].append(mentee_id)
    taken: dict[int, int] = defaultdict(int)
    mentors_of: dict[int, list[str]] = defaultdict(list)
    for pair in pairs:
        present = [i for i in pair_mentees[pair.id or 0] if i in mentees]
        for mentor_id in pair_mentors[pair.id or 0]:
            taken[mentor_id] += len(present)
            for mentee_id in present:
                if mentor_id in mentors:
                    mentors_of[mentee_id].append(mentors[mentor_id].full_name)

    def name(people: dict, person_id: int) -> str:  # type: ignore[type-arg]
        return people[person_id].full_name if person_id in people else "(удалён по запросу)"

    item.mentors = [
        MentorRow(
            ref=f"mentor:{m.id}",
            full_name=m.full_name,
            category=MENTOR_CATEGORIES[m.category],
            position=m.position,
            competencies=m.competencies,
            capacity=m.capacity,
            taken=taken[m.id or 0],
            consent=m.consent,
        )
        for m in mentors.values()
    ]
    rows = [
        MenteeRow(
            ref=f"mentee:{m.id}",
            full_name=m.full_name,
            category=MENTEE_CATEGORIES[m.category],
            school_class=m.school_class,
            position=m.position,
            request=m.request,
            mentors=mentors_of[m.id or 0],
            note=UNPAIRED_NOTE if m.request and not mentors_of[m.id or 0] else "",
        )
        for m in mentees.values()
    ]
    item.mentees = [r for r in rows if r.note] if item.unpaired_only else rows
    item.pairs = [
        PairRow(
            id=p.id or 0,
            number=p.number or p.id or 0,
            form=forms.get(p.form_code, p.form_code),
            mentors=[name(mentors, i) for i in pair_mentors[p.id or 0]],
            mentees=[name(mentees, i) for i in pair_mentees[p.id or 0]],
            group=p.group_name,
            programme=p.programme,
            start=p.start_date,
            end=p.end_date,
            status=PAIR_STATUSES[p.status],
        )
        for p in pairs
    ]


def list_registry(
    *,
    session: Session,
    viewer: Viewer,
    now: datetime,
    school_id: str | None = None,
    unpaired_only: bool = False,
) -> list[SchoolRegistry]:
    """Each school's registry the viewer may see: counts, and names where allowed.

    Args:
        session: an open session.
        viewer: who looks (registry/privacy.py decides names, counts or nothing).
        now: the moment (active pairs are those running today).
        school_id: one school, or every school the viewer may see.
        unpaired_only: list only the mentees whose request waits for a mentor.
    """
    today = municipal_today(session, now)
    names = {s.id: s.short_name for s in session.exec(select(School).order_by(School.id))}
    if school_id is not None:
        if school_id not in names:
            raise NastavnikError(code="school.unknown", field="school", school=school_id)
        if registry_access(viewer, school_id) == "none":
            raise NastavnikError(code="registry.no_access", where=f"школа {school_id}")
        chosen = [school_id]
    else:
        chosen = [s for s in names if registry_access(viewer, s) != "none"]
    counts = _counts(session, chosen, today)
    result = []
    for school in chosen:
        item = SchoolRegistry(
            school_id=school,
            short_name=names[school],
            access=registry_access(viewer, school),
            counts=counts[school],
            unpaired_only=unpaired_only,
        )
        if item.access == "names":
            _names(session, item, today)
        result.append(item)
    return result
