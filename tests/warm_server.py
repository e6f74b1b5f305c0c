"""One Prefect server with `nastavnik deploy`'s daily run, shared by the warm path's tests
(test_warm.py, test_warm_cancel.py, test_warm_orphans.py, through the ``warm_server`` fixture of
tests/conftest.py): a server of their own and a deploy cost each test ≈ 8 s of CPU (the server's
start ≈ 5.5 s, `nastavnik deploy` ≈ 2.2 s) and ≈ 9 s of its time, and neither is what they check.
Under xdist the three files run on one worker (WARM_GROUP in tests/conftest.py), one test after
another.

What keeps the tests apart on one server: each starts its own `nastavnik worker` (its database,
mail and documents folders in its environment) and stops it before it ends; a run meant for
another database names it in its job variables (test_warm's ``_hold_run``); the server's scheduler
is off (the cron's run at 09:00 in the municipality would go to whichever test's worker is up);
and each test first deletes the runs of the deployment an earlier one left waiting or running
(``clear_runs``), which its worker would otherwise take on its own database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from storage.db import make_engine, upgrade_database
from tests.factories import launched
from tests.test_deployed import (
    BIN,
    _prefect_env,
    _run,
    _start_server,
    _stop,
    _wait_for_api,
)
from tests.test_served import free_port

DEPLOYMENT = "daily-tick"
# Every state in which a flow run may still be taken or go on; one left in it by an earlier test
# is deleted.
UNFINISHED = ("SCHEDULED", "PENDING", "RUNNING", "CANCELLING", "PAUSED")


@contextmanager
def deployed_server(folder: Path) -> Iterator[str]:
    """`prefect server start` (SQLite, its database migrated already: seeded_prefect_home) in
    ``folder`` and `nastavnik deploy --pool nastavnik` on it; its API URL. Stopped on leaving."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    prefect = _prefect_env(folder, api)
    server = _start_server(prefect, port, folder, PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false")
    try:
        _wait_for_api(api, folder / "server.log", seconds=180, server=server)
        # `deploy` reads the municipality's time zone (its schedule's) from a database
        db = folder / "deploy.db"
        engine = make_engine(f"sqlite:///{db}")
        upgrade_database(engine)
        launched(engine, folder, schools=1)
        engine.dispose()
        admin = {**prefect, "NASTAVNIK_DB": f"sqlite:///{db}"}
        out = _run([str(BIN / "nastavnik"), "deploy", "--pool", "nastavnik"], admin, folder)
        assert "nastavnik worker --pool nastavnik" in out, out
        yield api
    finally:
        _stop(server)


class SharedServer:
    """The one server of a test process: started by the first test that asks for it, stopped by
    ``stop`` once the last of them has run (tests/conftest.py: an idle server still costs ≈ 0.015
    s of CPU a second, minutes of them to the end of a session) or at the session's end; a test
    that asks after that starts it again."""

    def __init__(self) -> None:
        self._running: tuple[ExitStack, str] | None = None

    def api(self, folder: Callable[[], Path]) -> str:
        """Its API URL, starting it in ``folder()`` if it is not running."""
        if self._running is None:
            stack = ExitStack()
            api = stack.enter_context(deployed_server(folder()))
            self._running = (stack, api)
        return self._running[1]

    def stop(self) -> None:
        if self._running is not None:
            stack, _api = self._running
            self._running = None
            stack.close()


SHARED = SharedServer()


def clear_runs(api: str) -> list[str]:
    """Delete the deployment's flow runs that are not finished (left by an earlier test that
    failed half-way); their ids."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.settings import PREFECT_API_URL, temporary_settings

    unfinished = FlowRunFilter(
        state=FlowRunFilterState(
            type=FlowRunFilterStateType(any_=[StateType(name) for name in UNFINISHED])
        )
    )
    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        left = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[DEPLOYMENT])),
            flow_run_filter=unfinished,
        )
        for run in left:
            client.delete_flow_run(run.id)
    return [str(run.id) for run in left]
