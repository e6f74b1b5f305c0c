"""A school's page (and the municipality's own steps): dates, states, evidence; done, undo, n/a."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session, col, select

from engine.actions import mark_done, mark_not_applicable, undo
from engine.status import run_status
from nastavnik.errors import NastavnikError
from nastavnik.russian import format_date_numeric
from storage.models import JournalEntry, RoadmapRun, School, StepInstance
from web import pages
from web.auth import Forbidden, Principal, ical_token
from web.models import Upload
from web.unit import unit_steps
from web.uploads import MAX_UPLOAD, check_upload, resolve_stored, store_upload

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
        municipal_states = {v.code: v.state for v in status.views if v.school is None}
        context.update(
            {
                "groups": groups,
                "today": status.today,
                "municipal_states": municipal_states,
                "counts": status.counts()
                if unit is None
                else _unit_counts([r.view.state for g in groups for r in g.rows]),
            }
        )
    if user.role == "school_admin" and school is not None and user.school_id == school.id:
        secret = pages.state(request).settings.secret_key
        from storage.models import User

        account = session.get(User, user.id)
        if account is not None:
            context["ical_path"] = f"/calendar/{ical_token(secret=secret, user=account)}.ics"
    return pages.render(request, "school.html", context, status_code=status_code)


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


# --- actions --------------------------------------------------------------------------------------


def _load(session: Session, user: Principal, instance_id: int) -> tuple[StepInstance, RoadmapRun]:
    instance = session.get(StepInstance, instance_id)
    if instance is None:
        raise _NotFound()
    if not user.can_change_school(instance.school_id):
        raise Forbidden(
            "Изменять можно только мероприятия своей образовательной организации."
            if user.role == "school_admin"
            else "У вашей роли нет прав на изменения."
        )
    run = session.get(RoadmapRun, instance.run_id)
    assert run is not None
    return instance, run


class _NotFound(Exception):
    pass


def _unit_target(instance: StepInstance, run: RoadmapRun) -> str:
    base = f"/schools/{instance.school_id}" if instance.school_id else "/municipality"
    return f"{base}?run={run.roadmap_id}#step-{instance.step_code.replace('.', '-')}"


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


def _check_version(instance: StepInstance, version: str) -> None:
    if not version.isdigit() or int(version) != instance.version:
        raise NastavnikError(
            "кто-то уже изменил этот шаг, пока страница была открыта: "
            "посмотрите его состояние и повторите, если нужно",
            where="form",
        )


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _field(error: NastavnikError) -> str:
    return error.where if error.where in ("number", "doc_date", "scan", "reason") else "form"


@router.post("/instances/{instance_id}/done")
def instance_done(
    request: Request,
    instance_id: int,
    version: str = Form(""),
    number: str = Form(""),
    doc_date: str = Form(""),
    scan: UploadFile | None = File(None),
) -> Response:
    user = pages.require_user(request)
    values = {"number": number, "doc_date": doc_date}
    errors: dict[str, str] = {}
    number = number.strip()
    clock_now = pages.now(request)
    settings = pages.state(request).settings
    with pages.db(request) as session:
        try:
            instance, run = _load(session, user, instance_id)
        except _NotFound:
            return pages.error_page(request, 404, "Шаг не найден", "Такого мероприятия нет.")
        municipality = pages.municipality(session)
        assert municipality is not None
        tz = ZoneInfo(municipality.timezone)
        today = clock_now.astimezone(tz).date()
    if not number:
        errors["number"] = "Укажите номер документа (например, 45-од)."
    elif len(number) > 100:
        errors["number"] = "Номер слишком длинный (не больше 100 символов)."
    day = _parse_day(doc_date)
    if day is None:
        errors["doc_date"] = "Укажите дату документа."
    elif day > today:
        errors["doc_date"] = "Дата документа не может быть позже сегодняшней."
    elif day.year < 2000:
        errors["doc_date"] = "Проверьте год в дате документа."
    checked = None
    if scan is not None and scan.filename:
        data = scan.file.read(MAX_UPLOAD + 1)
        try:
            checked = check_upload(file_name=scan.filename, data=data)
        except NastavnikError as error:
            errors["scan"] = error.reason[:1].upper() + error.reason[1:] + "."
    if errors:
        return _form_failed(request, user, instance_id, errors, values)
    assert day is not None
    at = clock_now if day == today else datetime.combine(day, time(12, 0), tzinfo=tz)
    evidence = f"№ {number} от {format_date_numeric(day)}"
    stored: Path | None = None
    try:
        with pages.db(request) as session:
            instance, run = _load(session, user, instance_id)
            _check_version(instance, version)
            actor = pages.actor(request, user)
            mark_done(
                session=session,
                run=run,
                code=instance.step_code,
                school=instance.school_id,
                actor=actor,
                now=clock_now,
                at=at,
                evidence=evidence,
                occurrence=instance.occurrence,
            )
            if checked is not None:
                relative = store_upload(
                    documents_dir=settings.documents_dir,
                    school_id=instance.school_id,
                    instance_id=instance_id,
                    checked=checked,
                )
                stored = resolve_stored(documents_dir=settings.documents_dir, stored_path=relative)
                session.add(
                    Upload(
                        step_instance_id=instance_id,
                        school_id=instance.school_id,
                        file_name=checked.file_name,
                        stored_path=relative,
                        content_type=checked.content_type,
                        size=len(checked.data),
                        sha256=checked.sha256,
                        uploaded_by=user.email,
                        uploaded_at=clock_now,
                    )
                )
                session.add(
                    JournalEntry(
                        at=clock_now,
                        actor=actor.email,
                        action="upload",
                        source=actor.source,
                        remote_addr=actor.remote_addr,
                        run_id=run.id,
                        step_instance_id=instance_id,
                        school_id=instance.school_id,
                        step_code=instance.step_code,
                        details={
                            "file": checked.file_name,
                            "size": len(checked.data),
                            "sha256": checked.sha256,
                        },
                    )
                )
            target = _unit_target(instance, run)
            code = instance.step_code
    except NastavnikError as error:
        if stored is not None:
            stored.unlink(missing_ok=True)
        return _form_failed(request, user, instance_id, {_field(error): error.reason}, values)
    except BaseException:
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise
    return pages.redirect(request, target, f"Мероприятие {code} отмечено выполненным ({evidence}).")


@router.post("/instances/{instance_id}/undo")
def instance_undo(request: Request, instance_id: int, version: str = Form("")) -> Response:
    user = pages.require_user(request)
    try:
        with pages.db(request) as session:
            try:
                instance, run = _load(session, user, instance_id)
            except _NotFound:
                return pages.error_page(request, 404, "Шаг не найден", "Такого мероприятия нет.")
            _check_version(instance, version)
            undo(
                session=session,
                run=run,
                code=instance.step_code,
                school=instance.school_id,
                actor=pages.actor(request, user),
                now=pages.now(request),
                occurrence=instance.occurrence,
            )
            target, code = _unit_target(instance, run), instance.step_code
    except NastavnikError as error:
        return _form_failed(request, user, instance_id, {"form": error.reason}, {})
    return pages.redirect(
        request, target, f"Отметка о мероприятии {code} отменена: оно снова в работе."
    )


@router.post("/instances/{instance_id}/na")
def instance_not_applicable(
    request: Request, instance_id: int, version: str = Form(""), reason: str = Form("")
) -> Response:
    user = pages.require_user(request)
    reason = reason.strip()
    if not reason or len(reason) > 500:
        with pages.db(request) as session:
            try:
                _load(session, user, instance_id)
            except _NotFound:
                return pages.error_page(request, 404, "Шаг не найден", "Такого мероприятия нет.")
        message = (
            "Укажите причину."
            if not reason
            else "Причина слишком длинная (не больше 500 символов)."
        )
        return _form_failed(request, user, instance_id, {"reason": message}, {"reason": reason})
    try:
        with pages.db(request) as session:
            try:
                instance, run = _load(session, user, instance_id)
            except _NotFound:
                return pages.error_page(request, 404, "Шаг не найден", "Такого мероприятия нет.")
            _check_version(instance, version)
            mark_not_applicable(
                session=session,
                run=run,
                code=instance.step_code,
                school=instance.school_id,
                actor=pages.actor(request, user),
                now=pages.now(request),
                reason=reason,
                occurrence=instance.occurrence,
            )
            target, code = _unit_target(instance, run), instance.step_code
    except NastavnikError as error:
        return _form_failed(
            request, user, instance_id, {_field(error): error.reason}, {"reason": reason}
        )
    return pages.redirect(request, target, f"Мероприятие {code} отмечено неприменимым.")
