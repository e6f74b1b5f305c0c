"""A warm fork server for a process worker's runs: no interpreter start per daily run.

A Prefect process worker starts a fresh ``python -m prefect.engine`` for each flow run: Python,
Prefect and nastavnik imported again every time (seconds of CPU, most of Prefect's overhead per
run). This server imports them once (no API client, no thread) and forks a child per run. The
run's command (flows/warm_client.py, set by `nastavnik deploy`) connects over a unix socket and
passes its standard streams, environment, working folder and arguments; the child takes them
(``os.environ``, the folder, Prefect's settings context and logging built anew from that
environment) and runs ``prefect.engine`` as ``__main__``, exactly what ``python -m
prefect.engine`` runs, then leaves the interpreter normally (atexit, Prefect's log flush).

One process serves every run of its worker: a selector over the listening socket, each client's
connection (``signal N`` passed on to its child) and each child's pidfd (its exit status sent back
as ``exit N``). A connection closed before its child ended is a client killed: after a signal it
had passed on (Prefect's cancel: SIGTERM, then SIGKILL when the grace is over) the child is killed
too; out of the blue (Prefect's worker dying, the OOM killer) the child gets SIGTERM, so that the
run ends as a stopped one and says so, and SIGKILL ``GRACE`` seconds later if it is still there.
SIGTERM or SIGINT: stop listening, pass SIGTERM to the running children (SIGKILL after
``GRACE``), leave when they have ended.

It ends with its parent (`nastavnik worker`), even one killed outright (SIGKILL, OOM): the kernel
sends it SIGTERM then (``end_with_parent``), so it stops as above. Each child likewise gets
SIGTERM if the server itself dies: the run ends as a stopped one (its daily run recorded
``interrupted``, Prefect's flow run Crashed), not left working with nobody to report it.

    python -m flows.warm --socket PATH [--parent PID] [--remove-folder]
        (what `nastavnik worker` starts)
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import gc
import importlib
import json
import logging
import os
import runpy
import selectors
import signal
import socket
import stat
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# What a run imports: loaded here once, shared by every child (copy-on-write).
WARM_MODULES = (
    "prefect.engine",
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.deployments.steps",
    "prefect.client.orchestration",
    "prefect.logging.handlers",
    "flows.tick",
    "notifications.delivery",
    "notifications.render",
)
CLIENT_TIMEOUT = 30.0  # seconds a connected client may take to send its request
GRACE = 30.0  # seconds a child has to end after a SIGTERM of the server's own (Prefect's grace)
MAX_REQUEST = 16 * 1024 * 1024

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _find_prctl():  # type: ignore[no-untyped-def]
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: no parent-death signal
        return None


# resolved once, here: `end_with_parent` also runs as a Popen preexec_fn, where nothing may load
_PRCTL = _find_prctl()


def _find_tgkill():  # type: ignore[no-untyped-def]
    try:
        return ctypes.CDLL(None, use_errno=True).tgkill
    except (OSError, AttributeError):  # not Linux (or a C library before glibc 2.30)
        return None


_TGKILL = _find_tgkill()


def end_with_parent(parent: int, signum: int = signal.SIGTERM) -> None:
    """Have the kernel send this process ``signum`` when ``parent`` (the process that started it)
    dies, however it dies; if it is already gone, send it now.

    Called first thing in a new process: as a preexec_fn of Popen (Prefect's worker, whose code is
    not ours) or at the start of the fork server and of each of its children. Not a watcher thread:
    the fork server must run none (a fork would lose it), and the kernel's signal comes even when
    the parent was SIGKILLed. The signal is tied to the thread that forked: `nastavnik worker`
    starts its children from its main thread, the fork server has no other.
    """
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signum, 0, 0, 0)
    # the parent may have died before the call: then this process was already handed to another
    # (init or a subreaper) and no signal will come
    if os.getppid() != parent:
        os.kill(os.getpid(), signum)


# the server's own lines (for the administrator, in the worker's log): English, on the log side
log = logging.getLogger("nastavnik.warm")


@dataclass
class Request:
    """What a client hands over: its standard streams and how the run's process was started."""

    fds: list[int]
    argv: list[str]
    cwd: str
    env: dict[str, str]


@dataclass
class _Run:
    pid: int
    pidfd: int
    conn: socket.socket
    signals: list[int] = field(default_factory=list)  # passed on from its client
    kill_at: float | None = None  # monotonic: SIGKILL then, if it has not ended
    killed: bool = False  # SIGKILL sent


# From the server to a child before a SIGTERM of its own: the child's standard streams (its client's,
# read by Prefect's worker) may lead to a reader that is gone, and a write there ends the run with
# SystemExit(1) from rich's console (a "failed" run) instead of letting it end as a stopped one.
# Blocked in the server (its children start with it blocked) until a child has its handler.
QUIET = signal.SIGUSR1


def _quiet(_signum: int, _frame: object) -> None:
    """In a child: standard output and error to /dev/null (the run's logs still reach Prefect's
    API)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _terminate(run: _Run) -> None:
    """SIGTERM now (the run ends cleanly, recorded ``interrupted``), SIGKILL after ``GRACE``.

    Once: a second SIGTERM would interrupt the run's own clean-up (the record of its outcome,
    Prefect's Crashed state), e.g. its client gone and the server stopping at the same moment."""
    if run.kill_at is not None or run.killed:
        return
    if not run.signals:  # a signal passed on by its client is already its stop signal
        _signal(run.pid, QUIET)  # handled first: Python runs pending handlers by signal number
        _signal(run.pid, signal.SIGTERM)
    run.kill_at = time.monotonic() + GRACE


def _read_request(conn: socket.socket) -> Request:
    conn.settimeout(CLIENT_TIMEOUT)
    data, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
    try:
        while len(data) < 4:
            chunk = conn.recv(65536)
            if not chunk:
                raise ConnectionError("request cut short")
            data += chunk
        (size,) = struct.unpack("!I", data[:4])
        if size > MAX_REQUEST or len(fds) != 3:
            raise ConnectionError("malformed request")
        while len(data) < 4 + size:
            chunk = conn.recv(65536)
            if not chunk:
                raise ConnectionError("request cut short")
            data += chunk
        payload = json.loads(data[4 : 4 + size])
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    conn.settimeout(None)
    return Request(
        fds=fds,
        argv=[str(a) for a in payload["argv"]],
        cwd=str(payload["cwd"]),
        env={str(k): str(v) for k, v in payload["env"].items()},
    )


def _listen(path: Path) -> socket.socket:
    if path.exists() and stat.S_ISSOCK(path.stat().st_mode):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()  # a stale socket of a server that died
        else:
            probe.close()
            raise SystemExit(f"{path}: another fork server listens there")
        finally:
            probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)  # the socket: its owner only (the worker's user)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old_umask)
    listener.listen(64)
    listener.setblocking(False)
    return listener


def warm_up(modules: tuple[str, ...] = WARM_MODULES) -> None:
    """Import what a run imports; refuse if that started a thread (a fork would lose it)."""
    for name in modules:
        importlib.import_module(name)
    threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if threads:
        raise SystemExit(f"importing the flow started threads, cannot fork safely: {threads}")


def serve(path: Path, *, remove_folder: bool = False) -> Request:
    """Serve until stopped (then exit); returns only in a forked child, with its request.
    With ``remove_folder`` the socket's folder is removed with the socket when it stops."""
    server_pid = os.getpid()
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    stopping: list[int] = []

    def on_stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
    # caught before the socket exists: a stop from now on removes it
    previous = {s: signal.signal(s, on_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    signal.pthread_sigmask(signal.SIG_BLOCK, {QUIET})
    listener = _listen(path)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "listen")
    selector.register(wake_r, selectors.EVENT_READ, "wake")
    runs: dict[int, _Run] = {}  # by pid
    gc.freeze()  # what is imported stays out of the children's collections (and their copies)
    log.info("fork server ready: %s (pid %d)", path, os.getpid())

    def finish(run: _Run) -> None:
        _pid, status, usage = os.wait4(run.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
        log.info("fork server: child %d ended (%d), %.1f s of CPU", run.pid, code, cpu)
        selector.unregister(run.pidfd)
        os.close(run.pidfd)
        try:
            selector.unregister(run.conn)
        except KeyError:
            pass
        try:
            run.conn.sendall(f"exit {code}\n".encode())
        except OSError:
            pass
        run.conn.close()
        del runs[run.pid]

    while True:
        if stopping and listener.fileno() >= 0:
            selector.unregister(listener)
            listener.close()
            path.unlink(missing_ok=True)
            if remove_folder:
                try:
                    path.parent.rmdir()
                except OSError:  # not empty: someone else's files, left alone
                    pass
            for run in runs.values():
                _terminate(run)
        if stopping and not runs:
            raise SystemExit(0)
        deadlines = [run.kill_at for run in runs.values() if run.kill_at is not None]
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        for key, _events in selector.select(timeout):
            if key.data == "wake":
                try:
                    wake_r.recv(4096)
                except BlockingIOError:
                    pass
            elif key.data == "listen":
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(True)
                try:
                    request = _read_request(conn)
                except (OSError, ValueError, KeyError, TypeError) as error:
                    log.warning("fork server: a request refused: %r", error)
                    conn.close()
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    # the child: nothing of the server stays open, its signals are the defaults;
                    # a server that dies (SIGKILL) stops it as a SIGTERM would
                    signal.set_wakeup_fd(-1)
                    for signum, handler in previous.items():
                        signal.signal(signum, handler)
                    signal.signal(QUIET, _quiet)
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, {QUIET})
                    end_with_parent(server_pid)
                    selector.close()
                    for other in runs.values():
                        other.conn.close()
                        os.close(other.pidfd)
                    listener.close()
                    wake_r.close()
                    wake_w.close()
                    conn.close()
                    return request
                for fd in request.fds:
                    os.close(fd)
                flow_run = request.env.get("PREFECT__FLOW_RUN_ID", "?")
                log.info("fork server: flow run %s in child %d", flow_run, pid)
                run = _Run(pid=pid, pidfd=os.pidfd_open(pid), conn=conn)
                runs[pid] = run
                selector.register(run.pidfd, selectors.EVENT_READ, ("child", pid))
                selector.register(conn, selectors.EVENT_READ, ("conn", pid))
                try:
                    conn.sendall(f"pid {pid}\n".encode())
                except OSError:
                    pass
            else:
                kind, pid = key.data
                current = runs.get(pid)
                if current is None:
                    continue
                if kind == "child":
                    finish(current)
                    continue
                try:
                    data = current.conn.recv(4096)
                except OSError:
                    data = b""
                if not data:  # the client is gone (killed): so is its run
                    selector.unregister(current.conn)
                    if current.signals:  # killed after its stop signal: the grace is over
                        _signal(pid, signal.SIGKILL)
                        current.kill_at, current.killed = None, True
                    else:
                        _terminate(current)
                    continue
                for line in data.decode(errors="replace").splitlines():
                    if line.startswith("signal "):
                        forwarded = int(line.split()[1])
                        current.signals.append(forwarded)
                        if forwarded == signal.SIGTERM and current.kill_at is not None:
                            continue  # stopped by the server already: one SIGTERM (_terminate)
                        _signal(pid, forwarded)
        now = time.monotonic()
        for run in runs.values():
            if run.kill_at is not None and run.kill_at <= now:
                log.warning(
                    "fork server: child %d still there %.0f s after SIGTERM", run.pid, GRACE
                )
                _signal(run.pid, signal.SIGKILL)
                run.kill_at, run.killed = None, True


def _signal(pid: int, signum: int) -> None:
    """``signum`` to a child's main thread (its id is the child's pid), where Python runs its
    handlers: sent to the process, the kernel hands a signal to another thread when the main one
    has one pending already (QUIET just before SIGTERM), and the main thread, blocked in a read
    (an SMTP server that does not answer), would not wake for it: its handler would wait with it."""
    if _TGKILL is not None:
        if _TGKILL(pid, pid, signum) != 0 and ctypes.get_errno() != errno.ESRCH:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        return
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def run_engine(request: Request) -> None:
    """In the forked child: become the run's process, then run ``prefect.engine`` as __main__."""
    for target, fd in enumerate(request.fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request.env)
    os.chdir(request.cwd)
    sys.path[0] = os.getcwd()  # as `python -m` puts the working folder first
    # Whatever was built from the server's environment is built again from the run's.
    import prefect.context
    import prefect.logging.configuration

    from common.settings import get_settings

    prefect.context.refresh_global_settings_context()
    prefect.logging.configuration.setup_logging(incremental=False)
    get_settings.cache_clear()
    sys.argv = ["-m", *request.argv]
    # `prefect.engine` runs again as __main__ (Prefect's own workspace bootstrap does the same)
    sys.modules.pop("prefect.engine", None)
    runpy.run_module("prefect.engine", run_name="__main__", alter_sys=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--parent", type=int, help="stop (SIGTERM) when this process ends")
    parser.add_argument(
        "--remove-folder", action="store_true", help="remove the socket's folder when stopping"
    )
    options = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    if options.parent:
        # before the imports: a SIGTERM now ends the process at once (no handler yet), later it
        # stops the server
        end_with_parent(options.parent)
    warm_up()
    request = serve(options.socket.absolute(), remove_folder=options.remove_folder)
    run_engine(request)


if __name__ == "__main__":
    main()
