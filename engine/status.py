"""The schools × steps picture at a moment: evaluated instances, counts, roll-ups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from common.clock import local_day
from definitions.deadlines import RelativeTerm
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
_VIEW_NAMES = (
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
_VIEW_COLUMNS = tuple(StepInstance.__table__.c[name] for name in _VIEW_NAMES)  # type: ignore[attr-defined]
_SQLITE_VIEWS = f"SELECT {', '.join(_VIEW_NAMES)} FROM step_instance WHERE run_id = ?"
# units per query when loading some units (SQLite allows 32,766 parameters)
_UNITS_PER_QUERY = 500


def load_views(
    session: Session, run_id: int, *, units: Collection[str] | None = None
) -> list[InstanceView]:
    """The run's stored instances (optionally of these units: school ids, "" for the municipality)
    as views before evaluation, in no particular order.

    On SQLite the rows are read through the driver and their dates parsed with ``fromisoformat``:
    SQLAlchemy's result processing of 22,000 rows (a 2,000-school run) cost more than the query.
    """
    wanted = None if units is None else list(units)
    if wanted is not None and not wanted:
        return []
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        statement = select(*_VIEW_COLUMNS).where(col(StepInstance.run_id) == run_id)
        if wanted is None:
            return [InstanceView(*row) for row in session.execute(statement)]
        found: list[InstanceView] = []
        for start in range(0, len(wanted), _UNITS_PER_QUERY):
            chunk = wanted[start : start + _UNITS_PER_QUERY]
            rows = session.execute(statement.where(col(StepInstance.unit).in_(chunk)))
            found += [InstanceView(*row) for row in rows]
        return found
    if wanted is None:
        batches = [connection.exec_driver_sql(_SQLITE_VIEWS, (run_id,)).fetchall()]
    else:
        batches = []
        for start in range(0, len(wanted), _UNITS_PER_QUERY):
            chunk = wanted[start : start + _UNITS_PER_QUERY]
            marks = ", ".join("?" * len(chunk))
            sql = f"{_SQLITE_VIEWS} AND unit IN ({marks})"
            batches.append(connection.exec_driver_sql(sql, (run_id, *chunk)).fetchall())
    day, moment = date.fromisoformat, datetime.fromisoformat
    views = []
    for batch in batches:
        for (
            id_,
            run,
            school,
            code,
            scope,
            occurrence,
            start,
            due,
            state,
            done_at,
            done_by,
            evidence,
            reason,
            marked_at,
        ) in batch:
            views.append(
                InstanceView(
                    id_,
                    run,
                    school,
                    code,
                    scope,
                    occurrence,
                    day(start) if start else None,
                    day(due) if due else None,
                    state,
                    _utc(moment(done_at)) if done_at else None,
                    done_by,
                    evidence,
                    reason,
                    _utc(moment(marked_at)) if marked_at else None,
                )
            )
    return views


def _utc(value: datetime) -> datetime:
    """As storage.models.UTCDateTime reads it back: naive values are UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Rules:
    """What evaluating a run's instances at a day needs besides the instances."""

    today: date
    step_order: dict[str, int]
    depends_on: dict[str, list[str]]
    scopes: dict[str, str]
    remind_before: dict[str, int]
    tz: str
    anchors: dict[str, tuple[str, RelativeTerm]]

    def order(self, views: list[InstanceView]) -> None:
        """Sort views as pages list them: by unit, the roadmap's order, occurrence."""
        order = self.step_order
        views.sort(key=lambda v: (v.school or "", order.get(v.code, 0), v.occurrence))

    def evaluate(self, views: list[InstanceView], pool: list[InstanceView]) -> None:
        """Evaluate ``views`` in place, looking prerequisites up in ``pool``."""
        evaluate_views(
            views,
            today=self.today,
            depends_on=self.depends_on,
            scopes=self.scopes,
            remind_before=self.remind_before,
            tz=self.tz,
            all_instances=pool,
            anchors=self.anchors,
        )


def run_rules(session: Session, run: RoadmapRun, now: datetime) -> Rules:
    """The rules a run's instances are evaluated by at ``now``."""
    municipality = get_municipality(session)
    loaded, schedules = run_definition(run)
    roadmap = loaded.roadmap
    ladders = ladders_for(session, municipality_id=municipality.id or 0, roadmap=roadmap)
    return Rules(
        today=local_day(now, municipality.timezone),
        step_order={step.code: index for index, step in enumerate(roadmap.steps)},
        depends_on={s.code: list(s.depends_on) for s in roadmap.steps},
        scopes={s.code: s.scope for s in roadmap.steps},
        remind_before={code: ladder.remind_before for code, ladder in ladders.items()},
        tz=municipality.timezone,
        anchors=anchored_terms(roadmap, schedules),
    )


def run_status(
    *, session: Session, run: RoadmapRun, now: datetime, school: str | None = None
) -> RunStatus:
    """Evaluate a run's instances at ``now``; with ``school``, that school's and the municipal ones."""
    rules = run_rules(session, run, now)
    # plain rows, not ORM objects: building 3,600 of them was half of a 300-school matrix's time
    pool = load_views(session, run.id or 0)
    rules.order(pool)
    views = pool if school is None else [v for v in pool if v.school in (school, None)]
    rules.evaluate(views, pool)
    return RunStatus(run=run, today=rules.today, views=views)


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
