"""The authorisation matrix: every state-changing endpoint × every role × own / other school / municipality.

A refused request must change nothing; an allowed one must change exactly the target.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from storage.db import session_scope
from storage.models import JournalEntry, School, StepInstance, User
from tests.web_helpers import (
    ADMIN_1,
    COORDINATOR,
    VIEWER,
    Portal,
    anonymous_client,
    backend_portal,
    csrf_of,
    done_instance,
    open_instance,
    role_clients,
    signed_in,
    with_registry,
)
from web import access
from web.access import Right, declared_rule

ROLES = {"coordinator": COORDINATOR, "school_admin": ADMIN_1, "viewer": VIEWER, "anonymous": None}
TARGETS = {"own": "sosh1", "other": "sosh2", "municipality": None}


# on SQLite, and on PostgreSQL when its URL is set
portal = backend_portal(
    "authz", prepare=with_registry("sosh1", "sosh2", steps=("mentors", "mentees", "pairs"))
)


@pytest.fixture(scope="module")
def clients(portal: Portal) -> Iterator[dict[str, TestClient]]:
    made = role_clients(portal.app(), ROLES)
    yield made
    for client in made.values():
        client.close()


def _token(client: TestClient) -> str:
    if "nastavnik_session" not in client.cookies:
        return csrf_of(client.get("/signin").text)
    return csrf_of(_any_page(client))


def _any_page(client: TestClient) -> str:
    for path in ("/matrix", "/schools/sosh1"):
        response = client.get(path)
        if response.status_code == 200:
            return response.text
    raise AssertionError("no page with a form")


def _allowed(role: str, target: str) -> bool:
    return role == "coordinator" or (role == "school_admin" and target == "own")


def _snapshot(portal: Portal) -> tuple[int, list[tuple[int, str, int]]]:
    with session_scope(portal.engine) as session:
        journal = len(list(session.exec(select(JournalEntry.id))))
        rows = [
            (i.id or 0, i.state, i.version)
            for i in session.exec(select(StepInstance).order_by(col(StepInstance.id)))
        ]
    return journal, rows


def _expect(
    response: object,
    *,
    allowed: bool,
    role: str,
    before: tuple[int, list[tuple[int, str, int]]],
    portal: Portal,
) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    if allowed:
        assert status == 303, response.text  # type: ignore[attr-defined]
        assert _snapshot(portal) != before
        return
    if role == "anonymous":
        assert status == 303 and response.headers["location"].startswith("/signin")  # type: ignore[attr-defined]
    else:
        assert status == 403, response.text  # type: ignore[attr-defined]
        assert "Нет доступа" in response.text  # type: ignore[attr-defined]
    assert _snapshot(portal) == before, "a refused request changed the database"


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["done", "na", "undo"])
def test_step_actions_are_allowed_only_to_the_coordinator_and_the_schools_own_admin(
    portal: Portal, clients: dict[str, TestClient], role: str, target: str, action: str
) -> None:
    client = clients[role]
    school = TARGETS[target]
    if action == "undo":
        instance = done_instance(portal.engine, school=school)
    else:
        instance = open_instance(portal.engine, school=school)
    data = {"csrf_token": _token(client), "version": str(instance.version)}
    if action == "done":
        data.update(number="12-од", doc_date="2022-05-19")
    if action == "na":
        data.update(reason="Не относится к школе")
    if action in ("na", "undo"):
        data.update(confirm="yes")  # the confirmation page's answer (test_web_rework.py asks)
    before = _snapshot(portal)
    response = client.post(f"/instances/{instance.id}/{action}", data=data)
    _expect(response, allowed=_allowed(role, target), role=role, before=before, portal=portal)


def _any_instance(portal: Portal, *, school: str | None, code: str) -> StepInstance:
    with session_scope(portal.engine) as session:
        instance = session.exec(
            select(StepInstance).where(
                StepInstance.unit == (school or ""), StepInstance.step_code == code
            )
        ).first()
        assert instance is not None
        return instance


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_a_step_instances_page_is_shown_only_to_those_who_see_its_school(
    portal: Portal, clients: dict[str, TestClient], role: str, target: str
) -> None:
    instance = _any_instance(
        portal, school=TARGETS[target], code="1.2" if target == "municipality" else "1.5"
    )
    response = clients[role].get(f"/instances/{instance.id}")
    if role == "anonymous":
        assert response.status_code == 303 and response.headers["location"].startswith("/signin")
    elif role in ("coordinator", "viewer") or (role == "school_admin" and target == "own"):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


DOCUMENTS = {
    # target: (step, template, the form's fields)
    "own": ("1.5", "order_curator_appointment", {"number": "41-од", "date": "2022-05-19"}),
    "other": ("1.5", "order_curator_appointment", {"number": "41-од", "date": "2022-05-19"}),
    "municipality": (
        "1.2",
        "order_municipal_implementation",
        {"number": "12-р", "date": "2022-05-19", "curators_deadline": "2022-06-01"},
    ),
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_documents_are_generated_only_by_the_coordinator_and_the_schools_own_admin(
    portal: Portal, clients: dict[str, TestClient], role: str, target: str
) -> None:
    client = clients[role]
    code, template, fields = DOCUMENTS[target]
    # a number of its own: a school's register never gives one number twice
    fields = {
        **fields,
        "number": f"{40 + 3 * list(ROLES).index(role) + list(TARGETS).index(target)}-од",
    }
    instance = _any_instance(portal, school=TARGETS[target], code=code)
    before = _snapshot(portal)
    response = client.post(
        f"/instances/{instance.id}/documents",
        data={"csrf_token": _token(client), "template_id": template, **fields},
    )
    _expect(response, allowed=_allowed(role, target), role=role, before=before, portal=portal)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", ["all", "own", "other"])
def test_only_the_coordinator_sets_dates_of_unscheduled_steps(
    portal: Portal, clients: dict[str, TestClient], role: str, target: str
) -> None:
    client = clients[role]
    school = {"all": "", "own": "sosh1", "other": "sosh2"}[target]
    before = _snapshot(portal)
    response = client.post(
        "/steps/3.4/schedule",
        data={
            "csrf_token": _token(client),
            "run": "beloyarsky-2022",
            "due": "2022-10-31",
            "start": "2022-09-01",
            "school": school,
        },
    )
    _expect(response, allowed=role == "coordinator", role=role, before=before, portal=portal)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_coordinator_launches_a_roadmap(
    portal: Portal, clients: dict[str, TestClient], role: str
) -> None:
    client = clients[role]
    before = _snapshot(portal)
    response = client.post(
        "/launch",
        data={"csrf_token": _token(client), "roadmap": "chaikovsky-2022-2023", "confirm": "1"},
    )
    if role == "coordinator":
        assert response.status_code == 303
        return
    _expect(response, allowed=False, role=role, before=before, portal=portal)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_coordinator_imports_schools(
    portal: Portal, clients: dict[str, TestClient], role: str, tmp_path: Path
) -> None:
    client = clients[role]
    csv = "id,name,short_name,director,admin_email\nnew1,Новая школа,НШ,Петров Пётр Петрович,new1@x.ru\n"
    before = _snapshot(portal)
    response = client.post(
        "/import",
        data={"csrf_token": _token(client)},
        files={"file": ("schools.csv", csv.encode(), "text/csv")},
    )
    if role == "coordinator":
        assert response.status_code == 200 and "Применить изменения" in response.text
        assert _snapshot(portal) == before, "the preview changes nothing"
        return
    _expect(response, allowed=False, role=role, before=before, portal=portal)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_coordinator_applies_a_schools_import(
    portal: Portal, clients: dict[str, TestClient], role: str
) -> None:
    # the payload of a real preview, replayed by each role
    coordinator = clients["coordinator"]
    csv = "id,name,short_name,director,admin_email\nsosh1,Школа,НШ,Петров Пётр Петрович,evil@x.ru\n"
    preview = coordinator.post(
        "/import",
        data={"csrf_token": _token(coordinator)},
        files={"file": ("schools.csv", csv.encode(), "text/csv")},
    )
    payload = re.search(r'name="payload" value="([^"]+)"', preview.text)
    assert payload is not None
    client = clients[role]
    before = _snapshot(portal)
    if role == "coordinator":
        return  # applying is tested in test_web_schools_import.py
    response = client.post(
        "/import/apply", data={"csrf_token": _token(client), "payload": payload.group(1)}
    )
    _expect(response, allowed=False, role=role, before=before, portal=portal)
    with session_scope(portal.engine) as session:
        school = session.get(School, "sosh1")
        assert school is not None and school.admin_email != "evil@x.ru"


READS = {
    # path: roles that may read it
    "/matrix": {"coordinator", "viewer"},
    "/municipality": {"coordinator", "viewer"},
    "/progress": {"coordinator", "viewer"},
    "/gantt": {"coordinator", "viewer"},
    "/steps/1.4": {"coordinator", "viewer"},
    "/export.xlsx": {"coordinator", "viewer"},
    "/schools/sosh1": {"coordinator", "viewer", "school_admin"},
    "/schools/sosh2": {"coordinator", "viewer"},
    "/launch": {"coordinator"},
    "/import": {"coordinator"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", READS)
def test_pages_are_shown_only_to_those_allowed(
    clients: dict[str, TestClient], role: str, path: str
) -> None:
    response = clients[role].get(path)
    if role == "anonymous":
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/signin?next="
        )
    elif role in READS[path]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("action", ["done", "undo", "na"])
@pytest.mark.parametrize("role", ROLES)
def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
    portal: Portal, clients: dict[str, TestClient], role: str, action: str
) -> None:
    # the step actions are plain Starlette routes that check the token themselves
    instance = open_instance(portal.engine, school="sosh1")
    before = _snapshot(portal)
    fields = {
        "version": str(instance.version),
        "number": "1",
        "doc_date": "2022-05-19",
        "reason": "нет",
    }
    response = clients[role].post(f"/instances/{instance.id}/{action}", data=fields)
    assert response.status_code == 403
    assert "Форма устарела" in response.text
    forged = clients[role].post(
        f"/instances/{instance.id}/{action}", data={"csrf_token": "0" * 64, **fields}
    )
    assert forged.status_code == 403
    assert _snapshot(portal) == before


# --- every route of the app: role × route × own / other school / municipality -------------------
#
# The routes are read from the application itself: a new route without a rule here fails
# test_every_route_has_an_authorisation_rule, so nobody adds a page and forgets who may open it.

# the rules are web/access.py's rights, by their values
PUBLIC = "public"  # anyone, signed in or not (sign-in pages, the calendar behind its token)
SIGNED_IN = Right.SIGNED_IN.value  # any signed-in user, about themselves
MUNICIPAL = Right.MUNICIPAL.value  # coordinator and viewer; a school admin is refused
MUNICIPAL_OR_OWN = access.MUNICIPAL_OR_OWN  # as MUNICIPAL; a school admin is sent to their own page
COORDINATOR_ONLY = Right.COORDINATE.value
SCHOOL_READ = Right.SCHOOL_READ.value  # coordinator, viewer, the school's own admin
SCHOOL_NAMES = Right.SCHOOL_NAMES.value  # coordinator and the school's own admin (children's names)
SCHOOL_WRITE = Right.SCHOOL_WRITE.value  # coordinator and the school's own admin

# (method, path) → who may; paths as the app declares them
ROUTE_RULES: dict[tuple[str, str], str] = {
    ("GET", "/signin"): PUBLIC,
    ("POST", "/signin"): PUBLIC,
    ("POST", "/signin/link"): PUBLIC,
    ("GET", "/signin/link/{token}"): PUBLIC,
    ("POST", "/signin/link/{token}"): PUBLIC,
    ("GET", "/calendar/{token}.ics"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,  # for monitors: the database, the schema, the last daily run
    ("POST", "/signout"): PUBLIC,  # ends only the caller's own session
    ("GET", "/"): SIGNED_IN,
    ("GET", "/account"): SIGNED_IN,
    ("POST", "/account/calendar"): SIGNED_IN,
    ("GET", "/matrix"): MUNICIPAL,
    ("GET", "/municipality"): MUNICIPAL,
    ("GET", "/steps/{code}"): MUNICIPAL,
    ("GET", "/progress"): MUNICIPAL,
    ("GET", "/gantt"): MUNICIPAL,
    ("GET", "/export.xlsx"): MUNICIPAL,
    ("GET", "/registry"): MUNICIPAL_OR_OWN,
    ("GET", "/indicators"): MUNICIPAL_OR_OWN,
    ("GET", "/launch"): COORDINATOR_ONLY,
    ("POST", "/launch"): COORDINATOR_ONLY,
    ("POST", "/launch/undo"): COORDINATOR_ONLY,
    ("POST", "/launch/archive"): COORDINATOR_ONLY,
    ("GET", "/roadmaps"): COORDINATOR_ONLY,
    ("POST", "/roadmaps/import"): COORDINATOR_ONLY,
    ("POST", "/roadmaps/copy"): COORDINATOR_ONLY,
    ("GET", "/roadmaps/{roadmap_id}"): COORDINATOR_ONLY,
    ("GET", "/roadmaps/{roadmap_id}/export.yaml"): COORDINATOR_ONLY,
    ("GET", "/roadmaps/{roadmap_id}/header"): COORDINATOR_ONLY,
    ("POST", "/roadmaps/{roadmap_id}/header"): COORDINATOR_ONLY,
    ("POST", "/roadmaps/{roadmap_id}/publish"): COORDINATOR_ONLY,
    ("POST", "/roadmaps/{roadmap_id}/steps"): COORDINATOR_ONLY,
    ("GET", "/roadmaps/{roadmap_id}/steps/{code}"): COORDINATOR_ONLY,
    ("POST", "/roadmaps/{roadmap_id}/steps/{code}"): COORDINATOR_ONLY,
    ("POST", "/roadmaps/{roadmap_id}/steps/{code}/move"): COORDINATOR_ONLY,
    ("GET", "/import"): COORDINATOR_ONLY,
    ("POST", "/import"): COORDINATOR_ONLY,
    ("POST", "/import/apply"): COORDINATOR_ONLY,
    ("GET", "/users"): COORDINATOR_ONLY,
    ("POST", "/users"): COORDINATOR_ONLY,
    ("POST", "/users/{user_id}/{act}"): COORDINATOR_ONLY,
    ("GET", "/units"): COORDINATOR_ONLY,
    ("POST", "/units"): COORDINATOR_ONLY,
    ("POST", "/units/{role}"): COORDINATOR_ONLY,
    ("POST", "/units/{role}/{act}"): COORDINATOR_ONLY,
    ("GET", "/journal"): COORDINATOR_ONLY,
    ("POST", "/steps/{code}/schedule"): COORDINATOR_ONLY,
    ("POST", "/steps/{code}/remind"): COORDINATOR_ONLY,
    ("GET", "/indicators.xlsx"): MUNICIPAL,
    ("POST", "/instances/{instance_id}/rework"): COORDINATOR_ONLY,
    ("POST", "/instances/{instance_id}/comment"): SCHOOL_WRITE,
    ("GET", "/schools/{school_id}"): SCHOOL_READ,
    ("GET", "/instances/{instance_id}"): SCHOOL_READ,
    ("GET", "/uploads/{upload_id}"): SCHOOL_READ,
    ("GET", "/documents/{document_id}"): SCHOOL_READ,
    ("GET", "/schools/{school_id}/registry"): SCHOOL_READ,
    ("GET", "/schools/{school_id}/registry/totals"): SCHOOL_READ,
    ("GET", "/schools/{school_id}/registry/pairs/new"): SCHOOL_NAMES,
    ("GET", "/schools/{school_id}/registry/suggest/{mentee_id}"): SCHOOL_NAMES,
    ("GET", "/schools/{school_id}/registry/import"): SCHOOL_NAMES,
    ("GET", "/schools/{school_id}/registry/export"): SCHOOL_NAMES,
    ("GET", "/schools/{school_id}/registry/people/{kind}/new"): SCHOOL_NAMES,
    ("GET", "/schools/{school_id}/registry/people/{kind}/{person_id}"): SCHOOL_NAMES,
    ("GET", "/schools/{school_id}/registry/people/{kind}/{person_id}/remove"): SCHOOL_NAMES,
    ("POST", "/instances/{instance_id}/done"): SCHOOL_WRITE,
    ("POST", "/instances/{instance_id}/undo"): SCHOOL_WRITE,
    ("POST", "/instances/{instance_id}/na"): SCHOOL_WRITE,
    ("POST", "/instances/{instance_id}/documents"): SCHOOL_WRITE,
    ("GET", "/schools/{school_id}/report"): SCHOOL_READ,
    ("POST", "/schools/{school_id}/report"): SCHOOL_WRITE,
    ("POST", "/schools/{school_id}/registry/pairs"): SCHOOL_WRITE,
    ("POST", "/schools/{school_id}/registry/pairs/{pair_id}/end"): SCHOOL_WRITE,
    ("POST", "/schools/{school_id}/registry/import"): SCHOOL_WRITE,
    ("POST", "/schools/{school_id}/registry/totals"): SCHOOL_WRITE,
    ("POST", "/schools/{school_id}/registry/survey"): SCHOOL_WRITE,
    ("POST", "/schools/{school_id}/registry/people/{kind}"): SCHOOL_WRITE,
    ("POST", "/schools/{school_id}/registry/people/{kind}/{person_id}"): SCHOOL_WRITE,
    ("POST", "/schools/{school_id}/registry/people/{kind}/{person_id}/remove"): SCHOOL_WRITE,
}

# the query a page needs to answer at all (not to decide who may see it)
ROUTE_QUERIES = {"/schools/{school_id}/registry/export": "?kind=mentees&format=csv"}
# routes that end the client's session or change the user's own things: a fresh client each time
OWN_SESSION_ROUTES = {("POST", "/signout"), ("POST", "/account/calendar")}


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route the application answers (HEAD and static files aside)."""
    return set(declared_rules(app))


def declared_rules(app: Any) -> dict[tuple[str, str], str | None]:
    """(method, path) of every route → the access rule its dependency (or ActionRoute) declares."""
    found: dict[tuple[str, str], str | None] = {}

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI's included router
                context = getattr(route, "include_context", None)
                walk(route.original_router.routes, prefix + (getattr(context, "prefix", "") or ""))
            elif getattr(route, "methods", None):
                for method in route.methods - {"HEAD"}:
                    found[(method, prefix + route.path)] = declared_rule(route)

    walk(app.router.routes, "")
    return found


def test_every_route_has_an_authorisation_rule(portal: Portal) -> None:
    routes = app_routes(portal.app())
    assert routes - set(ROUTE_RULES) == set(), "routes without a rule in ROUTE_RULES"
    assert set(ROUTE_RULES) - routes == set(), "rules of routes that no longer exist"


def test_every_route_declares_its_rule_as_an_access_dependency(portal: Portal) -> None:
    # the rule a route enforces is the one its dependency (web/access.py) declares: a route
    # without one is public, and a new route that forgets it fails here
    declared = declared_rules(portal.app())
    wrong = {
        route: f"ROUTE_RULES says {rule}, the route declares {declared.get(route)}"
        for route, rule in ROUTE_RULES.items()
        if declared.get(route) != (None if rule == PUBLIC else rule)
    }
    assert wrong == {}


def _targets(path: str) -> list[str]:
    if "{instance_id}" in path:
        return ["own", "other", "municipality"]
    if any(f"{{{name}}}" in path for name in ("school_id", "upload_id", "document_id")):
        return ["own", "other"]
    return ["-"]


MATRIX_CASES = [
    pytest.param(method, path, role, target, id=f"{method} {path} {role} {target}")
    for (method, path), rule in sorted(ROUTE_RULES.items())
    for role in ROLES
    for target in _targets(path)
]


@pytest.fixture(scope="module")
def route_ids(portal: Portal) -> dict[str, dict[str, str]]:
    """The ids each route's placeholders take, per target: a scan and a generated document of
    each school (rows whose files are gone: who may see them gets 404, the others 403)."""
    from registry.models import Mentee, Mentor, MentorshipPair
    from storage.models import GeneratedDocument
    from web.models import Upload

    ids: dict[str, dict[str, str]] = {}
    with session_scope(portal.engine) as session:
        for target, school in TARGETS.items():
            instance = session.exec(
                select(StepInstance).where(StepInstance.unit == (school or ""))
            ).first()
            assert instance is not None
            upload = Upload(
                step_instance_id=instance.id or 0,
                school_id=school,
                file_name="скан.pdf",
                stored_path=f"uploads/{target}/gone.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                uploaded_by="test",
                uploaded_at=portal.now,
            )
            document = GeneratedDocument(
                step_instance_id=instance.id,
                school_id=school,
                template_id="order_curator_appointment",
                path=str(portal.workdir / "gone.docx"),
                sha256="0" * 64,
                data={},
                rendered_by="test",
                rendered_at=portal.now,
            )
            session.add(upload)
            session.add(document)
            session.flush()
            values = {
                "school_id": school or "",
                "instance_id": str(instance.id),
                "upload_id": str(upload.id),
                "document_id": str(document.id),
                "code": "1.4",
                "roadmap_id": "beloyarsky-2022",  # a file: shown, not editable (404 on edits)
                "token": "not-a-token",
                "kind": "mentee",
                "user_id": str(session.exec(select(User.id).where(User.email == VIEWER)).one()),
                "act": "invite",  # sends a letter; changes no row the fingerprint counts
                "role": "methodical_center",  # a unit role (no unit set up: the coordinator gets 404)
            }
            if school is not None:
                mentee = session.exec(select(Mentee.id).where(Mentee.school_id == school)).first()
                mentor = session.exec(select(Mentor.id).where(Mentor.school_id == school)).first()
                pair = session.exec(
                    select(MentorshipPair.id).where(MentorshipPair.school_id == school)
                ).first()
                assert mentee and mentor and pair, "the demo registry of both schools is entered"
                values.update(mentee_id=str(mentee), person_id=str(mentee), pair_id=str(pair))
            ids[target] = values
    return ids


def _allowed_by_rule(rule: str, role: str, target: str) -> bool:
    if rule == PUBLIC:
        return True
    if role == "anonymous":
        return False
    if rule == SIGNED_IN:
        return True
    if rule in (MUNICIPAL, MUNICIPAL_OR_OWN):
        return role in ("coordinator", "viewer")
    if rule == COORDINATOR_ONLY:
        return role == "coordinator"
    own = role == "school_admin" and target == "own"
    if rule == SCHOOL_READ:
        return role in ("coordinator", "viewer") or own
    return role == "coordinator" or own  # SCHOOL_NAMES, SCHOOL_WRITE


_TOKENS: dict[int, str] = {}


def _cached_token(client: TestClient) -> str:
    """The client's CSRF token (bound to its cookie, so it stays the same)."""
    if id(client) not in _TOKENS:
        _TOKENS[id(client)] = _token(client)
    return _TOKENS[id(client)]


def _fingerprint(portal: Portal) -> tuple[int, ...]:
    """Counts and version sums of every table a request could change, in one query."""
    from sqlalchemy import func

    from registry.models import Mentee, Mentor, MentorshipPair, SchoolTotals
    from storage.models import GeneratedDocument, School, User
    from web.models import CalendarLink, Upload

    counted: list[Any] = [JournalEntry, GeneratedDocument, Upload, School, User, CalendarLink]
    counted += [Mentor, Mentee, MentorshipPair, SchoolTotals, StepInstance]
    versioned: list[Any] = [Mentor, Mentee, MentorshipPair, StepInstance]
    columns = [select(func.count()).select_from(model).scalar_subquery() for model in counted]
    columns += [select(func.sum(model.version)).scalar_subquery() for model in versioned]
    with session_scope(portal.engine) as session:
        row = session.exec(select(*columns)).one()
    return tuple(int(value or 0) for value in row)


def _fresh_client(portal: Portal, role: str) -> TestClient:
    email = ROLES[role]
    return signed_in(portal.app(), email) if email else anonymous_client(portal.app())


@pytest.mark.parametrize(("method", "path", "role", "target"), MATRIX_CASES)
def test_every_route_answers_each_role_as_its_rule_says(
    portal: Portal,
    clients: dict[str, TestClient],
    route_ids: dict[str, dict[str, str]],
    method: str,
    path: str,
    role: str,
    target: str,
) -> None:
    rule = ROUTE_RULES[(method, path)]
    values = route_ids["own" if target == "-" else target]
    url = path.format(**values) + ROUTE_QUERIES.get(path, "")
    fresh = (method, path) in OWN_SESSION_ROUTES
    client = _fresh_client(portal, role) if fresh else clients[role]
    token = _token(client) if fresh else _cached_token(client)
    allowed = _allowed_by_rule(rule, role, target)
    before = None if allowed else _fingerprint(portal)  # compared only when refused
    if method == "GET":
        response = client.get(url)
    else:
        # only the CSRF token: an allowed request is refused by its form or does its own harmless
        # thing; a refused one must be refused by the role and change nothing
        response = client.post(url, data={"csrf_token": token})
    status = response.status_code
    assert status < 500, f"{method} {url} as {role}: HTTP {status}"
    if rule == PUBLIC:
        return
    redirected_to_signin = status == 303 and response.headers["location"].startswith("/signin")
    if allowed:
        assert status != 403 and not redirected_to_signin, f"{method} {url} as {role}: {status}"
        return
    if role == "anonymous":
        assert redirected_to_signin, f"{method} {url} anonymous: {status}"
    elif rule == MUNICIPAL_OR_OWN and role == "school_admin":
        assert status == 303 and response.headers["location"].startswith("/schools/sosh1/")
    else:
        assert status == 403, f"{method} {url} as {role}: {status}"
    assert _fingerprint(portal) == before, f"{method} {url} as {role} changed the database"
    if fresh:
        client.close()
