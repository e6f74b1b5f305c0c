"""Transports: an SMTP server (smtp:// with STARTTLS when offered, smtps://) or a local mail folder.

A transport sends one message and says how it went by what it raises:
- nothing: the server accepted it (250 after DATA) or the file is in the folder;
- ``TemporaryFailure``: the server answered 4xx for this letter (try it again later);
- ``PermanentFailure``: the server answered 5xx for this letter (unknown mailbox, …);
- ``ServerUnavailable``: no server to talk to (refused, timed out, dropped, authentication failed);
  ``transmitted`` says whether the letter may have reached it before the connection broke.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from common.errors import NastavnikError
from common.messages import reason_of, render_message, smtp_reason
from common.settings import Settings
from notifications.mime import OutgoingMessage


class DeliveryError(Exception):
    """A letter did not go out; ``str()`` is the reason in Russian (the server's words after it)."""


class TemporaryFailure(DeliveryError):
    """4xx: the server may accept the letter later."""


class PermanentFailure(DeliveryError):
    """5xx: the server refuses the letter; sending it again will not help."""


class ServerUnavailable(DeliveryError):
    """The server cannot be reached or used now; the letter waits."""

    def __init__(self, reason: str, *, transmitted: bool = False) -> None:
        super().__init__(reason)
        self.transmitted = transmitted


class Transport(Protocol):
    """Where letters go."""

    description: str

    def send(self, message: OutgoingMessage, *, sender: str, recipients: list[str]) -> None: ...

    def close(self) -> None: ...


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}"


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    # loading the CA store costs ~40 ms: only when TLS is used, once per process
    return ssl.create_default_context()


# a bare address (no display name, comment or quoting) goes into MAIL FROM and RCPT TO as it is
_BARE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _quoted(address: str) -> str:
    """``<addr>`` for MAIL FROM and RCPT TO. A bare address (every school's) is wrapped as it is;
    anything else goes through smtplib's parser, which costs ~0.2 ms a letter (a cache did not
    help: a region has a recipient per school)."""
    if _BARE.fullmatch(address):
        return f"<{address}>"
    return smtplib.quoteaddr(address)


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it: a line starting with "." gets another (RFC 5321 4.5.2)."""
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    data = data.replace(b"\r\n.", b"\r\n..")
    return b"." + data if data.startswith(b".") else data


def _refusal(replies: list[tuple[int, bytes]], recipients: list[str]) -> DeliveryError | None:
    """The first refusal among the replies to MAIL, RCPT… and DATA, or None when DATA got 354."""
    expected = [(250,), *[(250, 251)] * len(recipients), (354,)]
    for (code, text), wanted in zip(replies, expected, strict=False):
        if code not in wanted:
            return _classify(code, _reply(code, text))
    return None


def _classify(code: int, reply: str) -> DeliveryError:
    """The failure a reply means; its text is the Russian reason, the server's words after it."""
    reason = smtp_reason(code, reply)
    if code == 421:  # the server is closing the channel: not this letter's fault
        return ServerUnavailable(reason, transmitted=False)
    if 400 <= code < 500:
        return TemporaryFailure(reason)
    if 500 <= code < 600:
        return PermanentFailure(reason)
    return ServerUnavailable(reason, transmitted=True)


# connections a large delivery opens at once by default (``?connections=N`` in the URL)
CONNECTIONS = 4


class SmtpTransport:
    """One SMTP connection reused for a batch, opened on the first letter."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise NastavnikError(code="mail.bad_url", scheme=parts.scheme)
        self.ssl = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.ssl else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        options = parse_qs(parts.query)
        self.timeout = float(options.get("timeout", [timeout])[0])
        self.starttls = options.get("starttls", ["auto"])[0]  # auto | require | off
        # at most this many connections at once for a large delivery (notifications/delivery.py)
        connections = options.get("connections", [str(CONNECTIONS)])[0]
        if not connections.isdigit() or not 1 <= int(connections) <= 32:
            raise NastavnikError(
                code="mail.connections",
                connections=connections,
                where="NASTAVNIK_SMTP_URL",
            )
        self.connections = int(connections)
        self.url = url
        self.description = f"{parts.scheme}://{self.host}:{self.port}"
        self._client: smtplib.SMTP | None = None

    def another(self) -> SmtpTransport:
        """A transport to the same server on a connection of its own."""
        return SmtpTransport(self.url, timeout=self.timeout)

    def _connect(self) -> smtplib.SMTP:
        try:
            client: smtplib.SMTP
            if self.ssl:
                client = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=_tls_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            client.ehlo()
            if not self.ssl and self.starttls != "off":
                if client.has_extn("starttls"):
                    client.starttls(context=_tls_context())
                    client.ehlo()
                elif self.starttls == "require":
                    client.close()
                    raise ServerUnavailable(
                        render_message("mail.no_starttls", server=self.description)
                    )
            if self.username:
                client.login(self.username, self.password or "")
        except smtplib.SMTPAuthenticationError as error:
            raise ServerUnavailable(
                render_message(
                    "mail.login_refused", reply=_reply(error.smtp_code, error.smtp_error)
                )
            ) from None
        except smtplib.SMTPResponseException as error:
            reply = _reply(error.smtp_code, error.smtp_error)
            raise ServerUnavailable(
                f"{self.description}: {smtp_reason(error.smtp_code, reply)}"
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise ServerUnavailable(f"{self.description}: {reason_of(error)}") from None
        return client

    def open(self) -> None:
        """Connect now (delivery checks the server before it claims any letter)."""
        if self._client is None:
            self._client = self._connect()

    @property
    def pipelining(self) -> bool:
        """Whether the open connection's server offers PIPELINING (RFC 2920)."""
        return self._client is not None and self._client.has_extn("pipelining")

    def send(self, message: OutgoingMessage, *, sender: str, recipients: list[str]) -> None:
        """One transaction: MAIL, RCPT, DATA (in one write when the server offers PIPELINING).

        The connection stays open for the next letter. ``transmitted`` on a lost connection says
        whether the end of the letter had been written (only then may the server have it).
        """
        self.open()
        client = self._client
        assert client is not None
        size = f" SIZE={len(message.data)}" if client.has_extn("size") else ""
        commands = [f"MAIL FROM:{_quoted(sender)}{size}"]
        commands += [f"RCPT TO:{_quoted(r)}" for r in recipients]
        commands.append("DATA")
        try:
            if self.pipelining:
                client.send("".join(c + "\r\n" for c in commands))
                replies = [client.getreply() for _ in commands]
            else:
                replies = []
                for command in commands:
                    client.send(command + "\r\n")
                    replies.append(client.getreply())
                    if replies[-1][0] not in (250, 251):
                        break  # no point sending RCPT after a refused MAIL, or DATA after RCPT
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise ServerUnavailable(f"{self.description}: {reason_of(error)}") from None
        failure = _refusal(replies, recipients)
        if failure is not None:
            if isinstance(failure, ServerUnavailable):  # 421: the server is closing the channel
                self._drop()
            else:
                self._abort(started_data=replies[-1][0] == 354)
            raise failure
        try:
            client.send(_dot_stuffed(message.data) + b".\r\n")
            code, text = client.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise ServerUnavailable(
                render_message(
                    "mail.connection_lost",
                    server=self.description,
                    detail=reason_of(error),
                ),
                transmitted=True,
            ) from None
        if code != 250:
            failure = _classify(code, _reply(code, text))
            if isinstance(failure, ServerUnavailable):
                self._drop()
            raise failure

    def _abort(self, *, started_data: bool) -> None:
        """Leave a refused transaction so the connection can carry the next letter."""
        if started_data or self._client is None:
            # the server waits for a message: only closing the connection leaves without sending one
            self._drop()
            return
        try:
            self._client.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            finally:
                self._client = None

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()


_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


class FolderTransport:
    """Letters as .eml files in a folder, named by Message-ID: writing one twice keeps one file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = render_message("mail.folder", folder=folder)

    def path_for(self, message: OutgoingMessage) -> Path:
        name = _UNSAFE.sub("_", message.message_id.strip("<> ")) or "letter"
        return self.folder / f"{name}.eml"

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ServerUnavailable(
                render_message(
                    "mail.folder_unwritable", folder=self.folder, detail=reason_of(error)
                )
            ) from None

    def send(self, message: OutgoingMessage, *, sender: str, recipients: list[str]) -> None:
        self.open()
        target = self.path_for(message)
        if target.exists():
            return  # delivered before a crash: the same Message-ID is the same letter
        partial = target.with_suffix(".eml.part")
        try:
            with open(partial, "wb") as handle:
                handle.write(message.data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, target)
        except OSError as error:
            raise ServerUnavailable(
                render_message("mail.file_unwritable", path=target, detail=reason_of(error)),
                transmitted=False,
            ) from None

    def close(self) -> None:
        return None


def open_transport(settings: Settings) -> SmtpTransport | FolderTransport:
    """The SMTP server of NASTAVNIK_SMTP_URL, or the folder NASTAVNIK_MAIL_DIR when none is set."""
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url)
    return FolderTransport(Path(settings.mail_dir))
