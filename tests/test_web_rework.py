"""Acts that can hurt ask first and leave a trace (issue #17): confirmation before undo and
not-applicable, who may undo whose mark, the coordinator's return for rework, comments, the two
dates of a mark and the on-time rule, the municipality page's own counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from engine.actions import Actor, done_state, mark_deadline, mark_done
from nastavnik.demo import at_nine
from storage.db import session_scope
from storage.models import JournalEntry, RoadmapRun, StepInstance
from tests.web_helpers import (
    ADMIN_1,
    COORDINATOR,
    TZ,
    VIEWER,
    Portal,
    csrf_of,
    module_portal,
    open_instance,
    signed_in,
)

portal = module_portal("rework")


def _instance(portal: Portal, instance_id: int) -> StepInstance:
    with session_scope(portal.engine) as session:
        found = session.get(StepInstance, instance_id)
        assert found is not None
        return found


def _journal(portal: Portal, instance_id: int) -> list[JournalEntry]:
    with session_scope(portal.engine) as session:
        return list(
            session.exec(select(JournalEntry).where(JournalEntry.step_instance_id == instance_id))
        )


def _mark(portal: Portal, *, school: str | None, code: str, by: str) -> StepInstance:
    with session_scope(portal.engine) as session:
        run = session.exec(select(RoadmapRun)).one()
        done = mark_done(
            session=session,
            run=run,
            code=code,
            school=school,
            actor=Actor(by),
            now=portal.now,
            evidence="№ 5-од от 19.05.2022",
        )
        return done


def test_undo_and_not_applicable_ask_first_and_change_nothing_until_confirmed(
    portal: Portal,
) -> None:
    instance = open_instance(portal.engine, school="sosh1", code="2.6")
    with signed_in(portal.app(), ADMIN_1) as admin:
        token = csrf_of(admin.get("/schools/sosh1").text)
        form = {"csrf_token": token, "version": str(instance.version), "reason": "Нет филиала"}
        asked = admin.post(f"/instances/{instance.id}/na", data=form)
        assert asked.status_code == 200
        assert "Отметить мероприятие неприменимым?" in asked.text
        assert "«Нет филиала»" in asked.text and 'name="confirm" value="yes"' in asked.text
        assert _instance(portal, instance.id or 0).state == "open"
        done = admin.post(f"/instances/{instance.id}/na", data={**form, "confirm": "yes"})
        assert done.status_code == 303
        after = _instance(portal, instance.id or 0)
        assert after.state == "not_applicable"
        undo = {"csrf_token": token, "version": str(after.version)}
        asked = admin.post(f"/instances/{instance.id}/undo", data=undo)
        assert asked.status_code == 200 and "Отменить отметку?" in asked.text
        assert _instance(portal, instance.id or 0).state == "not_applicable"
        assert (
            admin.post(
                f"/instances/{instance.id}/undo", data={**undo, "confirm": "yes"}
            ).status_code
            == 303
        )
    assert _instance(portal, instance.id or 0).state == "open"


def test_a_school_admin_cannot_undo_what_the_coordinator_or_the_registry_closed(
    portal: Portal,
) -> None:
    by_coordinator = _mark(portal, school="sosh1", code="3.3", by=COORDINATOR)
    by_registry = _mark(portal, school="sosh1", code="2.8", by="system")
    with signed_in(portal.app(), ADMIN_1) as admin:
        page = admin.get("/schools/sosh1").text
        assert "отменить её или вернуть на доработку может только координатор" in page
        assert "сделала система по данным реестра" in page
        token = csrf_of(page)
        for instance in (by_coordinator, by_registry):
            refused = admin.post(
                f"/instances/{instance.id}/undo",
                data={"csrf_token": token, "version": str(instance.version), "confirm": "yes"},
            )
            assert refused.status_code == 403 and "только координатор" in refused.text
            assert _instance(portal, instance.id or 0).state == instance.state
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        token = csrf_of(coordinator.get("/matrix").text)
        allowed = coordinator.post(
            f"/instances/{by_coordinator.id}/undo",
            data={"csrf_token": token, "version": str(by_coordinator.version), "confirm": "yes"},
        )
        assert allowed.status_code == 303
    assert _instance(portal, by_coordinator.id or 0).state == "open"


def test_only_the_coordinator_returns_for_rework_and_the_journal_keeps_the_comment(
    portal: Portal,
) -> None:
    done = _mark(portal, school="sosh1", code="3.4", by=ADMIN_1)
    comment = "Нет подписи директора."
    for email in (ADMIN_1, VIEWER):
        with signed_in(portal.app(), email) as other:
            token = csrf_of(other.get("/matrix" if email == VIEWER else "/schools/sosh1").text)
            refused = other.post(
                f"/instances/{done.id}/rework",
                data={"csrf_token": token, "version": str(done.version), "comment": comment},
            )
            assert refused.status_code == 403
    assert _instance(portal, done.id or 0).state == done.state
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        token = csrf_of(coordinator.get("/matrix").text)
        empty = coordinator.post(
            f"/instances/{done.id}/rework",
            data={"csrf_token": token, "version": str(done.version), "comment": "  "},
        )
        assert empty.status_code == 400 and "Напишите, что нужно доработать" in empty.text
        returned = coordinator.post(
            f"/instances/{done.id}/rework",
            data={"csrf_token": token, "version": str(done.version), "comment": comment},
        )
        assert returned.status_code == 303
    after = _instance(portal, done.id or 0)
    assert (after.state, after.evidence, after.marked_at) == ("open", None, None)
    rework = [e for e in _journal(portal, done.id or 0) if e.action == "rework"]
    assert len(rework) == 1 and rework[0].details["comment"] == comment
    assert rework[0].actor == COORDINATOR and rework[0].before == done.state
    with signed_in(portal.app(), ADMIN_1) as admin:
        page = admin.get("/schools/sosh1").text
        assert "Возвращено на доработку" in page and comment in page
        token = csrf_of(page)
        answered = admin.post(
            f"/instances/{done.id}/comment",
            data={"csrf_token": token, "comment": "Исправили, загрузим завтра."},
        )
        assert answered.status_code == 303
    notes = [e.details["comment"] for e in _journal(portal, done.id or 0) if e.action == "comment"]
    assert notes == ["Исправили, загрузим завтра."]
    assert _instance(portal, done.id or 0).state == "open"  # a comment does not change the step


@pytest.mark.parametrize(
    ("document", "marked", "expected"),
    [
        (0, 0, "done"),  # signed and marked on the due day
        (-5, 3, "done"),  # marked within the grace after the due day
        (-5, 10, "done_late"),  # the story of the issue: an old document, marked months later
        (2, 2, "done_late"),  # the document itself is late
    ],
)
def test_on_time_needs_the_document_by_the_due_day_and_the_mark_soon_after(
    document: int, marked: int, expected: str
) -> None:
    due = date(2022, 5, 16)  # a Monday
    grace_end = mark_deadline(due)
    assert grace_end == date(2022, 5, 19)  # three working days later
    mark_day = grace_end if marked == 3 else due + timedelta(days=marked)
    state = done_state(
        at_nine(due + timedelta(days=document), TZ),
        due=due,
        timezone=TZ,
        marked_at=at_nine(mark_day, TZ),
    )
    assert state == expected


def test_the_municipality_page_counts_its_own_steps(portal: Portal) -> None:
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        page = coordinator.get("/municipality").text
    with session_scope(portal.engine) as session:
        own = len(list(session.exec(select(StepInstance.id).where(StepInstance.unit == ""))))
        everything = len(list(session.exec(select(StepInstance.id))))
    import re

    counted = sum(int(n) for n in re.findall(r"</span> [^:<]+: <strong>(\d+)</strong>", page))
    assert counted == own and counted < everything


def test_expected_dates_are_never_in_the_past_and_name_the_delaying_step(portal: Portal) -> None:
    with signed_in(portal.app(), ADMIN_1) as admin:
        page = admin.get("/schools/sosh1").text
    import re

    months = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
    found = re.findall(
        r"ожидается до (\d+) (\w+) (\d{4}) г\.: шаг ([\d.]+) (ещё не выполнен|выполнен с опозданием)",
        page,
    )
    assert found
    for day, month, year, _code, _why in found:
        when = date(int(year), months.split().index(month) + 1, int(day))
        assert when >= portal.now.date()


def test_remind_now_queues_letters_through_the_outbox_and_journals_who_asked(
    portal: Portal,
) -> None:
    from storage.models import OutboxItem

    with signed_in(portal.app(), ADMIN_1) as admin:
        token = csrf_of(admin.get("/schools/sosh1").text)
        refused = admin.post("/steps/1.6/remind", data={"csrf_token": token})
        assert refused.status_code == 403
    with signed_in(portal.app(), COORDINATOR) as coordinator:
        page = coordinator.get("/steps/1.6").text
        assert "Напомнить сейчас" in page
        response = coordinator.post(
            "/steps/1.6/remind", data={"csrf_token": csrf_of(page), "school": "sosh2"}
        )
        assert response.status_code == 303
        assert (
            "поставлено в очередь писем: школ — 1"
            in coordinator.get(response.headers["location"]).text
        )
        # a municipal step has no school to remind: the form says so, nothing is queued
        page = coordinator.get("/steps/1.7").text
        assert "Напомнить сейчас" not in page
    with session_scope(portal.engine) as session:
        items = list(session.exec(select(OutboxItem).where(OutboxItem.school_id == "sosh2")))
        manual = [i for i in items if ":manual:" in i.key]
        assert len(manual) == 1
        item = manual[0]
        assert item.recipient == "sosh2@beloyarsky-edu.example.ru" and item.status == "pending"
        instance = session.get(StepInstance, item.step_instance_id)
        assert instance is not None and instance.step_code == "1.6"
        # due 25 May, today 20 May: a reminder
        assert item.level == "reminder"
        journal = list(
            session.exec(
                select(JournalEntry).where(
                    JournalEntry.step_instance_id == instance.id, JournalEntry.action == "remind"
                )
            )
        )
        assert len(journal) == 1 and journal[0].actor == COORDINATOR
    # the next delivery sends it: a letter to the school's admin about step 1.6
    from email import message_from_bytes, policy

    from notifications.delivery import deliver_pending
    from notifications.smtp import FolderTransport

    folder = portal.workdir / "remind-mail"
    report = deliver_pending(
        engine=portal.engine,
        now=portal.now,
        settings=portal.settings,
        transport=FolderTransport(folder),
    )
    assert report.sent == 1, str(report)
    (letter,) = folder.glob("*.eml")
    message = message_from_bytes(letter.read_bytes(), policy=policy.default)
    assert message["To"] == "sosh2@beloyarsky-edu.example.ru"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "1.6" in body.get_content()


def test_the_indicators_are_in_the_navigation_and_download_as_xlsx(portal: Portal) -> None:
    import io

    from openpyxl import load_workbook

    with signed_in(portal.app(), COORDINATOR) as coordinator:
        page = coordinator.get("/matrix").text
        assert '<a href="/indicators">Показатели</a>' in page
        indicators = coordinator.get("/indicators?year=2022").text
        assert 'href="/indicators.xlsx?year=2022"' in indicators
        response = coordinator.get("/indicators.xlsx?year=2022")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    municipal = workbook["Муниципалитет"]
    assert municipal["A1"].value == "Показатели эффективности за 2022 год"
    assert [c.value for c in municipal[2]][:4] == ["№", "Показатель", "Цель", "Факт"]
    assert municipal.max_row > 3
    by_school = workbook["По школам"]
    names = [row[0].value for row in by_school.iter_rows(min_row=2)]
    assert "МАОУ СОШ № 1 г. Белоярский" in names and len(names) == 12
    with signed_in(portal.app(), ADMIN_1) as admin:
        assert 'href="/schools/sosh1/registry/totals"' in admin.get("/schools/sosh1").text
        assert admin.get("/indicators.xlsx").status_code == 403
