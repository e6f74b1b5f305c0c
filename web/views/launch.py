"""Launch a roadmap for the municipality's schools (coordinator)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import select

from common.errors import NastavnikError
from common.messages import render_message
from definitions.catalogue import ROLES
from definitions.loader import find_roadmap, load_roadmaps
from engine.policy import Ladder
from engine.roadmap_launch import archive_run, launch_roadmap, preview_launch, undo_launch
from engine.runs import launched_runs
from storage.models import EscalationPolicy
from storage.roadmap_versions import published_definitions
from storage.schools import get_municipality
from web import pages
from web.access import Coordinator
from web.messages import russian_reason

router = APIRouter()


def municipal_ladder(session: Any) -> Ladder:
    """The municipality's escalation ladder: the built-in defaults under its own settings."""
    municipality = get_municipality(session)
    row = session.exec(
        select(EscalationPolicy).where(
            EscalationPolicy.municipality_id == municipality.id,
            EscalationPolicy.roadmap_id == "",
            EscalationPolicy.step_code == "",
        )
    ).first()
    return Ladder().with_override(row)


def _page(
    request: Request, *, error: str | None = None, chosen: str = "", status_code: int = 200
) -> Response:
    settings = pages.state(request).settings
    with pages.db(request) as session:
        try:
            available = load_roadmaps(settings.roadmaps_dir, published_definitions(session=session))
        except NastavnikError as load_error:
            available, error = [], error or russian_reason(load_error)
        runs = launched_runs(session)
        launched = {run.roadmap_id for run in runs}
        ladder = municipal_ladder(session)
    return pages.render(
        request,
        "launch.html",
        {
            "title": "Запуск дорожной карты",
            "available": available,
            "launched": launched,
            "runs": runs,
            "ladder": ladder,
            "roles": ROLES,
            "error": error,
            "chosen": chosen,
        },
        status_code=status_code,
    )


@router.get("/launch")
def launch_form(request: Request, user: Coordinator) -> Response:
    return _page(request)


_LEVELS = {
    "reminder": "напоминание о сроке",
    "overdue": "о просрочке (исполнителю)",
    "coordinator": "координатору",
    "head": "руководителю органа управления образованием",
}


@router.post("/launch")
def launch(
    request: Request,
    user: Coordinator,
    roadmap: str = Form(""),
    confirm: str = Form(""),
    keep_outside: str = Form(""),
) -> Response:
    """Without ``confirm``: the preview with a confirm button; with it: the launch itself."""
    if not roadmap:
        return _page(request, error=render_message("launch.choose_roadmap"), status_code=400)
    keep = keep_outside == "1"
    try:
        with pages.db(request) as session:
            loaded = find_roadmap(
                roadmap,
                pages.state(request).settings.roadmaps_dir,
                published_definitions(session=session),
            )
            if confirm != "1":
                preview = preview_launch(
                    session=session, loaded=loaded, now=pages.now(request), keep_outside=keep
                )
                return pages.render(
                    request,
                    "launch_preview.html",
                    {
                        "title": "Проверка перед запуском",
                        "preview": preview,
                        "levels": _LEVELS,
                        "letters": {k: sorted(v) for k, v in preview.letters.items()},
                    },
                )
            result = launch_roadmap(
                session=session,
                loaded=loaded,
                now=pages.now(request),
                by=user.email,
                keep_outside=keep,
            )
    except NastavnikError as error:
        return _page(request, error=russian_reason(error), chosen=roadmap, status_code=400)
    message = render_message(
        "notice.launched" if result.created else "notice.launched_again",
        steps=result.instances_added,
        schools=result.schools,
    )
    return pages.redirect(request, f"/matrix?run={result.roadmap_id}", message)


@router.post("/launch/undo")
def undo(request: Request, user: Coordinator, roadmap: str = Form("")) -> Response:
    """Undo a launch nobody has heard of yet (no letter, no act)."""
    try:
        with pages.db(request) as session:
            removed = undo_launch(
                session=session, roadmap_id=roadmap, now=pages.now(request), by=user.email
            )
    except NastavnikError as error:
        return _page(request, error=error.reason, chosen=roadmap, status_code=400)
    return pages.redirect(
        request, "/launch", render_message("notice.launch_undone", roadmap=roadmap, removed=removed)
    )


@router.post("/launch/archive")
def archive(request: Request, user: Coordinator, roadmap: str = Form("")) -> Response:
    """Archive a run: kept for reports, out of the daily run."""
    try:
        with pages.db(request) as session:
            archive_run(session=session, roadmap_id=roadmap, now=pages.now(request), by=user.email)
    except NastavnikError as error:
        return _page(request, error=error.reason, chosen=roadmap, status_code=400)
    return pages.redirect(
        request,
        "/launch",
        render_message("notice.launch_archived", roadmap=roadmap),
    )
