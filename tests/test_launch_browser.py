"""The coordinator previews, confirms and undoes a launch in the portal (#14): Chromium, real server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from tests.browser import BROWSER_MARKS, chromium, free_port, serving, sign_in
from tests.web_helpers import COORDINATOR, Portal, build_portal

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Portal]]:
    port = free_port()
    portal = build_portal(tmp_path_factory.mktemp("launch"), base_url=f"http://127.0.0.1:{port}")
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


def test_the_coordinator_sees_the_preview_confirms_finds_the_matrix_and_undoes_the_launch(
    served: tuple[str, Portal],
) -> None:
    base, portal = served
    with chromium() as browser:
        page: Any = browser.new_context(locale="ru-RU").new_page()
        sign_in(page, base, COORDINATOR)
        page.goto(f"{base}/launch")
        # the escalation defaults and the role catalogue are on the page
        assert page.locator("#ladder-remind").inner_text() == "за 3 раб. дн. до срока"
        assert page.locator("#ladder-coordinator").inner_text() == "через 3 раб. дн. просрочки"
        assert page.locator("#ladder-head").inner_text() == "через 10 раб. дн. просрочки"
        page.get_by_text("Каталог ролей").click()
        assert "муниципальный экспертный совет" in page.inner_text("body")
        page.get_by_label("khnov-2022-2024").check()
        page.get_by_role("button", name="Проверить перед запуском").click()
        page.wait_for_load_state()
        # the preview: nothing is created yet
        assert page.get_by_role("heading", level=1).inner_text() == "Проверка перед запуском"
        assert _instances(portal, "khnov-2022-2024") == 0
        body = (
            page.locator("main").inner_text()
            if page.locator("main").count()
            else page.inner_text("body")
        )
        assert "Сроки вне периода дорожной карты: 3.7 (31 мая 2021 г.)" in body
        assert (
            "Часовые пояса различаются" in body
        )  # Europe/Moscow roadmap, Asia/Yekaterinburg municipality
        planned = int(page.locator("#preview-instances").inner_text())
        page.get_by_role("button", name="Подтвердить запуск").click()
        page.wait_for_load_state()
        assert "/matrix?run=khnov-2022-2024" in page.url
        assert "Дорожная карта запущена" in page.locator(".flash").inner_text()
        assert _instances(portal, "khnov-2022-2024") == planned
        page.goto(f"{base}/launch")
        page.get_by_role("button", name="Отменить запуск khnov-2022-2024").click()
        page.wait_for_load_state()
        assert (
            f"Запуск khnov-2022-2024 отменён: удалено мероприятий — {planned}."
            in page.locator(".flash").inner_text()
        )
        assert _instances(portal, "khnov-2022-2024") == 0
        # the demo's run has acts on its steps: it can no longer be undone, only archived
        page.get_by_role("button", name="Отменить запуск beloyarsky-2022").click()
        page.wait_for_load_state()
        assert "уже нельзя отменить" in page.inner_text("body")
        assert _instances(portal, "beloyarsky-2022") > 0
