"""Whether this tree composes the same letters as another commit, byte for byte, and how fast.

Run from the repository root: ``python benchmarks/same_letters.py DATABASE [--against REF]``
(REF: main by default). DATABASE is a SQLite file with decisions not composed yet, e.g. one that
``bench_compose.py`` builds (``bench_letters._build`` and the tick of 20 May 2022 without
sending). Each tree composes a fresh copy of it in a fresh process (REF's first, ``git archive``);
then every letter (recipient, kind, subject, item count, Message-ID, text, HTML, MIME bytes) and
every outbox item (status, letter, error) of the two copies are compared. It prints each tree's
wall clock and CPU time of composing and whether the results are identical (exit status 1 if not).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

# composing in a fresh process with a tree's code on its path: bench_compose's script
from bench_compose import _compose, _export  # noqa: E402

_LETTERS = (
    "SELECT l.id, l.recipient, l.kind, l.subject, l.item_count, l.message_id, c.body_text, "
    "c.body_html, c.mime FROM letter l JOIN letter_content c ON c.letter_id = l.id ORDER BY l.id"
)
_ITEMS = "SELECT id, status, letter_id, last_error FROM outbox ORDER BY id"


def _composed(tree: Path, database: Path, copy: Path) -> tuple[list[tuple], list[tuple], str]:
    """The letters and outbox items after ``tree``'s code composed a copy of ``database``."""
    shutil.copy(database, copy)
    figures = _compose(tree, copy)
    timing = f"{figures['wall']:.2f} s wall, {figures['cpu']:.2f} s CPU"
    connection = sqlite3.connect(copy)
    try:
        return (
            connection.execute(_LETTERS).fetchall(),
            connection.execute(_ITEMS).fetchall(),
            timing,
        )
    finally:
        connection.close()
        copy.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--against", default="main", help="the commit to compare with")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="same-letters-"))
    try:
        trees = {options.against: _export(options.against, workdir / "ref"), "this tree": ROOT}
        results = {}
        for name, tree in trees.items():
            letters, items, timing = _composed(tree, options.database, workdir / "copy.db")
            digest = hashlib.sha256(repr((letters, items)).encode()).hexdigest()[:16]
            print(f"{name}: {len(letters)} letters, {len(items)} items, sha {digest}; {timing}")
            results[name] = (letters, items)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    (letters_a, items_a), (letters_b, items_b) = results.values()
    if (letters_a, items_a) == (letters_b, items_b):
        print("identical")
        return
    differ = [a[0] for a, b in zip(letters_a, letters_b, strict=False) if a != b]
    print(
        f"DIFFERENT: {len(letters_a)} and {len(letters_b)} letters, {len(differ)} differ "
        f"(first ids {differ[:5]}); items {'equal' if items_a == items_b else 'differ'}"
    )
    sys.exit(1)


if __name__ == "__main__":
    main()
