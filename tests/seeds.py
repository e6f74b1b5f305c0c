"""Where the seed tests find the encoded roadmaps, their sources (shared/ beside the checkout) and the deadline vectors (tests/data/, in the repository)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROADMAPS = ROOT / "definitions" / "roadmaps"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
VECTORS = ROOT / "tests" / "data" / "deadline-vectors.tsv"
