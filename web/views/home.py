"""The front page: sends each role where it works."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web import pages

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    user = pages.require_user(request)
    if user.role == "school_admin" and user.school_id:
        return pages.redirect(request, f"/schools/{user.school_id}")
    return pages.redirect(request, "/matrix")
