"""A small municipality's roadmap table as a Word file, for the editor's tests (#14).

Four steps (one numbered 2.1), one deadline nobody can read («когда позволит
погода»), built with python-docx the way tests/import_tables.py builds the seed tables.
"""

from __future__ import annotations

from pathlib import Path

ROADMAP_TITLE = (
    "План мероприятий (дорожная карта) внедрения целевой модели наставничества на 2022 год"
)
UNREADABLE = "когда позволит погода"
ROWS = (
    ("1", "Издание приказа о внедрении целевой модели наставничества", "1 декада ноября 2022 года", "КО", "Приказ"),
    ("2", "Назначение кураторов внедрения в образовательных организациях", "до 15 ноября 2022 г.", "ОО", "Приказ"),
    ("2.1", "Семинар для кураторов внедрения", UNREADABLE, "ИМЦ", "Семинар проведён"),
    ("3", "Мониторинг реализации целевой модели", "декабрь 2022 г.", "КО", "Аналитическая справка"),
)  # fmt: skip


def build_roadmap_docx(out: Path) -> Path:
    """Write the table as DOCX: a heading above it, a header row, one row per step."""
    import docx

    document = docx.Document()
    document.add_paragraph("План мероприятий (дорожная карта)")
    document.add_paragraph(
        "внедрения целевой модели наставничества в образовательных организациях на 2022 год"
    )
    table = document.add_table(rows=1 + len(ROWS), cols=5)
    table.style = "Table Grid"
    for c, header in enumerate(("№ п/п", "Мероприятие", "Срок", "Ответственный", "Результат")):
        table.cell(0, c).text = header
    for r, row in enumerate(ROWS, start=1):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out
