"""The registry's pages on the portal, on SQLite and PostgreSQL: who sees and changes what,
forms that explain bad input beside the field and save nothing, imports all or nothing,
a pair formed from a suggestion, totals and indicators, journaled exports."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func
from sqlmodel import col, select

from definitions.loader import find_roadmap
from engine.roadmap_launch import launch_roadmap
from nastavnik import demo_data
from nastavnik.demo import at_nine, demo_registry
from registry.models import Mentee, Mentor, MentorshipPair, SchoolTotals, SurveyResult
from storage.db import session_scope
from storage.models import JournalEntry
from tests.web_helpers import (
    ADMIN_1,
    ADMIN_2,
    COORDINATOR,
    TZ,
    VIEWER,
    Portal,
    build_portal,
    csrf_of,
    database_url,
    signed_in,
)

NOW = at_nine(date(2022, 9, 15), TZ)
ROLES = {"coordinator": COORDINATOR, "school_admin": ADMIN_1, "viewer": VIEWER, "anonymous": None}
TARGETS = {"own": "sosh1", "other": "sosh2"}
# a name the demo registry of sosh1 holds (the first mentor of its import file)
DEMO_MENTOR = demo_data.registry_rows("sosh1").mentors[0]["full_name"]
DEMO_MENTEE = demo_data.registry_rows("sosh1").mentees[0]["full_name"]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def portal(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Portal]:
    workdir = tmp_path_factory.mktemp(f"registry-{request.param}")
    with database_url(request.param, workdir) as url:
        built = build_portal(workdir, url=url, now=NOW)
        demo_registry(
            engine=built.engine,
            workdir=workdir,
            schools=["sosh1", "sosh2"],
            steps=("mentors", "mentees", "pairs", "totals"),
        )
        # a roadmap whose indicators have targets per year (seed 003)
        with session_scope(built.engine) as session:
            launch_roadmap(
                session=session, loaded=find_roadmap("khnov-2022-2024"), now=NOW, by=COORDINATOR
            )
        yield built
        built.engine.dispose()


@pytest.fixture(scope="module")
def clients(portal: Portal) -> Iterator[dict[str, TestClient]]:
    app = portal.app()
    made = {role: signed_in(app, email) for role, email in ROLES.items() if email}
    anonymous = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    anonymous.get(
        "/signin"
    )  # a pre-session cookie: its CSRF token is valid, only the user is missing
    made["anonymous"] = anonymous
    made["other_admin"] = signed_in(app, ADMIN_2)
    yield made
    for client in made.values():
        client.close()


@pytest.fixture(scope="module")
def admin(clients: dict[str, TestClient]) -> TestClient:
    return clients["school_admin"]


def _token(client: TestClient) -> str:
    if "nastavnik_session" not in client.cookies:
        return csrf_of(client.get("/signin").text)
    return csrf_of(client.get("/registry", follow_redirects=True).text)


def _snapshot(portal: Portal) -> tuple[int, ...]:
    """Rows of every registry table and the journal: a refused or bad request changes none."""
    with session_scope(portal.engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()  # type: ignore[arg-type]
            for model in (Mentor, Mentee, MentorshipPair, SchoolTotals, JournalEntry)
        ) + tuple(
            session.exec(select(func.sum(model.version))).one() or 0  # type: ignore[attr-defined]
            for model in (Mentor, Mentee, MentorshipPair)
        )


def _first_id(portal: Portal, model: Any, school: str, **where: Any) -> int:
    with session_scope(portal.engine) as session:
        query = select(model.id).where(model.school_id == school)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        found = session.exec(query.order_by(col(model.id))).first()
        assert found is not None
        return int(found)


def _waiting_mentee(portal: Portal, school: str) -> int:
    """A mentee whose request waits for a mentor (the demo leaves two in sosh1)."""
    from registry.pairing import unpaired_mentees

    with session_scope(portal.engine) as session:
        waiting = unpaired_mentees(session, today=NOW.date(), school_id=school)
        assert waiting
        return waiting[0].id or 0


def _text(html: str) -> str:
    """The page's visible text in one line (tags dropped), for messages split by markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- who may see and change what ------------------------------------------------------------------

# (path, who may open it): "counts" — anyone who sees the school (viewers too), "names" — the
# coordinator and the school's own admin
READS = {
    "registry": ("/schools/{school}/registry", "counts"),
    "totals": ("/schools/{school}/registry/totals", "counts"),
    "new_mentor": ("/schools/{school}/registry/people/mentor/new", "names"),
    "new_mentee": ("/schools/{school}/registry/people/mentee/new", "names"),
    "edit_mentor": ("/schools/{school}/registry/people/mentor/{mentor}", "names"),
    "remove_mentee": ("/schools/{school}/registry/people/mentee/{mentee}/remove", "names"),
    "new_pair": ("/schools/{school}/registry/pairs/new", "names"),
    "suggest": ("/schools/{school}/registry/suggest/{mentee}", "names"),
    "import": ("/schools/{school}/registry/import", "names"),
    "export": ("/schools/{school}/registry/export?kind=mentees&format=csv", "names"),
}


def _ids(portal: Portal, school: str) -> dict[str, Any]:
    return {
        "school": school,
        "mentor": _first_id(portal, Mentor, school),
        "mentee": _first_id(portal, Mentee, school),
        "pair": _first_id(portal, MentorshipPair, school, status="active"),
    }


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", READS)
def test_every_registry_page_is_shown_only_to_those_allowed(
    portal: Portal, clients: dict[str, TestClient], role: str, target: str, page: str
) -> None:
    path, need = READS[page]
    response = clients[role].get(path.format(**_ids(portal, TARGETS[target])))
    if role == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin")
        return
    sees_school = role in ("coordinator", "viewer") or target == "own"
    sees_names = role == "coordinator" or (role == "school_admin" and target == "own")
    allowed = sees_names if need == "names" else sees_school
    assert response.status_code == (200 if allowed else 403), response.text
    if not allowed:
        assert "Нет доступа" in response.text


# (path, form): each form is incomplete or stale, so an allowed request is refused by the form
# (400/409, nothing saved) and a refused one by the role (403): the matrix changes nothing
WRITES: dict[str, tuple[str, dict[str, str]]] = {
    "add_mentor": ("/schools/{school}/registry/people/mentor", {"full_name": ""}),
    "add_mentee": ("/schools/{school}/registry/people/mentee", {"full_name": "", "category": ""}),
    "edit_mentor": ("/schools/{school}/registry/people/mentor/{mentor}", {"version": "0"}),
    "remove_mentee": (
        "/schools/{school}/registry/people/mentee/{mentee}/remove",
        {"reason": "", "confirm": ""},
    ),
    "add_pair": ("/schools/{school}/registry/pairs", {"form": ""}),
    "end_pair": ("/schools/{school}/registry/pairs/{pair}/end", {"version": "0"}),
    "import": ("/schools/{school}/registry/import", {"kind": "mentees"}),
    "totals": ("/schools/{school}/registry/totals", {"year": "2022"}),
    "survey": ("/schools/{school}/registry/survey", {"year": "2022"}),
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", WRITES)
def test_every_registry_change_is_allowed_only_to_the_coordinator_and_the_schools_own_admin(
    portal: Portal, clients: dict[str, TestClient], role: str, target: str, action: str
) -> None:
    client = clients[role]
    path, fields = WRITES[action]
    url = path.format(**_ids(portal, TARGETS[target]))
    before = _snapshot(portal)
    response = client.post(url, data={"csrf_token": _token(client), **fields})
    allowed = role == "coordinator" or (role == "school_admin" and target == "own")
    if role == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin")
    elif allowed:
        assert response.status_code in (400, 409), response.text
        assert 'role="alert"' in response.text
    else:
        assert response.status_code == 403, response.text
    assert _snapshot(portal) == before, "the request changed the registry or the journal"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/registry", "/indicators"])
def test_the_municipal_registry_pages_are_for_the_coordinator_and_the_viewer(
    clients: dict[str, TestClient], role: str, path: str
) -> None:
    response = clients[role].get(path)
    if role == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin")
    elif role == "school_admin":  # sent to their own school's page
        assert response.status_code == 303
        assert response.headers["location"].startswith("/schools/sosh1/registry")
    else:
        assert response.status_code == 200
        assert "МАОУ СОШ № 2 г. Белоярский" in response.text


def test_a_form_without_the_csrf_token_is_refused(portal: Portal, admin: TestClient) -> None:
    before = _snapshot(portal)
    response = admin.post(
        "/schools/sosh1/registry/people/mentee",
        data={"full_name": "Лесная Алиса Игоревна", "category": "student"},
    )
    assert response.status_code == 403 and "Форма устарела" in response.text
    assert _snapshot(portal) == before


def test_a_person_of_another_school_is_not_found_through_ones_own_school(
    portal: Portal, admin: TestClient
) -> None:
    other = _first_id(portal, Mentor, "sosh2")
    response = admin.get(f"/schools/sosh1/registry/people/mentor/{other}")
    assert response.status_code == 404
    assert f"В реестре этой школы нет записи наставника № {other}." in response.text
    before = _snapshot(portal)
    response = admin.post(
        f"/schools/sosh1/registry/people/mentor/{other}/remove",
        data={"csrf_token": _token(admin), "reason": "заявление", "confirm": "yes"},
    )
    assert response.status_code == 404
    assert _snapshot(portal) == before


def test_an_unknown_school_is_404_for_the_coordinator(clients: dict[str, TestClient]) -> None:
    response = clients["coordinator"].get("/schools/nowhere/registry")
    assert (
        response.status_code == 404 and "Нет образовательной организации «nowhere»" in response.text
    )


# --- privacy --------------------------------------------------------------------------------------


def test_a_viewer_sees_counts_and_no_names(portal: Portal, clients: dict[str, TestClient]) -> None:
    viewer = clients["viewer"]
    page = viewer.get("/schools/sosh1/registry")
    assert page.status_code == 200
    text = _text(page.text)
    with session_scope(portal.engine) as session:
        mentors = session.exec(
            select(func.count())
            .select_from(Mentor)
            .where(Mentor.school_id == "sosh1", col(Mentor.removed_at).is_(None))
        ).one()
    assert f"Наставников: {mentors}" in text and "Ждут наставника:" in text
    assert DEMO_MENTOR not in page.text and DEMO_MENTEE not in page.text
    assert "Наблюдатель видит реестр в числах" in text
    assert "/export?" not in page.text and "Подобрать наставника" not in page.text
    overview = viewer.get("/registry")
    assert overview.status_code == 200
    assert DEMO_MENTOR not in overview.text and "МАОУ СОШ № 1 г. Белоярский" in overview.text
    totals = viewer.get("/schools/sosh1/registry/totals")
    assert (
        totals.status_code == 200 and 'action="/schools/sosh1/registry/totals"' not in totals.text
    )
    coordinator = clients["coordinator"].get("/schools/sosh1/registry")
    assert DEMO_MENTOR in coordinator.text and DEMO_MENTEE in coordinator.text


def test_the_school_page_highlights_mentees_who_wait_for_a_mentor(
    portal: Portal, admin: TestClient
) -> None:
    waiting = _waiting_mentee(portal, "sosh1")
    page = admin.get("/schools/sosh1/registry")
    row = re.search(rf'<tr id="mentee-{waiting}"[^>]*>', page.text)
    assert row is not None and 'class="waiting"' in row.group(0)
    assert "продолжить поиск наставника" in page.text
    assert f'href="/schools/sosh1/registry/suggest/{waiting}">Подобрать наставника' in page.text
    assert "Продолжить поиск наставника:" in page.text


def test_the_school_page_links_to_the_registry_and_the_nav_has_it(admin: TestClient) -> None:
    page = admin.get("/schools/sosh1")
    assert 'href="/schools/sosh1/registry"' in page.text
    assert ">Реестр наставничества<" in page.text


# --- people ---------------------------------------------------------------------------------------


def _post(client: TestClient, path: str, **fields: Any) -> Any:
    return client.post(path, data={"csrf_token": _token(client), **fields})


def test_adding_a_mentee_saves_it_journals_it_and_shows_it(
    portal: Portal, admin: TestClient
) -> None:
    response = _post(
        admin,
        "/schools/sosh1/registry/people/mentee",
        full_name="Орлова Вера Сергеевна",
        category="pupil",
        school_class="6 А",
        age="12",
        request="подготовка к олимпиаде по математике",
    )
    assert response.status_code == 303, response.text
    with session_scope(portal.engine) as session:
        mentee = session.exec(
            select(Mentee).where(Mentee.full_name == "Орлова Вера Сергеевна")
        ).one()
        entry = session.exec(
            select(JournalEntry)
            .where(JournalEntry.action == "registry_add")
            .order_by(col(JournalEntry.id).desc())
        ).first()
    assert (mentee.school_id, mentee.school_class, mentee.age) == ("sosh1", "6 А", 12)
    assert entry is not None
    assert (entry.actor, entry.source, entry.remote_addr) == (ADMIN_1, "web", "testclient")
    assert entry.details == {"person": f"mentee:{mentee.id}"}
    page = admin.get(response.headers["location"])
    assert "Наставляемый «Орлова Вера Сергеевна» добавлен в базу." in page.text
    assert f'id="mentee-{mentee.id}" data-ref="mentee:{mentee.id}" class="waiting"' in page.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"full_name": "соколов", "category": "student"},
            "full_name",
            "«соколов»: ожидается «Фамилия Имя Отчество»",
        ),
        (
            {"full_name": "Зимин Олег Петрович", "category": "pupil", "age": "13"},
            "school_class",
            "Для обучающегося укажите класс («7 Б»)",
        ),
        (
            {"full_name": "Зимин Олег Петрович", "category": "pupil", "school_class": "7 Б"},
            "age",
            "Для обучающегося укажите возраст.",
        ),
        (
            {
                "full_name": "Зимин Олег Петрович",
                "category": "young_specialist",
                "experience_years": "5",
            },
            "experience_years",
            "5: молодой специалист — стаж от 0 до 3 лет",
        ),
        (
            {"full_name": "Зимин Олег Петрович", "category": "ученица"},
            "category",
            "«ученица»: неизвестная категория",
        ),
        (
            {"full_name": DEMO_MENTEE, "category": "student"},
            "full_name",
            f"«{DEMO_MENTEE}» уже есть в базе",
        ),
        (
            {"full_name": "Зимин Олег Петрович", "category": "student", "request": "x" * 2001},
            "request",
            "Слишком длинно: не больше 2000 символов.",
        ),
    ],
)
def test_a_bad_mentee_form_is_explained_beside_the_field_and_nothing_is_saved(
    portal: Portal, admin: TestClient, fields: dict[str, str], field: str, message: str
) -> None:
    before = _snapshot(portal)
    response = _post(admin, "/schools/sosh1/registry/people/mentee", **fields)
    assert response.status_code == 400
    error = re.search(
        rf'<span class="field-error" id="f-{field}-error">([^<]*)</span>', response.text
    )
    assert error is not None, response.text
    assert message in _unescape(error.group(1))
    assert f'id="f-{field}"' in response.text and 'aria-invalid="true"' in response.text
    assert _snapshot(portal) == before


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_a_mentor_without_consent_date_is_refused_at_the_field(
    portal: Portal, admin: TestClient
) -> None:
    before = _snapshot(portal)
    response = _post(
        admin,
        "/schools/sosh1/registry/people/mentor",
        full_name="Гаврилова Нина Павловна",
        category="teacher",
        consent="да",
        consent_date="2022-10-01",
    )
    assert response.status_code == 400
    assert "1 октября 2022 г. ещё не наступило" in _unescape(response.text)
    assert 'value="Гаврилова Нина Павловна"' in response.text  # what was typed stays
    assert _snapshot(portal) == before


def _edit_form(client: TestClient, mentor_id: int) -> dict[str, str]:
    page = client.get(f"/schools/sosh1/registry/people/mentor/{mentor_id}").text
    values = dict(re.findall(r'<input id="f-(\w+)" name="\w+"[^>]*?value="([^"]*)"', page))
    values.update(
        {
            m.group(1): _unescape(m.group(2))
            for m in re.finditer(r'<textarea id="f-(\w+)"[^>]*>([^<]*)</textarea>', page)
        }
    )
    values["category"] = re.search(  # type: ignore[union-attr]
        r'<option value="(\w+)" selected', page
    ).group(1)
    values["version"] = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    values["consent"] = "да" if re.search(r'id="f-consent"[^>]*checked', page) else ""
    return {k: _unescape(v) for k, v in values.items()}


def test_editing_a_mentor_against_a_stale_version_is_refused_with_a_clear_message(
    portal: Portal, admin: TestClient
) -> None:
    added = _post(
        admin,
        "/schools/sosh1/registry/people/mentor",
        full_name="Киселёва Марина Олеговна",
        category="teacher",
        position="учитель химии",
        competencies="химия, проекты",
        capacity="2",
        consent="да",
        consent_date="2022-09-01",
    )
    assert added.status_code == 303, added.text
    mentor_id = int(added.headers["location"].rsplit("mentor-", 1)[1])
    first = _edit_form(admin, mentor_id)
    second = dict(first)  # the same page open in another window
    assert first["capacity"] == "2" and first["consent"] == "да"
    first["capacity"] = "3"
    saved = _post(admin, f"/schools/sosh1/registry/people/mentor/{mentor_id}", **first)
    assert saved.status_code == 303, saved.text
    second["competencies"] = "химия, биохимия"
    before = _snapshot(portal)
    stale = _post(admin, f"/schools/sosh1/registry/people/mentor/{mentor_id}", **second)
    assert stale.status_code == 409
    assert "Кто-то изменил эту запись, пока страница была открыта" in stale.text
    assert _snapshot(portal) == before
    with session_scope(portal.engine) as session:
        mentor = session.get(Mentor, mentor_id)
        assert mentor is not None
        assert (mentor.capacity, mentor.competencies, mentor.version) == (3, "химия, проекты", 2)


def test_removing_a_person_needs_a_reason_and_a_confirmation_and_erases_the_name(
    portal: Portal, admin: TestClient
) -> None:
    added = _post(
        admin,
        "/schools/sosh1/registry/people/mentee",
        full_name="Пастухов Илья Андреевич",
        category="student",
        request="практика",
    )
    mentee_id = int(added.headers["location"].rsplit("mentee-", 1)[1])
    path = f"/schools/sosh1/registry/people/mentee/{mentee_id}/remove"
    form = admin.get(path)
    assert (
        "Пастухов Илья Андреевич" in form.text
        and "Вернуть стёртые данные будет нельзя" in form.text
    )
    before = _snapshot(portal)
    refused = _post(admin, path, reason="", confirm="")
    assert refused.status_code == 400
    assert "Укажите причину" in refused.text and "Подтвердите удаление" in refused.text
    assert _snapshot(portal) == before
    done = _post(admin, path, reason="заявление Пастухова И. А. от 14.09.2022", confirm="yes")
    assert done.status_code == 303
    with session_scope(portal.engine) as session:
        mentee = session.get(Mentee, mentee_id)
        entry = session.exec(
            select(JournalEntry)
            .where(JournalEntry.action == "registry_remove")
            .order_by(col(JournalEntry.id).desc())
        ).first()
    assert mentee is not None and mentee.full_name == "" and mentee.removed_at is not None
    assert entry is not None and entry.source == "web"
    assert "Пастухов" not in str(entry.details) and "14.09.2022" in str(entry.details)
    assert "Пастухов Илья Андреевич" not in admin.get("/schools/sosh1/registry").text
    assert admin.get(path).status_code == 404  # removed: nothing left to open


# --- pairs and suggestions ------------------------------------------------------------------------


def _add_mentee(client: TestClient, name: str, request: str = "чтение") -> int:
    response = _post(
        client,
        "/schools/sosh1/registry/people/mentee",
        full_name=name,
        category="pupil",
        school_class="5 А",
        age="11",
        request=request,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("mentee-", 1)[1])


def test_pairing_rules_are_shown_beside_their_fields_and_nothing_is_saved(
    portal: Portal, admin: TestClient
) -> None:
    added = _post(
        admin,
        "/schools/sosh1/registry/people/mentor",
        full_name="Шубина Ольга Ивановна",
        category="teacher",
        capacity="1",
        consent="да",
        consent_date="2022-09-01",
    )
    mentor_id = int(added.headers["location"].rsplit("mentor-", 1)[1])
    first = _add_mentee(admin, "Лаптев Денис Романович")
    second = _add_mentee(admin, "Лаптева Дарья Романовна")
    before = _snapshot(portal)
    response = admin.post(
        "/schools/sosh1/registry/pairs",
        data={
            "csrf_token": _token(admin),
            "form": "pupil_pupil",
            "mentors": str(mentor_id),
            "mentees": [str(first), str(second)],
            "start_date": "2022-12-20",
            "end_date": "2022-12-10",
        },
    )
    assert response.status_code == 400
    page = _unescape(response.text)
    mentors = re.search(r'id="f-mentors-error">([^<]*)<', page)
    assert mentors is not None
    assert (
        "Шубина О. И. — педагог, а в форме «ученик – ученик» наставник — обучающийся"
        in mentors.group(1)
    )
    assert "свободно мест 1 из 1, а наставляемых в паре 2" in mentors.group(1)
    end = re.search(r'id="f-end-error">([^<]*)<', page)
    assert end is not None and "Окончание 10.12.2022 раньше начала 20.12.2022." in end.group(1)
    assert re.search(rf'value="{first}" checked', page)  # the choices stay on the form
    assert _snapshot(portal) == before
    unreadable = admin.post(
        "/schools/sosh1/registry/pairs",
        data={
            "csrf_token": _token(admin),
            "form": "teacher_pupil",
            "mentors": str(mentor_id),
            "mentees": str(first),
            "start_date": "31.02.2022",
            "end_date": "",
        },
    )
    assert unreadable.status_code == 400
    text = _unescape(unreadable.text)
    assert "«31.02.2022»: такой даты нет." in text and 'id="f-end-error">Не заполнено.' in text
    assert _snapshot(portal) == before


def test_a_pair_is_formed_from_a_suggestion_and_the_mentee_stops_waiting(
    portal: Portal, admin: TestClient
) -> None:
    waiting = _waiting_mentee(portal, "sosh1")
    page = admin.get(f"/schools/sosh1/registry/suggest/{waiting}")
    assert page.status_code == 200
    text = _unescape(page.text)
    assert "совпадает:" in text and "свободно мест:" in text and "Сформировать пару" in text
    # the first (best) suggestion's form, as the browser would send it
    form = re.search(r'<li class="card" data-mentor="(\d+)">.*?</form>', page.text, re.DOTALL)
    assert form is not None
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*?value="([^"]*)"', form.group(0)))
    fields["form"] = re.search(r'<option value="(\w+)"', form.group(0)).group(1)  # type: ignore[union-attr]
    assert fields["mentors"] == form.group(1) and fields["mentees"] == str(waiting)
    assert (fields["start_date"], fields["end_date"]) == ("2022-09-15", "2023-05-31")
    unpaired_before = _text(admin.get("/schools/sosh1/registry").text)
    response = admin.post("/schools/sosh1/registry/pairs", data=fields)
    assert response.status_code == 303, response.text
    pair_id = int(response.headers["location"].rsplit("pair-", 1)[1])
    with session_scope(portal.engine) as session:
        pair = session.get(MentorshipPair, pair_id)
        assert pair is not None and pair.status == "active" and pair.school_id == "sosh1"
        journal = session.exec(
            select(JournalEntry)
            .where(JournalEntry.action == "pair_add")
            .order_by(col(JournalEntry.id).desc())
        ).first()
    assert journal is not None and journal.details["mentees"] == [f"mentee:{waiting}"]
    after = admin.get(response.headers["location"])
    assert pair.number is not None and pair.number != pair_id
    assert f"Сформирована пара № {pair.number}." in after.text
    # numbered within the school: one more than the school's pairs before it, whatever the id
    with session_scope(portal.engine) as session:
        numbers = sorted(
            session.exec(
                select(MentorshipPair.number).where(MentorshipPair.school_id == "sosh1")
            ).all()
        )
    assert numbers == list(range(1, len(numbers) + 1))
    assert not re.search(rf'<tr id="mentee-{waiting}"[^>]*class="waiting"', after.text)
    assert _waiting_count(_text(after.text)) == _waiting_count(unpaired_before) - 1


def _waiting_count(text: str) -> int:
    found = re.search(r"Ждут наставника: (\d+)", text)
    assert found is not None
    return int(found.group(1))


def test_ending_a_pair_checks_the_version_and_the_day(portal: Portal, admin: TestClient) -> None:
    added = _post(
        admin,
        "/schools/sosh1/registry/people/mentor",
        full_name="Зуева Анна Петровна",
        category="teacher",
        competencies="шахматы",
        consent="да",
        consent_date="2022-09-01",
    )
    mentor = int(added.headers["location"].rsplit("mentor-", 1)[1])
    mentee = _add_mentee(admin, "Щукин Пётр Ильич", request="шахматы")
    formed = admin.post(
        "/schools/sosh1/registry/pairs",
        data={
            "csrf_token": _token(admin),
            "form": "teacher_pupil",
            "mentors": str(mentor),
            "mentees": str(mentee),
            "start_date": "2022-09-01",
            "end_date": "2023-05-31",
        },
    )
    assert formed.status_code == 303, formed.text
    pair_id = int(formed.headers["location"].rsplit("pair-", 1)[1])
    path = f"/schools/sosh1/registry/pairs/{pair_id}/end"
    before = _snapshot(portal)
    future = _post(admin, path, version="1", status="finished", on="2022-09-20")
    assert future.status_code == 400
    assert "Дата окончания не может быть позже сегодняшней." in future.text
    stale = _post(admin, path, version="7", status="finished", on="")
    assert stale.status_code == 409 and "Кто-то изменил эту пару" in stale.text
    assert _snapshot(portal) == before
    ended = _post(admin, path, version="1", status="cancelled", on="2022-09-14")
    assert ended.status_code == 303
    assert "прекращена с 14 сентября 2022 г." in _unescape(
        admin.get(ended.headers["location"]).text
    )
    with session_scope(portal.engine) as session:
        pair = session.get(MentorshipPair, pair_id)
        assert pair is not None
        assert (pair.status, pair.end_date, pair.version) == ("cancelled", date(2022, 9, 14), 2)
    again = _post(admin, path, version="2", status="finished", on="")
    assert again.status_code == 404 or "Пара уже не действует" in again.text


# --- import and export ----------------------------------------------------------------------------


def _import(client: TestClient, kind: str, name: str, data: bytes) -> Any:
    return client.post(
        "/schools/sosh1/registry/import",
        data={"csrf_token": _token(client), "kind": kind},
        files={"file": (name, data, "application/octet-stream")},
    )


def test_a_good_csv_of_mentees_is_imported(portal: Portal, admin: TestClient) -> None:
    text = (
        "ФИО;категория;класс;возраст;запрос\n"
        "Фомина Алла Петровна;ученик;8 Б;14;английский язык\n"
        "Фомин Артём Петрович;ученик;6 В;12;\n"
    )
    response = _import(admin, "mentees", "наставляемые.csv", text.encode("cp1251"))
    assert response.status_code == 303, response.text
    page = admin.get(response.headers["location"])
    assert "Импорт «наставляемые» из наставляемые.csv: добавлено 2, обновлено 0" in _unescape(
        page.text
    )
    assert "Фомина Алла Петровна" in page.text
    again = _import(admin, "mentees", "наставляемые.csv", text.encode("cp1251"))
    assert "добавлено 0, обновлено 0, без изменений 2" in _unescape(
        admin.get(again.headers["location"]).text
    )


def test_a_good_xlsx_of_mentors_is_imported(portal: Portal, admin: TestClient) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ФИО", "категория", "компетенции", "согласие на обработку ПДн", "дата согласия"])
    sheet.append(["Ершова Лидия Павловна", "педагог", "английский язык", "да", "01.09.2022"])
    raw = io.BytesIO()
    book.save(raw)
    response = _import(admin, "mentors", "mentors.xlsx", raw.getvalue())
    assert response.status_code == 303, response.text
    with session_scope(portal.engine) as session:
        mentor = session.exec(
            select(Mentor).where(Mentor.full_name == "Ершова Лидия Павловна")
        ).one()
    assert (mentor.school_id, mentor.consent, mentor.consent_date) == (
        "sosh1",
        True,
        date(2022, 9, 1),
    )


def test_a_bad_file_shows_every_row_and_column_problem_and_imports_nothing(
    portal: Portal, admin: TestClient
) -> None:
    text = (
        "full_name,category,school_class,age,request,experience_years\n"
        "Верный Игорь Олегович,ученик,7 А,13,математика,\n"
        "соколов,ученик,,13,математика,\n"
        "Новый Павел Ильич,молодой специалист,,,методика,5\n"
    )
    before = _snapshot(portal)
    response = _import(admin, "mentees", "bad.csv", text.encode())
    assert response.status_code == 400
    page = _unescape(response.text)
    assert "bad.csv: 3 ошибки, ничего не импортировано:" in page
    assert "строка 3, столбец A (full_name): «соколов»: ожидается «Фамилия Имя Отчество»" in page
    assert "строка 3, столбец C (school_class): для обучающегося укажите класс («7 Б»)" in page
    assert "строка 4, столбец F (experience_years): 5: молодой специалист" in page
    assert _snapshot(portal) == before
    assert "Верный Игорь Олегович" not in admin.get("/schools/sosh1/registry").text


def test_a_pairs_file_is_imported_only_when_every_row_keeps_the_rules(
    portal: Portal, admin: TestClient
) -> None:
    added = _post(
        admin,
        "/schools/sosh1/registry/people/mentor",
        full_name="Тимофеева Юлия Андреевна",
        category="teacher",
        capacity="2",
        consent="да",
        consent_date="2022-09-01",
    )
    assert added.status_code == 303, added.text
    _add_mentee(admin, "Мухин Роман Сергеевич")
    _add_mentee(admin, "Мухина Вера Сергеевна")
    rows = [
        "наставник;наставляемый;форма;начало;окончание",
        "Тимофеева Юлия Андреевна;Мухин Роман Сергеевич;учитель – ученик;15.09.2022;31.05.2023",
        "Тимофеева Юлия Андреевна;Мухина Вера Сергеевна;ученик – ученик;15.09.2022;31.05.2023",
    ]
    before = _snapshot(portal)
    bad = _import(admin, "pairs", "пары.csv", "\n".join(rows).encode())
    assert bad.status_code == 400
    page = _unescape(bad.text)
    assert "пары.csv: 1 ошибка, ничего не импортировано:" in page
    assert (
        "строка 3, столбец A (наставник): Тимофеева Ю. А. — педагог, а в форме «ученик – ученик»"
        in page
    )
    assert _snapshot(portal) == before
    rows[2] = rows[2].replace("ученик – ученик", "учитель-ученик")
    good = _import(admin, "pairs", "пары.csv", "\n".join(rows).encode())
    assert good.status_code == 303, good.text
    shown = _unescape(admin.get(good.headers["location"]).text)
    assert "Импорт «пары и группы» из пары.csv: добавлено 2" in shown
    assert not re.search(r'<tr id="mentee-\d+"[^>]*class="waiting">\s*<th scope="row">Мухин', shown)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("list.txt", b"a;b\n", "Нужен файл .csv или .xlsx"),
        ("list.xlsx", b"ID;not a workbook", "Содержимое файла не похоже на XLSX"),
        ("list.csv", b"", "Файл пустой."),
        ("list.csv", b"\x00\x01\x02binary", "не похоже на CSV"),
        ("list.csv", b"x" * (5 * 1024 * 1024 + 1), "Файл больше 5 МБ"),
        ("list.xlsx", b"PK\x03\x04 broken zip", "не удалось прочитать файл XLSX: он повреждён"),
        ("list.csv", "ФИО;категория\n".encode(), "под заголовком нет ни одной строки"),
        ("list.csv", "имя;класс\nА;Б\n".encode(), "нет столбцов full_name, category"),
    ],
)
def test_a_wrong_file_is_refused_with_a_reason(
    portal: Portal, admin: TestClient, name: str, data: bytes, message: str
) -> None:
    before = _snapshot(portal)
    response = _import(admin, "mentees", name, data)
    assert response.status_code == 400
    assert message in _unescape(response.text)
    assert _snapshot(portal) == before


def test_an_export_downloads_the_registry_and_is_journaled(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    coordinator = clients["coordinator"]
    response = coordinator.get("/schools/sosh1/registry/export?kind=mentors&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment; filename*=UTF-8''" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "ФИО" and DEMO_MENTOR in [row[0] for row in rows]
    xlsx = clients["school_admin"].get("/schools/sosh1/registry/export?kind=pairs&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and next(sheet.iter_rows(values_only=True))[0] == "наставник"
    with session_scope(portal.engine) as session:
        entries = session.exec(
            select(JournalEntry)
            .where(JournalEntry.action == "registry_export")
            .order_by(col(JournalEntry.id).desc())
        ).all()
    latest = {(e.actor, e.details["kind"], e.details["format"], e.source) for e in entries[:2]}
    assert latest == {(COORDINATOR, "mentors", "csv", "web"), (ADMIN_1, "pairs", "xlsx", "web")}
    assert all(DEMO_MENTOR not in str(e.details) for e in entries)
    assert coordinator.get("/schools/sosh1/registry/export?kind=secrets").status_code == 404


# --- totals, surveys and indicators ---------------------------------------------------------------


def test_totals_are_entered_checked_and_feed_the_indicators(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    admin = clients["other_admin"]  # sosh2
    before = _snapshot(portal)
    bad = _post(
        admin,
        "/schools/sosh2/registry/totals",
        year="2022",
        pupils_10_18="100",
        pupils_15_18="150",
        young_teachers="два",
    )
    assert bad.status_code == 400
    page = _unescape(bad.text)
    assert 'id="totals-young_teachers-error">«два»: ожидается целое число.' in page
    assert _snapshot(portal) == before
    inconsistent = _post(
        admin, "/schools/sosh2/registry/totals", year="2022", pupils_10_18="100", pupils_15_18="150"
    )
    assert "150 больше, чем обучающихся 10–18 лет (100): 15–18 лет — их часть" in _unescape(
        inconsistent.text
    )
    assert _snapshot(portal) == before
    saved = _post(admin, "/schools/sosh2/registry/totals", year="2022", pupils_10_18="400")
    assert saved.status_code == 303
    shown = _unescape(admin.get(saved.headers["location"]).text)
    assert "Численность сохранена: 2022 год." in shown
    assert "2 % (8 из 400)" in shown  # the demo's 8 pupil mentees of sosh2 over the new total
    survey = _post(
        admin,
        "/schools/sosh2/registry/survey",
        year="2022",
        mentees_took_part="3",
        mentees_satisfied="4",
    )
    assert survey.status_code == 400
    assert "4 больше, чем наставляемых участвовало в опросе (3)" in _unescape(survey.text)


def test_the_indicators_page_shows_targets_values_and_what_is_missing(
    clients: dict[str, TestClient],
) -> None:
    for role in ("coordinator", "viewer"):
        page = clients[role].get("/indicators?year=2022")
        assert page.status_code == 200
        text = _unescape(page.text)
        # sosh1's pupils 10–18 are 612 (its demo totals); at least the demo's 14 of them are
        # mentees (the tests above pair more), and the share is worked out from the two
        row = re.search(r'<tr data-school="sosh1">.*?</tr>', page.text, re.DOTALL)
        assert row is not None
        share = re.search(r"([\d,]+) % \((\d+) из 612\)", row.group(0))
        assert share is not None and int(share.group(2)) >= 14
        expected = f"{100 * int(share.group(2)) / 612:.1f}".rstrip("0").rstrip(".")
        assert share.group(1) == expected.replace(".", ",")
        # the targets of seed 003 (khnov) for 2022: 35 % of pupils 10–18, not reached
        assert re.search(
            r"Доля детей и молодежи в возрасте от 10 до 18 лет[^<]*</th>\s*<td>35 %</td>", text
        )
        assert "не достигнут" in text
        assert "нет данных: не введена численность обучающихся 10–18 лет за 2022 год" in text
        assert DEMO_MENTOR not in text
    assert clients["school_admin"].get("/indicators").headers["location"] == (
        "/schools/sosh1/registry/totals"
    )
    odd = clients["coordinator"].get("/indicators?year=abc")
    assert odd.status_code == 200 and "Год «abc» не понят: показан 2022 год." in _unescape(odd.text)


def _form_fields(page: str, form_id: str) -> dict[str, str]:
    """The named inputs of one form with the values the page gave them: what a browser posts
    when the user changes nothing."""
    form = re.search(rf'<form [^>]*id="{form_id}">(.*?)</form>', page, re.DOTALL)
    assert form is not None, form_id
    fields = {}
    for tag in re.findall(r"<input [^>]*>", form.group(1)):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is not None:
            fields[name.group(1)] = _unescape(value.group(1)) if value else ""
    return fields


def _stored(portal: Portal, model: Any, school: str, year: int) -> tuple[int | None, ...]:
    names = (
        ("pupils_10_18", "pupils_15_18", "young_teachers")
        if model is SchoolTotals
        else ("mentees_took_part", "mentees_satisfied", "mentors_took_part", "mentors_satisfied")
    )
    with session_scope(portal.engine) as session:
        row = session.exec(
            select(model).where(model.school_id == school, model.year == year)
        ).first()
        return tuple(getattr(row, name, None) for name in names)


def _last_journal(portal: Portal, action: str) -> JournalEntry:
    with session_scope(portal.engine) as session:
        entry = session.exec(
            select(JournalEntry)
            .where(JournalEntry.action == action)
            .order_by(col(JournalEntry.id).desc())
        ).first()
        assert entry is not None
        session.expunge(entry)
        return entry


def test_an_emptied_field_clears_its_number_and_a_field_left_as_it_was_keeps_it(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    admin, coordinator = clients["school_admin"], clients["coordinator"]
    page = "/schools/sosh1/registry/totals?year=2023"
    form = _form_fields(admin.get(page).text, "totals-form")
    assert (form["year"], form["pupils_10_18"], form["was_pupils_10_18"]) == ("2023", "", "")
    entered = admin.post(
        "/schools/sosh1/registry/totals",
        data={**form, "pupils_10_18": "600", "pupils_15_18": "190", "young_teachers": "5"},
    )
    assert entered.status_code == 303, entered.text
    assert _stored(portal, SchoolTotals, "sosh1", 2023) == (600, 190, 5)

    shown = admin.get(page).text
    form = _form_fields(shown, "totals-form")
    assert (form["pupils_15_18"], form["was_pupils_15_18"]) == ("190", "190")
    assert re.search(r"[\d,]+ % \(\d+ из 190\)", shown)  # the pupil mentors over the 190
    cleared = admin.post("/schools/sosh1/registry/totals", data={**form, "pupils_15_18": ""})
    assert cleared.status_code == 303, cleared.text
    assert _stored(portal, SchoolTotals, "sosh1", 2023) == (600, None, 5)
    entry = _last_journal(portal, "registry_totals")
    assert (entry.actor, entry.source, entry.remote_addr, entry.school_id) == (
        ADMIN_1,
        "web",
        "testclient",
        "sosh1",
    )
    assert entry.details == {"year": 2023, "cleared": ["pupils_15_18"]}
    shown = _unescape(admin.get(cleared.headers["location"]).text)
    assert "Численность сохранена: 2023 год. Очищено: «обучающихся 15–18 лет»." in shown
    assert "нет данных: не введена численность обучающихся 15–18 лет за 2023 год" in shown
    assert not re.search(r"% \(\d+ из 190\)", shown)
    assert re.search(r"[\d,]+ % \(\d+ из 600\)", shown)  # the numbers kept still count
    assert _form_fields(shown, "totals-form")["pupils_15_18"] == ""

    # the admin's page still shows 5 young specialists when the coordinator changes them to 7;
    # the admin then corrects another number: the 5 left as it was does not overwrite the 7
    stale = _form_fields(shown, "totals-form")
    other = _form_fields(coordinator.get(page).text, "totals-form")
    changed = coordinator.post(
        "/schools/sosh1/registry/totals", data={**other, "young_teachers": "7"}
    )
    assert changed.status_code == 303, changed.text
    saved = admin.post("/schools/sosh1/registry/totals", data={**stale, "pupils_10_18": "610"})
    assert saved.status_code == 303, saved.text
    assert _stored(portal, SchoolTotals, "sosh1", 2023) == (610, None, 7)
    assert _last_journal(portal, "registry_totals").details == {"year": 2023, "pupils_10_18": 610}

    # a form sent back unchanged saves nothing and says so
    before = _snapshot(portal)
    form = _form_fields(admin.get(page).text, "totals-form")
    unchanged = admin.post("/schools/sosh1/registry/totals", data=form)
    assert unchanged.status_code == 303
    assert "Числа за 2023 год не изменились — сохранять нечего." in _unescape(
        admin.get(unchanged.headers["location"]).text
    )
    assert _snapshot(portal) == before


def test_a_stored_zero_is_shown_as_zero_and_kept_by_a_form_sent_back(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    admin = clients["other_admin"]  # sosh2
    page = "/schools/sosh2/registry/totals?year=2024"
    form = _form_fields(admin.get(page).text, "totals-form")
    saved = admin.post(
        "/schools/sosh2/registry/totals",
        data={**form, "pupils_10_18": "500", "young_teachers": "0"},
    )
    assert saved.status_code == 303, saved.text
    shown = _unescape(admin.get(page).text)
    form = _form_fields(shown, "totals-form")
    assert (form["young_teachers"], form["was_young_teachers"]) == ("0", "0")
    assert "молодых специалистов за 2024 год — 0: доля не определена" in shown
    admin.post("/schools/sosh2/registry/totals", data={**form, "pupils_10_18": "510"})
    assert _stored(portal, SchoolTotals, "sosh2", 2024) == (510, None, 0)


def test_survey_checks_apply_after_the_change_and_a_cleared_count_is_no_data(
    portal: Portal, admin: TestClient
) -> None:
    page = "/schools/sosh1/registry/totals?year=2023"
    form = _form_fields(admin.get(page).text, "survey-form")
    entered = admin.post(
        "/schools/sosh1/registry/survey",
        data={
            **form,
            "mentees_took_part": "10",
            "mentees_satisfied": "8",
            "mentors_took_part": "5",
            "mentors_satisfied": "5",
        },
    )
    assert entered.status_code == 303, entered.text
    form = _form_fields(admin.get(page).text, "survey-form")

    # fewer who took part than the 8 satisfied: refused at the field, nothing saved or cleared
    before = _snapshot(portal)
    refused = admin.post(
        "/schools/sosh1/registry/survey",
        data={**form, "mentees_took_part": "6", "mentors_satisfied": ""},
    )
    assert refused.status_code == 400
    assert (
        'id="survey-mentees_satisfied-error">8 больше, чем наставляемых участвовало в опросе (6)'
        in _unescape(refused.text)
    )
    assert _snapshot(portal) == before
    assert _stored(portal, SurveyResult, "sosh1", 2023) == (10, 8, 5, 5)

    # the same 6 with the satisfied count cleared: nothing left to compare, so it is saved
    cleared = admin.post(
        "/schools/sosh1/registry/survey",
        data={**form, "mentees_took_part": "6", "mentees_satisfied": ""},
    )
    assert cleared.status_code == 303, cleared.text
    assert _stored(portal, SurveyResult, "sosh1", 2023) == (6, None, 5, 5)
    assert _last_journal(portal, "registry_survey").details == {
        "year": 2023,
        "mentees_took_part": 6,
        "cleared": ["mentees_satisfied"],
    }
    shown = _unescape(admin.get(cleared.headers["location"]).text)
    assert "Итоги опроса сохранены: 2023 год. Очищено: «наставляемых удовлетворены»." in shown
    assert "нет данных: не введено число удовлетворённых наставляемых за 2023 год" in shown
    assert "100 % (5 из 5)" in shown  # the mentors' satisfaction is untouched
    assert "0 % (0 из 6)" not in shown


def test_bad_input_beside_an_emptied_field_saves_and_clears_nothing_until_corrected(
    portal: Portal, clients: dict[str, TestClient]
) -> None:
    admin = clients["other_admin"]  # sosh2
    page = "/schools/sosh2/registry/totals?year=2025"
    form = _form_fields(admin.get(page).text, "totals-form")
    admin.post(
        "/schools/sosh2/registry/totals",
        data={**form, "pupils_10_18": "500", "pupils_15_18": "150", "young_teachers": "4"},
    )
    form = _form_fields(admin.get(page).text, "totals-form")
    before = _snapshot(portal)
    bad = admin.post(
        "/schools/sosh2/registry/totals",
        data={**form, "pupils_10_18": "много", "young_teachers": ""},
    )
    assert bad.status_code == 400
    text = _unescape(bad.text)
    assert 'id="totals-pupils_10_18-error">«много»: ожидается целое число.' in text
    assert "Не сохранено: исправьте отмеченные поля." in text
    assert _snapshot(portal) == before
    assert _stored(portal, SchoolTotals, "sosh2", 2025) == (500, 150, 4)
    # the refused form keeps what the user typed and the numbers it was first shown with, so the
    # corrected form still clears the emptied field
    again = _form_fields(bad.text, "totals-form")
    assert (again["pupils_10_18"], again["young_teachers"]) == ("много", "")
    assert (again["was_pupils_10_18"], again["was_young_teachers"]) == ("500", "4")
    fixed = admin.post("/schools/sosh2/registry/totals", data={**again, "pupils_10_18": "520"})
    assert fixed.status_code == 303, fixed.text
    assert _stored(portal, SchoolTotals, "sosh2", 2025) == (520, 150, None)
