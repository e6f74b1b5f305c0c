"""Every flow survives the way Prefect ships it to a run's process (cloudpickle into a fresh
interpreter, as `flow.serve()` does) and builds its parameter model there."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FLOWS = [
    ("flows.tick", "daily_tick_flow", {"db_url": "sqlite://"}),
    ("flows.tick", "tick_flow", {"db_url": "sqlite://", "now": "2022-05-16T09:00:00+05:00"}),
    (
        "flows.launch",
        "launch_flow",
        {"db_url": "sqlite://", "roadmap_id": "x", "now": "2022-03-01T09:00:00+05:00", "by": "cli"},
    ),
    (
        "flows.school_roadmap",
        "school_roadmap_flow",
        {"db_url": "sqlite://", "roadmap_id": "x", "school_id": "s", "now": "2022-03-01T09:00:00"},
    ),
]

LOAD = """
import sys, cloudpickle
flow = cloudpickle.loads(sys.stdin.buffer.read())
params = flow.validate_parameters({params!r})
print(sorted(params))
"""


@pytest.mark.parametrize(("module", "name", "params"), FLOWS, ids=[f[1] for f in FLOWS])
def test_flow_pickled_by_value_validates_its_parameters_in_a_fresh_interpreter(
    module: str, name: str, params: dict[str, object], tmp_path: Path
) -> None:
    import importlib

    import cloudpickle

    mod = importlib.import_module(module)
    # By value, as for a flow defined in a script: the strictest way Prefect ships a flow.
    cloudpickle.register_pickle_by_value(mod)
    try:
        payload = cloudpickle.dumps(getattr(mod, name))
    finally:
        cloudpickle.unregister_pickle_by_value(mod)
    result = subprocess.run(
        [sys.executable, "-c", LOAD.format(params=params)],
        input=payload,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    validated = eval(result.stdout.decode().strip().splitlines()[-1])
    assert set(params) <= set(validated)


def test_daily_tick_flow_body_and_the_tick_flow_validate_after_shipping(tmp_path: Path) -> None:
    """The daily flow runs the tick's body in its own run (no subflow); the tick flow, shipped with
    the module by value, still validates its parameters in a fresh interpreter."""
    import cloudpickle

    import flows.tick as mod

    cloudpickle.register_pickle_by_value(mod)
    try:
        payload = cloudpickle.dumps((mod.daily_tick_flow, mod.tick_flow))
    finally:
        cloudpickle.unregister_pickle_by_value(mod)
    code = (
        "import sys, cloudpickle\n"
        "daily, tick = cloudpickle.loads(sys.stdin.buffer.read())\n"
        # the daily flow's function is wrapped by the record of daily runs (engine/daily_runs.py)
        "body = getattr(daily.fn, '__wrapped__', daily.fn).__globals__['_tick_and_report']\n"
        "assert callable(body)\n"
        "p = tick.validate_parameters({'db_url': 'sqlite://', 'now': '2022-05-16T09:00:00+05:00'})\n"
        "print(type(p['now']).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=payload, capture_output=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert "DateTime" in result.stdout.decode() or "datetime" in result.stdout.decode()
