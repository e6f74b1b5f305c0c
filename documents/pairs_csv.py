"""The mentoring pairs (наставнические пары) of the order on pairs, read from a pairs file.

The file is the registry's pairs file (``registry.importer.read_pairs_file``): a header row with
columns in any order named by id or in Russian (``mentor``/«наставник», ``mentee``, ``form``,
``start``, ``end``; optional ``group``, ``mentor_position``, ``mentee_position``), «,» or «;»
separated, UTF-8 with or without BOM (or cp1251), dates «15.09.2022», «15 сентября 2022 г.» or
«2022-09-15». All or nothing: every problem is reported at once by row and column, and no pair is
returned while any row is wrong.
"""

from __future__ import annotations

from pathlib import Path

from documents.context import Pair
from registry.importer import read_pairs_file, read_pairs_text


def read_pairs_csv(*, path: Path) -> list[Pair]:
    """The pairs of a CSV or XLSX file; a NastavnikError lists every bad row and column."""
    return [Pair(**line) for line in read_pairs_file(path=Path(path))]


def parse_pairs_csv(text: str, *, source: str = "pairs.csv") -> list[Pair]:
    """The pairs of CSV text; ``source`` names the file in error messages."""
    return [Pair(**line) for line in read_pairs_text(text, source=source)]
