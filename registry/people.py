"""Mentors and mentees of a school: add, edit, find, remove on request.

Every function takes the session, ``now`` and the acting ``Actor`` (journaled); the portal's forms
and the CLI call them as they are. Bad values raise ``FieldErrors`` naming each field in Russian.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select

from common.errors import NastavnikError
from common.messages import render_message
from engine.actions import Actor
from registry.models import Mentee, Mentor, MentorshipPair, PairMentee, PairMentor
from registry.values import (
    MENTEE_FIELDS,
    MENTOR_FIELDS,
    FieldErrors,
    check_mentee,
    check_mentor,
    labels_of,
    normalise_word,
)
from storage.journal import record_act
from storage.models import School
from storage.schools import municipal_today

Kind = Literal["mentor", "mentee"]
Person = Mentor | Mentee
KIND_LABELS: dict[str, str] = {"mentor": "наставник", "mentee": "наставляемый"}
_REF = re.compile(r"^\s*(mentor|mentee)\s*[:#]\s*(\d+)\s*$")


def person_ref(person: Person) -> str:
    """How a person is named outside the registry (journal, CLI): «mentor:12», «mentee:5»."""
    kind = "mentor" if isinstance(person, Mentor) else "mentee"
    return f"{kind}:{person.id}"


def parse_person_ref(text: str) -> tuple[Kind, int]:
    """«mentor:12» → ("mentor", 12); a clear error for anything else."""
    match = _REF.match(text)
    if match is None:
        raise NastavnikError(code="registry.person_ref", text=text)
    kind: Kind = "mentor" if match[1] == "mentor" else "mentee"
    return kind, int(match[2])


def model_of(kind: Kind) -> type[Mentor] | type[Mentee]:
    """The table of a kind of person."""
    return Mentor if kind == "mentor" else Mentee


def get_person(session: Session, kind: Kind, person_id: int) -> Person:
    """A person by kind and id (removed ones too); a clear error when there is none."""
    person: Person | None = (
        session.get(Mentor, person_id) if kind == "mentor" else session.get(Mentee, person_id)
    )
    if person is None:
        raise NastavnikError(
            code="registry.unknown_person",
            kind="наставника" if kind == "mentor" else "наставляемого",
            person=person_id,
        )
    return person


def require_school(session: Session, school_id: str) -> School:
    """The school, or a clear error naming the unknown id."""
    school = session.get(School, school_id)
    if school is None:
        raise NastavnikError(code="school.unknown", field="school", school=school_id)
    return school


def name_key(full_name: str) -> str:
    """The form in which two names are the same person: case, «ё» and spaces ignored."""
    return normalise_word(full_name)


def people_by_name(session: Session, kind: Kind, school_id: str) -> dict[str, Person]:
    """The school's present (not removed) people of a kind by ``name_key``."""
    found: dict[str, Person] = {}
    if kind == "mentor":
        for mentor in session.exec(
            select(Mentor).where(Mentor.school_id == school_id, col(Mentor.removed_at).is_(None))
        ):
            found[name_key(mentor.full_name)] = mentor
    else:
        for mentee in session.exec(
            select(Mentee).where(Mentee.school_id == school_id, col(Mentee.removed_at).is_(None))
        ):
            found[name_key(mentee.full_name)] = mentee
    return found


def check_person(
    kind: Kind, raw: Mapping[str, Any], *, today: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """The values of a mentor or mentee and the problems with them, by field."""
    return (check_mentor if kind == "mentor" else check_mentee)(raw, today=today)


def field_labels(kind: Kind) -> dict[str, str]:
    """Field id → Russian label for a kind of person."""
    return labels_of(MENTOR_FIELDS if kind == "mentor" else MENTEE_FIELDS)


def add_person(
    *,
    session: Session,
    kind: Kind,
    school_id: str,
    values: Mapping[str, Any],
    actor: Actor,
    now: datetime,
) -> Person:
    """Add a mentor or mentee to a school's base; the same name twice is refused.

    Args:
        session: the open session (the caller commits).
        kind: "mentor" or "mentee".
        school_id: the school whose base it is.
        values: field id → value as typed (text) or already typed (int, date, bool).
        actor: who adds (journaled).
        now: the moment of the act.
    """
    require_school(session, school_id)
    checked, problems = check_person(kind, values, today=municipal_today(session, now))
    if not problems and name_key(checked["full_name"]) in people_by_name(session, kind, school_id):
        problems["full_name"] = render_message(
            "registry.name_taken_edit", name=checked["full_name"]
        )
    if problems:
        raise FieldErrors(problems, labels=field_labels(kind))
    person = model_of(kind)(school_id=school_id, created_at=now, updated_at=now, **checked)
    session.add(person)
    session.flush()
    record_act(
        session,
        actor=actor,
        action="registry_add",
        now=now,
        school_id=school_id,
        details={"person": person_ref(person)},
    )
    return person


def edit_person(
    *,
    session: Session,
    kind: Kind,
    person_id: int,
    values: Mapping[str, Any],
    actor: Actor,
    now: datetime,
    version: int | None = None,
) -> Person:
    """Change the fields given (others stay); ``version`` guards against a concurrent edit."""
    person = get_person(session, kind, person_id)
    if person.removed_at is not None:
        raise NastavnikError(code="registry.person_removed", person=person_ref(person))
    if version is not None and version != person.version:
        raise NastavnikError(code="registry.changed_meanwhile", person=person_ref(person))
    labels = field_labels(kind)
    unknown = [name for name in values if name not in labels]
    if unknown:
        raise NastavnikError(
            code="registry.unknown_fields", where=person_ref(person), fields=", ".join(unknown)
        )
    current = {name: getattr(person, name) for name in labels}
    merged = {**current, **values}
    checked, problems = check_person(kind, merged, today=municipal_today(session, now))
    if "full_name" not in problems:
        other = people_by_name(session, kind, person.school_id).get(name_key(checked["full_name"]))
        if other is not None and other.id != person.id:
            problems["full_name"] = render_message("registry.name_taken", name=checked["full_name"])
    if problems:
        raise FieldErrors(problems, labels=labels)
    changed = sorted(name for name in labels if checked.get(name) != current.get(name))
    if changed:
        for name in changed:
            setattr(person, name, checked[name])
        person.version += 1
        person.updated_at = now
        session.add(person)
        record_act(
            session,
            actor=actor,
            action="registry_edit",
            now=now,
            school_id=person.school_id,
            details={"person": person_ref(person), "fields": changed},
        )
        session.flush()
    return person


@dataclass(frozen=True)
class Removal:
    """What removing a person on request did."""

    person: str
    school_id: str
    pairs_ended: list[int]


_ERASED_MENTOR = {
    "full_name": "",
    "position": "",
    "competencies": "",
    "contacts": "",
    "experience_years": None,
    "hours_per_month": None,
    "consent_date": None,
}
_ERASED_MENTEE = {
    "full_name": "",
    "school_class": "",
    "position": "",
    "request": "",
    "experience_years": None,
}


def _without_name(reason: str, full_name: str) -> str:
    """The reason with the person's name words blanked: the journal must not keep the name."""
    for word in full_name.split():
        if len(word) > 2:
            # the stem catches the other cases too: «Соколов» → «Соколова», «Кузьмина» → «Кузьминой»
            stem = word[: max(3, len(word) - 2)]
            reason = re.sub(rf"\b{re.escape(stem)}\w*", "…", reason, flags=re.IGNORECASE)
    return reason


def remove_person(
    *,
    session: Session,
    kind: Kind,
    person_id: int,
    reason: str,
    actor: Actor,
    now: datetime,
) -> Removal:
    """Remove a person on request: erase the personal fields, end the pairs left without them.

    The row stays depersonalised (category and age only), so the year's counts do not change;
    the journal says that a removal happened and why, without the name.
    """
    if not reason or not reason.strip():
        raise NastavnikError(code="registry.removal_reason", field="reason")
    person = get_person(session, kind, person_id)
    ref = person_ref(person)
    if person.removed_at is not None:
        raise NastavnikError(code="registry.person_already_removed", person=ref)
    today = municipal_today(session, now)
    link = PairMentor if kind == "mentor" else PairMentee
    member = link.mentor_id if kind == "mentor" else link.mentee_id  # type: ignore[union-attr]
    pair_ids = list(session.exec(select(link.pair_id).where(member == person_id)))
    ended: list[int] = []
    for pair in session.exec(
        select(MentorshipPair).where(
            col(MentorshipPair.id).in_(pair_ids), MentorshipPair.status == "active"
        )
    ):
        others = _other_present_members(
            session, pair_id=pair.id or 0, kind=kind, person_id=person_id
        )
        if others == 0:
            pair.status = "cancelled"
            pair.end_date = min(pair.end_date, today)
            pair.version += 1
            pair.updated_at = now
            session.add(pair)
            ended.append(pair.id or 0)
    clean_reason = _without_name(reason.strip(), person.full_name)
    for name, value in (_ERASED_MENTOR if kind == "mentor" else _ERASED_MENTEE).items():
        setattr(person, name, value)
    person.removed_at = now
    person.updated_at = now
    person.version += 1
    session.add(person)
    record_act(
        session,
        actor=actor,
        action="registry_remove",
        now=now,
        school_id=person.school_id,
        details={"person": ref, "reason": clean_reason, "pairs_ended": ended},
    )
    session.flush()
    return Removal(person=ref, school_id=person.school_id, pairs_ended=ended)


def _other_present_members(session: Session, *, pair_id: int, kind: Kind, person_id: int) -> int:
    if kind == "mentor":
        rows = session.exec(
            select(Mentor.id)
            .join(PairMentor, col(PairMentor.mentor_id) == Mentor.id)
            .where(
                PairMentor.pair_id == pair_id,
                Mentor.id != person_id,
                col(Mentor.removed_at).is_(None),
            )
        )
    else:
        rows = session.exec(
            select(Mentee.id)
            .join(PairMentee, col(PairMentee.mentee_id) == Mentee.id)
            .where(
                PairMentee.pair_id == pair_id,
                Mentee.id != person_id,
                col(Mentee.removed_at).is_(None),
            )
        )
    return len(list(rows))
