"""Compose letters: the pending outbox items of each recipient → one rendered letter (a digest).

A letter that was never handed to a mail server is composed again at each run, with the items
decided since and the lateness counted at the new ``now``: a decision made on Saturday and one made
on Monday reach the school as one letter on Monday, and a step done in between is not mentioned.
Once a letter has been attempted its text and Message-ID are fixed, so a retry is the same letter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, text
from sqlmodel import Session, col, or_, select

from common.clock import local_day
from common.settings import Settings
from notifications.items import (
    PendingItem,
    letter_items,
    load_instances,
    pending_items_query,
    still_true,
)
from notifications.mime import build_message
from notifications.models import Letter
from notifications.render import (
    Failure,
    People,
    UnitPerson,
    format_address,
    letter_hash,
    message_id_for,
    render_letter,
)
from notifications.school_changes import untold_admin_email_changes
from storage.models import Municipality
from storage.schools import get_municipality
from storage.units import list_units


@dataclass
class ComposeResult:
    """What composing did: letters written (new or rewritten) and items dropped as no longer true."""

    letters: int = 0
    cancelled_items: int = 0
    emptied: int = 0  # letters left with nothing to say, cancelled


def people_of(municipality: Municipality, session: Session | None = None) -> People:
    """The municipality's people (and, given a session, its active units) as the letters need them."""
    units = (
        tuple(
            UnitPerson(email=unit.email, name=unit.name, dative=unit.dative)
            for unit in list_units(session, municipality_id=municipality.id or 0, active_only=True)
            if unit.email
        )
        if session is not None
        else ()
    )
    return People(
        municipality=municipality.name,
        coordinator_name=municipality.coordinator_name,
        coordinator_email=municipality.coordinator_email,
        head_name=municipality.head_name,
        head_email=municipality.head_email,
        units=units,
    )


_CANCEL_ITEM = text(
    "UPDATE outbox SET status = 'cancelled', letter_id = NULL, last_error = :error WHERE id = :id"
)
_CANCEL_LETTER = text("UPDATE letter SET status = 'cancelled', last_error = :error WHERE id = :id")
MERGED = "merged into a newer letter or nothing left to say"
EMPTIED = "not sent: every step in it was done (or moved) after it was composed"
_REPORTED = text("UPDATE letter SET failure_reported_in = :letter WHERE id = :id")


def compose_letters(
    *, session: Session, now: datetime, settings: Settings, only: list[int] | None = None
) -> ComposeResult:
    """Group every pending outbox item into one rendered letter per recipient.

    Each letter is stored ready to send: subject, text, HTML and the MIME bytes of the message.

    Args:
        session: an open session; the caller commits.
        now: the moment of composing (lateness is counted at its date in the municipality's zone).
        settings: the sender address and the portal's base URL.
        only: rewrite just these letters (pending, never attempted) with their own items, none
            added: delivery does so when steps in them were done after they were composed. A
            letter left with nothing to say is cancelled as ``EMPTIED``.
    """
    municipality = get_municipality(session)
    people = people_of(municipality, session)
    today = local_day(now, municipality.timezone)
    result = ComposeResult()
    connection = session.connection()
    # letters never handed to a server may be rewritten; locked so a deliverer waits (PostgreSQL)
    open_query = select(Letter.id, Letter.recipient).where(
        Letter.status == "pending", Letter.attempts == 0
    )
    if only is not None:
        open_query = open_query.where(col(Letter.id).in_(only or [0]))
    open_letters: list[tuple[int, str]] = [
        (letter_id, recipient)
        for letter_id, recipient in session.exec(
            open_query.order_by(col(Letter.id)).with_for_update()
        )
        if letter_id is not None
    ]
    open_ids = [letter_id for letter_id, _ in open_letters]
    items = [
        PendingItem(*row)
        for row in session.execute(
            pending_items_query(open_ids, only=only is not None).with_for_update()
        )
    ]
    coordinator = municipality.coordinator_email.strip().lower()
    failures = (
        [
            Failure(letter_id=f_id or 0, recipient=f_to, subject=f_subject, error=f_error or "")
            for f_id, f_to, f_subject, f_error in session.exec(
                select(Letter.id, Letter.recipient, Letter.subject, Letter.last_error)
                .where(
                    Letter.status == "failed",
                    col(Letter.failure_reported_in).in_(open_ids or [0])
                    if only is not None
                    else or_(
                        col(Letter.failure_reported_in).is_(None),
                        col(Letter.failure_reported_in).in_(open_ids or [0]),
                    ),
                )
                .order_by(col(Letter.id))
            )
            if f_to.strip().lower() != coordinator
        ]
        if coordinator
        else []
    )
    from engine.daily_runs import mark_reported, missed_days_text, unreported_days

    missed = unreported_days(session=session, now=now, open_letters=open_ids) if coordinator else []
    email_changes = untold_admin_email_changes(session, coordinator=coordinator)
    if not items and not failures and not open_letters and not missed and not email_changes:
        return result

    instances = load_instances(session, [i.step_instance_id for i in items])
    live: list[PendingItem] = []
    cancelled: list[dict[str, Any]] = []
    for item in items:
        reason = still_true(item, instances.get(item.step_instance_id), today)
        if reason is None:
            live.append(item)
        else:
            cancelled.append({"id": item.id, "error": f"not sent: {reason}"})
    if cancelled:
        connection.execute(_CANCEL_ITEM, cancelled)
        result.cancelled_items = len(cancelled)
    worded = letter_items(session, live, instances, today, municipality.timezone)

    by_recipient: dict[str, list[PendingItem]] = defaultdict(list)
    for item in live:
        by_recipient[item.recipient.strip().lower()].append(item)
    if failures or missed or email_changes:
        by_recipient.setdefault(coordinator, [])
    reusable: dict[str, tuple[int, str]] = {}
    dropped: list[dict[str, Any]] = []
    for letter_id, recipient in open_letters:
        address = recipient.strip().lower()
        if address in by_recipient and address not in reusable:
            reusable[address] = (letter_id, recipient)
        else:
            dropped.append({"id": letter_id, "error": MERGED if only is None else EMPTIED})
    if dropped:
        connection.execute(_CANCEL_LETTER, dropped)
        result.emptied = len(dropped)

    from_address = format_address(settings.mail_from, "Наставник")
    reply_to = (
        format_address(municipality.coordinator_email, municipality.coordinator_name)
        if municipality.coordinator_email
        else ""
    )
    groups = sorted(by_recipient.items())
    ids = _letter_ids(
        session,
        reusable=reusable,
        new=[
            (group[0].recipient.strip() if group else municipality.coordinator_email.strip())
            for address, group in groups
            if address not in reusable
        ],
        municipality_id=municipality.id or 0,
        addresses=[address for address, _ in groups],
    )
    rows: list[dict[str, Any]] = []
    assignments: list[dict[str, int]] = []
    reports: list[dict[str, int]] = []
    for (address, group), (letter_id, recipient) in zip(groups, ids, strict=True):
        reported = failures if address == coordinator else []
        days = missed if address == coordinator else []
        if days:
            mark_reported(session=session, days=days, letter_id=letter_id)
        changes = email_changes if address == coordinator else []
        rendered = render_letter(
            recipient=recipient,
            people=people,
            items=[worded[i.id] for i in group],
            failures=reported,
            today=today,
            base_url=settings.base_url,
            notices=(missed_days_text(days),) if days else (),
            email_changes=changes,
        )
        keys = [i.key for i in group] + [f"failure:{f.letter_id}" for f in reported]
        keys += [f"missed:{day.isoformat()}" for day in days]
        keys += [f"email-change:{c.journal_id}" for c in changes]
        digest = letter_hash(
            municipality=f"{municipality.id}:{municipality.name}", recipient=recipient, keys=keys
        )
        message_id = message_id_for(
            letter_id=letter_id, digest=digest, mail_from=settings.mail_from
        )
        message = build_message(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            mail_from=from_address,
            to=recipient,
            reply_to=reply_to or None,
            message_id=message_id,
            date_=now,
        )
        rows.append(
            {
                "b_id": letter_id,
                "kind": rendered.kind,
                "subject": rendered.subject,
                "body_text": rendered.text,
                "body_html": rendered.html,
                "message_id": message_id,
                "mime": message.data,
                "mail_from": from_address,
                "reply_to": reply_to,
                "item_count": len(group),
                "composed_at": now,
            }
        )
        assignments.extend({"item": i.id, "letter": letter_id} for i in group)
        reports.extend({"id": f.letter_id, "letter": letter_id} for f in reported)
        result.letters += 1
    if reports:
        connection.execute(_REPORTED, reports)
    if rows:
        table = Letter.__table__  # type: ignore[attr-defined]
        # one executemany for every letter, new or rewritten: the ORM unit of work costs more than
        # rendering here
        connection.execute(
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values(
                status="pending",
                next_attempt_at=None,
                lease_until=None,
                last_error=None,
                **{name: bindparam(name) for name in rows[0] if name != "b_id"},
            ),
            rows,
        )
    if assignments:
        connection.execute(
            text("UPDATE outbox SET letter_id = :letter WHERE id = :item"), assignments
        )
    return result


def _letter_ids(
    session: Session,
    *,
    reusable: dict[str, tuple[int, str]],
    new: list[str],
    municipality_id: int,
    addresses: list[str],
) -> list[tuple[int, str]]:
    """(id, recipient) of the letter for each address: a reused one, or a new row inserted here.

    New rows are inserted in one statement with placeholders, for their ids: the Message-ID and
    so the message bytes contain the id; the caller then writes the rendered letter into them.
    """
    created: list[int] = []
    if new:
        table = Letter.__table__  # type: ignore[attr-defined]
        placeholder = {
            "municipality_id": municipality_id,
            "kind": "",
            "status": "pending",
            "message_id": "",
            "mail_from": "",
            "reply_to": "",
            "subject": "",
            "body_text": "",
            "body_html": "",
            "item_count": 0,
            "attempts": 0,
        }
        created = list(
            session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True),
                [{**placeholder, "recipient": recipient} for recipient in new],
            ).scalars()
        )
    fresh = iter(zip(created, new, strict=True))
    result: list[tuple[int, str]] = []
    for address in addresses:
        result.append(reusable.get(address) or next(fresh))
    return result
