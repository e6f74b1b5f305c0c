"""Read the tables of a roadmap file (DOCX, XLSX, ODS, PDF, tab-separated text) into plain grids.

Every reader returns a :class:`Document`: the heading lines above the first table and the tables,
each a list of rows of cells of equal width. A cell knows whether it continues a cell merged from
the row above (vertical merge) and the row whether one cell spans it all (a section row). The
readers know nothing of roadmaps; columns and meanings are found by ``definitions.importing.table``.

Libraries: python-docx (already a dependency through docxtpl) keeps merged cells as one ``<w:tc>``;
openpyxl reads XLSX with its merged ranges; odfpy (the reader pandas uses for ODS) reads ODS with
its spans; pdfplumber finds ruled tables in a PDF's text layer by their lines.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import NastavnikError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 1000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_log = logging.getLogger(__name__)


class ImportFileError(NastavnikError):
    """A file that cannot be imported at all (empty, garbage, protected, too big, a scan)."""


@dataclass
class Cell:
    """One cell: its text (paragraphs joined by newlines) and whether it continues the one above."""

    text: str
    continued: bool = False


@dataclass
class Row:
    """A table row as the user sees it: its 1-based number in its table and its cells."""

    number: int
    cells: list[Cell]
    spanning: bool = False  # one cell spans the whole row (a section row)

    def texts(self) -> list[str]:
        return [cell.text for cell in self.cells]


@dataclass
class Grid:
    """One table of the file."""

    number: int
    rows: list[Row]
    heading: list[str] = field(default_factory=list)  # paragraphs right above the table


@dataclass
class Document:
    """The file as read: its heading lines and its tables, in order."""

    kind: str
    heading: list[str]
    grids: list[Grid]


def read_document(path: Path, *, data: bytes | None = None) -> Document:
    """Read a roadmap file by its contents (the extension only breaks ties)."""
    if data is None:
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise ImportFileError(code="import.file_missing", where=str(path)) from None
        if size > MAX_BYTES:
            raise ImportFileError(
                code="import.too_big",
                where=str(path),
                size=size // (1024 * 1024),
                limit=MAX_BYTES // (1024 * 1024),
            )
        data = path.read_bytes()
    where = str(path)
    if not data.strip():
        raise ImportFileError(code="import.empty", where=where)
    if data.startswith(_OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            raise ImportFileError(code="import.password", where=where)
        raise ImportFileError(code="import.old_format", where=where)
    if data.startswith(b"%PDF"):
        document = _read_pdf(data, where)
    elif data.startswith(b"PK"):
        document = _read_zip(data, where)
    else:
        document = _read_text(data, where)
    for grid in document.grids:
        if len(grid.rows) > MAX_ROWS:
            raise ImportFileError(
                code="import.table_too_long",
                where=where,
                table=grid.number,
                rows=len(grid.rows),
                limit=MAX_ROWS,
            )
    if not any(grid.rows for grid in document.grids):
        raise ImportFileError(code="import.no_table", where=where)
    return document


def _clean(text: str) -> str:
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


def _finish(rows: list[list[Cell]], number: int, heading: list[str]) -> Grid:
    width = max((len(row) for row in rows), default=0)
    result: list[Row] = []
    above: list[Cell] = []
    for index, cells in enumerate(rows, start=1):
        cells = cells + [Cell("", False)] * (width - len(cells))
        for column, cell in enumerate(cells):
            if cell.continued and not cell.text and column < len(above):
                cell.text = above[column].text
        above = cells
        fresh = [c for c in cells if c.text and not c.continued]
        distinct = {c.text for c in cells if c.text}
        spanning = width > 2 and len(distinct) == 1 and len(fresh) >= 1 and _all_same(cells)
        result.append(Row(number=index, cells=cells, spanning=spanning))
    return Grid(number=number, rows=result, heading=heading)


def _all_same(cells: list[Cell]) -> bool:
    texts = [c.text for c in cells]
    non_empty = [t for t in texts if t]
    # a merged cell repeated in every column, or one cell with all the others empty
    return len(set(texts)) == 1 or (len(non_empty) == 1 and texts.index(non_empty[0]) <= 1)


# DOCX -------------------------------------------------------------------------------------------


def _read_zip(data: bytes, where: str) -> Document:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        raise ImportFileError(code="import.damaged_archive", where=where) from None
    if "word/document.xml" in names:
        return _read_docx(data, where)
    if "xl/workbook.xml" in names:
        return _read_xlsx(data, where)
    if "content.xml" in names:
        mimetype = archive.read("mimetype") if "mimetype" in names else b""
        if b"spreadsheet" in mimetype:
            return _read_ods(data, where)
        raise ImportFileError(code="import.opendocument_text", where=where)
    raise ImportFileError(code="import.other_archive", where=where)


def _read_docx(data: bytes, where: str) -> Document:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises a variety of lxml/zip/KeyError errors
        _log.info("%s: DOCX unreadable: %r", where, error)
        raise ImportFileError(code="import.unreadable", where=where, kind="документ DOCX") from None
    heading: list[str] = []
    pending: list[str] = []
    grids: list[Grid] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if text:
                pending.append(text)
            continue
        assert isinstance(block, Table)
        if len(block._tbl.tr_lst) > MAX_ROWS:
            raise ImportFileError(
                code="import.table_too_long",
                where=where,
                table=len(grids) + 1,
                rows=len(block._tbl.tr_lst),
                limit=MAX_ROWS,
            )
        if not grids:
            heading = pending
        rows = _docx_rows(block)
        grids.append(_finish(rows, len(grids) + 1, pending))
        pending = []
    if not grids:
        heading = pending
    return Document(kind="docx", heading=heading, grids=grids)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_rows(table: Any) -> list[list[Cell]]:
    """The table's grid straight from its XML (python-docx's cell objects cost O(rows) per row):
    a horizontal span repeats its text, a vertical «continue» takes the text of the cell above."""
    rows: list[list[Cell]] = []
    for tr in table._tbl.tr_lst:
        cells: list[Cell] = []
        column = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            continued = tc.vMerge == "continue"
            if continued:
                above = rows[-1] if rows else []
                text = above[column].text if column < len(above) else ""
            else:
                text = _clean("\n".join(_paragraph_text(p) for p in tc.iter(f"{_W}p")))
            for _ in range(span):
                cells.append(Cell(text, continued))
                column += 1
        rows.append(cells)
    return rows


def _paragraph_text(paragraph: Any) -> str:
    parts: list[str] = []
    for node in paragraph.iter(f"{_W}t", f"{_W}br", f"{_W}cr", f"{_W}tab"):
        tag = node.tag
        if tag == f"{_W}t":
            parts.append(node.text or "")
        elif tag == f"{_W}tab":
            parts.append(" ")
        else:
            parts.append("\n")
    return "".join(parts)


# XLSX -------------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, where: str) -> Document:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors on a broken workbook
        _log.info("%s: XLSX unreadable: %r", where, error)
        raise ImportFileError(code="import.unreadable", where=where, kind="книга XLSX") from None
    grids: list[Grid] = []
    heading: list[str] = []
    for sheet in workbook.worksheets:
        if sheet.max_row > MAX_ROWS + 50:
            raise ImportFileError(
                code="import.sheet_too_long",
                where=where,
                sheet=sheet.title,
                rows=sheet.max_row,
                limit=MAX_ROWS,
            )
        values = [[_xlsx_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        for merged in sheet.merged_cells.ranges:
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    spans[(r - 1, c - 1)] = (merged.min_row - 1, merged.min_col - 1)
        grid_rows, sheet_heading = _sheet_to_rows(values, spans)
        if not grids:
            heading = sheet_heading
        if grid_rows:
            grids.append(_finish(grid_rows, len(grids) + 1, sheet_heading))
    return Document(kind="xlsx", heading=heading, grids=grids)


def _xlsx_text(value: object) -> str:
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clean(str(value))


def _sheet_to_rows(
    values: list[list[str]], spans: dict[tuple[int, int], tuple[int, int]]
) -> tuple[list[list[Cell]], list[str]]:
    """A sheet's rows as cells: merged ranges repeated, the heading lines above the table split off.

    The table starts at the first row with at least three filled cells; the rows above with text
    are the heading.
    """
    width = max((len(row) for row in values), default=0)
    rows: list[list[Cell]] = []
    for r, row in enumerate(values):
        cells: list[Cell] = []
        for c in range(width):
            text = row[c] if c < len(row) else ""
            origin = spans.get((r, c))
            continued = False
            if origin is not None and origin != (r, c):
                text = values[origin[0]][origin[1]]
                continued = origin[0] != r
            cells.append(Cell(text, continued))
        rows.append(cells)
    start = next(
        (i for i, cells in enumerate(rows) if len({c.text for c in cells if c.text}) >= 3), None
    )
    if start is None:
        return [], [c.text for cells in rows for c in cells if c.text]
    heading = [
        text for cells in rows[:start] for text in dict.fromkeys(c.text for c in cells) if text
    ]
    table = rows[start:]
    while table and not any(c.text for c in table[-1]):
        table.pop()
    table = [cells for cells in table if any(c.text for c in cells)]
    # trim empty columns at the right
    last = max((i for cells in table for i, c in enumerate(cells) if c.text), default=-1)
    return [cells[: last + 1] for cells in table], heading


# ODS --------------------------------------------------------------------------------------------


def _read_ods(data: bytes, where: str) -> Document:
    from odf import opendocument, table, text
    from odf.namespaces import TABLENS

    try:
        document = opendocument.load(io.BytesIO(data))
    except Exception as error:  # odfpy raises xml and zip errors
        _log.info("%s: ODS unreadable: %r", where, error)
        raise ImportFileError(code="import.unreadable", where=where, kind="таблица ODS") from None

    def attr(element: Any, name: str) -> str | None:
        value = element.attributes.get((TABLENS, name))
        return str(value) if value is not None else None

    grids: list[Grid] = []
    heading: list[str] = []
    for sheet in document.spreadsheet.getElementsByType(table.Table):
        values: list[list[str]] = []
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        for row in sheet.getElementsByType(table.TableRow):
            repeat_rows = int(attr(row, "number-rows-repeated") or 1)
            cells: list[str] = []
            r = len(values)
            for cell in row.childNodes:
                if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                    continue
                repeat = int(attr(cell, "number-columns-repeated") or 1)
                paragraphs = [str(p) for p in cell.getElementsByType(text.P)]
                value = _clean("\n".join(paragraphs))
                col_span = int(attr(cell, "number-columns-spanned") or 1)
                row_span = int(attr(cell, "number-rows-spanned") or 1)
                if (col_span > 1 or row_span > 1) and cell.qname[1] == "table-cell":
                    c0 = len(cells)
                    for dr in range(row_span):
                        for dc in range(col_span):
                            spans[(r + dr, c0 + dc)] = (r, c0)
                if value or len(cells) < 64:
                    cells.extend([value] * min(repeat, 64))
            if not any(cells):
                repeat_rows = min(repeat_rows, 1)
            for _ in range(min(repeat_rows, 64)):
                values.append(list(cells))
            if len(values) > MAX_ROWS + 50:
                raise ImportFileError(code="import.ods_too_long", where=where, limit=MAX_ROWS)
        grid_rows, sheet_heading = _sheet_to_rows(values, spans)
        if not grids:
            heading = sheet_heading
        if grid_rows:
            grids.append(_finish(grid_rows, len(grids) + 1, sheet_heading))
    return Document(kind="ods", heading=heading, grids=grids)


# PDF --------------------------------------------------------------------------------------------


def _read_pdf(data: bytes, where: str) -> Document:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect:
        raise ImportFileError(code="import.pdf_password", where=where) from None
    except (PDFSyntaxError, Exception) as error:  # pdfminer raises many kinds on broken files
        if "password" in str(error).lower() or type(error).__name__.startswith("PDFPassword"):
            raise ImportFileError(code="import.pdf_password", where=where) from None
        _log.info("%s: PDF unreadable: %r", where, error)
        raise ImportFileError(code="import.unreadable", where=where, kind="PDF") from None
    heading: list[str] = []
    rows: list[list[Cell]] = []
    any_text = False
    with pdf:
        if len(pdf.pages) > 200:
            raise ImportFileError(code="import.pdf_too_long", where=where, pages=len(pdf.pages))
        reference: list[float] | None = None
        for page_number, page in enumerate(pdf.pages):
            if page.chars:
                any_text = True
            found = page.find_tables()
            if page_number == 0 and page.chars:
                top = found[0].bbox[1] if found else page.height
                above = page.crop((0, 0, page.width, max(top, 1))).extract_text() or ""
                heading = [line.strip() for line in above.splitlines() if line.strip()]
            for table_number, table in enumerate(found):
                extracted = table.extract()
                boxes = [row.cells for row in table.rows]
                lefts = _column_lefts(boxes)
                if reference is None or len(lefts) > len(reference):
                    reference = lefts
                for row_number, (raw, row_boxes) in enumerate(zip(extracted, boxes, strict=True)):
                    cells = _pdf_row(raw, row_boxes, lefts)
                    if len(lefts) != len(reference):
                        cells = _align(cells, lefts, table.bbox[2], reference)
                    if (
                        page_number > 0
                        and table_number == 0
                        and row_number == 0
                        and rows
                        and len(cells) == len(rows[-1])
                        and not cells[0].text
                        and len({c.text for c in cells}) > 1
                    ):
                        # a row broken by the page end: its rest tops the next page
                        for previous, cell in zip(rows[-1], cells, strict=True):
                            if cell.text and not cell.continued:
                                previous.text = f"{previous.text}\n{cell.text}".strip()
                        continue
                    rows.append(cells)
                    if len(rows) > MAX_ROWS + 50:
                        raise ImportFileError(
                            code="import.pdf_table_too_long", where=where, limit=MAX_ROWS
                        )
    if not any_text:
        raise ImportFileError(code="import.pdf_scan", where=where)
    grids = [_finish(rows, 1, heading)] if rows else []
    return Document(kind="pdf", heading=heading, grids=grids)


def _column_lefts(boxes: list[list[Any]]) -> list[float]:
    width = max((len(row) for row in boxes), default=0)
    lefts: list[float] = []
    for column in range(width):
        found = [row[column][0] for row in boxes if column < len(row) and row[column] is not None]
        lefts.append(min(found) if found else (lefts[-1] + 1 if lefts else 0.0))
    return lefts


def _align(
    cells: list[Cell], lefts: list[float], right: float, reference: list[float]
) -> list[Cell]:
    """A table on a later page that lost a column line (every row there spans two columns):
    its cells placed under the columns of the first table by their positions."""
    aligned = [Cell("", False) for _ in reference]
    edges = [*lefts[1:], right]
    for cell, left, end in zip(cells, lefts, edges, strict=False):
        for k, ref in enumerate(reference):
            if left - 2 <= ref < end - 2:
                aligned[k] = Cell(cell.text, cell.continued)
    return aligned


def _pdf_row(raw: list[str | None], boxes: list[Any], lefts: list[float]) -> list[Cell]:
    """pdfplumber gives None where a merged cell covers the place: covered from the left (the
    cell to the left reaches over this column) repeats that cell's text; covered from above
    continues the cell above."""
    cells: list[Cell] = []
    for column, value in enumerate(raw):
        if value is not None:
            cells.append(Cell(_clean(value)))
            continue
        left = next((k for k in range(column - 1, -1, -1) if boxes[k] is not None), None)
        if left is not None and boxes[left][2] > lefts[column] + 1:
            cells.append(Cell(_clean(raw[left] or "")))
        else:
            cells.append(Cell("", True))
    return cells


# Pasted text ------------------------------------------------------------------------------------


def _read_text(data: bytes, where: str) -> Document:
    text: str | None = None
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text or "\t" not in text:
        raise ImportFileError(code="import.not_a_table", where=where)
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(lines), delimiter="\t", quotechar='"')
    values = [[_clean(value) for value in row] for row in reader]
    if len(values) > MAX_ROWS + 50:
        raise ImportFileError(
            code="import.text_too_long", where=where, rows=len(values), limit=MAX_ROWS
        )
    grid_rows, heading = _sheet_to_rows(values, {})
    grids = [_finish(grid_rows, 1, heading)] if grid_rows else []
    return Document(kind="text", heading=heading, grids=grids)
