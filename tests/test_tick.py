"""The tick: reminders, overdue notices, escalations by working days, idempotent and concurrent."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from engine.actions import Actor, mark_done
from engine.policy import set_policy
from engine.tick_decisions import LEVELS, decide_notifications, late_cutoff, remind_cutoff
from flows.daily import tick_once
from storage.db import session_scope
from storage.models import OutboxItem, StepInstance
from tests.factories import COORDINATOR, HEAD, launched, moment, the_run


def _decisions(engine: Engine, code: str | None = None) -> set[tuple[str, str, str | None]]:
    with session_scope(engine) as session:
        query = select(OutboxItem, StepInstance).where(
            OutboxItem.step_instance_id == StepInstance.id
        )
        if code is not None:
            query = query.where(StepInstance.step_code == code)
        return {
            (item.level, item.recipient, instance.school_id)
            for item, instance in session.exec(query)
        }


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
def test_late_cutoff_counts_working_days_of_the_production_calendar(
    today: date, days: int, cutoff: date
) -> None:
    assert late_cutoff(today, days) == cutoff


def test_remind_cutoff_skips_the_may_holidays() -> None:
    # from Thursday 28 April 2022: 29 Apr (1), 4 May (2), 5 May (3); 6 May is the 4th → window ends 5 May
    assert remind_cutoff(date(2022, 4, 28), 3) == date(2022, 5, 5)


def test_overdue_notice_waits_for_the_first_working_day_after_the_may_holidays(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=2)
    # 3.1 is due Saturday 30 April 2022; 1, 2, 3 May are days off, so the term ends on
    # Wednesday 4 May (ГК РФ ст. 193) and the step is late from Thursday 5 May
    _tick(engine, moment(date(2022, 5, 4)))
    assert not {d for d in _decisions(engine, "3.1") if d[0] == "overdue"}
    _tick(engine, moment(date(2022, 5, 5)))
    assert {d for d in _decisions(engine, "3.1") if d[0] == "overdue"} == {
        ("overdue", "sosh1@beloyarsky-edu.example.ru", "sosh1"),
        ("overdue", "sosh2@beloyarsky-edu.example.ru", "sosh2"),
    }
    assert not {d for d in _decisions(engine, "3.1") if d[0] == "coordinator"}
    _tick(engine, moment(date(2022, 5, 6)))  # 5, 6 May: two working days late
    assert not {d for d in _decisions(engine, "3.1") if d[0] == "coordinator"}
    _tick(engine, moment(date(2022, 5, 11)))  # 7–10 May off: 5, 6, 11 May are three
    assert {d for d in _decisions(engine, "3.1") if d[0] == "coordinator"} == {
        ("coordinator", COORDINATOR, "sosh1"),
        ("coordinator", COORDINATOR, "sosh2"),
    }


def test_escalation_to_the_head_after_ten_working_days_and_not_for_done_steps(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=2)
    with session_scope(engine) as session:
        mark_done(
            session=session,
            run=the_run(engine),
            code="1.5",
            school="sosh2",
            actor=Actor("sosh2@x.ru"),
            now=moment(date(2022, 5, 13)),
        )
    # 1.5 due Sunday 15 May, moved to Monday 16 May; 17–20, 23–27 and 30 May are ten working days
    _tick(engine, moment(date(2022, 5, 27)))
    assert not {d for d in _decisions(engine, "1.5") if d[0] == "head"}
    _tick(engine, moment(date(2022, 5, 30)))
    assert {d for d in _decisions(engine, "1.5") if d[0] in ("head", "overdue")} == {
        ("head", HEAD, "sosh1"),
        ("overdue", "sosh1@beloyarsky-edu.example.ru", "sosh1"),
    }


def test_a_reminder_goes_before_the_due_date(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=1)
    _tick(engine, moment(date(2022, 5, 11)))  # 1.5 due 16 May: 12, 13, 16 May are 3 working days
    assert ("reminder", "sosh1@beloyarsky-edu.example.ru", "sosh1") in _decisions(engine, "1.5")


def test_the_utc_plus_5_midnight_edge_decides_by_the_municipality_date(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=1)
    # 1.5 is due Sunday 15 May, moved to Monday 16 May (ГК РФ ст. 193)
    # 18:30 UTC on 16 May is 23:30 in Белоярский: 1.5 is not late yet
    _tick(engine, datetime(2022, 5, 16, 18, 30, tzinfo=UTC))
    assert not {d for d in _decisions(engine, "1.5") if d[0] == "overdue"}
    # 19:30 UTC on 16 May is 00:30 on Tuesday 17 May there: late by one working day
    _tick(engine, datetime(2022, 5, 16, 19, 30, tzinfo=UTC))
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
        set_policy(
            session=session,
            municipality_id=1,
            roadmap_id="beloyarsky-2022",
            step_code="1.5",
            remind_before=3,
            coordinator_after=1,
            head_after=2,
        )
    _tick(engine, moment(date(2022, 5, 18)))  # due 16 May (moved off Sunday): 17, 18 May late
    assert {d[0] for d in _decisions(engine, "1.5")} == {"overdue", "coordinator", "head"}


# --- the incremental tick: windows since the watermark, plus changed steps -------------------------


def _full_tick_decides_nothing_new(engine: Engine, now: datetime) -> None:
    """A tick that re-examines every open step finds nothing the incremental tick left out."""
    summary = tick_once(engine=engine, now=now, send=False, full=True, count_states=False)
    assert summary.total == 0, f"the incremental tick missed {summary.decided} at {now}"


def test_daily_incremental_ticks_decide_what_a_full_scan_decides(
    engine: Engine, tmp_path: Path
) -> None:
    from datetime import timedelta

    from engine.actions import schedule_step, undo

    launched(engine, tmp_path, schools=3)
    run = the_run(engine)
    day, last = date(2022, 4, 25), date(2022, 6, 20)
    decided = 0
    while day <= last:
        now = moment(day)
        with session_scope(engine) as session:
            if day == date(2022, 5, 6):  # done early, then undone when it is long overdue
                mark_done(
                    session=session,
                    run=run,
                    code="1.4",
                    school="sosh1",
                    actor=Actor("a@x.ru"),
                    now=now,
                )
            if day == date(2022, 6, 6):
                undo(
                    session=session,
                    run=run,
                    code="1.4",
                    school="sosh1",
                    actor=Actor("a@x.ru"),
                    now=now,
                )
            if day == date(2022, 5, 20):  # a date set for a step with a due date already behind
                with session_scope(engine) as inner:
                    unscheduled = inner.exec(
                        select(StepInstance).where(
                            col(StepInstance.due).is_(None), StepInstance.school_id == "sosh2"
                        )
                    ).first()
                if unscheduled is not None:
                    schedule_step(
                        session=session,
                        run=run,
                        code=unscheduled.step_code,
                        due=date(2022, 5, 10),
                        actor=Actor(COORDINATOR),
                        now=now,
                        school="sosh2",
                    )
        decided += tick_once(engine=engine, now=now, send=False, count_states=False).total
        _full_tick_decides_nothing_new(engine, now)
        day += timedelta(days=1)
    assert decided > 0
    assert ("overdue", "sosh1@beloyarsky-edu.example.ru", "sosh1") in _decisions(engine, "1.4")


def test_a_tick_with_nothing_new_examines_no_step(engine: Engine, tmp_path: Path) -> None:
    launched(engine, tmp_path, schools=3)
    first = tick_once(engine=engine, now=moment(date(2022, 5, 16)), send=False, count_states=False)
    assert first.examined > 0 and first.total > 0
    again = tick_once(engine=engine, now=moment(date(2022, 5, 16)), send=False, count_states=False)
    assert again.examined == 0 and again.total == 0
    with session_scope(engine) as session:
        mark_done(
            session=session,
            run=the_run(engine),
            code="1.5",
            school="sosh2",
            actor=Actor("a@x.ru"),
            now=moment(date(2022, 5, 16), 12),
        )
    after_act = tick_once(
        engine=engine, now=moment(date(2022, 5, 16), 13), send=False, count_states=False
    )
    assert after_act.examined == 1 and after_act.total == 0


def test_a_new_school_admin_hears_about_what_is_already_late(
    engine: Engine, tmp_path: Path
) -> None:
    from nastavnik import demo_data
    from nastavnik.demo import write_schools_csv
    from storage.schools import import_schools

    launched(engine, tmp_path, schools=2)
    tick_once(engine=engine, now=moment(date(2022, 5, 20)), send=False, count_states=False)
    schools = [dict(row) for row in demo_data.SCHOOLS[:2]]
    schools[0]["admin_email"] = "new-admin@beloyarsky-edu.example.ru"
    with session_scope(engine) as session:
        import_schools(
            session=session,
            path=write_schools_csv(tmp_path / "s.csv", schools),
            now=moment(date(2022, 5, 23)),
        )
    tick_once(engine=engine, now=moment(date(2022, 5, 23)), send=False, count_states=False)
    assert ("overdue", "new-admin@beloyarsky-edu.example.ru", "sosh1") in _decisions(engine, "1.5")
    assert not {
        d
        for d in _decisions(engine)
        if d[1] == "new-admin@beloyarsky-edu.example.ru" and d[2] != "sosh1"
    }


def test_ticking_an_earlier_day_after_a_later_one_repeats_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    launched(engine, tmp_path, schools=2)
    later = tick_once(engine=engine, now=moment(date(2022, 6, 1)), send=False, count_states=False)
    earlier = tick_once(
        engine=engine, now=moment(date(2022, 5, 16)), send=False, count_states=False
    )
    assert later.total > 0 and earlier.total == 0
    _full_tick_decides_nothing_new(engine, moment(date(2022, 6, 1)))


def test_a_school_launched_after_ticks_began_is_ticked_for_what_is_already_late(
    engine: Engine, tmp_path: Path
) -> None:
    from nastavnik import demo_data
    from nastavnik.demo import write_schools_csv
    from storage.schools import import_schools

    launched(engine, tmp_path, schools=2)
    tick_once(engine=engine, now=moment(date(2022, 5, 20)), send=False, count_states=False)
    with session_scope(engine) as session:
        import_schools(
            session=session,
            path=write_schools_csv(tmp_path / "s.csv", demo_data.SCHOOLS[:3]),
            now=moment(date(2022, 5, 23)),
        )
        from definitions.loader import find_roadmap
        from engine.roadmap_launch import launch_roadmap

        launch_roadmap(
            session=session,
            loaded=find_roadmap(demo_data.ROADMAP_ID),
            now=moment(date(2022, 5, 23)),
            by=COORDINATOR,
        )
    tick_once(engine=engine, now=moment(date(2022, 5, 23)), send=False, count_states=False)
    assert ("overdue", "sosh3@beloyarsky-edu.example.ru", "sosh3") in _decisions(engine, "1.5")
    _full_tick_decides_nothing_new(engine, moment(date(2022, 5, 23)))


def test_a_watermark_never_moves_back(engine: Engine, tmp_path: Path) -> None:
    from engine.tick_decisions import advance_watermarks, plan_tick
    from storage.models import TickWatermark

    launched(engine, tmp_path, schools=1)
    with session_scope(engine) as session:
        later = plan_tick(session, now=moment(date(2022, 6, 1)))
        earlier = plan_tick(session, now=moment(date(2022, 5, 16)))
        advance_watermarks(session, later)
        advance_watermarks(session, earlier)  # e.g. two ticks finishing in the other order
    with session_scope(engine) as session:
        marks = {(m.step_code, m.level): m.through for m in session.exec(select(TickWatermark))}
    expected = {
        (str(row["step_code"]), level): row[f"{level}_until"]
        for row in later.rows
        for level in LEVELS
    }
    assert marks == expected
