"""The one exception type users see: a place and a reason, printed without a traceback."""

from __future__ import annotations


class NastavnikError(Exception):
    """A user-facing error: where it happened (file:line, row/column, field) and why.

    Shells (CLI, web) print ``str(error)`` and never a traceback. ``field`` names the input the
    error is about in the shells' shared words (``school``, ``due``, ``reason``…, see
    ``common.messages.FIELDS``): the CLI shows its option for it, the portal marks its form field.
    """

    def __init__(
        self,
        reason: str = "",
        *,
        where: str | None = None,
        code: str | None = None,
        field: str | None = None,
        **params: object,
    ) -> None:
        if code is not None:
            # a message from the catalogue (common/messages.py), in Russian
            from common.messages import render_message

            reason = render_message(code, **params)
        self.reason = reason
        self.where = where
        self.code = code
        self.field = field
        self.params = params
        super().__init__(f"{where}: {reason}" if where else reason)


class UsageError(NastavnikError):
    """A command-line value that cannot be read (a shell exits with status 2 on it)."""

    exit_code = 2


class DeadlineError(NastavnikError):
    """A deadline phrase that cannot be read, said in Russian in one or two lines.

    ``expected`` is the reason (or ``code`` and its parameters name it in the catalogue,
    common/messages.py); ``understood`` the words read before reading stopped, ``stopped_at`` the
    word it stopped at, ``example`` a form that reads.
    """

    def __init__(
        self,
        phrase: str,
        expected: str = "",
        *,
        code: str | None = None,
        where: str | None = None,
        understood: str | None = None,
        stopped_at: str | None = None,
        example: str | None = None,
        **params: object,
    ) -> None:
        # the catalogue is imported only when a phrase is refused: the parser's happy path and
        # the import of everything that reads deadlines never pay for it
        from common.messages import render_message

        if code is not None:
            expected = render_message(code, **params)
        self.phrase = phrase
        self.expected = expected
        self.understood = understood
        self.stopped_at = stopped_at
        self.example = example
        text = render_message("deadline.refused", phrase=" ".join(phrase.split()), reason=expected)
        text += "" if text.endswith(("?", ".", "!")) else "."
        if stopped_at is not None:
            said = (
                render_message("deadline.understood", understood=understood, word=stopped_at)
                if understood
                else render_message("deadline.understood_nothing", word=stopped_at)
            )
            text += f" {said}"
        if example:
            text += "\n" + render_message("deadline.example", example=example)
        super().__init__(text, where=where)


class DefinitionError(NastavnikError):
    """A roadmap definition that does not validate; ``where`` is ``file:line``."""
