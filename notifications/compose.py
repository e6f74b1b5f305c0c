"""Compose letters: the pending outbox items of each recipient → one rendered letter (a digest).

A letter that was never handed to a mail server is composed again at each run, with the items
decided since and the lateness counted at the new ``now``: a decision made on Saturday and one made
on Monday reach the school as one letter on Monday, and a step done in between is not mentioned.
Once a letter has been attempted its text and Message-ID are fixed, so a retry is the same letter.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, text
from sqlmodel import Session, and_, col, or_, select

from common.clock import local_day
from common.settings import Settings
from engine.daily_runs import mark_reported, missed_days_text, unreported_days
from notifications.claims import db_lease_end, db_now
from notifications.items import (
    PendingItem,
    letter_items,
    load_instances,
    pending_items_query,
    still_true,
)
from notifications.mime import build_message
from notifications.models import Letter, LetterContent
from notifications.render import (
    DigestLimits,
    EmailChange,
    Failure,
    LetterItem,
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


@dataclass
class _Pending:
    """What composing starts from: open letters, pending items and the coordinator's reports."""

    open_letters: list[tuple[int, str]]  # (id, recipient) of letters that may be rewritten
    items: list[PendingItem]
    failures: list[Failure]  # letters refused for good, to report to the coordinator
    missed: list[date]  # days whose daily check did not complete, to report
    email_changes: list[EmailChange]  # school admins' addresses changed by an import

    def reports_anything(self) -> bool:
        """Whether the coordinator has something to be told besides the items."""
        return bool(self.failures or self.missed or self.email_changes)


@dataclass(frozen=True)
class _Composer:
    """What every letter of one composing shares: who is who, the day, the sender, the limits."""

    municipality: Municipality
    people: People
    now: datetime
    today: date
    settings: Settings
    from_address: str
    reply_to: str
    limits: DigestLimits


def compose_letters(
    *, session: Session, now: datetime, settings: Settings, only: list[int] | None = None
) -> ComposeResult:
    """Group every pending outbox item into one rendered letter per recipient.

    Each letter is stored ready to send: subject, text, HTML and the MIME bytes of the message.

    Args:
        session: an open session; the caller commits.
        now: the moment of composing (lateness is counted at its date in the municipality's zone).
        settings: the sender address, the portal's base URL and the digest's limits.
        only: rewrite just these letters (pending, never attempted) with their own items, none
            added: delivery does so when steps in them were done after they were composed. A
            letter left with nothing to say is cancelled as ``EMPTIED``.
    """
    plan = prepare_letters(session=session, now=now, settings=settings, only=only)
    plan.write(session.connection())
    return plan.result


@dataclass(frozen=True)
class _Job:
    """One letter to render: its row, recipient, worded items and their keys, what it reports."""

    letter_id: int
    recipient: str
    items: list[LetterItem]
    keys: list[str]
    told: _Pending | None


@dataclass
class LetterPlan:
    """A composing's letters decided, written and assigned their items, not rendered yet.

    ``token`` is set when the letters were left ``composing`` (to be rendered by ``write_chunk``
    after the plan is committed): no deliverer claims such a letter, whose content is not written.
    """

    composer: _Composer
    jobs: list[_Job]
    result: ComposeResult
    token: str | None = None

    def rows(self, jobs: list[_Job]) -> list[dict[str, Any]]:
        """These letters rendered: the values of their rows (a pure function of the plan)."""
        return [
            _letter_row(
                self.composer,
                letter_id=job.letter_id,
                recipient=job.recipient,
                items=job.items,
                keys=job.keys,
                told=job.told,
            )
            for job in jobs
        ]

    def write(self, connection: Connection) -> None:
        """Render every letter of a plan not left ``composing`` and store it, in the caller's
        transaction (the plan's own)."""
        assert self.token is None
        _write_letters(connection, self.rows(self.jobs))


def prepare_letters(
    *,
    session: Session,
    now: datetime,
    settings: Settings,
    only: list[int] | None = None,
    composing_from: int | None = None,
    lease: timedelta = timedelta(minutes=10),
) -> LetterPlan:
    """Everything of ``compose_letters`` but rendering: items checked, letters chosen or created,
    items assigned to them, reports marked; the letters' rows are rendered from the plan.

    ``composing_from``: when the plan has at least this many letters, they are left
    ``composing`` under a token and a lease of ``lease`` on the database's clock (renewed by
    ``write_chunk``): committed so, they wait for their content and no deliverer takes them; a
    later composing takes them over (as letters never attempted) once the lease has run out.
    """
    municipality = get_municipality(session)
    composer = _composer(session, municipality=municipality, now=now, settings=settings)
    coordinator = municipality.coordinator_email.strip().lower()
    result = ComposeResult()
    plan = LetterPlan(composer=composer, jobs=[], result=result)
    pending = _read_pending(session, now=now, coordinator=coordinator, only=only)
    if not (pending.items or pending.open_letters or pending.reports_anything()):
        return plan
    live, worded = _live_items(session, pending.items, composer=composer, result=result)
    by_recipient = _by_recipient(live)
    if pending.reports_anything():
        by_recipient.setdefault(coordinator, [])
    reusable = _reuse_open_letters(
        session, pending.open_letters, by_recipient, emptied=only is not None, result=result
    )
    groups = sorted(by_recipient.items())
    if composing_from is not None and len(groups) >= composing_from:
        plan.token = f"composing:{uuid.uuid4().hex}"
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
        token=plan.token,
    )
    if plan.token is not None:
        _hold(session.connection(), [letter_id for letter_id, _ in ids], plan.token, lease)
    assignments: list[tuple[int, int]] = []  # (letter, item)
    reports: list[dict[str, int]] = []
    for (address, group), (letter_id, recipient) in zip(groups, ids, strict=True):
        told = pending if address == coordinator else None
        if told is not None and told.missed:
            mark_reported(session=session, days=told.missed, letter_id=letter_id)
        plan.jobs.append(
            _Job(
                letter_id=letter_id,
                recipient=recipient,
                items=[worded[i.id] for i in group],
                keys=[i.key for i in group],
                told=told,
            )
        )
        assignments.extend((letter_id, i.id) for i in group)
        if told is not None:
            reports.extend({"id": f.letter_id, "letter": letter_id} for f in told.failures)
        result.letters += 1
    connection = session.connection()
    if reports:
        connection.execute(_REPORTED, reports)
    if assignments:
        # through the driver: SQLAlchemy's parameter handling of every item (360,000 at 40,000
        # schools) cost twice the update itself
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        connection.exec_driver_sql(
            f"UPDATE outbox SET letter_id = {mark} WHERE id = {mark}", assignments
        )
    if plan.token is not None:
        # rendered in the order of their ids: a deliverer walking the pending letters by id
        # (claims.py, ``after``) finds each chunk after the one before
        plan.jobs.sort(key=lambda job: job.letter_id)
    return plan


def _hold(connection: Connection, ids: list[int], token: str, lease: timedelta) -> None:
    """Leave these letters ``composing`` under ``token`` until ``lease`` from now (the database's
    clock): nobody sends them, and another composing leaves them alone while the lease holds."""
    dialect = connection.dialect.name
    statement = text(
        f"UPDATE letter SET status = 'composing', message_id = :token, "
        f"lease_until = {db_lease_end(dialect)} WHERE id = :id"
    )
    connection.execute(
        statement, [{"id": one, "token": token, "lease_s": lease.total_seconds()} for one in ids]
    )


def write_chunk(
    connection: Connection, plan: LetterPlan, jobs: list[_Job], *, lease: timedelta | None = None
) -> int:
    """Render these letters of a ``composing`` plan and store them, pending, in one transaction on
    ``connection`` (not in one): only those the plan's token still holds (another composing may
    have taken over a letter whose lease ran out). ``lease``: renew the plan's other letters' too.
    Returns how many letters were written."""
    assert plan.token is not None
    rows = plan.rows(jobs)
    with connection.begin():
        held_query = text(
            "SELECT id FROM letter WHERE id IN :ids AND status = 'composing' AND message_id = :token"
            + (" FOR UPDATE" if connection.dialect.name == "postgresql" else "")
        ).bindparams(bindparam("ids", expanding=True))
        held = {
            one
            for (one,) in connection.execute(
                held_query, {"ids": [job.letter_id for job in jobs], "token": plan.token}
            )
        }
        rows = [row for row in rows if row["b_id"] in held]
        _write_letters(connection, rows)
        if lease is not None:
            connection.execute(
                text(
                    f"UPDATE letter SET lease_until = {db_lease_end(connection.dialect.name)} "
                    "WHERE status = 'composing' AND message_id = :token"
                ),
                {"token": plan.token, "lease_s": lease.total_seconds()},
            )
    return len(rows)


def release_composing(connection: Connection, token: str) -> int:
    """A plan's letters not written (its composing failed): their lease ends now, so the next
    composing takes them over at once. Returns how many there were."""
    with connection.begin():
        return connection.execute(
            text(
                "UPDATE letter SET lease_until = NULL "
                "WHERE status = 'composing' AND message_id = :token"
            ),
            {"token": token},
        ).rowcount


def _composer(
    session: Session, *, municipality: Municipality, now: datetime, settings: Settings
) -> _Composer:
    """The municipality's people, today in its zone, the sender and Reply-To, the digest limits."""
    return _Composer(
        municipality=municipality,
        people=people_of(municipality, session),
        now=now,
        today=local_day(now, municipality.timezone),
        settings=settings,
        from_address=format_address(settings.mail_from, "Наставник"),
        reply_to=(
            format_address(municipality.coordinator_email, municipality.coordinator_name)
            if municipality.coordinator_email
            else ""
        ),
        limits=DigestLimits(
            full_list_schools=settings.digest_full_list_schools,
            top_schools=settings.digest_top_schools,
        ),
    )


def _read_pending(
    session: Session, *, now: datetime, coordinator: str, only: list[int] | None
) -> _Pending:
    """The open letters (locked, so a deliverer waits on PostgreSQL), their items and new ones,
    and what the coordinator is to be told: refused letters, missed days, changed addresses."""
    # letters never handed to a server may be rewritten, and those a composing left unwritten
    # (it died: its lease ran out, or it failed and ended the lease)
    open_query = select(Letter.id, Letter.recipient)
    if only is not None:
        open_query = open_query.where(
            Letter.status == "pending", Letter.attempts == 0, col(Letter.id).in_(only or [0])
        )
    else:
        stamp = db_now(session.connection().dialect.name)
        open_query = open_query.where(
            or_(
                and_(Letter.status == "pending", Letter.attempts == 0),
                and_(
                    Letter.status == "composing",
                    or_(col(Letter.lease_until).is_(None), text(f"letter.lease_until < {stamp}")),
                ),
            )
        )
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
        # through the Core connection: the ORM's result handling cost as much as the query
        for row in session.connection().execute(
            pending_items_query(open_ids, only=only is not None).with_for_update()
        )
    ]
    return _Pending(
        open_letters=open_letters,
        items=items,
        failures=_unreported_failures(session, open_ids, coordinator=coordinator, only=only),
        missed=(
            unreported_days(session=session, now=now, open_letters=open_ids) if coordinator else []
        ),
        email_changes=untold_admin_email_changes(session, coordinator=coordinator),
    )


def _unreported_failures(
    session: Session, open_ids: list[int], *, coordinator: str, only: list[int] | None
) -> list[Failure]:
    """Letters refused for good that no coordinator letter sent yet reported (not the
    coordinator's own: those could not reach her either)."""
    if not coordinator:
        return []
    reported_in = col(Letter.failure_reported_in)
    query = (
        select(Letter.id, Letter.recipient, Letter.subject, Letter.last_error)
        .where(
            Letter.status == "failed",
            reported_in.in_(open_ids or [0])
            if only is not None
            else or_(reported_in.is_(None), reported_in.in_(open_ids or [0])),
        )
        .order_by(col(Letter.id))
    )
    return [
        Failure(letter_id=f_id or 0, recipient=f_to, subject=f_subject, error=f_error or "")
        for f_id, f_to, f_subject, f_error in session.exec(query)
        if f_to.strip().lower() != coordinator
    ]


def _live_items(
    session: Session, items: list[PendingItem], *, composer: _Composer, result: ComposeResult
) -> tuple[list[PendingItem], dict[int, LetterItem]]:
    """The items still true today, worded; the others are cancelled with their reason."""
    instances = load_instances(session, [i.step_instance_id for i in items])
    live: list[PendingItem] = []
    cancelled: list[dict[str, Any]] = []
    for item in items:
        reason = still_true(item, instances.get(item.step_instance_id), composer.today)
        if reason is None:
            live.append(item)
        else:
            cancelled.append({"id": item.id, "error": f"not sent: {reason}"})
    if cancelled:
        session.connection().execute(_CANCEL_ITEM, cancelled)
        result.cancelled_items = len(cancelled)
    worded = letter_items(session, live, instances)
    return live, worded


def _by_recipient(items: list[PendingItem]) -> dict[str, list[PendingItem]]:
    """The items by recipient's address (compared in lower case)."""
    by_recipient: dict[str, list[PendingItem]] = defaultdict(list)
    for item in items:
        by_recipient[item.recipient.strip().lower()].append(item)
    return by_recipient


def _reuse_open_letters(
    session: Session,
    open_letters: list[tuple[int, str]],
    by_recipient: dict[str, list[PendingItem]],
    *,
    emptied: bool,
    result: ComposeResult,
) -> dict[str, tuple[int, str]]:
    """An open letter of each recipient to rewrite; the others are cancelled (merged, or
    ``EMPTIED`` when rewriting just some letters left them with nothing to say)."""
    reusable: dict[str, tuple[int, str]] = {}
    dropped: list[dict[str, Any]] = []
    for letter_id, recipient in open_letters:
        address = recipient.strip().lower()
        if address in by_recipient and address not in reusable:
            reusable[address] = (letter_id, recipient)
        else:
            dropped.append({"id": letter_id, "error": EMPTIED if emptied else MERGED})
    if dropped:
        session.connection().execute(_CANCEL_LETTER, dropped)
        result.emptied = len(dropped)
    return reusable


def _letter_row(
    composer: _Composer,
    *,
    letter_id: int,
    recipient: str,
    items: list[LetterItem],
    keys: list[str],
    told: _Pending | None,
) -> dict[str, Any]:
    """One letter rendered, hashed and built into a message: the values of its row."""
    failures = told.failures if told is not None else []
    days = told.missed if told is not None else []
    changes = told.email_changes if told is not None else []
    settings = composer.settings
    rendered = render_letter(
        recipient=recipient,
        people=composer.people,
        items=items,
        failures=failures,
        today=composer.today,
        base_url=settings.base_url,
        notices=(missed_days_text(days),) if days else (),
        email_changes=changes,
        limits=composer.limits,
    )
    keys = keys + [f"failure:{f.letter_id}" for f in failures]
    keys += [f"missed:{day.isoformat()}" for day in days]
    keys += [f"email-change:{c.journal_id}" for c in changes]
    municipality = composer.municipality
    digest = letter_hash(
        municipality=f"{municipality.id}:{municipality.name}", recipient=recipient, keys=keys
    )
    message_id = message_id_for(letter_id=letter_id, digest=digest, mail_from=settings.mail_from)
    message = build_message(
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        mail_from=composer.from_address,
        to=recipient,
        reply_to=composer.reply_to or None,
        message_id=message_id,
        date_=composer.now,
    )
    return {
        "b_id": letter_id,
        "kind": rendered.kind,
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "message_id": message_id,
        "mime": message.data,
        "mail_from": composer.from_address,
        "reply_to": composer.reply_to,
        "item_count": len(items),
        "composed_at": composer.now,
    }


# what a letter row's text is kept in apart from its delivery state (claims and marks rewrite it)
CONTENT_FIELDS = ("body_text", "body_html", "mime")


def _write_letters(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Store the rendered letters into their rows (new or rewritten), pending and unclaimed; their
    bodies and bytes into letter_content, a letter composed again having its old row replaced."""
    if not rows:
        return
    table = Letter.__table__  # type: ignore[attr-defined]
    states = [{k: v for k, v in row.items() if k not in CONTENT_FIELDS} for row in rows]
    # one executemany for every letter: the ORM unit of work costs more than rendering here
    connection.execute(
        table.update()
        .where(table.c.id == bindparam("b_id"))
        .values(
            status="pending",
            next_attempt_at=None,
            lease_until=None,
            last_error=None,
            **{name: bindparam(name) for name in states[0] if name != "b_id"},
        ),
        states,
    )
    contents = [
        {"b_letter_id": row["b_id"], **{name: row[name] for name in CONTENT_FIELDS}} for row in rows
    ]
    content = LetterContent.__table__  # type: ignore[attr-defined]
    connection.execute(
        content.delete().where(content.c.letter_id == bindparam("b_letter_id")), contents
    )
    connection.execute(content.insert().values(letter_id=bindparam("b_letter_id")), contents)


def _letter_ids(
    session: Session,
    *,
    reusable: dict[str, tuple[int, str]],
    new: list[str],
    municipality_id: int,
    addresses: list[str],
    token: str | None = None,
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
            "status": "pending" if token is None else "composing",
            "message_id": token or "",
            "mail_from": "",
            "reply_to": "",
            "subject": "",
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
