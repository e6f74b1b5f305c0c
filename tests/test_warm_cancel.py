"""Prefect's cancel (the UI's Cancel button: the flow run set to Cancelling through the API) of a
deployed run on `nastavnik worker`: Prefect's worker stops the run's process (flows/warm_client.py),
which passes it on to the fork server's child running the flow. The run ends Cancelled, the child
is gone, the daily run is recorded as interrupted, and the next run delivers the rest, nothing sent
twice.

Real components only: a Prefect server (one for the warm path's tests: tests/warm_server.py),
`nastavnik worker` as a subprocess, a deployment run held in delivery by an SMTP server that never
answers, Prefect's client, the plain tick on a copy.
"""

from __future__ import annotations

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
    _daily_runs,
    _deployed,
    _ended,
    _expire_leases,
    _held_processes,
    _hold_run,
    _SilentSmtp,
    _start_worker,
    _wait_for,
)


def _cancel(api: str, flow_run_id: str) -> str:
    """What the UI's Cancel button does: the flow run's state set to Cancelling; the answer."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.states import Cancelling

    with temporary_settings({PREFECT_API_URL: api}):
        with get_client(sync_client=True) as client:
            result = client.set_flow_run_state(flow_run_id, Cancelling())
    return str(result.status.value)


@pytest.mark.prefect
@pytest.mark.slow
def test_prefects_cancel_of_a_warm_run_reaches_its_fork_and_the_next_run_delivers_the_rest(
    warm_server: str, tmp_path: Path
) -> None:
    db, copy = _region(tmp_path, schools=3)
    api, prefect = _deployed(warm_server, tmp_path)
    smtp = _SilentSmtp()
    machine = tmp_path / "worker"
    log = tmp_path / "worker.log"
    worker: subprocess.Popen[bytes] | None = None
    try:
        worker = _start_worker(prefect, db, machine, log)
        held_id = _hold_run(api, smtp, db, log)
        client, child = _held_processes(api, log, held_id)

        assert _cancel(api, held_id) == "ACCEPT"
        state = _ended(api, held_id, log, 180)
        assert state == "CANCELLED", (state, log.read_text()[-3000:])
        _wait_for(lambda: not _alive(child), "the child outlived the cancel", log, 60)
        _wait_for(lambda: not _alive(client), "the run's process outlived it", log, 60)
        assert _daily_runs(db)[-1] == ("interrupted", held_id)

        _expire_leases(db)
        run = _trigger(api)
        assert _completed(run), (run.state, log.read_text()[-3000:])
        assert f"fork server: flow run {run.id} in child" in log.read_text()
        assert _daily_runs(db)[-1] == ("completed", str(run.id))
    finally:
        if worker is not None:
            _stop(worker, timeout=120)
        smtp.close()

    # nothing lost, nothing twice: the outbox and the letters of one undisturbed tick
    _assert_like_the_plain_tick(tmp_path, db=db, copy=copy, mail_dirs=[machine / "mail"])
