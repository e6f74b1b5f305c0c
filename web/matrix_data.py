"""The coordinator's matrix: schools × steps, one cell per school and step, with counts and filters.

Built for a real municipality (hundreds of schools): natural sort of names («№ 9» before «№ 89»),
sort by lateness, search, filters «срок скоро» and «просрочено», grouping by territory and pages.
Counts (per row, per column, in total) are of all the rows the filters keep; only the page's rows
are rendered.
"""

from __future__ import annotations

import gc
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Protocol

from sqlalchemy import func
from sqlmodel import Session, col, select

from engine.states import InstanceView, cell_state
from engine.status import Rules, RunStatus, load_views, local_today, run_rules
from storage.models import EscalationPolicy, RoadmapRun, StepInstance
from storage.schools import get_municipality

RESOLVED = ("done", "done_late", "not_applicable")
STATE_FILTERS = ("overdue", "due_soon")
SORTS = ("name", "late")
PAGE_SIZE = 300
NO_TERRITORY = "Территория не указана"
_DIGITS = re.compile(r"(\d+)")


@lru_cache(maxsize=16_384)
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


@dataclass(slots=True)
class Cell:
    """One school's (or the municipality's) step: the most urgent state among its occurrences."""

    code: str
    state: str
    views: list[InstanceView]
    # working days the cell's most overdue occurrence is late (0 unless overdue)
    days_late: int = 0

    @property
    def due(self) -> date | None:
        open_views = [v for v in self.views if v.state not in RESOLVED and v.due is not None]
        if open_views:
            return min(v.due for v in open_views if v.due is not None)
        dated = [v.due for v in self.views if v.due is not None]
        return max(dated) if dated else None

    @property
    def done(self) -> InstanceView | None:
        """The last resolved occurrence (for its document date and mark), if any."""
        resolved = [v for v in self.views if v.stored in ("done", "done_late")]
        return resolved[-1] if resolved else None


@dataclass(slots=True)
class Row:
    """A school (unit is its id) or the municipality (unit "")."""

    unit: str
    name: str
    cells: Sequence[Cell | None]
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


# --- the grid: every unit's cells and counts, before filters --------------------------------------


@dataclass(frozen=True, slots=True)
class GridRow:
    """A unit's cells, one per step of the grid (None where the unit has no such step), and its
    counts over all of them."""

    unit: str
    cells: tuple[Cell | None, ...]
    overdue: int
    resolved: int
    total: int
    days_late: int


@dataclass(frozen=True)
class Grid:
    """Every unit's row of a run's evaluated instances: what the matrix filters, sorts and pages.

    Built once per evaluation and kept with it (StatusCache); a mark changes one school's row,
    and only that row (and the municipality's) is built again (``replaced``).
    """

    codes: tuple[str, ...]  # the roadmap's steps in order
    rows: dict[str, GridRow]  # by unit ("" for the municipality); units without cells left out
    present: frozenset[str]  # the codes some unit has

    @classmethod
    def of(cls, views: Iterable[InstanceView], codes: Sequence[str]) -> Grid:
        """The grid of evaluated views over these step codes (views of other codes left out)."""
        by_unit: dict[str, list[InstanceView]] = defaultdict(list)
        for view in views:
            by_unit[view.school or ""].append(view)
        index = {code: i for i, code in enumerate(codes)}
        rows = {}
        for unit, unit_views in by_unit.items():
            row = _grid_row(unit, unit_views, index)
            if row is not None:
                rows[unit] = row
        return cls(codes=tuple(codes), rows=rows, present=_present(rows.values(), tuple(codes)))

    def replaced(self, units: Mapping[str, list[InstanceView]]) -> Grid:
        """This grid with the rows of these units built anew from their views (a unit without
        views loses its row)."""
        index = {code: i for i, code in enumerate(self.codes)}
        rows = dict(self.rows)
        for unit, unit_views in units.items():
            row = _grid_row(unit, unit_views, index)
            if row is None:
                rows.pop(unit, None)
            else:
                rows[unit] = row
        return Grid(codes=self.codes, rows=rows, present=_present(rows.values(), self.codes))


def _grid_row(unit: str, views: list[InstanceView], index: Mapping[str, int]) -> GridRow | None:
    by_code: dict[int, list[InstanceView]] = defaultdict(list)
    for view in views:
        position = index.get(view.code)
        if position is not None:
            by_code[position].append(view)
    if not by_code:
        return None
    cells: list[Cell | None] = [None] * len(index)
    overdue = resolved = days_late = 0
    for position, cell_views in by_code.items():
        if len(cell_views) == 1:  # most cells have one occurrence: its state is the cell's
            state = cell_views[0].state
            late = cell_views[0].days_late if state == "overdue" else 0
        else:
            state = cell_state([v.state for v in cell_views])
            late = max((v.days_late for v in cell_views if v.state == "overdue"), default=0)
        cells[position] = Cell(
            code=cell_views[0].code, state=state, views=cell_views, days_late=late
        )
        if state == "overdue":
            overdue += 1
            days_late += late
        elif state in RESOLVED:
            resolved += 1
    return GridRow(
        unit=unit,
        cells=tuple(cells),
        overdue=overdue,
        resolved=resolved,
        total=len(by_code),
        days_late=days_late,
    )


def _present(rows: Iterable[GridRow], codes: tuple[str, ...]) -> frozenset[str]:
    seen: set[int] = set()
    everything = len(codes)
    for row in rows:
        seen.update(i for i, cell in enumerate(row.cells) if cell is not None)
        if len(seen) == everything:
            break
    return frozenset(codes[i] for i in seen)


def build_matrix(
    source: RunStatus | Grid,
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
    """Arrange a run's evaluated instances into rows and columns, filtered, sorted and paged.

    Args:
        source: the run evaluated at now, or its grid (kept between requests by StatusCache).
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
    grid = source if isinstance(source, Grid) else Grid.of(source.views, list(titles))
    position = {code: i for i, code in enumerate(grid.codes)}
    codes = [code for code in titles if code in grid.present and code in position]
    if step:
        codes = [code for code in codes if code == step]
    picked = [position[code] for code in codes]
    # every cell of the grid is in a kept column: the rows' own counts hold
    whole = len(picked) == len(grid.present)
    aligned = picked == list(range(len(grid.codes)))
    units: Iterable[str] = grid.rows
    if school is not None:
        units = [school] if school in grid.rows else []
    needle = _folded(query.strip())
    if needle:
        units = [unit for unit in units if unit and needle in _haystack(unit, schools)]
    rows: list[Row] = []
    for unit in units:
        found = grid.rows[unit]
        cells: Sequence[Cell | None] = found.cells if whole else [found.cells[i] for i in picked]
        if not whole and not any(cells):
            continue
        known = schools.get(unit) if unit else None
        name = "Муниципалитет" if not unit else (known.short_name if known else unit)
        territory = (known.territory if known else "") if unit else ""
        row = Row(unit=unit, name=name, cells=cells, territory=territory)
        if whole:
            row.overdue, row.resolved = found.overdue, found.resolved
            row.total, row.days_late = found.total, found.days_late
        rows.append(row)
    if state in STATE_FILTERS:
        rows = [row for row in rows if any(c is not None and c.state == state for c in row.cells)]
        columns_of = picked if whole else range(len(picked))
        keep = [
            i
            for i, _ in enumerate(codes)
            if any(
                (cell := r.cells[columns_of[i]]) is not None and cell.state == state for r in rows
            )
        ]
        codes = [codes[i] for i in keep]
        for row in rows:
            row.cells = [row.cells[columns_of[i]] for i in keep]
        whole = False
    elif whole and not aligned:
        # the grid has steps no unit has: the rows' cells line up with the kept columns only
        for row in rows:
            row.cells = [row.cells[i] for i in picked]
    columns = [
        Column(code=code, title=titles[code], scope=scopes.get(code, "school")) for code in codes
    ]
    width = len(columns)
    overdue_of, resolved_of, total_of = [0] * width, [0] * width, [0] * width
    tally: dict[str, int] = defaultdict(int)
    for row in rows:
        if not whole:
            row.overdue = row.resolved = row.total = row.days_late = 0
        for i, cell in enumerate(row.cells):
            if cell is None:
                continue
            cell_state_ = cell.state
            tally[cell_state_] += 1
            total_of[i] += 1
            if cell_state_ == "overdue":
                overdue_of[i] += 1
            elif cell_state_ in RESOLVED:
                resolved_of[i] += 1
            if whole:
                continue
            row.total += 1
            if cell_state_ == "overdue":
                row.overdue += 1
                row.days_late += cell.days_late
            elif cell_state_ in RESOLVED:
                row.resolved += 1
    for i, column in enumerate(columns):
        column.overdue, column.resolved, column.total = overdue_of[i], resolved_of[i], total_of[i]
    totals: Counter[str] = Counter(tally)
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


# --- the evaluated run, kept between requests and brought up to date unit by unit -----------------


@dataclass(frozen=True)
class Evaluated:
    """A run evaluated at a day, with what bringing it up to date needs.

    ``stamp`` and ``unit_stamps`` are (instances, sum of versions) of the run and of each unit:
    every act on a step raises its version, a launch adds instances. They are read before the
    instances, so a change that lands in between makes them look older than the rows, never newer.
    """

    key: tuple[object, ...]  # run, its definition, the day, the time zone, the ladders
    stamp: tuple[int, int]
    unit_stamps: dict[str, tuple[int, int]]
    by_unit: dict[str, list[InstanceView]]  # evaluated views, each unit's in the pages' order
    status: RunStatus
    grid: Grid


# beyond this share of schools changed at once, evaluating the whole run is as quick
_FULL_SHARE = 0.2


@dataclass
class StatusCache:
    """The evaluated runs of one portal process, kept until the day, the ladders or the run's
    definition change, and brought up to date by unit when steps change.

    Looking costs one aggregate query. A mark changes one school's instances: its row is read and
    evaluated again, with the municipality's (whose steps may wait for every school's), and the
    other schools' evaluated instances and grid rows are reused — none of them depends on another
    school (engine/states.py). A change of the municipality's own steps, of many schools at once,
    a new day or new ladders evaluate the whole run again (a 2,000-school run: 22,000 instances).
    """

    size: int = 8  # runs
    entries: dict[int, Evaluated] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # how the last call was answered: "cached", "units" or "full" (for the benchmark and tests)
    last: str = ""

    def status(self, session: Session, run: RoadmapRun, now: datetime) -> RunStatus:
        """The run evaluated at ``now``."""
        return self.evaluated(session, run, now).status

    def evaluated(self, session: Session, run: RoadmapRun, now: datetime) -> Evaluated:
        """The run evaluated at ``now`` with its grid, from the cache when nothing changed since,
        brought up to date when a few schools' steps changed."""
        run_id = run.id or 0
        municipality = get_municipality(session)
        stamp = _stamp(session, run_id)
        key = (
            run_id,
            run.content_hash,
            local_today(now, municipality.timezone),
            municipality.timezone,
            _ladders_stamp(session),
        )
        with self.lock:
            found = self.entries.get(run_id)
        if found is not None and found.key == key and found.stamp == stamp:
            self.last = "cached"
            return found
        rules = run_rules(session, run, now)
        fresh = None
        if found is not None and found.key == key:
            fresh = _by_units(session, run, rules, found, key=key, stamp=stamp)
        if fresh is None:
            fresh = _whole(session, run, rules, key=key, stamp=stamp)
            self.last = "full"
        else:
            self.last = "units"
        with self.lock:
            self.entries.pop(run_id, None)
            self.entries[run_id] = fresh
            while len(self.entries) > self.size:
                self.entries.pop(next(iter(self.entries)))
        return fresh


def _stamp(session: Session, run_id: int) -> tuple[int, int]:
    found = (
        session.connection()
        .execute(
            select(func.count(), func.coalesce(func.sum(StepInstance.version), 0)).where(
                col(StepInstance.run_id) == run_id
            )
        )
        .one()
    )
    return int(found[0]), int(found[1])


def _unit_stamps(session: Session, run_id: int) -> dict[str, tuple[int, int]]:
    rows = session.connection().execute(
        select(StepInstance.unit, func.count(), func.sum(StepInstance.version))  # type: ignore[call-overload]
        .where(col(StepInstance.run_id) == run_id)
        .group_by(StepInstance.unit)
    )
    return {unit: (int(count), int(total)) for unit, count, total in rows}


def _ladders_stamp(session: Session) -> tuple[object, ...]:
    return tuple(
        session.connection()
        .execute(
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
        )
        .one()
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of objects are made: none of
    them forms a cycle, and the collections their allocation triggers scan the whole heap
    (a third of a 2,000-school evaluation)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _whole(
    session: Session,
    run: RoadmapRun,
    rules: Rules,
    *,
    key: tuple[object, ...],
    stamp: tuple[int, int],
) -> Evaluated:
    unit_stamps = _unit_stamps(session, run.id or 0)
    with _collector_paused():
        pool = load_views(session, run.id or 0)
        rules.order(pool)
        rules.evaluate(pool, pool)
        by_unit: dict[str, list[InstanceView]] = {}
        for view in pool:
            unit = view.school or ""
            found = by_unit.get(unit)
            if found is None:
                by_unit[unit] = [view]
            else:
                found.append(view)
        grid = Grid.of(pool, list(rules.step_order))
    return Evaluated(
        key=key,
        stamp=stamp,
        unit_stamps=unit_stamps,
        by_unit=by_unit,
        status=RunStatus(run=run, today=rules.today, views=pool),
        grid=grid,
    )


def _by_units(
    session: Session,
    run: RoadmapRun,
    rules: Rules,
    found: Evaluated,
    *,
    key: tuple[object, ...],
    stamp: tuple[int, int],
) -> Evaluated | None:
    """``found`` brought up to date by reading and evaluating again the units whose instances
    changed (and the municipality's); None when evaluating the whole run is the better way."""
    unit_stamps = _unit_stamps(session, run.id or 0)
    changed = sorted(
        unit
        for unit in unit_stamps.keys() | found.unit_stamps.keys()
        if unit_stamps.get(unit) != found.unit_stamps.get(unit)
    )
    if "" in changed or len(changed) > max(1, int(len(unit_stamps) * _FULL_SHARE)):
        return None
    by_unit = dict(found.by_unit)
    for unit in changed:
        by_unit.pop(unit, None)
    for view in load_views(session, run.id or 0, units=changed):
        by_unit.setdefault(view.school or "", []).append(view)
    # the municipality's steps may wait for every school's: evaluated again, as fresh copies
    # (the published ones may be in use by another request)
    by_unit[""] = [_unevaluated(view) for view in found.by_unit.get("", [])]
    again = ["", *changed]
    targets: list[InstanceView] = []
    for unit in again:
        views = by_unit.get(unit)
        if views is None:
            continue
        if unit:
            rules.order(views)
        targets += views
    pool = [view for unit in sorted(by_unit) for view in by_unit[unit]]
    rules.evaluate(targets, pool)
    return Evaluated(
        key=key,
        stamp=stamp,
        unit_stamps=unit_stamps,
        by_unit=by_unit,
        status=RunStatus(run=run, today=rules.today, views=pool),
        grid=found.grid.replaced({unit: by_unit.get(unit, []) for unit in again}),
    )


def _unevaluated(view: InstanceView) -> InstanceView:
    """A copy of the stored part of a view (its evaluated fields at their defaults)."""
    return InstanceView(
        view.id,
        view.run_id,
        view.school,
        view.code,
        view.scope,
        view.occurrence,
        view.start,
        view.due,
        view.stored,
        view.done_at,
        view.done_by,
        view.evidence,
        view.reason,
        view.marked_at,
    )
