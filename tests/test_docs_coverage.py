"""Every CLI command, setting and portal page is mentioned in README.md or docs/*.md.

As sqlite-utils and datasette do: the docs are checked against the code, so a new command, setting
or page without a line of documentation fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import create_engine

from common.settings import Settings
from nastavnik.cli import app as cli_app
from web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
DOCS = "\n".join(
    path.read_text(encoding="utf-8")
    for path in [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        *sorted((ROOT / "docs").glob("*.md")),
    ]
)


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """Every command the typer app runs, as it is typed after ``nastavnik``."""
    children = getattr(command, "commands", None)
    if children is None:
        yield " ".join(path)
        return
    for name, child in sorted(children.items()):
        if not getattr(child, "hidden", False):
            yield from _commands(child, (*path, name))


def _pages() -> list[str]:
    """The paths of the portal's GET routes (its pages and downloads), static files aside."""
    portal = create_app(
        engine=create_engine("sqlite://"),
        settings=Settings(secret_key="k" * 40),
        clock=lambda: datetime(2022, 5, 1, tzinfo=UTC),
    )
    found: set[str] = set()

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI's included router
                context = getattr(route, "include_context", None)
                walk(route.original_router.routes, prefix + (getattr(context, "prefix", "") or ""))
            elif "GET" in (getattr(route, "methods", None) or ()):
                found.add(prefix + route.path)

    walk(portal.router.routes, "")
    return sorted(found)


def _page_pattern(path: str) -> re.Pattern[str]:
    """A page's path as the docs write it: any value for a ``{parameter}``, and a leading part
    that names a school (``/schools/{id}/…``) may be shortened to «…» when two or more segments
    follow."""
    value = r"[^\s/`|)»]+"
    parts = [
        value if re.fullmatch(r"\{[^}]*\}", part) else re.escape(part) for part in path.split("/")
    ]
    whole = "/".join(parts)
    shortened = [
        "…/" + "/".join(parts[index:])
        for index in range(2, len(parts) - 1)
        if any(re.fullmatch(r"\{[^}]*\}", part) for part in path.split("/")[:index])
    ]
    return re.compile("(?:" + "|".join([whole, *shortened]) + r")(?![\w/-])")


COMMANDS = list(_commands(typer.main.get_command(cli_app)))
PAGES = _pages()


def test_the_walks_find_the_commands_settings_and_pages() -> None:
    assert {"init", "launch", "registry list", "outbox show"} <= set(COMMANDS)
    assert len(Settings.model_fields) >= 10
    assert {"/matrix", "/schools/{school_id}", "/signin"} <= set(PAGES)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_cli_command_is_documented(command: str) -> None:
    assert f"nastavnik {command}" in DOCS, f"«nastavnik {command}» is in no README.md or docs/*.md"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    variable = f"NASTAVNIK_{name.upper()}"
    assert variable in DOCS, f"{variable} is in no README.md or docs/*.md"


@pytest.mark.parametrize("page", PAGES)
def test_every_portal_page_is_documented(page: str) -> None:
    assert _page_pattern(page).search(DOCS), f"the page {page} is in no README.md or docs/*.md"


def test_an_undocumented_page_is_found() -> None:
    assert not _page_pattern("/schools/{school_id}/registry/no-such-page").search(DOCS)
    assert _page_pattern("/schools/{school_id}/registry/totals").search("see `…/registry/totals`")
    assert not _page_pattern("/schools/{school_id}/registry/totals").search("`…/totals`")
