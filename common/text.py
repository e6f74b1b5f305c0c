"""Text people type: what counts as visible, which characters never belong in it."""

from __future__ import annotations

import re
import unicodedata

# C0 controls but tab, newline and carriage return; DEL; C1 controls; the non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# the same and tab, newline, carriage return: single-line values, addresses, queries
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def bad_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character that must not be stored (a control character), as «U+0000», or None."""
    match = (_CONTROL if multiline else _CONTROL_LINE).search(value)
    return None if match is None else f"U+{ord(match.group()):04X}"


def visible_text(value: str) -> str:
    """The value without the spaces and invisible characters around it; "" when nothing visible
    is left (a zero-width space alone is not a document number)."""
    start, end = 0, len(value)
    while start < end and not _is_visible(value[start]):
        start += 1
    while end > start and not _is_visible(value[end - 1]):
        end -= 1
    return value[start:end]


def _is_visible(char: str) -> bool:
    # format characters (zero-width space, joiners, direction marks), separators and controls
    # draw nothing
    return unicodedata.category(char)[0] not in ("C", "Z")
