"""Roadmap import speed: a 500-row DOCX (goal ≤ 5 s), and the five seed tables as DOCX and XLSX.

    python benchmarks/bench_import.py
Medians of 5 runs each, measured in one run, of `import_roadmap_file` (read, find columns, map
roles and documents, compile every deadline) plus writing the checked draft.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from definitions.importing import import_roadmap_file, write_draft  # noqa: E402
from tests.import_tables import LAYOUTS, build_docx, build_xlsx  # noqa: E402

PHRASES = ("до 15 мая 2022 г.", "март – апрель 2022 г.", "1 декада ноября 2022 года",
           "ежегодно (июнь, декабрь)", "в течение года", "IV квартал 2022 г.")  # fmt: skip
WHO = ("КО", "ОУ", "МАУ «БМЦ», ОУ", "Кураторы внедрения целевой модели наставничества", "ИМЦ")


def build_big_docx(path: Path, rows: int) -> Path:
    """A 500-row roadmap table: 10 sections, multi-line cells, as a municipality would type it."""
    import docx

    document = docx.Document()
    document.add_paragraph("План мероприятий (дорожная карта) внедрения целевой модели")
    document.add_paragraph("наставничества в образовательных организациях района на 2022 год")
    table = document.add_table(rows=1, cols=5)
    for cell, text in zip(table.rows[0].cells, ("№ п/п", "Наименование мероприятия",
                          "Срок реализации", "Ответственный", "Результат"), strict=True):  # fmt: skip
        cell.text = text
    per_section = rows // 10
    for section in range(1, 11):
        cells = table.add_row().cells
        merged = cells[0].merge(cells[4])
        merged.text = f"{section}. Раздел номер {section} дорожной карты"
        for n in range(1, per_section + 1):
            cells = table.add_row().cells
            cells[0].text = f"{section}.{n}"
            cells[1].text = f"Мероприятие {section}.{n}: разработка и утверждение\nлокального акта"
            cells[2].text = PHRASES[n % len(PHRASES)]
            cells[3].text = WHO[n % len(WHO)]
            cells[4].text = "Приказ о назначении куратора" if n % 2 else "Протокол заседания"
    document.save(str(path))
    return path


def _median(function, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        big = build_big_docx(base / "big.docx", 500)
        result = import_roadmap_file(big)
        steps = len(result.definition["steps"])
        big_time = _median(lambda: write_draft(import_roadmap_file(big), base / "big.yaml"))
        verdict = "PASS" if big_time <= 5 else "BELOW GOAL"
        print(f"500-row DOCX ({steps} steps):  {big_time:.2f} s  goal ≤ 5 s: {verdict}")
        for kind, build in (("docx", build_docx), ("xlsx", build_xlsx)):
            files = [build(layout, base / f"{name}.{kind}") for name, layout in LAYOUTS.items()]
            seeds = _median(lambda files=files: [import_roadmap_file(f) for f in files])
            print(f"five seed tables as {kind.upper()}:  {seeds:.2f} s")


if __name__ == "__main__":
    main()
