"""No Latin technical words on the portal's pages: every GET route of the application, filled with
the demo's ids, and every page linked from them, for each role; the text a person reads (and the
titles, placeholders and labels of the elements) must be Russian.

Allowed Latin: e-mail addresses, addresses (URLs), file names, what the user typed (roadmap and
school ids, roadmap titles and evidence from the demo data), file formats (XLSX, CSV, …) and Roman
numerals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from definitions.loader import load_roadmaps
from registry.models import Mentee, Mentor, MentorshipPair
from storage.db import session_scope
from storage.models import RoadmapRun, School, StepInstance, User
from tests.test_web_authz import ROUTE_QUERIES, app_routes
from tests.web_helpers import (
    ADMIN_1,
    COORDINATOR,
    VIEWER,
    Portal,
    csrf_of,
    done_instance,
    module_portal,
    open_instance,
    role_clients,
    with_registry,
)

ROLES = {"coordinator": COORDINATOR, "school_admin": ADMIN_1, "viewer": VIEWER, "anonymous": None}
# the format names people know by their Latin letters, and Roman numerals (II квартал)
ALLOWED_WORDS = {
    "XLSX",
    "CSV",
    "PDF",
    "DOCX",
    "ODS",
    "JPEG",
    "PNG",
    "YAML",
    "iCal",
    "Outlook",
    # the programs a methodist keeps her table in, named on the roadmap editor's page
    "Word",
    "Excel",
    "LibreOffice",
    "Calc",
}
ROMAN = re.compile(r"^[IVXLC]+$")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"(https?|webcal)://\S+")
FILE = re.compile(r"[\w.-]+\.(docx|xlsx|xls|csv|pdf|ods|odt|yaml|yml|ics|png|jpe?g|txt)\b", re.I)
# a letter glued to a step code («2.8a») is part of the code the roadmap gives
LATIN = re.compile(r"(?<!\d\.\d)(?<!\d\.\d\d)[A-Za-z][A-Za-z0-9_-]*")
SKIP = re.compile(
    r"^/(static|uploads|documents|calendar|signout|export\.xlsx|indicators\.xlsx)|"
    r"/registry/export|\.(xlsx|csv|ics|docx)$"
)
PAGES_PER_ROLE = 250


class _Text(HTMLParser):
    """The text a person reads: data outside scripts and styles, and the attributes shown.
    ``<code>`` holds what a person types into a file (the schools file's columns, role ids)."""

    SHOWN = {"title", "placeholder", "aria-label", "alt", "label"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code"):
            self._hidden += 1
        for name, value in attrs:
            if value and name in self.SHOWN:
                self.parts.append(value)
            if value and name == "value" and tag == "input" and ("type", "submit") in attrs:
                self.parts.append(value)
            if value and tag == "a" and name == "href":
                self.links.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def latin_words(html: str, typed: set[str]) -> set[str]:
    """Latin words of the page's readable text that are not allowed."""
    parser = _Text()
    parser.feed(html)
    found = set()
    for part in parser.parts:
        text = URL.sub(" ", part)
        text = EMAIL.sub(" ", text)
        text = FILE.sub(" ", text)
        for typed_text in typed:
            text = text.replace(typed_text, " ")
        for word in LATIN.findall(text):
            if word in ALLOWED_WORDS or ROMAN.match(word):
                continue
            found.add(word)
    return found


def _links(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.links


portal = module_portal(
    "latin", prepare=with_registry("sosh1", "sosh2", steps=("mentors", "mentees", "pairs"))
)


@pytest.fixture(scope="module")
def typed(portal: Portal) -> set[str]:
    """What people typed that may be Latin: ids and titles of roadmaps and schools, evidence."""
    with session_scope(portal.engine) as session:
        found = set()
        for run in session.exec(select(RoadmapRun)):
            found.update({run.roadmap_id, run.title})
        # the definitions offered for launch: their ids are what their authors typed
        found.update(loaded.roadmap.id for loaded in load_roadmaps())
        for school in session.exec(select(School)):
            found.add(school.id)
        for evidence in session.exec(select(StepInstance.evidence)):
            if evidence:
                found.add(evidence)
    return {text for text in found if text}


def _starts(portal: Portal) -> list[str]:
    """Every GET route, its placeholders filled with the demo's ids (of school sosh1)."""
    with session_scope(portal.engine) as session:
        school_step = session.exec(
            select(StepInstance.id).where(StepInstance.unit == "sosh1")
        ).first()
        municipal_step = session.exec(
            select(StepInstance.id).where(StepInstance.unit == "")
        ).first()
        mentee = session.exec(select(Mentee.id).where(Mentee.school_id == "sosh1")).first()
        mentor = session.exec(select(Mentor.id).where(Mentor.school_id == "sosh1")).first()
        pair = session.exec(
            select(MentorshipPair.id).where(MentorshipPair.school_id == "sosh1")
        ).first()
        viewer = session.exec(select(User.id).where(User.email == VIEWER)).one()
    values = {
        "school_id": "sosh1",
        "code": "1.4",
        "token": "not-a-token",
        "kind": "mentee",
        "mentee_id": str(mentee),
        "person_id": str(mentee),
        "pair_id": str(pair),
        "user_id": str(viewer),
        "act": "invite",
        "roadmap_id": "beloyarsky-2022",
        "role": "methodical_center",
    }
    paths = []
    for method, route in sorted(app_routes(portal.app())):
        if method != "GET":
            continue
        if "{instance_id}" in route:
            paths += [route.replace("{instance_id}", str(i)) for i in (school_step, municipal_step)]
            continue
        path = route
        for name, value in values.items():
            path = path.replace(f"{{{name}}}", value)
        paths.append(path + ROUTE_QUERIES.get(route, ""))
        if "{kind}/{person_id}" in route:
            paths.append(
                route.replace("{school_id}", "sosh1").replace(
                    "{kind}/{person_id}", f"mentor/{mentor}"
                )
            )
    return [path for path in paths if not SKIP.search(path)]


@pytest.fixture(scope="module")
def clients(portal: Portal) -> Iterator[dict[str, TestClient]]:
    made = role_clients(portal.app(), ROLES)
    yield made
    for client in made.values():
        client.close()


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_latin_technical_words(
    portal: Portal, clients: dict[str, TestClient], typed: set[str], role: str
) -> None:
    client = clients[role]
    queue = _starts(portal)
    seen: set[str] = set()
    problems: dict[str, set[str]] = {}
    pages = 0
    while queue and pages < PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        pages += 1
        words = latin_words(response.text, typed)
        if words:
            problems[path] = words
        for link in _links(response.text):
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and not SKIP.search(parts.path):
                queue.append(target)
    assert pages > (1 if role == "anonymous" else 20)
    assert problems == {}, "\n".join(f"{p}: {sorted(w)}" for p, w in sorted(problems.items()))


def test_the_scan_finds_latin_words() -> None:
    page = (
        '<p title="source cli">Отметил (system) — run 4f2a, e-mail a.b@example.ru, файл '
        "plan-2023.docx, https://example.ru/x, XLSX, II квартал</p><script>var x = 1;</script>"
    )
    assert latin_words(page, typed={"plan"}) == {"source", "cli", "system", "run", "f2a", "e-mail"}


def test_the_pages_a_form_answers_with_show_no_latin_words(
    portal: Portal, clients: dict[str, TestClient], typed: set[str]
) -> None:
    """The confirmations of «отменить отметку» and «неприменимо», and a form's error page."""
    client = clients["coordinator"]
    done = done_instance(portal.engine, school="sosh1")
    opened = open_instance(portal.engine, school="sosh1")
    token = csrf_of(client.get(f"/instances/{done.id}").text)
    answers = [
        client.post(
            f"/instances/{done.id}/undo", data={"csrf_token": token, "version": str(done.version)}
        ),
        client.post(
            f"/instances/{opened.id}/na",
            data={"csrf_token": token, "version": str(opened.version), "reason": "нет"},
        ),
        client.post(f"/instances/{opened.id}/done", data={"csrf_token": token, "version": "x"}),
    ]
    for answer in answers:
        assert answer.headers["content-type"].startswith("text/html"), answer.status_code
        assert latin_words(answer.text, typed) == set(), answer.text
    assert "Да, отменить отметку" in answers[0].text
