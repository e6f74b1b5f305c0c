"""What the pages show: the matrix and its filters, Russian dates, charts, the XLSX export, the iCal feed."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient

from tests.web_helpers import (
    ADMIN_1,
    COORDINATOR,
    VIEWER,
    Portal,
    csrf_of,
    matrix_cells,
    module_client,
    module_portal,
    signed_in,
)

portal = module_portal("pages")


coordinator = module_client(COORDINATOR)


def _cells(html: str) -> list[tuple[str, str, str]]:
    return matrix_cells(html)


def test_the_matrix_has_a_cell_per_school_and_step_with_counts(coordinator: TestClient) -> None:
    html = coordinator.get("/matrix").text
    cells = _cells(html)
    assert ("done", "3.2", "sosh1") in cells
    assert ("overdue", "1.5", "sosh2") in cells
    assert ("done", "1.1", "") in cells
    assert len({unit for _, _, unit in cells}) == 13  # 12 schools and the municipality
    assert "Состояние на 20 мая 2022 г." in html
    assert '<td class="num bad">12</td>' in html  # 1.5 is overdue at all 12 schools


def test_the_matrix_filters_overdue_a_step_and_a_school(coordinator: TestClient) -> None:
    overdue = _cells(coordinator.get("/matrix?overdue=1").text)
    assert overdue and {code for _, code, _ in overdue} <= {"1.5", "3.1", "3.2"}
    assert all(any(s == "overdue" for s, _, u in overdue if u == unit) for _, _, unit in overdue)
    one_step = _cells(coordinator.get("/matrix?step=1.5").text)
    assert {code for _, code, _ in one_step} == {"1.5"} and len(one_step) == 12
    one_school = _cells(coordinator.get("/matrix?school=vanzevat").text)
    assert {unit for _, _, unit in one_school} == {"vanzevat"}
    municipal = _cells(coordinator.get("/matrix?school=municipality").text)
    assert {unit for _, _, unit in municipal} == {""}


def test_the_school_page_shows_due_dates_documents_and_blockers_in_russian(portal: Portal) -> None:
    with signed_in(portal.app(), ADMIN_1) as client:
        html = client.get("/schools/sosh1").text
    # «до 15 мая 2022 г.» is a Sunday: the term ends on Monday 16 May (ГК РФ ст. 193)
    assert "до 16 мая 2022 г." in html
    assert "Приказ о назначении куратора внедрения целевой модели наставничества" in html
    assert "Ждёт: <span>1.4 «Утверждение пакета нормативных актов" in html
    assert "просрочено на 4 рабочих дня" in html
    assert "/account#calendar" in html  # the calendar link is issued on the user's page


def test_the_step_page_shows_every_school_and_the_history(coordinator: TestClient) -> None:
    html = coordinator.get("/steps/3.2").text
    assert "Приказ от 25.03.2022 № 27-од" in html
    assert html.count("выполнено") >= 5 and "История" in html and "Письма" in html


def test_progress_and_gantt_are_inline_svg(coordinator: TestClient) -> None:
    progress = coordinator.get("/progress").text
    assert "<svg" in progress and "<polyline" in progress and "выполнено" in progress
    gantt = coordinator.get("/gantt").text
    assert gantt.count("<rect") >= 20 and "сегодня, 20 мая 2022 г." in gantt
    assert "ожидается до" in gantt  # a step whose prerequisite is late has a projected end


def test_the_xlsx_export_is_the_matrix_with_dates(coordinator: TestClient) -> None:
    from openpyxl import load_workbook

    response = coordinator.get("/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Матрица"]
    assert sheet["A1"].value.endswith("состояние на 20 мая 2022 г.")
    header = [c.value for c in sheet[2]]
    assert header[:4] == ["ОО", "Просрочено", "Выполнено", "1.1"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    sosh1 = rows["МАОУ СОШ № 1 г. Белоярский"]
    cell = sosh1[header.index("3.2")].value
    # both dates: the document's and the mark's
    assert cell.startswith(
        "выполнено в срок; срок 04.04.2022; документ от 25.03.2022; отмечено 25.03.2022"
    )
    assert workbook["Мероприятия"]["A2"].value == "1.1"


def test_the_ical_feed_lists_the_schools_open_deadlines_behind_a_secret_link(
    portal: Portal,
) -> None:
    from icalendar import Calendar

    with signed_in(portal.app(), ADMIN_1) as client:
        assert 'href="/account#calendar"' in client.get("/schools/sosh1").text
        page = client.post(
            "/account/calendar",
            data={"csrf_token": csrf_of(client.get("/account").text), "action": "issue"},
        )
        found = re.search(r"http://testserver(/calendar/[^<\s]+\.ics)", page.text)
    assert found is not None
    path = found.group(1)
    anonymous = TestClient(portal.app())
    response = anonymous.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/calendar"
    )
    events = Calendar.from_ical(response.content).walk("VEVENT")
    summaries = [str(e["summary"]) for e in events]
    assert any(s.startswith("Срок: 1.5 Назначение кураторов") for s in summaries)
    assert not any(s.startswith("Срок: 3.2") for s in summaries)  # done: not a deadline any more
    assert anonymous.get(path.replace(".ics", "0.ics")).status_code == 404
    assert anonymous.get("/calendar/1-deadbeef.ics").status_code == 404
    # ids the database cannot hold, and digits Python's isdigit takes but int does not
    assert anonymous.get(f"/calendar/{'9' * 30}-deadbeef.ics").status_code == 404
    assert anonymous.get("/calendar/%C2%B2-deadbeef.ics").status_code == 404


def test_the_viewer_sees_no_forms(portal: Portal) -> None:
    with signed_in(portal.app(), VIEWER) as client:
        html = client.get("/schools/sosh1").text
        assert "Отметить выполненным" not in html and "Отменить отметку" not in html
        assert "Назначить сроки" not in client.get("/steps/3.4").text


def test_pages_send_security_headers(coordinator: TestClient) -> None:
    headers = coordinator.get("/matrix").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
