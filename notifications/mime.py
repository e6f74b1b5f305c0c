"""Letters as bytes: a rendered letter → the MIME message that goes over the wire.

multipart/alternative (text + HTML), UTF-8 bodies in base64, Russian header words encoded per
RFC 2047, CRLF line ends, ASCII only. Written by hand rather than through ``email.message``:
its folding puts the spaces of a long Russian subject between encoded words, where RFC 2047
readers drop them («3 просроченныхшага»), and its policy machinery was most of the cost of a
letter. The MIME boundary comes from the Message-ID, so the same letter is the same bytes.

compose.py stores these bytes in ``letter.mime`` when it renders the letter; delivery only reads
them. ``letter_message`` builds them for a letter stored before that column existed.
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifications.models import Letter

# bytes of text per encoded word: 12 bytes of =?utf-8?b??= around ≤ 52 of base64 keep a folded
# header line («Subject: » + one word) under 78 characters (RFC 5322)
_WORD_BYTES = 39
_LINE = 76  # base64 characters per body line (RFC 2045)


@dataclass(frozen=True)
class OutgoingMessage:
    """A message as it goes over the wire: its Message-ID and its bytes (ASCII, CRLF)."""

    message_id: str
    data: bytes


def _cut(text: str, limit: int) -> int:
    """The longest prefix of ``text`` (in characters) whose UTF-8 form fits ``limit`` bytes."""
    size = 0
    for index, char in enumerate(text):
        size += len(char.encode())
        if size > limit:
            return max(index, 1)
    return len(text)


def encoded_words(text: str, *, limit: int = _WORD_BYTES) -> list[str]:
    """RFC 2047 words of ``text``, each of ≤ ``limit`` bytes of it, split between words.

    The space between two words goes inside the first encoded word: readers drop the whitespace
    between encoded words. A word longer than ``limit`` is cut between characters, which readers
    join back without a space.
    """
    chunks: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and len(candidate.encode()) > limit:
            chunks.append(current + " ")
            current = word
        else:
            current = candidate
        while len(current.encode()) > limit:
            cut = _cut(current, limit)
            chunks.append(current[:cut])
            current = current[cut:]
    chunks.append(current)
    return [
        f"=?utf-8?b?{binascii.b2a_base64(c.encode(), newline=False).decode()}?=" for c in chunks
    ]


def _header(name: str, value: str) -> str:
    """``Name: value``: as is when short ASCII, else encoded words folded one per line."""
    if value.isascii() and len(name) + 2 + len(value) <= 78:
        return f"{name}: {value}"
    return f"{name}: " + "\r\n ".join(encoded_words(value))


@lru_cache(maxsize=1024)
def encoded_address(text: str) -> str:
    """An address header value with a Russian display name encoded per RFC 2047.

    Cached: a run writes the same From and Reply-To into every letter, and parsing an address
    costs more than encoding it.
    """
    if "<" not in text and '"' not in text and "(" not in text:
        return text.strip()  # a bare address
    name, addr = parseaddr(text)
    addr = addr or text.strip()
    if not name:
        return addr
    if name.isascii():
        return formataddr((name, addr))
    parts = [*encoded_words(name), f"<{addr}>"]
    joined = " ".join(parts)
    return joined if len(joined) <= 66 else "\r\n ".join(parts)


def _date_header(moment: datetime) -> str:
    """The Date header's value: a run writes the same moment into every letter."""
    # the offset in the key: the same instant in another zone is written otherwise
    return _formatted_date(moment, moment.utcoffset())


@lru_cache(maxsize=16)
def _formatted_date(moment: datetime, offset: timedelta | None) -> str:
    return format_datetime(moment)


def _base64_part(content_type: str, body: str) -> bytes:
    encoded = binascii.b2a_base64(body.encode("utf-8"), newline=False)
    lines = b"\r\n".join([encoded[i : i + _LINE] for i in range(0, len(encoded), _LINE)])
    head = f'Content-Type: {content_type}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    return head.encode("ascii") + lines + b"\r\n"


def build_message(
    *,
    subject: str,
    text: str,
    html: str | None,
    mail_from: str,
    to: str,
    reply_to: str | None,
    message_id: str,
    date_: datetime,
) -> OutgoingMessage:
    """A MIME message: text (+ HTML as an alternative), UTF-8, headers encoded per RFC 2047."""
    headers = [f"From: {encoded_address(mail_from)}", f"To: {encoded_address(to)}"]
    if reply_to:
        headers.append(f"Reply-To: {encoded_address(reply_to)}")
    headers += [
        _header("Subject", subject),
        f"Date: {_date_header(date_)}",
        f"Message-ID: {message_id}",
        "Auto-Submitted: auto-generated",  # RFC 3834: no vacation replies to robots
        "MIME-Version: 1.0",
    ]
    if html:
        boundary = "=_" + hashlib.sha256(message_id.encode()).hexdigest()[:24]
        headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        separator = f"--{boundary}\r\n".encode("ascii")
        body = b"".join(
            (
                b"\r\n",
                separator,
                _base64_part("text/plain", text),
                separator,
                _base64_part("text/html", html),
                f"--{boundary}--\r\n".encode("ascii"),
            )
        )
    else:
        body = _base64_part("text/plain", text)
    # a bare LF in a stored header (an old row's folded address) becomes CRLF like the rest
    head = "\r\n".join(headers).replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n"
    return OutgoingMessage(message_id=message_id, data=head.encode("ascii") + body)


def letter_message(letter: Letter) -> OutgoingMessage:
    """The message of a stored letter: its stored bytes, or built from its parts (older rows)."""
    if letter.mime is not None:
        return OutgoingMessage(message_id=letter.message_id, data=letter.mime)
    assert letter.composed_at is not None
    return build_message(
        subject=letter.subject,
        text=letter.body_text,
        html=letter.body_html or None,
        mail_from=letter.mail_from,
        to=letter.recipient,
        reply_to=letter.reply_to or None,
        message_id=letter.message_id,
        date_=letter.composed_at,
    )
