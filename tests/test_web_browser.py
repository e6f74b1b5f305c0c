"""Browser tests: Playwright driving Debian chromium against the real portal (uvicorn on loopback).

Screenshots of the matrix and the school page are kept in test-artifacts/.
"""

from __future__ import annotations

from tests.browser import ARTIFACTS, BROWSER_MARKS, module_browser, served_portal, sign_in
from tests.web_helpers import ADMIN_1, COORDINATOR

pytestmark = BROWSER_MARKS

browser = module_browser()


served = served_portal("browser")


def test_school_admin_marks_a_step_done_and_the_coordinators_matrix_shows_it(
    served, browser
) -> None:
    base, _portal = served
    ARTIFACTS.mkdir(exist_ok=True)
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = admin.new_page()
    sign_in(page, base, ADMIN_1)
    assert page.url.endswith("/schools/sosh1")
    assert page.get_by_role("heading", level=1).inner_text() == "МАОУ СОШ № 1 г. Белоярский"
    section = page.locator("#step-1-5")
    # «до 15 мая 2022 г.» is a Sunday: the term ends on Monday 16 May (ГК РФ ст. 193)
    assert "срок: до 16 мая 2022 г." in section.inner_text()
    page.screenshot(path=str(ARTIFACTS / "school-before.png"), full_page=False)
    section.get_by_label("Номер документа").fill("45-од")
    section.get_by_label("Дата документа").fill("2022-05-18")
    scan = ARTIFACTS / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n% a signed order\n%%EOF\n")
    section.get_by_label("Скан подписанного документа").set_input_files(str(scan))
    section.get_by_role("button", name="Отметить выполненным").click()
    page.wait_for_load_state()
    assert (
        "Мероприятие 1.5 отмечено выполненным (№ 45-од от 18.05.2022)"
        in page.locator(".flash").inner_text()
    )
    section = page.locator("#step-1-5")
    assert "выполнено с опозданием" in section.inner_text()
    assert "scan.pdf" in section.inner_text()
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "school-page.png"), full_page=True)
    admin.close()

    coordinator = browser.new_context(viewport={"width": 1500, "height": 900}, locale="ru-RU")
    page = coordinator.new_page()
    sign_in(page, base, COORDINATOR)
    assert page.url.endswith("/matrix")
    column = page.locator("table.matrix thead th").evaluate_all(
        "heads => heads.findIndex(h => h.dataset.step === '1.5')"
    )
    cell = page.locator('table.matrix tr[data-unit="sosh1"] > *').nth(column)
    assert cell.get_attribute("class") == "done_late"
    page.screenshot(path=str(ARTIFACTS / "matrix.png"), full_page=True)
    page.goto(f"{base}/steps/1.5")
    journal = page.locator("table.list").nth(1).inner_text()
    assert ADMIN_1 in journal and "портал, 127.0.0.1" in journal
    page.screenshot(path=str(ARTIFACTS / "step-page.png"), full_page=True)
    for name in ("progress", "gantt"):
        page.goto(f"{base}/{name}")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    coordinator.close()


def test_a_wrong_password_is_refused_on_the_form(served, browser) -> None:
    base, _portal = served
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    sign_in(page, base, ADMIN_1, password="wrong-password")
    assert page.get_by_role("alert").inner_text() == "Неверный адрес почты или пароль."
    context.close()


def test_a_school_admin_generates_the_curator_order_and_downloads_it(served, browser) -> None:
    import re

    import docx

    base, _portal = served
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ru-RU", accept_downloads=True
    )
    page = context.new_page()
    sign_in(page, base, ADMIN_1)
    # 1.5 is done by now (the first test): its section is folded, and a link to it opens it
    page.goto(f"{base}/schools/sosh1#step-1-5")
    page.locator("#step-1-5").get_by_role(
        "link", name="Документы мероприятия: сформировать и скачать"
    ).first.click()
    page.wait_for_load_state()
    card = page.locator('[data-document="order_curator_appointment"]')
    card.get_by_label("Номер документа").fill("41-од")
    card.get_by_role("button", name="Сформировать документ").click()
    page.wait_for_load_state()
    assert "сформирован" in page.locator(".flash").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "documents.png"), full_page=True)
    with page.expect_download() as pending:
        page.get_by_role("link", name=re.compile("Скачать «Приказ о назначении куратора")).click()
    download = pending.value
    assert download.suggested_filename.startswith("Приказ о назначении куратора")
    assert download.suggested_filename.endswith(".docx")
    saved = ARTIFACTS / "curator-order.docx"
    download.save_as(str(saved))
    text = "\n".join(p.text for p in docx.Document(str(saved)).paragraphs)
    assert "Назначить Петрову Анну Сергеевну" in text and "№ 41-од" in text
    rows = page.locator("#generated tbody tr")
    assert rows.count() == 1 and ADMIN_1 in rows.first.inner_text()
    context.close()


def test_a_step_marked_done_without_a_scan_is_undone_in_the_browser(served, browser) -> None:
    # the form is multipart even with no file chosen: the common case of the busiest write
    base, _portal = served
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    sign_in(page, base, ADMIN_1)
    form = page.locator("form.done-form").first
    action = form.get_attribute("action")
    assert action is not None and action.endswith("/done")
    instance = action.removesuffix("/done")
    form.get_by_label("Номер документа").fill("12-од")
    form.get_by_label("Дата документа").fill("2022-04-01")
    form.get_by_role("button", name="Отметить выполненным").click()
    page.wait_for_load_state()
    assert "отмечено выполненным (№ 12-од от 01.04.2022)" in page.locator(".flash").inner_text()
    assert page.locator(f'form[action="{instance}/done"]').count() == 0
    undo = page.locator(f'form[action="{instance}/undo"]')
    undo.get_by_role("button", name="Отменить отметку…").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Да, отменить отметку").click()
    page.wait_for_load_state()
    assert "снова в работе" in page.locator(".flash").inner_text()
    assert page.locator(f'form[action="{instance}/done"]').count() == 1
    context.close()
