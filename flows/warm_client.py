"""The command of each deployed run: hands the run to the worker's warm fork server (flows/warm.py).

`nastavnik deploy` sets the deployment's job command to ``python -I -S <this file>``: the process
worker starts it for each flow run with the run's environment (PREFECT__FLOW_RUN_ID, the API URL,
the job's env) in the run's working folder. It imports only the standard library (≈ 0.05 s), so a
run no longer pays an interpreter that imports Prefect and nastavnik (seconds of CPU).

It connects to the fork server named by ``NASTAVNIK_FORK_SOCKET`` (`nastavnik worker` sets it),
passes its standard input, output and error (SCM_RIGHTS), its environment, working folder and
arguments; the server forks a child that runs what ``python -m prefect.engine`` runs. This process
stays the run's process for the worker: SIGTERM, SIGINT and SIGHUP are passed on to the child
(Prefect's cancel, systemd), and it ends with the child's exit status (or by the child's signal).
When no fork server answers it execs ``python -m prefect.engine`` itself: the run starts cold.

Nothing here may import a third-party module or the project (it runs with -I -S).
"""

import json
import os
import signal
import socket
import struct
import sys

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _cold(args: list[str], why: str) -> None:
    """Run the engine in a fresh interpreter of this Python (site-packages on): the cold path."""
    if why:
        print(
            f"nastavnik: сервер запуска недоступен ({why}); прогон запускается в новом процессе",
            file=sys.stderr,
            flush=True,
        )
    os.execv(sys.executable, [sys.executable, "-m", "prefect.engine", *args])


def _connect(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        raise
    return sock


def _send_request(sock: socket.socket, args: list[str]) -> None:
    payload = json.dumps({"argv": args, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    message = struct.pack("!I", len(payload)) + payload
    sent = socket.send_fds(sock, [message], [0, 1, 2])
    if sent < len(message):
        sock.sendall(message[sent:])


def _lines(sock: socket.socket):  # type: ignore[no-untyped-def]
    """The server's lines (``pid N``, ``exit N``) until it closes the connection."""
    buffer = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode()


def main() -> None:
    args = sys.argv[1:]
    path = os.environ.get("NASTAVNIK_FORK_SOCKET", "")
    if not path:
        _cold(args, "")
    try:
        sock = _connect(path)
    except OSError as error:
        _cold(args, f"{path}: {error.strerror or error}")
    received: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        received.append(signum)
        try:
            sock.sendall(f"signal {signum}\n".encode())
        except OSError:
            pass

    for signum in FORWARDED:
        signal.signal(signum, forward)
    try:
        _send_request(sock, args)
        lines = _lines(sock)
        started = next(lines, None)
    except OSError as error:
        started, why = None, str(error)
    else:
        why = "соединение закрыто до запуска"
    if started is None or not started.startswith("pid "):
        if received:  # stopped before anything ran
            _exit_like(-received[0])
        sock.close()
        for signum in FORWARDED:
            signal.signal(signum, signal.SIG_DFL)
        _cold(args, why)
    code = 1
    try:
        for line in lines:
            if line.startswith("exit "):
                code = int(line.split()[1])
                break
        else:
            print("nastavnik: сервер запуска прервал прогон", file=sys.stderr, flush=True)
    except OSError:
        print("nastavnik: сервер запуска прервал прогон", file=sys.stderr, flush=True)
    _exit_like(code)


def _exit_like(code: int) -> None:
    """End as the child ended: its exit code, or killed by its signal (as a cold run would be)."""
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code & 0xFF if code >= 0 else 1)


if __name__ == "__main__":
    main()
