"""The coordinator's dashboard: the schools × steps matrix with counts, filters, sort and pages."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from common.numbers import whole_number
from engine.actions import MARK_GRACE
from engine.runs import run_definition
from storage.models import School
from web import pages
from web.auth import Forbidden
from web.matrix import SORTS, STATE_FILTERS, StatusCache, build_matrix, natural_key

router = APIRouter()


@router.get("/matrix")
def matrix_page(
    request: Request,
    run: str | None = None,
    overdue: str | None = None,
    state: str | None = None,
    step: str | None = None,
    school: str | None = None,
    q: str = "",
    sort: str = "name",
    group: str | None = None,
    dates: str | None = None,
    page: str | None = None,
    print: str | None = None,  # noqa: A002  (the address's word)
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
        cache = getattr(pages.state(request), "status_cache", None)
        if cache is None:
            cache = pages.state(request).status_cache = StatusCache()
        status = cache.status(session, chosen, pages.now(request))
        # the columns the matrix needs (a school's extra data is JSON: decoding 2,000 costs)
        schools = {
            row.id: row
            for row in session.execute(
                select(School.id, School.name, School.short_name, School.territory)  # type: ignore[call-overload]
            )
        }
    loaded, _ = run_definition(chosen)
    titles = {s.code: s.title for s in loaded.roadmap.steps}
    scopes = {s.code: s.scope for s in loaded.roadmap.steps}
    step = step if step in titles else None
    school_filter = (
        None if school in (None, "", "*") else ("" if school == "municipality" else school)
    )
    chosen_state = "overdue" if overdue else (state if state in STATE_FILTERS else "")
    chosen_sort = sort if sort in SORTS else "name"
    query = q.strip()[:100]
    grouped = bool(group)
    printing = bool(print)
    matrix = build_matrix(
        status,
        schools=schools,
        titles=titles,
        scopes=scopes,
        step=step,
        school=school_filter,
        state=chosen_state or None,
        query=query,
        sort=chosen_sort,
        group=grouped,
        page=whole_number(page or "1") or 1,
        # the printout is the whole list (the browser paginates it on A4)
        page_size=max(1, len(schools) + 1) if printing else 300,
    )
    filters = {
        "run": chosen.roadmap_id,
        "state": chosen_state,
        "step": step or "",
        "school": school or "",
        "q": query,
        "sort": chosen_sort,
        "group": "1" if grouped else "",
        "dates": "1" if dates else "",
    }

    def link(**changes: object) -> str:
        params = {**filters, **{k: str(v) for k, v in changes.items()}}
        return "/matrix?" + urlencode({k: v for k, v in params.items() if v})

    context.update(
        {
            "matrix": matrix,
            "today": status.today,
            "tz": municipality.timezone,
            "titles": titles,
            "filters": filters,
            "link": link,
            "show_dates": bool(dates) or step is not None,
            "printing": printing,
            "grace": MARK_GRACE,
            "school_options": sorted(schools.values(), key=lambda s: natural_key(s.short_name)),
        }
    )
    return pages.render(request, "matrix.html", context)
