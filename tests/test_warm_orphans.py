"""`nastavnik worker` killed outright (SIGKILL, run by hand, not under systemd): Prefect's worker,
the fork server and the fork server's child running a flow end with it, the socket's folder is
removed, the held run is recorded as interrupted, and a new `nastavnik worker` starts and its run
delivers what the killed one left.

Real components only: a Prefect server (one for the warm path's tests: tests/warm_server.py),
`nastavnik worker` as a subprocess, a deployment run held in delivery by an SMTP server that never
answers, the plain tick on a copy.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.test_deployed import (
    _assert_like_the_plain_tick,
    _completed,
    _region,
    _stop,
    _trigger,
)
from tests.test_warm import (
    _alive,
    _children,
    _daily_runs,
    _deployed,
    _ended,
    _expire_leases,
    _fork_child,
    _hold_run,
    _SilentSmtp,
    _socket_dir,
    _start_worker,
    _wait_for,
)


@pytest.mark.prefect
@pytest.mark.slow
def test_a_killed_nastavnik_worker_takes_prefects_worker_the_fork_server_and_its_run_with_it(
    warm_server: str, tmp_path: Path
) -> None:
    db, copy = _region(tmp_path, schools=3)
    api, prefect = _deployed(warm_server, tmp_path)
    smtp = _SilentSmtp()
    machine = tmp_path / "worker"
    log, log2 = tmp_path / "worker.log", tmp_path / "worker2.log"
    first: subprocess.Popen[bytes] | None = None
    second: subprocess.Popen[bytes] | None = None
    left: dict[int, str] = {}  # what the killed worker started: killed at the end whatever happens
    try:
        try:
            first = _start_worker(prefect, db, machine, log)
            held_id = _hold_run(api, smtp, db, log)
            child = _fork_child(log, held_id)
            left = _children(first.pid)
            prefect_worker = [p for p, cmd in left.items() if " worker start " in cmd]
            fork_server = [p for p, cmd in left.items() if " flows.warm " in cmd]
            assert len(prefect_worker) == len(fork_server) == 1, left
            left[child] = "the run's fork"
            folder = _socket_dir(log)
            assert folder.exists()

            first.kill()  # SIGKILL: no handler of its own runs
            first.wait(timeout=30)
            for pid, what in [
                (prefect_worker[0], "Prefect's worker"),
                (fork_server[0], "the fork server"),
                (child, "the fork server's child running the flow"),
            ]:
                _wait_for(lambda p=pid: not _alive(p), f"{what} outlived its parent", log, 120)
            assert not folder.exists(), list(folder.iterdir())
            # Prefect does not show the run working: it ended (not Running for good)
            state = _ended(api, held_id, log)
            assert state in {"CRASHED", "FAILED", "CANCELLED"}, state
            # it ended as a stopped run does, and wrote so
            assert _daily_runs(db)[-1] == ("interrupted", held_id)
        finally:
            if first is not None and first.poll() is None:
                _stop(first)
            for pid in left:
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)

        # a new worker starts (the old socket's path is free) and delivers what was left
        second = _start_worker(prefect, db, machine, log2)
        _expire_leases(db)
        run = _trigger(api)
        assert _completed(run), (run.state, log2.read_text()[-3000:])
        assert f"fork server: flow run {run.id} in child" in log2.read_text()
        assert _daily_runs(db)[-1] == ("completed", str(run.id))
    finally:
        smtp.close()
        if second is not None:
            _stop(second, timeout=120)

    _assert_like_the_plain_tick(tmp_path, db=db, copy=copy, mail_dirs=[machine / "mail"])
