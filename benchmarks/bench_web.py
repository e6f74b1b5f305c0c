"""Portal benchmark: mark-done requests per second and p99 latency under concurrent load on loopback.

    python benchmarks/bench_web.py                                  # PostgreSQL, fresh schema
    python benchmarks/bench_web.py --url sqlite:///tmp/bench.db     # SQLite instead
    python benchmarks/bench_web.py --workers 2 --concurrency 32 --rounds 3 --schools 200

The portal runs in uvicorn subprocess(es) on 127.0.0.1 over a fresh schema (PostgreSQL) or file
(SQLite): the demo municipality's roadmap (beloyarsky-2022) launched for N synthetic schools, one
school admin per school with a live session. Each round the load generator (asyncio + httpx, in
this process) marks every open school step done through POST /instances/{id}/done — the real
form with its CSRF token, evidence number and date, authorised per school, journaled — then
reopens them through the engine (not timed). Goal: ≥ 500 req/s, p99 ≤ 50 ms. Figures are medians
over the rounds.
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


def _engine(url: str, schema: str | None):  # type: ignore[no-untyped-def]
    from storage.db import make_engine

    if schema:
        return make_engine(
            url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=20, max_overflow=20
        )
    return make_engine(url)


def make_app():  # type: ignore[no-untyped-def]
    """The uvicorn factory used by the server processes (reads BENCH_* variables)."""
    from nastavnik.settings import Settings
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
    from engine.launch import launch_roadmap
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


async def _round(
    base: str, jobs: list[tuple[int, str, str]], concurrency: int, versions: dict[int, int]
) -> tuple[float, list[float], int]:
    import httpx

    queue: asyncio.Queue[tuple[int, str, str]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal failures
            while not queue.empty():
                instance_id, session_token, csrf = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post(
                    f"/instances/{instance_id}/done",
                    data={
                        "csrf_token": csrf,
                        "version": str(versions[instance_id]),
                        "number": "45-од",
                        "doc_date": "2022-12-29",
                    },
                    cookies={"nastavnik_session": session_token},
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 303:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, failures


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import tempfile

    from storage.db import make_engine

    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    schema = None
    if args.url.startswith("postgres"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with make_engine(args.url).begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
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
            PYTHONPATH=str(ROOT),
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
            import httpx

            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/signin", timeout=1)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            base = f"http://127.0.0.1:{port}"
            # a warm-up round (connection pools, caches), then the timed ones
            asyncio.run(
                _round(
                    base, jobs[: min(200, len(jobs))], args.concurrency, _versions(args.url, schema)
                )
            )
            _reopen(args.url, schema)
            rates, p50s, p99s = [], [], []
            for number in range(1, args.rounds + 1):
                elapsed, latencies, failures = asyncio.run(
                    _round(base, jobs, args.concurrency, _versions(args.url, schema))
                )
                _reopen(args.url, schema)
                rate = len(latencies) / elapsed
                rates.append(rate)
                p50s.append(_p(latencies, 0.50) * 1000)
                p99s.append(_p(latencies, 0.99) * 1000)
                print(
                    f"round {number}: {len(latencies)} mark-done requests in {elapsed:.2f} s = {rate:.0f} req/s, "
                    f"p50 {p50s[-1]:.1f} ms, p99 {p99s[-1]:.1f} ms, failures {failures}"
                )
        finally:
            server.terminate()
            server.wait(timeout=20)
    finally:
        if schema:
            with make_engine(args.url).begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    rate, p50, p99 = statistics.median(rates), statistics.median(p50s), statistics.median(p99s)
    database = "PostgreSQL" if schema else "SQLite"
    print(
        f"median over {args.rounds} rounds ({database}, {args.workers} worker(s), concurrency {args.concurrency}, "
        f"{os.cpu_count()} CPU): {rate:.0f} req/s (goal ≥ {GOAL_RPS:.0f}), p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms (goal ≤ {GOAL_P99_MS:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
