"""Pairs and groups (наставнические пары, группы) and the rules a pair must keep.

Rules, checked for a new pair and for every row of an imported file:

- the form exists and is offered; its mentor category and mentee categories fit the people
  («учитель – ученик»: the mentor is a teacher, the mentee a pupil);
- every person belongs to the school and was not removed on request;
- a mentor without consent to personal data processing cannot be paired;
- a mentor takes no more mentees in active pairs than their capacity;
- a mentee is in at most one active pair of each form;
- the start is not after the end.

A pair is *active* on a day when its status is «active» and it has not ended before that day.
Each rule is a row of ``PAIR_RULES``, ``MENTOR_RULES`` or ``MENTEE_RULES`` with the catalogue code
of its message (common/messages.py). Errors name the field in Russian; nothing is written while
any rule is broken.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from common.errors import NastavnikError
from common.messages import render_message
from common.russian import format_date_numeric
from engine.actions import Actor
from registry.forms import find_form, list_forms
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
from registry.people import require_school
from registry.values import FieldErrors
from storage.journal import record_act
from storage.models import School
from storage.schools import municipal_today

PAIR_LABELS: dict[str, str] = {
    "form": "форма наставничества",
    "mentors": "наставник",
    "mentees": "наставляемый",
    "programme": "программа",
    "group_name": "группа",
    "start_date": "начало",
    "end_date": "окончание",
    "status": "статус",
}
UNPAIRED_NOTE = "продолжить поиск наставника"


@dataclass
class PairDraft:
    """A pair before it is written: what a form or an import row asks for."""

    form: str
    mentor_ids: list[int]
    mentee_ids: list[int]
    start_date: date | None
    end_date: date | None
    programme: str = ""
    group_name: str | None = None
    status: str | None = None


@dataclass
class PairLoad:
    """The school's active pairs as the rules see them: mentees per mentor, pair per mentee×form."""

    per_mentor: Counter[int] = field(default_factory=Counter)
    by_mentee_form: dict[tuple[int, str], int] = field(default_factory=dict)

    def take(self, draft: PairDraft, form_code: str, pair_id: int) -> None:
        """Count a pair that was accepted (the import checks its rows one after another)."""
        for mentor_id in draft.mentor_ids:
            self.per_mentor[mentor_id] += len(draft.mentee_ids)
        for mentee_id in draft.mentee_ids:
            self.by_mentee_form[(mentee_id, form_code)] = pair_id


def active_clause(today: date) -> list[Any]:
    """SQL conditions of an active pair on ``today``."""
    return [MentorshipPair.status == "active", col(MentorshipPair.end_date) >= today]


def load_of(session: Session, school_id: str, today: date) -> PairLoad:
    """The current load of a school's mentors and mentees from its active pairs."""
    load = PairLoad()
    active = select(MentorshipPair.id).where(
        MentorshipPair.school_id == school_id, *active_clause(today)
    )
    pair_ids = list(session.exec(active))
    if not pair_ids:
        return load
    present_mentees = dict(
        session.exec(
            select(PairMentee.pair_id, func.count())
            .join(Mentee, col(Mentee.id) == PairMentee.mentee_id)
            .where(col(PairMentee.pair_id).in_(pair_ids), col(Mentee.removed_at).is_(None))
            .group_by(col(PairMentee.pair_id))
        ).all()
    )
    for pair_id, mentor_id in session.exec(
        select(PairMentor.pair_id, PairMentor.mentor_id).where(
            col(PairMentor.pair_id).in_(pair_ids)
        )
    ):
        load.per_mentor[mentor_id] += present_mentees.get(pair_id, 0)
    for pair_id, mentee_id, form_code in session.exec(
        select(PairMentee.pair_id, PairMentee.mentee_id, MentorshipPair.form_code)
        .join(MentorshipPair, col(MentorshipPair.id) == PairMentee.pair_id)
        .where(col(PairMentee.pair_id).in_(pair_ids))
    ):
        load.by_mentee_form[(mentee_id, form_code)] = pair_id
    return load


def _short(full_name: str) -> str:
    words = full_name.split()
    if len(words) < 2:
        return full_name or "(удалён)"
    return f"{words[0]} " + " ".join(f"{word[0]}." for word in words[1:3])


@dataclass(frozen=True)
class _Pairing:
    """What the rules of one draft pair see."""

    draft: PairDraft
    form: MentorshipForm | None
    forms: list[MentorshipForm]
    school_id: str
    load: PairLoad
    active: bool


@dataclass(frozen=True)
class PairingRule:
    """One pairing rule: the field it concerns, the catalogue code of its message, and a check.

    ``broken`` gets the pairing and, for a rule of a person, the mentor or mentee (None when the
    id is not in the school's base); it returns the message's parameters when the rule is broken,
    None when it holds. A broken ``final`` rule skips that person's remaining rules.
    """

    field: str
    code: str
    broken: Callable[[_Pairing, Any], dict[str, object] | None]
    final: bool = False


def _params(condition: bool, **params: object) -> dict[str, object] | None:
    return params if condition else None


def _mentor_over_capacity(p: _Pairing, mentor: Mentor) -> dict[str, object] | None:
    taken = p.load.per_mentor[mentor.id or 0]
    return _params(
        taken + len(p.draft.mentee_ids) > mentor.capacity and p.active,
        name=_short(mentor.full_name),
        free=max(mentor.capacity - taken, 0),
        capacity=mentor.capacity,
        mentees=len(p.draft.mentee_ids),
    )


def _mentee_paired(p: _Pairing, mentee: Mentee) -> dict[str, object] | None:
    if p.form is None or not p.active:
        return None
    other = p.load.by_mentee_form.get((mentee.id or 0, p.form.code))
    return _params(other is not None, name=_short(mentee.full_name), pair=other, form=p.form.title)


# The rules of the pair itself, in the order their messages are told.
PAIR_RULES: tuple[PairingRule, ...] = (
    PairingRule(
        "form", code="pairing.form_empty", broken=lambda p, _: _params(not p.draft.form.strip())
    ),
    PairingRule(
        "form",
        code="pairing.form_unknown",
        broken=lambda p, _: _params(
            bool(p.draft.form.strip()) and p.form is None,
            form=p.draft.form,
            offered=", ".join(f"«{f.title}»" for f in p.forms if f.active),
        ),
    ),
    PairingRule(
        "form",
        code="pairing.form_off",
        broken=lambda p, _: _params(
            p.form is not None and not p.form.active, form=p.form and p.form.title
        ),
    ),
    PairingRule(
        "mentors", code="pairing.no_mentor", broken=lambda p, _: _params(not p.draft.mentor_ids)
    ),
    PairingRule(
        "mentees", code="pairing.no_mentee", broken=lambda p, _: _params(not p.draft.mentee_ids)
    ),
    PairingRule(
        "mentees",
        code="pairing.mentee_twice",
        broken=lambda p, _: _params(len(set(p.draft.mentee_ids)) != len(p.draft.mentee_ids)),
    ),
    PairingRule(
        "start_date",
        code="pairing.start_empty",
        broken=lambda p, _: _params(p.draft.start_date is None),
    ),
    PairingRule(
        "end_date", code="pairing.end_empty", broken=lambda p, _: _params(p.draft.end_date is None)
    ),
    PairingRule(
        "end_date",
        code="pairing.end_before_start",
        broken=lambda p, _: _params(
            p.draft.start_date is not None
            and p.draft.end_date is not None
            and p.draft.start_date > p.draft.end_date,
            end=p.draft.end_date and format_date_numeric(p.draft.end_date),
            start=p.draft.start_date and format_date_numeric(p.draft.start_date),
        ),
    ),
    PairingRule(
        "status",
        code="pairing.status_unknown",
        broken=lambda p, _: _params(
            p.draft.status is not None and p.draft.status not in PAIR_STATUSES,
            status=p.draft.status,
            allowed=", ".join(f"«{label}»" for label in PAIR_STATUSES.values()),
        ),
    ),
)
# The rules of each mentor of the pair.
MENTOR_RULES: tuple[PairingRule, ...] = (
    PairingRule(
        "mentors",
        code="pairing.mentor_not_in_school",
        broken=lambda p, mentor: _params(mentor is None or mentor.school_id != p.school_id),
        final=True,
    ),
    PairingRule(
        "mentors",
        code="pairing.mentor_removed",
        broken=lambda p, mentor: _params(mentor.removed_at is not None),
        final=True,
    ),
    PairingRule(
        "mentors",
        code="pairing.mentor_category",
        broken=lambda p, mentor: _params(
            p.form is not None and mentor.category != p.form.mentor_category,
            name=_short(mentor.full_name),
            category=MENTOR_CATEGORIES[mentor.category],
            form=p.form and p.form.title,
            expected=p.form and MENTOR_CATEGORIES[p.form.mentor_category],
        ),
    ),
    PairingRule(
        "mentors",
        code="pairing.mentor_consent",
        broken=lambda p, mentor: _params(not mentor.consent, name=_short(mentor.full_name)),
    ),
    PairingRule("mentors", code="pairing.mentor_capacity", broken=_mentor_over_capacity),
)
# The rules of each mentee of the pair.
MENTEE_RULES: tuple[PairingRule, ...] = (
    PairingRule(
        "mentees",
        code="pairing.mentee_not_in_school",
        broken=lambda p, mentee: _params(mentee is None or mentee.school_id != p.school_id),
        final=True,
    ),
    PairingRule(
        "mentees",
        code="pairing.mentee_removed",
        broken=lambda p, mentee: _params(mentee.removed_at is not None),
        final=True,
    ),
    PairingRule(
        "mentees",
        code="pairing.mentee_category",
        broken=lambda p, mentee: _params(
            p.form is not None and mentee.category not in p.form.mentee_categories,
            name=_short(mentee.full_name),
            category=MENTEE_CATEGORIES[mentee.category],
            form=p.form and p.form.title,
            allowed=p.form and " или ".join(MENTEE_CATEGORIES[c] for c in p.form.mentee_categories),
        ),
    ),
    PairingRule("mentees", code="pairing.mentee_paired", broken=_mentee_paired),
)
# the fields in the order a form shows them (and an import reports them)
_FIELD_ORDER = ("form", "mentors", "mentees", "start_date", "end_date", "status")


def check_pair(
    draft: PairDraft,
    *,
    school_id: str,
    forms: list[MentorshipForm],
    mentors: dict[int, Mentor],
    mentees: dict[int, Mentee],
    load: PairLoad,
    today: date,
) -> tuple[MentorshipForm | None, dict[str, str]]:
    """The form and the broken rules of a draft pair, by field (Russian messages).

    Checks ``PAIR_RULES``, then ``MENTOR_RULES`` for each mentor and ``MENTEE_RULES`` for each
    mentee; a field's messages are joined with «; ».
    """
    form = find_form(forms, draft.form) if draft.form.strip() else None
    pairing = _Pairing(
        draft=draft,
        form=form,
        forms=forms,
        school_id=school_id,
        load=load,
        active=_is_active(draft, today),
    )
    found: dict[str, list[str]] = {}
    checks: list[tuple[tuple[PairingRule, ...], Any]] = [(PAIR_RULES, None)]
    checks += [(MENTOR_RULES, mentors.get(mentor_id)) for mentor_id in draft.mentor_ids]
    checks += [(MENTEE_RULES, mentees.get(mentee_id)) for mentee_id in draft.mentee_ids]
    for rules, person in checks:
        for rule in rules:
            params = rule.broken(pairing, person)
            if params is None:
                continue
            found.setdefault(rule.field, []).append(render_message(rule.code, **params))
            if rule.final:
                break
    problems = {name: "; ".join(found[name]) for name in _FIELD_ORDER if name in found}
    return form, problems


def _is_active(draft: PairDraft, today: date) -> bool:
    status = draft.status or default_status(draft.end_date, today)
    return status == "active"


def default_status(end_date: date | None, today: date) -> str:
    """A pair whose end has passed is entered as finished, otherwise as active."""
    return "finished" if end_date is not None and end_date < today else "active"


def next_pair_number(session: Session, school_id: str) -> int:
    """The school's next pair number (1, 2, …), not the database id that other schools share.

    The school's row is locked first (PostgreSQL), so two pairs made at once get two numbers;
    SQLite's write transactions are serialised already.
    """
    session.exec(select(School).where(School.id == school_id).with_for_update()).first()
    last = session.exec(
        select(func.max(MentorshipPair.number)).where(MentorshipPair.school_id == school_id)
    ).one()
    return int(last or 0) + 1


def write_pair(
    session: Session,
    *,
    school_id: str,
    draft: PairDraft,
    form: MentorshipForm,
    today: date,
    now: datetime,
) -> MentorshipPair:
    """Insert a checked pair and its members (no checks here: ``check_pair`` first)."""
    assert draft.start_date is not None and draft.end_date is not None
    pair = MentorshipPair(
        school_id=school_id,
        number=next_pair_number(session, school_id),
        form_code=form.code,
        programme=draft.programme.strip(),
        group_name=(draft.group_name or "").strip() or None,
        start_date=draft.start_date,
        end_date=draft.end_date,
        status=draft.status or default_status(draft.end_date, today),
        created_at=now,
        updated_at=now,
    )
    session.add(pair)
    session.flush()
    for mentor_id in draft.mentor_ids:
        session.add(PairMentor(pair_id=pair.id or 0, mentor_id=mentor_id))
    for mentee_id in draft.mentee_ids:
        session.add(PairMentee(pair_id=pair.id or 0, mentee_id=mentee_id))
    session.flush()
    return pair


def people_of(session: Session, school_id: str) -> tuple[dict[int, Mentor], dict[int, Mentee]]:
    """A school's mentors and mentees by id (removed ones too: the rules name them)."""
    mentors = {
        m.id or 0: m for m in session.exec(select(Mentor).where(Mentor.school_id == school_id))
    }
    mentees = {
        m.id or 0: m for m in session.exec(select(Mentee).where(Mentee.school_id == school_id))
    }
    return mentors, mentees


def add_pair(
    *,
    session: Session,
    school_id: str,
    form: str,
    mentor_ids: Iterable[int],
    mentee_ids: Iterable[int],
    start_date: date | None,
    end_date: date | None,
    actor: Actor,
    now: datetime,
    programme: str = "",
    group_name: str | None = None,
) -> MentorshipPair:
    """Form a pair or a group after checking every rule; ``FieldErrors`` lists what is wrong.

    Args:
        session: the open session (the caller commits).
        school_id: the school of the pair; all people must belong to it.
        form: the form's code or title («учитель – ученик»).
        mentor_ids, mentee_ids: ids of the school's mentors and mentees (a group: several).
        start_date, end_date: the period of mentorship.
        actor: who forms the pair (journaled).
        now: the moment of the act.
        programme: the mentorship programme it works by.
        group_name: a name for a group («Группа № 1»).
    """
    require_school(session, school_id)
    today = municipal_today(session, now)
    draft = PairDraft(
        form=form,
        mentor_ids=list(mentor_ids),
        mentee_ids=list(mentee_ids),
        start_date=start_date,
        end_date=end_date,
        programme=programme,
        group_name=group_name,
    )
    mentors, mentees = people_of(session, school_id)
    chosen, problems = check_pair(
        draft,
        school_id=school_id,
        forms=list_forms(session),
        mentors=mentors,
        mentees=mentees,
        load=load_of(session, school_id, today),
        today=today,
    )
    if problems or chosen is None:
        raise FieldErrors(problems, labels=PAIR_LABELS)
    pair = write_pair(session, school_id=school_id, draft=draft, form=chosen, today=today, now=now)
    record_act(
        session,
        actor=actor,
        action="pair_add",
        now=now,
        school_id=school_id,
        details={
            "pair": pair.id,
            "form": chosen.code,
            "mentors": [f"mentor:{i}" for i in draft.mentor_ids],
            "mentees": [f"mentee:{i}" for i in draft.mentee_ids],
        },
    )
    return pair


def end_pair(
    *,
    session: Session,
    pair_id: int,
    actor: Actor,
    now: datetime,
    status: str = "finished",
    on: date | None = None,
) -> MentorshipPair:
    """Finish (the programme is done) or cancel (stopped early) an active pair, from ``on`` (today)."""
    if status not in ("finished", "cancelled"):
        raise NastavnikError(code="registry.pair_end_status", field="status")
    pair = session.get(MentorshipPair, pair_id)
    if pair is None:
        raise NastavnikError(code="registry.unknown_pair", pair=pair_id)
    if pair.status != "active":
        raise NastavnikError(
            code="registry.pair_not_active",
            pair=pair_id,
            status=PAIR_STATUSES.get(pair.status, pair.status),
        )
    day = on or municipal_today(session, now)
    if day < pair.start_date:
        raise FieldErrors(
            {
                "end_date": render_message(
                    "pairing.end_before_start",
                    end=format_date_numeric(day),
                    start=format_date_numeric(pair.start_date),
                )
            },
            labels=PAIR_LABELS,
        )
    pair.status = status
    pair.end_date = min(pair.end_date, day)
    pair.version += 1
    pair.updated_at = now
    session.add(pair)
    record_act(
        session,
        actor=actor,
        action="pair_end",
        now=now,
        school_id=pair.school_id,
        details={"pair": pair_id, "status": status, "on": day.isoformat()},
    )
    session.flush()
    return pair


def unpaired_mentees(
    session: Session, *, today: date, school_id: str | None = None
) -> list[Mentee]:
    """Mentees with a request and no active pair: «продолжить поиск наставника»."""
    paired = (
        select(PairMentee.mentee_id)
        .join(MentorshipPair, col(MentorshipPair.id) == PairMentee.pair_id)
        .where(*active_clause(today))
    )
    query = select(Mentee).where(
        col(Mentee.removed_at).is_(None),
        Mentee.request != "",
        col(Mentee.id).not_in(paired),
    )
    if school_id is not None:
        query = query.where(Mentee.school_id == school_id)
    return list(session.exec(query.order_by(Mentee.school_id, Mentee.full_name)))
