"""Composing a region's letters, this tree against another commit, in one run (medians).

Goal (issue #12): the whole daily job at 40,000 schools ≤ 60 s on one machine leaves composing
≈ 10–15 s there.

Run from the repository root: ``python benchmarks/bench_compose.py [SCHOOLS] [--runs N]
[--against REF] [--ref REF]``. It builds a SQLite municipality of SCHOOLS schools (2,000 by default) with
seed 000 launched and the tick of 20 May 2022 decided (every school: 3 overdue steps and a
reminder; 3 steps escalated to the coordinator, 2 to the head), not timed. Then N times (3 by
default), alternating, each on a fresh copy of it and in a fresh process, it composes every
letter with this tree's code and with REF's (``git archive REF``; the baseline when REF is
given; ``--ref`` measures a commit instead of the work tree), and prints the medians of wall clock and CPU time of composing, the letters' total and
largest size, and the ratio, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

# composes in a fresh process with the code of the tree on its sys.path, prints its figures
_COMPOSE = """
import json, sys, time
from common.settings import Settings
from notifications.compose import compose_letters
from storage.db import make_engine, session_scope
from bench_letters import NOW
engine = make_engine(f"sqlite:///{sys.argv[1]}")
settings = Settings(mail_from="nastavnik@example.ru", base_url="https://nastavnik.example.ru")
wall, cpu = time.perf_counter(), time.process_time()
with session_scope(engine) as session:
    compose_letters(session=session, now=NOW, settings=settings)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
with engine.connect() as connection:
    count, total, largest = connection.exec_driver_sql(
        "SELECT COUNT(*), SUM(LENGTH(mime)), MAX(LENGTH(mime)) FROM letter_content"
    ).one()
print(json.dumps({"wall": wall, "cpu": cpu, "letters": count, "total": total, "largest": largest}))
"""


def _export(ref: str, into: Path) -> Path:
    """The tree of commit ``ref`` (git archive) in a folder."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as archive:
        archive.extractall(into, filter="data")
    return into


def _compose(tree: Path, database: Path) -> dict[str, float]:
    """Compose every letter of ``database`` with ``tree``'s code, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{tree / 'benchmarks'}"}
    out = subprocess.run(
        [sys.executable, "-c", _COMPOSE, str(database)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tree,
        env=env,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schools", nargs="?", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", default="", help="a git commit to compare with")
    parser.add_argument("--ref", default="", help="measure this commit instead of the work tree")
    options = parser.parse_args()

    from bench_letters import NOW, _build

    from flows.daily import tick_once
    from storage.db import make_engine

    workdir = Path(tempfile.mkdtemp(prefix="bench-compose-"))
    try:
        started = time.perf_counter()
        template = workdir / "decided.db"
        _build(template, options.schools, decide=False)
        engine = make_engine(f"sqlite:///{template}")
        decisions = tick_once(engine=engine, now=NOW, send=False, count_states=False).total
        engine.dispose()
        built = time.perf_counter() - started
        trees = {"this tree": _export(options.ref, workdir / "ref") if options.ref else ROOT}
        if options.against:
            trees = {options.against: _export(options.against, workdir / "against"), **trees}
        figures: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for run in range(options.runs):
            for name, tree in trees.items():
                path = workdir / "run.db"
                shutil.copy(template, path)
                figures[name].append(_compose(tree, path))
                path.unlink()
                last = figures[name][-1]
                print(
                    f"  run {run + 1}, {name}: {last['wall']:.1f} s (CPU {last['cpu']:.1f} s)",
                    file=sys.stderr,
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"{options.schools} schools (seed 000, built and decided in {built:.0f} s): {decisions} "
        f"decisions; {options.runs} runs each, alternating; load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    print("  medians           compose wall   CPU      letters  total MB  largest MB")
    medians: dict[str, float] = {}
    for name, runs in figures.items():
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        medians[name] = cpu
        last = runs[-1]
        print(
            f"  {name[:16]:<16} {wall:9.1f} s {cpu:7.1f} s {int(last['letters']):8d} "
            f"{last['total'] / 1e6:9.1f} {last['largest'] / 1e6:10.2f}"
        )
    if options.against:
        print(
            f"  CPU ratio, this tree / {options.against}: {medians['this tree'] / medians[options.against]:.2f}"
        )


if __name__ == "__main__":
    main()
