"""The coordinator's matrix: schools × steps, one cell per school and step, with counts and filters."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.states import InstanceView
from engine.status import RunStatus
from nastavnik.tables import cell_state
from storage.models import School

RESOLVED = ("done", "done_late", "not_applicable")


@dataclass
class Cell:
    """One school's (or the municipality's) step: the most urgent state among its occurrences."""

    code: str
    state: str
    views: list[InstanceView]

    @property
    def due(self) -> object:
        open_views = [v for v in self.views if v.state not in RESOLVED and v.due is not None]
        if open_views:
            return min(v.due for v in open_views if v.due is not None)
        dated = [v.due for v in self.views if v.due is not None]
        return max(dated) if dated else None


@dataclass
class Row:
    """A school (unit is its id) or the municipality (unit "")."""

    unit: str
    name: str
    cells: list[Cell | None]
    overdue: int = 0
    resolved: int = 0
    total: int = 0


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
class Matrix:
    """What the matrix page shows."""

    columns: list[Column]
    rows: list[Row]
    totals: Counter[str] = field(default_factory=Counter)


def build_matrix(
    status: RunStatus,
    *,
    schools: dict[str, School],
    titles: dict[str, str],
    scopes: Mapping[str, str],
    overdue_only: bool = False,
    step: str | None = None,
    school: str | None = None,
) -> Matrix:
    """Group a run's evaluated instances into rows and columns, filtered.

    Args:
        status: the run evaluated at now.
        schools: the schools by id (for names).
        titles: step titles by code, in the roadmap's order.
        scopes: step scopes by code.
        overdue_only: keep rows and columns that have an overdue cell.
        step: keep only this step's column.
        school: keep only this school's row ("" for the municipality).
    """
    by_cell: dict[tuple[str, str], list[InstanceView]] = defaultdict(list)
    for view in status.views:
        by_cell[(view.school or "", view.code)].append(view)
    codes = [code for code in titles if any(key[1] == code for key in by_cell)]
    if step:
        codes = [code for code in codes if code == step]
    units = [""] + sorted(
        {v.school for v in status.views if v.school},
        key=lambda s: schools[s].short_name if s in schools else s,
    )
    if school is not None:
        units = [unit for unit in units if unit == school]
    rows: list[Row] = []
    for unit in units:
        cells: list[Cell | None] = []
        for code in codes:
            views = by_cell.get((unit, code))
            cells.append(
                Cell(code=code, state=cell_state([v.state for v in views]), views=views)
                if views
                else None
            )
        if all(cell is None for cell in cells):
            continue
        name = (
            "Муниципалитет" if not unit else (schools[unit].short_name if unit in schools else unit)
        )
        rows.append(Row(unit=unit, name=name, cells=cells))
    if overdue_only:
        rows = [
            row for row in rows if any(c is not None and c.state == "overdue" for c in row.cells)
        ]
        keep = [
            i
            for i in range(len(codes))
            if any(
                r.cells[i] is not None and r.cells[i].state == "overdue"  # type: ignore[union-attr]
                for r in rows
            )
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
            totals[cell.state] += 1
            row.total += 1
            column.total += 1
            if cell.state == "overdue":
                row.overdue += 1
                column.overdue += 1
            if cell.state in RESOLVED:
                row.resolved += 1
                column.resolved += 1
    return Matrix(columns=columns, rows=rows, totals=totals)
