"""Sign-in limits: failed passwords and sign-in links asked for, counted in the database.

Only failures count against a password sign-in, so the colleagues of one school behind one proxy
may all sign in every morning; a guesser is stopped per account (MAX_FAILURES_PER_EMAIL) and per
address (MAX_FAILURES_PER_ADDRESS, for one address trying many accounts). Links cost a letter each,
so every request for one counts. The rows live in the database, so all worker processes of the
portal (`nastavnik serve --workers N`, several machines) share the same counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from web.models import SignInAttempt

Kind = Literal["password_failure", "link_request"]

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 30
MAX_LINKS_PER_EMAIL = 5
MAX_LINKS_PER_ADDRESS = 60

_LIMITS: dict[str, tuple[int, int]] = {
    "password_failure": (MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_ADDRESS),
    "link_request": (MAX_LINKS_PER_EMAIL, MAX_LINKS_PER_ADDRESS),
}


def _count(session: Session, kind: Kind, column: object, value: str, since: datetime) -> int:
    return int(
        session.exec(
            select(func.count()).where(  # type: ignore[call-overload]
                col(SignInAttempt.kind) == kind,
                column == value,
                col(SignInAttempt.at) > since,
            )
        ).one()
    )


def attempts_exhausted(
    *, session: Session, kind: Kind, address: str, email: str, now: datetime
) -> bool:
    """Whether the account or the address has used up its attempts of this kind in WINDOW."""
    per_email, per_address = _LIMITS[kind]
    since = now - WINDOW
    if email and _count(session, kind, col(SignInAttempt.email), email, since) >= per_email:
        return True
    return bool(
        address and _count(session, kind, col(SignInAttempt.address), address, since) >= per_address
    )


def record_attempt(
    *, session: Session, kind: Kind, address: str, email: str, now: datetime
) -> None:
    """Count one attempt (a failed password, a link asked for); drops rows older than WINDOW."""
    session.execute(delete(SignInAttempt).where(col(SignInAttempt.at) <= now - WINDOW))
    session.add(SignInAttempt(kind=kind, at=now, address=address[:64], email=email[:320]))


def forgive_failures(*, session: Session, email: str) -> None:
    """A successful sign-in clears the account's failed passwords (the address's stay)."""
    session.execute(
        delete(SignInAttempt).where(
            col(SignInAttempt.kind) == "password_failure", col(SignInAttempt.email) == email
        )
    )
