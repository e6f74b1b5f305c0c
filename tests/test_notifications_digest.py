"""Letters about many schools: above a threshold the schools are summarised, and nothing is lost.

The coordinator's and the head's letters list every school's steps while the municipality is small;
above ``digest_full_list_schools`` schools they carry totals by kind and by territory, the schools
most behind with their worst steps and links to the portal's matrix and XLSX export. Every item of
such a letter is delivered with it, as before.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from common.settings import Settings
from definitions.loader import find_roadmap
from engine.roadmap_launch import launch_roadmap
from engine.tick_decisions import decide_notifications
from nastavnik import demo_data
from notifications.compose import compose_letters
from notifications.delivery import deliver_pending
from notifications.models import Letter
from notifications.render import DigestLimits, LetterItem, People, render_letter
from storage.db import session_scope
from storage.models import OutboxItem
from storage.schools import import_schools, init_municipality
from tests.factories import COORDINATOR, HEAD, launched, moment
from tests.smtp_server import SmtpServer

TICK_DAY = date(2022, 5, 20)  # a Friday: every school has 3 steps escalated, 2 of them to the head
BASE = "https://nastavnik.example.ru"
TERRITORIES = ("Северный округ", "Южный округ", "")  # every third school has none


def settings_for(tmp_path: Path, smtp_url: str | None = None, **limits: int) -> Settings:
    return Settings(
        smtp_url=smtp_url,
        mail_from="nastavnik@example.ru",
        mail_dir=tmp_path / "mail",
        base_url=BASE,
        **limits,  # type: ignore[arg-type]
    )


def region(engine: Engine, tmp_path: Path, schools: int) -> None:
    """The demo municipality with ``schools`` schools in three territories, launched and decided."""
    path = tmp_path / "schools.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "short_name", "director", "admin_email", "territory"])
        for number in range(1, schools + 1):
            writer.writerow(
                [
                    f"s{number:03d}",
                    f"Средняя общеобразовательная школа № {number}",
                    f"СОШ № {number}",
                    "Иванова Елена Николаевна",
                    f"s{number:03d}@example.ru",
                    TERRITORIES[number % 3],
                ]
            )
    details = dict(demo_data.MUNICIPALITY)
    launch = moment(date(2022, 3, 1))
    with session_scope(engine) as session:
        init_municipality(
            session=session,
            now=launch,
            name=details.pop("name"),
            timezone=details.pop("timezone"),
            coordinator=details.pop("coordinator_email"),
            head=details.pop("head_email"),
            **details,
        )
        import_schools(session=session, path=path, now=launch)
        launch_roadmap(
            session=session, loaded=find_roadmap(demo_data.ROADMAP_ID), now=launch, by="test"
        )
    with session_scope(engine) as session:
        decide_notifications(session=session, now=moment(TICK_DAY, 9))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def test_a_region_above_the_threshold_gets_totals_territories_the_schools_most_behind_and_links(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    region(engine, tmp_path, schools=60)
    settings = settings_for(tmp_path, smtp.url, digest_top_schools=5)
    report = deliver_pending(engine=engine, now=moment(TICK_DAY, 10), settings=settings)
    assert report.sent == 62 and report.failed == 0  # 60 schools, the coordinator, the head

    (coordinator,) = smtp.sink.to(COORDINATOR)
    text = coordinator.text
    assert "Просрочки есть в 60 школах" in text
    assert "Просрочка выше порога (эскалация координатору): 180 шагов в 60 школах" in text
    # by territory: schools; overdue steps; reminders (only the coordinator's escalations here)
    assert "  • Северный округ: 20; 60; 0" in text
    assert "  • Южный округ: 20; 60; 0" in text
    assert "  • Территория не указана: 20; 60; 0" in text
    assert "5 школ с наибольшим отставанием:" in text
    # every school is 3 steps and 30 working days behind: the names decide, numbers as numbers
    assert "1. СОШ № 1: 3 просроченных шага, наибольшая просрочка — 30 рабочих дней" in text
    assert "2. СОШ № 2: 3 просроченных шага" in text and "6. СОШ" not in text
    assert text.count("Открыть шаг: https://nastavnik.example.ru/schools/") == 5 * 3
    assert "В письмо не вошли ещё 55 школ." in text
    matrix = f"{BASE}/matrix?run={demo_data.ROADMAP_ID}&state=overdue&sort=late"
    xlsx = f"{BASE}/export.xlsx?run={demo_data.ROADMAP_ID}&state=overdue&sort=late"
    assert f"матрица в портале: {matrix}" in text and f"выгрузка XLSX: {xlsx}" in text
    html = coordinator.html
    assert f'href="{matrix.replace("&", "&amp;")}"' in html
    assert f'href="{xlsx.replace("&", "&amp;")}"' in html
    assert "Северный округ" in html and "5 школ с наибольшим отставанием" in html
    # the municipality's own steps are still listed in full
    assert "Муниципальный уровень" in text and "/municipality/steps/" in text
    assert coordinator.subject.endswith(
        "просрочки в 60 школах (180 шагов), 3 просроченных шага муниципального уровня"
    )

    (head,) = smtp.sink.to(HEAD)
    assert "превысила порог эскалации в 60 школах" in head.text
    assert "Просрочка выше порога (эскалация руководителю): 120 шагов в 60 школах" in head.text
    assert len(head.data) < 60_000

    # a school's own letter is not summarised
    (school,) = smtp.sink.to("s007@example.ru")
    assert "Школы: итоги" not in school.text and school.text.count("Открыть шаг:") == 4

    # a summarised item is delivered, not lost: every item went out in its letter
    with session_scope(engine) as session:
        items = session.exec(select(OutboxItem)).all()
        letters = {letter.id: letter for letter in session.exec(select(Letter))}
    assert items and all(item.status == "sent" for item in items)
    told = [item for item in items if item.recipient == COORDINATOR]
    assert len(told) == 180 + 3 and {letters[i.letter_id].status for i in told} == {"sent"}
    assert letters[told[0].letter_id].item_count == len(told)


def test_a_small_municipality_keeps_the_full_list_up_to_the_threshold(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=3)
    with session_scope(engine) as session:
        decide_notifications(session=session, now=moment(TICK_DAY, 9))

    def coordinator_letter(**limits: int) -> Letter:
        with session_scope(engine) as session:
            compose_letters(
                session=session, now=moment(TICK_DAY), settings=settings_for(tmp_path, **limits)
            )
        with session_scope(engine) as session:
            return session.exec(
                select(Letter).where(Letter.recipient == COORDINATOR, Letter.status == "pending")
            ).one()

    default = coordinator_letter()
    at_threshold = coordinator_letter(digest_full_list_schools=3)
    listed_every_school = coordinator_letter(digest_full_list_schools=1_000_000)
    assert default.body_text == at_threshold.body_text == listed_every_school.body_text
    assert default.body_html == listed_every_school.body_html
    assert default.message_id == listed_every_school.message_id  # the same letter, rewritten
    assert default.body_text.count("• 1.5 ") == 3 and "Школы: итоги" not in default.body_text

    summary = coordinator_letter(digest_full_list_schools=2)
    assert "Школы: итоги" in summary.body_text
    assert "Просрочка выше порога (эскалация координатору): 9 шагов в 3 школах" in (
        summary.body_text
    )
    assert summary.item_count == default.item_count  # the same items, told in short


def _school_items(
    schools: int, *, level: str, steps: int = 3, territories: bool = True
) -> list[LetterItem]:
    """``steps`` overdue steps in each of ``schools`` schools; school N's are due N mod 7 weeks
    after 4 April 2022."""
    items = []
    for number in range(1, schools + 1):
        for step in range(1, steps + 1):
            items.append(
                LetterItem(
                    outbox_id=number * 10 + step,
                    step_instance_id=number * 10 + step,
                    level=level,
                    run_id=1,
                    roadmap_id="r",
                    roadmap_title="Дорожная карта",
                    school_id=f"s{number}",
                    school_name=f"СОШ № {number}",
                    code=f"1.{step}",
                    title="Назначение куратора внедрения целевой модели наставничества",
                    occurrence=1,
                    occurrences=1,
                    due=date(2022, 4, 4) + timedelta(weeks=number % 7, days=step - 1),
                    documents=("order_curator_appointment",),
                    result=None,
                    step_order=step,
                    territory=f"Округ {number % 4 + 1}" if territories else "",
                )
            )
    return items


PEOPLE = People(
    municipality="Большой край",
    coordinator_name="Кузнецова Ольга Викторовна",
    coordinator_email="c@x.ru",
    head_name="Вакуленко Илья Владимирович",
    head_email="h@x.ru",
)


def _render(items: list[LetterItem], recipient: str, *, top: int = 20) -> tuple[str, str]:
    rendered = render_letter(
        recipient=recipient,
        people=PEOPLE,
        items=items,
        failures=[],
        today=date(2022, 5, 20),
        base_url=BASE,
        limits=DigestLimits(full_list_schools=50, top_schools=top),
    )
    return rendered.text, rendered.html


@pytest.mark.parametrize(("recipient", "level"), [("c@x.ru", "coordinator"), ("h@x.ru", "head")])
def test_a_letter_about_two_thousand_schools_is_short_and_counts_right(
    recipient: str, level: str
) -> None:
    text, html = _render(_school_items(2_000, level=level), recipient)
    assert len(text.encode()) + len(html.encode()) < 100_000  # the full list: ≈ 14 MB
    assert ": 6000 шагов в 2000 школах" in text
    assert "По территориям (школ; просроченных шагов; напоминаний):" in text
    assert "  • Округ 1: 500; 1500; 0" in text
    assert "20 школ с наибольшим отставанием:" in text
    assert "В письмо не вошли ещё 1980 школ." in text
    # the most behind first: the schools whose number is a multiple of 7 are due earliest
    first = text.split("20 школ с наибольшим отставанием:", 1)[1].split("\n2. ", 1)[0]
    assert "1. СОШ № 7: 3 просроченных шага" in first  # 7 mod 7 = 0: due soonest, latest now
    assert "Округ 4" in html and "20 школ с наибольшим отставанием" in html


@pytest.mark.parametrize(
    ("schools", "top", "heading", "rest"),
    [
        (52, 21, "21 школа с наибольшим отставанием", "В письмо не вошла ещё 31 школа."),
        (53, 2, "2 школы с наибольшим отставанием", "В письмо не вошла ещё 51 школа."),
        (51, 50, "50 школ с наибольшим отставанием", "В письмо не вошла ещё 1 школа."),
        (60, 1, "Школа с наибольшим отставанием", "В письмо не вошли ещё 59 школ."),
    ],
)
def test_numerals_agree_with_their_nouns(schools: int, top: int, heading: str, rest: str) -> None:
    text, _ = _render(_school_items(schools, level="coordinator", steps=1), "c@x.ru", top=top)
    assert heading + ":" in text and rest in text


def test_numbers_of_five_digits_and_more_are_grouped() -> None:
    text, _ = _render(_school_items(12_345, level="head", steps=1), "h@x.ru")
    assert "12\u00a0345 шагов в 12\u00a0345 школах" in text


def test_a_letter_summarised_today_counts_its_items_at_compose_time(
    engine: Engine, tmp_path: Path
) -> None:
    region(engine, tmp_path, schools=55)
    with session_scope(engine) as session:
        result = compose_letters(
            session=session, now=moment(TICK_DAY, 10), settings=settings_for(tmp_path)
        )
    assert result.letters == 57
    with session_scope(engine) as session:
        coordinator = session.exec(select(Letter).where(Letter.recipient == COORDINATOR)).one()
        assigned = session.exec(
            select(OutboxItem).where(col(OutboxItem.letter_id) == coordinator.id)
        ).all()
    assert "Школы: итоги" in coordinator.body_text
    assert coordinator.item_count == len(assigned) == 55 * 3 + 3


def test_without_territories_there_is_no_table_by_territory_and_reminders_are_counted() -> None:
    items = _school_items(60, level="head", steps=1, territories=False)
    reminders = [
        item._replace(outbox_id=item.outbox_id + 5, step_instance_id=item.step_instance_id + 5)
        for item in _school_items(40, level="reminder", steps=1, territories=False)
    ]
    text, html = _render(items + reminders, "h@x.ru")
    assert "По территориям" not in text and "По территориям" not in html
    assert "Просрочка выше порога (эскалация руководителю): 60 шагов в 60 школах" in text
    assert "Скоро срок: 40 шагов в 40 школах" in text
    # the schools with only reminders are not «behind»; the letter still counts them all
    assert "20 школ с наибольшим отставанием:" in text
    assert "В письмо не вошли ещё 40 школ." in text


def test_a_school_letter_is_never_summarised_even_for_many_schools_at_one_address() -> None:
    text, _ = _render(_school_items(60, level="overdue", steps=1), "shared@x.ru")
    assert "Школы: итоги" not in text and text.count("Открыть шаг:") == 60
