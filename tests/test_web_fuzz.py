"""Fuzzing every route of the portal: no input gives HTTP 500, on SQLite and on PostgreSQL.

Hypothesis draws a route of the application (read from the app, as the authorisation matrix
does), values for its path parameters, a query string and a form — with control characters, NUL,
invisible characters, huge numbers, impossible dates — and sends it as a signed-in coordinator or
school admin with a valid CSRF token, so that the request reaches the views. Bounded to a few tens
of seconds per database.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_web_authz import app_routes
from tests.web_helpers import (
    ADMIN_1,
    COORDINATOR,
    Portal,
    backend_portal,
    csrf_of,
    signed_in,
    with_registry,
)

# the names of the portal's form fields (a drawn form mixes them with odd ones)
FIELDS = [
    "action", "age", "category", "comment", "confirm", "date", "doc_date", "due", "email",
    "end_date", "file", "form", "full_name", "group_name", "kind", "mentees", "mentors", "next",
    "number", "password", "programme", "reason", "request", "roadmap", "run", "school",
    "school_class", "start", "start_date", "status", "step", "template_id", "version", "year",
]  # fmt: skip
# routes that end the fuzzing client's own session
SKIPPED = {("POST", "/signout")}

SPECIAL = [
    "",
    "0",
    "-1",
    "9" * 30,
    "1e309",
    "²",
    "9999-12-31",
    "0001-01-01",
    "2022-02-30",
    "\x00",
    "a\x00b",
    "\u200b",
    "\ufeff",
    "\ud7ff",
    "../../etc/passwd",
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "sosh1",
    "sosh2",
    "1.4",
    "mentee",
    "mentor",
    "csv",
    "xlsx",
    "beloyarsky-2022",
    "x" * 5000,
]

values = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.text(alphabet=string.printable, max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


portal = backend_portal("fuzz", prepare=with_registry("sosh1", steps=("mentors", "mentees")))


@pytest.fixture(scope="module")
def fuzz_clients(portal: Portal) -> Iterator[list[tuple[TestClient, str]]]:
    app = portal.app()
    made = []
    for email in (COORDINATOR, ADMIN_1):
        client = signed_in(app, email)
        made.append((client, csrf_of(client.get("/account").text)))
    yield made
    for client, _ in made:
        client.close()


def _routes(portal: Portal) -> list[tuple[str, str]]:
    return sorted(app_routes(portal.app()) - SKIPPED)


def _fill(path: str, draw: Any) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: quote(draw(values), safe=""), path)


@st.composite
def requests(draw: Any, routes: list[tuple[str, str]]) -> tuple[str, str, dict[str, str], int]:
    method, path = draw(st.sampled_from(routes))
    url = _fill(path, draw)
    query = draw(st.dictionaries(st.sampled_from(FIELDS), values, max_size=3))
    if query:
        url += "?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
    form = draw(st.dictionaries(st.one_of(st.sampled_from(FIELDS), values), values, max_size=6))
    who = draw(st.integers(min_value=0, max_value=1))
    return method, url, form, who


def test_no_drawn_request_to_any_route_gives_http_500(
    portal: Portal, fuzz_clients: list[tuple[TestClient, str]]
) -> None:
    routes = _routes(portal)

    @settings(
        max_examples=120,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests(routes))
    def one(drawn: tuple[str, str, dict[str, str], int]) -> None:
        method, url, form, who = drawn
        client, token = fuzz_clients[who]
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={**form, "csrf_token": token})
        assert response.status_code < 500, (method, url, form, response.text[-400:])

    one()
