"""Users in the portal: the coordinator adds, disables, enables and re-invites school admins and
viewers; the journal of all acts is a page with filters (#17)."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from storage.db import session_scope
from storage.models import User
from tests.web_helpers import (
    ADMIN_1,
    COORDINATOR,
    VIEWER,
    Portal,
    csrf_of,
    module_client,
    module_portal,
    page_text,
    post_form,
    signed_in,
)

NEW_ADMIN = "novaya@beloyarsky-edu.example.ru"


portal = module_portal("users-admin")


coordinator = module_client(COORDINATOR)


def _post(client: TestClient, path: str, **fields: str) -> object:
    return post_form(client, path, token_from="/users", **fields)


def _letters_to(portal: Portal, email: str) -> list[str]:
    found = []
    for path in sorted(portal.settings.mail_dir.glob("signin-*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == email:
            found.append(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    return found


def _user(portal: Portal, email: str) -> User:
    with session_scope(portal.engine) as session:
        return session.exec(select(User).where(User.email == email)).one()


def test_the_coordinator_adds_a_school_admin_who_is_invited_and_signs_in(
    portal: Portal, coordinator: TestClient
) -> None:
    response = _post(
        coordinator,
        "/users",
        email=NEW_ADMIN.upper(),
        name="Новая Анна Петровна",
        role="school_admin",
        school="sosh2",
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = page_text(coordinator.get("/users").text)
    assert f"Пользователь {NEW_ADMIN} добавлен. Ему отправлено письмо" in page
    assert "Новая Анна Петровна ответственный в ОО МАОУ СОШ № 2" in page
    letters = _letters_to(portal, NEW_ADMIN)
    assert len(letters) == 1 and "как ответственному в МАОУ СОШ № 2" in letters[0]
    link = re.search(r"http://testserver(/signin/link/\S+)", letters[0])
    assert link is not None
    newcomer = TestClient(portal.app(), raise_server_exceptions=False, follow_redirects=False)
    confirm = newcomer.get(link.group(1))
    used = newcomer.post(link.group(1), data={"csrf_token": csrf_of(confirm.text)})
    assert used.status_code == 303
    assert newcomer.get("/schools/sosh2").status_code == 200
    assert newcomer.get("/schools/sosh1").status_code == 403


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address", "role": "viewer"}, "Укажите адрес электронной почты"),
        ({"email": ADMIN_1, "role": "viewer"}, "Пользователь с таким адресом почты уже есть"),
        ({"email": "x@y.ru", "role": "school_admin", "school": ""}, "Выберите школу."),
        ({"email": "x@y.ru", "role": "coordinator"}, "Выберите роль"),
    ],
)
def test_a_bad_new_user_is_explained_beside_the_field_and_nothing_changes(
    portal: Portal, coordinator: TestClient, fields: dict[str, str], message: str
) -> None:
    before = _user(portal, ADMIN_1)
    response = _post(coordinator, "/users", **fields)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.text  # type: ignore[attr-defined]
    after = _user(portal, ADMIN_1)
    assert (after.role, after.school_id, after.active) == (
        before.role,
        before.school_id,
        before.active,
    )


def test_a_disabled_user_is_signed_out_and_cannot_sign_in_until_enabled(
    portal: Portal, coordinator: TestClient
) -> None:
    viewer = signed_in(portal.app(), VIEWER)
    assert viewer.get("/matrix").status_code == 200
    user_id = _user(portal, VIEWER).id
    response = _post(coordinator, f"/users/{user_id}/disable")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert f"{VIEWER} отключён" in page_text(coordinator.get("/users").text)
    gone = viewer.get("/matrix")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/signin")
    with pytest.raises(AssertionError):
        signed_in(portal.app(), VIEWER)
    reinvite = _post(coordinator, f"/users/{user_id}/invite")
    assert reinvite.status_code == 303  # type: ignore[attr-defined]
    assert "сначала включите" in page_text(coordinator.get("/users").text)
    _post(coordinator, f"/users/{user_id}/enable")
    assert signed_in(portal.app(), VIEWER).get("/matrix").status_code == 200


def test_an_invitation_is_sent_again_on_request(portal: Portal, coordinator: TestClient) -> None:
    before = len(_letters_to(portal, ADMIN_1))
    _post(coordinator, f"/users/{_user(portal, ADMIN_1).id}/invite")
    assert len(_letters_to(portal, ADMIN_1)) == before + 1


def test_coordinators_are_not_changed_from_the_page(
    portal: Portal, coordinator: TestClient
) -> None:
    response = _post(coordinator, f"/users/{_user(portal, COORDINATOR).id}/disable")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert _user(portal, COORDINATOR).active


def test_the_journal_page_filters_acts(portal: Portal, coordinator: TestClient) -> None:
    everything = page_text(coordinator.get("/journal").text)
    assert "Журнал действий" in everything and "отмечено выполненным" in everything
    _post(coordinator, "/users", email="uhodit@example.ru", role="viewer")
    _post(coordinator, f"/users/{_user(portal, 'uhodit@example.ru').id}/disable")
    disabled = coordinator.get("/journal?action=user_disable&actor=coordinator").text
    body = disabled.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [page_text(row) for row in re.findall(r"<tr>.*?</tr>", body, re.DOTALL)]
    assert rows and all("пользователь отключён" in row for row in rows)
    assert f"{COORDINATOR} портал пользователь отключён — — uhodit@example.ru" in rows[0]
    by_school = coordinator.get("/journal?school=sosh3&action=done").text
    body = by_school.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>.*?</tr>", body, re.DOTALL)
    assert rows and all("МАОУ СОШ № 3" in row and "отмечено выполненным" in row for row in rows)
    dated = coordinator.get("/journal?since=2030-01-01")
    assert dated.status_code == 200 and "Записей нет." in dated.text
    bad = coordinator.get("/journal?since=31.12.2022")
    assert bad.status_code == 400 and "Укажите дату." in bad.text


@pytest.mark.parametrize("email", [ADMIN_1, VIEWER])
def test_only_the_coordinator_sees_users_and_the_journal(portal: Portal, email: str) -> None:
    with signed_in(portal.app(), email) as client:
        assert client.get("/users").status_code == 403
        assert client.get("/journal").status_code == 403
        assert "/users" not in client.get("/account").text
