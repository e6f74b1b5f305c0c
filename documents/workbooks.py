"""XLSX registers built with openpyxl: реестр наставников and база наставляемых of one school."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from documents.context import MenteeRegistry, MentorRegistry, Organisation
from documents.files import normalise_zip
from nastavnik.errors import NastavnikError
from nastavnik.russian import format_date_numeric, format_date_ru
from nastavnik.spreadsheets import xlsx_text

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _period(start: date | None, end: date | None) -> str:
    if start and end:
        return f"{format_date_numeric(start)} – {format_date_numeric(end)}"
    if start:
        return f"с {format_date_numeric(start)}"
    if end:
        return f"до {format_date_numeric(end)}"
    return ""


def _sheet(
    workbook: Workbook,
    *,
    title: str,
    organisation: Organisation,
    as_of: date,
    header: Sequence[tuple[str, float]],
    rows: Sequence[Sequence[Any]],
) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    width = len(header)
    last = get_column_letter(width)
    lines = [
        (organisation.full_name, Font(bold=True, size=12)),
        (title, Font(bold=True, size=14)),
        (f"по состоянию на {format_date_ru(as_of)}", Font(size=12)),
    ]
    for row_index, (text, font) in enumerate(lines, start=1):
        sheet.merge_cells(f"A{row_index}:{last}{row_index}")
        cell = sheet.cell(row=row_index, column=1, value=text)
        cell.font = font
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    header_row = len(lines) + 2
    for column, (text, column_width) in enumerate(header, start=1):
        cell = sheet.cell(row=header_row, column=column, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        sheet.column_dimensions[get_column_letter(column)].width = column_width
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=header_row + offset, column=column, value=value)
            cell.alignment = _WRAP
            cell.border = _BORDER
            xlsx_text(cell)  # names and requests are typed by people: never formulas
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _mentor_rows(data: MentorRegistry) -> list[list[Any]]:
    return [
        [
            index,
            mentor.full_name,
            mentor.position,
            mentor.experience_years if mentor.experience_years is not None else "",
            mentor.competences,
            mentor.forms,
            ", ".join(mentor.mentees),
            _period(mentor.start, mentor.end),
            mentor.contacts,
        ]
        for index, mentor in enumerate(data.mentors, start=1)
    ]


def _mentee_rows(data: MenteeRegistry) -> list[list[Any]]:
    return [
        [
            index,
            mentee.full_name,
            mentee.category,
            mentee.request,
            mentee.form,
            mentee.mentor or "",
            _period(mentee.start, mentee.end),
            mentee.result,
        ]
        for index, mentee in enumerate(data.mentees, start=1)
    ]


def build_workbook(template_id: str, data: Any) -> bytes:
    """The .xlsx bytes of a register; equal data gives equal bytes."""
    workbook = Workbook()
    if isinstance(data, MentorRegistry):
        _sheet(
            workbook,
            title="Реестр наставников",
            organisation=data.organisation,
            as_of=data.as_of,
            rows=_mentor_rows(data),
            header=[
                ("№ п/п", 6),
                ("ФИО наставника", 30),
                ("Должность (класс)", 26),
                ("Стаж педагогической работы, лет", 14),
                ("Компетенции, направления", 30),
                ("Форма наставничества", 22),
                ("Наставляемые", 34),
                ("Период наставничества", 24),
                ("Контакты", 22),
            ],
        )
    elif isinstance(data, MenteeRegistry):
        _sheet(
            workbook,
            title="База наставляемых",
            organisation=data.organisation,
            as_of=data.as_of,
            rows=_mentee_rows(data),
            header=[
                ("№ п/п", 6),
                ("ФИО наставляемого", 30),
                ("Класс / должность", 24),
                ("Запрос (цель наставничества)", 36),
                ("Форма наставничества", 22),
                ("Наставник", 30),
                ("Период наставничества", 24),
                ("Результат", 30),
            ],
        )
    else:
        raise NastavnikError(f"{template_id} is not a register", where="documents")
    moment = datetime(data.as_of.year, data.as_of.month, data.as_of.day)
    workbook.properties.creator = "nastavnik"
    workbook.properties.created = moment
    raw = io.BytesIO()
    workbook.save(raw)
    return normalise_zip(_fix_modified(raw.getvalue(), moment))


def _fix_modified(data: bytes, moment: datetime) -> bytes:
    """openpyxl stamps the save time into docProps/core.xml; use the register's date instead."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    content,
                )
            target.writestr(info, content)
    return out.getvalue()


def workbook_text(data: bytes) -> str:
    """Every cell's text, one row per line, for the leftover scan and for tests."""
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    lines = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            lines.append("\t".join("" if value is None else str(value) for value in row))
    workbook.close()
    return "\n".join(lines)
