"""The roadmap as a Gantt chart: resolved dates, projected ends where a prerequisite was late."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from engine.runs import launched_runs, run_definition, which_run
from engine.status import run_status
from web import pages
from web.access import MunicipalReader
from web.charts import gantt_bars, gantt_svg

router = APIRouter()


@router.get("/gantt")
def gantt_page(request: Request, user: MunicipalReader, run: str | None = None) -> Response:
    with pages.db(request) as session:
        chosen = which_run(session, roadmap_id=run, otherwise="newest")
        context: dict[str, object] = {
            "title": "Диаграмма Ганта",
            "run": chosen,
            "runs": launched_runs(session),
        }
        if chosen is None or pages.municipality(session) is None:
            return pages.render(request, "gantt.html", context)
        status = run_status(session=session, run=chosen, now=pages.now(request))
    loaded, _ = run_definition(chosen)
    bars = gantt_bars(status, loaded.roadmap)
    context.update(
        {
            "svg": Markup(
                gantt_svg(
                    bars,
                    period_start=chosen.period_start,
                    period_end=chosen.period_end,
                    today=status.today,
                )
            ),
            "bars": bars,
            "today": status.today,
        }
    )
    return pages.render(request, "gantt.html", context)
