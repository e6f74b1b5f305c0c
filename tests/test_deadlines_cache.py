"""The cached reading of a phrase: the same phrase against other periods, and refusals, read as fresh."""

from __future__ import annotations

from datetime import date

import pytest

from common.errors import DeadlineError
from definitions.deadlines import explain_deadline, parse_deadline


def _dues(phrase: str, start: date, end: date) -> list[str]:
    schedule = parse_deadline(phrase, period_start=start, period_end=end)
    return [f"{o.start or '-'}..{o.due}" for o in schedule.occurrences]


def test_a_cached_phrase_is_assembled_against_each_period_anew() -> None:
    phrase = "IV квартал (по согласованию)"
    one_year = parse_deadline(phrase, period_start=date(2023, 1, 1), period_end=date(2023, 12, 31))
    assert [o.due for o in one_year.occurrences] == [date(2023, 12, 31)]
    assert one_year.notes == ("примечание в скобках не меняет дат: «по согласованию»",)
    two_years = parse_deadline(phrase, period_start=date(2022, 1, 1), period_end=date(2023, 12, 31))
    assert [o.due for o in two_years.occurrences] == [date(2022, 12, 31), date(2023, 12, 31)]
    # the remark's note and the rule of a yearless date, each once, in the order they applied
    assert two_years.notes[0] == "примечание в скобках не меняет дат: «по согласованию»"
    assert len(two_years.notes) == 2 and "каждый год периода" in two_years.notes[1]
    # and back: nothing of the two-year reading sticks to the phrase
    again = parse_deadline(phrase, period_start=date(2023, 1, 1), period_end=date(2023, 12, 31))
    assert again == one_year
    assert _dues("ежемесячно до 20 числа", date(2023, 1, 1), date(2023, 3, 31)) == [
        "-..2023-01-20",
        "-..2023-02-20",
        "-..2023-03-20",
    ]
    assert _dues("ежемесячно до 20 числа", date(2024, 11, 1), date(2024, 12, 31)) == [
        "-..2024-11-20",
        "-..2024-12-20",
    ]


def test_a_cached_refusal_says_the_same_each_time_and_a_period_refusal_is_not_cached() -> None:
    phrase = "до 15 мая 2022 г. срочно"
    messages = set()
    for _ in range(3):
        with pytest.raises(DeadlineError) as refused:
            parse_deadline(phrase, period_start=date(2022, 1, 1), period_end=date(2022, 12, 31))
        messages.add(str(refused.value))
    assert len(messages) == 1
    (message,) = messages
    assert "«срочно»" in message and "Понято: «до 15 мая 2022 г»" in message
    # a phrase refused for one period (no date in it) reads in another
    with pytest.raises(DeadlineError):
        parse_deadline(
            "с 2030 года ежегодно", period_start=date(2022, 1, 1), period_end=date(2024, 12, 31)
        )
    assert _dues("с 2030 года ежегодно", date(2030, 1, 1), date(2030, 12, 31)) == ["-..2030-12-31"]
    assert (
        explain_deadline(phrase, period_start=date(2022, 1, 1), period_end=date(2022, 12, 31))
        == message
    )
