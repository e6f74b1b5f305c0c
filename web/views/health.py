"""`/healthz` for monitors, and the banner that tells the coordinator a daily check did not run.

/healthz answers JSON without signing in: the database is reachable, its schema is this
version's, and how the last daily run ended. 200 when all is well; 503 when the database is down
or out of date, or the last daily run failed, was interrupted or died.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from common.clock import local_day
from common.messages import render_message
from engine.daily_runs import (
    days_not_completed,
    days_not_run_phrase,
    effective_outcome,
    last_runs,
)
from storage.operations import NOT_COMPLETED
from web import pages

router = APIRouter()
BANNER_DAYS = 7


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    state = pages.state(request)
    now = state.clock()
    body: dict[str, Any] = {"status": "ok"}
    try:
        from storage.db import current_revision, head_revision

        current, head = current_revision(state.engine), head_revision()
        body["database"] = "ok"
        body["schema"] = {"current": current, "expected": head, "ok": current == head}
        with Session(state.engine) as session:
            last = last_runs(session=session, limit=1)
        if last:
            run = last[0]
            outcome = effective_outcome(run, now=now)
            body["last_daily_run"] = {
                "id": run.id,
                "day": run.day.isoformat(),
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "outcome": outcome,
            }
        else:
            outcome = None
            body["last_daily_run"] = None
    except SQLAlchemyError as error:
        body.update(status="fail", database=f"unreachable: {type(error).__name__}")
        return JSONResponse(body, status_code=503, headers={"Cache-Control": "no-store"})
    if current != head or outcome in NOT_COMPLETED:
        body["status"] = "fail"
    code = 200 if body["status"] == "ok" else 503
    return JSONResponse(body, status_code=code, headers={"Cache-Control": "no-store"})


def daily_run_notice(request: Request, user: Any) -> str:
    """The banner for the coordinator and viewers: days of the last week whose check failed."""
    if user is None or getattr(user, "role", None) not in ("coordinator", "viewer"):
        return ""
    state = pages.state(request)
    now = state.clock()
    try:
        # read-only: a page may render this while its own session holds SQLite's write lock
        with Session(state.engine.execution_options(read_only=True)) as session:
            municipality = pages.municipality(session)
            if municipality is None:
                return ""
            today = local_day(now, municipality.timezone)
            days = days_not_completed(
                session=session, since=today - timedelta(days=BANNER_DAYS), now=now
            )
    except SQLAlchemyError:
        return ""
    if not days:
        return ""
    return render_message("notice.missed_runs", missed=days_not_run_phrase(days))


def install(app: FastAPI) -> None:
    """Mount /healthz and give the pages' base template the banner."""
    app.include_router(router)
    app.state.templates.env.globals["daily_run_notice"] = daily_run_notice
