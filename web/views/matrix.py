"""The coordinator's dashboard: the schools × steps matrix with counts and filters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from engine.runs import run_definition
from engine.status import run_status
from storage.models import School
from web import pages
from web.auth import Forbidden
from web.matrix import build_matrix

router = APIRouter()


@router.get("/matrix")
def matrix_page(
    request: Request,
    run: str | None = None,
    overdue: str | None = None,
    step: str | None = None,
    school: str | None = None,
) -> Response:
    user = pages.require_user(request)
    if not user.can_view_municipality():
        raise Forbidden("Матрица доступна координатору и наблюдателю.")
    with pages.db(request) as session:
        municipality = pages.municipality(session)
        launched = pages.runs(session)
        chosen = pages.pick_run(session, run)
        context: dict[str, object] = {
            "title": "Матрица",
            "runs": launched,
            "run": chosen,
            "municipality": municipality,
        }
        if chosen is None or municipality is None:
            return pages.render(request, "matrix.html", context)
        status = run_status(session=session, run=chosen, now=pages.now(request))
        schools = {s.id: s for s in session.exec(select(School))}
    loaded, _ = run_definition(chosen)
    titles = {s.code: s.title for s in loaded.roadmap.steps}
    scopes = {s.code: s.scope for s in loaded.roadmap.steps}
    step = step or None
    school_filter = (
        None if school in (None, "", "*") else ("" if school == "municipality" else school)
    )
    matrix = build_matrix(
        status,
        schools=schools,
        titles=titles,
        scopes=scopes,
        overdue_only=bool(overdue),
        step=step,
        school=school_filter,
    )
    context.update(
        {
            "matrix": matrix,
            "today": status.today,
            "tz": municipality.timezone,
            "schools": schools,
            "titles": titles,
            "filters": {"overdue": bool(overdue), "step": step or "", "school": school or ""},
            "school_options": sorted(schools.values(), key=lambda s: s.short_name),
        }
    )
    return pages.render(request, "matrix.html", context)
