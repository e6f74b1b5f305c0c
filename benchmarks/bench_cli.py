"""CLI start time: `nastavnik --help`, `deadline` and `status --help` (goal for --help ≤ 0.3 s).

    python benchmarks/bench_cli.py
Medians of 15 runs each, measured in one run; also checks that --help does not import Prefect.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "nastavnik"


def _time(args: list[str], runs: int = 15) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(BIN), *args], check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    baseline = _time(["--help"])
    python = statistics.median(_run_python() for _ in range(15))
    deadline = _time(["deadline", "до 15 мая 2022 г.", "--period", "2022-01-01:2022-12-31"])
    print(f"python -c pass:        {python:.3f} s (the floor)")
    print(
        f"nastavnik --help:      {baseline:.3f} s  goal ≤ 0.3 s: {'PASS' if baseline <= 0.3 else 'BELOW GOAL'}"
    )
    print(f"nastavnik deadline …:  {deadline:.3f} s")
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom nastavnik import cli\nprint('prefect' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"prefect imported by the CLI module: {imported}")


def _run_python() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
