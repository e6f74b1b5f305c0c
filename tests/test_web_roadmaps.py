"""The roadmap editor of the portal and definitions kept in the database with versions (#14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from common.errors import DefinitionError, NastavnikError
from definitions.drafts import dump_draft, load_draft
from definitions.loader import find_roadmap, load_roadmaps
from storage.db import session_scope
from storage.roadmap_versions import (
    draft_of,
    published_definitions,
    save_draft,
    versions_of,
)
from tests.roadmap_docx import UNREADABLE, build_roadmap_docx
from tests.test_cli import nastavnik
from tests.web_helpers import (
    COORDINATOR,
    NOW,
    VIEWER,
    Portal,
    csrf_of,
    module_client,
    module_portal,
    page_text,
    signed_in,
)

portal = module_portal("roadmaps", acts_until=None)


coordinator = module_client(COORDINATOR)


def _token(client: TestClient) -> str:
    return csrf_of(client.get("/roadmaps").text)


def _upload(client: TestClient, path: Path) -> str:
    response = client.post(
        "/roadmaps/import",
        data={"csrf_token": _token(client)},
        files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
    )
    assert response.status_code == 303, page_text(response.text)
    return response.headers["location"]


def _row(html: str, code: str) -> str:
    match = re.search(rf'<tr id="step-{re.escape(code)}"[^>]*>(.*?)</tr>', html, re.DOTALL)
    assert match, f"no row of step {code}"
    return page_text(match.group(1))


def _step_form(step: dict[str, object], **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "code": step["code"],
        "title": step["title"],
        "deadline": step.get("deadline") or "",
        "responsible": step["responsible"],
        "roles": step["roles"],
        "scope": step["scope"],
        "result": step.get("result") or "",
        "documents": step.get("documents") or [],
        "depends_on": step.get("depends_on") or [],
    }
    form.update(changes)
    return form


def _draft(portal: Portal, roadmap_id: str) -> dict[str, object]:
    with session_scope(portal.engine) as session:
        row = draft_of(session=session, roadmap_id=roadmap_id)
        assert row is not None
        return load_draft(row.definition)


def test_an_uploaded_docx_becomes_a_draft_with_each_reading_and_problem_beside_its_step(
    portal: Portal, coordinator: TestClient, tmp_path: Path
) -> None:
    location = _upload(coordinator, build_roadmap_docx(tmp_path / "план.docx"))
    assert location == "/roadmaps/plan-2022"
    page = coordinator.get(location).text
    assert "понято как: один раз, 1 ноября 2022 г. – 10 ноября 2022 г." in _row(page, "1")
    unreadable = _row(page, "2.1")
    assert UNREADABLE in unreadable
    assert (
        "Импорт: таблица 1, строка 4, столбец «Срок»: срок «когда позволит погода» не распознан"
        in unreadable
    )
    assert 'class="row-warning"' in page
    # the municipality's own name and zone went into the draft
    draft = _draft(portal, "plan-2022")
    assert draft["municipality"] == "Белоярский район"
    history = page_text(page.split("<h2>Версии</h2>")[1])
    assert "черновик" in history and "черновик из файла «план.docx»" in history


def test_an_unreadable_deadline_is_refused_beside_its_field_and_typed_dates_keep_the_words(
    portal: Portal, coordinator: TestClient
) -> None:
    step = next(s for s in _draft(portal, "plan-2022")["steps"] if s["code"] == "2.1")  # type: ignore[attr-defined]
    url = "/roadmaps/plan-2022/steps/2.1"
    token = csrf_of(coordinator.get(url).text)
    refused = coordinator.post(url, data={"csrf_token": token, **_step_form(step)})
    assert refused.status_code == 400
    assert 'id="f-deadline-error"' in refused.text
    assert "Срок не прочитан" in page_text(refused.text)
    checked = coordinator.post(
        url,
        data={
            "csrf_token": token,
            "action": "check",
            **_step_form(step, deadline="1 декада ноября 2022 года"),
        },
    )
    assert "понято как: один раз, 1 ноября 2022 г. – 10 ноября 2022 г." in page_text(checked.text)
    bad_date = coordinator.post(
        url, data={"csrf_token": token, **_step_form(step, start="31.02.2022", end="10.11.2022")}
    )
    assert bad_date.status_code == 400 and 'id="f-start-error"' in bad_date.text
    saved = coordinator.post(
        url, data={"csrf_token": token, **_step_form(step, start="01.11.2022", end="10.11.2022")}
    )
    assert saved.status_code == 303
    after = next(s for s in _draft(portal, "plan-2022")["steps"] if s["code"] == "2.1")  # type: ignore[attr-defined]
    assert after["deadline"] == UNREADABLE
    assert str(after["start"]) == "2022-11-01" and str(after["end"]) == "2022-11-10"
    assert "unscheduled" not in after
    row = _row(coordinator.get("/roadmaps/plan-2022").text, "2.1")
    assert "даты введены вручную: 1 ноября 2022 г. – 10 ноября 2022 г." in row
    assert "Импорт:" not in row


def test_steps_move_indent_outdent_are_added_and_removed(
    portal: Portal, coordinator: TestClient
) -> None:
    token = _token(coordinator)

    def act(code: str, action: str) -> None:
        response = coordinator.post(
            f"/roadmaps/plan-2022/steps/{code}/move", data={"csrf_token": token, "action": action}
        )
        assert response.status_code == 303, page_text(response.text)

    def codes() -> list[tuple[str, object]]:
        return [(s["code"], s.get("parent")) for s in _draft(portal, "plan-2022")["steps"]]  # type: ignore[attr-defined]

    act("2.1", "indent")
    assert ("2.1", "2") in codes()
    act("2.1", "outdent")
    assert ("2.1", None) in codes()
    act("3", "up")
    assert [c for c, _ in codes()] == ["1", "2", "3", "2.1"]
    act("3", "down")
    added = coordinator.post("/roadmaps/plan-2022/steps", data={"csrf_token": token, "after": "1"})
    assert added.status_code == 303 and added.headers["location"] == "/roadmaps/plan-2022/steps/5"
    assert [c for c, _ in codes()] == ["1", "5", "2", "2.1", "3"]
    act("5", "remove")
    assert [c for c, _ in codes()] == ["1", "2", "2.1", "3"]
    first = coordinator.post(
        "/roadmaps/plan-2022/steps/1/move", data={"csrf_token": token, "action": "up"}
    )
    assert first.status_code == 400 and "шаг 1 уже первый" in page_text(first.text).lower()


def test_publishing_is_refused_while_errors_remain_and_lists_them(
    portal: Portal, coordinator: TestClient
) -> None:
    data = load_draft(find_roadmap("beloyarsky-2022").text)
    data["id"] = "broken-2022"
    data["steps"][1]["deadline"] = UNREADABLE
    with session_scope(portal.engine) as session:
        save_draft(
            session=session,
            roadmap_id="broken-2022",
            definition=dump_draft(data),
            by=COORDINATOR,
            now=NOW,
            change="для проверки",
        )
    code = data["steps"][1]["code"]
    page = coordinator.get("/roadmaps/broken-2022").text
    assert "Ошибка: срок не прочитан" in _row(page, code)
    refused = coordinator.post(
        "/roadmaps/broken-2022/publish", data={"csrf_token": _token(coordinator)}
    )
    assert refused.status_code == 400
    assert f"шаг {code}: срок не прочитан" in page_text(refused.text)
    with session_scope(portal.engine) as session:
        assert [row.status for row in versions_of(session=session, roadmap_id="broken-2022")] == [
            "draft"
        ]


def test_a_published_version_is_loaded_with_the_files_exported_and_previewed_for_launch(
    portal: Portal, coordinator: TestClient
) -> None:
    token = _token(coordinator)
    published = coordinator.post(
        "/roadmaps/plan-2022/publish", data={"csrf_token": token, "summary": "первая версия"}
    )
    assert published.status_code == 303, page_text(published.text)
    with session_scope(portal.engine) as session:
        stored = published_definitions(session=session)
    assert [(i, v) for i, v, _ in stored] == [("plan-2022", 1)]
    loaded = find_roadmap("plan-2022", stored=stored)
    assert loaded.stored_version == 1 and loaded.roadmap.step("2.1").deadline == UNREADABLE
    page = coordinator.get("/roadmaps/plan-2022").text
    history = page_text(page.split("<h2>Версии</h2>")[1])
    assert "опубликована" in history and COORDINATOR in history and "первая версия" in history
    exported = coordinator.get("/roadmaps/plan-2022/export.yaml?version=1")
    assert exported.status_code == 200 and exported.text == stored[0][2]
    preview = coordinator.post("/launch", data={"csrf_token": token, "roadmap": "plan-2022"})
    assert preview.status_code == 200 and "Проверка перед запуском" in preview.text
    assert "plan-2022" in coordinator.get("/launch").text
    # an edit after publishing starts version 2 as a draft; version 1 stays what launches
    coordinator.post("/roadmaps/plan-2022/steps/3/move", data={"csrf_token": token, "action": "up"})
    with session_scope(portal.engine) as session:
        rows = versions_of(session=session, roadmap_id="plan-2022")
        assert [(r.version, r.status) for r in rows] == [(2, "draft"), (1, "published")]
        assert published_definitions(session=session) == stored


def test_a_copy_needs_a_free_id_and_errors_stand_beside_their_fields(
    portal: Portal, coordinator: TestClient
) -> None:
    token = _token(coordinator)
    taken = coordinator.post(
        "/roadmaps/copy",
        data={"csrf_token": token, "source": "khnov-2022-2024", "new_id": "beloyarsky-2022"},
    )
    assert taken.status_code == 400 and 'id="copy-id-error"' in taken.text
    assert "Код beloyarsky-2022 уже занят" in page_text(taken.text)
    nothing = coordinator.post("/roadmaps/copy", data={"csrf_token": token, "new_id": "Плохой id"})
    assert nothing.status_code == 400
    assert 'id="copy-source-error"' in nothing.text and 'id="copy-id-error"' in nothing.text
    copied = coordinator.post(
        "/roadmaps/copy",
        data={"csrf_token": token, "source": "khnov-2022-2024", "new_id": "khnov-copy"},
    )
    assert copied.status_code == 303
    assert _draft(portal, "khnov-copy")["title"] == find_roadmap("khnov-2022-2024").roadmap.title
    header = coordinator.post(
        "/roadmaps/khnov-copy/header",
        data={
            "csrf_token": token,
            "id": "khnov-copy",
            "title": "",
            "municipality": "Хновский район",
            "issuer_name": "Управление образования",
            "issuer_level": "municipal",
            "period_start": "01.09.2022",
            "period_end": "31.13.2024",
            "timezone": "Europe/Nowhere",
        },
    )
    assert header.status_code == 400
    for field in ("title", "period_end", "timezone"):
        assert f'id="h-{field}-error"' in header.text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("пусто.docx", b"", "Выберите файл"),
        ("мусор.docx", b"PK\x03\x04garbage", "не прочитан"),
        ("картинка.pdf", b"%PDF-1.4 garbage", "не прочитан"),
    ],
)
def test_bad_uploads_get_a_russian_message_and_write_nothing(
    portal: Portal, coordinator: TestClient, name: str, data: bytes, message: str
) -> None:
    with session_scope(portal.engine) as session:
        before = len(published_definitions(session=session))
    response = coordinator.post(
        "/roadmaps/import",
        data={"csrf_token": _token(coordinator)},
        files={"file": (name, data, "application/octet-stream")} if data else None,
    )
    assert response.status_code == 400
    assert message in page_text(response.text) and 'id="rm-file-error"' in response.text
    with session_scope(portal.engine) as session:
        assert len(published_definitions(session=session)) == before


def test_only_the_coordinator_edits(portal: Portal) -> None:
    with signed_in(portal.app(), VIEWER) as viewer:
        assert viewer.get("/roadmaps").status_code == 403
        token = csrf_of(viewer.get("/account").text)
        refused = viewer.post("/roadmaps/plan-2022/publish", data={"csrf_token": token})
        assert refused.status_code == 403


def test_a_file_and_a_published_version_with_one_id_are_an_error_naming_both() -> None:
    text = find_roadmap("khnov-2022-2024").text
    with pytest.raises(DefinitionError) as raised:
        load_roadmaps(stored=[("khnov-2022-2024", 3, text)])
    reason = raised.value.reason
    assert "описана дважды" in reason and "khnov-2022-2024.yaml" in reason
    assert "в базе данных (опубликованная версия 3)" in reason


def test_export_writes_a_published_version_as_yaml(portal: Portal, tmp_path: Path) -> None:
    env = {"NASTAVNIK_DB": str(portal.engine.url)}
    done = nastavnik("roadmap", "export", "plan-2022", "--version", "1", env=env)
    assert done.returncode == 0, done.stderr
    with session_scope(portal.engine) as session:
        assert done.stdout == published_definitions(session=session)[0][2]
    listed = nastavnik("roadmap", "list", "--json", env=env)
    assert '"plan-2022"' in listed.stdout
    missing = nastavnik("roadmap", "export", "plan-2022", "--version", "9", env=env)
    assert missing.returncode == 1 and "версии 9 в базе данных нет" in missing.stderr


def test_versions_are_kept_by_number_and_only_the_latest_published_is_loaded(
    engine: Engine,
) -> None:
    """The storage of definitions on SQLite and PostgreSQL: drafts, publication, renaming."""
    from datetime import timedelta

    from storage.roadmap_versions import (
        discard_draft,
        publish_draft,
        rename_draft,
        stored_roadmaps,
        version_of,
    )

    data = load_draft(find_roadmap("khnov-2022-2024").text)
    data["id"] = "mine"
    text = dump_draft(data)
    with session_scope(engine) as session:
        save_draft(
            session=session,
            roadmap_id="draft-only",
            definition=text,
            by="a",
            now=NOW,
            change="новый",
        )
        rename_draft(session=session, old_id="draft-only", new_id="mine")
        save_draft(
            session=session, roadmap_id="mine", definition=text, by="b", now=NOW, change="правка"
        )
        first = publish_draft(session=session, roadmap_id="mine", by="b", now=NOW, summary="")
        assert (first.version, first.summary) == (1, "новый; правка")
        later = NOW + timedelta(days=1)
        save_draft(
            session=session,
            roadmap_id="mine",
            definition=text + "\n",
            by="c",
            now=later,
            change="ещё",
        )
        assert published_definitions(session=session) == [("mine", 1, text)]
        assert [(r.roadmap_id, r.version, r.status) for r in stored_roadmaps(session=session)] == [
            ("mine", 2, "draft")
        ]
        with pytest.raises(NastavnikError, match="id опубликованной дорожной карты менять нельзя"):
            rename_draft(session=session, old_id="mine", new_id="other")
        publish_draft(session=session, roadmap_id="mine", by="c", now=later, summary="вторая")
        assert published_definitions(session=session) == [("mine", 2, text + "\n")]
        old = version_of(session=session, roadmap_id="mine", version=1)
        assert old is not None and old.definition == text
        assert discard_draft(session=session, roadmap_id="mine") is False
        with pytest.raises(NastavnikError, match="черновика нет"):
            publish_draft(session=session, roadmap_id="mine", by="c", now=later, summary="")
