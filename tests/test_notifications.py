"""Letters: composed from the tick's decisions, worded in Russian, grouped, held back in quiet hours."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email.header import decode_header, make_header
from email.policy import default
from pathlib import Path

import pytest
import typer
from sqlalchemy.engine import Engine
from sqlmodel import select
from typer.testing import CliRunner

from common.settings import Settings
from engine.actions import Actor, mark_done
from engine.tick_decisions import decide_notifications
from nastavnik.cli_outbox import mail_app, outbox_app
from notifications.compose import compose_letters
from notifications.delivery import deliver_pending, in_working_hours
from notifications.mime import build_message
from notifications.models import Letter
from notifications.render import LetterItem, People, render_letter
from storage.db import session_scope
from storage.models import OutboxItem
from tests.factories import COORDINATOR, HEAD, TZ, launched, moment, the_run

SOSH1 = "sosh1@beloyarsky-edu.example.ru"
TICK_DAY = date(2022, 5, 20)  # a Friday: 1.5 (due 15 May) is 5 working days late, 1.6 is due 25 May
BASE = "https://nastavnik.beloyarsky.example.ru"


def settings_for(tmp_path: Path, smtp_url: str | None = None) -> Settings:
    return Settings(
        smtp_url=smtp_url,
        mail_from="nastavnik@beloyarsky-edu.example.ru",
        mail_dir=tmp_path / "mail",
        base_url=BASE,
    )


def decide(engine: Engine, day: date = TICK_DAY, hour: int = 9) -> None:
    with session_scope(engine) as session:
        decide_notifications(session=session, now=moment(day, hour))


@pytest.fixture
def decided(engine: Engine, tmp_path: Path) -> Engine:
    """The demo municipality with three schools, launched, ticked on 20 May 2022 at 09:00."""
    launched(engine, tmp_path, schools=3)
    decide(engine)
    return engine


def compose(engine: Engine, tmp_path: Path, now: datetime) -> dict[str, Letter]:
    with session_scope(engine) as session:
        compose_letters(session=session, now=now, settings=settings_for(tmp_path))
    with session_scope(engine) as session:
        letters = session.exec(select(Letter).where(Letter.status == "pending")).all()
        return {letter.recipient: letter for letter in letters}


def test_one_digest_per_recipient_holds_every_item_of_the_run(
    decided: Engine, tmp_path: Path
) -> None:
    letters = compose(decided, tmp_path, moment(TICK_DAY))
    with session_scope(decided) as session:
        items = session.exec(select(OutboxItem)).all()
    assert set(letters) == {item.recipient for item in items}
    assert len(letters) == 5  # three school admins, the coordinator, the head
    by_id = {letter.id: letter for letter in letters.values()}
    for item in items:
        assert item.letter_id in by_id and by_id[item.letter_id].recipient == item.recipient
    assert sum(letter.item_count for letter in letters.values()) == len(items)


def test_school_letter_says_what_when_how_late_which_document_and_links_the_step(
    decided: Engine, tmp_path: Path
) -> None:
    letter = compose(decided, tmp_path, moment(TICK_DAY))[SOSH1]
    text = letter.body_text
    assert letter.subject == (
        "Наставничество (Белоярский район): 3 просроченных шага, 1 напоминание о сроке "
        "— МАОУ СОШ № 1 г. Белоярский"
    )
    assert "• 1.5 «Назначение кураторов внедрения целевой модели наставничества в ОУ»" in text
    assert (
        "Срок: 15 мая 2022 г. (вс) → 16 мая — просрочено на 4 рабочих дня." in text
    )  # ГК РФ ст. 193
    assert (
        "Закрывается документом: Приказ о назначении куратора внедрения целевой модели наставничества."
        in text
    )
    run_id = the_run(decided).id
    assert f"Открыть шаг: {BASE}/schools/sosh1/steps/{run_id}/1.5" in text
    # the reminder: 25 May is three working days after Friday 20 May
    assert "Срок: 25 мая 2022 г. — осталось 3 рабочих дня." in text
    assert text.index("Просрочено:") < text.index("Скоро срок:")
    assert (
        "Ответ на это письмо получит муниципальный координатор: Кузнецова Ольга Викторовна" in text
    )


def test_overdue_step_with_an_unfinished_prerequisite_names_the_blocking_step(
    decided: Engine, tmp_path: Path
) -> None:
    text = compose(decided, tmp_path, moment(TICK_DAY))[SOSH1].body_text
    block = text.split("• 1.5 ", 1)[1].split("•", 1)[0]
    assert "Не выполнен предшествующий шаг 1.4 «Утверждение пакета нормативных актов" in block
    assert ": начните с него." in block


def test_coordinator_letter_groups_the_late_schools_and_its_own_municipal_steps(
    decided: Engine, tmp_path: Path
) -> None:
    letter = compose(decided, tmp_path, moment(TICK_DAY))[COORDINATOR]
    text = letter.body_text
    assert text.startswith("Здравствуйте, Ольга Викторовна!")
    assert letter.subject == (
        "Наставничество (Белоярский район): просрочки в 3 школах (9 шагов), "
        "3 просроченных шага муниципального уровня"
    )
    positions = [
        text.index(name)
        for name in (
            "Муниципальный уровень",
            "МАОУ СОШ № 1 г. Белоярский",
            "МАОУ СОШ № 2 г. Белоярский",
            "МАОУ СОШ № 3 г. Белоярский",
        )
    ]
    assert positions == sorted(positions)
    run_id = the_run(decided).id
    assert f"{BASE}/municipality/steps/{run_id}/1.1" in text
    assert text.count("• 1.5 ") == 3  # once per school, grouped under it
    assert "начните с него" not in text  # advice is for the school, not about it


def test_head_letter_summarises_each_school(decided: Engine, tmp_path: Path) -> None:
    letter = compose(decided, tmp_path, moment(TICK_DAY))[HEAD]
    assert letter.subject.startswith("Эскалация (Белоярский район): просрочки в 3 школах")
    assert letter.body_text.startswith("Здравствуйте, Илья Владимирович!")
    assert (
        "МАОУ СОШ № 1 г. Белоярский: 2 просроченных шага, наибольшая просрочка — 30 рабочих дней"
        in letter.body_text
    )


def test_html_part_carries_the_same_items_escaped(decided: Engine, tmp_path: Path) -> None:
    letter = compose(decided, tmp_path, moment(TICK_DAY))[SOSH1]
    html = letter.body_html
    assert html.startswith("<!DOCTYPE html>") and '<html lang="ru">' in html
    assert "Назначение кураторов внедрения целевой модели наставничества в ОУ" in html
    assert "15 мая 2022 г. (вс) → 16 мая" in html and "просрочено на 4 рабочих дня" in html
    assert f'href="{BASE}/schools/sosh1/steps/' in html
    assert "МАОУ СОШ № 1 г. Белоярский" in html


def _item(level: str, due: date, **changes: object) -> LetterItem:
    values: dict[str, object] = dict(
        outbox_id=1,
        step_instance_id=1,
        level=level,
        run_id=1,
        roadmap_id="r",
        roadmap_title="Дорожная карта",
        school_id="s1",
        school_name="СОШ № 1",
        code="1.5",
        title="Назначение куратора",
        occurrence=1,
        occurrences=1,
        due=due,
        documents=("order_curator_appointment",),
        result=None,
    )
    values.update(changes)
    return LetterItem(**values)  # type: ignore[arg-type]


PEOPLE = People(
    municipality="Белоярский район",
    coordinator_name="Кузнецова Ольга Викторовна",
    coordinator_email="c@x.ru",
    head_name="Вакуленко Илья Владимирович",
    head_email="h@x.ru",
)


@pytest.mark.parametrize(
    ("level", "due", "today", "phrase"),
    [
        ("overdue", date(2022, 5, 19), date(2022, 5, 20), "просрочено на 1 рабочий день"),
        ("overdue", date(2022, 5, 18), date(2022, 5, 20), "просрочено на 2 рабочих дня"),
        ("overdue", date(2022, 5, 13), date(2022, 5, 20), "просрочено на 5 рабочих дней"),
        # 29 April (Fri) → 11 May 2022 (Wed): the May holidays (1–3, 9–10 May) are not counted
        ("coordinator", date(2022, 4, 29), date(2022, 5, 11), "просрочено на 4 рабочих дня"),
        ("head", date(2022, 4, 1), date(2022, 5, 20), "просрочено на 31 рабочий день"),
        ("reminder", date(2022, 5, 23), date(2022, 5, 20), "остался 1 рабочий день"),
        ("reminder", date(2022, 5, 25), date(2022, 5, 20), "осталось 3 рабочих дня"),
        ("reminder", date(2022, 5, 20), date(2022, 5, 20), "срок — сегодня"),
    ],
)
def test_lateness_is_counted_in_working_days_and_worded_in_russian(
    level: str, due: date, today: date, phrase: str
) -> None:
    rendered = render_letter(
        recipient="s1@x.ru",
        people=PEOPLE,
        items=[_item(level, due)],
        failures=[],
        today=today,
        base_url=BASE,
    )
    assert phrase + "." in rendered.text


def test_a_step_told_at_two_levels_to_one_person_appears_once_at_the_higher() -> None:
    items = [
        _item("overdue", date(2022, 5, 13), outbox_id=1),
        _item("coordinator", date(2022, 5, 13), outbox_id=2),
    ]
    rendered = render_letter(
        recipient="c@x.ru",
        people=PEOPLE,
        items=items,
        failures=[],
        today=date(2022, 5, 20),
        base_url=BASE,
    )
    assert rendered.text.count("1.5 «Назначение куратора»") == 1


def test_subject_and_names_are_rfc2047_encoded_and_read_back_in_russian() -> None:
    subject = "Наставничество (Белоярский район): 3 просроченных шага, 1 напоминание о сроке — МАОУ СОШ № 3"
    message = build_message(
        subject=subject,
        text="Текст",
        html="<p>Текст</p>",
        mail_from='"Наставник" <n@x.ru>',
        to="s@x.ru",
        reply_to='"Кузнецова Ольга Викторовна" <c@x.ru>',
        message_id="<letter-1.ab@x.ru>",
        date_=moment(TICK_DAY),
    )
    raw = message.data
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    parsed = email.message_from_bytes(raw, policy=default)
    assert parsed["Subject"] == subject
    unfolded = head.decode().replace("\r\n ", " ")
    reply_to = next(line for line in unfolded.split("\r\n") if line.startswith("Reply-To:"))[
        len("Reply-To: ") :
    ]
    assert str(make_header(decode_header(reply_to))) == "Кузнецова Ольга Викторовна <c@x.ru>"
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        ("2022-05-20T09:00", True),
        ("2022-05-20T17:59", True),
        ("2022-05-20T08:59", False),
        ("2022-05-20T18:00", False),
        ("2022-05-21T11:00", False),  # Saturday
        ("2022-05-03T11:00", False),  # a May holiday (Tuesday)
        ("2022-03-05T11:00", True),  # a working Saturday in 2022 (transfer)
    ],
)
def test_working_hours_follow_the_production_calendar_in_the_municipal_zone(
    local: str, open_: bool
) -> None:
    from zoneinfo import ZoneInfo

    now = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(TZ))
    assert in_working_hours(now, TZ) is open_
    assert in_working_hours(now.astimezone(ZoneInfo("UTC")), TZ) is open_


def test_letters_wait_out_quiet_hours_then_go_out(decided: Engine, tmp_path: Path) -> None:
    evening = moment(TICK_DAY, 19)
    report = deliver_pending(engine=decided, now=evening, settings=settings_for(tmp_path))
    assert (report.sent, report.deferred) == (0, 5)
    assert (
        str(report)
        == "письма: отправлено 0, ждут рабочего времени 5, не доставлено 0, ждут повтора 0"
    )
    assert not (tmp_path / "mail").exists()
    monday = moment(date(2022, 5, 23), 9)
    report = deliver_pending(engine=decided, now=monday, settings=settings_for(tmp_path))
    assert (report.sent, report.deferred, report.waiting) == (5, 0, 0)


def test_decisions_of_two_ticks_before_sending_go_out_as_one_letter(
    decided: Engine, tmp_path: Path
) -> None:
    saturday = moment(date(2022, 5, 21), 9)
    deliver_pending(
        engine=decided, now=saturday, settings=settings_for(tmp_path)
    )  # quiet: composed only
    monday = moment(date(2022, 5, 23), 9)
    decide(decided, date(2022, 5, 23))
    report = deliver_pending(engine=decided, now=monday, settings=settings_for(tmp_path))
    assert report.sent == 5
    letters = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(letters) == 5
    message = email.message_from_bytes(
        next(p for p in letters if b"sosh1@" in p.read_bytes()).read_bytes(), policy=default
    )
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # counted on Monday, not on Saturday when it was first composed
    assert (
        "Срок: 15 мая 2022 г. (вс) → 16 мая — просрочено на 5 рабочих дней." in text
    )  # ГК РФ ст. 193


def test_a_step_done_before_its_letter_goes_out_is_not_mentioned(
    decided: Engine, tmp_path: Path
) -> None:
    compose(decided, tmp_path, moment(TICK_DAY, 19))
    with session_scope(decided) as session:
        run = the_run(decided)
        mark_done(
            session=session,
            run=run,
            code="1.5",
            school="sosh1",
            actor=Actor(SOSH1),
            now=moment(TICK_DAY, 20),
            evidence="Приказ от 20.05.2022 № 41",
        )
    letters = compose(decided, tmp_path, moment(date(2022, 5, 23), 9))
    assert "• 1.5 " not in letters[SOSH1].body_text
    assert letters[SOSH1].subject.startswith(
        "Наставничество (Белоярский район): 2 просроченных шага"
    )
    with session_scope(decided) as session:
        dropped = session.exec(select(OutboxItem).where(OutboxItem.status == "cancelled")).all()
    assert {item.recipient for item in dropped} >= {SOSH1}
    assert all("done" in (item.last_error or "") for item in dropped)


def test_without_smtp_letters_are_eml_files_and_a_rerun_adds_none(
    decided: Engine, tmp_path: Path
) -> None:
    now = moment(TICK_DAY, 10)
    report = deliver_pending(engine=decided, now=now, settings=settings_for(tmp_path))
    assert (
        str(report)
        == "письма: отправлено 5, ждут рабочего времени 0, не доставлено 0, ждут повтора 0"
    )
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 5
    with session_scope(decided) as session:
        letters = session.exec(select(Letter)).all()
        assert {f.name for f in files} == {
            f"{letter.message_id.strip('<>')}.eml" for letter in letters
        }
        assert all(letter.status == "sent" and letter.sent_at == now for letter in letters)
        assert all(item.status == "sent" for item in session.exec(select(OutboxItem)))
    again = deliver_pending(
        engine=decided, now=now + timedelta(hours=1), settings=settings_for(tmp_path)
    )
    assert again.sent == 0 and len(list((tmp_path / "mail").glob("*.eml"))) == 5


def test_message_id_is_derived_from_the_items(decided: Engine, tmp_path: Path) -> None:
    first = compose(decided, tmp_path, moment(TICK_DAY, 9))
    again = compose(decided, tmp_path, moment(TICK_DAY, 10))
    assert {r: letter.message_id for r, letter in first.items()} == {
        r: other.message_id for r, other in again.items()
    }
    for letter in first.values():
        assert letter.message_id.startswith(f"<letter-{letter.id}.")
        assert letter.message_id.endswith("@beloyarsky-edu.example.ru>")


@pytest.fixture
def cli(decided: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CliRunner]:
    from common.settings import get_settings

    if decided.dialect.name != "sqlite":
        pytest.skip("the CLI test reads NASTAVNIK_DB; the SQLite run covers it")
    monkeypatch.setenv("NASTAVNIK_DB", decided.url.render_as_string(hide_password=False))
    monkeypatch.setenv("NASTAVNIK_MAIL_DIR", str(tmp_path / "mail"))
    monkeypatch.setenv("NASTAVNIK_BASE_URL", BASE)
    monkeypatch.delenv("NASTAVNIK_SMTP_URL", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(outbox_app, name="outbox")
    app.add_typer(mail_app, name="mail")
    return app


def test_outbox_commands_list_preview_and_retry(cli: CliRunner, decided: Engine) -> None:
    app = _app()
    result = cli.invoke(app, ["outbox"])
    assert result.exit_code == 0, result.output
    assert "решений ещё не в письме" in result.output
    result = cli.invoke(app, ["outbox", "compose", "--now", "2022-05-20"])
    assert result.exit_code == 0 and "писем составлено: 5" in result.output
    with session_scope(decided) as session:
        letter = session.exec(select(Letter).where(Letter.recipient == SOSH1)).one()
    shown = cli.invoke(app, ["outbox", "show", str(letter.id)])
    assert shown.exit_code == 0, shown.output
    assert (
        f"Кому: {SOSH1}" in shown.output
        and "Тема: Наставничество (Белоярский район)" in shown.output
        and f"Письмо: {letter.id} (ждёт отправки)" in shown.output
    )
    assert (
        "Срок: 15 мая 2022 г. (вс) → 16 мая — просрочено на 4 рабочих дня." in shown.output
    )  # ГК РФ ст. 193
    assert "<html" in cli.invoke(app, ["outbox", "show", str(letter.id), "--html"]).output
    assert (
        "Message-ID: <letter-"
        in cli.invoke(app, ["outbox", "show", str(letter.id), "--raw"]).output
    )
    pending = cli.invoke(app, ["outbox", "--pending"])
    assert pending.output.count("ждёт отправки") == 5
    assert cli.invoke(app, ["outbox", "--failed"]).output.strip() == "писем нет"
    unknown = (letter.id or 0) + 100
    refused = cli.invoke(app, ["outbox", "retry", str(unknown)])
    assert refused.exit_code == 1 and f"письма {unknown} нет" in refused.output
    missing = cli.invoke(app, ["outbox", "show", "999"])
    assert missing.exit_code == 1


def test_mail_test_without_smtp_writes_a_letter_to_the_folder(
    cli: CliRunner, tmp_path: Path
) -> None:
    result = cli.invoke(_app(), ["mail", "test", "--to", "admin@x.ru"])
    assert result.exit_code == 0, result.output
    assert "записано в" in result.output
    files = list((tmp_path / "mail").glob("test-*.eml"))
    assert len(files) == 1
    assert (
        email.message_from_bytes(files[0].read_bytes(), policy=default)["Subject"]
        == "Наставник: проверка почты"
    )
