"""`--help` in Russian: click's own words (usage, sections, the help option, defaults, types).

The help texts of the commands and options are written in Russian where they are declared;
what typer's click prints around them is English and has no translation hook but gettext (for a
few words only). The root group (`RussianHelpGroup`, the app's ``cls``) gives every command of the
tree a context whose help formatter says those words in Russian, and Russian placeholders for the
usage line. typer only: `nastavnik --help` must stay fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup

SECTIONS = {"Arguments": "Аргументы", "Options": "Параметры", "Commands": "Команды"}
HELP_OPTION = {"Show this message and exit.": "Показать эту справку и выйти."}
# the placeholder of an option's or an argument's value, by typer's name of its type
TYPES = {
    "<str>": "<текст>",
    "<int>": "<число>",
    "<int range>": "<число>",
    "<path>": "<путь>",
    "<list[Path]>": "<путь>...",
    "<list[str]>": "<текст>...",
    "<list[int]>": "<число>...",
}
_TYPE = re.compile("|".join(re.escape(name) for name in TYPES))
# what click adds in brackets at the end of an option's help: «[default: 2; required]»
_EXTRA = re.compile(r"\[([^\[\]]*)\]$")
_EXTRA_WORDS = (
    (re.compile(r"^default: "), "по умолчанию: "),
    (re.compile(r"^required$"), "обязательно"),
    # a number's range, as click says it: «x>=1», «1<=x<=5»
    (re.compile(r"^x>=(\S+)$"), r"не меньше \1"),
    (re.compile(r"^x<=(\S+)$"), r"не больше \1"),
    (re.compile(r"^(\S+)<=x<=(\S+)$"), r"от \1 до \2"),
)
OPTIONS_METAVAR = "[ПАРАМЕТРЫ]"
SUBCOMMAND_METAVAR = "КОМАНДА [АРГУМЕНТЫ]..."


def _extra(match: re.Match[str]) -> str:
    parts = []
    for part in match.group(1).split("; "):
        for pattern, russian in _EXTRA_WORDS:
            part = pattern.sub(russian, part)
        parts.append(part)
    return "[" + "; ".join(parts) + "]"


class RussianHelpFormatter(HelpFormatter):
    """click's help formatter with its own words in Russian."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _TYPE.sub(lambda m: TYPES[m.group(0)], args), "Вызов: ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(SECTIONS.get(heading, heading))

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(SECTIONS.get(name, name)):
            yield

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        russian = [
            (
                _TYPE.sub(lambda m: TYPES[m.group(0)], term),
                _EXTRA.sub(_extra, HELP_OPTION.get(text, text)),
            )
            for term, text in rows
        ]
        super().write_dl(russian, col_max, col_spacing)


class RussianHelpContext(typer.Context):
    formatter_class = RussianHelpFormatter


def _russian(command: Any) -> None:
    """The command and everything under it: Russian help words and placeholders."""
    command.context_class = RussianHelpContext
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = OPTIONS_METAVAR
    children = getattr(command, "commands", None)
    if children is not None:
        if command.subcommand_metavar == "COMMAND [ARGS]...":
            command.subcommand_metavar = SUBCOMMAND_METAVAR
        for child in children.values():
            _russian(child)


class RussianHelpGroup(TyperGroup):
    """The app's root group: its whole tree prints `--help` with Russian framework words."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _russian(self)
