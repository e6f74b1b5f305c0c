"""The methodist's way in the portal (#14): upload a Word table, type the dates of a deadline nobody
can read, publish, preview the launch, confirm, find the schools in the matrix, undo. Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from nastavnik import demo_data
from tests.browser import ARTIFACTS, BROWSER_MARKS, chromium, free_port, serving, sign_in
from tests.roadmap_docx import UNREADABLE, build_roadmap_docx
from tests.web_helpers import COORDINATOR, Portal, build_portal

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Portal]]:
    port = free_port()
    portal = build_portal(
        tmp_path_factory.mktemp("editor"), acts_until=None, base_url=f"http://127.0.0.1:{port}"
    )
    with serving(portal.app(), port) as base:
        yield base, portal


def _instances(portal: Portal, roadmap: str) -> int:
    with portal.engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM step_instance s JOIN roadmap_run r ON r.id = s.run_id "
                    "WHERE r.roadmap_id = :id"
                ),
                {"id": roadmap},
            ).scalar_one()
        )


def test_the_methodist_uploads_fixes_publishes_launches_and_undoes(
    served: tuple[str, Portal], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    base, portal = served
    table = build_roadmap_docx(tmp_path / "дорожная карта.docx")
    with chromium() as browser:
        page: Any = browser.new_context(locale="ru-RU").new_page()
        sign_in(page, base, COORDINATOR)
        page.get_by_role("link", name="Дорожные карты").click()
        page.wait_for_load_state()
        page.locator("#rm-file").set_input_files(str(table))
        page.get_by_role("button", name="Прочитать таблицу").click()
        page.wait_for_load_state()
        assert page.url.endswith("/roadmaps/dorozhnaya-karta-2022")
        row = page.locator("#step-2\\.1")
        assert UNREADABLE in row.inner_text()
        assert "не распознан" in row.inner_text()
        assert (
            "понято как: один раз, 1 ноября 2022 г. – 10 ноября 2022 г."
            in page.locator("#step-1").inner_text()
        )
        page.get_by_label("Изменить шаг 2.1").click()
        page.wait_for_load_state()
        # the reading follows what is typed (a round trip on change; nothing is saved)
        # the imported step is «без срока», and says why its phrase does not read
        assert "не прочитан" in page.locator("#f-reading").inner_text()
        page.get_by_label("Без срока").uncheck()
        deadline = page.get_by_label("Срок, как в документе")
        deadline.fill("1 декада ноября 2022 года")
        deadline.press("Tab")
        expect(page.locator("#f-reading")).to_contain_text("10 ноября 2022 г.")
        deadline.fill(UNREADABLE)
        deadline.press("Tab")
        expect(page.locator("#f-reading")).to_contain_text("не прочитан")
        page.get_by_label("Дата начала (ДД.ММ.ГГГГ)").fill("01.11.2022")
        page.get_by_label("Дата окончания — срок (ДД.ММ.ГГГГ)").fill("40.11.2022")
        page.get_by_role("button", name="Сохранить шаг").click()
        page.wait_for_load_state()
        # a wrong date is refused beside its field, in Russian
        assert "Не дата" in page.locator("#f-end-error").inner_text()
        page.get_by_label("Дата окончания — срок (ДД.ММ.ГГГГ)").fill("10.11.2022")
        page.get_by_role("button", name="Сохранить шаг").click()
        page.wait_for_load_state()
        assert "Шаг 2.1 сохранён" in page.locator(".flash").inner_text()
        fixed = page.locator("#step-2\\.1").inner_text()
        assert "даты введены вручную: 1 ноября 2022 г. – 10 ноября 2022 г." in fixed
        assert UNREADABLE in fixed  # the source's words stay
        page.get_by_label("Что изменилось").fill("первая версия из таблицы")
        page.get_by_role("button", name="Опубликовать версию 1").click()
        page.wait_for_load_state()
        assert "Опубликована версия 1" in page.locator(".flash").inner_text()
        assert "первая версия из таблицы" in page.get_by_role("table", name="Версии").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "roadmap-editor.png"), full_page=True)
        page.get_by_role("button", name="Проверить перед запуском").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == "Проверка перед запуском"
        assert _instances(portal, "dorozhnaya-karta-2022") == 0
        planned = int(page.locator("#preview-instances").inner_text())
        assert planned > 0
        page.get_by_role("button", name="Подтвердить запуск").click()
        page.wait_for_load_state()
        assert "/matrix?run=dorozhnaya-karta-2022" in page.url
        assert "Дорожная карта запущена" in page.locator(".flash").inner_text()
        matrix = page.inner_text("body")
        for school in demo_data.SCHOOLS:
            assert school["short_name"] in matrix
        assert _instances(portal, "dorozhnaya-karta-2022") == planned
        page.goto(f"{base}/launch")
        page.get_by_role("button", name="Отменить запуск dorozhnaya-karta-2022").click()
        page.wait_for_load_state()
        assert (
            f"Запуск dorozhnaya-karta-2022 отменён: удалено мероприятий — {planned}."
            in page.locator(".flash").inner_text()
        )
        assert _instances(portal, "dorozhnaya-karta-2022") == 0
