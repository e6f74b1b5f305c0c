"""The iCal feed of a user's deadlines, behind a secret link (calendars cannot sign in).

The link is a random token issued on the user's page (/account) and stored hashed; re-issuing
or revoking it there ends the old one.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from common.messages import render_message
from engine.runs import launched_runs
from engine.status import run_status
from storage.models import School
from web import pages
from web.access import own_school
from web.auth import calendar_link_user
from web.ical_feed import deadlines_calendar

router = APIRouter()


@router.get("/calendar/{token}.ics")
def calendar_feed(request: Request, token: str) -> Response:
    settings = pages.state(request).settings
    with pages.db(request) as session:
        user = calendar_link_user(session=session, token=token, now=pages.now(request))
        if user is None:
            return Response(
                render_message("calendar.link_invalid") + "\n",
                status_code=404,
                media_type="text/plain; charset=utf-8",
            )
        municipality = pages.municipality(session)
        school = own_school(user)
        school_names = {s.id: s.short_name for s in session.exec(select(School))}
        statuses = [
            run_status(session=session, run=run, now=pages.now(request), school=school)
            for run in launched_runs(session)
        ]
    name = "Сроки наставничества" + (
        f" — {school_names.get(school, school)}"
        if school
        else f" — {municipality.name}"
        if municipality
        else ""
    )
    data = deadlines_calendar(
        statuses,
        school=school,
        name=name,
        base_url=settings.base_url,
        now=pages.now(request),
        school_names=school_names,
    )
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="nastavnik.ics"'},
    )
