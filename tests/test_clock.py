"""One "today": common.clock.local_day turns a moment into a calendar day in a zone, nobody else."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from common.clock import local_day, parse_now

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "common", "definitions", "storage", "engine", "registry", "notifications", "documents",
    "tasks", "flows", "web", "nastavnik", "benchmarks",
)  # fmt: skip
CLOCK = "common/clock.py"
# converting a moment to a zone and taking its date is the clock's job
ZONE_METHODS = {"astimezone", "in_timezone", "in_tz"}


def _lines_by_hand(source: str) -> list[int]:
    """Lines of ``<moment>.astimezone(…).date()`` (or pendulum's ``in_timezone``/``in_tz``)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "date"
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Attribute)
        and node.func.value.func.attr in ZONE_METHODS
    ]


def _days_made_by_hand() -> list[str]:
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            place = path.relative_to(ROOT).as_posix()
            if place == CLOCK or "/migrations/" in place:
                continue
            lines = _lines_by_hand(path.read_text(encoding="utf-8"))
            found.extend(f"{place}:{line}" for line in lines)
    return found


def test_nobody_but_the_clock_turns_a_moment_into_a_local_day() -> None:
    found = _days_made_by_hand()
    assert not found, "use common.clock.local_day(moment, tz):\n" + "\n".join(found)


def test_the_scan_sees_a_day_made_by_hand_and_not_a_call_of_the_clock() -> None:
    source = (
        "today = now.astimezone(ZoneInfo(tz)).date()\n"
        "day = moment.in_timezone(tz).date()\n"
        "fine = local_day(now, tz)\n"
        "utc = now.date()\n"
    )
    assert _lines_by_hand(source) == [1, 2]


@pytest.mark.parametrize(
    ("moment", "tz", "day"),
    [
        # 20:30 UTC on 12 May is 01:30 on 13 May in Yekaterinburg (UTC+5)
        (datetime(2022, 5, 12, 20, 30, tzinfo=UTC), "Asia/Yekaterinburg", date(2022, 5, 13)),
        (datetime(2022, 5, 12, 20, 30, tzinfo=UTC), "Europe/Moscow", date(2022, 5, 12)),
        (datetime(2022, 5, 12, 18, 59, tzinfo=UTC), "Asia/Yekaterinburg", date(2022, 5, 12)),
        (datetime(2022, 5, 12, 19, 0, tzinfo=UTC), "Asia/Yekaterinburg", date(2022, 5, 13)),
    ],
)
def test_the_local_day_is_the_calendar_day_in_the_zone(
    moment: datetime, tz: str, day: date
) -> None:
    assert local_day(moment, tz) == day


def test_a_moment_without_a_zone_is_refused_rather_than_read_in_the_machines_zone() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_day(datetime(2022, 5, 12, 23, 30), "Asia/Yekaterinburg")


def test_now_from_the_command_line_is_its_day_in_the_municipality() -> None:
    assert local_day(parse_now("2022-05-13", tz="Asia/Yekaterinburg"), "Asia/Yekaterinburg") == (
        date(2022, 5, 13)
    )
