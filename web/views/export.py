"""Download the matrix as XLSX (openpyxl)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from common.messages import render_message
from engine.runs import run_definition, which_run
from engine.status import run_status
from storage.models import School
from web import pages
from web.access import MunicipalReader
from web.matrix_data import SORTS, STATE_FILTERS, build_matrix
from web.matrix_workbook import export_matrix

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/export.xlsx")
def export_xlsx(
    request: Request,
    user: MunicipalReader,
    run: str | None = None,
    q: str = "",
    state: str | None = None,
    sort: str = "name",
    group: str | None = None,
    step: str | None = None,
) -> Response:
    """The matrix as the coordinator sees it (search, filter, order), every school on one sheet."""
    with pages.db(request) as session:
        chosen = which_run(session, roadmap_id=run, otherwise="newest")
        municipality = pages.municipality(session)
        if chosen is None or municipality is None:
            return pages.error_page(
                request,
                404,
                render_message("page.title.no_data"),
                render_message("page.nothing_launched"),
            )
        status = run_status(session=session, run=chosen, now=pages.now(request))
        schools = {s.id: s for s in session.exec(select(School))}
    loaded, _ = run_definition(chosen)
    titles = {s.code: s.title for s in loaded.roadmap.steps}
    matrix = build_matrix(
        status,
        schools=schools,
        titles=titles,
        scopes={s.code: s.scope for s in loaded.roadmap.steps},
        step=step if step in titles else None,
        state=state if state in STATE_FILTERS else None,
        query=q.strip()[:100],
        sort=sort if sort in SORTS else "name",
        group=bool(group),
    )
    data = export_matrix(
        status, matrix, schools=schools, tz=municipality.timezone, labels=pages.STATE_LABELS
    )
    name = f"{chosen.roadmap_id}-{status.today.isoformat()}.xlsx"
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
