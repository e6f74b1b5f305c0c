"""The one exception type users see: a place and a reason, printed without a traceback."""

from __future__ import annotations


class NastavnikError(Exception):
    """A user-facing error: where it happened (file:line, row/column, field) and why.

    Shells (CLI, web) print ``str(error)`` and never a traceback.
    """

    def __init__(self, reason: str, *, where: str | None = None) -> None:
        self.reason = reason
        self.where = where
        super().__init__(f"{where}: {reason}" if where else reason)


class DeadlineError(NastavnikError):
    """A deadline phrase that cannot be read; quotes the phrase and says what was expected."""

    def __init__(self, phrase: str, expected: str, *, where: str | None = None) -> None:
        self.phrase = phrase
        self.expected = expected
        super().__init__(f"cannot read deadline {phrase!r}: expected {expected}", where=where)


class DefinitionError(NastavnikError):
    """A roadmap definition that does not validate; ``where`` is ``file:line``."""
