"""The warm path of a deployed run: `nastavnik deploy` sets the job command to flows/warm_client.py,
`nastavnik worker` starts a Prefect process worker and the fork server (flows/warm.py); each run is
a fork of a process that imported Prefect and nastavnik once.

Real components only: a Prefect server (one for the warm path's tests: tests/warm_server.py),
`nastavnik worker` as a subprocess (its Prefect process worker and fork server), deployment runs
created through Prefect's client, the plain tick on a copy; an SMTP server that accepts and never
answers holds a run in delivery while its client is sent SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import col, select

from storage.db import make_engine, session_scope
from storage.operations import DailyRun
from tests.factories import expire_leases
from tests.test_deployed import (
    BIN,
    _assert_like_the_plain_tick,
    _clean_env,
    _completed,
    _prefect_env,
    _region,
    _start,
    _stop,
    _trigger,
    _worker_env,
)
from tests.warm_server import clear_runs

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "flows" / "warm_client.py"


def _wait_for(predicate, what: str, log: Path, seconds: float = 300):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"{what}:\n{log.read_text()[-4000:]}"
        time.sleep(0.5)
    return value


def _flow_run(api: str, run_id: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{api}/flow_runs/{run_id}", timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


class _SilentSmtp:
    """A TCP server that accepts connections and never says a word (an SMTP server hung)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.listener.close()
        for conn in self.accepted:
            conn.close()


def _deployed(warm_server: str, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """The shared Prefect server with the `nastavnik deploy`ed daily run (the ``warm_server``
    fixture), no run an earlier test left on it to take; its API and the environment of this
    test's clients (their own PREFECT_HOME)."""
    clear_runs(warm_server)
    return warm_server, _prefect_env(tmp_path, warm_server)


def _start_worker(
    prefect: dict[str, str], db: Path, machine: Path, log: Path
) -> subprocess.Popen[bytes]:
    """`nastavnik worker` in ``machine``, once its fork server has imported Prefect and
    nastavnik (runs from then on are forks)."""
    machine.mkdir(exist_ok=True)
    worker = _start(
        [str(BIN / "nastavnik"), "worker", "--pool", "nastavnik"],
        _worker_env(prefect, db, machine),
        machine,
        log,
    )
    _wait_for(lambda: "fork server ready" in log.read_text(), "no fork server", log)
    return worker


def _hold_run(api: str, smtp: _SilentSmtp, held: Path, log: Path) -> str:
    """A deployment run on the database ``held`` held in delivery by ``smtp`` (its job
    variables: its env); its flow run's id, once it has connected."""
    seen = len(smtp.accepted)
    smtp_url = f"smtp://127.0.0.1:{smtp.port}?timeout=600"
    job_env = {"NASTAVNIK_SMTP_URL": smtp_url, "NASTAVNIK_DB": f"sqlite:///{held}"}
    held_id = str(_trigger(api, wait=False, env=job_env).id)
    _wait_for(lambda: len(smtp.accepted) > seen, "the held run never reached delivery", log)
    return held_id


def _fork_child(log: Path, run_id: str) -> int:
    """The fork server's child that runs ``run_id`` (from the worker's log)."""
    found = re.search(rf"fork server: flow run {run_id} in child (\d+)", log.read_text())
    assert found, log.read_text()[-3000:]
    return int(found[1])


def _held_processes(api: str, log: Path, run_id: str) -> tuple[int, int]:
    """The running flow run's own process (the client, its infrastructure pid) and the fork
    server's child that runs it, both alive."""
    flow_run = _flow_run(api, run_id)
    assert flow_run["state_type"] == "RUNNING", flow_run
    client = int(str(flow_run["infrastructure_pid"]).rsplit(":", 1)[-1])
    child = _fork_child(log, run_id)
    assert _alive(client) and _alive(child)
    return client, child


def _ended(api: str, run_id: str, log: Path, seconds: float = 120) -> str:
    """The flow run's state type once it is neither running nor being cancelled."""
    return _wait_for(  # type: ignore[no-any-return]
        lambda: (s := _flow_run(api, run_id)["state_type"]) not in {"RUNNING", "CANCELLING"} and s,
        "the run was left running",
        log,
        seconds,
    )


def _socket_dir(log: Path) -> Path:
    found = re.search(r"fork server ready: (\S+)/fork.sock", log.read_text())
    assert found, log.read_text()[-3000:]
    return Path(found[1])


def _daily_runs(db: Path) -> list[tuple[str, str | None]]:
    """The daily runs recorded in ``db``, oldest first: (outcome, flow run id)."""
    engine = make_engine(f"sqlite:///{db}")
    with session_scope(engine) as session:
        rows = [
            (r.outcome, r.flow_run_id)
            for r in session.exec(select(DailyRun).order_by(col(DailyRun.id)))
        ]
    engine.dispose()
    return rows


def _expire_leases(db: Path) -> None:
    """The letters a stopped deliverer held wait out their lease (docs/delivery.md): moved to now."""
    engine = make_engine(f"sqlite:///{db}")
    expire_leases(engine)
    engine.dispose()


def _children(pid: int) -> dict[int, str]:
    """The live processes whose parent is ``pid``: their command lines."""
    found = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(") ", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                cmdline = (stat_file.parent / "cmdline").read_bytes()
                found[int(stat_file.parent.name)] = cmdline.replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
    return found


@pytest.mark.prefect
@pytest.mark.slow
def test_a_deployed_run_through_the_fork_server_writes_what_the_plain_tick_writes_and_a_sigterm_to_its_client_ends_it(
    warm_server: str, tmp_path: Path
) -> None:
    db, copy = _region(tmp_path, schools=3)
    held = tmp_path / "held.db"  # the database of the run held in delivery
    shutil.copy(db, held)

    api, prefect = _deployed(warm_server, tmp_path)
    worker = None
    smtp = _SilentSmtp()
    log = tmp_path / "worker.log"
    machine = tmp_path / "worker"
    try:
        worker = _start_worker(prefect, db, machine, log)
        run = _trigger(api)
        assert _completed(run), (run.state, log.read_text()[-3000:])
        text = log.read_text()
        # the run was a child of the fork server, not a cold interpreter
        assert f"fork server: flow run {run.id} in child" in text, text[-3000:]
        assert "сервер запуска недоступен" not in text

        held_id = _hold_run(api, smtp, held, log)
        client, child = _held_processes(api, log, held_id)
        # the client runs this Python with -I -S and the client file, nothing else
        assert Path(f"/proc/{client}/cmdline").read_bytes().split(b"\0")[1:4] == [
            b"-I",
            b"-S",
            str(CLIENT).encode(),
        ]

        os.kill(client, signal.SIGTERM)
        _wait_for(lambda: not _alive(child), "the child outlived its client's SIGTERM", log, 60)
        state = _ended(api, held_id, log)
        assert state in {"CRASHED", "FAILED", "CANCELLED"}, state
        _wait_for(lambda: not _alive(client), "the client did not end", log, 60)
    finally:
        if worker is not None:
            # Prefect's worker and the fork server stop together; slow under load (the socket's
            # folder is removed only after both ended)
            _stop(worker, timeout=120)
        smtp.close()
    # `nastavnik worker` stopped its fork server (and removed the socket's folder)
    assert not _socket_dir(log).exists()

    _assert_like_the_plain_tick(tmp_path, db=db, copy=copy, mail_dirs=[machine / "mail"])


def test_without_a_fork_server_the_client_starts_the_engine_itself(tmp_path: Path) -> None:
    """The fallback: a socket that nobody listens on; the client says so and execs
    `python -m prefect.engine` (which refuses the flow run id the same as it would cold)."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(CLIENT)],
        env={
            **_clean_env(),
            "NASTAVNIK_FORK_SOCKET": str(tmp_path / "nobody.sock"),
            "PREFECT__FLOW_RUN_ID": "not-a-uuid",
            "PREFECT_HOME": str(tmp_path / "prefect"),
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    assert "сервер запуска недоступен" in done.stderr and "nobody.sock" in done.stderr
    assert "Invalid flow run id" in done.stderr, done.stderr[-3000:]
