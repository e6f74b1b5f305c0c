"""A region's Prefect server in several processes, as docs/deployment.md says to run it: Prefect
on PostgreSQL with Redis, `prefect server database upgrade -y`, `nastavnik prefect-server
--workers 2` (Prefect's own `--workers 2` never answers here: uvicorn restarts each worker that
takes over 5 s to start, and building Prefect's app costs ≈ 6 s of CPU), `prefect server services
start` in its own process, then `nastavnik deploy`, a process worker and the deployment run. The
scheduler in the services process schedules the deployment's cron runs; the run's outbox equals
what the plain tick writes on a copy (its function, in the test process)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from flows.prefect_server import REDIS_SETTINGS
from tests.test_deployed import (
    BIN,
    _assert_like_the_plain_tick,
    _clean_env,
    _region,
    _run,
    _run_deployment,
    _start,
    _stop,
    _wait_for_api,
    prefect_pg_url,
)
from tests.test_served import free_port

__all__ = ["prefect_pg_url"]  # the fixture, imported for its use below

REDIS = ("127.0.0.1", 6379)
REDIS_DB = "7"  # the tests' own Redis database, emptied first


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=2) as connection:
            connection.sendall(f"SELECT {REDIS_DB}\r\nFLUSHDB\r\n".encode())
            return connection.recv(64).startswith(b"+OK")
    except OSError:
        return False


def _api(url: str, body: dict[str, object]) -> list[dict[str, object]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        found: list[dict[str, object]] = json.load(answer)
        return found


@pytest.mark.prefect
@pytest.mark.pg
@pytest.mark.slow
def test_a_prefect_server_of_two_processes_with_redis_schedules_and_runs_the_tick(
    prefect_pg_url: str, tmp_path: Path
) -> None:
    if not _redis_reachable():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    db, copy = _region(tmp_path, schools=3)

    base = _clean_env()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    prefect = {
        **base,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    server_env = {
        **prefect,
        "PREFECT_API_DATABASE_CONNECTION_URL": prefect_pg_url,
        "PREFECT_UI_API_URL": api,
        **REDIS_SETTINGS,
        "PREFECT_REDIS_MESSAGING_HOST": REDIS[0],
        "PREFECT_REDIS_MESSAGING_PORT": str(REDIS[1]),
        "PREFECT_REDIS_MESSAGING_DB": REDIS_DB,
    }
    _run([str(BIN / "prefect"), "server", "database", "upgrade", "-y"], server_env, tmp_path)
    server = _start(
        [
            str(BIN / "nastavnik"),
            "prefect-server",
            "--workers",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        server_env,
        tmp_path,
        tmp_path / "server.log",
    )
    services = _start(
        [str(BIN / "prefect"), "server", "services", "start"],
        server_env,
        tmp_path,
        tmp_path / "services.log",
    )
    worker = None
    try:
        _wait_for_api(api, tmp_path / "server.log", seconds=240, server=server)
        admin = {**prefect, "NASTAVNIK_DB": f"sqlite:///{db}"}
        _run([str(BIN / "nastavnik"), "deploy", "--pool", "nastavnik"], admin, tmp_path)

        # the services process's scheduler puts the deployment's cron runs on the calendar
        deadline = time.monotonic() + 120
        while True:
            scheduled = _api(
                f"{api}/flow_runs/filter",
                {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}, "limit": 10},
            )
            if scheduled:
                break
            assert time.monotonic() < deadline, (tmp_path / "services.log").read_text()[-3000:]
            time.sleep(2)
        assert all(run["expected_start_time"] for run in scheduled)

        machine = tmp_path / "worker"
        machine.mkdir()
        worker = _start(
            [str(BIN / "prefect"), "worker", "start", "--pool", "nastavnik"],
            {
                **prefect,
                "NASTAVNIK_DB": f"sqlite:///{db}",
                "NASTAVNIK_MAIL_DIR": str(machine / "mail"),
                "NASTAVNIK_DOCUMENTS_DIR": str(machine / "files"),
                "NASTAVNIK_BASE_URL": "https://nastavnik.example.ru",
                "PREFECT_WORKER_QUERY_SECONDS": "1",
            },
            machine,
            tmp_path / "worker.log",
        )
        out = _run_deployment(prefect, tmp_path)
        assert "Completed" in out, out + (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        if worker is not None:
            _stop(worker)
        _stop(services)
        _stop(server)

    log = (tmp_path / "server.log").read_text()
    # two worker processes ran to the end, none was killed and restarted on the way
    assert log.count("Terminated child process") == 2 and "died" not in log, log[-3000:]

    _assert_like_the_plain_tick(tmp_path, db=db, copy=copy, mail_dirs=[machine / "mail"])


def test_prefect_server_of_several_processes_refuses_sqlite_and_missing_redis_in_russian(
    tmp_path: Path,
) -> None:
    base = _clean_env()
    env = {**base, "PREFECT_HOME": str(tmp_path)}
    cases = [
        ({}, "работает только с PostgreSQL"),
        (
            {"PREFECT_API_DATABASE_CONNECTION_URL": "postgresql+asyncpg://p@127.0.0.1:9/prefect"},
            "нужен общий Redis: задайте PREFECT_MESSAGING_BROKER=prefect_redis.messaging",
        ),
    ]
    for extra, message in cases:
        done = subprocess.run(
            [str(BIN / "nastavnik"), "prefect-server", "--workers", "2", "--port", "9"],
            env={**env, **extra},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr
        assert message in done.stderr and "Traceback" not in done.stderr, done.stderr
