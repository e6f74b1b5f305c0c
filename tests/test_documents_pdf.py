"""Every template as a secretary sees it: rendered, converted to PDF by LibreOffice, read by page.

Each template renders twice, with the demo data and with a municipality whose names are as long as
they get (documents.template_demo_data.long_names_data); one LibreOffice run converts all of them. The pages
are checked for what a reader would correct by hand: leftovers, page numbers, a signature left
alone on a page, table headers not repeated, rows split across pages, words broken inside cells.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import load_workbook

from common.declension import initials_surname
from documents import list_templates, render_document
from documents.template_demo_data import demo_data, long_names_data
from documents.templates import get_template
from tests.pdf_pages import WORD, Page, convert_to_pdf, pdf_words, read_pages, soffice_path

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed"),
]

TEMPLATE_IDS = [item["id"] for item in list_templates()]
DOCX_IDS = [t for t in TEMPLATE_IDS if get_template(t).format == "docx"]
XLSX_IDS = [t for t in TEMPLATE_IDS if get_template(t).format == "xlsx"]
REGISTER_IDS = ["mentor_registry", "mentee_registry"]
KINDS = {"demo": demo_data, "long": long_names_data}
CASES = [(t, kind) for t in TEMPLATE_IDS for kind in KINDS]
LEFTOVER = re.compile(r"\bNone\b|\{\{|\}\}|\{%|%\}")
# The most pages a secretary would accept for each document (demo, long names).
MAX_PAGES: dict[str, tuple[int, int]] = {
    "order_curator_appointment": (2, 2),
    "order_regulation_roadmap": (2, 3),
    "regulation": (5, 6),
    "order_pairs": (3, 8),
    "order_municipal_implementation": (2, 3),
    "roadmap": (3, 8),
    "analytical_report": (4, 10),
    "analytical_report_xlsx": (5, 12),  # a sheet a page: five sheets
    "protocol": (2, 2),
    "mentor_registry": (1, 3),
    "mentee_registry": (1, 3),
    "school_report": (2, 6),
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    """Every template × data kind: its data, the .docx/.xlsx and the PDF's pages."""
    folder = tmp_path_factory.mktemp("pdf")
    sources: dict[tuple[str, str], tuple[dict[str, Any], Path]] = {}
    for template_id, kind in CASES:
        data = KINDS[kind](template_id)
        out = folder / f"{template_id}-{kind}.{get_template(template_id).format}"
        render_document(template_id=template_id, data=data, out=out)
        sources[(template_id, kind)] = (data, out)
    pdfs = convert_to_pdf([path for _, path in sources.values()], folder)
    return {
        key: {"data": data, "path": path, "pages": read_pages(pdf)}
        for (key, (data, path)), pdf in zip(sources.items(), pdfs, strict=True)
    }


def _case(rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str) -> Any:
    return rendered[(template_id, kind)]


def _body(page: Page) -> list[str]:
    """The page's lines without its page number (a line of digits alone at the top)."""
    lines = page.lines
    return lines[1:] if lines and lines[0].isdigit() else lines


@pytest.mark.parametrize(("template_id", "kind"), CASES)
def test_pdf_shows_no_none_and_no_template_tags(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str
) -> None:
    for page in _case(rendered, template_id, kind)["pages"]:
        assert not LEFTOVER.search(page.text), (page.number, page.text)


@pytest.mark.parametrize(("template_id", "kind"), CASES)
def test_page_count_is_what_a_secretary_expects(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str
) -> None:
    pages = _case(rendered, template_id, kind)["pages"]
    limit = MAX_PAGES[template_id][0 if kind == "demo" else 1]
    assert 1 <= len(pages) <= limit


@pytest.mark.parametrize(("template_id", "kind"), [(t, k) for t in DOCX_IDS for k in KINDS])
def test_pages_are_numbered_at_the_top_from_the_second(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str
) -> None:
    """ГОСТ Р 7.0.97-2016, 5.1: page numbers in the middle of the top margin, not on the first."""
    pages = _case(rendered, template_id, kind)["pages"]
    assert pages[0].lines[0] != "1"
    for page in pages[1:]:
        assert page.lines[0] == str(page.number), (page.number, page.lines[:3])


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_the_long_names_municipalitys_documents_name_only_its_own_places(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str
) -> None:
    """Its roadmap, справка, protocol and cited acts do not speak of the demo's Белоярский район."""
    pages = _case(rendered, template_id, "long")["pages"]
    assert not [line for page in pages for line in page.lines if "Белоярск" in line]


@pytest.mark.parametrize(("template_id", "kind"), [(t, k) for t in DOCX_IDS for k in KINDS])
def test_no_page_ends_with_a_heading(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str
) -> None:
    """A section heading («2. Выполнение мероприятий по шагам …») stays with its table or text."""
    case = _case(rendered, template_id, kind)
    headings = {
        " ".join(paragraph.text.split())
        for paragraph in Document(str(case["path"])).paragraphs
        if paragraph.text.strip()
        and paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
        and all(run.bold for run in paragraph.runs if run.text.strip())
    }
    for page in case["pages"][:-1]:
        assert page.lines[-1] not in headings, (page.number, page.lines[-1])


def _signature_name(template_id: str, data: dict[str, Any]) -> str | None:
    if template_id not in DOCX_IDS + REGISTER_IDS:
        return None
    if template_id == "protocol":
        return initials_surname(data["secretary"])
    if template_id in ("regulation", "roadmap"):
        return None  # annexes of an order: approved, not signed
    return initials_surname(data["organisation"]["head_name"])


@pytest.mark.parametrize(("template_id", "kind"), CASES)
def test_signature_is_never_alone_on_a_page(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str
) -> None:
    case = _case(rendered, template_id, kind)
    name = _signature_name(template_id, case["data"])
    if name is None:
        pytest.skip("the document has no signature block")
    signed = [
        (page, index)
        for page in case["pages"]
        for index, line in enumerate(_body(page))
        if line.endswith(name)
    ]
    assert signed, f"no signature «{name}» in the PDF"
    page, index = signed[-1]
    # the text the signature closes starts on the same page: at least two lines above it
    assert index >= 2, (page.number, _body(page)[:6])


def _docx_tables(path: Path) -> list[list[list[str]]]:
    document = Document(str(path))
    return [
        [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]
        for table in document.tables
    ]


def _squash(cells: list[str]) -> str:
    seen: list[str] = []
    for cell in cells:
        if cell and (not seen or seen[-1] != cell):  # merged cells repeat their text
            seen.append(cell)
    return re.sub(r"\s+", "", "".join(seen))


@pytest.mark.parametrize(("template_id", "kind"), [(t, k) for t in DOCX_IDS for k in KINDS])
def test_table_header_repeats_on_every_page_and_rows_do_not_split(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str
) -> None:
    case = _case(rendered, template_id, kind)
    headers = {_squash(table[0]) for table in _docx_tables(case["path"]) if len(table) > 1}
    if not headers:
        pytest.skip("no tables")
    for page in case["pages"]:
        for table in page.tables:
            if len(table) < 2 and page.number > 1:
                continue
            assert _squash(table[0]) in headers, (page.number, table[0])
            if page.number > 1 and len(table) > 1:
                # a row cut by the page break continues with an empty number column
                assert table[1][0], (page.number, table[1])


@pytest.mark.parametrize(("template_id", "kind"), [(t, k) for t in DOCX_IDS for k in KINDS])
def test_no_word_is_broken_inside_a_table_cell(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str
) -> None:
    case = _case(rendered, template_id, kind)
    shown = pdf_words(case["pages"])
    written: Counter[str] = Counter()
    for table in _docx_tables(case["path"]):
        for row in table:
            for index, cell in enumerate(row):
                if index and cell == row[index - 1]:
                    continue  # a merged cell repeats its text in every column it spans
                written.update(WORD.findall(cell))
    # counted: a word broken in one cell is not hidden by the same word whole in another cell
    # («Групп а» in the header beside «Группа № 2» below) or outside the tables (a name in the
    # acknowledgement list); a header repeated on later pages only adds to what the PDF shows
    in_cells = Counter(
        word
        for page in case["pages"]
        for table in page.tables
        for row in table
        for cell in row
        for word in WORD.findall(cell)
    )
    broken = sorted(
        word for word, count in written.items() if in_cells[word] < count or word not in shown
    )
    assert not broken, broken


@pytest.mark.parametrize(("template_id", "kind"), [(t, k) for t in REGISTER_IDS for k in KINDS])
def test_register_prints_on_a4_with_its_whole_title_and_a_signature(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str
) -> None:
    case = _case(rendered, template_id, kind)
    sheet = load_workbook(case["path"]).active
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    pages = case["pages"]
    shown = pdf_words(pages)
    title_words = set(WORD.findall(case["data"]["organisation"]["full_name"]))
    assert title_words <= shown, sorted(title_words - shown)
    last = pages[-1].text
    assert "Согласие" in pages[0].text
    assert initials_surname(case["data"]["organisation"]["head_name"]) in last


@pytest.mark.parametrize(("template_id", "kind"), [(t, k) for t in XLSX_IDS for k in KINDS])
def test_a_workbooks_header_shows_every_word_whole(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str
) -> None:
    """«Начало наставничест ва», «педагогическо й»: a column narrower than a header's word."""
    case = _case(rendered, template_id, kind)
    sheet = load_workbook(case["path"]).active
    header_row = next(
        row
        for row in sheet.iter_rows(values_only=True)
        if sum(1 for value in row if isinstance(value, str)) == sheet.max_column
    )
    written = Counter(word for value in header_row for word in WORD.findall(str(value)))
    first = case["pages"][0]
    shown = Counter(
        word
        for table in first.tables
        for row in table[:1]
        for cell in row
        for word in WORD.findall(cell)
    )
    broken = sorted(word for word, count in written.items() if shown[word] < count)
    assert not broken, broken


@pytest.mark.parametrize(("template_id", "kind"), [(t, k) for t in DOCX_IDS for k in KINDS])
def test_no_table_cell_line_starts_with_a_punctuation_mark(
    rendered: dict[tuple[str, str], dict[str, Any]], template_id: str, kind: str
) -> None:
    """«Просрочено / , рабочих дней»: a column so narrow that a comma wraps alone."""
    pages = _case(rendered, template_id, kind)["pages"]
    stranded = [
        cell
        for page in pages
        for table in page.tables
        for row in table
        for cell in row
        if re.search(r"\s[,.;:]", cell)
    ]
    assert not stranded, stranded
