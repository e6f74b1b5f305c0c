"""Browser test of the registry: a school admin adds a mentee and forms a pair from a suggestion.

Playwright drives Debian chromium against uvicorn on loopback; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from nastavnik.demo import at_nine, demo_registry
from registry.models import Mentee, MentorshipPair, PairMentee
from storage.db import session_scope
from tests.web_helpers import ADMIN_1, PASSWORD, TZ, Portal, build_portal

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"
    ),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Portal]]:
    import uvicorn

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = tmp_path_factory.mktemp("registry-browser")
    portal = build_portal(workdir, base_url=base, now=at_nine(date(2022, 9, 15), TZ))
    demo_registry(
        engine=portal.engine,
        workdir=workdir,
        schools=["sosh1"],
        steps=("mentors", "mentees", "pairs", "totals"),
    )
    server = uvicorn.Server(
        uvicorn.Config(portal.app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield base, portal
    server.should_exit = True
    thread.join(timeout=10)


def test_a_school_admin_adds_a_mentee_and_forms_a_pair_from_a_suggestion(served) -> None:
    from playwright.sync_api import sync_playwright

    base, portal = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=ru"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        page = context.new_page()
        page.goto(f"{base}/signin")
        page.get_by_label("Электронная почта").first.fill(ADMIN_1)
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_load_state()

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
        browser.close()

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
