"""The deadline language: the shared vectors, the documented forms, errors and properties."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import DeadlineError
from definitions.deadlines import Occurrence, Schedule, parse_deadline
from tests.seeds import VECTORS

# The usual roadmap period of the seeds.
P_START, P_END = date(2022, 1, 1), date(2024, 12, 31)


class Vector(NamedTuple):
    phrase: str
    period_start: date
    period_end: date
    kind: str
    occurrences: tuple[Occurrence, ...]


def _occurrences(text: str) -> tuple[Occurrence, ...]:
    """'start..due;…' with '-' for an open start, as in the vectors file."""
    result = []
    for part in filter(None, text.split(";")):
        start, due = part.split("..")
        result.append(
            Occurrence(None if start == "-" else date.fromisoformat(start), date.fromisoformat(due))
        )
    return tuple(result)


def _read_vectors() -> list[Vector]:
    vectors = []
    for line in VECTORS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        phrase, period, kind, *rest = line.split("\t")
        start, end = (date.fromisoformat(part) for part in period.split(":"))
        vectors.append(Vector(phrase, start, end, kind, _occurrences(rest[0] if rest else "")))
    return vectors


_VECTORS = _read_vectors()


@pytest.mark.parametrize("vector", _VECTORS, ids=lambda v: v.phrase)
def test_phrase_from_the_seed_roadmaps_compiles_as_the_vectors_say(vector: Vector) -> None:
    schedule = parse_deadline(
        vector.phrase, period_start=vector.period_start, period_end=vector.period_end
    )
    if vector.kind != "any":
        assert schedule.kind == vector.kind
    assert schedule.occurrences == vector.occurrences
    assert schedule.phrase == vector.phrase


def test_the_vectors_file_has_all_sixty_five_rows() -> None:
    assert len(_VECTORS) == 65


# --- the documented forms --------------------------------------------------------------------


def d(text: str) -> date:
    return date.fromisoformat(text)


def occ(start: str | None, due: str) -> Occurrence:
    return Occurrence(d(start) if start else None, d(due))


class Case(NamedTuple):
    phrase: str
    kind: str
    occurrences: tuple[Occurrence, ...]
    period: tuple[date, date] = (P_START, P_END)
    step_start: date | None = None


Y2023 = (date(2023, 1, 1), date(2023, 12, 31))
MAY_2024 = date(2024, 4, 25)
P_2024_2025 = (date(2024, 1, 1), date(2025, 12, 31))

CASES = [
    # a day: start open, due that day
    Case("15 мая 2022 г.", "once", (occ(None, "2022-05-15"),)),
    Case("до 15.05.2022", "once", (occ(None, "2022-05-15"),)),
    Case("в срок до 15.05.2022", "once", (occ(None, "2022-05-15"),)),
    Case("не позднее 1 июня 2023 г.", "once", (occ(None, "2023-06-01"),)),
    Case("к 1 сентября 2022 года", "once", (occ(None, "2022-09-01"),)),
    Case("на 1.10.2022", "once", (occ(None, "2022-10-01"),)),
    Case("до 15.05.22", "once", (occ(None, "2022-05-15"),)),
    # months and ranges of months
    Case("май 2022", "once", (occ("2022-05-01", "2022-05-31"),)),
    Case("март – апрель 2022 г.", "once", (occ("2022-03-01", "2022-04-30"),)),
    Case("апрель — декабрь 2022", "once", (occ("2022-04-01", "2022-12-31"),)),
    Case("ноябрь 2022 - февраль 2023", "once", (occ("2022-11-01", "2023-02-28"),)),
    Case("ноябрь - февраль 2023 г.", "once", (occ("2022-11-01", "2023-02-28"),)),
    Case("с 1 по 15 сентября 2022 г.", "once", (occ("2022-09-01", "2022-09-15"),)),
    # «до» a month ends the day before it begins; «не позднее» at its end
    Case("до декабря 2022 г.", "once", (occ(None, "2022-11-30"),)),
    Case("не позднее декабря 2022 г.", "once", (occ(None, "2022-12-31"),)),
    # quarters, half-years, decades
    Case("IV квартал 2022 г.", "once", (occ("2022-10-01", "2022-12-31"),)),
    Case("1 квартал 2023", "once", (occ("2023-01-01", "2023-03-31"),)),
    Case("в III квартале 2023 года", "once", (occ("2023-07-01", "2023-09-30"),)),
    Case("4-й квартал 2023", "once", (occ("2023-10-01", "2023-12-31"),)),
    Case("I кв. 2024", "once", (occ("2024-01-01", "2024-03-31"),)),
    Case("I–II квартал 2023 г.", "once", (occ("2023-01-01", "2023-06-30"),)),
    Case("I полугодие 2023", "once", (occ("2023-01-01", "2023-06-30"),)),
    Case("2 полугодие 2023 г.", "once", (occ("2023-07-01", "2023-12-31"),)),
    Case("второе полугодие 2022 года", "once", (occ("2022-07-01", "2022-12-31"),)),
    Case("1 декада ноября 2022 года", "once", (occ("2022-11-01", "2022-11-10"),)),
    Case("2 декада февраля 2024 г.", "once", (occ("2024-02-11", "2024-02-20"),)),
    # 2024 is a leap year: the third decade of February ends on the 29th
    Case("3 декада февраля 2024 г.", "once", (occ("2024-02-21", "2024-02-29"),)),
    Case("3-я декада февраля 2023", "once", (occ("2023-02-21", "2023-02-28"),)),
    # school and calendar years
    Case("2022-2023 учебный год", "once", (occ("2022-09-01", "2023-08-31"),)),
    Case("2023/2024 учебный год", "once", (occ("2023-09-01", "2024-08-31"),)),
    Case("в течение 2022 года", "once", (occ("2022-01-01", "2022-12-31"),)),
    Case("2023 год", "once", (occ("2023-01-01", "2023-12-31"),)),
    # no year: the first such date inside the period
    # no year in a period of one year: that year's date
    Case("декабрь", "once", (occ("2023-12-01", "2023-12-31"),), Y2023),
    Case("15 мая", "once", (occ(None, "2023-05-15"),), (date(2022, 6, 1), date(2023, 5, 31))),
    # no year in a period of several years: every such date inside the period (a written rule)
    Case(
        "декабрь",
        "recurring",
        (
            occ("2022-12-01", "2022-12-31"),
            occ("2023-12-01", "2023-12-31"),
            occ("2024-12-01", "2024-12-31"),
        ),
    ),
    Case(
        "15 мая",
        "recurring",
        (occ(None, "2023-05-15"), occ(None, "2024-05-15")),
        (date(2022, 6, 1), P_END),
    ),
    Case(
        "март – апрель",
        "recurring",
        (occ("2023-03-01", "2023-04-30"), occ("2024-03-01", "2024-04-30")),
        (date(2022, 6, 1), P_END),
    ),
    Case(
        "до 15.10.",
        "recurring",
        (occ(None, "2022-10-15"), occ(None, "2023-10-15"), occ(None, "2024-10-15")),
    ),
    Case(
        "IV квартал",
        "recurring",
        (occ("2022-10-01", "2022-12-31"), occ("2023-10-01", "2023-12-31")),
        (date(2022, 9, 1), date(2024, 8, 31)),
    ),
    Case(
        "в течение учебного года",
        "recurring",
        (occ("2022-09-01", "2023-08-31"), occ("2023-09-01", "2024-08-31")),
        (date(2022, 9, 1), date(2024, 8, 31)),
    ),
    # recurring
    Case(
        "ежегодно",
        "recurring",
        (occ(None, "2022-12-31"), occ(None, "2023-12-31"), occ(None, "2024-06-30")),
        (P_START, date(2024, 6, 30)),
    ),
    Case(
        "ежеквартально",
        "recurring",
        (
            occ("2023-01-01", "2023-03-31"),
            occ("2023-04-01", "2023-06-30"),
            occ("2023-07-01", "2023-09-30"),
            occ("2023-10-01", "2023-12-31"),
        ),
        Y2023,
    ),
    Case(
        "ежемесячно",
        "recurring",
        (
            occ("2023-01-01", "2023-01-31"),
            occ("2023-02-01", "2023-02-28"),
            occ("2023-03-01", "2023-03-31"),
        ),
        (date(2023, 1, 1), date(2023, 3, 31)),
    ),
    Case(
        "ежегодно (июнь, декабрь)",
        "recurring",
        (occ("2023-06-01", "2023-06-30"), occ("2023-12-01", "2023-12-31")),
        Y2023,
    ),
    Case(
        "ежегодно, декабрь",
        "recurring",
        (occ("2022-12-01", "2022-12-31"), occ("2023-12-01", "2023-12-31")),
        (P_START, date(2023, 12, 31)),
    ),
    Case(
        "Декабрь, июнь в период с 2022 по 2023 г.г.",
        "recurring",
        (
            occ("2022-06-01", "2022-06-30"),
            occ("2022-12-01", "2022-12-31"),
            occ("2023-06-01", "2023-06-30"),
            occ("2023-12-01", "2023-12-31"),
        ),
    ),
    Case(
        "июнь 2023, 2024",
        "recurring",
        (occ("2023-06-01", "2023-06-30"), occ("2024-06-01", "2024-06-30")),
    ),
    Case(
        "декабрь 2021 г декабрь 2022 г.",
        "recurring",
        (occ("2021-12-01", "2021-12-31"), occ("2022-12-01", "2022-12-31")),
    ),
    Case(
        "с апреля 2023 ежегодно",
        "recurring",
        (occ("2023-04-01", "2023-04-30"), occ("2024-04-01", "2024-04-30")),
    ),
    Case(
        "с июля 2024 ежеквартально",
        "recurring",
        (occ("2024-07-01", "2024-09-30"), occ("2024-10-01", "2024-12-31")),
    ),
    Case(
        "ноябрь-декабрь 2023 (с 2024 года - ежегодно)",
        "recurring",
        (occ("2023-11-01", "2023-12-31"), occ("2024-11-01", "2024-12-31")),
    ),
    Case(
        "до 15.01.2023 г. с последующим ежегодным обновлением",
        "recurring",
        (occ(None, "2023-01-15"), occ(None, "2024-01-15")),
    ),
    Case(
        "с 2024 года ежеквартально",
        "recurring",
        (
            occ("2024-01-01", "2024-03-31"),
            occ("2024-04-01", "2024-06-30"),
            occ("2024-07-01", "2024-09-30"),
            occ("2024-10-01", "2024-12-31"),
        ),
    ),
    Case("с 2023 года ежегодно", "recurring", (occ(None, "2023-12-31"), occ(None, "2024-12-31"))),
    Case(
        "с 1 по 15 сентября ежегодно",
        "recurring",
        (
            occ("2022-09-01", "2022-09-15"),
            occ("2023-09-01", "2023-09-15"),
            occ("2024-09-01", "2024-09-15"),
        ),
    ),
    Case(
        "ежеквартально в течение 2023 года",
        "recurring",
        (
            occ("2023-01-01", "2023-03-31"),
            occ("2023-04-01", "2023-06-30"),
            occ("2023-07-01", "2023-09-30"),
            occ("2023-10-01", "2023-12-31"),
        ),
    ),
    # continuous
    Case("постоянно", "continuous", (occ("2022-01-01", "2024-12-31"),)),
    Case(
        "в течение всего периода реализации программы",
        "continuous",
        (occ("2022-01-01", "2024-12-31"),),
    ),
    Case("постоянно с 01.09.2023", "continuous", (occ("2023-09-01", "2024-12-31"),)),
    Case(
        "постоянно, по мере поступления информации",
        "continuous",
        (occ("2022-01-01", "2024-12-31"),),
    ),
    Case(
        "в течение года",
        "continuous",
        (occ("2023-03-10", "2023-12-31"),),
        step_start=date(2023, 3, 10),
    ),
    # relative, counted from the step's start (the start day itself is not counted)
    # 10 working days from Thu 25 Apr 2024 under the 2024 production calendar: 26 Apr (1),
    # Sat 27 Apr (2, a transferred working day), 28 Apr–1 May off, 2 May (3), 3 May (4),
    # 4–5 May weekend, 6 May (5), 7 May (6), 8 May (7), 9–12 May off (10 May moved from 6 Jan),
    # 13 May (8), 14 May (9), 15 May (10).
    Case(
        "в течение 10 рабочих дней",
        "once",
        (occ("2024-04-25", "2024-05-15"),),
        P_2024_2025,
        MAY_2024,
    ),
    Case(
        "в течение 10 календарных дней",
        "once",
        (occ("2024-04-25", "2024-05-05"),),
        P_2024_2025,
        MAY_2024,
    ),
    Case("в течение 2 недель", "once", (occ("2024-04-25", "2024-05-09"),), P_2024_2025, MAY_2024),
    Case("в течение месяца", "once", (occ("2024-04-25", "2024-05-25"),), P_2024_2025, MAY_2024),
    Case("в 3-месячный срок", "once", (occ("2024-04-25", "2024-07-25"),), P_2024_2025, MAY_2024),
    # a month from 31 January ends on the last day of February
    Case(
        "в течение месяца",
        "once",
        (occ("2024-01-31", "2024-02-29"),),
        P_2024_2025,
        date(2024, 1, 31),
    ),
    # Fri 27 Dec 2024: Sat 28 Dec (1, transferred), 30 Dec–8 Jan off, 9 Jan (2), 10 Jan (3),
    # 13 Jan (4), 14 Jan (5).
    Case(
        "в течение 5 рабочих дней",
        "once",
        (occ("2024-12-27", "2025-01-14"),),
        P_2024_2025,
        date(2024, 12, 27),
    ),
    # without an anchor a relative term has no dates until its event happens
    Case("в течение двух недель", "relative", ()),
    Case("в течение 10 рабочих дней после издания приказа", "relative", ()),
    # a named date anchors it in the phrase itself
    Case("в течение 10 дней после 01.09.2023", "once", (occ("2023-09-01", "2023-09-11"),)),
    # unscheduled: the coordinator sets the dates later
    Case("по отдельному графику", "unscheduled", ()),
    Case("в соответствии со сроками реализации программ наставничества", "unscheduled", ()),
    Case("в соответствии с сороками реализации программ наставничества", "unscheduled", ()),
    Case("в сроки, определяемые Минпросвещения России", "unscheduled", ()),
    Case("по необходимости", "unscheduled", ()),
    Case("по мере необходимости", "unscheduled", ()),
    # mixed phrases: the dates stand
    Case("1 квартал 2023 (далее — по необходимости)", "once", (occ("2023-01-01", "2023-03-31"),)),
    Case("Постоянно, ежегодная актуализация", "continuous", (occ("2022-01-01", "2024-12-31"),)),
    # messy spellings from real documents
    Case("до 30.08..2022", "once", (occ(None, "2022-08-30"),)),
    Case("2020года*", "once", (occ("2020-01-01", "2020-12-31"),)),
    Case("до «09» сентября 2022 г.", "once", (occ(None, "2022-09-09"),)),
    Case("ДЕКАБРЬ\n  2022   Г.", "once", (occ("2022-12-01", "2022-12-31"),)),
    Case("до 15.09.2022г.", "once", (occ(None, "2022-09-15"),)),
    Case("до 04 апреля 2022 гг.", "once", (occ(None, "2022-04-04"),)),
    Case("2022 - 2023 учебный год.", "once", (occ("2022-09-01", "2023-08-31"),)),
    Case("апрель—декабрь 2022", "once", (occ("2022-04-01", "2022-12-31"),)),
    Case("сентябрь-октябрь 2022 года", "once", (occ("2022-09-01", "2022-10-31"),)),
    # outside the period is not the parser's business
    Case(
        "Октябрь 2021 года",
        "once",
        (occ("2021-10-01", "2021-10-31"),),
        (date(2022, 1, 1), date(2023, 12, 31)),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.phrase)
def test_documented_form_compiles_to_exact_dates(case: Case) -> None:
    schedule = parse_deadline(
        case.phrase,
        period_start=case.period[0],
        period_end=case.period[1],
        step_start=case.step_start,
    )
    assert (schedule.kind, schedule.occurrences) == (case.kind, case.occurrences)


def test_schedule_serialises_to_the_documented_json() -> None:
    schedule = parse_deadline("до 15.01.2023 ежегодно", period_start=P_START, period_end=P_END)
    assert schedule.to_json() == {
        "phrase": "до 15.01.2023 ежегодно",
        "kind": "recurring",
        "occurrences": [
            {"start": None, "due": "2023-01-15"},
            {"start": None, "due": "2024-01-15"},
        ],
    }
    assert parse_deadline("май 2022", period_start=P_START, period_end=P_END).to_json() == {
        "phrase": "май 2022",
        "kind": "once",
        "occurrences": [{"start": "2022-05-01", "due": "2022-05-31"}],
    }


# --- what cannot be read ---------------------------------------------------------------------

UNREADABLE = [
    "",
    "   ",
    "привет",
    "как можно скорее",
    "31.02.2022",
    "30 февраля 2022 г.",
    "13.13.2022",
    "5 квартал 2022",
    "3 полугодие 2023",
    "4 декада мая 2023",
    "1 декада",
    "15 мая 1800",
    "май 2023 - март 2022",
    "с 15 по 1 сентября",
    "ежегодно, ежемесячно",
    "май, декабрь 2022",  # which year goes with May would be a guess
    "2024 декабрь",
    "в течение 10 рабочих недель",
    "в течение 0 дней",
    "до 15 мая 2022 г. @",
    "постоянно рабочих",
    "ежеквартально 15.05",
    "2022-2024 учебный год",
    "с 2030 года",  # an open start after the period ends has no end
    # only a start: not silently "until the end of the period"
    "с 01.09.2023",
    "с сентября 2023 г.",
    "до 20 числа",  # which month?
    "3 раза в год",  # which months?
    "ежеквартально до 5 числа",  # which month of the quarter?
    "с 2030 года ежегодно",  # no occurrence inside the period
    "29 февраля ежегодно",
    "в течение всего периода 2022-2024",
    # an unscheduled marker with a date in its tail is not silently unscheduled
    "по мере необходимости, но не позднее 15.05.2022",
]


@pytest.mark.parametrize("phrase", UNREADABLE, ids=repr)
def test_unreadable_phrase_raises_an_error_that_quotes_it(phrase: str) -> None:
    with pytest.raises(DeadlineError) as raised:
        parse_deadline(phrase, period_start=P_START, period_end=P_END)
    assert raised.value.phrase == phrase
    assert f"«{' '.join(phrase.split())}»" in str(raised.value)
    assert raised.value.expected
    assert raised.value.example and "«" in raised.value.example


def test_unknown_phrase_error_names_what_was_expected() -> None:
    with pytest.raises(DeadlineError) as raised:
        parse_deadline("как можно скорее", period_start=P_START, period_end=P_END)
    message = str(raised.value)
    assert message == (
        "срок «как можно скорее» не прочитан: такая форма срока неизвестна. Понято: ничего; "
        "чтение остановилось на «как».\n"
        "Так читается: «до 15 мая 2022 г.», «IV квартал 2023 г.», «ежемесячно до 20 числа»."
    )
    assert len(message) < 300


def test_inverted_period_is_a_deadline_error() -> None:
    with pytest.raises(DeadlineError):
        parse_deadline("май 2022", period_start=P_END, period_end=P_START)


# --- properties ------------------------------------------------------------------------------

_VOCABULARY = (
    "до с по в к на не позднее течение период всего ежегодно ежеквартально ежемесячно постоянно "
    "далее необходимости мере последующим обновлением года г гг г.г. учебный год квартал кв. "
    "полугодие декада I II III IV 1 2 3 10 15 29 31 00 2021 2022 2023 2024 2025 1899 9999 "
    "15.05 15.05.2022 31.02.2022 29.02 30.08..2022 май мая декабрь января февраля сентября "
    "- — – , ( ) . .. / * « » рабочих календарных дней недель месяца 3-месячный срок и первый "
    "второе -й -я"
).split()


def _assert_well_formed(schedule: Schedule) -> None:
    assert schedule.kind in ("once", "recurring", "continuous", "unscheduled", "relative")
    for occurrence in schedule.occurrences:
        assert occurrence.start is None or occurrence.start <= occurrence.due
    dues = [occurrence.due for occurrence in schedule.occurrences]
    assert dues == sorted(dues)
    assert (schedule.kind in ("unscheduled", "relative")) == (not schedule.occurrences)


@settings(max_examples=400, deadline=None)
@given(phrase=st.text(max_size=60))
def test_any_text_parses_or_raises_a_deadline_error(phrase: str) -> None:
    try:
        schedule = parse_deadline(phrase, period_start=P_START, period_end=P_END)
    except DeadlineError as error:
        assert error.phrase == phrase
    else:
        _assert_well_formed(schedule)


@settings(max_examples=1500, deadline=None)
@given(
    words=st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=8),
    glue=st.sampled_from([" ", "", "  ", "\n"]),
    step_start=st.none() | st.dates(min_value=date(2022, 1, 1), max_value=date(2024, 12, 31)),
)
def test_deadline_words_in_any_order_parse_or_raise_a_deadline_error(
    words: list[str], glue: str, step_start: date | None
) -> None:
    phrase = glue.join(words)
    try:
        schedule = parse_deadline(
            phrase, period_start=P_START, period_end=P_END, step_start=step_start
        )
    except DeadlineError as error:
        assert error.phrase == phrase
    else:
        _assert_well_formed(schedule)


_GENITIVE_MONTHS = (
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()
)


@settings(max_examples=300, deadline=None)
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dotted_date_round_trips(day: date) -> None:
    schedule = parse_deadline(f"до {day:%d.%m.%Y}", period_start=P_START, period_end=P_END)
    assert (schedule.kind, schedule.occurrences) == ("once", (Occurrence(None, day),))


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    year_word=st.sampled_from(["г.", "г", "года", "", "г.г."]),
)
def test_worded_date_round_trips(day: date, year_word: str) -> None:
    phrase = f"не позднее {day.day} {_GENITIVE_MONTHS[day.month - 1]} {day.year} {year_word}"
    schedule = parse_deadline(phrase, period_start=P_START, period_end=P_END)
    assert schedule.occurrences == (Occurrence(None, day),)
