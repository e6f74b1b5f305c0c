"""In chromium, as people use them: the schools import preview, users managed by the coordinator,
a calendar link issued and revoked (#17)."""

from __future__ import annotations

import copy
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from nastavnik import demo_data
from nastavnik.demo import write_schools_csv
from storage.db import session_scope
from storage.models import School, User
from tests.browser import ARTIFACTS, BROWSER_MARKS, module_browser, served_portal, sign_in
from tests.web_helpers import ADMIN_1, COORDINATOR, Portal

pytestmark = BROWSER_MARKS

browser = module_browser()


served = served_portal("security-browser")


def test_the_coordinator_sees_the_schools_difference_and_applies_it(
    served: tuple[str, Portal], browser: object, tmp_path: Path
) -> None:
    base, portal = served
    schools = copy.deepcopy(demo_data.SCHOOLS)
    next(s for s in schools if s["id"] == "sosh2")["admin_email"] = "zamena@example.ru"
    path = write_schools_csv(tmp_path / "школы.csv", schools)
    page = browser.new_page()  # type: ignore[attr-defined]
    sign_in(page, base, COORDINATOR)
    page.get_by_role("link", name="Импорт школ").click()
    page.get_by_label("Файл со списком школ").set_input_files(str(path))
    page.get_by_role("button", name="Импортировать").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Изменятся школы (1)").is_visible()
    row = page.locator("table.diff-changed tr.attention")
    assert (
        "адрес почты ответственного" in row.inner_text() and "zamena@example.ru" in row.inner_text()
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "schools-import-preview.png"), full_page=True)
    with session_scope(portal.engine) as session:
        school = session.get(School, "sosh2")
        assert school is not None and school.admin_email != "zamena@example.ru"
    page.get_by_role("button", name="Применить изменения").click()
    page.wait_for_load_state()
    assert "сменился адрес почты ответственного — 1" in page.locator(".flash").inner_text()
    with session_scope(portal.engine) as session:
        school = session.get(School, "sosh2")
        assert school is not None and school.admin_email == "zamena@example.ru"
    page.close()


def test_the_coordinator_adds_and_disables_a_viewer(
    served: tuple[str, Portal], browser: object
) -> None:
    base, portal = served
    page = browser.new_page()  # type: ignore[attr-defined]
    sign_in(page, base, COORDINATOR)
    page.get_by_role("link", name="Пользователи").click()
    page.get_by_label("Электронная почта").fill("nablyudatel@example.ru")
    page.get_by_label("ФИО").fill("Смотрова Ольга Ивановна")
    page.get_by_label("Роль").select_option("viewer")
    page.get_by_role("button", name="Добавить и отправить приглашение").click()
    page.wait_for_load_state()
    assert "nablyudatel@example.ru добавлен" in page.locator(".flash").inner_text()
    assert list(portal.settings.mail_dir.glob("signin-*.eml")), "the invitation was written"
    row = page.locator("tr", has_text="nablyudatel@example.ru")
    row.get_by_role("button", name="Отключить").click()
    page.wait_for_load_state()
    assert "отключён" in page.locator("tr", has_text="nablyudatel@example.ru").inner_text()
    with session_scope(portal.engine) as session:
        from sqlmodel import select

        user = session.exec(select(User).where(User.email == "nablyudatel@example.ru")).one()
        assert not user.active
    page.get_by_role("link", name="Журнал").click()
    page.get_by_label("Действие").select_option("user_disable")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_load_state()
    assert "пользователь отключён" in page.locator("table.journal tbody").inner_text()
    page.close()


def test_a_school_admin_gets_a_calendar_link_and_revokes_it(
    served: tuple[str, Portal], browser: object
) -> None:
    base, _portal = served
    page = browser.new_page()  # type: ignore[attr-defined]
    sign_in(page, base, ADMIN_1)
    page.get_by_role("link", name=f"{ADMIN_1} · ответственный в ОО").click()
    page.get_by_role("button", name="Получить ссылку на календарь").click()
    page.wait_for_load_state()
    link = page.locator("code.calendar-link").inner_text()
    assert link.startswith(f"{base}/calendar/") and link.endswith(".ics")
    with urllib.request.urlopen(link) as feed:  # a calendar application fetches it, no cookie
        assert b"BEGIN:VCALENDAR" in feed.read()
    page.get_by_role("button", name="Отозвать ссылку").click()
    page.wait_for_load_state()
    assert "Ссылка на календарь отозвана." in page.locator(".flash").inner_text()
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(link)
    assert gone.value.code == 404
    page.close()
