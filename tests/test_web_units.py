"""«Подразделения» in the portal: the coordinator adds, edits, disables and removes municipal units;
bad input is told beside its field; nobody else may."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from storage.db import session_scope
from storage.units import MunicipalUnit, list_units
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

IMC = "imc@beloyarsky-edu.example.ru"


portal = module_portal("units")


coordinator = module_client(COORDINATOR)


def _post(client: TestClient, path: str, **fields: str) -> object:
    return post_form(client, path, token_from="/units", **fields)


def _units(portal: Portal) -> dict[str, MunicipalUnit]:
    with session_scope(portal.engine) as session:
        return {u.role: u for u in list_units(session, municipality_id=1)}


def test_the_page_lists_the_unit_roles_and_warns_of_launched_steps_without_a_unit(
    portal: Portal, coordinator: TestClient
) -> None:
    page = page_text(coordinator.get("/units").text)
    assert "методический центр ( methodical_center ) не добавлено: шаги ведёт координатор" in page
    assert "у подразделения «муниципальный экспертный совет» нет адреса" in page
    assert "добавьте подразделение в форме ниже" in page
    assert 'href="/units" aria-current="page"' in coordinator.get("/units").text  # the menu


def test_the_coordinator_adds_a_unit_edits_its_email_disables_and_removes_it(
    portal: Portal, coordinator: TestClient
) -> None:
    response = _post(
        coordinator,
        "/units",
        role="methodical_center",
        name=" МАУ  «ИМЦ» ",
        email=IMC,
        dative="",
        genitive="",
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = page_text(coordinator.get("/units").text)
    assert f"Подразделение МАУ «ИМЦ» добавлено: напоминания о его шагах пойдут на {IMC}." in page
    assert f"МАУ «ИМЦ» {IMC} получает письма" in page
    assert "(methodical_center) нет адреса" not in page
    unit = _units(portal)["methodical_center"]
    assert (unit.name, unit.email, unit.active) == ("МАУ «ИМЦ»", IMC, True)

    edited = _post(
        coordinator,
        "/units/methodical_center",
        name="МАУ «ИМЦ»",
        email="new-imc@beloyarsky-edu.example.ru",
        dative="методическому центру",
        genitive="",
    )
    assert edited.status_code == 303  # type: ignore[attr-defined]
    unit = _units(portal)["methodical_center"]
    assert (unit.email, unit.dative) == (
        "new-imc@beloyarsky-edu.example.ru",
        "методическому центру",
    )

    assert _post(coordinator, "/units/methodical_center/disable").status_code == 303  # type: ignore[attr-defined]
    page = page_text(coordinator.get("/units").text)
    assert "Подразделение МАУ «ИМЦ» отключено: его шаги снова ведёт координатор." in page
    assert "отключено: шаги ведёт координатор" in page
    assert not _units(portal)["methodical_center"].active
    assert _post(coordinator, "/units/methodical_center/enable").status_code == 303  # type: ignore[attr-defined]
    assert _units(portal)["methodical_center"].active
    assert _post(coordinator, "/units/methodical_center/remove").status_code == 303  # type: ignore[attr-defined]
    assert "methodical_center" not in _units(portal)
    # every act is journaled with who did it
    from sqlmodel import col, select

    from storage.models import JournalEntry

    with session_scope(portal.engine) as session:
        acts = session.exec(
            select(JournalEntry.action, JournalEntry.actor, JournalEntry.source)
            .where(col(JournalEntry.action).startswith("unit_"))
            .order_by(col(JournalEntry.id))
        ).all()
    assert [a for a, _, _ in acts] == [
        "unit_add",
        "unit_update",
        "unit_update",
        "unit_update",
        "unit_remove",
    ]
    assert {(actor, source) for _, actor, source in acts} == {(COORDINATOR, "web")}
    assert "добавлено подразделение" in coordinator.get("/journal").text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"role": "expert_council", "name": "Совет", "email": "почта"},
            "email",
            "«почта» — не адрес электронной почты.",
        ),
        (
            {"role": "expert_council", "name": " ", "email": "ex@example.ru"},
            "name",
            "Укажите название подразделения.",
        ),
        (
            {"role": "director", "name": "Директор", "email": "d@example.ru"},
            "role",
            "Выберите роль подразделения из списка.",
        ),
        (
            {"role": "expert_council", "name": "Совет", "email": ""},
            "email",
            "Укажите адрес электронной почты подразделения.",
        ),
    ],
)
def test_a_bad_unit_form_is_told_beside_its_field_and_nothing_is_saved(
    portal: Portal, coordinator: TestClient, fields: dict[str, str], field: str, message: str
) -> None:
    response = _post(coordinator, "/units", **fields)
    assert response.status_code == 400  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in html
    assert "Подразделение не добавлено: исправьте отмеченные поля." in html
    assert "expert_council" not in _units(portal) and "director" not in _units(portal)


def test_an_edit_with_a_bad_email_keeps_the_unit_as_it_was(
    portal: Portal, coordinator: TestClient
) -> None:
    _post(coordinator, "/units", role="working_group", name="Рабочая группа", email="wg@example.ru")
    response = _post(coordinator, "/units/working_group", name="Другая", email="плохо")
    assert response.status_code == 400  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert 'id="edit-working_group-email-error">«плохо» — не адрес электронной почты.' in html
    assert "Подразделение не изменено" in html
    unit = _units(portal)["working_group"]
    assert (unit.name, unit.email) == ("Рабочая группа", "wg@example.ru")
    assert _post(coordinator, "/units/nobody", name="X", email="x@example.ru").status_code == 404  # type: ignore[attr-defined]
    assert _post(coordinator, "/units/working_group/explode").status_code == 404  # type: ignore[attr-defined]


@pytest.mark.parametrize("email", [VIEWER, ADMIN_1])
def test_only_the_coordinator_manages_units(portal: Portal, email: str) -> None:
    with signed_in(portal.app(), email) as client:
        assert client.get("/units").status_code == 403
        token = csrf_of(client.get("/account").text)
        response = client.post(
            "/units",
            data={"csrf_token": token, "role": "expert_council", "name": "С", "email": "s@e.ru"},
        )
        assert response.status_code == 403
    assert "expert_council" not in _units(portal)


def test_remind_now_of_a_units_step_writes_to_the_unit(
    portal: Portal, coordinator: TestClient
) -> None:
    from sqlmodel import select

    from storage.models import OutboxItem

    _post(coordinator, "/units", role="methodical_center", name="МАУ «ИМЦ»", email=IMC)
    page = page_text(coordinator.get("/steps/4.4").text)
    assert "муниципалитет — " in page
    assert "(напоминания муниципального уровня получает МАУ «ИМЦ»)" in page
    assert "Напомнить сейчас" in page
    token = csrf_of(coordinator.get("/steps/4.4").text)
    response = coordinator.post(
        "/steps/4.4/remind", data={"csrf_token": token, "school": "", "run": ""}
    )
    assert response.status_code == 303
    assert "поставлено в очередь писем: адресатов — 1" in page_text(
        coordinator.get("/steps/4.4").text
    )
    with session_scope(portal.engine) as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.recipient == IMC)).all()
    assert [(i.level, i.school_id) for i in items] == [("reminder", None)]


def test_the_launch_preview_warns_of_a_unit_role_without_an_address(
    portal: Portal, coordinator: TestClient
) -> None:
    token = csrf_of(coordinator.get("/launch").text)
    response = coordinator.post("/launch", data={"csrf_token": token, "roadmap": "beloyarsky-2022"})
    assert response.status_code == 200
    page = page_text(response.text)
    assert (
        "Внимание: у подразделения «муниципальный экспертный совет» (expert_council) нет адреса: "
        "напоминания о шаге 1.7 получит муниципальный координатор" in page
    )
    assert "Подразделения — на странице «Подразделения»" in page
