"""How many deadline phrases per second `parse_deadline` compiles (goal: at least 10,000).

Run from the repository root: ``python benchmarks/bench_deadlines.py``. It parses every phrase of
the seed vectors (``tests/data/deadline-vectors.tsv``) plus a set of extra forms,
repeatedly, and prints the median of five runs. Caches are cleared before each run, so every run
pays for its first look at each word and each phrase. A second figure clears the cache of the
period-independent reading (``definitions.deadlines.api._front``) before every pass: each phrase is
then read from its words again, as a tick in a fresh process or an import of new phrases does.
Prefect is never imported.

Two rates are printed: by wall-clock time, and by this process's CPU time. On a shared machine
(other test suites, a Prefect server) the wall-clock rate drops with the load average while the
CPU-time rate measures the parser itself; the verdict uses the CPU-time rate, and the load
average is printed alongside so a reader can judge the wall-clock figure.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common.errors import DeadlineError  # noqa: E402
from definitions import deadlines  # noqa: E402
from definitions.deadlines.api import _front  # noqa: E402
from definitions.deadlines.tokens import _token  # noqa: E402

GOAL = 10_000
RUNS = 5
REPEATS = 60
VECTORS = ROOT / "tests" / "data" / "deadline-vectors.tsv"
PERIOD = (date(2022, 1, 1), date(2024, 12, 31))

EXTRAS = [
    "15 мая 2022 г.",
    "в срок до 15.05.2022",
    "не позднее 1 июня 2023 г.",
    "до декабря 2022 г.",
    "IV квартал 2022 г.",
    "I–II квартал 2023 г.",
    "2 полугодие 2023 г.",
    "3 декада февраля 2024 г.",
    "2023/2024 учебный год",
    "в течение 2022 года",
    "ежеквартально",
    "ежемесячно",
    "ежегодно (июнь, декабрь)",
    "с июля 2024 ежеквартально",
    "с 01.09.2023",
    "в течение 10 рабочих дней",
    "в 3-месячный срок",
    "в течение месяца",
    "по мере необходимости",
    "как можно скорее",  # an error costs time too
    "до 20 числа ежемесячно",
    "ежеквартально до 5 числа месяца, следующего за отчетным",
    "не позднее 1 сентября каждого года",
    "2 раза в год",
    "Срок: до 1 марта 2024 г.",
    "к концу учебного года",
    "сентябрь, декабрь - январь, май",
    "в течение 10 рабочих дней после издания приказа",
    "по итогам мониторинга",
]


def load_phrases() -> list[tuple[str, date, date]]:
    """The vectors' phrases with their periods, then the extras over the usual period."""
    phrases: list[tuple[str, date, date]] = []
    if VECTORS.is_file():
        for line in VECTORS.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            phrase, period, *_ = line.split("\t")
            start, end = (date.fromisoformat(part) for part in period.split(":"))
            phrases.append((phrase, start, end))
    else:
        print(f"note: {VECTORS} is absent; extras only")
    phrases.extend((phrase, *PERIOD) for phrase in EXTRAS)
    return phrases


def run_once(phrases: list[tuple[str, date, date]], *, cold: bool = False) -> tuple[float, float]:
    """Phrases per second by wall-clock and by CPU time over ``REPEATS`` passes, caches cold at
    the start; ``cold`` also clears the phrase cache before every pass."""
    _token.cache_clear()
    _front.cache_clear()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(REPEATS):
        if cold:
            _front.cache_clear()
        for phrase, start, end in phrases:
            try:
                deadlines.parse_deadline(phrase, period_start=start, period_end=end)
            except DeadlineError:
                pass
    count = REPEATS * len(phrases)
    return count / (time.perf_counter() - wall), count / (time.process_time() - cpu)


def main() -> int:
    """Print the median rate and whether it meets the goal; exit 0 either way."""
    phrases = load_phrases()
    # Warm the production calendar once: the tick keeps it cached for the process's lifetime.
    deadlines.parse_deadline(
        "в течение 10 рабочих дней", period_start=PERIOD[0], period_end=PERIOD[1]
    )
    runs = [run_once(phrases) for _ in range(RUNS)]
    wall = statistics.median(rate for rate, _ in runs)
    cpu = statistics.median(rate for _, rate in runs)
    cold_runs = [run_once(phrases, cold=True) for _ in range(RUNS)]
    cold_wall = statistics.median(rate for rate, _ in cold_runs)
    cold_cpu = statistics.median(rate for _, rate in cold_runs)
    verdict = "PASS" if cpu >= GOAL else "BELOW"
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"phrases: {len(phrases)} × {REPEATS} per run, {RUNS} runs; load average {load}")
    print(f"wall-clock runs: {', '.join(f'{rate:,.0f}' for rate, _ in runs)} phrases/s")
    print(f"median wall-clock: {wall:,.0f} phrases/s")
    print(f"median CPU time: {cpu:,.0f} phrases/s; goal ≥ {GOAL:,}/s: {verdict}")
    cold_verdict = "PASS" if cold_cpu >= GOAL else "BELOW"
    print(
        f"phrase cache cleared every pass: median wall-clock {cold_wall:,.0f} phrases/s, "
        f"median CPU time {cold_cpu:,.0f} phrases/s; goal ≥ {GOAL:,}/s: {cold_verdict}"
    )
    assert "prefect" not in sys.modules, "the deadline language must not import Prefect"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
