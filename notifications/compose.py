"""Compose letters: the pending outbox items of each recipient → one rendered letter (a digest).

A letter that was never handed to a mail server is composed again at each run, with the items
decided since and the lateness counted at the new ``now``: a decision made on Saturday and one made
on Monday reach the school as one letter on Monday, and a step done in between is not mentioned.
Once a letter has been attempted its text and Message-ID are fixed, so a retry is the same letter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlmodel import Session, col, or_, select

from definitions.schema import Step
from engine.runs import run_definition
from engine.states import InstanceView, evaluate_views
from engine.status import instance_view, local_today
from nastavnik.settings import Settings
from notifications.models import Letter
from notifications.render import (
    Failure,
    LetterItem,
    People,
    format_address,
    letter_hash,
    message_id_for,
    render_letter,
)
from storage.models import Municipality, OutboxItem, RoadmapRun, School, StepInstance
from storage.schools import get_municipality

_CHUNK = 500


@dataclass
class ComposeResult:
    """What composing did: letters written (new or rewritten) and items dropped as no longer true."""

    letters: int = 0
    cancelled_items: int = 0


def people_of(municipality: Municipality) -> People:
    """The municipality's people as the letters need them."""
    return People(
        municipality=municipality.name,
        coordinator_name=municipality.coordinator_name,
        coordinator_email=municipality.coordinator_email,
        head_name=municipality.head_name,
        head_email=municipality.head_email,
    )


def _chunks(values: list[int]) -> list[list[int]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _still_true(item: OutboxItem, instance: StepInstance | None, today: date) -> str | None:
    """Why the decision no longer holds, or None when the letter should still say it."""
    if instance is None or instance.due is None:
        return "the step has no due date any more"
    if instance.state != "open":
        return f"the step is {instance.state} now"
    if item.level == "reminder" and instance.due < today:
        return "the reminder's due date has passed (the overdue notice follows)"
    if item.level != "reminder" and instance.due >= today:
        return "the step is not overdue any more (its due date moved)"
    return None


def _blockers(
    session: Session, run: RoadmapRun, instances: list[StepInstance], today: date, tz: str
) -> dict[int, list[str]]:
    """The prerequisite codes not done for each instance (evaluated as engine/states.py does)."""
    loaded, _ = run_definition(run)
    roadmap = loaded.roadmap
    depends_on = {s.code: list(s.depends_on) for s in roadmap.steps}
    scopes: dict[str, str] = {s.code: s.scope for s in roadmap.steps}
    if not any(depends_on.get(i.step_code) for i in instances):
        return {}
    units = sorted({i.unit for i in instances} | {""})
    codes = sorted(
        {d for i in instances if not i.school_id for d in depends_on.get(i.step_code, [])}
    )
    query = select(StepInstance).where(StepInstance.run_id == run.id)
    if len(units) <= _CHUNK:
        query = query.where(
            or_(col(StepInstance.unit).in_(units), col(StepInstance.step_code).in_(codes or [""]))
        )
    pool = [instance_view(row) for row in session.exec(query)]
    wanted = {i.id for i in instances}
    views: list[InstanceView] = [v for v in pool if v.id in wanted]
    evaluate_views(
        views,
        today=today,
        depends_on=depends_on,
        scopes=scopes,
        remind_before={},
        tz=tz,
        all_instances=pool,
    )
    return {v.id: v.blocked_by for v in views}


def _letter_items(
    session: Session,
    items: list[OutboxItem],
    instances: dict[int, StepInstance],
    today: date,
    tz: str,
) -> dict[int, LetterItem]:
    """The wording data of each outbox item, keyed by outbox id."""
    by_run: dict[int, list[StepInstance]] = defaultdict(list)
    for instance in {
        instances[i.step_instance_id].id: instances[i.step_instance_id] for i in items
    }.values():
        by_run[instance.run_id].append(instance)
    schools = {s.id: s for s in session.exec(select(School))}
    result: dict[int, LetterItem] = {}
    details: dict[int, tuple[RoadmapRun, list[str]]] = {}
    step_maps: dict[int, dict[str, tuple[int, Step]]] = {}
    for run_id, run_instances in by_run.items():
        run = session.get(RoadmapRun, run_id)
        assert run is not None
        blocked = _blockers(session, run, run_instances, today, tz)
        for instance in run_instances:
            details[instance.id or 0] = (run, blocked.get(instance.id or 0, []))
    for item in items:
        instance = instances[item.step_instance_id]
        run, blocked_by = details[instance.id or 0]
        loaded, schedules = run_definition(run)
        roadmap = loaded.roadmap
        if run.id not in step_maps:
            step_maps[run.id or 0] = {s.code: (n, s) for n, s in enumerate(roadmap.steps)}
        steps = step_maps[run.id or 0]
        order, step = steps[instance.step_code]
        blockers = []
        for code in blocked_by:
            prerequisite = steps[code][1]
            blockers.append(
                (
                    code,
                    prerequisite.title,
                    instance.school_id is None and prerequisite.scope == "school",
                )
            )
        school = schools.get(instance.school_id or "")
        schedule = schedules.get(step.code)
        assert instance.due is not None
        result[item.id or 0] = LetterItem(
            outbox_id=item.id or 0,
            step_instance_id=instance.id or 0,
            level=item.level,
            run_id=run.id or 0,
            roadmap_id=run.roadmap_id,
            roadmap_title=run.title,
            school_id=instance.school_id,
            school_name=(school.short_name or school.name) if school else "",
            code=step.code,
            title=step.title,
            occurrence=instance.occurrence,
            occurrences=len(schedule.occurrences) if schedule else 1,
            due=instance.due,
            documents=tuple(step.documents),
            result=step.result,
            blocked_by=tuple(blockers),
            step_order=order,
        )
    return result


def compose_letters(*, session: Session, now: datetime, settings: Settings) -> ComposeResult:
    """Group every pending outbox item into one rendered letter per recipient.

    Args:
        session: an open session; the caller commits.
        now: the moment of composing (lateness is counted at its date in the municipality's zone).
        settings: the sender address and the portal's base URL.
    """
    municipality = get_municipality(session)
    people = people_of(municipality)
    today = local_today(now, municipality.timezone)
    result = ComposeResult()
    # letters never handed to a server may be rewritten; locked so a deliverer waits (PostgreSQL)
    open_letters = list(
        session.exec(
            select(Letter)
            .where(Letter.status == "pending", Letter.attempts == 0)
            .order_by(col(Letter.id))
            .with_for_update()
        )
    )
    open_ids = [letter.id or 0 for letter in open_letters]
    items = list(
        session.exec(
            select(OutboxItem)
            .where(
                OutboxItem.status == "pending",
                or_(
                    col(OutboxItem.letter_id).is_(None),
                    col(OutboxItem.letter_id).in_(open_ids or [0]),
                ),
            )
            .order_by(col(OutboxItem.id))
            .with_for_update()
        )
    )
    coordinator = municipality.coordinator_email.strip().lower()
    failures = (
        list(
            session.exec(
                select(Letter)
                .where(
                    Letter.status == "failed",
                    or_(
                        col(Letter.failure_reported_in).is_(None),
                        col(Letter.failure_reported_in).in_(open_ids or [0]),
                    ),
                )
                .order_by(col(Letter.id))
            )
        )
        if coordinator
        else []
    )
    failures = [f for f in failures if f.recipient.strip().lower() != coordinator]
    if not items and not failures and not open_letters:
        return result

    instances: dict[int, StepInstance] = {}
    for chunk in _chunks(sorted({i.step_instance_id for i in items})):
        for row in session.exec(select(StepInstance).where(col(StepInstance.id).in_(chunk))):
            instances[row.id or 0] = row
    live: list[OutboxItem] = []
    for item in items:
        reason = _still_true(item, instances.get(item.step_instance_id), today)
        if reason is None:
            live.append(item)
            continue
        item.status, item.letter_id, item.last_error = "cancelled", None, f"not sent: {reason}"
        session.add(item)
        result.cancelled_items += 1
    worded = _letter_items(session, live, instances, today, municipality.timezone)

    by_recipient: dict[str, list[OutboxItem]] = defaultdict(list)
    for item in live:
        by_recipient[item.recipient.strip().lower()].append(item)
    if failures:
        by_recipient.setdefault(coordinator, [])
    reusable: dict[str, Letter] = {}
    for letter in open_letters:
        address = letter.recipient.strip().lower()
        if address in by_recipient and address not in reusable:
            reusable[address] = letter
        else:
            letter.status, letter.last_error = (
                "cancelled",
                "merged into a newer letter or nothing left to say",
            )
            session.add(letter)

    from_address = format_address(settings.mail_from, "Наставник")
    reply_to = (
        format_address(municipality.coordinator_email, municipality.coordinator_name)
        if municipality.coordinator_email
        else ""
    )
    base_url = settings.base_url
    # new letters get their ids in one flush; items are pointed at them in one executemany
    targets: list[tuple[str, list[OutboxItem], Letter]] = []
    for address, group in sorted(by_recipient.items()):
        recipient = group[0].recipient.strip() if group else municipality.coordinator_email.strip()
        letter = reusable.get(address) or Letter(
            municipality_id=municipality.id or 0, recipient=recipient, kind=""
        )
        session.add(letter)
        targets.append((address, group, letter))
    session.flush()
    assignments: list[dict[str, int]] = []
    for address, group, letter in targets:
        reported = failures if address == coordinator else []
        rendered = render_letter(
            recipient=letter.recipient,
            people=people,
            items=[worded[i.id or 0] for i in group],
            failures=[
                Failure(
                    letter_id=f.id or 0,
                    recipient=f.recipient,
                    subject=f.subject,
                    error=f.last_error or "",
                )
                for f in reported
            ],
            today=today,
            base_url=base_url,
        )
        keys = [i.key for i in group] + [f"failure:{f.id}" for f in reported]
        digest = letter_hash(
            municipality=f"{municipality.id}:{municipality.name}",
            recipient=letter.recipient,
            keys=keys,
        )
        letter.kind, letter.status = rendered.kind, "pending"
        letter.subject, letter.body_text, letter.body_html = (
            rendered.subject,
            rendered.text,
            rendered.html,
        )
        letter.message_id = message_id_for(
            letter_id=letter.id or 0, digest=digest, mail_from=settings.mail_from
        )
        letter.mail_from, letter.reply_to = from_address, reply_to
        letter.item_count, letter.composed_at = len(group), now
        letter.next_attempt_at, letter.lease_until, letter.last_error = None, None, None
        assignments.extend({"item": i.id or 0, "letter": letter.id or 0} for i in group)
        for failure in reported:
            failure.failure_reported_in = letter.id
            session.add(failure)
        result.letters += 1
    session.flush()
    if assignments:
        session.connection().execute(
            text("UPDATE outbox SET letter_id = :letter WHERE id = :item"), assignments
        )
    return result
