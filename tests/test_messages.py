"""The message catalogue: every code the source uses has a Russian text with the parameters given."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from common.errors import NastavnikError
from common.messages import CATALOGUE, FIELDS, message_fields, render_message

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
                # an error, or a row of a rule table whose parameters come from its check
                for keyword in node.keywords if name.endswith(("Error", "Rule")) else ():
                    if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                        if isinstance(keyword.value.value, str):
                            code = keyword.value.value
                if code is None:
                    continue
                if name.endswith("Rule") or any(k.arg is None for k in node.keywords):
                    given = None  # **params: cannot be checked statically
                else:
                    given = {
                        k.arg for k in node.keywords if k.arg not in ("code", "where", "field")
                    }
                found.append((place, code, given))
    return found


def test_every_code_the_source_uses_has_a_russian_text_with_its_parameters() -> None:
    uses = _uses()
    assert len(uses) >= 10  # the scan finds the CLI's messages
    for place, code, given in uses:
        assert code in CATALOGUE, f"{place}: code {code!r} has no text in common/messages.py"
        if given is not None:
            assert message_fields(code) == given, f"{place}: {code} takes {message_fields(code)}"


def test_every_text_of_the_catalogue_is_used() -> None:
    used = {code for _, code, _ in _uses()}
    # definitions/loader.py names pydantic's findings by their kind: definition.check.KIND
    unused = {code for code in CATALOGUE if not code.startswith("definition.check.")} - used
    assert not unused, f"texts nobody uses: {sorted(unused)}"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_text_of_the_catalogue_is_russian(code: str) -> None:
    text = CATALOGUE[code]
    assert CYRILLIC.search(text), f"{code}: {text!r} is not Russian"


def test_an_error_raised_by_code_carries_its_russian_text_place_and_parameters() -> None:
    error = NastavnikError(code="cli.unknown_school", where="schools.csv:3", school="sosh9")
    assert str(error) == "schools.csv:3: --school: школы «sosh9» нет в списке школ муниципалитета"
    assert error.code == "cli.unknown_school" and error.params == {"school": "sosh9"}
    assert render_message("cli.error", message=error).startswith("ошибка: schools.csv:3")


# exceptions whose text a person reads (the shells print it, a page shows it, a letter's status)
USER_ERRORS = {
    "NastavnikError", "UsageError", "DeadlineError", "DefinitionError", "ImportFileError",
    "FieldErrors", "Invalid", "MissingData", "DeliveryError", "TemporaryFailure",
    "PermanentFailure", "ServerUnavailable", "DocumentFormError", "Forbidden",
}  # fmt: skip
# calls whose first argument is a line a person reads
USER_LINES = {"problem", "people_problem", "_fail", "echo", "secho"}
# pydantic validators: their ValueError text is the definition's finding
VALIDATOR_MODULES = {"definitions/schema.py", "registry/values.py"}
# areas whose messages other work owns (#16 documents, the deadline grammar, the roadmap import,
# the matrix page); their texts are Russian already or are being converted there
NOT_SCANNED = (
    "documents/",
    "definitions/deadlines.py",
    "definitions/importing/",
    "web/matrix_data.py",
)
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def _literal_text(node: ast.expr) -> str | None:
    """The literal part of a message (placeholders and quoted values left out), or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_text(node.left), _literal_text(node.right)
        return None if left is None and right is None else f"{left or ''} {right or ''}"
    return None


def _reads_as_english(text: str) -> bool:
    unquoted = re.sub(r"«[^»]*»|`[^`]*`|'[^']*'|\S*[/.@_=:]\S*", " ", text)
    return bool(LATIN_WORD.search(unquoted)) and not CYRILLIC.search(text)


def _english_messages() -> list[str]:
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            place = path.relative_to(ROOT).as_posix()
            if place.startswith(NOT_SCANNED):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                call: ast.expr | None = None
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    call = node.exc
                    name = getattr(call.func, "id", getattr(call.func, "attr", ""))
                    if name not in USER_ERRORS and not (
                        name == "ValueError" and place in VALIDATOR_MODULES
                    ):
                        continue
                elif isinstance(node, ast.Call):
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    if name not in USER_LINES or not (
                        place.startswith("nastavnik/") or name not in ("echo", "secho")
                    ):
                        continue
                    call = node
                else:
                    continue
                assert isinstance(call, ast.Call)
                message = call.args[-1:] if name in ("problem", "people_problem") else call.args[:1]
                for argument in message:
                    text = _literal_text(argument)
                    if text is not None and _reads_as_english(text):
                        found.append(f"{place}:{node.lineno}: {text.strip()[:80]!r}")
    return found


def test_no_user_message_outside_the_catalogue_is_english() -> None:
    found = _english_messages()
    assert not found, "English user messages (give them a code in common/messages.py):\n" + (
        "\n".join(found)
    )


def test_the_scan_finds_an_english_message_in_a_raise() -> None:
    tree = ast.parse('raise NastavnikError(f"unknown school {school!r}", where="--school")')
    raised = next(node for node in ast.walk(tree) if isinstance(node, ast.Raise))
    assert isinstance(raised.exc, ast.Call)
    text = _literal_text(raised.exc.args[0])
    assert text is not None and _reads_as_english(text)
    assert not _reads_as_english("школы «sosh9» нет в списке школ муниципалитета")
    assert not _reads_as_english("NASTAVNIK_SMTP_URL")


def test_every_field_an_error_names_is_known_to_the_shells() -> None:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                for keyword in node.keywords:
                    if (
                        keyword.arg == "field"
                        and getattr(node.func, "id", "").endswith("Error")
                        and isinstance(keyword.value, ast.Constant)
                    ):
                        assert keyword.value.value in FIELDS, (
                            f"{path.relative_to(ROOT)}:{node.lineno}: field "
                            f"{keyword.value.value!r} is not in common.messages.FIELDS"
                        )
