"""The schools × steps picture at a moment: evaluated instances, counts, roll-ups."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from engine.anchors import anchored_terms
from engine.policy import ladders_for
from engine.runs import run_definition
from engine.states import InstanceView, evaluate_views
from storage.models import RoadmapRun, StepInstance
from storage.schools import get_municipality


@dataclass
class RunStatus:
    """A run evaluated at ``now``: every instance (optionally one school's) with its state."""

    run: RoadmapRun
    today: date
    views: list[InstanceView]

    def counts(self) -> Counter[str]:
        return Counter(view.state for view in self.views)

    def rollup(self, code: str) -> tuple[int, int]:
        """(schools resolved, schools with the step) for a school-scoped step: «7 из 12»."""
        units = [v for v in self.views if v.code == code and v.school is not None]
        first: dict[str, InstanceView] = {}
        for view in units:
            if view.school not in first or view.occurrence < first[view.school].occurrence:
                first[view.school or ""] = view
        done = sum(1 for v in first.values() if v.state in ("done", "done_late", "not_applicable"))
        return done, len(first)


def local_today(now: datetime, tz: str) -> date:
    """The calendar date at ``now`` in the municipality's time zone."""
    return now.astimezone(ZoneInfo(tz)).date()


def instance_view(row: StepInstance) -> InstanceView:
    """A stored step instance as a view, before evaluation."""
    return InstanceView(
        id=row.id or 0,
        run_id=row.run_id,
        school=row.school_id,
        code=row.step_code,
        scope=row.scope,
        occurrence=row.occurrence,
        start=row.start,
        due=row.due,
        stored=row.state,
        done_at=row.done_at,
        done_by=row.done_by,
        evidence=row.evidence,
        reason=row.reason,
        # rows of a narrower select (notifications/items.py) have no marked_at
        marked_at=getattr(row, "marked_at", None),
    )


# the step_instance columns an InstanceView starts from, in its fields' order
_VIEW_COLUMNS = tuple(
    StepInstance.__table__.c[name]  # type: ignore[attr-defined]
    for name in (
        "id",
        "run_id",
        "school_id",
        "step_code",
        "scope",
        "occurrence",
        "start",
        "due",
        "state",
        "done_at",
        "done_by",
        "evidence",
        "reason",
        "marked_at",
    )
)


def run_status(
    *, session: Session, run: RoadmapRun, now: datetime, school: str | None = None
) -> RunStatus:
    """Evaluate a run's instances at ``now``; with ``school``, that school's and the municipal ones."""
    municipality = get_municipality(session)
    loaded, schedules = run_definition(run)
    roadmap = loaded.roadmap
    # plain rows, not ORM objects: building 3,600 of them was half of a 300-school matrix's time
    rows = session.execute(select(*_VIEW_COLUMNS).where(col(StepInstance.run_id) == run.id))
    pool = [InstanceView(*row) for row in rows]
    order = {step.code: index for index, step in enumerate(roadmap.steps)}
    pool.sort(key=lambda v: (v.school or "", order.get(v.code, 0), v.occurrence))
    views = pool if school is None else [v for v in pool if v.school in (school, None)]
    ladders = ladders_for(session, municipality_id=municipality.id or 0, roadmap=roadmap)
    today = local_today(now, municipality.timezone)
    evaluate_views(
        views,
        today=today,
        depends_on={s.code: list(s.depends_on) for s in roadmap.steps},
        scopes={s.code: s.scope for s in roadmap.steps},
        remind_before={code: ladder.remind_before for code, ladder in ladders.items()},
        tz=municipality.timezone,
        all_instances=pool,
        anchors=anchored_terms(roadmap, schedules),
    )
    return RunStatus(run=run, today=today, views=views)


def status_json(status: RunStatus) -> list[dict[str, object]]:
    """One object per step instance, the CLI's `status --json` contract."""
    return [
        {
            "roadmap": status.run.roadmap_id,
            "school": view.school,
            "code": view.code,
            "occurrence": view.occurrence,
            "start": view.start.isoformat() if view.start else None,
            "due": view.due.isoformat() if view.due else None,
            "state": view.state,
            "done_at": view.done_at.isoformat() if isinstance(view.done_at, datetime) else None,
            "marked_at": view.marked_at.isoformat()
            if isinstance(view.marked_at, datetime)
            else None,
            "done_by": view.done_by,
            "evidence": view.evidence,
            "reason": view.reason,
            "blocked_by": view.blocked_by,
            "projected_due": view.projected_due.isoformat() if view.projected_due else None,
            "days_late": view.days_late,
        }
        for view in status.views
    ]
