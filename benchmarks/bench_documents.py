"""How fast documents render: school orders, the справка (DOCX and XLSX) and the school report.

Run from the repository root: ``python benchmarks/bench_documents.py``. It renders the school
orders of the demo data in turn with changing numbers (median DOCX/s of five runs of 200; goal
≥ 100), the справка for 100 synthetic schools of nine steps each five times in a row (справки per
second; goal ≥ 20), for 1,000 schools (median seconds of three; goal ≤ 5 s), the same as XLSX, and
the school's отчёт о выполнении; then where one справка's CPU time goes, stage by stage. Every
figure is printed for wall time and for this process's CPU time: the machine may be shared, and
the CPU figure is what the code costs. The verdict is on wall time.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from documents import render_document  # noqa: E402
from documents.template_demo_data import SCHOOLS, demo_data, report_schools  # noqa: E402

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


def _report_data(schools: int) -> dict[str, object]:
    names = [f"{SCHOOLS[index % len(SCHOOLS)]} (№ {index + 1})" for index in range(schools)]
    return dict(demo_data("analytical_report"), schools=report_schools(names))


def bench_report(folder: Path, *, template_id: str = "analytical_report") -> tuple[float, float]:
    """Median seconds (wall, CPU) to render the справка for REPORT_SCHOOLS schools."""
    data = _report_data(REPORT_SCHOOLS)
    suffix = "xlsx" if template_id.endswith("xlsx") else "docx"
    times, cpu_times = [], []
    for _ in range(REPORT_RUNS):
        started, cpu_started = time.perf_counter(), time.process_time()
        render_document(template_id=template_id, data=data, out=folder / f"report.{suffix}")
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    return statistics.median(times), statistics.median(cpu_times)


def bench_report_rate(
    folder: Path, schools: int, *, template_id: str = "analytical_report"
) -> tuple[float, float]:
    """Documents per second (wall and CPU) for ``schools`` schools, median of REPORT_RUNS runs of 5."""
    data = _report_data(schools) if template_id != "school_report" else demo_data(template_id)
    suffix = "xlsx" if template_id.endswith("xlsx") else "docx"
    render_document(template_id=template_id, data=data, out=folder / f"warm.{suffix}")
    rates, cpu_rates = [], []
    for _ in range(REPORT_RUNS):
        started, cpu_started = time.perf_counter(), time.process_time()
        for index in range(5):
            render_document(
                template_id=template_id, data=data, out=folder / f"report{index}.{suffix}"
            )
        rates.append(5 / (time.perf_counter() - started))
        cpu_rates.append(5 / (time.process_time() - cpu_started))
    return statistics.median(rates), statistics.median(cpu_rates)


def profile_report(schools: int) -> list[tuple[str, float]]:
    """Where one справка's CPU time goes (ms, median of five): data, chart, DOCX, scan, package."""
    from documents import report
    from documents.context import AnalyticalReport, load_context
    from documents.files import docx_package_bytes
    from documents.render import (
        _check_text,
        _read_template,
        _Template,
        jinja_environment,
        template_path,
    )
    from documents.templates import get_template

    data = _report_data(schools)
    path = template_path(get_template("analytical_report"))
    stages: dict[str, list[float]] = {}

    @contextlib.contextmanager
    def stage(name: str) -> Iterator[None]:
        started = time.process_time()
        yield
        stages.setdefault(name, []).append(1000 * (time.process_time() - started))

    for _ in range(6):
        with stage("data → dataclasses"):
            obj = load_context(AnalyticalReport, data)
        with stage("numbers"):
            numbers = report.summarise_progress(schools=obj.schools, as_of=obj.as_of)
        with stage("chart (Pillow, PNG)"):
            report.render_chart(numbers)
        with stage("open template"):
            tpl = _Template(io.BytesIO(_read_template(path)))
            tpl.init_docx()
        with stage("context (incl. chart)"):
            context = report.report_context(obj, tpl)
        with stage("docxtpl render"):
            tpl.render(context, jinja_env=jinja_environment(), autoescape=True)
        with stage("leftover scan"):
            _check_text(tpl.rendered_text(), where="bench")
        with stage("zip package"):
            docx_package_bytes(tpl.docx)
    return [(name, statistics.median(values[1:])) for name, values in stages.items()]


def main() -> int:
    """Print every figure (median, CPU beside wall) with PASS/BELOW; exit 1 when one is below."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rate, cpu_rate = bench_docx(folder)
        seconds, cpu_seconds = bench_report(folder)
        xlsx_seconds, xlsx_cpu = bench_report(folder, template_id="analytical_report_xlsx")
        rate_100, cpu_rate_100 = bench_report_rate(folder, 100)
        xlsx_100, xlsx_cpu_100 = bench_report_rate(
            folder, 100, template_id="analytical_report_xlsx"
        )
        school, school_cpu = bench_report_rate(folder, 0, template_id="school_report")
    stages = profile_report(100)
    docx_ok = rate >= DOCX_GOAL
    report_ok = seconds <= REPORT_GOAL
    rate_ok = rate_100 >= REPORT_RATE_GOAL
    print(
        f"school orders: {rate:.0f} DOCX/s wall, {cpu_rate:.0f} per CPU-second (median of "
        f"{RUNS} runs of {DOCUMENTS_PER_RUN}; goal ≥ {DOCX_GOAL:.0f}/s) "
        f"{'PASS' if docx_ok else 'BELOW'}"
    )
    print(
        f"справка DOCX for 100 schools: {rate_100:.1f}/s wall, {cpu_rate_100:.1f} per CPU-second "
        f"(goal ≥ {REPORT_RATE_GOAL:.0f}/s) {'PASS' if rate_ok else 'BELOW'}"
    )
    print(
        f"справка DOCX for {REPORT_SCHOOLS:,} schools: {seconds:.2f} s wall, {cpu_seconds:.2f} s "
        f"CPU (median of {REPORT_RUNS}; goal ≤ {REPORT_GOAL:.0f} s) "
        f"{'PASS' if report_ok else 'BELOW'}"
    )
    print(
        f"справка XLSX for 100 schools: {xlsx_100:.1f}/s wall, {xlsx_cpu_100:.1f} per CPU-second; "
        f"for {REPORT_SCHOOLS:,} schools: {xlsx_seconds:.2f} s wall, {xlsx_cpu:.2f} s CPU"
    )
    print(
        f"school report (отчёт о выполнении): {school:.1f}/s wall, {school_cpu:.1f} per CPU-second"
    )
    print("one справка for 100 schools, CPU ms by stage (median of five):")
    for name, milliseconds in stages:
        print(f"  {name:<24} {milliseconds:6.1f}")
    return 0 if docx_ok and report_ok and rate_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
