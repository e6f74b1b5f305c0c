"""A school's step page (one step instance): its state and its documents — generate, list, download."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session

from common.clock import local_day
from common.messages import render_message
from engine.runs import run_definition, which_run
from engine.status import run_status
from storage.models import GeneratedDocument, RoadmapRun, School, StepInstance
from web import pages
from web.access import (
    DocumentReader,
    InstanceReader,
    InstanceWriter,
    NotFound,
    Right,
    SchoolReader,
    SchoolWriter,
    allows,
)
from web.auth import Principal
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


def _load(session: Session, instance_id: int) -> tuple[StepInstance, RoadmapRun]:
    instance = session.get(StepInstance, instance_id)
    if instance is None:
        raise NotFound(
            render_message("page.title.step_missing"), render_message("page.no_such_step")
        )
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
        "can_generate": allows(user, Right.SCHOOL_WRITE, instance.school_id),
        "unit_page": (
            f"/schools/{instance.school_id}?run={run.roadmap_id}"
            if instance.school_id
            else f"/municipality?run={run.roadmap_id}"
        )
        + f"#step-{instance.step_code.replace('.', '-')}",
    }
    return pages.render(request, "instance.html", context, status_code=status_code)


@router.get("/instances/{instance_id}")
def instance_page(
    request: Request, user: InstanceReader, instance_id: pages.RowId, new: int | None = None
) -> Response:
    with pages.db(request) as session:
        instance, run = _load(session, instance_id)
        return _page(request, session, user=user, instance=instance, run=run, new=new)


@router.post("/instances/{instance_id}/documents")
def instance_generate(
    request: Request, user: InstanceWriter, instance_id: pages.RowId, template_id: str = Form("")
) -> Response:
    values = pages.form_values(request)
    settings = pages.state(request).settings
    try:
        with pages.db(request) as session:
            instance, run = _load(session, instance_id)
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
            instance, run = _load(session, instance_id)
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
        render_message("notice.document_made", title=title),
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
    run = which_run(session, roadmap_id=run_id, otherwise="newest")
    municipality = pages.municipality(session)
    tz = municipality.timezone if municipality else "UTC"
    today = local_day(pages.now(request), tz)
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
        "can_generate": allows(user, Right.SCHOOL_WRITE, school.id),
        "tz": tz,
        "report_title": document_title(SCHOOL_REPORT),
    }
    return pages.render(request, "school_report.html", context, status_code=status_code)


def _report_school(session: Session, school_id: str) -> School:
    school = session.get(School, school_id)
    if school is None:
        raise NotFound(
            render_message("page.title.school_missing"), render_message("page.no_such_school")
        )
    return school


@router.get("/schools/{school_id}/report")
def school_report_page(
    request: Request,
    user: SchoolReader,
    school_id: str,
    run: str | None = None,
    new: int | None = None,
) -> Response:
    with pages.db(request) as session:
        school = _report_school(session, school_id)
        return _report_page(request, session, user=user, school=school, run_id=run, new=new)


@router.post("/schools/{school_id}/report")
def school_report_generate(request: Request, user: SchoolWriter, school_id: str) -> Response:
    values = pages.form_values(request)
    run_id = values.get("run") or None
    settings = pages.state(request).settings
    try:
        with pages.db(request) as session:
            school = _report_school(session, school_id)
            run = which_run(session, roadmap_id=run_id, otherwise="newest")
            if run is None:
                raise DocumentFormError({"form": render_message("notice.not_launched")})
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
            school = _report_school(session, school_id)
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
    return pages.redirect(request, target + "#documents", render_message("documents.report_made"))


@router.get("/documents/{document_id}")
def document_file(request: Request, _user: DocumentReader, document_id: pages.RowId) -> Response:
    with pages.db(request) as session:
        document = session.get(GeneratedDocument, document_id)
        if document is None:
            return pages.error_page(
                request,
                404,
                render_message("page.title.document_missing"),
                render_message("page.no_such_document"),
            )
        school = session.get(School, document.school_id) if document.school_id else None
        municipality = pages.municipality(session)
        tz = municipality.timezone if municipality else "UTC"
    path = stored_file(document, documents_dir=pages.state(request).settings.documents_dir)
    if path is None:
        return pages.error_page(
            request,
            404,
            render_message("page.title.file_missing"),
            render_message("page.document_file_missing"),
        )
    name = download_name(document, school_short_name=school.short_name if school else None, tz=tz)
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(path.suffix.lstrip("."), "application/octet-stream"),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
