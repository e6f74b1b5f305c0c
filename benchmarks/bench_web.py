"""Portal benchmark: mark-done requests per second and p99 latency under concurrent load on loopback,
and beside it the coordinator's matrix at 300 and 2,000 schools (server time and page size).

    python benchmarks/bench_web.py                                  # PostgreSQL, fresh schema
    python benchmarks/bench_web.py --url sqlite:///tmp/bench.db     # SQLite instead
    python benchmarks/bench_web.py --workers 2 --concurrency 16 --rounds 3 --schools 200

The portal runs in uvicorn with --workers N on 127.0.0.1 over a fresh schema (PostgreSQL) or file
(SQLite): the demo municipality's roadmap (beloyarsky-2022) launched for N synthetic schools, one
school admin per school with a live session. Each round the load generator marks every open school
step done through POST /instances/{id}/done — the real form as Chromium posts it (multipart, with
its CSRF token, evidence number and date and the scan's empty file input), authorised per school,
journaled, answered by a 303 — then the steps are reopened directly in
the database (not timed). Goal: ≥ 500 req/s, p99 ≤ 50 ms on PostgreSQL, 2 cores.

The matrix (issue #17; goal ≤ 150 ms and ≤ 300 KB at 300 schools, ≤ 600 ms at 2,000): a region of
N schools in 8 territories (tests/web_helpers.py build_region, SQLite) acted on up to 15 September;
GET /matrix plain, sorted by lateness, grouped by territory and searched, through the app in
process (started with its lifespan, so the start-up evaluation runs; its time is printed). Per
variant, medians of wall and CPU time of: the first load with nothing kept (the whole run
evaluated: a new day, a municipal step's change, a process without the start-up evaluation),
the load after a school's mark (engine.actions.mark_done, as the portal's form calls it; only
that school is evaluated again), the load with nothing changed; and the page's size.
``--matrix-only`` skips the mark-done load.

The load generator is a few lines of asyncio over keep-alive sockets with the requests encoded in
advance, so that the client takes as little of the two cores as it can (an httpx client spent
more CPU per request than the portal). Besides req/s and latency the benchmark prints the CPU
time per request of the portal's processes, of PostgreSQL's and of the client (from /proc): their
sum bounds what two cores can do, whatever the concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_RPS = 500.0
GOAL_P99_MS = 50.0
SECRET = "bench-secret"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _engine(url: str, schema: str | None):  # type: ignore[no-untyped-def]
    from storage.db import make_engine

    if schema:
        return make_engine(
            url,
            connect_args={"options": f"-csearch_path={schema}", "application_name": schema},
            pool_size=20,
            max_overflow=20,
        )
    return make_engine(url)


def make_app():  # type: ignore[no-untyped-def]
    """The uvicorn factory used by the server processes (reads BENCH_* variables)."""
    from common.settings import Settings
    from web.app import create_app

    url, schema = os.environ["BENCH_URL"], os.environ.get("BENCH_SCHEMA") or None
    now = datetime.fromisoformat(os.environ["BENCH_NOW"])
    settings = Settings(
        db=url,
        secret_key=SECRET,
        documents_dir=Path(os.environ["BENCH_DIR"]) / "files",
        mail_dir=Path(os.environ["BENCH_DIR"]) / "mail",
    )
    return create_app(engine=_engine(url, schema), settings=settings, clock=lambda: now)


def _prepare(
    url: str, schema: str | None, schools: int, workdir: Path
) -> tuple[list[tuple[int, str, str]], datetime]:
    """Build the region; returns (instance id, session token, csrf token) per open school step."""
    from sqlmodel import col, select

    from definitions.loader import find_roadmap
    from engine.roadmap_launch import launch_roadmap
    from nastavnik import demo_data
    from nastavnik.demo import at_nine
    from storage.db import session_scope, upgrade_database
    from storage.models import StepInstance, User
    from storage.schools import import_schools, init_municipality
    from web.auth import csrf_token, start_session

    engine = _engine(url, schema)
    upgrade_database(engine)
    tz = demo_data.MUNICIPALITY["timezone"]
    launch = at_nine(date(2022, 3, 1), tz)
    now = at_nine(date(2022, 12, 30), tz)
    csv = workdir / "schools.csv"
    lines = ["id,name,short_name,director,admin_email"]
    lines += [
        f"s{i:05d},Школа {i},СОШ {i},Иванов Иван Иванович,s{i:05d}@bench.example.ru"
        for i in range(schools)
    ]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with session_scope(engine) as session:
        init_municipality(
            session=session,
            now=launch,
            name="Белоярский район",
            timezone=tz,
            coordinator="c@bench.example.ru",
            head="h@bench.example.ru",
        )
        import_schools(session=session, path=csv, now=launch)
        launch_roadmap(
            session=session, loaded=find_roadmap(demo_data.ROADMAP_ID), now=launch, by="bench"
        )
    tokens: dict[str, str] = {}
    with session_scope(engine) as session:
        for i in range(schools):
            school = f"s{i:05d}"
            user = User(
                email=f"{school}@bench.example.ru",
                role="school_admin",
                school_id=school,
                created_at=launch,
            )
            session.add(user)
            session.flush()
            tokens[school] = start_session(
                session=session, user=user, now=now, remote_addr="127.0.0.1"
            )
        rows: list[tuple[int, str]] = list(
            session.exec(  # type: ignore[arg-type]
                select(StepInstance.id, StepInstance.school_id)  # type: ignore[call-overload,arg-type]
                .where(StepInstance.scope == "school")
                .order_by(col(StepInstance.id))
            )
        )
    engine.dispose()
    return [
        (iid, tokens[sid], csrf_token(secret=SECRET, session_token=tokens[sid]))
        for iid, sid in rows
    ], now


def _versions(url: str, schema: str | None) -> dict[int, int]:
    from sqlmodel import Session, select

    from storage.models import StepInstance

    engine = _engine(url, schema)
    with Session(engine) as session:
        found: dict[int, int] = dict(
            session.exec(select(StepInstance.id, StepInstance.version)).all()  # type: ignore[call-overload,arg-type]
        )
    engine.dispose()
    return found


def _reopen(url: str, schema: str | None) -> None:
    from sqlalchemy import update

    from storage.db import session_scope
    from storage.models import StepInstance

    engine = _engine(url, schema)
    with session_scope(engine) as session:
        session.execute(
            update(StepInstance).values(state="open", done_at=None, done_by=None, evidence=None)
        )
    engine.dispose()


BOUNDARY = "----WebKitFormBoundaryBench7MA4YWxkTrZu0gW"


def _multipart(fields: dict[str, str]) -> bytes:
    """The body Chromium posts for the «done» form (enctype multipart/form-data): the text
    fields, then the scan's file input left empty."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="scan"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    parts.append(f"--{BOUNDARY}--\r\n")
    return "".join(parts).encode()


def _requests(jobs: list[tuple[int, str, str]], versions: dict[int, int]) -> list[bytes]:
    """The round's requests as bytes: the same form a browser posts."""
    encoded = []
    for instance_id, session_token, csrf in jobs:
        body = _multipart(
            {
                "csrf_token": csrf,
                "version": str(versions[instance_id]),
                "number": "45-од",
                "doc_date": "2022-12-29",
            }
        )
        head = (
            f"POST /instances/{instance_id}/done HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Cookie: nastavnik_session={session_token}\r\n\r\n"
        )
        encoded.append(head.encode() + body)
    return encoded


async def _round(
    port: int, requests: list[bytes], concurrency: int
) -> tuple[float, list[float], int]:
    """Send every request once over ``concurrency`` keep-alive connections; (elapsed, latencies, failures)."""
    pending = list(reversed(requests))
    latencies: list[float] = []
    failures = 0

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while pending:
                request = pending.pop()
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                if not head.startswith(b"HTTP/1.1 303"):
                    failures += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, failures


def _cpu_of(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each of these processes (those gone are left out)."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return found


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings; a process born in between counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _children(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _postgres_pids(url: str, schema: str | None) -> list[int]:
    """The PostgreSQL backends serving this benchmark (tagged with the schema as application_name),
    so that other users of the same server are not counted."""
    if schema is None:
        return []
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (schema,)
        ).fetchall()
    return [pid for (pid,) in rows]


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


MATRIX_GOALS = {300: (150.0, 300 * 1024), 2000: (600.0, 300 * 1024)}
MATRIX_PAGES = (
    ("matrix", "/matrix"),
    ("by lateness", "/matrix?sort=late"),
    ("by territory", "/matrix?group=1"),
    ("search «№ 1»", "/matrix?q=%E2%84%96+1"),
)


def _timed(client, path: str) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """(wall ms, CPU ms, bytes) of one GET. The app runs in the client's thread, so the process's
    CPU time is the request's (nothing else runs in this process meanwhile)."""
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    spent = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    assert response.status_code == 200, response.status_code
    return spent[0], spent[1], len(response.content)


def _mark_one(portal, number: int) -> None:  # type: ignore[no-untyped-def]
    """A school admin's mark, as the portal's «done» form makes it (engine.actions.mark_done):
    the first open step of the ``number``-th school with one."""
    from sqlmodel import col, select

    from engine.actions import Actor, mark_done
    from storage.db import session_scope
    from storage.models import RoadmapRun, StepInstance

    with session_scope(portal.engine) as session:
        run = session.exec(select(RoadmapRun)).one()
        found = session.exec(
            select(StepInstance.school_id, StepInstance.step_code)  # type: ignore[call-overload]
            .where(StepInstance.state == "open", col(StepInstance.school_id).is_not(None))
            .order_by(col(StepInstance.school_id), col(StepInstance.id))
            .offset(number * 7)
        ).first()
        assert found is not None, "no open school step left to mark"
        school, code = found
        mark_done(
            session=session,
            run=run,
            code=code,
            school=school,
            actor=Actor(email=f"{school}@region.example.ru", source="web"),
            now=portal.now,
            evidence="Приказ № 1-од",
        )


def _matrix_figures(schools: int, repeats: int = 5) -> None:
    """Print the matrix's server time (median wall and CPU) and size at ``schools``: with nothing
    kept (the whole run evaluated), after a school's mark, and with nothing changed."""
    import gc
    import tempfile

    from fastapi.testclient import TestClient

    from tests.web_helpers import COORDINATOR, PASSWORD, build_region, csrf_of
    from web.matrix_data import StatusCache

    workdir = Path(tempfile.mkdtemp(prefix="bench-matrix-"))
    started = time.perf_counter()
    portal = build_region(workdir, schools=schools)
    built = time.perf_counter() - started
    goal_ms, goal_bytes = MATRIX_GOALS.get(schools, (600.0, 300 * 1024))
    gc.collect()
    app = portal.app()
    wall, cpu = time.perf_counter(), time.process_time()
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        warm_up = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
        page = client.get("/signin")
        signed = client.post(
            "/signin",
            data={"email": COORDINATOR, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        )
        assert signed.status_code == 303
        print(
            f"matrix at {schools} schools (region built in {built:.1f} s, SQLite; goal "
            f"≤ {goal_ms:.0f} ms, ≤ {goal_bytes // 1024} KB); start-up evaluation "
            f"{warm_up[0]:.0f} ms (CPU {warm_up[1]:.0f} ms); medians of {repeats}, wall (CPU):"
        )
        marks = 0
        for label, path in MATRIX_PAGES:
            client.get(path)  # the page's template compiled once, as in a running portal
            figures: dict[str, list[tuple[float, float, int]]] = {
                "whole": [],
                "mark": [],
                "kept": [],
            }
            for _ in range(repeats):
                gc.collect()
                # nothing kept: a new day, the municipality's own step, or no start-up evaluation
                app.state.status_cache = StatusCache()
                figures["whole"].append(_timed(client, path))
                assert app.state.status_cache.last == "full"
                _mark_one(portal, marks)
                marks += 1
                figures["mark"].append(_timed(client, path))
                assert app.state.status_cache.last == "units"
                figures["kept"].append(_timed(client, path))
                assert app.state.status_cache.last == "cached"

            def median(kind: str, at: int) -> float:
                return statistics.median(f[at] for f in figures[kind])  # noqa: B023

            size = figures["kept"][-1][2]
            print(
                f"  {label:14} first load {median('whole', 0):5.0f} ms "
                f"(CPU {median('whole', 1):4.0f} = {median('whole', 1) / goal_ms:.2f} × goal); "
                f"after a mark {median('mark', 0):5.0f} ms (CPU {median('mark', 1):4.0f} = "
                f"{median('mark', 1) / goal_ms:.2f} ×); unchanged {median('kept', 0):4.0f} ms "
                f"(CPU {median('kept', 1):4.0f}); {size / 1024:4.0f} KB = "
                f"{size / goal_bytes:.2f} × goal"
            )
    portal.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "NASTAVNIK_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--matrix-schools", type=int, nargs="*", default=[300, 2000], help="matrix sizes"
    )
    parser.add_argument("--matrix-only", action="store_true", help="skip the mark-done load")
    args = parser.parse_args()
    for count in args.matrix_schools:
        _matrix_figures(count)
    if args.matrix_only:
        return 0

    import tempfile

    from storage.db import make_engine

    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    schema = None
    if args.url.startswith("postgres"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with make_engine(args.url).begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    rates, p50s, p99s, cpu = [], [], [], {"portal": [], "postgres": [], "client": []}
    try:
        jobs, now = _prepare(args.url, schema, args.schools, workdir)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = dict(
            os.environ,
            BENCH_URL=args.url,
            BENCH_SCHEMA=schema or "",
            BENCH_NOW=now.isoformat(),
            BENCH_DIR=str(workdir),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "benchmarks.bench_web:make_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            _wait_for(port)
            time.sleep(1.0)  # every worker has imported the app
            # a warm-up round (connection pools, prepared statements), then the timed ones
            warm = jobs[: min(300, len(jobs))]
            asyncio.run(
                _round(port, _requests(warm, _versions(args.url, schema)), args.concurrency)
            )
            _reopen(args.url, schema)
            portal_pids = _children(server.pid)
            for number in range(1, args.rounds + 1):
                requests = _requests(jobs, _versions(args.url, schema))
                before = (
                    _cpu_of(portal_pids),
                    _cpu_of(_postgres_pids(args.url, schema)),
                    time.process_time(),
                )
                elapsed, latencies, failures = asyncio.run(_round(port, requests, args.concurrency))
                spent = {
                    "portal": _spent(before[0], _cpu_of(portal_pids)),
                    "postgres": _spent(before[1], _cpu_of(_postgres_pids(args.url, schema))),
                    "client": time.process_time() - before[2],
                }
                _reopen(args.url, schema)
                count = len(latencies)
                for key, seconds in spent.items():
                    cpu[key].append(seconds / count * 1000)
                rates.append(count / elapsed)
                p50s.append(_p(latencies, 0.50) * 1000)
                p99s.append(_p(latencies, 0.99) * 1000)
                print(
                    f"round {number}: {count} mark-done requests in {elapsed:.2f} s = "
                    f"{rates[-1]:.0f} req/s, p50 {p50s[-1]:.1f} ms, p99 {p99s[-1]:.1f} ms, "
                    f"failures {failures}; CPU per request: portal {cpu['portal'][-1]:.2f} ms, "
                    f"PostgreSQL {cpu['postgres'][-1]:.2f} ms, client {cpu['client'][-1]:.2f} ms"
                )
        finally:
            server.terminate()
            server.wait(timeout=20)
    finally:
        if schema:
            with make_engine(args.url).begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    rate, p50, p99 = statistics.median(rates), statistics.median(p50s), statistics.median(p99s)
    per_request = {key: statistics.median(values) for key, values in cpu.items()}
    total_cpu = sum(per_request.values())
    cores = os.cpu_count() or 1
    database = "PostgreSQL" if schema else "SQLite"
    print(
        f"median over {args.rounds} rounds ({database}, {args.workers} worker(s), concurrency "
        f"{args.concurrency}, {cores} CPU): {rate:.0f} req/s = {rate / GOAL_RPS:.2f} × goal "
        f"(≥ {GOAL_RPS:.0f}); p50 {p50:.1f} ms; p99 {p99:.1f} ms = {p99 / GOAL_P99_MS:.2f} × goal "
        f"(≤ {GOAL_P99_MS:.0f} ms)"
    )
    print(
        f"CPU per request: portal {per_request['portal']:.2f} ms + PostgreSQL "
        f"{per_request['postgres']:.2f} ms + client {per_request['client']:.2f} ms = "
        f"{total_cpu:.2f} ms → at most {cores / total_cpu * 1000:.0f} req/s on {cores} cores "
        "if nothing else ran"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
