"""The coordinator's dashboard: the schools × steps matrix with counts, filters, sort and pages."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup, escape
from sqlmodel import select

from common.numbers import whole_number
from engine.actions import MARK_GRACE
from engine.runs import run_definition
from storage.models import School
from web import pages
from web.auth import Forbidden
from web.matrix_data import SORTS, STATE_FILTERS, Cell, Row, StatusCache, build_matrix

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
        evaluated = status_cache(request).evaluated(session, chosen, pages.now(request))
        # the columns the matrix needs (a school's extra data is JSON: decoding 2,000 costs),
        # through Core: the ORM's handling of 2,000 rows cost more than the query
        schools = {
            row.id: row
            for row in session.connection().execute(
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
        evaluated.grid,
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

    show_dates = bool(dates) or step is not None
    tz = municipality.timezone
    run_id = chosen.roadmap_id

    def row_html(row: Row) -> Markup:
        return Markup(_row_html(row, run_id=run_id, show_dates=show_dates, tz=tz))

    context.update(
        {
            "matrix": matrix,
            "row_html": row_html,
            "today": evaluated.status.today,
            "tz": municipality.timezone,
            "titles": titles,
            "filters": filters,
            "link": link,
            "show_dates": show_dates,
            "printing": printing,
            "grace": MARK_GRACE,
        }
    )
    return pages.render(request, "matrix.html", context)


def status_cache(request: Request) -> StatusCache:
    """The process's evaluated runs (one cache per application)."""
    cache = getattr(pages.state(request), "status_cache", None)
    if cache is None:
        cache = pages.state(request).status_cache = StatusCache()
    return cache


# --- the table's rows as HTML ----------------------------------------------------------------------
# Written here rather than by a Jinja macro: a 300-school page has 3,600 cells, and a macro's
# per-cell calls, attribute look-ups and escaping cost more than the rest of the request.


@lru_cache(maxsize=1024)
def _bare_cell(state: str, days_late: int) -> str:
    late = f"<i>{days_late}</i>" if state == "overdue" else ""
    return f'<td class="{state}">{pages.STATE_SYMBOLS.get(state, "")}{late}</td>'


def _short(value: date | datetime | None, tz: str) -> str:
    """15.04.22 (as the date_short filter): a moment as its day in the municipality."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date()
    return f"{value:%d.%m.%y}"


def _dated_cell(cell: Cell, tz: str) -> str:
    late = f"<i>{cell.days_late}</i>" if cell.state == "overdue" else ""
    done = cell.done
    if done is not None:
        note = (
            f"<small>док. {_short(done.done_at, tz)}<br>"  # type: ignore[arg-type]
            f"отм. {_short(done.marked_at, tz)}</small>"  # type: ignore[arg-type]
        )
    else:
        due = cell.due
        note = f"<small>срок {_short(due, tz)}</small>" if due is not None else ""
    symbol = pages.STATE_SYMBOLS.get(cell.state, "")
    return f'<td class="{cell.state} dated">{symbol}{late}{note}</td>'


def _row_html(row: Row, *, run_id: str, show_dates: bool, tz: str) -> str:
    run = escape(run_id)
    if row.unit:
        unit = escape(row.unit)
        head = (
            f'<tr data-unit="{unit}"><th scope="row">'
            f'<a href="/schools/{unit}?run={run}">{escape(row.name)}</a></th>'
        )
    else:
        head = (
            '<tr class="municipal" data-unit=""><th scope="row">'
            f'<a href="/municipality?run={run}">{escape(row.name)}</a></th>'
        )
    bad = " bad" if row.overdue else ""
    parts = [
        head,
        f'<td class="num{bad}">{row.overdue}</td><td class="num">{row.resolved}/{row.total}</td>',
    ]
    for cell in row.cells:
        if cell is None:
            parts.append('<td class="empty"></td>')
        elif show_dates:
            parts.append(_dated_cell(cell, tz))
        else:
            parts.append(_bare_cell(cell.state, cell.days_late))
    parts.append("</tr>\n")
    return "".join(parts)
