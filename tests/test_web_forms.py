"""The school page's forms: done with evidence and a scan, undo, not applicable; bad input never half-saves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from starlette.routing import Route

from storage.db import session_scope
from storage.models import JournalEntry, StepInstance
from tests.web_helpers import (
    ADMIN_1,
    ADMIN_2,
    COORDINATOR,
    Portal,
    csrf_of,
    module_portal,
    open_instance,
    signed_in,
)
from web.models import Upload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


portal = module_portal("forms")


@pytest.fixture(scope="module")
def admin(portal: Portal) -> Iterator[TestClient]:
    with signed_in(portal.app(), ADMIN_1) as client:
        yield client


def _state(portal: Portal, instance_id: int) -> StepInstance:
    with session_scope(portal.engine) as session:
        instance = session.get(StepInstance, instance_id)
        assert instance is not None
        return instance


def _done(client: TestClient, instance: StepInstance, **fields: object) -> object:
    token = csrf_of(client.get("/schools/sosh1").text)
    data = {
        "csrf_token": token,
        "version": str(instance.version),
        "number": "45-од",
        "doc_date": "2022-05-18",
    }
    files = fields.pop("files", None)
    data.update({k: str(v) for k, v in fields.items()})
    return client.post(f"/instances/{instance.id}/done", data=data, files=files)  # type: ignore[arg-type]


def test_marking_done_with_a_scan_stores_the_evidence_the_file_and_journals_who_and_from_where(
    portal: Portal, admin: TestClient
) -> None:
    instance = open_instance(portal.engine, school="sosh1", code="1.5")
    response = _done(admin, instance, files={"scan": ("Приказ 45.pdf", PDF, "application/pdf")})
    assert response.status_code == 303  # type: ignore[attr-defined]
    after = _state(portal, instance.id or 0)
    assert after.state == "done_late" and after.evidence == "№ 45-од от 18.05.2022"
    with session_scope(portal.engine) as session:
        upload = session.exec(select(Upload).where(Upload.step_instance_id == instance.id)).one()
        entries = list(
            session.exec(select(JournalEntry).where(JournalEntry.step_instance_id == instance.id))
        )
    stored = portal.settings.documents_dir / upload.stored_path
    assert stored.read_bytes() == PDF
    assert {(e.action, e.actor, e.source, e.remote_addr) for e in entries} >= {
        ("done", ADMIN_1, "web", "testclient"),
        ("upload", ADMIN_1, "web", "testclient"),
    }
    page = admin.get(response.headers["location"])  # type: ignore[attr-defined]
    assert "Мероприятие 1.5 отмечено выполненным (№ 45-од от 18.05.2022)." in page.text
    assert (
        "Выполнено: документ № 45-од от 18.05.2022; отмечено в портале 20 мая 2022 г." in page.text
    )
    download = admin.get(f"/uploads/{upload.id}")
    assert download.status_code == 200 and download.content == PDF
    with signed_in(portal.app(), ADMIN_2) as other:
        assert other.get(f"/uploads/{upload.id}").status_code == 403
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        assert coordinator.get(f"/uploads/{upload.id}").status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": ""}, "Укажите номер документа"),
        ({"number": "x" * 101}, "Номер слишком длинный"),
        ({"doc_date": ""}, "Укажите дату документа."),
        ({"doc_date": "31.02.2022"}, "Укажите дату документа."),
        ({"doc_date": "2022-05-21"}, "Дата документа не может быть позже сегодняшней."),
        (
            {"files": {"scan": ("order.exe", b"MZ\x90\x00", "application/octet-stream")}},
            "Можно загрузить только PDF, JPEG или PNG.",
        ),
        (
            {"files": {"scan": ("order.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")}},
            "Содержимое файла не похоже на PDF.",
        ),
        ({"files": {"scan": ("empty.png", b"", "image/png")}}, "Файл пустой."),
        ({"version": "0"}, "Кто-то уже изменил этот шаг"),
    ],
)
def test_bad_input_is_explained_on_the_form_and_nothing_is_saved(
    portal: Portal, admin: TestClient, fields: dict[str, object], message: str
) -> None:
    instance = open_instance(portal.engine, school="sosh1", code="1.6")
    with session_scope(portal.engine) as session:
        journal_before = len(list(session.exec(select(JournalEntry.id))))
    response = _done(admin, instance, **fields)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.text  # type: ignore[attr-defined]
    assert 'aria-invalid="true"' in response.text or 'role="alert"' in response.text  # type: ignore[attr-defined]
    after = _state(portal, instance.id or 0)
    assert (after.state, after.version) == ("open", instance.version)
    with session_scope(portal.engine) as session:
        assert len(list(session.exec(select(JournalEntry.id)))) == journal_before
        assert not list(session.exec(select(Upload).where(Upload.step_instance_id == instance.id)))


def test_an_upload_over_ten_megabytes_is_refused_with_a_page_that_says_so(
    portal: Portal, admin: TestClient
) -> None:
    instance = open_instance(portal.engine, school="sosh1", code="1.6")
    response = _done(
        admin,
        instance,
        files={"scan": ("big.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024), "application/pdf")},
    )
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "Файл слишком большой" in response.text  # type: ignore[attr-defined]
    assert _state(portal, instance.id or 0).state == "open"


def test_a_scan_just_under_the_limit_is_accepted(portal: Portal, admin: TestClient) -> None:
    instance = open_instance(portal.engine, school="sosh1", code="1.6")
    big = b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024 - 3)
    response = _done(admin, instance, files={"scan": ("scan.jpg", big, "image/jpeg")})
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    assert _state(portal, instance.id or 0).state == "done"


def test_undo_reopens_and_not_applicable_needs_a_reason(portal: Portal, admin: TestClient) -> None:
    instance = open_instance(portal.engine, school="sosh1", code="2.6")
    token = csrf_of(admin.get("/schools/sosh1").text)
    refused = admin.post(
        f"/instances/{instance.id}/na",
        data={"csrf_token": token, "version": instance.version, "reason": "  "},
    )
    assert refused.status_code == 400 and "Укажите причину." in refused.text
    assert _state(portal, instance.id or 0).state == "open"
    response = admin.post(
        f"/instances/{instance.id}/na",
        data={
            "csrf_token": token,
            "version": instance.version,
            "reason": "Нет сайта у филиала",
            "confirm": "yes",
        },
    )
    assert response.status_code == 303
    after = _state(portal, instance.id or 0)
    assert (after.state, after.reason) == ("not_applicable", "Нет сайта у филиала")
    response = admin.post(
        f"/instances/{instance.id}/undo",
        data={"csrf_token": token, "version": after.version, "confirm": "yes"},
    )
    assert response.status_code == 303
    assert _state(portal, instance.id or 0).state == "open"
    stale = admin.post(
        f"/instances/{instance.id}/undo", data={"csrf_token": token, "version": after.version}
    )
    assert stale.status_code == 400 and "Кто-то уже изменил этот шаг" in stale.text


def test_an_unknown_instance_or_garbage_in_the_address_is_a_page_not_a_crash(
    admin: TestClient,
) -> None:
    token = csrf_of(admin.get("/schools/sosh1").text)
    assert admin.post("/instances/999999/done", data={"csrf_token": token}).status_code == 404
    garbage = admin.post("/instances/abc/done", data={"csrf_token": token})
    assert garbage.status_code == 400 and "Неверный запрос" in garbage.text
    # beyond the database's integer: not found rather than a database error
    assert admin.post("/instances/2147483648/done", data={"csrf_token": token}).status_code == 404
    assert admin.post(f"/instances/{'9' * 40}/na", data={"csrf_token": token}).status_code == 400
    assert admin.get("/instances/1/done").status_code == 405
    superscript = admin.post("/instances/%C2%B2/done", data={"csrf_token": token})  # «²» isdigit
    assert superscript.status_code == 400


def test_a_version_field_that_is_not_a_number_is_a_stale_form_not_a_crash(
    portal: Portal, admin: TestClient
) -> None:
    instance = open_instance(portal.engine, school="sosh1", code="2.6")
    token = csrf_of(admin.get("/schools/sosh1").text)
    for version in ("²", "9" * 30, ""):
        response = admin.post(
            f"/instances/{instance.id}/na",
            data={"csrf_token": token, "version": version, "reason": "Нет сайта у филиала"},
        )
        assert response.status_code == 400 and "Кто-то уже изменил этот шаг" in response.text
    assert _state(portal, instance.id or 0).state == "open"
    assert admin.get("/schools/nope").status_code == 403  # a school admin cannot probe other ids
    assert admin.get("/no/such/page").status_code == 404


def test_the_coordinator_schedules_an_unscheduled_step_and_gets_field_errors(
    portal: Portal,
) -> None:
    with signed_in(portal.app(), COORDINATOR) as client:
        token = csrf_of(client.get("/steps/3.4").text)
        bad = client.post(
            "/steps/3.4/schedule",
            data={
                "csrf_token": token,
                "run": "beloyarsky-2022",
                "due": "2022-09-01",
                "start": "2022-10-01",
            },
        )
        assert bad.status_code == 400 and "Начало позже срока." in bad.text
        missing = client.post(
            "/steps/3.4/schedule", data={"csrf_token": token, "run": "beloyarsky-2022", "due": ""}
        )
        assert missing.status_code == 400 and "Укажите срок" in missing.text
        fixed = client.post(
            "/steps/1.4/schedule",
            data={"csrf_token": token, "run": "beloyarsky-2022", "due": "2022-09-01"},
        )
        assert fixed.status_code == 400 and "заданы дорожной картой" in fixed.text
        ok = client.post(
            "/steps/3.4/schedule",
            data={
                "csrf_token": token,
                "run": "beloyarsky-2022",
                "due": "2022-10-31",
                "start": "2022-09-01",
            },
        )
        assert ok.status_code == 303
        page = client.get(ok.headers["location"])
        assert "Сроки мероприятия 3.4 назначены (12 шт.)." in page.text
        assert "1 сентября 2022 г. – 31 октября 2022 г." in client.get("/schools/sosh3").text


def test_the_coordinator_imports_schools_and_a_bad_file_is_explained(portal: Portal) -> None:
    with signed_in(portal.app(), COORDINATOR) as client:
        token = csrf_of(client.get("/import").text)
        bad = "id,name,short_name,director,admin_email\nx1,Школа,Ш,Иванов И. И.,not-an-email\n"
        response = client.post(
            "/import",
            data={"csrf_token": token},
            files={"file": ("schools.csv", bad.encode(), "text/csv")},
        )
        assert (
            response.status_code == 400
            and "not-an-email" in response.text
            and "Файл не импортирован" in response.text
        )
        wrong = client.post(
            "/import", data={"csrf_token": token}, files={"file": ("s.txt", b"x", "text/plain")}
        )
        assert wrong.status_code == 400 and "Нужен файл .csv или .xlsx." in wrong.text


def test_no_address_with_an_id_ends_in_a_500_whatever_the_id(portal: Portal) -> None:
    # every route with a numeric id in its address, found from the app itself, so a new page is
    # covered without being listed here
    import re

    app = portal.app()
    with signed_in(app, COORDINATOR) as client:
        token = csrf_of(client.get("/schools/sosh1").text)
        routes = [
            route
            for route in _all_routes(app.router.routes)
            if re.search(r"\{\w+_id\}", route.path)
        ]
        assert len(routes) >= 10
        for route in routes:
            for number in ("9" * 25, "2147483648", "0", "%C2%B2"):
                path = re.sub(r"\{\w+_id\}", number, route.path).replace("{school_id}", "sosh1")
                path = path.replace("{kind}", "mentor").replace("{template_id}", "x")
                for method in sorted(route.methods or {"GET"}):
                    if method == "HEAD":
                        continue
                    response = client.request(
                        method, path, data={"csrf_token": token} if method == "POST" else None
                    )
                    assert response.status_code < 500, (method, path, response.status_code)


def _all_routes(routes: list[object]) -> list[Route]:
    """The app's routes, with those of included routers (FastAPI keeps them nested)."""
    found: list[Route] = []
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            found += _all_routes(nested.routes)
        elif isinstance(route, Route):
            found.append(route)
    return found
