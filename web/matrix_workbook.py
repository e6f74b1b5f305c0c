"""The matrix as an XLSX workbook: one row per school, per step its state and dates."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from common.russian import format_date_ru
from common.spreadsheets import xlsx_sheet_text
from engine.status import RunStatus
from storage.models import School
from web.matrix_data import Matrix

FILLS = {
    "done": "C8E6C9",
    "done_late": "FFF3C4",
    "open": "FFFFFF",
    "due_soon": "FFE0B2",
    "overdue": "FFCDD2",
    "blocked": "ECEFF1",
    "not_applicable": "E0E0E0",
}


def export_matrix(
    status: RunStatus,
    matrix: Matrix,
    *,
    schools: dict[str, School],
    tz: str,
    labels: dict[str, str],
) -> bytes:
    """A workbook: sheet «Матрица» (state, due and done dates per cell) and «Мероприятия» (step titles)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Матрица"
    sheet.append([f"{status.run.title} — состояние на {format_date_ru(status.today)}"])
    sheet["A1"].font = Font(bold=True)
    header = ["ОО", "Просрочено", "Выполнено"] + [column.code for column in matrix.columns]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    zone = ZoneInfo(tz)
    for row in matrix.rows:
        values: list[object] = [row.name, row.overdue, f"{row.resolved} из {row.total}"]
        for cell in row.cells:
            if cell is None:
                values.append("")
                continue
            lines = []
            for view in cell.views:
                text = labels.get(view.state, view.state)
                if view.due is not None:
                    text += f"; срок {view.due:%d.%m.%Y}"
                if isinstance(view.done_at, datetime):
                    text += f"; документ от {view.done_at.astimezone(zone):%d.%m.%Y}"
                if isinstance(view.marked_at, datetime):
                    text += f"; отмечено {view.marked_at.astimezone(zone):%d.%m.%Y}"
                if view.evidence:
                    text += f"; {view.evidence}"
                lines.append(text)
            values.append("\n".join(lines))
        sheet.append(values)
        for index, cell in enumerate(row.cells):
            if cell is not None:
                target = sheet.cell(row=sheet.max_row, column=4 + index)
                target.fill = PatternFill("solid", fgColor=FILLS.get(cell.state, "FFFFFF"))
                target.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.append(["Выполнили", "", ""] + [f"{c.resolved} из {c.total}" for c in matrix.columns])
    sheet.column_dimensions["A"].width = 36
    for index in range(len(matrix.columns)):
        sheet.column_dimensions[get_column_letter(4 + index)].width = 22
    sheet.freeze_panes = "D3"
    steps = workbook.create_sheet("Мероприятия")
    steps.append(["№", "Мероприятие"])
    for column in matrix.columns:
        steps.append([column.code, column.title])
    steps.column_dimensions["B"].width = 120
    # school names and evidence are typed by people: never formulas
    xlsx_sheet_text(sheet)
    xlsx_sheet_text(steps)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
