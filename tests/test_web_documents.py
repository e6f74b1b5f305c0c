"""«Сформировать документ» on a step's page: generate, list, download; missing data; who may.

Runs on SQLite and, when NASTAVNIK_TEST_PG_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import io
import re
from urllib.parse import quote

import docx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col, select

from storage.db import session_scope
from storage.models import GeneratedDocument, JournalEntry, School, StepInstance
from tests.web_helpers import (
    ADMIN_1,
    ADMIN_2,
    COORDINATOR,
    VIEWER,
    Portal,
    backend_portal,
    csrf_of,
    module_client,
    signed_in,
)

portal = backend_portal("documents")


admin = module_client(ADMIN_1)


def _instance(portal: Portal, *, school: str | None, code: str) -> StepInstance:
    with session_scope(portal.engine) as session:
        instance = session.exec(
            select(StepInstance)
            .where(StepInstance.unit == (school or ""), StepInstance.step_code == code)
            .order_by(col(StepInstance.occurrence))
        ).first()
        assert instance is not None
        return instance


def _count(portal: Portal) -> tuple[int, int]:
    with session_scope(portal.engine) as session:
        documents = len(list(session.exec(select(GeneratedDocument.id))))
        journal = len(
            list(session.exec(select(JournalEntry.id).where(JournalEntry.action == "document")))
        )
    return documents, journal


def _files(portal: Portal) -> set[str]:
    root = portal.settings.documents_dir / "generated"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _generate(client: TestClient, instance: StepInstance, template: str, **fields: str) -> object:
    page = client.get(f"/instances/{instance.id}")
    assert page.status_code == 200, page.text
    return client.post(
        f"/instances/{instance.id}/documents",
        data={"csrf_token": csrf_of(page.text), "template_id": template, **fields},
    )


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def test_the_school_admin_generates_the_curator_order_and_downloads_it(
    portal: Portal, admin: TestClient
) -> None:
    instance = _instance(portal, school="sosh1", code="1.5")
    page = admin.get(f"/instances/{instance.id}")
    assert "Приказ о назначении куратора внедрения целевой модели наставничества" in page.text
    assert 'value="2022-05-20"' in page.text  # the act's date defaults to today
    response = _generate(
        admin, instance, "order_curator_appointment", number="41-од", date="2022-05-19"
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    target = response.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(rf"/instances/{instance.id}\?new=\d+#documents", target)
    shown = admin.get(target)
    assert "Документ «Приказ о назначении куратора" in shown.text and "сформирован" in shown.text
    row = re.search(r'<tr data-document-id="(\d+)">(.*?)</tr>', shown.text, re.S)
    assert row is not None
    assert (
        "20 мая 2022 г." in row.group(2) and ADMIN_1 in row.group(2) and "№ 41-од" in row.group(2)
    )
    download = admin.get(f"/documents/{row.group(1)}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert "filename*=UTF-8''" in download.headers["content-disposition"]
    text = _docx_text(download.content)
    assert "Назначить Петрову Анну Сергеевну" in text
    assert "№ 41-од" in text and "19.05.2022" in text and "М.С. Сулейманов" in text
    with session_scope(portal.engine) as session:
        stored = session.get(GeneratedDocument, int(row.group(1)))
        assert stored is not None
        assert stored.step_instance_id == instance.id and stored.school_id == "sosh1"
        assert stored.rendered_by == ADMIN_1 and stored.data["number"] == "41-од"
        assert stored.sha256 == hashlib.sha256(download.content).hexdigest()
        journal = session.exec(
            select(JournalEntry).where(
                JournalEntry.action == "document", JournalEntry.step_instance_id == instance.id
            )
        ).one()
    assert journal.actor == ADMIN_1 and journal.source == "web" and journal.remote_addr
    assert (
        journal.details["document_id"] == stored.id and journal.details["sha256"] == stored.sha256
    )


def test_a_schools_roadmap_needs_only_its_approving_order_from_the_form(
    portal: Portal, admin: TestClient
) -> None:
    instance = _instance(portal, school="sosh1", code="1.6")
    response = _generate(
        admin, instance, "roadmap", approval__number="118-о", approval__date="2022-05-24"
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = admin.get(response.headers["location"])  # type: ignore[attr-defined]
    link = re.search(r'href="(/documents/\d+)" download>Скачать «Дорожная карта', page.text)
    assert link is not None
    text = _docx_text(admin.get(link.group(1)).content)
    assert "внедрения целевой модели наставничества в МАОУ СОШ № 1 г. Белоярский" in text
    assert "от 24.05.2022 № 118-о" in text


def test_a_missing_curator_is_named_with_where_to_enter_it_and_nothing_is_written(
    portal: Portal,
) -> None:
    with session_scope(portal.engine) as session:
        session.execute(update(School).where(col(School.id) == "sosh2").values(curator=""))
    before, files = _count(portal), _files(portal)
    instance = _instance(portal, school="sosh2", code="1.5")
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        response = _generate(
            coordinator, instance, "order_curator_appointment", number="7", date="2022-05-19"
        )
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert (
        "Не хватает данных для документа: ФИО куратора внедрения целевой модели наставничества. "
        "Где указать: столбец curator в списке школ — координатор загружает его на странице "
        "«Импорт школ»." in response.text  # type: ignore[attr-defined]
    )
    assert _count(portal) == before and _files(portal) == files


def test_a_missing_director_is_named_too(portal: Portal) -> None:
    with session_scope(portal.engine) as session:
        session.execute(update(School).where(col(School.id) == "sosh3").values(director=""))
    instance = _instance(portal, school="sosh3", code="1.6")
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        response = _generate(
            coordinator, instance, "regulation", approval__number="3", approval__date="2022-05-19"
        )
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert (
        "Не хватает данных для документа: ФИО директора. Где указать: столбец director"
        in response.text
    )  # type: ignore[attr-defined]


def test_a_registry_without_mentors_gives_a_blank_register_to_fill_by_hand(
    portal: Portal, admin: TestClient
) -> None:
    before = _count(portal)
    instance = _instance(portal, school="sosh1", code="3.2")
    response = _generate(admin, instance, "mentor_registry")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert _count(portal) == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": "", "date": "2022-05-19"}, "Заполните поле «Номер документа»."),
        ({"number": "41-од", "date": "19.05.2022"}, "Укажите дату."),
        ({"number": "41-од", "date": "1812-05-19"}, "Проверьте год."),
        ({"number": "x" * 301, "date": "2022-05-19"}, "Слишком длинно"),
    ],
)
def test_a_bad_field_is_explained_at_the_field_and_nothing_is_written(
    portal: Portal, admin: TestClient, fields: dict[str, str], message: str
) -> None:
    before, files = _count(portal), _files(portal)
    instance = _instance(portal, school="sosh1", code="1.5")
    response = _generate(admin, instance, "order_curator_appointment", **fields)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.text and 'aria-invalid="true"' in response.text  # type: ignore[attr-defined]
    assert _count(portal) == before and _files(portal) == files


def test_a_document_the_step_does_not_call_for_is_refused(
    portal: Portal, admin: TestClient
) -> None:
    instance = _instance(portal, school="sosh1", code="1.5")
    response = _generate(admin, instance, "order_pairs", number="1", date="2022-05-19")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Такой документ этому мероприятию не нужен" in response.text  # type: ignore[attr-defined]


def test_the_coordinator_generates_the_municipal_order(portal: Portal) -> None:
    instance = _instance(portal, school=None, code="1.2")
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        response = _generate(
            coordinator,
            instance,
            "order_municipal_implementation",
            number="112-р",
            date="2022-05-19",
            curators_deadline="2022-06-01",
        )
        assert response.status_code == 303, response.text  # type: ignore[attr-defined]
        page = coordinator.get(response.headers["location"])  # type: ignore[attr-defined]
        link = re.search(r'href="(/documents/\d+)" download', page.text)
        assert link is not None
        text = _docx_text(coordinator.get(link.group(1)).content)
    assert "112-р" in text and "Комитет по образованию" in text.replace("КОМИТЕТ", "Комитет")


def test_only_those_allowed_see_generate_and_download(portal: Portal, admin: TestClient) -> None:
    own = _instance(portal, school="sosh1", code="1.5")
    municipal = _instance(portal, school=None, code="1.2")
    response = _generate(admin, own, "order_curator_appointment", number="99-од", date="2022-05-19")
    assert response.status_code == 303  # type: ignore[attr-defined]
    document_id = int(response.headers["location"].split("new=")[1].split("#")[0])  # type: ignore[attr-defined]
    app = portal.app()
    with signed_in(app, ADMIN_2) as other, signed_in(app, VIEWER) as viewer:
        assert other.get(f"/instances/{own.id}").status_code == 403
        assert other.get(f"/documents/{document_id}").status_code == 403
        assert admin.get(f"/instances/{municipal.id}").status_code == 403
        token = csrf_of(other.get("/schools/sosh2").text)
        before, files = _count(portal), _files(portal)
        refused = other.post(
            f"/instances/{own.id}/documents",
            data={
                "csrf_token": token,
                "template_id": "order_curator_appointment",
                "number": "1",
                "date": "2022-05-19",
            },
        )
        assert refused.status_code == 403
        page = viewer.get(f"/instances/{own.id}")
        assert (
            page.status_code == 200
            and '<button type="submit">Сформировать документ' not in page.text
        )
        assert viewer.get(f"/documents/{document_id}").status_code == 200
        refused = viewer.post(
            f"/instances/{own.id}/documents",
            data={
                "csrf_token": csrf_of(page.text),
                "template_id": "order_curator_appointment",
                "number": "1",
                "date": "2022-05-19",
            },
        )
        assert refused.status_code == 403
        assert _count(portal) == before and _files(portal) == files
    anonymous = TestClient(app, follow_redirects=False)
    assert anonymous.get(f"/documents/{document_id}").headers["location"].startswith("/signin")
    assert admin.get("/documents/999999").status_code == 404
    assert admin.get("/instances/999999").status_code == 404


def test_the_step_history_shows_the_generation(portal: Portal) -> None:
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        page = coordinator.get("/steps/1.5")
    assert "сформирован документ" in page.text
    assert "Приказ о назначении куратора внедрения целевой модели наставничества" in page.text


def test_a_document_number_is_not_given_twice_in_one_schools_register(
    portal: Portal, admin: TestClient
) -> None:
    curator = _instance(portal, school="sosh1", code="1.5")
    first = _generate(
        admin, curator, "order_curator_appointment", number="77-од", date="2022-05-19"
    )
    assert first.status_code == 303  # type: ignore[attr-defined]
    with session_scope(portal.engine) as session:
        before = len(session.exec(select(GeneratedDocument)).all())
    # the same order again, and another order of the school under the same number (spaced, cased)
    again = _generate(
        admin, curator, "order_curator_appointment", number="77-од", date="2022-05-20"
    )
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert "Номер 77-од уже есть у документа «Приказ о назначении куратора" in again.text  # type: ignore[attr-defined]
    regulation = _generate(
        admin,
        _instance(portal, school="sosh1", code="1.6"),
        "regulation",
        approval__number=" 77-ОД ",
        approval__date="2022-05-19",
    )
    assert regulation.status_code == 400  # type: ignore[attr-defined]
    assert "Номер 77-ОД уже есть у документа" in regulation.text  # type: ignore[attr-defined]
    invisible = _generate(
        admin, curator, "order_curator_appointment", number="\u200b", date="2022-05-19"
    )
    assert invisible.status_code == 400  # type: ignore[attr-defined]
    assert "Заполните поле «Номер документа»." in invisible.text  # type: ignore[attr-defined]
    with session_scope(portal.engine) as session:
        assert len(session.exec(select(GeneratedDocument)).all()) == before
    # another school keeps its own register
    other = _generate(
        signed_in(portal.app(), COORDINATOR),
        _instance(portal, school="kazym", code="1.5"),
        "order_curator_appointment",
        number="77-од",
        date="2022-05-19",
    )
    assert other.status_code == 303  # type: ignore[attr-defined]


def test_the_analytical_report_is_numbered_and_dated_from_the_form(portal: Portal) -> None:
    instance = _instance(portal, school=None, code="1.8")
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        response = _generate(
            coordinator, instance, "analytical_report", number="12-с", date="2022-06-01"
        )
        assert response.status_code == 303  # type: ignore[attr-defined]
        page = coordinator.get(response.headers["location"])  # type: ignore[attr-defined]
        link = re.search(r'href="(/documents/\d+)" download>Скачать «Аналитическая', page.text)
        assert link is not None
        text = _docx_text(coordinator.get(link.group(1)).content)
    assert "01.06.2022\t№ 12-с" in text


def test_the_school_report_is_generated_from_the_school_page_by_its_admin_and_the_coordinator(
    portal: Portal, admin: TestClient
) -> None:
    school_page = admin.get("/schools/sosh1")
    link = re.search(
        r'href="(/schools/sosh1/report\?run=[^"]+)">Отчёт о выполнении', school_page.text
    )
    assert link is not None
    page = admin.get(link.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    assert "Отчёт образовательной организации о выполнении дорожной карты" in page.text
    before = _count(portal)
    empty = admin.post(
        "/schools/sosh1/report", data={"csrf_token": csrf_of(page.text), "date": "2022-06-01"}
    )
    assert empty.status_code == 400 and "Заполните поле «Номер документа»" in empty.text
    assert _count(portal) == before
    done = admin.post(
        "/schools/sosh1/report",
        data={"csrf_token": csrf_of(page.text), "number": "77-о", "date": "2022-06-01"},
    )
    assert done.status_code == 303, done.text
    shown = admin.get(done.headers["location"])
    download = re.search(r'href="(/documents/\d+)" download>Скачать \(DOCX\)', shown.text)
    assert download is not None and "№ 77-о" in shown.text
    file = admin.get(download.group(1))
    assert quote("Отчёт образовательной организации") in file.headers["content-disposition"]
    text = _docx_text(file.content)
    assert "ОТЧЁТ\nо выполнении дорожной карты" in text
    assert "01.06.2022\t№ 77-о" in text and "М.С. Сулейманов" in text
    rows = docx.Document(io.BytesIO(file.content)).tables[0].rows
    assert len(rows) > 2 and rows[0].cells[5].text == "Состояние"
    with session_scope(portal.engine) as session:
        stored = session.exec(
            select(GeneratedDocument).where(GeneratedDocument.template_id == "school_report")
        ).one()
        assert stored.school_id == "sosh1" and stored.step_instance_id is None
    again = admin.post(
        "/schools/sosh1/report",
        data={"csrf_token": csrf_of(page.text), "number": "77-о", "date": "2022-06-02"},
    )
    assert again.status_code == 400 and "Номер 77-о уже есть" in again.text
    with signed_in(portal.app(), VIEWER) as viewer:
        seen = viewer.get("/schools/sosh1/report")
        assert seen.status_code == 200 and "Сформировать отчёт (DOCX)" not in seen.text
        assert (
            viewer.post(
                "/schools/sosh1/report",
                data={"csrf_token": csrf_of(seen.text), "number": "78-о", "date": "2022-06-01"},
            ).status_code
            == 403
        )
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        form = coordinator.get("/schools/sosh1/report")
        made = coordinator.post(
            "/schools/sosh1/report",
            data={"csrf_token": csrf_of(form.text), "number": "79-о", "date": "2022-06-03"},
        )
        assert made.status_code == 303
    assert admin.get("/schools/sosh2/report").status_code == 403
