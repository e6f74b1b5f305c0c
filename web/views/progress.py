"""Progress over time: due so far vs resolved so far, as an inline SVG chart, with totals."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from engine.runs import launched_runs, which_run
from engine.status import run_status
from web import pages
from web.access import MunicipalReader
from web.charts import progress_series, progress_svg

router = APIRouter()


@router.get("/progress")
def progress_page(request: Request, user: MunicipalReader, run: str | None = None) -> Response:
    with pages.db(request) as session:
        chosen = which_run(session, roadmap_id=run, otherwise="newest")
        municipality = pages.municipality(session)
        context: dict[str, object] = {
            "title": "Ход работ",
            "run": chosen,
            "runs": launched_runs(session),
        }
        if chosen is None or municipality is None:
            return pages.render(request, "progress.html", context)
        status = run_status(session=session, run=chosen, now=pages.now(request))
    points, total = progress_series(status, tz=municipality.timezone)
    context.update(
        {
            "svg": Markup(progress_svg(points, total)),
            "points": points,
            "total": total,
            "counts": status.counts(),
            "today": status.today,
        }
    )
    return pages.render(request, "progress.html", context)
