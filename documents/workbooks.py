"""XLSX registers built with openpyxl: реестр наставников and база наставляемых of one school."""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from common.declension import initials_surname, upper_first
from common.errors import NastavnikError
from common.russian import format_date_numeric, format_date_ru
from common.spreadsheets import xlsx_text
from documents.context import AnalyticalReport, MenteeRegistry, MentorRegistry, Organisation
from documents.files import normalise_zip

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


_DATE_FORMAT = "DD.MM.YYYY"
# Characters of 11-point Calibri that fit one unit of column width, and points per line of text.
_CHARS_PER_WIDTH = 1.05
_LINE_POINTS = 15.0


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` wide (an estimate by characters)."""
    per_line = max(1, int(width * _CHARS_PER_WIDTH) - 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n")) or 1


def _sheet(
    workbook: Workbook,
    *,
    title: str,
    organisation: Organisation,
    as_of: date,
    header: Sequence[tuple[str, float]],
    rows: Sequence[Sequence[Any]],
) -> None:
    """One register: a title, a header repeated on every printed page, rows, a signature.

    Printed on A4 landscape, fitted to the page's width; rows get heights for their wrapped text
    (Excel and LibreOffice do not grow a row of wrapped text written by a program).
    """
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
    header_row = _title_and_header(sheet, lines=lines, header=header, last=last)
    for offset, values in enumerate(rows, start=1):
        row_number = header_row + offset
        height = 1
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column, value=value)
            cell.alignment = _WRAP
            cell.border = _BORDER
            xlsx_text(cell)  # names and requests are typed by people: never formulas
            if isinstance(value, date):
                cell.number_format = _DATE_FORMAT
            elif isinstance(value, str):
                height = max(height, _lines(value, header[column - 1][1]))
        sheet.row_dimensions[row_number].height = height * _LINE_POINTS
    if not rows:
        # An empty register is a blank form to fill by hand: ten ruled rows.
        for offset in range(1, 11):
            for column in range(1, width + 1):
                sheet.cell(row=header_row + offset, column=column).border = _BORDER
            sheet.row_dimensions[header_row + offset].height = 2 * _LINE_POINTS
    end = header_row + max(len(rows), 10 if not rows else 0) + 2
    for row_number, (left, right) in enumerate(
        (
            (upper_first(organisation.head_position), initials_surname(organisation.head_name)),
            ("Куратор", "________________"),
        ),
        start=end,
    ):
        sheet.cell(row=row_number, column=2, value=left)
        sheet.cell(row=row_number, column=4, value="________________")
        sheet.cell(row=row_number, column=6, value=right)
        sheet.row_dimensions[row_number].height = 2 * _LINE_POINTS
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_area = f"A1:{last}{end + 1}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "&P"


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
            mentor.start or "",
            mentor.end or "",
            mentor.contacts,
            "",
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
            mentee.start or "",
            mentee.end or "",
            mentee.result,
            "",
        ]
        for index, mentee in enumerate(data.mentees, start=1)
    ]


def _table_sheet(
    sheet: Any,
    *,
    title: str,
    data: AnalyticalReport,
    header: Sequence[tuple[str, float]],
    rows: Sequence[Sequence[Any]],
) -> None:
    """A sheet of the справка: the authority, the title with its date and number, a table."""
    last = get_column_letter(len(header))
    number = data.number or "____"
    dated = format_date_numeric(data.date) if data.date else "« __ » ________ 20__ г."
    lines = [
        (data.organisation.full_name, Font(bold=True, size=12)),
        (title, Font(bold=True, size=14)),
        (f"по состоянию на {format_date_ru(data.as_of)}; {dated} № {number}", Font(size=12)),
    ]
    header_row = _title_and_header(sheet, lines=lines, header=header, last=last)
    for offset, values in enumerate(rows, start=1):
        height = 1
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=header_row + offset, column=column, value=value)
            cell.alignment = _WRAP
            cell.border = _BORDER
            if isinstance(value, date):
                cell.number_format = _DATE_FORMAT
            elif isinstance(value, str):
                height = max(height, _lines(value, header[column - 1][1]))
        sheet.row_dimensions[header_row + offset].height = height * _LINE_POINTS
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.center.text = "&P"


_COUNT_HEADER: list[tuple[str, float]] = [
    ("Выполнено в срок", 12),
    ("Выполнено с нарушением срока", 14),
    ("Просрочено", 12),
    ("В работе", 10),
    ("Неприменимо", 13),
    ("Всего", 8),
    ("Выполнено, %", 12),
]


def _progress_workbook(workbook: Workbook, data: AnalyticalReport) -> None:
    """The справка as tables: by school, by step, overdue steps, municipal steps, indicators."""
    from documents.report import municipal_step_row, summarise_progress

    numbers = summarise_progress(schools=data.schools, as_of=data.as_of)

    def counts(row: Any) -> list[Any]:
        share = round(row.done_share, 1)
        return [row.on_time, row.late, row.overdue, row.open, row.not_applicable, row.total, share]

    sheets: list[tuple[str, list[tuple[str, float]], list[list[Any]]]] = [
        (
            "По организациям",
            [("№ п/п", 6), ("Образовательная организация", 44), *_COUNT_HEADER],
            [[i, row.name, *counts(row)] for i, row in enumerate(numbers.rows, start=1)]
            + [["", "Итого", *counts(numbers.totals)]],
        ),
        (
            "По мероприятиям",
            [("Мероприятие", 50), *_COUNT_HEADER],
            [[row.name, *counts(row)] for row in numbers.steps],
        ),
        (
            "Просроченные",
            [
                ("№ п/п", 6),
                ("Образовательная организация", 40),
                ("Мероприятие", 50),
                ("Срок", 12),
                ("Просрочено, рабочих дней", 14),
            ],
            [
                [i, item.school, f"{item.code} {item.title}", item.deadline, item.days]
                for i, item in enumerate(numbers.overdue, start=1)
            ],
        ),
        (
            "Муниципальный уровень",
            [("№", 8), ("Мероприятие", 60), ("Срок", 16), ("Состояние", 40)],
            [
                [row["code"], row["title"], row["deadline"], row["state"]]
                for row in (
                    municipal_step_row(step, as_of=data.as_of) for step in data.municipal_steps
                )
            ],
        ),
        (
            "Показатели",
            [
                ("Показатель", 60),
                ("Год", 8),
                ("Целевое значение", 12),
                ("Фактическое значение", 12),
                ("Единица", 10),
                ("Достигнуто", 12),
            ],
            [
                [
                    item.title,
                    item.year,
                    item.target,
                    item.actual if item.actual is not None else "нет данных",
                    item.unit,
                    "нет данных"
                    if item.actual is None
                    else ("да" if item.actual >= item.target else "нет"),
                ]
                for item in data.indicators
            ],
        ),
    ]
    for index, (title, header, rows) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = title
        _table_sheet(
            sheet,
            title=f"Справка о ходе реализации дорожной карты: {title.lower()}",
            data=data,
            header=header,
            rows=rows,
        )


def build_workbook(template_id: str, data: Any, *, draft: bool = False) -> bytes:
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
                ("Начало наставничества", 13),
                ("Окончание наставничества", 13),
                ("Контакты", 22),
                ("Согласие на обработку персональных данных (подпись)", 18),
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
                ("Начало наставничества", 13),
                ("Окончание наставничества", 13),
                ("Результат", 30),
                (
                    "Согласие на обработку персональных данных (подпись; для "
                    "несовершеннолетнего — родителя)",
                    22,
                ),
            ],
        )
    elif isinstance(data, AnalyticalReport):
        _progress_workbook(workbook, data)
    else:
        raise NastavnikError(code="documents.not_a_register", template=template_id)
    moment = datetime(data.as_of.year, data.as_of.month, data.as_of.day)
    workbook.properties.creator = "nastavnik"
    if draft:
        workbook.properties.contentStatus = "Черновик"
        workbook.properties.keywords = "черновик"
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


def _title_and_header(
    sheet: Any, *, lines: Sequence[tuple[str, Font]], header: Sequence[tuple[str, float]], last: str
) -> int:
    """Merged title rows sized to their text, then the bordered header row; returns its number."""
    total_width = sum(width for _, width in header)
    for row_index, (text, font) in enumerate(lines, start=1):
        sheet.merge_cells(f"A{row_index}:{last}{row_index}")
        cell = sheet.cell(row=row_index, column=1, value=text)
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        points = font.sz or 11
        sheet.row_dimensions[row_index].height = (
            _lines(text, total_width * 11 / points) * points * 1.35
        )
    header_row = len(lines) + 2
    widths = [_header_width(text, width) for text, width in header]
    for column, ((text, _), width) in enumerate(zip(header, widths, strict=True), start=1):
        cell = sheet.cell(row=header_row, column=column, value=text)
        cell.font = Font(bold=True)
        # top-aligned: the headers' lines share their heights across the row, as in print
        cell.alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
        cell.border = _BORDER
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[header_row].height = (
        max(_lines(text, width / _BOLD) for (text, _), width in zip(header, widths, strict=True))
        + 1
    ) * _LINE_POINTS
    return header_row


# Bold letters are this much wider than the regular ones a column's width is counted in.
_BOLD = 1.2


def _header_width(text: str, width: float) -> float:
    """The column's width, widened so the header's longest word fits whole on its line."""
    longest = max((len(word) for word in text.split()), default=0)
    return max(width, math.ceil(longest * _BOLD) + 2)
