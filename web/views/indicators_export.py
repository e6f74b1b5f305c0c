"""The indicators (показатели эффективности) as XLSX: the municipality and every school."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlmodel import col, select

from registry.indicators import compute_indicators
from storage.models import School
from storage.schools import municipal_today
from web import pages
from web.access import MunicipalReader
from web.views.registry_indicators import _rows, pick_year

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: object) -> object:
    """A cell's value; text that a spreadsheet would read as a formula gets a leading quote
    (OWASP's advice on CSV injection: school names come from an imported file)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def indicators_workbook(
    *, year: int, rows: list[dict[str, Any]], schools: list[tuple[str, str]]
) -> bytes:
    """Sheet «Муниципалитет» (one row per indicator) and «По школам» (schools × indicators)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Муниципалитет"
    sheet.append([f"Показатели эффективности за {year} год"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["№", "Показатель", "Цель", "Факт", "Итог", "Нет данных от школ"])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                _text(row["code"] or ""),
                _text(row["title"]),
                _text(row["target"]),
                _text(row["value"]),
                _text(row["achieved_text"]),
                _text(", ".join(row["missing_schools"])),
            ]
        )
    sheet.column_dimensions["B"].width = 80
    for letter in "CDEF":
        sheet.column_dimensions[letter].width = 18
    for line in sheet.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    by_school = workbook.create_sheet("По школам")
    by_school.append(
        ["Школа"] + [_text(f"{r['code']}. {r['title']}" if r["code"] else r["title"]) for r in rows]
    )
    for cell in by_school[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for school_id, name in schools:
        by_school.append([_text(name)] + [_text(r["schools"].get(school_id, "—")) for r in rows])
    by_school.column_dimensions["A"].width = 36
    by_school.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@router.get("/indicators.xlsx")
def indicators_xlsx(request: Request, _user: MunicipalReader, year: str | None = None) -> Response:
    """Download the indicators page as a workbook (coordinator, viewer)."""
    with pages.db(request) as session:
        today = municipal_today(session, pages.now(request))
        chosen, _notice = pick_year(year, today.year)
        results = compute_indicators(session=session, year=chosen)
        schools = [
            (s.id, s.short_name) for s in session.exec(select(School).order_by(col(School.id)))
        ]
    data = indicators_workbook(year=chosen, rows=_rows(results), schools=schools)
    name = f"Показатели {chosen}.xlsx"
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
