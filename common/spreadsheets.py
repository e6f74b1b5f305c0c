"""Cells that a spreadsheet never runs: text that looks like a formula gets a leading quote.

OWASP's CSV injection advice: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return may be taken for a formula by Excel or LibreOffice (``=HYPERLINK("http://…"&A2,"Открыть")``
sends a neighbour cell away when clicked). Every export of text that people typed passes through
these functions: CSV cells get a leading ``'``; XLSX cells are written as text with Excel's own
quote prefix (the value shows as typed and stays text when the cell is edited).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    """Whether a spreadsheet could take this value for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell: a formula-like text gets a leading quote."""
    return "'" + value if looks_like_formula(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row of csv_cell values."""
    return [csv_cell(value) for value in values]


def xlsx_text(cell: Any) -> None:
    """Make an openpyxl cell holding formula-like text plain text with Excel's quote prefix.

    openpyxl stores any string starting with «=» as a formula; this turns it back into a string.
    """
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def xlsx_sheet_text(sheet: Any) -> None:
    """xlsx_text over every cell of a sheet (after it is filled)."""
    for row in sheet.iter_rows():
        for cell in row:
            xlsx_text(cell)
