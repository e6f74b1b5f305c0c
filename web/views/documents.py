"""A school's step page (one step instance): its state and its documents — generate, list, download."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session

from engine.runs import run_definition
from engine.status import run_status
from storage.models import GeneratedDocument, RoadmapRun, School, StepInstance
from web import pages
from web.auth import Forbidden, Principal
from web.step_documents import (
    FORM_FIELDS,
    MEDIA_TYPES,
    SCHOOL_REPORT,
    DocumentFormError,
    default_values,
    document_title,
    download_name,
    generate_document,
    generate_school_report,
    generated_for,
    school_reports,
    step_offers,
    stored_file,
)

router = APIRouter()


class _Missing(Exception):
    pass


def _may_view(user: Principal, school_id: str | None) -> bool:
    """The rule of uploads: a school's things to those who see the school, municipal ones to the
    coordinator and viewers."""
    return user.can_view_school(school_id) if school_id else user.can_view_municipality()


def _load(session: Session, user: Principal, instance_id: int) -> tuple[StepInstance, RoadmapRun]:
    instance = session.get(StepInstance, instance_id)
    if instance is None:
        raise _Missing()
    if not _may_view(user, instance.school_id):
        raise Forbidden("Эта страница другой образовательной организации.")
    run = session.get(RoadmapRun, instance.run_id)
    assert run is not None
    return instance, run


def _page(
    request: Request,
    session: Session,
    *,
    user: Principal,
    instance: StepInstance,
    run: RoadmapRun,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    new: int | None = None,
    status_code: int = 200,
) -> Response:
    municipality = pages.municipality(session)
    assert municipality is not None
    now = pages.now(request)
    status = run_status(session=session, run=run, now=now, school=instance.school_id)
    view = next(v for v in status.views if v.id == instance.id)
    step = run_definition(run)[0].roadmap.step(instance.step_code)
    school = session.get(School, instance.school_id) if instance.school_id else None
    offers = step_offers(run=run, instance=instance)
    form_values = {
        offer.kind: {
            **default_values(offer, today=status.today),
            **(values or {}).get(offer.kind, {}),
        }
        for offer in offers
    }
    documents = generated_for(session, instance_id=instance.id or 0)
    settings = pages.state(request).settings
    files = {
        d.id: stored_file(d, documents_dir=settings.documents_dir) is not None for d in documents
    }
    titles = {offer.kind: offer.title for offer in offers}
    # errors of a form that is not on the page (a forged or stale template id) show above the cards
    stray = [e.get("form", "") for kind, e in (errors or {}).items() if kind not in titles]
    context: dict[str, Any] = {
        "title": f"{instance.step_code} — {school.short_name if school else 'муниципалитет'}",
        "instance": instance,
        "view": view,
        "step": step,
        "run": run,
        "school": school,
        "today": status.today,
        "tz": municipality.timezone,
        "offers": offers,
        "values": form_values,
        "errors": errors or {},
        "stray_error": next((e for e in stray if e), None),
        "documents": documents,
        "files": files,
        "titles": titles,
        "new": next((d for d in documents if d.id == new), None),
        "can_generate": user.can_change_school(instance.school_id),
        "unit_page": (
            f"/schools/{instance.school_id}?run={run.roadmap_id}"
            if instance.school_id
            else f"/municipality?run={run.roadmap_id}"
        )
        + f"#step-{instance.step_code.replace('.', '-')}",
    }
    return pages.render(request, "instance.html", context, status_code=status_code)


@router.get("/instances/{instance_id}")
def instance_page(request: Request, instance_id: pages.RowId, new: int | None = None) -> Response:
    with pages.db(request) as session:
        user = pages.require_user(request, session)
        try:
            instance, run = _load(session, user, instance_id)
        except _Missing:
            return pages.error_page(request, 404, "Шаг не найден", "Такого мероприятия нет.")
        return _page(request, session, user=user, instance=instance, run=run, new=new)


@router.post("/instances/{instance_id}/documents")
def instance_generate(
    request: Request, instance_id: pages.RowId, template_id: str = Form("")
) -> Response:
    values = pages.form_values(request)
    settings = pages.state(request).settings
    try:
        with pages.db(request) as session:
            user = pages.require_user(request, session)
            try:
                instance, run = _load(session, user, instance_id)
            except _Missing:
                return pages.error_page(request, 404, "Шаг не найден", "Такого мероприятия нет.")
            if not user.can_change_school(instance.school_id):
                raise Forbidden(
                    "Формировать документы может координатор и ответственный этой организации."
                )
            document = generate_document(
                session=session,
                run=run,
                instance=instance,
                template_id=template_id,
                values=values,
                actor=pages.actor(request, user),
                now=pages.now(request),
                documents_dir=settings.documents_dir,
                templates_dir=settings.templates_dir,
            )
            title = next(
                (o.title for o in step_offers(run=run, instance=instance) if o.kind == template_id),
                template_id,
            )
    except DocumentFormError as error:
        with pages.db(request) as session:
            user = pages.require_user(request, session)
            instance, run = _load(session, user, instance_id)
            return _page(
                request,
                session,
                user=user,
                instance=instance,
                run=run,
                errors={template_id: error.errors},
                values={template_id: values},
                status_code=400,
            )
    return pages.redirect(
        request,
        f"/instances/{instance_id}?new={document.id}#documents",
        f"Документ «{title}» сформирован.",
    )


def _report_page(
    request: Request,
    session: Session,
    *,
    user: Principal,
    school: School,
    run_id: str | None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    new: int | None = None,
    status_code: int = 200,
) -> Response:
    run = pages.pick_run(session, run_id)
    municipality = pages.municipality(session)
    tz = municipality.timezone if municipality else "UTC"
    today = pages.now(request).astimezone(ZoneInfo(tz)).date()
    reports = school_reports(session, school_id=school.id)
    settings = pages.state(request).settings
    context: dict[str, Any] = {
        "title": f"Отчёт о выполнении дорожной карты — {school.short_name}",
        "school": school,
        "run": run,
        "fields": FORM_FIELDS[SCHOOL_REPORT],
        "values": {"date": today.isoformat(), **(values or {})},
        "errors": errors or {},
        "reports": reports,
        "files": {
            d.id: stored_file(d, documents_dir=settings.documents_dir) is not None for d in reports
        },
        "new": next((d for d in reports if d.id == new), None),
        "can_generate": user.can_change_school(school.id),
        "tz": tz,
        "report_title": document_title(SCHOOL_REPORT),
    }
    return pages.render(request, "school_report.html", context, status_code=status_code)


def _report_school(session: Session, user: Principal, school_id: str) -> School | None:
    school = session.get(School, school_id)
    if school is not None and not user.can_view_school(school.id):
        raise Forbidden("Эта страница другой образовательной организации.")
    return school


@router.get("/schools/{school_id}/report")
def school_report_page(
    request: Request, school_id: str, run: str | None = None, new: int | None = None
) -> Response:
    with pages.db(request) as session:
        user = pages.require_user(request, session)
        school = _report_school(session, user, school_id)
        if school is None:
            return pages.error_page(request, 404, "Школа не найдена", "Такой школы нет.")
        return _report_page(request, session, user=user, school=school, run_id=run, new=new)


@router.post("/schools/{school_id}/report")
def school_report_generate(request: Request, school_id: str) -> Response:
    values = pages.form_values(request)
    run_id = values.get("run") or None
    settings = pages.state(request).settings
    try:
        with pages.db(request) as session:
            user = pages.require_user(request, session)
            school = _report_school(session, user, school_id)
            if school is None:
                return pages.error_page(request, 404, "Школа не найдена", "Такой школы нет.")
            if not user.can_change_school(school.id):
                raise Forbidden(
                    "Сформировать отчёт может координатор или ответственный этой организации."
                )
            run = pages.pick_run(session, run_id)
            if run is None:
                raise DocumentFormError({"form": "Дорожная карта ещё не запущена."})
            document = generate_school_report(
                session=session,
                run=run,
                school_id=school.id,
                values=values,
                actor=pages.actor(request, user),
                now=pages.now(request),
                documents_dir=settings.documents_dir,
                templates_dir=settings.templates_dir,
            )
            target = f"/schools/{school.id}/report?run={quote(run.roadmap_id)}&new={document.id}"
    except DocumentFormError as error:
        with pages.db(request) as session:
            user = pages.require_user(request, session)
            school = _report_school(session, user, school_id)
            assert school is not None
            return _report_page(
                request,
                session,
                user=user,
                school=school,
                run_id=run_id,
                errors=error.errors,
                values=values,
                status_code=400,
            )
    return pages.redirect(request, target + "#documents", "Отчёт сформирован.")


@router.get("/documents/{document_id}")
def document_file(request: Request, document_id: pages.RowId) -> Response:
    with pages.db(request) as session:
        user = pages.require_user(request, session)
        document = session.get(GeneratedDocument, document_id)
        if document is None:
            return pages.error_page(request, 404, "Документ не найден", "Такого документа нет.")
        if not _may_view(user, document.school_id):
            raise Forbidden("Этот документ принадлежит другой образовательной организации.")
        school = session.get(School, document.school_id) if document.school_id else None
        municipality = pages.municipality(session)
        tz = municipality.timezone if municipality else "UTC"
    path = stored_file(document, documents_dir=pages.state(request).settings.documents_dir)
    if path is None:
        return pages.error_page(
            request,
            404,
            "Файл не найден",
            "Файла этого документа нет в хранилище портала (его сформировали вне портала или удалили).",
        )
    name = download_name(document, school_short_name=school.short_name if school else None, tz=tz)
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(path.suffix.lstrip("."), "application/octet-stream"),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
