"""A school's page (and the municipality's own steps): dates, states, evidence; done, undo, n/a."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import bindparam
from sqlmodel import Session, col, select
from starlette.datastructures import FormData, UploadFile
from starlette.routing import Route

from common.errors import NastavnikError
from common.numbers import whole_number
from common.russian import format_date_numeric
from common.text import visible_text
from engine.actions import (
    INSTANCE_REF_COLUMNS,
    MARK_GRACE,
    Actor,
    InstanceRef,
    comment_step,
    journal_entry,
    mark_instance_done,
    mark_not_applicable,
    return_for_rework,
    undo,
)
from engine.runs import run_definition
from engine.status import run_status
from storage.models import JournalEntry, Municipality, RoadmapRun, School, StepInstance, User
from web import pages
from web.auth import (
    SESSION_COLUMNS,
    Forbidden,
    Principal,
    principal_from_columns,
    token_hash,
)
from web.messages import form_field, russian_reason
from web.models import Upload, WebSession
from web.unit_steps import StepGroup, unit_home, unit_steps
from web.uploads import MAX_UPLOAD, CheckedFile, check_upload, resolve_stored, store_upload

router = APIRouter()

FormErrors = dict[int, dict[str, str]]


def _unit_page(
    request: Request,
    session: Session,
    *,
    user: Principal,
    school: School | None,
    run_id: str | None,
    errors: FormErrors | None = None,
    values: dict[int, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    municipality = pages.municipality(session)
    launched = pages.runs(session)
    run = pages.pick_run(session, run_id)
    unit = school.id if school is not None else None
    title = school.short_name if school is not None else "Мероприятия муниципалитета"
    context: dict[str, Any] = {
        "title": title,
        "school": school,
        "runs": launched,
        "run": run,
        "municipality": municipality,
        "groups": [],
        "errors": errors or {},
        "values": values or {},
        "can_change": user.can_change_school(unit),
        "tz": municipality.timezone if municipality else "UTC",
    }
    if run is not None and municipality is not None:
        status = run_status(session=session, run=run, now=pages.now(request), school=unit)
        versions: dict[int, int] = dict(
            session.exec(  # type: ignore[arg-type]
                select(StepInstance.id, StepInstance.version).where(  # type: ignore[call-overload]
                    StepInstance.run_id == run.id, StepInstance.unit == (unit or "")
                )
            ).all()
        )
        uploads = list(
            session.exec(select(Upload).where(Upload.school_id == unit).order_by(col(Upload.id)))
        )
        groups = unit_steps(status, unit=unit, versions=versions, uploads=uploads)
        _mark_authors(session, groups, tz=municipality.timezone)
        home = unit_home(status, groups)
        for section in home.sections:
            section.open = any(r.view.id in (errors or {}) for g in section.groups for r in g.rows)
        municipal_states = {v.code: v.state for v in status.views if v.school is None}
        context.update(
            {
                "groups": groups,
                "home": home,
                "notes": _notes(session, [r.view.id for g in groups for r in g.rows]),
                "today": status.today,
                "municipal_states": municipal_states,
                # the unit's own steps: the municipality's page counts its steps, not the schools'
                "counts": _unit_counts([r.view.state for g in groups for r in g.rows]),
                "grace": MARK_GRACE,
                "can_comment": user.can_change_school(unit) or user.is_coordinator,
            }
        )
    return pages.render(request, "school.html", context, status_code=status_code)


def _mark_authors(session: Session, groups: list[StepGroup], *, tz: str) -> None:
    """Whether each resolved step was marked by a school admin (who may undo it) and whether it is
    late only because the mark came after the grace period."""
    authors = {r.view.done_by for g in groups for r in g.rows if r.resolved and r.view.done_by}
    admins = (
        set(
            session.exec(
                select(User.email).where(col(User.email).in_(authors), User.role == "school_admin")
            )
        )
        if authors
        else set()
    )
    zone = ZoneInfo(tz)
    for group in groups:
        for row in group.rows:
            view = row.view
            row.own_mark = view.done_by in admins
            if view.stored == "done_late" and view.due and isinstance(view.done_at, datetime):
                row.late_by_mark = view.done_at.astimezone(zone).date() <= view.due


def _notes(session: Session, instance_ids: list[int]) -> dict[int, list[JournalEntry]]:
    """The comments and returns for rework on these instances, newest first."""
    if not instance_ids:
        return {}
    found: dict[int, list[JournalEntry]] = {}
    for entry in session.exec(
        select(JournalEntry)
        .where(
            col(JournalEntry.step_instance_id).in_(instance_ids),
            col(JournalEntry.action).in_(("comment", "rework")),
        )
        .order_by(col(JournalEntry.at).desc(), col(JournalEntry.id).desc())
    ):
        found.setdefault(entry.step_instance_id or 0, []).append(entry)
    return found


def _unit_counts(states: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    return counts


@router.get("/schools/{school_id}")
def school_page(request: Request, school_id: str, run: str | None = None) -> Response:
    user = pages.require_user(request)
    if not user.can_view_school(school_id):
        raise Forbidden("Можно смотреть только страницу своей образовательной организации.")
    with pages.db(request) as session:
        school = session.get(School, school_id)
        if school is None:
            return pages.error_page(
                request, 404, "Школа не найдена", f"Нет образовательной организации «{school_id}»."
            )
        return _unit_page(request, session, user=user, school=school, run_id=run)


@router.get("/municipality")
def municipality_page(request: Request, run: str | None = None) -> Response:
    user = pages.require_user(request)
    if not user.can_view_municipality():
        raise Forbidden("Мероприятия муниципалитета доступны координатору и наблюдателю.")
    with pages.db(request) as session:
        return _unit_page(request, session, user=user, school=None, run_id=run)


# --- actions: done, undo, not applicable ----------------------------------------------------------
#
# The three forms share one path: one transaction that finds the signed-in user together with the
# instance (one prepared query), authorises, checks the form and the version it was rendered with,
# and acts. Any refusal leaves nothing behind: the transaction rolls back and written files are
# deleted; the page comes back with the form's errors in Russian.
#
# They are plain Starlette routes (ACTION_ROUTES) that create_app matches before FastAPI's: marking
# a step done is the portal's busiest write, and FastAPI's route matching and form dependencies
# cost more CPU than the rest of the request (benchmarks/bench_web.py). They check the CSRF token
# themselves (pages.checked_form); the app's exception handlers render their refusals as before.


class _NotFound(Exception):
    pass


class _Confirm(Exception):
    """The act needs the user's confirmation first: the page that asks (nothing was written)."""

    def __init__(
        self, question: str, consequence: str, button: str, fields: dict[str, str]
    ) -> None:
        super().__init__(question)
        self.question = question
        self.consequence = consequence
        self.button = button
        self.fields = fields


class _Invalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class _Target:
    """The step instance a form acts on, with its run's id and the municipality's time zone."""

    instance: InstanceRef
    roadmap_id: str
    timezone: str

    def today(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def page(self) -> str:
        """The unit page, scrolled to the step."""
        instance = self.instance
        base = f"/schools/{instance.school_id}" if instance.school_id else "/municipality"
        anchor = instance.step_code.replace(".", "-")
        return f"{base}?run={self.roadmap_id}#step-{anchor}"


@dataclass
class _Act:
    """What an action gets: the open transaction, its target, who acts and when."""

    session: Session
    target: _Target
    actor: Actor
    now: datetime
    user: Principal
    written: list[Path] = field(default_factory=list)  # deleted if the transaction fails

    def run(self) -> RoadmapRun:
        run = self.session.get(RoadmapRun, self.target.instance.run_id)
        assert run is not None
        return run


_STEP = StepInstance.__table__  # type: ignore[attr-defined]
_SIGNED_IN = len(SESSION_COLUMNS)
_INSTANCE_END = _SIGNED_IN + len(INSTANCE_REF_COLUMNS)

# the session's user and the instance (with its run's id and time zone) in one round trip; the
# instance's columns are NULL when there is no such instance
_LOOKUP = (
    select(*SESSION_COLUMNS, *INSTANCE_REF_COLUMNS, RoadmapRun.roadmap_id, Municipality.timezone)  # type: ignore[call-overload]
    .select_from(WebSession)
    .join(User, col(User.id) == WebSession.user_id)
    .outerjoin(_STEP, _STEP.c.id == bindparam("instance_id"))
    .outerjoin(RoadmapRun, col(RoadmapRun.id) == _STEP.c.run_id)
    .outerjoin(Municipality, col(Municipality.id) == RoadmapRun.municipality_id)
    .where(col(WebSession.token_hash) == bindparam("token_hash"))
)


def _signed_in_target(
    request: Request, session: Session, instance_id: int
) -> tuple[Principal, _Target]:
    """The signed-in user and the instance a form acts on, once the user may change it.

    Raises NotSignedIn without a live session, _NotFound without the instance, Forbidden when the
    user's role or school does not allow the change.
    """
    token = request.cookies.get(pages.SESSION_COOKIE)
    row = None
    if token and len(token) <= 100:
        parameters = {"token_hash": token_hash(token), "instance_id": instance_id}
        row = session.connection().execute(_LOOKUP, parameters).first()
    user = None if row is None else principal_from_columns(row[:_SIGNED_IN], now=pages.now(request))
    request.state.principal = user
    if row is None or user is None:
        raise pages.NotSignedIn()
    if row[_SIGNED_IN] is None:
        raise _NotFound()
    instance = InstanceRef(*row[_SIGNED_IN:_INSTANCE_END])
    if not user.can_change_school(instance.school_id):
        raise Forbidden(
            "Изменять можно только мероприятия своей образовательной организации."
            if user.role == "school_admin"
            else "У вашей роли нет прав на изменения."
        )
    return user, _Target(instance=instance, roadmap_id=row[-2], timezone=row[-1])


def _check_version(instance: InstanceRef, version: str) -> None:
    if whole_number(version) != instance.version:
        raise _Invalid(
            {
                "form": "Кто-то уже изменил этот шаг, пока страница была открыта: посмотрите его "
                "состояние и повторите, если нужно."
            }
        )


def _step_action(
    request: Request,
    instance_id: int,
    *,
    version: str,
    values: dict[str, str],
    act: Callable[[_Act], str],
    check: Callable[[_Target], dict[str, str]] | None = None,
    check_version: bool = True,
    refuse: Callable[[Principal], str | None] | None = None,
) -> Response:
    """Run one form's action on an instance; the flash message is what ``act`` returns.

    ``refuse`` says why this user may not act at all (checked before the form's fields).
    """
    user: Principal | None = None
    written: list[Path] = []
    try:
        with pages.db(request) as session:
            user, target = _signed_in_target(request, session, instance_id)
            why = refuse(user) if refuse is not None else None
            if why:
                raise Forbidden(why)
            errors = check(target) if check is not None else {}
            if errors:
                raise _Invalid(errors)
            if check_version:
                _check_version(target.instance, version)
            context = _Act(
                session=session,
                target=target,
                actor=pages.actor(request, user),
                now=pages.now(request),
                user=user,
                written=written,
            )
            message = act(context)
    except _Confirm as ask:
        return _confirm_page(request, instance_id, target, ask, version)
    except _NotFound:
        return pages.error_page(request, 404, "Шаг не найден", "Такого мероприятия нет.")
    except (_Invalid, NastavnikError) as error:
        for path in written:
            path.unlink(missing_ok=True)
        errors = (
            error.errors
            if isinstance(error, _Invalid)
            else {form_field(error): russian_reason(error)}
        )
        assert user is not None
        return _form_failed(request, user, instance_id, errors, values)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return pages.redirect(request, target.page, message)


def _form_failed(
    request: Request,
    user: Principal,
    instance_id: int,
    errors: dict[str, str],
    values: dict[str, str],
) -> Response:
    """Render the unit page again with the form's errors (nothing was saved)."""
    with pages.db(request) as session:
        instance = session.get(StepInstance, instance_id)
        assert instance is not None
        run = session.get(RoadmapRun, instance.run_id)
        school = session.get(School, instance.school_id) if instance.school_id else None
        return _unit_page(
            request,
            session,
            user=user,
            school=school,
            run_id=run.roadmap_id if run else None,
            errors={instance_id: errors},
            values={instance_id: values},
            status_code=400,
        )


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@dataclass
class _DoneForm:
    """The «done» form: the document's number and date, and an optional signed scan."""

    number: str
    doc_date: str
    scan: UploadFile | None
    day: date | None = None
    checked: CheckedFile | None = None

    def check(self, target: _Target, now: datetime) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.number:
            errors["number"] = "Укажите номер документа (например, 45-од)."
        elif len(self.number) > 100:
            errors["number"] = "Номер слишком длинный (не больше 100 символов)."
        self.day = _parse_day(self.doc_date)
        if self.day is None:
            errors["doc_date"] = "Укажите дату документа."
        elif self.day > target.today(now):
            errors["doc_date"] = "Дата документа не может быть позже сегодняшней."
        elif self.day.year < 2000:
            errors["doc_date"] = "Проверьте год в дате документа."
        if self.scan is not None and self.scan.filename:
            try:
                self.checked = check_upload(
                    file_name=self.scan.filename, data=self.scan.file.read(MAX_UPLOAD + 1)
                )
            except NastavnikError as error:
                errors["scan"] = error.reason[:1].upper() + error.reason[1:] + "."
        return errors

    def act(self, context: _Act, settings: Any) -> str:
        assert self.day is not None
        target, now = context.target, context.now
        instance = target.instance
        # a document signed today is done now; one signed earlier, at noon of its day
        at = (
            now
            if self.day == target.today(now)
            else datetime.combine(self.day, time(12, 0), tzinfo=ZoneInfo(target.timezone))
        )
        evidence = f"№ {self.number} от {format_date_numeric(self.day)}"
        mark_instance_done(
            session=context.session,
            instance=instance,
            timezone=target.timezone,
            actor=context.actor,
            now=now,
            at=at,
            evidence=evidence,
        )
        if self.checked is not None:
            _store_scan(context, self.checked, settings.documents_dir)
        return f"Мероприятие {instance.step_code} отмечено выполненным ({evidence})."


def _store_scan(context: _Act, checked: CheckedFile, documents_dir: Path) -> None:
    instance, actor = context.target.instance, context.actor
    relative = store_upload(
        documents_dir=documents_dir,
        school_id=instance.school_id,
        instance_id=instance.id,
        checked=checked,
    )
    context.written.append(resolve_stored(documents_dir=documents_dir, stored_path=relative))
    context.session.add(
        Upload(
            step_instance_id=instance.id,
            school_id=instance.school_id,
            file_name=checked.file_name,
            stored_path=relative,
            content_type=checked.content_type,
            size=len(checked.data),
            sha256=checked.sha256,
            uploaded_by=actor.email,
            uploaded_at=context.now,
        )
    )
    context.session.add(
        journal_entry(
            instance=instance,
            actor=actor,
            now=context.now,
            action="upload",
            details={
                "file": checked.file_name,
                "size": len(checked.data),
                "sha256": checked.sha256,
            },
        )
    )


def _done(request: Request, instance_id: int, form: FormData) -> Response:
    scan = form.get("scan")
    number, doc_date = _text(form, "number"), _text(form, "doc_date")
    done = _DoneForm(
        number=visible_text(number),
        doc_date=doc_date,
        scan=scan if isinstance(scan, UploadFile) else None,
    )
    now = pages.now(request)
    settings = pages.state(request).settings
    return _step_action(
        request,
        instance_id,
        version=_text(form, "version"),
        values={"number": number, "doc_date": doc_date},
        check=lambda target: done.check(target, now),
        act=lambda context: done.act(context, settings),
    )


def _confirm_page(
    request: Request, instance_id: int, target: _Target, ask: _Confirm, version: str
) -> Response:
    """The page that asks before an act that can hurt; its form posts the act again, confirmed."""
    instance = target.instance
    with pages.db(request) as session:
        run = session.get(RoadmapRun, instance.run_id)
        school = session.get(School, instance.school_id) if instance.school_id else None
    title = instance.step_code
    if run is not None:
        loaded, _ = run_definition(run)
        title = next(
            (f"{s.code} «{s.title}»" for s in loaded.roadmap.steps if s.code == instance.step_code),
            title,
        )
    return pages.render(
        request,
        "confirm.html",
        {
            "title": ask.question,
            "ask": ask,
            "step_title": title,
            "unit_name": school.short_name if school else "муниципалитет",
            "action": str(request.url.path),
            "version": version,
            "back": target.page,
        },
    )


def _confirmed(form: FormData) -> bool:
    return _text(form, "confirm") == "yes"


def _may_undo(context: _Act) -> None:
    """A school admin undoes only marks made by a school admin: what the coordinator closed, or the
    tick from the registry, only the coordinator reopens (the next tick would escalate it)."""
    instance = context.target.instance
    if context.user.role != "school_admin":
        return
    author = context.session.exec(
        select(User.role).where(User.email == (instance.done_by or ""))
    ).first()
    if author != "school_admin":
        raise Forbidden(
            "Эту отметку сделал координатор или система по данным реестра: отменить её может "
            "только координатор. Напишите ему, если отметка ошибочна."
        )


def _undo(request: Request, instance_id: int, form: FormData) -> Response:
    confirmed = _confirmed(form)

    def act(context: _Act) -> str:
        instance = context.target.instance
        _may_undo(context)
        if not confirmed:
            raise _Confirm(
                "Отменить отметку?",
                "Мероприятие снова станет невыполненным; если срок прошёл, оно будет считаться "
                "просроченным и попадёт в напоминания. Журнал сохранит, что отметка была и кто её "
                "отменил.",
                "Да, отменить отметку",
                {},
            )
        undo(
            session=context.session,
            run=context.run(),
            code=instance.step_code,
            school=instance.school_id,
            actor=context.actor,
            now=context.now,
            occurrence=instance.occurrence,
        )
        return f"Отметка о мероприятии {instance.step_code} отменена: оно снова в работе."

    return _step_action(request, instance_id, version=_text(form, "version"), values={}, act=act)


def _not_applicable(request: Request, instance_id: int, form: FormData) -> Response:
    reason = visible_text(_text(form, "reason"))

    def check(_target: _Target) -> dict[str, str]:
        if not reason:
            return {"reason": "Укажите причину."}
        if len(reason) > 500:
            return {"reason": "Причина слишком длинная (не больше 500 символов)."}
        return {}

    confirmed = _confirmed(form)

    def act(context: _Act) -> str:
        instance = context.target.instance
        if not confirmed:
            raise _Confirm(
                "Отметить мероприятие неприменимым?",
                f"Мероприятие больше не будет ждать выполнения и не попадёт в напоминания. "
                f"Причина: «{reason}». Координатор увидит её в матрице.",
                "Да, неприменимо",
                {"reason": reason},
            )
        mark_not_applicable(
            session=context.session,
            run=context.run(),
            code=instance.step_code,
            school=instance.school_id,
            actor=context.actor,
            now=context.now,
            reason=reason,
            occurrence=instance.occurrence,
        )
        return f"Мероприятие {instance.step_code} отмечено неприменимым."

    return _step_action(
        request,
        instance_id,
        version=_text(form, "version"),
        values={"reason": reason},
        check=check,
        act=act,
    )


def _rework(request: Request, instance_id: int, form: FormData) -> Response:
    comment = _text(form, "comment").strip()

    def check(_target: _Target) -> dict[str, str]:
        if not comment:
            return {"comment": "Напишите, что нужно доработать: школа увидит этот комментарий."}
        if len(comment) > 2000:
            return {"comment": "Комментарий слишком длинный (не больше 2000 символов)."}
        return {}

    def act(context: _Act) -> str:
        if not context.user.is_coordinator:
            raise Forbidden("Вернуть на доработку может только координатор.")
        instance = context.target.instance
        return_for_rework(
            session=context.session,
            instance_id=instance.id,
            actor=context.actor,
            now=context.now,
            comment=comment,
        )
        return f"Мероприятие {instance.step_code} возвращено на доработку с комментарием."

    return _step_action(
        request,
        instance_id,
        version=_text(form, "version"),
        values={"comment": comment, "kind": "rework"},
        check=check,
        act=act,
        refuse=lambda user: (
            None if user.is_coordinator else "Вернуть на доработку может только координатор."
        ),
    )


def _comment(request: Request, instance_id: int, form: FormData) -> Response:
    comment = _text(form, "comment").strip()

    def check(_target: _Target) -> dict[str, str]:
        if not comment:
            return {"form": "Комментарий пуст: напишите текст и отправьте ещё раз."}
        if len(comment) > 2000:
            return {"form": "Комментарий слишком длинный (не больше 2000 символов)."}
        return {}

    def act(context: _Act) -> str:
        instance = context.target.instance
        comment_step(
            session=context.session,
            instance_id=instance.id,
            actor=context.actor,
            now=context.now,
            comment=comment,
        )
        return f"Комментарий к мероприятию {instance.step_code} добавлен."

    return _step_action(
        request,
        instance_id,
        version="",
        values={"comment": comment},
        check=check,
        act=act,
        check_version=False,
    )


def _text(form: FormData, name: str) -> str:
    """A text field of the form ("" when absent or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


# Threads per process for the actions: enough to overlap their database round trips. More only
# take turns at the GIL and stretch the slowest requests: under 16 concurrent mark-done requests
# on 2 workers, p99 was 35 ms with 4 threads against 45–56 ms with anyio's default of 40
# (benchmarks/bench_web.py).
_ACTION_THREADS = CapacityLimiter(4)


def _action(
    handler: Callable[[Request, int, FormData], Response],
) -> Callable[[Request], Awaitable[Response]]:
    """A step action as a Starlette endpoint: the CSRF-checked form, then ``handler`` in a worker
    thread (it waits on the database)."""

    async def endpoint(request: Request) -> Response:
        try:
            form = await pages.checked_form(request)
            raw = request.path_params["instance_id"]
            if whole_number(raw, maximum=10**18) is None:
                return pages.error_page(
                    request, 400, "Неверный запрос", "Адрес или данные формы не поняты."
                )
            instance_id = whole_number(raw)
            if not instance_id:  # 0, or beyond the database's integer
                return pages.error_page(request, 404, "Шаг не найден", "Такого мероприятия нет.")
            return await to_thread.run_sync(
                handler, request, instance_id, form, limiter=_ACTION_THREADS
            )
        finally:  # the uploaded file's temporary copy, also when the CSRF check refused it
            parsed = getattr(request.state, "form", None)
            if parsed is not None:
                await parsed.close()

    return endpoint


ACTION_ROUTES = [
    Route("/instances/{instance_id}/done", _action(_done), methods=["POST"]),
    Route("/instances/{instance_id}/undo", _action(_undo), methods=["POST"]),
    Route("/instances/{instance_id}/na", _action(_not_applicable), methods=["POST"]),
    Route("/instances/{instance_id}/rework", _action(_rework), methods=["POST"]),
    Route("/instances/{instance_id}/comment", _action(_comment), methods=["POST"]),
]
