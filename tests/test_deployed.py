"""README's scale-out sequence, run as written: a Prefect server on PostgreSQL (`prefect server
database upgrade -y`, `prefect server start`), `nastavnik deploy`, a real `prefect worker start`
process in another folder with its own environment, the deployment run through Prefect's CLI; its
outbox and letters equal what the plain `nastavnik tick` writes on a copy of the database."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import make_url
from sqlmodel import select

from storage.db import make_engine, session_scope, upgrade_database
from storage.models import OutboxItem
from tests.conftest import PG_SKIP_REASON, PG_URL
from tests.factories import launched, moment
from tests.test_served import (
    QUIET_SERVER,
    SEEDED_SERVER,
    free_port,
    plain_tick_letters,
    seeded_prefect_home,
)

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

BIN = Path(sys.executable).parent
DAY = date(2022, 6, 1)


@pytest.fixture
def prefect_pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for Prefect's server (asyncpg URL), dropped afterwards."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    import psycopg

    name = f"prefect_{uuid.uuid4().hex[:10]}"
    admin = make_url(PG_URL).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield admin.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 300) -> str:
    done = subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _start(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start a long-running command in its own session, its output in ``log``.

    SIGINT is caught here while it starts: one this process inherited as ignored (a test run
    started in the background, a job runner) would stay ignored in the child across exec, and
    Prefect's worker turns the SIGTERM `_stop` sends into a SIGINT to itself."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with open(log, "wb") as out:
            return subprocess.Popen(
                args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop(process: subprocess.Popen[bytes], *, timeout: float = 30) -> None:
    """SIGTERM (what systemd sends; each command here stops cleanly on it), then its whole
    session killed if it takes longer than ``timeout``."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _outbox(db: Path) -> list[tuple[object, ...]]:
    engine = make_engine(f"sqlite:///{db}")
    with session_scope(engine) as session:
        rows = sorted(
            (item.key, item.level, item.recipient, item.status, item.days_late)
            for item in session.exec(select(OutboxItem))
        )
    engine.dispose()
    return rows


def _region(tmp_path: Path, *, schools: int) -> tuple[Path, Path]:
    """A launched SQLite municipality for the deployed run, and a copy for the plain tick."""
    db, copy = tmp_path / "nastavnik.db", tmp_path / "copy.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade_database(engine)
    launched(engine, tmp_path, schools=schools)
    engine.dispose()
    shutil.copy(db, copy)
    return db, copy


def _clean_env() -> dict[str, str]:
    """This process's environment without Prefect's and nastavnik's settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NASTAVNIK_"))}


def _prefect_env(tmp_path: Path, api: str) -> dict[str, str]:
    """What every Prefect client of a test needs: the server's API, a home of its own."""
    return {
        **_clean_env(),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,  # every client: the CLI, `nastavnik deploy`, the worker
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


def _start_server(
    prefect: dict[str, str], port: int, tmp_path: Path, **extra: str
) -> subprocess.Popen[bytes]:
    """`prefect server start` on ``port`` (its log: tmp_path/server.log); ``extra``: its env.
    On SQLite its database starts migrated (seeded_prefect_home)."""
    seeded = {}
    if "PREFECT_API_DATABASE_CONNECTION_URL" not in extra:
        seeded_prefect_home(Path(prefect["PREFECT_HOME"]))
        seeded = SEEDED_SERVER
    return _start(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        {
            **prefect,
            "PREFECT_UI_API_URL": prefect["PREFECT_API_URL"],
            **QUIET_SERVER,
            **seeded,
            **extra,
        },
        tmp_path,
        tmp_path / "server.log",
    )


def _worker_env(prefect: dict[str, str], db: Path, machine: Path) -> dict[str, str]:
    """A worker machine's environment: the database, its own mail and documents folders."""
    return {
        **prefect,
        "NASTAVNIK_DB": f"sqlite:///{db}",
        "NASTAVNIK_MAIL_DIR": str(machine / "mail"),
        "NASTAVNIK_DOCUMENTS_DIR": str(machine / "files"),
        "NASTAVNIK_BASE_URL": "https://nastavnik.example.ru",
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # the test's only speed-up: poll every second
    }


def _wait_for_api(
    api: str, log: Path, *, seconds: float, server: subprocess.Popen[bytes] | None = None
) -> None:
    """Until the Prefect server answers its health check (its log when it does not)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=2):
                return
        except OSError:
            assert server is None or server.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(1)


def _run_deployment(prefect: dict[str, str], cwd: Path) -> str:
    """`prefect deployment run daily-tick/daily-tick` as on DAY, ``--watch``ed to its end: the
    README's command as written. Its output."""
    args = [
        *(str(BIN / "prefect"), "deployment", "run", "daily-tick/daily-tick"),
        *("--param", f"now={moment(DAY).isoformat()}", "--watch", "--watch-interval", "1"),
    ]
    return _run(args, prefect, cwd)


def _trigger(api: str, *, wait: bool = True, env: dict[str, str] | None = None) -> FlowRun:
    """A run of daily-tick/daily-tick as on DAY, created through Prefect's client in this process
    (what `prefect deployment run` does, without a process that imports all of Prefect for each
    run: ≈ 2.5 s of CPU), followed to its end unless not ``wait``; ``env``: the run's job
    variable env. The flow run as Prefect has it then."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}):
        return run_deployment(
            "daily-tick/daily-tick",
            parameters={"now": moment(DAY).isoformat()},
            job_variables={"env": env} if env else None,
            timeout=300 if wait else 0,  # as long as the CLI's --watch had
            poll_interval=1,
        )


def _completed(run: FlowRun) -> bool:
    return run.state is not None and run.state.is_completed()


def _plain_tick(copy: Path, plain: Path, *, cli: bool) -> None:
    """The plain tick at DAY on ``copy``, its letters in plain/mail: `nastavnik tick --now` as a
    subprocess with ``cli``, else the function it runs in this process (plain_tick_letters)."""
    settings = {
        "NASTAVNIK_DB": f"sqlite:///{copy}",
        "NASTAVNIK_MAIL_DIR": str(plain / "mail"),
        "NASTAVNIK_BASE_URL": "https://nastavnik.example.ru",
    }
    if cli:
        _run(
            [str(BIN / "nastavnik"), "tick", "--now", DAY.isoformat()],
            {**_clean_env(), **settings},
            plain,
        )
        return
    # the subprocess ran in ``plain``: its default documents folder (files) was there
    settings["NASTAVNIK_DOCUMENTS_DIR"] = str(plain / "files")
    plain_tick_letters(copy, [moment(DAY)], plain / "mail", settings=settings)


def _assert_like_the_plain_tick(
    tmp_path: Path, *, db: Path, copy: Path, mail_dirs: list[Path], cli: bool = False
) -> list[str]:
    """The plain tick on the copy (`nastavnik tick` with ``cli``, else its function in this
    process: _plain_tick) wrote the same outbox and letters as the deployed run (whose letters are
    in ``mail_dirs``); the letters' names."""
    plain = tmp_path / "plain"
    plain.mkdir()
    _plain_tick(copy, plain, cli=cli)
    assert _outbox(db) == _outbox(copy) and _outbox(db)
    letters = sorted(p.name for folder in mail_dirs for p in folder.glob("*.eml"))
    assert letters and letters == sorted(p.name for p in (plain / "mail").glob("*.eml"))
    return letters


@pytest.mark.prefect
@pytest.mark.pg
@pytest.mark.slow
def test_readme_scale_out_sequence_runs_the_tick_on_a_process_worker_like_the_plain_tick(
    prefect_pg_url: str, tmp_path: Path
) -> None:
    db, copy = _region(tmp_path, schools=3)

    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    prefect = _prefect_env(tmp_path, api)
    on_pg = {"PREFECT_API_DATABASE_CONNECTION_URL": prefect_pg_url}
    _run(
        [str(BIN / "prefect"), "server", "database", "upgrade", "-y"],
        {**prefect, **on_pg},
        tmp_path,
    )
    server = _start_server(prefect, port, tmp_path, **on_pg)
    worker = None
    try:
        _wait_for_api(api, tmp_path / "server.log", seconds=120)
        admin = {**prefect, "NASTAVNIK_DB": f"sqlite:///{db}"}
        out = _run([str(BIN / "nastavnik"), "deploy", "--pool", "nastavnik"], admin, tmp_path)
        assert "daily-tick/daily-tick" in out
        # a second deploy updates, it does not add a second schedule
        _run([str(BIN / "nastavnik"), "deploy", "--pool", "nastavnik"], admin, tmp_path)

        machine = tmp_path / "worker"  # another folder: the code comes from the installed package
        machine.mkdir()
        worker = _start(
            [str(BIN / "prefect"), "worker", "start", "--pool", "nastavnik"],
            _worker_env(prefect, db, machine),
            machine,
            tmp_path / "worker.log",
        )
        out = _run_deployment(prefect, tmp_path)
        assert "Completed" in out, out + (tmp_path / "worker.log").read_text()[-3000:]
        # the run imports the installed code: nothing of the worker's folder is copied into it
        assert "Downloading flow code" not in (tmp_path / "worker.log").read_text()
        schedules = _run(
            [str(BIN / "prefect"), "deployment", "inspect", "daily-tick/daily-tick"],
            prefect,
            tmp_path,
        )
        assert schedules.count("'cron': '0 9 * * *'") == 1, schedules
        assert (
            "Asia/Yekaterinburg" in schedules
            and "db_url" not in schedules.split("parameters")[1][:40]
        )
    finally:
        if worker is not None:
            _stop(worker)
        _stop(server)

    # the README's own command too
    _assert_like_the_plain_tick(tmp_path, db=db, copy=copy, mail_dirs=[machine / "mail"], cli=True)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["deploy"], {}, "не задан PREFECT_API_URL"),
        (
            ["deploy", "--cron", "9 утра"],
            {"PREFECT_API_URL": "http://127.0.0.1:9/api"},
            "--cron «9 утра»: это не расписание cron из пяти полей",
        ),
        (
            ["serve", "--cron", "* * *"],
            {},
            "--cron «* * *»: это не расписание cron из пяти полей",
        ),
    ],
    ids=["no-api-url", "deploy-bad-cron", "serve-bad-cron"],
)
def test_deploy_and_serve_refuse_in_russian_before_touching_prefect(
    args: list[str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    db = tmp_path / "nastavnik.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade_database(engine)
    launched(engine, tmp_path, schools=1)
    engine.dispose()
    base = _clean_env()
    done = subprocess.run(
        [str(BIN / "nastavnik"), *args],
        env={**base, **env, "NASTAVNIK_DB": f"sqlite:///{db}", "PREFECT_HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "prefect.db").exists()  # no throw-away server was started


def _task_workers_seen(api: str, keys: list[str]) -> set[str]:
    """The task workers the Prefect server sees subscribed to the daily run's tasks."""
    request = urllib.request.Request(
        f"{api}/task_workers/filter",
        data=json.dumps({"task_worker_filter": {"task_keys": keys}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return {worker["identifier"] for worker in json.loads(response.read())}


@pytest.mark.prefect
@pytest.mark.slow
def test_two_task_workers_share_one_daily_run_and_write_what_the_plain_tick_writes(
    tmp_path: Path,
) -> None:
    """`nastavnik deploy --task-workers`, a process worker and two `nastavnik task-worker`
    processes (each its own folder and mail folder): both run part of one daily run (batches of
    two schools, one deliverer each), and the outbox and the letters together equal the plain
    tick on a copy."""
    from flows.tick import TASK_WORKER_TASKS

    db, copy = _region(tmp_path, schools=6)

    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    prefect = {
        **_prefect_env(tmp_path, api),
        # the tasks' parameters and results: one folder every worker shares (NFS between machines)
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(tmp_path / "shared-results"),
    }
    server = _start_server(prefect, port, tmp_path)
    workers: list[subprocess.Popen[bytes]] = []
    machines = [tmp_path / "machine1", tmp_path / "machine2"]
    try:
        _wait_for_api(api, tmp_path / "server.log", seconds=180)
        admin = {**prefect, "NASTAVNIK_DB": f"sqlite:///{db}"}
        out = _run(
            [str(BIN / "nastavnik"), "deploy", "--task-workers", "--batch-size", "2"],
            admin,
            tmp_path,
        )
        assert "nastavnik task-worker" in out, out
        for number, machine in enumerate(machines, start=1):
            machine.mkdir()
            workers.append(
                _start(
                    [str(BIN / "nastavnik"), "task-worker", "--limit", "1"],
                    _worker_env(prefect, db, machine),
                    machine,
                    tmp_path / f"task-worker{number}.log",
                )
            )
        workers.append(
            _start(
                [str(BIN / "prefect"), "worker", "start", "--pool", "nastavnik"],
                _worker_env(prefect, db, machines[0]),
                machines[0],
                tmp_path / "worker.log",
            )
        )
        keys = [t.task_key for t in TASK_WORKER_TASKS]
        deadline = time.monotonic() + 180
        while len(_task_workers_seen(api, keys)) < 2:
            assert time.monotonic() < deadline, (tmp_path / "task-worker1.log").read_text()[-3000:]
            time.sleep(1)
        run = _trigger(api)
        logs = [(tmp_path / f"task-worker{n}.log").read_text() for n in (1, 2)]
        assert _completed(run), (run.state, (tmp_path / "worker.log").read_text()[-3000:], logs[0])
    finally:
        for process in workers:
            _stop(process)
        _stop(server)

    # both task workers ran part of the run: the run's process only handed the work out
    for log in logs:
        assert "Received task run" in log, log[-3000:]
    ran = "".join(logs)
    # prepare, 4 batches of two units (the municipality and 6 schools), compose, 2 deliverers
    assert ran.count("Received task run: ") == 1 + 4 + 1 + 2

    letters = _assert_like_the_plain_tick(
        tmp_path, db=db, copy=copy, mail_dirs=[machine / "mail" for machine in machines]
    )
    # the run's summary adds up what each deliverer sent (each its own result, none cached)
    assert f"письма: отправлено {len(letters)}," in (tmp_path / "worker.log").read_text()


def test_delivery_tasks_retry_at_the_letters_own_backoff() -> None:
    """flows/tick.py writes the delays out (its module loads without the letters' rendering)."""
    from flows.tick import DELIVERY_RETRY_DELAYS, deliver_share_task, deliver_task
    from notifications.retries import TASK_RETRY_DELAYS

    assert DELIVERY_RETRY_DELAYS == TASK_RETRY_DELAYS
    for task in (deliver_task, deliver_share_task):
        assert task.retries == len(TASK_RETRY_DELAYS)
        assert task.retry_delay_seconds == TASK_RETRY_DELAYS
