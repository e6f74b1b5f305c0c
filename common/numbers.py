"""Whole numbers that people type into forms or that come in addresses and links.

``str.isdigit`` accepts characters that ``int`` refuses («²») and ``int`` accepts numbers the
database's integer cannot hold; either would end a request in a 500 instead of a clear message.
"""

from __future__ import annotations

DB_INT_MAX = 2**31 - 1  # PostgreSQL's integer, the type of every id and version column


def whole_number(text: str, *, maximum: int = DB_INT_MAX) -> int | None:
    """The number ``text`` spells in ASCII digits (no sign, no spaces), or None when it does not
    spell one or the number is above ``maximum``."""
    if not text or len(text) > 18 or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None
