"""Where the seed tests find the encoded roadmaps and their sources (shared/ beside the checkout)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROADMAPS = ROOT / "definitions" / "roadmaps"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
VECTORS = SHARED / "deadline-vectors.tsv"
