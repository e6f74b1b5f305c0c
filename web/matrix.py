"""The coordinator's matrix: schools × steps, one cell per school and step, with counts and filters.

Built for a real municipality (hundreds of schools): natural sort of names («№ 9» before «№ 89»),
sort by lateness, search, filters «срок скоро» and «просрочено», grouping by territory and pages.
Counts (per row, per column, in total) are of all the rows the filters keep; only the page's rows
are rendered.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import func
from sqlmodel import Session, col, select

from engine.states import InstanceView, cell_state
from engine.status import RunStatus, local_today, run_status
from storage.models import EscalationPolicy, RoadmapRun, StepInstance
from storage.schools import get_municipality

RESOLVED = ("done", "done_late", "not_applicable")
STATE_FILTERS = ("overdue", "due_soon")
SORTS = ("name", "late")
PAGE_SIZE = 300
NO_TERRITORY = "Территория не указана"
_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key that orders numbers inside names by value: «СОШ № 9» before «СОШ № 89»;
    case and ё/е are ignored."""
    parts = _DIGITS.split(text.casefold().replace("ё", "е"))
    return tuple((1, int(part), "") if part.isdigit() else (0, 0, part) for part in parts if part)


def _folded(text: str) -> str:
    return text.casefold().replace("ё", "е")


class SchoolNames(Protocol):
    """What the matrix reads of a school: a School, or a row of its name columns."""

    id: str
    name: str
    short_name: str
    territory: str


@dataclass
class Cell:
    """One school's (or the municipality's) step: the most urgent state among its occurrences."""

    code: str
    state: str
    views: list[InstanceView]

    @property
    def due(self) -> date | None:
        open_views = [v for v in self.views if v.state not in RESOLVED and v.due is not None]
        if open_views:
            return min(v.due for v in open_views if v.due is not None)
        dated = [v.due for v in self.views if v.due is not None]
        return max(dated) if dated else None

    @property
    def days_late(self) -> int:
        """Working days the cell's most overdue occurrence is late (0 unless overdue)."""
        return max((v.days_late for v in self.views if v.state == "overdue"), default=0)

    @property
    def done(self) -> InstanceView | None:
        """The last resolved occurrence (for its document date and mark), if any."""
        resolved = [v for v in self.views if v.stored in ("done", "done_late")]
        return resolved[-1] if resolved else None


@dataclass
class Row:
    """A school (unit is its id) or the municipality (unit "")."""

    unit: str
    name: str
    cells: list[Cell | None]
    territory: str = ""
    overdue: int = 0
    resolved: int = 0
    total: int = 0
    days_late: int = 0  # sum over the row's overdue cells


@dataclass
class Column:
    """A step with its counts over the rows shown."""

    code: str
    title: str
    scope: str
    overdue: int = 0
    resolved: int = 0
    total: int = 0


@dataclass
class Group:
    """A territory's rows on the page, with its counts over all its rows."""

    territory: str
    rows: list[Row]
    schools: int = 0
    overdue: int = 0
    resolved: int = 0
    total: int = 0


@dataclass
class Matrix:
    """What the matrix page shows."""

    columns: list[Column]
    rows: list[Row]  # all rows the filters keep, in order
    totals: Counter[str] = field(default_factory=Counter)
    page: int = 1
    pages: int = 1
    page_rows: list[Row] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)  # the page's rows by territory, if grouped
    schools: int = 0  # school rows the filters keep


def build_matrix(
    status: RunStatus,
    *,
    schools: Mapping[str, SchoolNames],
    titles: dict[str, str],
    scopes: Mapping[str, str],
    overdue_only: bool = False,
    step: str | None = None,
    school: str | None = None,
    state: str | None = None,
    query: str = "",
    sort: str = "name",
    group: bool = False,
    page: int = 1,
    page_size: int = PAGE_SIZE,  # schools per page
) -> Matrix:
    """Group a run's evaluated instances into rows and columns, filtered, sorted and paged.

    Args:
        status: the run evaluated at now.
        schools: the schools by id (for names and territories).
        titles: step titles by code, in the roadmap's order.
        scopes: step scopes by code.
        overdue_only: the same as ``state="overdue"``.
        step: keep only this step's column.
        school: keep only this school's row ("" for the municipality).
        state: "overdue" or "due_soon": keep the rows and columns with a cell in that state.
        query: keep the schools whose name, short name, id or territory contains it.
        sort: "name" (natural order) or "late" (most overdue cells, then working days late).
        group: order the rows by territory and return them in ``groups`` too.
        page: the page of rows to return in ``page_rows`` (1-based; clamped).
        page_size: rows per page.
    """
    if overdue_only:
        state = "overdue"
    by_cell: dict[tuple[str, str], list[InstanceView]] = defaultdict(list)
    for view in status.views:
        by_cell[(view.school or "", view.code)].append(view)
    present = {key[1] for key in by_cell}
    codes = [code for code in titles if code in present]
    if step:
        codes = [code for code in codes if code == step]
    units = [""] + sorted({v.school for v in status.views if v.school})
    if school is not None:
        units = [unit for unit in units if unit == school]
    needle = _folded(query.strip())
    if needle:
        units = [unit for unit in units if unit and needle in _haystack(unit, schools)]
    index = {code: i for i, code in enumerate(codes)}
    grid: dict[str, list[Cell | None]] = {unit: [None] * len(codes) for unit in units}
    for (unit, code), views in by_cell.items():
        position = index.get(code)
        cells_of = grid.get(unit)
        if position is None or cells_of is None:
            continue
        # most cells have one occurrence: its state is the cell's
        cell_of = views[0].state if len(views) == 1 else cell_state([v.state for v in views])
        cells_of[position] = Cell(code=code, state=cell_of, views=views)
    rows: list[Row] = []
    for unit in units:
        cells = grid[unit]
        if not any(cells):
            continue
        known = schools.get(unit) if unit else None
        name = "Муниципалитет" if not unit else (known.short_name if known else unit)
        territory = (known.territory if known else "") if unit else ""
        rows.append(Row(unit=unit, name=name, cells=cells, territory=territory))
    if state in STATE_FILTERS:
        rows = [row for row in rows if any(c is not None and c.state == state for c in row.cells)]
        keep = [
            i
            for i in range(len(codes))
            if any(r.cells[i] is not None and r.cells[i].state == state for r in rows)  # type: ignore[union-attr]
        ]
        codes = [codes[i] for i in keep]
        for row in rows:
            row.cells = [row.cells[i] for i in keep]
    columns = [
        Column(code=code, title=titles[code], scope=scopes.get(code, "school")) for code in codes
    ]
    totals: Counter[str] = Counter()
    for row in rows:
        for column, cell in zip(columns, row.cells, strict=True):
            if cell is None:
                continue
            cell_state_ = cell.state
            totals[cell_state_] += 1
            row.total += 1
            column.total += 1
            if cell_state_ == "overdue":
                row.overdue += 1
                row.days_late += cell.days_late
                column.overdue += 1
            elif cell_state_ in RESOLVED:
                row.resolved += 1
                column.resolved += 1
    municipal = [row for row in rows if not row.unit]
    school_rows = [row for row in rows if row.unit]
    school_rows.sort(key=lambda row: natural_key(row.name))
    if sort == "late":
        school_rows.sort(key=lambda row: (-row.overdue, -row.days_late))
    if group:
        school_rows.sort(key=lambda row: natural_key(row.territory or "\uffff"))
    ordered = municipal + school_rows
    # pages of schools; the municipality's row heads every page
    pages = max(1, -(-len(school_rows) // page_size))
    page = min(max(1, page), pages)
    page_rows = municipal + school_rows[(page - 1) * page_size : page * page_size]
    matrix = Matrix(
        columns=columns,
        rows=ordered,
        totals=totals,
        page=page,
        pages=pages,
        page_rows=page_rows,
        schools=len(school_rows),
    )
    if group:
        matrix.groups = _groups(school_rows, page_rows)
    return matrix


def _haystack(unit: str, schools: Mapping[str, SchoolNames]) -> str:
    known = schools.get(unit)
    if known is None:
        return _folded(unit)
    return _folded(f"{known.short_name}\n{known.name}\n{known.id}\n{known.territory}")


def _groups(school_rows: list[Row], page_rows: list[Row]) -> list[Group]:
    """The page's school rows by territory; each group counts all the territory's rows."""
    counts: dict[str, Group] = {}
    for row in school_rows:
        name = row.territory or NO_TERRITORY
        found = counts.setdefault(name, Group(territory=name, rows=[]))
        found.schools += 1
        found.overdue += row.overdue
        found.resolved += row.resolved
        found.total += row.total
    on_page: dict[str, Group] = {}
    for row in page_rows:
        if not row.unit:
            continue
        name = row.territory or NO_TERRITORY
        if name not in on_page:
            on_page[name] = counts[name]
        on_page[name].rows.append(row)
    return list(on_page.values())


# --- the evaluated run, kept between requests while nothing changed --------------------------------


@dataclass
class StatusCache:
    """The last evaluated runs of one portal process, by (run, day, stamp).

    The stamp is what any change moves: every act on a step raises its version, a launch adds
    instances, the escalation ladders decide «срок скоро». Looking at it costs one aggregate query;
    evaluating a 2,000-school run costs a second.
    """

    size: int = 4
    entries: dict[tuple[object, ...], RunStatus] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def status(self, session: Session, run: RoadmapRun, now: datetime) -> RunStatus:
        """The run evaluated at ``now``, from the cache when nothing changed since."""
        steps = session.execute(
            select(func.count(), func.coalesce(func.sum(StepInstance.version), 0)).where(
                col(StepInstance.run_id) == run.id
            )
        ).one()
        ladders = session.execute(
            select(
                func.count(),
                func.coalesce(func.max(EscalationPolicy.id), 0),
                func.coalesce(
                    func.sum(
                        EscalationPolicy.remind_before * 10_000
                        + EscalationPolicy.coordinator_after * 100
                        + EscalationPolicy.head_after
                    ),
                    0,
                ),
            )
        ).one()
        municipality = get_municipality(session)
        key = (
            run.id,
            run.content_hash,
            local_today(now, municipality.timezone),
            municipality.timezone,
            tuple(steps),
            tuple(ladders),
        )
        with self.lock:
            found = self.entries.get(key)
        if found is not None:
            return found
        fresh = run_status(session=session, run=run, now=now)
        with self.lock:
            self.entries[key] = fresh
            while len(self.entries) > self.size:
                self.entries.pop(next(iter(self.entries)))
        return fresh
