"""Suggest mentors for a mentee: the request's words against the competencies, and free places.

Words are compared by a simple stem (lower case, «ё» as «е», a common ending cut off, so
«математике» and «математика» meet) and two stems match when one begins with the other. Only
mentors who can take the mentee are ranked: of the same school, not removed, with consent, with a
free place and a form of mentorship that fits both categories.

Score (0–100) = 80 × (share of the request's words found in the mentor's competencies or
position) + 20 × (share of the mentor's places still free). The explanation says which words
matched, how many places are free and in which form the pair would be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from common.errors import NastavnikError
from common.messages import render_message
from registry.forms import list_forms
from registry.models import Mentee, Mentor
from registry.pairing import load_of
from registry.people import get_person
from storage.schools import municipal_today

_WORD = re.compile(r"[a-zа-яё]+", re.IGNORECASE)
_STOP = {
    "и", "в", "во", "на", "по", "к", "ко", "с", "со", "для", "при", "об", "о", "от", "до", "из",
    "за", "не", "а", "или", "как", "что", "его", "ее", "их", "the", "of",
}  # fmt: skip
_ENDINGS = sorted(
    (
        "ами",
        "ями",
        "ого",
        "его",
        "ому",
        "ему",
        "ыми",
        "ими",
        "ых",
        "их",
        "ой",
        "ей",
        "ий",
        "ый",
        "ая",
        "яя",
        "ое",
        "ее",
        "ую",
        "юю",
        "ов",
        "ев",
        "ах",
        "ях",
        "ам",
        "ям",
        "ом",
        "ем",
        "ия",
        "ие",
        "ию",
        "ии",
        "ью",
        "а",
        "я",
        "о",
        "е",
        "ы",
        "и",
        "у",
        "ю",
        "ь",
        "й",
    ),  # fmt: skip
    key=len,
    reverse=True,
)
REQUEST_WEIGHT = 80
CAPACITY_WEIGHT = 20


def stem(word: str) -> str:
    """A word's simple stem: lower case, «ё» → «е», one common ending cut (stem ≥ 3 letters)."""
    word = word.lower().replace("ё", "е")
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def words_of(text: str) -> dict[str, str]:
    """stem → the word as written, for the meaningful words of a text."""
    found: dict[str, str] = {}
    for word in _WORD.findall(text):
        if word.lower() in _STOP or len(word) < 2:
            continue
        found.setdefault(stem(word), word.lower())
    return found


def _matches(a: str, b: str) -> bool:
    shorter, longer = sorted((a, b), key=len)
    return longer.startswith(shorter) and (len(shorter) >= 4 or shorter == longer)


@dataclass(frozen=True)
class Suggestion:
    """A mentor who could take the mentee, with the score and why."""

    mentor_id: int
    full_name: str
    score: int
    matched: list[str]
    free: int
    capacity: int
    forms: list[str]

    @property
    def explanation(self) -> str:
        """«совпадает: математика, олимпиада; свободно мест: 1 из 3; форма «учитель – ученик»»."""
        forms = ", ".join(f"«{title}»" for title in self.forms)
        one = len(self.forms) == 1
        if self.matched:
            return render_message(
                "suggest.matched" if one else "suggest.matched_forms",
                matched=", ".join(self.matched),
                free=self.free,
                capacity=self.capacity,
                forms=forms,
            )
        return render_message(
            "suggest.unmatched" if one else "suggest.unmatched_forms",
            free=self.free,
            capacity=self.capacity,
            forms=forms,
        )


def suggest_mentors(
    *, session: Session, mentee_id: int, now: datetime, limit: int = 5
) -> list[Suggestion]:
    """The best mentors for a mentee, best first (ties: more free places, then the name).

    Args:
        session: an open session.
        mentee_id: the mentee's id.
        now: the moment (free places are counted from the pairs active today).
        limit: how many to return.
    """
    mentee = get_person(session, "mentee", mentee_id)
    if not isinstance(mentee, Mentee) or mentee.removed_at is not None:
        raise NastavnikError(code="registry.mentee_removed", mentee=mentee_id)
    today = municipal_today(session, now)
    load = load_of(session, mentee.school_id, today)
    forms = [
        f for f in list_forms(session, active_only=True) if mentee.category in f.mentee_categories
    ]
    busy_forms = {form for (person, form) in load.by_mentee_form if person == mentee_id}
    request = words_of(mentee.request)
    suggestions = []
    for mentor in session.exec(
        select(Mentor).where(
            Mentor.school_id == mentee.school_id,
            col(Mentor.removed_at).is_(None),
            Mentor.consent == True,  # noqa: E712  (SQL, not Python)
        )
    ):
        free = mentor.capacity - load.per_mentor[mentor.id or 0]
        fitting = [
            f.title
            for f in forms
            if f.mentor_category == mentor.category and f.code not in busy_forms
        ]
        if free <= 0 or not fitting:
            continue
        offered = words_of(f"{mentor.competencies} {mentor.position}")
        matched = [
            offered_word
            for offered_stem, offered_word in offered.items()
            if any(_matches(offered_stem, wanted) for wanted in request)
        ]
        found = sum(1 for wanted in request if any(_matches(wanted, s) for s in offered))
        relevance = found / len(request) if request else 0.0
        score = round(REQUEST_WEIGHT * relevance + CAPACITY_WEIGHT * free / mentor.capacity)
        suggestions.append(
            Suggestion(
                mentor_id=mentor.id or 0,
                full_name=mentor.full_name,
                score=score,
                matched=matched,
                free=free,
                capacity=mentor.capacity,
                forms=fitting,
            )
        )
    suggestions.sort(key=lambda s: (-s.score, -s.free, s.full_name))
    return suggestions[:limit]
