"""The front page: sends each role where it works."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web import pages
from web.access import SignedIn, own_school

router = APIRouter()


@router.get("/")
def home(request: Request, user: SignedIn) -> Response:
    school = own_school(user)
    return pages.redirect(request, f"/schools/{school}" if school else "/matrix")
