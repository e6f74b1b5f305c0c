"""The authorisation matrix: every state-changing endpoint × every role × own / other school / municipality.

A refused request must change nothing; an allowed one must change exactly the target.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from storage.db import session_scope
from storage.models import JournalEntry, StepInstance
from tests.web_helpers import (
    ADMIN_1,
    COORDINATOR,
    VIEWER,
    Portal,
    build_portal,
    csrf_of,
    done_instance,
    open_instance,
    signed_in,
)

ROLES = {"coordinator": COORDINATOR, "school_admin": ADMIN_1, "viewer": VIEWER, "anonymous": None}
TARGETS = {"own": "sosh1", "other": "sosh2", "municipality": None}


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Portal:
    return build_portal(tmp_path_factory.mktemp("authz"))


@pytest.fixture(scope="module")
def clients(portal: Portal) -> Iterator[dict[str, TestClient]]:
    app = portal.app()
    made = {role: signed_in(app, email) for role, email in ROLES.items() if email}
    anonymous = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    anonymous.get(
        "/signin"
    )  # gets a pre-session cookie, so its CSRF token is valid and only the role is missing
    made["anonymous"] = anonymous
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
        "/launch", data={"csrf_token": _token(client), "roadmap": "chaikovsky-2022-2023"}
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
        assert response.status_code == 303
        return
    _expect(response, allowed=False, role=role, before=before, portal=portal)


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
