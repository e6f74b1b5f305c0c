"""How fast documents render: DOCX per second (goal ≥ 100) and the справка for 1,000 schools (≤ 5 s).

Run from the repository root: ``python benchmarks/bench_documents.py``. The first part renders the
school orders of the demo data (curator appointment, Положение approval, pairs, municipal order)
in turn with changing numbers and prints the median DOCX/s of five runs; the second renders the
аналитическая справка for 1,000 synthetic schools of nine steps each (chart included) and prints
the median time of three runs; the third renders it for 100 schools five times in a row and
prints справки per second (goal ≥ 20). Documents go to a temporary folder. The verdict is on wall time;
the DOCX rate per CPU-second is printed too, as it does not depend on other load on the machine.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from documents import render_document  # noqa: E402
from documents.demo_data import SCHOOLS, demo_data, report_schools  # noqa: E402

DOCX_GOAL = 100.0
REPORT_GOAL = 5.0
RUNS = 5
DOCUMENTS_PER_RUN = 200
REPORT_RUNS = 3
REPORT_SCHOOLS = 1_000
REPORT_RATE_GOAL = 20.0
TEMPLATES = [
    "order_curator_appointment",
    "order_regulation_roadmap",
    "order_pairs",
    "order_municipal_implementation",
]


def bench_docx(folder: Path) -> tuple[float, float]:
    """Median DOCX rendered per second of wall time and of this process's CPU time."""
    data = {template_id: demo_data(template_id) for template_id in TEMPLATES}
    # One warm-up round: the first render of a template compiles it.
    for template_id in TEMPLATES:
        render_document(template_id=template_id, data=data[template_id], out=folder / "warm.docx")
    rates = []
    cpu_rates = []
    for run in range(RUNS):
        started = time.perf_counter()
        cpu_started = time.process_time()
        for index in range(DOCUMENTS_PER_RUN):
            template_id = TEMPLATES[index % len(TEMPLATES)]
            item = dict(data[template_id], number=f"{run}-{index}")
            render_document(template_id=template_id, data=item, out=folder / f"{index}.docx")
        rates.append(DOCUMENTS_PER_RUN / (time.perf_counter() - started))
        cpu_rates.append(DOCUMENTS_PER_RUN / (time.process_time() - cpu_started))
    return statistics.median(rates), statistics.median(cpu_rates)


def bench_report(folder: Path) -> float:
    """Median seconds to render the справка for REPORT_SCHOOLS schools."""
    names = [f"{SCHOOLS[index % len(SCHOOLS)]} (№ {index + 1})" for index in range(REPORT_SCHOOLS)]
    data = dict(demo_data("analytical_report"), schools=report_schools(names))
    times = []
    for _ in range(REPORT_RUNS):
        started = time.perf_counter()
        render_document(template_id="analytical_report", data=data, out=folder / "report.docx")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_report_rate(folder: Path, schools: int) -> tuple[float, float]:
    """Справки per second (wall and CPU) for ``schools`` schools, median of REPORT_RUNS runs of 5."""
    names = [f"{SCHOOLS[index % len(SCHOOLS)]} (№ {index + 1})" for index in range(schools)]
    data = dict(demo_data("analytical_report"), schools=report_schools(names))
    render_document(template_id="analytical_report", data=data, out=folder / "warm.docx")
    rates, cpu_rates = [], []
    for _ in range(REPORT_RUNS):
        started, cpu_started = time.perf_counter(), time.process_time()
        for index in range(5):
            render_document(
                template_id="analytical_report", data=data, out=folder / f"report{index}.docx"
            )
        rates.append(5 / (time.perf_counter() - started))
        cpu_rates.append(5 / (time.process_time() - cpu_started))
    return statistics.median(rates), statistics.median(cpu_rates)


def main() -> int:
    """Print both figures with PASS/BELOW against the goals; exit 1 when one is below."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rate, cpu_rate = bench_docx(folder)
        seconds = bench_report(folder)
        rate_100, cpu_rate_100 = bench_report_rate(folder, 100)
    docx_ok = rate >= DOCX_GOAL
    report_ok = seconds <= REPORT_GOAL
    print(
        f"DOCX: {rate:.0f} documents/s (median of {RUNS} runs of {DOCUMENTS_PER_RUN}; "
        f"goal ≥ {DOCX_GOAL:.0f}) {'PASS' if docx_ok else 'BELOW'}; "
        f"{cpu_rate:.0f} documents per CPU-second (what a busy machine hides)"
    )
    print(
        f"справка for {REPORT_SCHOOLS:,} schools: {seconds:.2f} s (median of {REPORT_RUNS}; "
        f"goal ≤ {REPORT_GOAL:.0f} s) {'PASS' if report_ok else 'BELOW'}"
    )
    rate_ok = rate_100 >= REPORT_RATE_GOAL
    print(
        f"справка for 100 schools: {rate_100:.1f} reports/s, {cpu_rate_100:.1f} per CPU-second "
        f"(goal ≥ {REPORT_RATE_GOAL:.0f}/s) {'PASS' if rate_ok else 'BELOW'}"
    )
    return 0 if docx_ok and report_ok and rate_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
