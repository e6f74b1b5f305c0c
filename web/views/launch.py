"""Launch a roadmap for the municipality's schools (coordinator)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from definitions.loader import find_roadmap, load_roadmaps
from engine.launch import launch_roadmap
from nastavnik.errors import NastavnikError
from web import pages
from web.auth import Forbidden
from web.messages import russian_reason

router = APIRouter()


def _page(
    request: Request, *, error: str | None = None, chosen: str = "", status_code: int = 200
) -> Response:
    settings = pages.state(request).settings
    try:
        available = load_roadmaps(settings.roadmaps_dir)
    except NastavnikError as load_error:
        available, error = [], error or russian_reason(load_error)
    with pages.db(request) as session:
        launched = {run.roadmap_id for run in pages.runs(session)}
    return pages.render(
        request,
        "launch.html",
        {
            "title": "Запуск дорожной карты",
            "available": available,
            "launched": launched,
            "error": error,
            "chosen": chosen,
        },
        status_code=status_code,
    )


@router.get("/launch")
def launch_form(request: Request) -> Response:
    user = pages.require_user(request)
    if not user.is_coordinator:
        raise Forbidden("Запускает дорожные карты координатор.")
    return _page(request)


@router.post("/launch")
def launch(request: Request, roadmap: str = Form("")) -> Response:
    user = pages.require_user(request)
    if not user.is_coordinator:
        raise Forbidden("Запускает дорожные карты координатор.")
    if not roadmap:
        return _page(request, error="Выберите дорожную карту.", status_code=400)
    try:
        loaded = find_roadmap(roadmap, pages.state(request).settings.roadmaps_dir)
        with pages.db(request) as session:
            result = launch_roadmap(
                session=session, loaded=loaded, now=pages.now(request), by=user.email
            )
    except NastavnikError as error:
        return _page(request, error=russian_reason(error), chosen=roadmap, status_code=400)
    verb = "запущена" if result.created else "уже была запущена"
    message = f"Дорожная карта {verb}: добавлено мероприятий — {result.instances_added}, школ — {result.schools}."
    return pages.redirect(request, f"/matrix?run={result.roadmap_id}", message)
