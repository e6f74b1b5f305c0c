"""Documents as a reader sees them: LibreOffice converts them to PDF, pdfplumber reads the pages.

One soffice call converts many files (start-up is most of its time). Pages are lists of text lines
(top to bottom); tables are read from the ruled cells pdfplumber finds on each page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

WORD = re.compile(r"[А-Яа-яЁёA-Za-z]{2,}")


def soffice_path() -> str | None:
    """LibreOffice's command, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(paths: list[Path], out_dir: Path) -> list[Path]:
    """Convert every file with one LibreOffice run; returns the PDFs in the order of ``paths``."""
    soffice = soffice_path()
    assert soffice is not None, "LibreOffice (soffice) is not installed"
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / "lo-profile"
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    pdfs = [out_dir / (path.stem + ".pdf") for path in paths]
    missing = [pdf.name for pdf in pdfs if not pdf.is_file()]
    assert not missing, f"LibreOffice wrote no PDF for {missing}"
    return pdfs


@dataclass
class Page:
    """One PDF page: its text lines top to bottom, the table rows found on it, its words."""

    number: int
    lines: list[str]
    tables: list[list[list[str]]] = field(default_factory=list)
    top_line: str = ""

    @property
    def text(self) -> str:
        """The page's text, one line per line."""
        return "\n".join(self.lines)


def read_pages(pdf_path: Path) -> list[Page]:
    """Every page of a PDF with its lines and tables (cells' text with line breaks as spaces)."""
    pages = []
    with pdfplumber.open(pdf_path) as pdf:
        for index, page in enumerate(pdf.pages, start=1):
            text = page.extract_text() or ""
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            tables = [
                [[" ".join((cell or "").split()) for cell in row] for row in table]
                for table in page.extract_tables()
            ]
            pages.append(Page(number=index, lines=lines, tables=tables))
    return pages


def pdf_words(pages: list[Page]) -> set[str]:
    """Every whole word the PDF shows (a word split across lines shows as two words)."""
    return {word for page in pages for word in WORD.findall(page.text)}
