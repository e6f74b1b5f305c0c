"""Where the seed tests find the encoded roadmaps and their sources.

The five seed texts and the deadline vectors are copies of shared/seeds/ and
shared/deadline-vectors.tsv kept in tests/data/, so a fresh clone runs every test.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROADMAPS = ROOT / "definitions" / "roadmaps"
DATA = ROOT / "tests" / "data"
SEEDS = DATA / "seeds"
VECTORS = DATA / "deadline-vectors.tsv"
