"""The portal's mark-done path (engine.actions.mark_instance_done) on SQLite and PostgreSQL.

It writes with prepared Core statements instead of the ORM, so the same rules are checked on both
databases: on time or late by the document's date in the municipality's zone, the version guard,
the journal row, the tick's dirty flag.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from storage.db import session_scope
from storage.models import JournalEntry, StepInstance
from tests.web_helpers import (
    ADMIN_1,
    Portal,
    backend_portal,
    csrf_of,
    module_client,
    open_instance,
)

portal = backend_portal("mark-done")


admin = module_client(ADMIN_1)


def _post(client: TestClient, instance: StepInstance, *, version: int, doc_date: str) -> object:
    token = csrf_of(client.get("/schools/sosh1").text)
    return client.post(
        f"/instances/{instance.id}/done",
        data={
            "csrf_token": token,
            "version": str(version),
            "number": "45-од",
            "doc_date": doc_date,
        },
    )


def _row(portal: Portal, instance_id: int) -> StepInstance:
    with session_scope(portal.engine) as session:
        row = session.get(StepInstance, instance_id)
        assert row is not None
        return row


@pytest.mark.parametrize(
    ("code", "doc_date", "state"),
    [("1.5", "2022-05-18", "done_late"), ("1.6", "2022-05-19", "done")],
)
def test_a_step_is_done_on_time_or_late_by_the_documents_date_and_journaled(
    portal: Portal, admin: TestClient, code: str, doc_date: str, state: str
) -> None:
    instance = open_instance(portal.engine, school="sosh1", code=code)
    response = _post(admin, instance, version=instance.version, doc_date=doc_date)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert (
        response.headers["location"]
        == f"/schools/sosh1?run=beloyarsky-2022#step-{code.replace('.', '-')}"
    )  # type: ignore[attr-defined]
    after = _row(portal, instance.id or 0)
    assert after.state == state and after.version == instance.version + 1
    assert after.evidence == f"№ 45-од от {date.fromisoformat(doc_date):%d.%m.%Y}"
    assert after.done_by == ADMIN_1 and after.tick_dirty
    assert after.done_at is not None and after.done_at.tzinfo is not None
    with session_scope(portal.engine) as session:
        journal = session.exec(
            select(JournalEntry).where(
                JournalEntry.step_instance_id == instance.id, JournalEntry.action == "done"
            )
        ).one()
    assert (journal.actor, journal.source, journal.before, journal.after) == (
        ADMIN_1,
        "web",
        "open",
        state,
    )
    assert journal.remote_addr and journal.details["evidence"] == after.evidence
    page = admin.get(response.headers["location"])  # type: ignore[attr-defined]
    assert f"Мероприятие {code} отмечено выполненным (№ 45-од от" in page.text


def test_a_stale_form_changes_nothing_and_says_so_in_russian(
    portal: Portal, admin: TestClient
) -> None:
    instance = open_instance(portal.engine, school="sosh1", code="2.6")
    assert (
        _post(admin, instance, version=instance.version, doc_date="2022-05-19").status_code == 303
    )  # type: ignore[attr-defined]
    done = _row(portal, instance.id or 0)
    again = _post(admin, instance, version=instance.version, doc_date="2022-05-19")
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert "Кто-то уже изменил этот шаг" in again.text  # type: ignore[attr-defined]
    assert _row(portal, instance.id or 0).version == done.version
