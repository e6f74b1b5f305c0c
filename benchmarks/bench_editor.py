"""The roadmap editor's check (#14): how long the draft page's readings, errors and lint take.

check_draft runs on every view of the draft table. Prints the median wall and CPU time over the
largest shipped roadmap and over a 500-step draft built from it.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from definitions.drafts import check_draft, load_draft  # noqa: E402
from definitions.loader import load_roadmaps  # noqa: E402


def _measure(data: dict[str, object], runs: int = 7) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        report = check_draft(data)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert not report.errors, report.errors[:3]
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    largest = max(load_roadmaps(), key=lambda item: len(item.roadmap.steps))
    data = load_draft(largest.text)
    steps = list(data["steps"])
    wall, cpu = _measure(data)
    print(
        f"check_draft {largest.roadmap.id} ({len(steps)} steps): median {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU"
    )
    big = dict(data)
    big["steps"] = [
        {**step, "code": f"{copy}.{step['code']}", "depends_on": [], "parent": None}
        for copy in range(1, 500 // len(steps) + 2)
        for step in steps
    ][:500]
    for step in big["steps"]:
        step.pop("parent", None)
        step.pop("section", None)
        step.pop("anchor", None) if step.get("anchor") not in (None, "launch") else None
    wall, cpu = _measure(big, runs=3)
    print(f"check_draft 500 steps: median {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")


if __name__ == "__main__":
    main()
