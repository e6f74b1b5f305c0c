"""A real SMTP server on loopback (aiosmtpd) that keeps what it received and misbehaves on request."""

from __future__ import annotations

import asyncio
import email
import hashlib
import os
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """One message the server accepted: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    port: int = 0  # the client's port: which connection carried it

    @property
    def message_id(self) -> str:
        return self.header("Message-ID")

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def header(self, name: str) -> str:
        """A header decoded the RFC 2047 way (whitespace between encoded words is dropped)."""
        return str(make_header(decode_header(self._raw_header(name))))

    def _raw_header(self, name: str) -> str:
        head = self.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
        lines = head.split("\r\n")
        value: list[str] = []
        for index, line in enumerate(lines):
            if line.lower().startswith(name.lower() + ":"):
                value.append(line.split(":", 1)[1].strip())
                for follow in lines[index + 1 :]:
                    if not follow.startswith((" ", "\t")):
                        break
                    value.append(follow.strip())
                break
        return " ".join(value)

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None
        return str(part.get_content())


@dataclass
class Sink:
    """The handler: accepts, refuses some mailboxes (5xx), answers 4xx a few times, kills a client
    or closes the channel (421 at MAIL once ``close_at`` letters were accepted).

    ``delay``: seconds it takes before answering each end of DATA (a slow server), or the first of
    ``delays`` while any is left; ``on_data``: called (in the server's thread) with the count of
    letters received so far, before answering.
    """

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    temporary_failures: int = 0
    kill_pid: int | None = None
    kill_after: int | None = None
    close_at: int | None = None
    delay: float = 0.0
    delays: list[float] = field(default_factory=list)
    on_data: Callable[[int], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if (
            self.kill_pid is not None
            and self.kill_after is not None
            and len(self.received) >= self.kill_after
        ):
            # the sender dies after N letters were accepted, in the middle of the next one
            os.kill(self.kill_pid, signal.SIGKILL)
            self.kill_pid = None
            return "421 4.3.0 sender killed"
        if self.close_at is not None and len(self.received) >= self.close_at:
            self.close_at = None
            return "421 4.3.2 Service shutting down, closing transmission channel"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        with self.lock:
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        delay = self.delays.pop(0) if self.delays else self.delay
        if delay:
            await asyncio.sleep(delay)
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(data), session.peer[1])
            )
        if self.on_data is not None:
            self.on_data(len(self.received))
        return "250 2.0.0 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def message_ids(self) -> list[str]:
        return [str(r.message["Message-ID"]) for r in self.received]


class SmtpServer:
    """aiosmtpd on 127.0.0.1 at a fixed port, so it can be stopped and started again."""

    def __init__(self, sink: Sink | None = None, port: int | None = None) -> None:
        self.sink = sink or Sink()
        self.port = port or free_port()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
