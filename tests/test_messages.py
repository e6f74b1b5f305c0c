"""The message catalogue: every code the source uses has a Russian text with the parameters given."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from common.errors import NastavnikError
from common.messages import CATALOGUE, message_fields, render_message

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "common", "definitions", "storage", "engine", "registry", "notifications", "documents",
    "tasks", "flows", "web", "nastavnik",
)  # fmt: skip
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def _uses() -> list[tuple[str, str, set[str] | None]]:
    """(place, code, keyword parameters or None when they cannot be read) of every use."""
    found: list[tuple[str, str, set[str] | None]] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                place = f"{path.relative_to(ROOT)}:{node.lineno}"
                code: str | None = None
                if name in ("render_message", "_say") and node.args:
                    first = node.args[0]
                    code = first.value if isinstance(first, ast.Constant) else None
                for keyword in node.keywords if name.endswith("Error") else ():
                    if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                        if isinstance(keyword.value.value, str):
                            code = keyword.value.value
                if code is None:
                    continue
                if any(k.arg is None for k in node.keywords):
                    given = None  # **params: cannot be checked statically
                else:
                    given = {k.arg for k in node.keywords if k.arg not in ("code", "where", "field")}
                found.append((place, code, given))
    return found


def test_every_code_the_source_uses_has_a_russian_text_with_its_parameters() -> None:
    uses = _uses()
    assert len(uses) >= 10  # the scan finds the CLI's messages
    for place, code, given in uses:
        assert code in CATALOGUE, f"{place}: code {code!r} has no text in common/messages.py"
        if given is not None:
            assert message_fields(code) == given, f"{place}: {code} takes {message_fields(code)}"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_text_of_the_catalogue_is_russian(code: str) -> None:
    text = CATALOGUE[code]
    assert CYRILLIC.search(text), f"{code}: {text!r} is not Russian"


def test_an_error_raised_by_code_carries_its_russian_text_place_and_parameters() -> None:
    error = NastavnikError(code="cli.unknown_school", where="schools.csv:3", school="sosh9")
    assert str(error) == "schools.csv:3: --school: школы «sosh9» нет в списке школ муниципалитета"
    assert error.code == "cli.unknown_school" and error.params == {"school": "sosh9"}
    assert render_message("cli.error", message=error).startswith("ошибка: schools.csv:3")
