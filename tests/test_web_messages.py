"""The engine's and storage's errors reach the portal's pages in Russian, with their values.

The text is the catalogue's (common/messages.py), the same the command line prints."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from common.errors import NastavnikError
from engine.actions import Actor, mark_done, mark_not_applicable, schedule_step, undo
from engine.runs import which_run
from storage.db import session_scope
from storage.models import RoadmapRun
from storage.schools import import_schools
from tests.web_helpers import (
    COORDINATOR,
    NOW,
    Portal,
    csrf_of,
    module_portal,
    signed_in,
)
from web.messages import form_field, russian_reason

ACTOR = Actor(COORDINATOR)


def _latin_words(text: str) -> list[str]:
    """Latin words outside quotes (a value such as «beloyarsky-2022» is not English)."""
    unquoted = re.sub(r"«[^»]*»|\S*[\d@]\S*", "", text)
    return re.findall(r"\b[A-Za-z]{3,}\b", unquoted)


portal = module_portal("messages")


def _run(session: Session) -> RoadmapRun:
    return session.exec(select(RoadmapRun)).one()


ENGINE_ERRORS: list[tuple[str, Callable[[Session], object], str]] = [
    (
        "already done",
        lambda s: mark_done(session=s, run=_run(s), code="1.1", school=None, actor=ACTOR, now=NOW),
        "Мероприятие уже отмечено: выполнено",
    ),
    (
        "nothing to undo",
        lambda s: undo(session=s, run=_run(s), code="3.4", school="sosh1", actor=ACTOR, now=NOW),
        "Отменять нечего: мероприятие и так в работе.",
    ),
    (
        "future",
        lambda s: mark_done(
            session=s,
            run=_run(s),
            code="3.4",
            school="sosh1",
            actor=ACTOR,
            now=NOW,
            at=NOW + timedelta(days=3),
        ),
        "Дата 23 мая 2022 г. ещё не наступила.",
    ),
    (
        "no step",
        lambda s: mark_done(
            session=s, run=_run(s), code="9.9", school="sosh1", actor=ACTOR, now=NOW
        ),
        "В дорожной карте beloyarsky-2022 нет мероприятия «9.9».",
    ),
    (
        "school step without a school",
        lambda s: mark_done(session=s, run=_run(s), code="3.4", school=None, actor=ACTOR, now=NOW),
        "Мероприятие 3.4 выполняет каждая школа: выберите школу.",
    ),
    (
        "municipal step with a school",
        lambda s: mark_done(
            session=s, run=_run(s), code="1.1", school="sosh1", actor=ACTOR, now=NOW
        ),
        "Мероприятие 1.1 выполняет муниципалитет, а не школа: школу указывать не нужно.",
    ),
    (
        "unknown school",
        lambda s: mark_done(
            session=s, run=_run(s), code="3.4", school="nope", actor=ACTOR, now=NOW
        ),
        "Школы «nope» нет в списке школ муниципалитета.",
    ),
    (
        "no occurrence",
        lambda s: mark_done(
            session=s, run=_run(s), code="3.4", school="sosh1", actor=ACTOR, now=NOW, occurrence=7
        ),
        "Нет этапа 7 (всего этапов: 1).",
    ),
    (
        "no reason",
        lambda s: mark_not_applicable(
            session=s, run=_run(s), code="3.4", school="sosh1", actor=ACTOR, now=NOW, reason=" "
        ),
        "Укажите причину.",
    ),
    (
        "dates from the roadmap",
        lambda s: schedule_step(
            session=s, run=_run(s), code="1.4", due=date(2022, 9, 1), actor=ACTOR, now=NOW
        ),
        "Сроки мероприятия 1.4 заданы дорожной картой",
    ),
    (
        "start after due",
        lambda s: schedule_step(
            session=s,
            run=_run(s),
            code="3.4",
            due=date(2022, 9, 1),
            start=date(2022, 10, 1),
            actor=ACTOR,
            now=NOW,
        ),
        "Начало (1 октября 2022 г.) позже срока (1 сентября 2022 г.).",
    ),
    (
        "municipal step scheduled for a school",
        lambda s: schedule_step(
            session=s,
            run=_run(s),
            code="2.2",
            due=date(2022, 9, 1),
            school="sosh1",
            actor=ACTOR,
            now=NOW,
        ),
        "Мероприятие 2.2 муниципальное: школу выбирать не нужно.",
    ),
    (
        "roadmap not launched",
        lambda s: which_run(s, roadmap_id="khnov-2022-2024"),
        "Дорожная карта «khnov-2022-2024» не запущена; запущены: beloyarsky-2022.",
    ),
]


@pytest.mark.parametrize(
    ("case", "act", "expected"), ENGINE_ERRORS, ids=[case for case, _, _ in ENGINE_ERRORS]
)
def test_every_engine_refusal_is_worded_in_russian_with_its_values(
    portal: Portal, case: str, act: Callable[[Session], object], expected: str
) -> None:
    with session_scope(portal.engine) as session, pytest.raises(NastavnikError) as raised:
        act(session)
    worded = russian_reason(raised.value)
    assert expected in worded, (case, raised.value.reason, worded)
    assert raised.value.code is not None, case
    assert not _latin_words(worded), worded
    assert raised.value.reason[:1].upper() + raised.value.reason[1:] in worded  # the CLI's text


def test_a_bad_schools_file_is_explained_row_by_row_in_russian(
    portal: Portal, tmp_path: Path
) -> None:
    path = tmp_path / "schools.csv"
    path.write_text(
        "id,name,short_name,director,admin_email\n"
        "x 1,Школа,Ш,Иванов Иван Иванович,not-an-email\n"
        "x2,,Ш2,Петров Пётр Петрович,x2@example.ru\n"
        "x2,Школа 3,Ш3,Петров Пётр Петрович,x3@example.ru\n",
        encoding="utf-8",
    )
    with session_scope(portal.engine) as session, pytest.raises(NastavnikError) as raised:
        import_schools(session=session, path=path, now=NOW)
    worded = russian_reason(raised.value)
    assert worded.splitlines() == [
        "Ошибок: 4, ничего не импортировано:",
        "  строка 2, столбец A (id): «x 1» — недопустимый код (латинские буквы, цифры, «-», «_», «.»)",
        "  строка 2, столбец E (admin_email): «not-an-email» — не адрес электронной почты",
        "  строка 3, столбец B (name): пусто",
        "  строка 4, столбец A (id): «x2» уже есть в строке 3",
    ]
    header = tmp_path / "header.csv"
    header.write_text("id,name\nx,y\n", encoding="utf-8")
    with session_scope(portal.engine) as session, pytest.raises(NastavnikError) as raised:
        import_schools(session=session, path=header, now=NOW)
    assert russian_reason(raised.value).startswith(
        "Строка 1: нет столбцов short_name, director, admin_email;"
    )


def test_a_page_shows_the_catalogue_text_as_a_sentence_at_its_form_field() -> None:
    error = NastavnikError(code="moment.in_future", field="at", day="23 мая 2022 г.")
    assert str(error) == "дата 23 мая 2022 г. ещё не наступила"
    assert russian_reason(error) == "Дата 23 мая 2022 г. ещё не наступила."
    assert form_field(error) == "doc_date"
    assert form_field(NastavnikError(code="remind.nobody")) == "form"
    assert russian_reason(NastavnikError("файл пустой", where="scan")) == "Файл пустой."
    assert form_field(NastavnikError("файл пустой", where="scan")) == "scan"


def test_the_import_and_launch_pages_show_the_russian_wording(portal: Portal) -> None:
    with signed_in(portal.app(), COORDINATOR) as client:
        token = csrf_of(client.get("/import").text)
        bad = "id,name,short_name,director,admin_email\nx1,Школа,Ш,Иванов Иван Иванович,not-an-email\n"
        response = client.post(
            "/import",
            data={"csrf_token": token},
            files={"file": ("schools.csv", bad.encode(), "text/csv")},
        )
        assert response.status_code == 400
        assert (
            "строка 2, столбец E (admin_email): «not-an-email» — не адрес электронной почты"
            in response.text
        )
        assert "is not an e-mail" not in response.text
        launch = client.post("/launch", data={"csrf_token": token, "roadmap": "no-such-roadmap"})
        assert launch.status_code == 400
        assert "Дорожной карты «no-such-roadmap» нет; есть:" in launch.text
