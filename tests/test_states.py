"""The clock-dependent states of a step instance."""

from __future__ import annotations

from datetime import date

import pytest

from engine.states import evaluate_state


@pytest.mark.parametrize(
    ("stored", "due", "today", "blocked", "expected"),
    [
        ("done", date(2022, 5, 15), date(2022, 6, 1), False, "done"),
        ("done_late", date(2022, 5, 15), date(2022, 6, 1), False, "done_late"),
        ("not_applicable", date(2022, 5, 15), date(2022, 6, 1), True, "not_applicable"),
        ("open", date(2022, 5, 15), date(2022, 5, 16), False, "overdue"),
        # past due wins over blocked: the letter names the blocking step
        ("open", date(2022, 5, 15), date(2022, 5, 16), True, "overdue"),
        ("open", date(2022, 5, 15), date(2022, 5, 15), True, "blocked"),
        ("open", date(2022, 5, 15), date(2022, 5, 15), False, "due_soon"),
        # 11 May 2022 (Wed) → 15 May (Sun): 12, 13 May are working days → within 3
        ("open", date(2022, 5, 15), date(2022, 5, 11), False, "due_soon"),
        # 4 May → 15 May: 5, 6, 11, 12, 13 May (9, 10 May are holidays) → 5 working days
        ("open", date(2022, 5, 15), date(2022, 5, 4), False, "open"),
        ("open", None, date(2022, 5, 4), False, "open"),
    ],
)
def test_state_at_a_moment(
    stored: str, due: date | None, today: date, blocked: bool, expected: str
) -> None:
    assert (
        evaluate_state(stored=stored, due=due, today=today, blocked=blocked, remind_before=3)
        == expected
    )
