"""The daily job end to end, plain and as deployed: decide + compose + deliver into a local SMTP sink.

For N schools × seed 000 launched on 1 March 2022, at 20 May 2022 10:00 (a catch-up tick: every
step due so far), each repetition on a fresh copy of the same database:

- plain: `tick_once` in this process (what `nastavnik tick` runs);
- deployed, 1 worker: `nastavnik deploy`'s deployment on a real `prefect server start` (SQLite),
  run by one `prefect worker start` process, timed from `run_deployment` to Completed;
- deployed, 2 workers: the same with a second process worker in the pool (a standby: one run
  is one flow run in one worker's process);
- cold and warm (`--warm`), interleaved in each repetition: `nastavnik deploy --cold` run by
  `prefect worker start` (Prefect's own command: a fresh interpreter per run), `nastavnik deploy`
  run by `nastavnik worker` (each run a fork of its fork server, flows/warm.py), and the warm
  command run by `prefect worker start` (no fork server: the client execs `python -m
  prefect.engine`, one interpreter instead of Prefect's workspace supervisor and the engine);
- task workers, 1 and 2 (`--task-workers`): the deployment's run with ``task_workers`` (what
  `nastavnik deploy --task-workers` sets), its work in `nastavnik task-worker` processes: the
  schools in two batches, composing in one task, one deliverer per task worker.

Prints medians; Prefect's overhead per daily run = deployed − a plain run just before it (goal
≤ 5 s), and where it goes: until a worker took the run, until the run's process ran the flow
(Python, Prefect and nastavnik imported, the flow loaded), the flow itself; and the ratio of
1 task worker to 2.

    .venv/bin/python benchmarks/bench_scaleout.py [--schools 40000] [--runs 3] [--task-workers]
    .venv/bin/python benchmarks/bench_scaleout.py --schools 500 --runs 3 --warm
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_letters import _build as _build_launched  # noqa: E402
from bench_letters import _free_port, _start_server  # noqa: E402

from nastavnik import demo_data  # noqa: E402
from storage.db import make_engine  # noqa: E402

TZ = demo_data.MUNICIPALITY["timezone"]
LAUNCH = datetime(2022, 3, 1, 9, tzinfo=ZoneInfo(TZ))
NOW = datetime(2022, 5, 20, 10, tzinfo=ZoneInfo(TZ))
BIN = Path(sys.executable).parent


def _build(path: Path, schools: int) -> None:
    """A municipality of ``schools`` schools with seed 000 launched, nothing decided yet."""
    _build_launched(path, schools, decide=False)


def _fresh(template: Path, db: Path) -> None:
    """The run's database as the template, without the previous run's WAL files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, db)


def _sent(db: Path) -> int:
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        count = connection.exec_driver_sql(
            "SELECT count(*) FROM outbox WHERE status = 'sent'"
        ).scalar_one()
    engine.dispose()
    return int(count)


def _phases(run_id: object) -> tuple[float, float, float]:
    """From the run's states: until a worker took it (Pending), until its process ran the flow
    (Running), and the flow itself (Running → Completed), in seconds."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        states = client.read_flow_run_states(run_id)  # type: ignore[arg-type]
    at = {state.type.value: state.timestamp for state in states}
    created = min(state.timestamp for state in states)
    pending, running, done = at["PENDING"], at["RUNNING"], at["COMPLETED"]
    return (
        (pending - created).total_seconds(),
        (running - pending).total_seconds(),
        (done - running).total_seconds(),
    )


def _worker(
    env: dict[str, str], workdir: Path, number: int, *, pool: str = "bench", warm: bool = False
) -> subprocess.Popen[bytes]:
    log = open(workdir / f"worker{number}.log", "wb")  # noqa: SIM115 (the child keeps it)
    command = (
        [str(BIN / "nastavnik"), "worker", "--pool", pool, "--name", f"w{number}"]
        if warm
        else [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--name", f"w{number}"]
    )
    return subprocess.Popen(
        command,
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _task_worker(env: dict[str, str], workdir: Path, number: int) -> subprocess.Popen[bytes]:
    log = open(workdir / f"task-worker{number}.log", "wb")  # noqa: SIM115 (the child keeps it)
    return subprocess.Popen(
        [str(BIN / "nastavnik"), "task-worker"],
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=40000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="measure 1 … N workers")
    parser.add_argument(
        "--task-workers", action="store_true", help="also measure 1 and 2 task workers"
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="measure cold, warm (`nastavnik worker`) and the warm command without a fork "
        "server, interleaved, instead of 1 … N workers",
    )
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    smtp_port = _free_port()
    stop_smtp = _start_server(smtp_port, pipelining=False, in_process=False)
    db, template = workdir / "run.db", workdir / "template.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NASTAVNIK_"))},
        "NASTAVNIK_DB": f"sqlite:///{db}",
        "NASTAVNIK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "NASTAVNIK_MAIL_FROM": "nastavnik@example.ru",
        "NASTAVNIK_BASE_URL": "https://nastavnik.example.ru",
        "NASTAVNIK_DOCUMENTS_DIR": str(workdir / "files"),
        "PREFECT_HOME": str(workdir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
    }
    os.environ.update(env)
    from common.settings import get_settings

    get_settings.cache_clear()
    started = time.perf_counter()
    _build(template, options.schools)
    print(f"{options.schools} schools built in {time.perf_counter() - started:.1f} s ({workdir})")
    figures: dict[str, list[float]] = {"plain": [], "plain CPU": []}
    phases: dict[str, list[tuple[float, float, float]]] = {}
    overheads: dict[str, list[float]] = {}
    letters: dict[str, int] = {}
    workers: list[subprocess.Popen[bytes]] = []
    server = None
    try:
        from flows.daily import tick_once

        for _ in range(options.runs):
            _fresh(template, db)
            engine = make_engine(env["NASTAVNIK_DB"])
            clock, cpu = time.perf_counter(), time.process_time()
            tick_once(engine=engine, now=NOW, send=True)
            figures["plain"].append(time.perf_counter() - clock)
            figures["plain CPU"].append(time.process_time() - cpu)
            print(
                f"  plain: {figures['plain'][-1]:.1f} s (CPU {figures['plain CPU'][-1]:.1f} s)",
                flush=True,
            )
            engine.dispose()
            letters["plain"] = _sent(db)

        from flows.serve import start_prefect_server

        server, api_url = start_prefect_server(
            port=_free_port(), log_path=workdir / "prefect-server.log"
        )
        os.environ["PREFECT_API_URL"] = env["PREFECT_API_URL"] = api_url
        from prefect.client.schemas.objects import FlowRun
        from prefect.deployments import run_deployment

        from flows.deploy import deploy_daily

        deploy_daily(pool="bench", cron="0 9 * * *", timezone=TZ, warm=False)

        def measure(key: str, parameters: dict[str, object]) -> None:
            figures[key], phases[key] = [], []
            run_deployment(
                "daily-tick/daily-tick", parameters={"now": NOW, **parameters}, timeout=900
            )  # warm-up
            for _ in range(options.runs):
                one_run(key, parameters)

        def one_run(key: str, parameters: dict[str, object]) -> None:
            figures.setdefault(key, [])
            phases.setdefault(key, [])
            # a plain tick right before each deployed run: the load of a shared machine
            # changes by the minute, and the overhead is the difference of the pair
            _fresh(template, db)
            engine = make_engine(env["NASTAVNIK_DB"])
            clock = time.perf_counter()
            tick_once(engine=engine, now=NOW, send=True)
            paired = time.perf_counter() - clock
            engine.dispose()
            _fresh(template, db)
            clock = time.perf_counter()
            run = run_deployment(
                "daily-tick/daily-tick",
                parameters={"now": NOW, **parameters},
                timeout=1800,
                poll_interval=0.2,
            )
            figures[key].append(time.perf_counter() - clock)
            assert isinstance(run, FlowRun)
            assert run.state is not None and run.state.is_completed(), run.state
            phases[key].append(_phases(run.id))
            overheads.setdefault(key, []).append(figures[key][-1] - paired)
            pickup, start, body = phases[key][-1]
            print(
                f"  {key}: {figures[key][-1]:.1f} s, plain just before {paired:.1f} s "
                f"(until a worker took it {pickup:.1f} s, its process started {start:.1f} s, "
                f"the flow ran {body:.1f} s)",
                flush=True,
            )
            letters[key] = _sent(db)

        if options.warm:
            # pool, deployed warm, its worker `nastavnik worker`
            modes = {
                "cold": ("bench-cold", False, False),
                "warm": ("bench-warm", True, True),
                "warm, no server": ("bench-client", True, False),
            }
            for pool, _deployed_warm, warm_worker in modes.values():
                workers.append(_worker(env, workdir, len(workers) + 1, pool=pool, warm=warm_worker))
            deadline = time.monotonic() + 600
            while "fork server ready" not in (workdir / "worker2.log").read_text():
                assert time.monotonic() < deadline, "the fork server did not start"
                time.sleep(1)
            for pool, deployed_warm, _ in modes.values():
                deploy_daily(pool=pool, cron="0 9 * * *", timezone=TZ, warm=deployed_warm)
                run_deployment("daily-tick/daily-tick", parameters={"now": NOW}, timeout=900)
            for _ in range(options.runs):
                for key, (pool, deployed_warm, _) in modes.items():
                    deploy_daily(pool=pool, cron="0 9 * * *", timezone=TZ, warm=deployed_warm)
                    one_run(key, {})
            text = (workdir / "worker2.log").read_text()
            assert text.count("fork server: flow run") == options.runs + 1, text[-3000:]
        for count in range(1, 0 if options.warm else options.workers + 1):
            while len(workers) < count:
                workers.append(_worker(env, workdir, len(workers) + 1))
            measure(f"{count} worker" + ("s" if count > 1 else ""), {})
        if options.task_workers:
            from flows.tick import live_task_workers

            spread = {"task_workers": True, "batch_size": options.schools // 2 + 1}
            for count in (1, 2):
                while len(workers) < options.workers + count:
                    workers.append(_task_worker(env, workdir, count))
                deadline = time.monotonic() + 300
                while live_task_workers() < count:
                    assert time.monotonic() < deadline, "task workers did not subscribe"
                    time.sleep(1)
                measure(f"{count} task worker" + ("s" if count > 1 else ""), spread)
    finally:
        for worker in workers:
            _stop(worker)
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        stop_smtp()
    plain = statistics.median(figures["plain"])
    print(
        f"\nthe daily job at {options.schools} schools, medians of {options.runs} runs "
        f"(load average {os.getloadavg()[0]:.1f}):"
    )
    print(
        f"  plain           {plain:7.1f} s  (CPU {statistics.median(figures['plain CPU']):.1f} s; "
        f"{letters.get('plain', 0)} outbox items sent)"
    )
    for key, values in figures.items():
        if not values or key.startswith("plain"):
            continue
        median = statistics.median(values)
        pickup, start, body = (statistics.median(p[i] for p in phases[key]) for i in range(3))
        print(
            f"  {key:<15} {median:7.1f} s  ({letters.get(key, 0)} outbox items sent), Prefect's "
            f"overhead {statistics.median(overheads[key]):.1f} s (goal ≤ 5 s; deployed − the plain "
            f"run just before it): until a worker took the run "
            f"{pickup:.1f} s, its process started {start:.1f} s, the flow ran {body:.1f} s "
            f"(plain {plain:.1f} s)"
        )
    if "1 task worker" in figures and "2 task workers" in figures:
        one = statistics.median(figures["1 task worker"])
        two = statistics.median(figures["2 task workers"])
        print(f"  1 task worker / 2 task workers: {one / two:.2f} ×")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
