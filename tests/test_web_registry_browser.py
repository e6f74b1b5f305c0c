"""Browser test of the registry: a school admin adds a mentee and forms a pair from a suggestion.

Playwright drives Debian chromium against uvicorn on loopback; screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import select

from nastavnik.demo import at_nine, demo_registry
from registry.models import Mentee, MentorshipPair, PairMentee
from storage.db import session_scope
from tests.browser import ARTIFACTS, BROWSER_MARKS, chromium, free_port, serving, sign_in
from tests.web_helpers import ADMIN_1, TZ, Portal, build_portal

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Portal]]:
    port = free_port()
    workdir = tmp_path_factory.mktemp("registry-browser")
    portal = build_portal(
        workdir, base_url=f"http://127.0.0.1:{port}", now=at_nine(date(2022, 9, 15), TZ)
    )
    demo_registry(
        engine=portal.engine,
        workdir=workdir,
        schools=["sosh1"],
        steps=("mentors", "mentees", "pairs", "totals"),
    )
    with serving(portal.app(), port) as base:
        yield base, portal


def test_a_school_admin_adds_a_mentee_and_forms_a_pair_from_a_suggestion(served) -> None:
    base, portal = served
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        page = context.new_page()
        sign_in(page, base, ADMIN_1)

        page.get_by_role("link", name="Реестр наставничества", exact=True).click()
        page.wait_for_load_state()
        assert page.url.endswith("/schools/sosh1/registry")
        assert page.get_by_role("heading", level=1).inner_text() == "Реестр наставничества"

        page.get_by_role("link", name="Добавить наставляемого").click()
        page.wait_for_load_state()
        page.get_by_label("ФИО").fill("Романова Ксения Игоревна")
        page.get_by_label("Категория").select_option(label="обучающийся")
        page.get_by_label("Класс").fill("7 Б")
        page.get_by_label("Возраст").fill("13")
        page.get_by_label("Запрос").fill("подготовка к итоговому сочинению")
        page.get_by_role("button", name="Добавить").click()
        page.wait_for_load_state()
        assert "Наставляемый «Романова Ксения Игоревна» добавлен в базу." in (
            page.locator(".flash").inner_text()
        )
        row = page.locator("#mentees-table tr", has_text="Романова Ксения Игоревна")
        assert row.get_attribute("class") == "waiting"
        assert "продолжить поиск наставника" in row.inner_text()
        page.screenshot(path=str(ARTIFACTS / "registry-school.png"), full_page=True)

        row.get_by_role("link", name="Подобрать наставника").click()
        page.wait_for_load_state()
        best = page.locator("ol.suggestions > li").first
        assert "совпадает: итоговое, сочинение" in best.inner_text()
        mentor = best.locator("strong").inner_text()
        page.screenshot(path=str(ARTIFACTS / "registry-suggestions.png"), full_page=True)
        best.get_by_role("button", name="Сформировать пару").click()
        page.wait_for_load_state()
        assert "Сформирована пара №" in page.locator(".flash").inner_text()
        row = page.locator("#mentees-table tr", has_text="Романова Ксения Игоревна")
        assert row.get_attribute("class") is None
        assert mentor in row.inner_text()
        context.close()

    with session_scope(portal.engine) as session:
        mentee = session.exec(
            select(Mentee).where(Mentee.full_name == "Романова Ксения Игоревна")
        ).one()
        pair = session.exec(
            select(MentorshipPair)
            .join(PairMentee, PairMentee.pair_id == MentorshipPair.id)  # type: ignore[arg-type]
            .where(PairMentee.mentee_id == mentee.id)
        ).one()
    assert (pair.school_id, pair.form_code, pair.status) == ("sosh1", "teacher_pupil", "active")
