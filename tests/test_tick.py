"""The tick: reminders, overdue notices, escalations by working days, idempotent and concurrent."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from engine.actions import Actor, mark_done
from engine.daily import tick_once
from engine.policy import set_policy
from engine.tick import decide_notifications, late_cutoff, remind_cutoff
from storage.db import session_scope
from storage.models import OutboxItem, StepInstance
from tests.factories import COORDINATOR, HEAD, launched, moment, the_run


def _decisions(engine: Engine, code: str | None = None) -> set[tuple[str, str, str | None]]:
    with session_scope(engine) as session:
        query = select(OutboxItem, StepInstance).where(OutboxItem.step_instance_id == StepInstance.id)
        if code is not None:
            query = query.where(StepInstance.step_code == code)
        return {(item.level, item.recipient, instance.school_id) for item, instance in session.exec(query)}


def _tick(engine: Engine, now: datetime) -> dict[str, int]:
    with session_scope(engine) as session:
        return decide_notifications(session=session, now=now).decided


@pytest.mark.parametrize(
    ("today", "days", "cutoff"),
    [
        # Wednesday 4 May 2022 is the first working day after 30 April (1–3 May off)
        (date(2022, 5, 4), 1, date(2022, 5, 3)),
        (date(2022, 5, 3), 1, date(2022, 4, 28)),
        (date(2022, 5, 6), 3, date(2022, 5, 3)),
        # 27 April 2024 was a working Saturday
        (date(2024, 4, 27), 1, date(2024, 4, 26)),
    ],
)
def test_late_cutoff_counts_working_days_of_the_production_calendar(today: date, days: int, cutoff: date) -> None:
    assert late_cutoff(today, days) == cutoff


def test_remind_cutoff_skips_the_may_holidays() -> None:
    # from Thursday 28 April 2022: 29 Apr (1), 4 May (2), 5 May (3); 6 May is the 4th → window ends 5 May
    assert remind_cutoff(date(2022, 4, 28), 3) == date(2022, 5, 5)


def test_overdue_notice_waits_for_the_first_working_day_after_the_may_holidays(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=2)
    # 3.1 is due Saturday 30 April 2022; 1, 2, 3 May are days off
    _tick(engine, moment(date(2022, 5, 3)))
    assert not {d for d in _decisions(engine, "3.1") if d[0] == "overdue"}
    _tick(engine, moment(date(2022, 5, 4)))
    assert {d for d in _decisions(engine, "3.1") if d[0] == "overdue"} == {
        ("overdue", "sosh1@beloyarsky-edu.example.ru", "sosh1"),
        ("overdue", "sosh2@beloyarsky-edu.example.ru", "sosh2"),
    }
    assert not {d for d in _decisions(engine, "3.1") if d[0] == "coordinator"}
    _tick(engine, moment(date(2022, 5, 6)))  # 4, 5, 6 May: three working days late
    assert {d for d in _decisions(engine, "3.1") if d[0] == "coordinator"} == {
        ("coordinator", COORDINATOR, "sosh1"), ("coordinator", COORDINATOR, "sosh2"),
    }


def test_escalation_to_the_head_after_ten_working_days_and_not_for_done_steps(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=2)
    with session_scope(engine) as session:
        mark_done(session=session, run=the_run(engine), code="1.5", school="sosh2", actor=Actor("sosh2@x.ru"),
                  now=moment(date(2022, 5, 13)))
    # 1.5 due Sunday 15 May; 16–20, 23–27 May are ten working days
    _tick(engine, moment(date(2022, 5, 26)))
    assert not {d for d in _decisions(engine, "1.5") if d[0] == "head"}
    _tick(engine, moment(date(2022, 5, 27)))
    assert {d for d in _decisions(engine, "1.5") if d[0] in ("head", "overdue")} == {
        ("head", HEAD, "sosh1"), ("overdue", "sosh1@beloyarsky-edu.example.ru", "sosh1"),
    }


def test_a_reminder_goes_before_the_due_date(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=1)
    _tick(engine, moment(date(2022, 5, 11)))  # 1.5 due 15 May: 12, 13 May within 3 working days
    assert ("reminder", "sosh1@beloyarsky-edu.example.ru", "sosh1") in _decisions(engine, "1.5")


def test_the_utc_plus_5_midnight_edge_decides_by_the_municipality_date(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=1)
    # 18:30 UTC on 15 May is 23:30 in Белоярский: 1.5 (due 15 May) is not late yet
    _tick(engine, datetime(2022, 5, 15, 18, 30, tzinfo=UTC))
    assert not {d for d in _decisions(engine, "1.5") if d[0] == "overdue"}
    # 19:30 UTC on 15 May is 00:30 on Monday 16 May there: late by one working day
    _tick(engine, datetime(2022, 5, 15, 19, 30, tzinfo=UTC))
    assert ("overdue", "sosh1@beloyarsky-edu.example.ru", "sosh1") in _decisions(engine, "1.5")


def test_ticking_twice_decides_once(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=3)
    first = _tick(engine, moment(date(2022, 6, 1)))
    second = _tick(engine, moment(date(2022, 6, 1)))
    assert sum(first.values()) > 0 and sum(second.values()) == 0
    with session_scope(engine) as session:
        assert len(list(session.exec(select(OutboxItem)))) == sum(first.values())


def test_two_ticks_at_once_decide_once(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=3)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        barrier.wait()
        summary = tick_once(engine=engine, now=moment(date(2022, 6, 1)), send=False, batch_size=1)
        results.append(sum(summary.decided.values()))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with session_scope(engine) as session:
        rows = list(session.exec(select(OutboxItem)))
    assert len(rows) == sum(results) and len({row.key for row in rows}) == len(rows) and rows


def test_the_ladder_is_data_overridable_per_step(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=1)
    with session_scope(engine) as session:
        set_policy(session=session, municipality_id=1, roadmap_id="beloyarsky-2022", step_code="1.5",
                   remind_before=3, coordinator_after=1, head_after=2)
    _tick(engine, moment(date(2022, 5, 17)))  # 16, 17 May: two working days late
    assert {d[0] for d in _decisions(engine, "1.5")} == {"overdue", "coordinator", "head"}
