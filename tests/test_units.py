"""Municipal units (ИМЦ, экспертный совет): their steps remind the unit, then the ladder above it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from common.errors import NastavnikError
from definitions.importing.vocabulary import load_role_rules, roles_of
from definitions.loader import find_roadmap
from engine.roadmap_launch import preview_launch
from engine.tick_decisions import decide_notifications
from engine.units import missing_units, parse_unit_spec, save_unit, units_by_role
from notifications.compose import compose_letters
from notifications.delivery import deliver_pending
from storage.db import session_scope
from storage.models import OutboxItem
from storage.schools import get_municipality
from tests.cli_helpers import Completed, run_cli
from tests.factories import COORDINATOR, HEAD, launched, moment
from tests.smtp_server import SmtpServer
from tests.test_notifications import settings_for

ROOT = Path(__file__).resolve().parents[1]
IMC = "imc@beloyarsky-edu.example.ru"
COUNCIL = "council@beloyarsky-edu.example.ru"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def add_units(engine: Engine) -> None:
    with session_scope(engine) as session:
        municipality_id = get_municipality(session).id or 0
        save_unit(
            session=session,
            municipality_id=municipality_id,
            role="methodical_center",
            name="МАУ «ИМЦ»",
            email=IMC,
            now=moment(date(2022, 3, 1)),
        )
        save_unit(
            session=session,
            municipality_id=municipality_id,
            role="expert_council",
            name="Экспертный совет",
            dative="экспертному совету",
            email=COUNCIL,
            now=moment(date(2022, 3, 1)),
        )


def decisions(engine: Engine) -> set[tuple[str, str, str]]:
    """(step code, level, recipient) of every decision about a municipal instance."""
    from storage.models import StepInstance

    with session_scope(engine) as session:
        rows = session.exec(
            select(StepInstance.step_code, OutboxItem.level, OutboxItem.recipient)
            .join(StepInstance, StepInstance.id == OutboxItem.step_instance_id)  # type: ignore[arg-type]
            .where(StepInstance.unit == "")
        )
        return {(code, level, to) for code, level, to in rows}


def tick_and_send(engine: Engine, day: date, tmp_path: Path, smtp: SmtpServer) -> None:
    with session_scope(engine) as session:
        decide_notifications(session=session, now=moment(day))
    settings = settings_for(tmp_path, smtp.url)
    with session_scope(engine) as session:
        compose_letters(session=session, now=moment(day, 10), settings=settings)
    deliver_pending(engine=engine, now=moment(day, 10), settings=settings)


def test_a_units_step_reminds_the_unit_then_the_coordinator_then_the_head(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    launched(engine, tmp_path, schools=2)
    add_units(engine)
    # 1.7 (due 30 May 2022, expert council and ИМЦ): the reminder window opens on 25 May
    tick_and_send(engine, date(2022, 5, 25), tmp_path, smtp)
    seen = decisions(engine)
    assert {("1.7", "reminder", IMC), ("1.7", "reminder", COUNCIL)} <= seen
    assert not {d for d in seen if d[0] == "1.7" and d[2] in (COORDINATOR, HEAD)}
    # a step of the committee alone stays the coordinator's own, as before
    assert ("1.3", "overdue", COORDINATOR) in seen
    assert not {d for d in seen if d[0] == "1.3" and d[1] == "coordinator"}
    imc = smtp.sink.to(IMC)[0]
    assert imc.subject.endswith("— МАУ «ИМЦ»") and "1 напоминание о сроке" in imc.subject
    assert "шаги, которые выполняет МАУ «ИМЦ»." in imc.text
    assert "1.7 «" in imc.text and "Срок: 30 мая 2022 г." in imc.text
    assert "сообщите об этом муниципальному координатору" in imc.text
    assert imc.header("Reply-To").endswith(f"<{COORDINATOR}>")
    council = smtp.sink.to(COUNCIL)[0]
    assert "шаги, которые выполняет Экспертный совет." in council.text

    # 3 working days late (2 June): overdue at the units, the coordinator's rung
    tick_and_send(engine, date(2022, 6, 3), tmp_path, smtp)
    seen = decisions(engine)
    assert {("1.7", "overdue", IMC), ("1.7", "overdue", COUNCIL)} <= seen
    assert ("1.7", "coordinator", COORDINATOR) in seen
    assert ("1.7", "head", HEAD) not in seen
    letter = [r for r in smtp.sink.to(COORDINATOR) if "1.7 «" in r.text][-1]
    assert "\nЭкспертный совет, МАУ «ИМЦ»\n" in letter.text  # the units' steps, under their names
    assert (
        "Подразделения не выполнили свои шаги в срок; напоминания уже направлены "
        "МАУ «ИМЦ», экспертному совету. Когда шаг выполнен, отметьте его в портале."
    ) in letter.text

    # 10 working days late: the head
    tick_and_send(engine, date(2022, 6, 20), tmp_path, smtp)
    assert ("1.7", "head", HEAD) in decisions(engine)
    head = [r for r in smtp.sink.to(HEAD) if "1.7 «" in r.text][-1]
    assert "\nЭкспертный совет, МАУ «ИМЦ»: 1 просроченный шаг" in head.text


def test_a_disabled_unit_gives_its_steps_back_to_the_coordinator(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=1)
    add_units(engine)
    with session_scope(engine) as session:
        municipality_id = get_municipality(session).id or 0
        for role in ("methodical_center", "expert_council"):
            save_unit(
                session=session,
                municipality_id=municipality_id,
                role=role,
                active=False,
                now=moment(date(2022, 5, 1)),
            )
    with session_scope(engine) as session:
        decide_notifications(session=session, now=moment(date(2022, 5, 25)))
    seen = decisions(engine)
    assert ("1.7", "reminder", COORDINATOR) in seen
    assert not {d for d in seen if d[2] in (IMC, COUNCIL)}


def test_the_launch_preview_names_the_unit_and_warns_of_a_unit_role_without_an_address(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    from tests.factories import demo_municipality

    demo_municipality(sqlite_engine, tmp_path, schools=1)
    loaded = find_roadmap("beloyarsky-2022")
    with session_scope(sqlite_engine) as session:
        save_unit(
            session=session,
            municipality_id=get_municipality(session).id or 0,
            role="methodical_center",
            name="МАУ «ИМЦ»",
            email=IMC,
            now=moment(date(2022, 5, 1)),
        )
        preview = preview_launch(session=session, loaded=loaded, now=moment(date(2022, 6, 3)))
        units = units_by_role(session, municipality_id=get_municipality(session).id or 0)
    assert IMC in preview.letters["overdue"]
    assert COORDINATOR in preview.letters["coordinator"]
    assert preview.missing_units == [
        "у подразделения «муниципальный экспертный совет» (expert_council) нет адреса: "
        "напоминания о шаге 1.7 получит муниципальный координатор; добавьте подразделение: "
        "nastavnik units add expert_council --name НАЗВАНИЕ --email АДРЕС"
    ]
    assert [m.role for m in missing_units(loaded.roadmap, units)] == ["expert_council"]


@pytest.mark.parametrize(
    ("words", "role"),
    [
        ("ИМЦ", "methodical_center"),
        ("МАУ «ИМЦ»", "methodical_center"),
        ("методический центр", "methodical_center"),
        ("экспертный совет", "expert_council"),
    ],
)
def test_the_abbreviation_table_maps_unit_words_to_unit_roles(words: str, role: str) -> None:
    assert roles_of(words, load_role_rules()) == ([role], [])
    assert parse_unit_spec(f"{words}=Название:unit@example.ru").role == role


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "ИМЦ",
            "--unit: «ИМЦ»: нужно РОЛЬ=НАЗВАНИЕ:E-MAIL, например «ИМЦ=МАУ «ИМЦ»:imc@example.ru»",
        ),
        ("ИМЦ=МАУ «ИМЦ»:почта", "--unit: «почта» — не адрес электронной почты"),
        ("директор=Директор:d@example.ru", "--unit: «директор» — не подразделение"),
        ("ИМЦ= :imc@example.ru", "--unit: «ИМЦ= :imc@example.ru»: нужно РОЛЬ=НАЗВАНИЕ:E-MAIL"),
    ],
)
def test_a_unit_spec_that_cannot_be_read_says_where_and_why(spec: str, message: str) -> None:
    with pytest.raises(NastavnikError) as error:
        parse_unit_spec(spec)
    assert str(error.value).startswith(message)


def nastavnik(*args: str, db: Path) -> Completed:
    """The command in this process (tests/cli_helpers.py) on ``db``."""
    return run_cli(*args, env={"NASTAVNIK_DB": f"sqlite:///{db}"}, cwd=ROOT)


def test_init_and_units_commands_set_up_list_change_and_remove_units(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    done = nastavnik(
        "init",
        "--municipality",
        "Белоярский район",
        "--tz",
        "Asia/Yekaterinburg",
        "--coordinator",
        COORDINATOR,
        "--unit",
        f"ИМЦ=МАУ «ИМЦ»:{IMC}",
        "--unit",
        f"expert_council=Экспертный совет:{COUNCIL}",
        db=db,
    )
    assert done.returncode == 0, done.stderr
    assert f"подразделение МАУ «ИМЦ» (methodical_center): {IMC} — добавлено" in done.stdout
    listed = nastavnik("units", "list", db=db)
    assert listed.stdout.splitlines() == [
        f"expert_council: Экспертный совет, адрес {COUNCIL} — действует",
        f"methodical_center: МАУ «ИМЦ», адрес {IMC} — действует",
    ]
    changed = nastavnik("units", "add", "ИМЦ", "--email", "new@example.ru", "--inactive", db=db)
    assert changed.stdout.strip() == (
        "подразделение МАУ «ИМЦ» (methodical_center): new@example.ru — изменено, отключено"
    )
    bad = nastavnik("units", "add", "ИМЦ", "--email", "почта", db=db)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == "ошибка: --email: «почта» — не адрес электронной почты"
    new = nastavnik("units", "add", "working_group", "--email", "wg@example.ru", db=db)
    assert new.stderr.strip() == "ошибка: --name: укажите название подразделения"
    removed = nastavnik("units", "remove", "экспертный совет", db=db)
    assert removed.stdout.strip() == (
        "подразделение Экспертный совет (expert_council) удалено: его шаги снова ведёт координатор"
    )
    again = nastavnik("units", "remove", "expert_council", db=db)
    assert again.returncode == 1
    assert "подразделения с ролью «expert_council» нет" in again.stderr
    refused = nastavnik("init", "--unit", "ИМЦ=без адреса", db=db)
    assert refused.returncode == 2 and "нужно РОЛЬ=НАЗВАНИЕ:E-MAIL" in refused.stderr
    # the check warns of the unit roles with no address (ИМЦ is disabled, the council removed)
    checked = nastavnik("check", str(ROOT / "definitions/roadmaps/beloyarsky-2022.yaml"), db=db)
    assert checked.returncode == 0
    assert "у подразделения «методический центр» (methodical_center) нет адреса" in checked.stderr
    assert "у подразделения «муниципальный экспертный совет» (expert_council)" in checked.stderr


def test_a_tick_in_batches_decides_for_units_what_one_tick_decides(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    from engine.tick_decisions import advance_watermarks, plan_tick, unit_batches
    from storage.db import make_engine, upgrade_database

    launched(sqlite_engine, tmp_path, schools=3)
    add_units(sqlite_engine)
    now = moment(date(2022, 6, 3))
    with session_scope(sqlite_engine) as session:
        plan = plan_tick(session, now=now)
        batches = unit_batches(session, size=1)
    assert plan.unit_recipients  # the plan carries the units' addresses to every batch
    for batch in batches:
        with session_scope(sqlite_engine) as session:
            decide_notifications(session=session, now=now, units=batch, plan=plan)
    with session_scope(sqlite_engine) as session:
        advance_watermarks(session, plan)
    other = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    upgrade_database(other)
    (tmp_path / "one").mkdir()
    launched(other, tmp_path / "one", schools=3)
    add_units(other)
    with session_scope(other) as session:
        decide_notifications(session=session, now=now)
    assert decisions(sqlite_engine) == decisions(other)
    assert ("1.7", "coordinator", COORDINATOR) in decisions(other)


@pytest.mark.usefixtures("prefect_harness")
def test_the_prefect_tick_flow_carries_the_units_in_its_plan(tmp_path: Path) -> None:
    from flows.tick import tick_flow
    from storage.db import make_engine, upgrade_database

    url = f"sqlite:///{tmp_path / 'flow.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    launched(engine, tmp_path, schools=2)
    add_units(engine)
    tick_flow(url, now=moment(date(2022, 6, 3)), send=False, batch_size=2)
    seen = decisions(engine)
    assert {("1.7", "overdue", IMC), ("1.7", "coordinator", COORDINATOR)} <= seen
    assert ("1.7", "overdue", COORDINATOR) not in seen
    engine.dispose()


def test_a_unit_added_after_its_step_is_late_hears_of_it_at_the_next_tick(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=1)
    with session_scope(engine) as session:  # 1.7 is late (due 30 May); no unit yet
        decide_notifications(session=session, now=moment(date(2022, 6, 3)))
    assert ("1.7", "overdue", COORDINATOR) in decisions(engine)
    add_units(engine)
    with session_scope(engine) as session:
        decide_notifications(session=session, now=moment(date(2022, 6, 6)))
    seen = decisions(engine)
    assert {("1.7", "overdue", IMC), ("1.7", "overdue", COUNCIL)} <= seen
    assert ("1.7", "coordinator", COORDINATOR) in seen
