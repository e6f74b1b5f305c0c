"""Build the five seed roadmaps back into the tables their municipalities published (#14 tests).

Each seed gets the source's own heading lines and column headers (copied from the source texts),
its section rows (one merged cell across the table, or the number in the first cell and the title
merged over the rest), its numbering row, its stage column merged down over its events, its
start/end columns, and the line breaks a table in Word has: manual breaks in the deadline and
responsible cells, numbered or dashed items as their own lines. The cell texts come from the
shipped definitions (definitions/roadmaps/*.yaml), which encode those sources verbatim; the import
tests read these files back and compare.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROADMAPS = Path(__file__).resolve().parent.parent / "definitions" / "roadmaps"


@dataclass(frozen=True)
class Layout:
    roadmap: str
    heading: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (header as in the source, field)
    sections: str = "span"  # span: one merged cell «1. Title»; code: «1.» then the title merged
    numbering: bool = False  # a row «1 2 3 4 5» under the header
    items: str = "number"  # how the title cell lists items: «1. …» or «- …»


LAYOUTS: dict[str, Layout] = {
    "beloyarsky-2022": Layout(
        roadmap="beloyarsky-2022",
        heading=(
            "План мероприятий (дорожная карта)",
            "внедрения Муниципальной целевой модели наставничества педагогических работников и "
            "обучающихся образовательных учреждений Белоярского района на 2022 год",
        ),
        columns=(
            ("№\nп/п", "code"),
            ("Наименование мероприятий", "title"),
            ("Срок реализации", "deadline"),
            ("Ответственный\nисполнитель", "responsible"),
            ("Результат,\nвид документа", "result"),
        ),
        sections="code",
    ),
    "chaikovsky-2022-2023": Layout(
        roadmap="chaikovsky-2022-2023",
        heading=(
            "УТВЕРЖДЕНО",
            "Приказом Управления образования Администрации Чайковского городского округа",
            "«Дорожная карта»",
            "реализации целевой модели наставничества",
            "в Чайковском городском округе на 2022 – 2023 год",
        ),
        columns=(
            ("№", "code"),
            ("Наименование\nэтапа", "stage"),
            ("Мероприятия", "title"),
            ("Содержание деятельности", "items"),
            ("Сроки", "deadline"),
            ("Ответственные", "responsible"),
        ),
    ),
    "dubna-2021-2024": Layout(
        roadmap="dubna-2021-2024",
        heading=(
            "Приложение к приказу ГОРУНО от 04.10.2021 № 175/1.1 – 08",
            "«О реализации системы мероприятий по управлению внедрением целевой модели "
            "наставничества»",
            "МУНИЦИПАЛЬНЫЙ ПЛАН",
            "РЕАЛИЗАЦИИ СИСТЕМЫ МЕРОПРНЯТИЙ ПО УПРАВЛЕНИЮ ВНЕДРЕНИЕМ ЦЕЛЕВОЙ МОДЕЛИ НАСТАВНИЧЕСТВА "
            "В ОБРАЗОВАТЕЛЬНЫХ ОРГАНИЗАЦИЯХ",
            "городского округа Дубна",
            "Период 2021 - 2024 г.г.",
        ),
        columns=(
            ("№ п/п", "code"),
            ("Наименование целевого направления плана\nМероприятие", "title"),
            ("Результат", "result"),
            ("Срок реализации\nДата начала", "start"),
            ("Срок реализации\nДата окончания", "end"),
            ("Ответственный за исполнение мероприятия", "responsible"),
        ),
    ),
    "khnov-2022-2024": Layout(
        roadmap="khnov-2022-2024",
        heading=(
            "Утверждаю",
            "Директор МКОУ Хновской СОШ",
            "_________________ Сулейманов М.С.",
            "План мероприятий (дорожная карта)",
            "внедрения методологии (целевой модели) наставничества обучающихся МКОУ «Хновская "
            "СОШ», в том числе с применением лучших практик обмена опытом между обучающимися,",
            "на 2022 – 2024 учебный год",
        ),
        columns=(
            ("№ п/п", "code"),
            ("Наименование мероприятий", "title"),
            ("Срок реализации", "deadline"),
            ("Ответственный исполнитель", "responsible"),
            ("Результат. Вид документа", "result"),
        ),
        sections="code",
        numbering=True,
        items="dash",
    ),
    "selishche-2022-2024": Layout(
        roadmap="selishche-2022-2024",
        heading=(
            "УТВЕРЖДЕН",
            "Приказом МКОУ «Селищенская ОШ» от 16.12.2022 № 135",
            "План мероприятий («дорожная карта») по внедрению и развитию системы наставничества",
            "педагогических работников МКОУ «Селищенская ОШ» Новодугинского района",
            "Смоленской области на 2022 — 2024 годы",
        ),
        columns=(
            ("№", "code"),
            ("Направление деятельности / Наименование мероприятия", "title"),
            ("Сроки\nреализации", "deadline"),
            ("Ответственные", "responsible"),
            ("Ожидаемый\nрезультат", "result"),
        ),
        items="dash",
    ),
}


def load_definition(roadmap: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROADMAPS / f"{roadmap}.yaml").read_text("utf-8"))
    return data


def wrap(text: str, width: int) -> str:
    """Break a cell's text into lines at single spaces, as the source's narrow columns do."""
    words = text.split(" ")
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) > width and word and not line.endswith(" "):
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


@dataclass
class TableRow:
    """A row to write: cells (None = covered by the merged cell to the left), kind and merges."""

    cells: list[str | None]
    section: bool = False
    merged_down: tuple[int, ...] = ()  # columns that continue the cell above


def table_rows(layout: Layout) -> list[TableRow]:
    """The seed's table, row by row, as its municipality laid it out."""
    data = load_definition(layout.roadmap)
    fields = [field for _, field in layout.columns]
    width = len(fields)
    rows: list[TableRow] = [TableRow([header for header, _ in layout.columns])]
    if layout.numbering:
        rows.append(TableRow([str(i) for i in range(1, width + 1)]))
    titles = {s["code"]: s["title"] for s in data.get("sections", [])}
    shown: set[str] = set()
    previous: dict[str, Any] | None = None
    stage_numbers: dict[str, str] = {}
    for step in data["steps"]:
        section = step.get("section")
        if "stage" not in fields and section and section not in shown:
            chain = [section]
            while "." in chain[0] and chain[0].rsplit(".", 1)[0] in titles:
                chain.insert(0, chain[0].rsplit(".", 1)[0])
            for code in chain:
                if code in shown:
                    continue
                shown.add(code)
                if layout.sections == "code":
                    rows.append(TableRow([f"{code}.", titles[code]] + [None] * (width - 2), True))
                else:
                    rows.append(TableRow([f"{code}. {titles[code]}"] + [None] * (width - 1), True))
        cells: list[str | None] = []
        merged: list[int] = []
        items = step.get("items", [])
        for column, field in enumerate(fields):
            if field == "code":
                if "stage" in fields:
                    number = step["code"].split(".")[0]
                    stage_numbers.setdefault(number, step["stage"])
                    if previous is not None and previous["code"].split(".")[0] == number:
                        merged.append(column)
                    cells.append(f"{number}.")
                else:
                    cells.append(step["code"] + ("." if layout.sections == "code" else ""))
            elif field == "stage":
                if previous is not None and previous.get("stage") == step["stage"]:
                    merged.append(column)
                cells.append(wrap(step["stage"], 16))
            elif field == "title":
                text = step["title"]
                if "items" not in fields and items:
                    marker = "- " if layout.items == "dash" else ""
                    text += "\n" + "\n".join(
                        f"{marker or f'{n}. '}{item}" for n, item in enumerate(items, start=1)
                    )
                same_event = (
                    "stage" in fields
                    and previous is not None
                    and step["code"].count(".") == 2
                    and previous["code"].rsplit(".", 1)[0] == step["code"].rsplit(".", 1)[0]
                )
                if same_event:
                    merged.append(column)
                cells.append(text)
            elif field == "items":
                cells.append("\n".join(f"{n}. {item}" for n, item in enumerate(items, start=1)))
            elif field == "deadline":
                cells.append(wrap(step["deadline"], 14))
            elif field == "start":
                cells.append(
                    step["start"].strftime("%d.%m.%Y") if step.get("start") else step["deadline"]
                )
            elif field == "end":
                if not step.get("end"):
                    cells.append(None)  # the phrase spans both date columns
                elif step["deadline"] != step["end"].strftime("%d.%m.%Y"):
                    cells.append(step["deadline"])  # «Апрель 2024» in the end column
                else:
                    cells.append(step["end"].strftime("%d.%m.%Y"))
            elif field == "responsible":
                cells.append(wrap(step["responsible"], 18))
            elif field == "result":
                cells.append(step.get("result") or "")
        rows.append(TableRow(cells, merged_down=tuple(merged)))
        previous = step
    return rows


def build_docx(layout: Layout, out: Path) -> Path:
    """The seed as a Word file: heading paragraphs, then the table with merged cells."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(1.5)
    for line in layout.heading:
        document.add_paragraph(line)
    rows = table_rows(layout)
    width = len(layout.columns)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        c = 0
        while c < width:
            text = row.cells[c]
            span = 1
            while c + span < width and row.cells[c + span] is None:
                span += 1
            cell = table.cell(r, c)
            if span > 1:
                cell = cell.merge(table.cell(r, c + span - 1))
            if c in row.merged_down and r > 0:
                above = table.cell(r - 1, c)
                above.merge(cell)
            else:
                _write(cell, text or "")
            c += span
        for cell in table.rows[r].cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    widths = {"code": 1.4, "stage": 3.2, "title": 8.0, "items": 7.0, "deadline": 3.2,
              "start": 2.4, "end": 2.4, "responsible": 3.8, "result": 5.5}  # fmt: skip
    table.autofit = False
    for column, (_, field) in enumerate(layout.columns):
        for cell in table.columns[column].cells:
            cell.width = Cm(widths[field])
    document.save(str(out))
    return out


def _write(cell: Any, text: str) -> None:
    """Items (lines starting with a number or a dash) as paragraphs, other breaks as line breaks."""
    lines = text.split("\n")
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if paragraphs[-1] and (line[:2].rstrip(".").isdigit() or line.startswith("- ")):
            paragraphs.append([])
        paragraphs[-1].append(line)
    first = cell.paragraphs[0]
    for index, chunk in enumerate(paragraphs):
        paragraph = first if index == 0 else cell.add_paragraph()
        for n, line in enumerate(chunk):
            run = paragraph.add_run(line)
            if n < len(chunk) - 1:
                run.add_break()


def build_xlsx(layout: Layout, out: Path) -> Path:
    """The seed as an Excel sheet: heading rows merged across, the table with merged ranges."""
    import openpyxl
    from openpyxl.styles import Alignment

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    width = len(layout.columns)
    r = 1
    for line in layout.heading:
        sheet.cell(r, 1, line)
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        r += 1
    r += 1
    first = r
    open_down: dict[int, int] = {}
    for row in table_rows(layout):
        c = 0
        while c < width:
            text = row.cells[c]
            span = 1
            while c + span < width and row.cells[c + span] is None:
                span += 1
            if c in row.merged_down and r > first:
                start = open_down.get(c, r - 1)
                open_down[c] = start
            else:
                if c in open_down:
                    start = open_down.pop(c)
                    sheet.merge_cells(
                        start_row=start, start_column=c + 1, end_row=r - 1, end_column=c + 1
                    )
                sheet.cell(r, c + 1, text or None).alignment = Alignment(wrap_text=True)
                if span > 1:
                    sheet.merge_cells(
                        start_row=r, start_column=c + 1, end_row=r, end_column=c + span
                    )
            c += span
        r += 1
    for c, start in open_down.items():
        sheet.merge_cells(start_row=start, start_column=c + 1, end_row=r - 1, end_column=c + 1)
    workbook.save(str(out))
    return out


def build_pdfs(docx_files: list[Path], outdir: Path) -> list[Path]:
    """PDFs with a text layer, as LibreOffice saves the Word files (one soffice run for all)."""
    profile = outdir / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, docx_files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return [outdir / f"{path.stem}.pdf" for path in docx_files]
