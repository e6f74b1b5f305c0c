"""A schools import shows what it changes and asks first, on the portal and in the CLI (#17)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import col, select

from nastavnik import demo_data
from nastavnik.demo import write_schools_csv
from storage.db import session_scope
from storage.models import JournalEntry, School
from tests.test_cli import nastavnik
from tests.web_helpers import (
    COORDINATOR,
    Portal,
    csrf_of,
    module_client,
    module_portal,
    page_text,
)

portal = module_portal("schools-import", acts_until=None)


coordinator = module_client(COORDINATOR)


def _changed_schools() -> list[dict[str, str]]:
    """The demo list with one school added, sosh1's admin and name changed, nosh4 left out."""
    schools = copy.deepcopy(demo_data.SCHOOLS)
    sosh1 = next(s for s in schools if s["id"] == "sosh1")
    sosh1["admin_email"] = "new-admin@beloyarsky-edu.example.ru"
    sosh1["director"] = "Новикова Анна Петровна"
    schools = [s for s in schools if s["id"] != "nosh4"]
    added = copy.deepcopy(sosh1)
    added.update(id="sosh20", short_name="МАОУ СОШ № 20", admin_email="sosh20@example.ru")
    return [*schools, added]


def _schools(portal: Portal) -> dict[str, tuple[str, str]]:
    with session_scope(portal.engine) as session:
        return {s.id: (s.admin_email, s.director) for s in session.exec(select(School))}


def _preview(client: TestClient, path: Path) -> str:
    response = client.post(
        "/import",
        data={"csrf_token": csrf_of(client.get("/import").text)},
        files={"file": ("школы.csv", path.read_bytes(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    return response.text


def _apply(client: TestClient, preview: str) -> object:
    payload = re.search(r'name="payload" value="([^"]+)"', preview)
    assert payload is not None
    return client.post(
        "/import/apply",
        data={"csrf_token": csrf_of(preview), "payload": payload.group(1)},
    )


def test_the_portal_shows_the_difference_and_applies_only_when_confirmed(
    portal: Portal, coordinator: TestClient, tmp_path: Path
) -> None:
    before = _schools(portal)
    path = write_schools_csv(tmp_path / "schools.csv", _changed_schools())
    preview = _preview(coordinator, path)
    text = page_text(preview)
    assert "Добавятся школы (1)" in text and "МАОУ СОШ № 20 (sosh20)" in text
    assert "Изменятся школы (1)" in text
    assert (
        "адрес почты ответственного sosh1@beloyarsky-edu.example.ru new-admin@beloyarsky-edu.example.ru"
        in text
    )
    assert "директор" in text and "Новикова Анна Петровна" in text
    assert "Нет в файле (1)" in text and "(nosh4)" in text and "не удаляет" in text
    assert "Меняется адрес почты ответственного в 1 шк." in text
    assert _schools(portal) == before, "the preview changes nothing"

    applied = _apply(coordinator, preview)
    assert applied.status_code == 303  # type: ignore[attr-defined]
    after = _schools(portal)
    assert after["sosh1"] == ("new-admin@beloyarsky-edu.example.ru", "Новикова Анна Петровна")
    assert "sosh20" in after and "nosh4" in after
    with session_scope(portal.engine) as session:
        change = session.exec(
            select(JournalEntry).where(JournalEntry.action == "school_admin_email_change")
        ).one()
    assert (change.school_id, change.before, change.after, change.actor, change.source) == (
        "sosh1",
        "sosh1@beloyarsky-edu.example.ru",
        "new-admin@beloyarsky-edu.example.ru",
        COORDINATOR,
        "web",
    )
    flash = page_text(coordinator.get("/import").text)
    assert (
        "добавлено школ — 1, изменено — 1, из них сменился адрес почты ответственного — 1" in flash
    )


def test_a_preview_gone_stale_is_shown_again_instead_of_applied(
    portal: Portal, coordinator: TestClient, tmp_path: Path
) -> None:
    schools = copy.deepcopy(demo_data.SCHOOLS)
    next(s for s in schools if s["id"] == "sosh2")["director"] = "Орлов Олег Олегович"
    preview = _preview(coordinator, write_schools_csv(tmp_path / "s.csv", schools))
    with session_scope(portal.engine) as session:  # someone else changes sosh3 meanwhile
        school = session.get(School, "sosh3")
        assert school is not None
        school.director = "Другой Директор Иванович"
        session.add(school)
    response = _apply(coordinator, preview)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "список школ в системе изменился" in response.text  # type: ignore[attr-defined]
    assert _schools(portal)["sosh2"][1] != "Орлов Олег Олегович"


def test_a_forged_payload_is_refused(portal: Portal, coordinator: TestClient) -> None:
    token = csrf_of(coordinator.get("/import").text)
    response = coordinator.post("/import/apply", data={"csrf_token": token, "payload": "eyJ9.x"})
    assert response.status_code == 400 and "загрузите файл ещё раз" in response.text


def test_the_cli_prints_the_difference_and_needs_yes_to_change_existing_schools(
    tmp_path: Path,
) -> None:
    env = {"NASTAVNIK_DB": f"sqlite:///{tmp_path / 'n.db'}"}
    nastavnik("init", "--municipality", "М", "--tz", "Europe/Moscow", env=env)
    first = nastavnik("schools", "import", str(write_schools_csv(tmp_path / "a.csv")), env=env)
    assert first.returncode == 0 and "Добавятся школы (12)" in first.stdout, first.stderr
    changed = write_schools_csv(tmp_path / "b.csv", _changed_schools())
    refused = nastavnik("schools", "import", str(changed), env=env)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert "адрес почты ответственного: «sosh1@beloyarsky-edu.example.ru» → «new-admin@" in (
        refused.stdout
    )
    listed = nastavnik("schools", "list", "--json", env=env).stdout
    assert "new-admin@" not in listed, "nothing changed without --yes"
    applied = nastavnik("schools", "import", str(changed), "--yes", env=env)
    assert (
        applied.returncode == 0
        and "добавлено школ — 1, изменено — 1, без изменений — 10" in applied.stdout
    )
    assert "new-admin@" in nastavnik("schools", "list", "--json", env=env).stdout


def test_journal_rows_of_a_preview_are_not_kept(portal: Portal) -> None:
    with session_scope(portal.engine) as session:
        actors = session.exec(
            select(JournalEntry.actor).where(col(JournalEntry.action) == "schools_import")
        ).all()
    assert "preview" not in actors


def test_a_control_character_in_the_file_is_named_by_row_and_column(
    portal: Portal, coordinator: TestClient
) -> None:
    before = _schools(portal)
    bad = (
        "id,name,short_name,director,admin_email\n"
        "new1,Новая\x00школа,НШ,Петров Пётр Петрович,new1@x.ru\n"
    )
    response = coordinator.post(
        "/import",
        data={"csrf_token": csrf_of(coordinator.get("/import").text)},
        files={"file": ("школы.csv", bad.encode(), "text/csv")},
    )
    assert response.status_code == 400
    assert "строка 2, столбец B (name): недопустимый невидимый символ (U+0000)" in response.text
    assert _schools(portal) == before
