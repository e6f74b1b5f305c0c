"""An iCal feed of a user's deadlines (their school's steps, or the municipality's for others)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from common.messages import render_message
from engine.runs import run_definition
from engine.status import RunStatus

RESOLVED = ("done", "done_late", "not_applicable")


def deadlines_calendar(
    statuses: list[RunStatus],
    *,
    school: str | None,
    name: str,
    base_url: str,
    now: datetime,
    school_names: Mapping[str, str] | None = None,
) -> bytes:
    """All-day events on the due dates of unresolved steps (a school's, or every one when school is None).

    A municipal feed names each event's school by its short name (``school_names``), not its id.
    """
    names = school_names or {}
    calendar = Calendar()
    calendar.add("prodid", "-//nastavnik//portal//RU")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for status in statuses:
        loaded, _ = run_definition(status.run)
        titles = {s.code: s.title for s in loaded.roadmap.steps}
        for view in status.views:
            if view.due is None or view.state in RESOLVED:
                continue
            if school is not None and view.school != school:
                continue
            event = Event()
            event.add("uid", f"nastavnik-{status.run.roadmap_id}-{view.id}@nastavnik")
            event.add("dtstamp", now)
            event.add("dtstart", view.due)
            event.add("dtend", view.due + timedelta(days=1))
            label = names.get(view.school, view.school) if view.school else ""
            title = titles.get(view.code, "")
            summary = (
                render_message("calendar.due_at", step=view.code, school=label, title=title)
                if school is None and view.school
                else render_message("calendar.due", step=view.code, title=title)
            )
            event.add("summary", summary[:250])
            page = f"/schools/{view.school}" if view.school else "/municipality"
            event.add("description", f"{titles.get(view.code, '')}\n{base_url.rstrip('/')}{page}")
            event.add("url", f"{base_url.rstrip('/')}{page}")
            calendar.add_component(event)
    return calendar.to_ical()  # type: ignore[no-any-return]
