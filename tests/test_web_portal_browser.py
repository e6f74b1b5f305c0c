"""Browser tests of a real municipality's day (issue #17): the 300-school matrix searched, sorted
by lateness and printed; a school admin's next deadlines first; the coordinator's return for
rework seen by the school; an undo that asks first. Playwright drives Debian chromium against the
portal served by uvicorn on loopback; screenshots and the printout go to test-artifacts/."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser import ARTIFACTS, BROWSER_MARKS, free_port, module_browser, serving, sign_in
from tests.web_helpers import (
    ADMIN_1,
    COORDINATOR,
    Portal,
    build_portal,
    build_region,
    region_school_id,
)

pytestmark = BROWSER_MARKS

browser = module_browser()


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Portal]]:
    port = free_port()
    portal = build_region(tmp_path_factory.mktemp("region"), schools=300)
    with serving(portal.app(), port) as base:
        yield base, portal


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Portal]]:
    port = free_port()
    portal = build_portal(tmp_path_factory.mktemp("day"), base_url=f"http://127.0.0.1:{port}")
    with serving(portal.app(), port) as base:
        yield base, portal


def _school_rows(page: object) -> list[str]:
    return page.locator("table.matrix tbody tr[data-unit]:not([data-unit=''])").evaluate_all(  # type: ignore[attr-defined]
        "rows => rows.map(r => r.querySelector('th').innerText.trim())"
    )


def _overdue_counts(page: object) -> list[int]:
    return page.locator("table.matrix tbody tr[data-unit]:not([data-unit=''])").evaluate_all(  # type: ignore[attr-defined]
        "rows => rows.map(r => Number(r.querySelectorAll('td')[0].innerText))"
    )


def test_a_300_school_matrix_is_searched_sorted_by_lateness_and_printed(region, browser) -> None:
    base, _portal = region
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    page = context.new_page()
    sign_in(page, base, COORDINATOR)
    response = page.goto(f"{base}/matrix")
    assert response is not None and len(response.body()) <= 300 * 1024
    names = _school_rows(page)
    assert len(names) == 300
    assert (
        names.index("МБОУ СОШ № 9") < names.index("МБОУ СОШ № 89") < names.index("МБОУ СОШ № 100")
    )
    # a late cell says by how many working days
    late = page.locator("table.matrix tbody td.overdue").first
    assert re.fullmatch(r"✗\d+", late.inner_text().strip())
    # the header and the first column stay while the table scrolls
    box = page.locator(".matrix-box")
    header = page.locator("table.matrix thead th").nth(5)
    top_before = header.bounding_box()["y"]
    box.evaluate("b => { b.scrollTop = 3000; b.scrollLeft = 400; }")
    assert abs(header.bounding_box()["y"] - top_before) < 2
    first = page.locator("table.matrix tbody tr[data-unit] th").nth(120)
    assert abs(first.bounding_box()["x"] - box.bounding_box()["x"]) < 3
    page.screenshot(path=str(ARTIFACTS / "matrix-300-scrolled.png"))
    box.evaluate("b => { b.scrollTop = 0; b.scrollLeft = 0; }")

    # search as you type: the table follows the field, the address keeps the search
    page.get_by_label("Поиск школы").press_sequentially("№ 89", delay=30)
    rows = page.locator("table.matrix tbody tr[data-unit]")
    expect(rows).to_have_count(1, timeout=30_000)  # a search keeps the schools it finds
    assert _school_rows(page) == ["МБОУ СОШ № 89"]
    assert "q=" in page.url
    page.get_by_label("Поиск школы").fill("")
    expect(rows).to_have_count(301, timeout=30_000)

    # sort by lateness: the most overdue schools first
    page.get_by_label("Порядок").select_option("late")
    page.wait_for_url(re.compile(r"sort=late"), timeout=30_000)
    expect(page.locator("#matrix-result")).to_contain_text("Школ: 300", timeout=30_000)
    counts = _overdue_counts(page)
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    page.screenshot(path=str(ARTIFACTS / "matrix-300-late.png"))

    # the print view on A4 landscape
    page.get_by_role("link", name="Версия для печати").click()
    page.wait_for_load_state()
    assert "sort=late" in page.url and "print=1" in page.url
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    printout = ARTIFACTS / "matrix-300.pdf"
    page.pdf(path=str(printout), prefer_css_page_size=True)
    data = printout.read_bytes()
    width, height = (
        float(n)
        for n in re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data).groups()  # type: ignore[union-attr]
    )
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    assert (
        data.count(b"/Type /Page\n")
        + data.count(b"/Type /Page\r")
        + len(re.findall(rb"/Type\s*/Page[^s]", data))
        > 1
    )
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(printout), "-"], capture_output=True, text=True
        ).stdout
        assert "МБОУ СОШ №" in text and "Матрица выполнения" in text
    context.close()


def test_the_territory_groups_collapse_the_matrix_by_place(region, browser) -> None:
    base, _portal = region
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    page = context.new_page()
    sign_in(page, base, COORDINATOR)
    page.goto(f"{base}/matrix")
    page.get_by_label("По территориям").check()
    expect(page.locator("tr.territory-head")).to_have_count(8, timeout=30_000)
    heads = page.locator("tr.territory-head th").all_inner_texts()
    assert len(heads) == 8 and heads[0].startswith("г. Белоярский")
    assert all("школ:" in h for h in heads)
    context.close()


def test_a_school_admin_sees_her_overdue_steps_and_next_deadlines_first(demo, browser) -> None:
    base, _portal = demo
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    sign_in(page, base, ADMIN_1)
    headings = page.locator("main h2.home-heading").all_inner_texts()
    assert [h.split()[0] for h in headings] == ["Просрочено", "Ближайшие", "Остальные"]
    # the first step on the page is overdue, then the next deadlines soonest first
    first = page.locator("main section.step").first
    assert first.locator(".badge").inner_text().endswith("просрочено")
    soon = page.locator("h2#soon ~ section.step")
    dues = soon.evaluate_all("sections => sections.map(s => s.dataset.nextDue)")
    assert dues and dues == sorted(dues)
    # within one screen she sees what is late and what comes next
    assert page.locator("h2#soon").bounding_box()["y"] < 900 * 2
    # the rest is folded by section: present, not shown until opened
    folded = page.locator("details.roadmap-section").first
    assert folded.locator("section.step").first.is_hidden()
    folded.locator(":scope > summary").click()
    assert folded.locator("section.step").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "school-home.png"))
    context.close()


def test_the_coordinator_returns_a_step_for_rework_and_the_school_sees_the_comment(
    demo, browser
) -> None:
    base, _portal = demo
    comment = "В приказе не указан срок полномочий куратора: исправьте и загрузите заново."
    coordinator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = coordinator.new_page()
    sign_in(page, base, COORDINATOR)
    page.goto(f"{base}/schools/sosh1#step-3-2")
    step = page.locator("#step-3-2")
    assert "Выполнено" in step.inner_text()
    step.get_by_text("Вернуть на доработку").first.click()
    step.get_by_label("Что доработать").fill(comment)
    step.get_by_role("button", name="Вернуть на доработку").click()
    page.wait_for_load_state()
    assert "возвращено на доработку" in page.locator(".flash").inner_text()
    page.goto(f"{base}/steps/3.2")
    history = page.locator("table.list").nth(1).inner_text()
    assert "возвращено на доработку" in history and comment in history
    coordinator.close()

    school = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = school.new_page()
    sign_in(page, base, ADMIN_1)
    step = page.locator("#step-3-2")
    step.scroll_into_view_if_needed()
    assert step.is_visible()
    note = step.locator(".note.rework")
    assert "Возвращено на доработку" in note.inner_text() and comment in note.inner_text()
    assert COORDINATOR in note.inner_text()
    assert step.get_by_role("button", name="Отметить выполненным").is_visible()
    page.screenshot(path=str(ARTIFACTS / "rework-seen-by-school.png"))
    school.close()


def test_an_undo_asks_for_confirmation_first(demo, browser) -> None:
    base, portal = demo
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    sign_in(page, base, ADMIN_1)
    form = page.locator("form.done-form").first
    action = form.get_attribute("action")
    assert action is not None
    instance = action.removesuffix("/done")
    form.get_by_label("Номер документа").fill("77-од")
    form.get_by_label("Дата документа").fill("2022-05-19")
    form.get_by_role("button", name="Отметить выполненным").click()
    page.wait_for_load_state()
    page.locator(f'form[action="{instance}/undo"]').get_by_role(
        "button", name="Отменить отметку…"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Отменить отметку?"
    assert "Журнал сохранит" in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "undo-confirm.png"))
    # «Нет» changes nothing
    page.get_by_role("link", name="Нет, вернуться").click()
    page.wait_for_load_state()
    assert page.locator(f'form[action="{instance}/undo"]').count() == 1
    page.locator(f'form[action="{instance}/undo"]').get_by_role(
        "button", name="Отменить отметку…"
    ).click()
    page.get_by_role("button", name="Да, отменить отметку").click()
    page.wait_for_load_state()
    assert "снова в работе" in page.locator(".flash").inner_text()
    assert page.locator(f'form[action="{instance}/done"]').count() == 1
    context.close()


def test_a_region_school_admin_is_sent_to_her_school(region, browser) -> None:
    base, _portal = region
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    sign_in(page, base, f"{region_school_id(1)}@region.example.ru")
    assert page.url.split("?")[0].endswith(f"/schools/{region_school_id(1)}")
    assert page.get_by_role("heading", level=1).inner_text() == "МБОУ СОШ № 1"
    context.close()
