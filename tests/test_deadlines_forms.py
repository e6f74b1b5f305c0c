"""The deadline forms of other municipalities' plans, the Russian explanations and the day-off rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import DeadlineError
from definitions.deadlines import (
    Occurrence,
    RelativeTerm,
    explain_deadline,
    move_days_off,
    parse_deadline,
    propose_anchor,
)
from tests.cli_helpers import Completed, run_cli

P_START, P_END = date(2023, 1, 1), date(2024, 12, 31)
SCHOOL = (date(2022, 9, 1), date(2024, 8, 31))


def dues(phrase: str, period: tuple[date, date] = (P_START, P_END)) -> list[str]:
    schedule = parse_deadline(phrase, period_start=period[0], period_end=period[1])
    return [f"{o.start or '-'}..{o.due}" for o in schedule.occurrences]


def test_day_of_month_in_a_monthly_recurrence_is_due_that_day_every_month() -> None:
    got = dues("до 20 числа ежемесячно")
    assert len(got) == 24
    assert got[0] == "-..2023-01-20" and got[1] == "-..2023-02-20" and got[-1] == "-..2024-12-20"
    assert dues("ежемесячно, до 20-го числа") == got
    # the 31st in a short month is its last day
    assert dues("ежемесячно до 31 числа", (date(2023, 1, 1), date(2023, 3, 31))) == [
        "-..2023-01-31",
        "-..2023-02-28",
        "-..2023-03-31",
    ]


def test_quarterly_report_due_in_the_month_after_the_quarter() -> None:
    assert dues("ежеквартально до 5 числа месяца, следующего за отчетным") == [
        "-..2023-04-05",
        "-..2023-07-05",
        "-..2023-10-05",
        "-..2024-01-05",
        "-..2024-04-05",
        "-..2024-07-05",
        "-..2024-10-05",
        "-..2025-01-05",
    ]


def test_yearly_report_due_in_the_year_after_each_year_of_the_period() -> None:
    assert dues("ежегодно до 1 апреля года, следующего за отчетным") == [
        "-..2024-04-01",
        "-..2025-04-01",
    ]


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("не позднее 1 сентября каждого года", ["-..2023-09-01", "-..2024-09-01"]),
        ("до 1 сентября каждого года", ["-..2023-09-01", "-..2024-09-01"]),
        (
            "2 раза в год",
            ["2023-01-01..2023-06-30", "2023-07-01..2023-12-31"]
            + ["2024-01-01..2024-06-30", "2024-07-01..2024-12-31"],
        ),
        ("1 раз в квартал", None),  # the same as «ежеквартально»
        ("не реже одного раза в квартал", None),
        ("сентябрь, в течение года", ["2023-09-01..2024-08-31", "2024-09-01..2025-08-31"]),
        ("Срок: до 1 марта 2024 г.", ["-..2024-03-01"]),
        ("до 1 марта 2024 г. (по согласованию с управлением)", ["-..2024-03-01"]),
        ("конец I полугодия 2023 г.", ["-..2023-06-30"]),
        ("к концу 2023 года", ["-..2023-12-31"]),
        ("к концу учебного года", ["-..2023-05-31", "-..2024-05-31"]),
        ("сентябрь, декабрь - январь", ["2023-09-01..2023-09-30", "2023-12-01..2024-01-31"]),
        ("сентябрь октябрь", None),
    ],
)
def test_ordinary_forms_of_other_plans_read(phrase: str, expected: list[str] | None) -> None:
    got = dues(phrase)
    if expected is not None:
        assert got[: len(expected)] == expected
    if phrase in ("1 раз в квартал", "не реже одного раза в квартал"):
        assert got == dues("ежеквартально")
    if phrase == "сентябрь октябрь":
        assert got == dues("сентябрь, октябрь")


@pytest.mark.parametrize(
    "phrase",
    [
        "по графику Минпросвещения",
        "по итогам мониторинга",
        "по мере поступления запросов",
        "(по мере поступления запросов)",
        "по запросу",
        "согласно графику",
    ],
)
def test_unscheduled_forms_have_no_dates(phrase: str) -> None:
    schedule = parse_deadline(phrase, period_start=P_START, period_end=P_END)
    assert (schedule.kind, schedule.occurrences) == ("unscheduled", ())


def test_a_later_start_of_a_yearly_recurrence_gives_nothing_before_it() -> None:
    period = (date(2022, 1, 1), date(2024, 12, 31))
    listed = dues("с 2023 г. ежегодно (июнь, декабрь)", period)
    assert listed == [
        "2023-06-01..2023-06-30",
        "2023-12-01..2023-12-31",
        "2024-06-01..2024-06-30",
        "2024-12-01..2024-12-31",
    ]
    assert all(entry >= "-..2023" for entry in dues("с 2023 года ежегодно", period))


def test_a_bare_yearly_recurrence_says_which_day_it_means() -> None:
    schedule = parse_deadline("ежегодно", period_start=P_START, period_end=P_END)
    assert [o.due for o in schedule.occurrences] == [date(2023, 12, 31), date(2024, 12, 31)]
    assert any("31 декабря" in note for note in schedule.notes)


def test_a_yearless_phrase_in_a_multi_year_period_repeats_by_a_written_rule() -> None:
    schedule = parse_deadline("IV квартал", period_start=P_START, period_end=P_END)
    assert schedule.kind == "recurring" and len(schedule.occurrences) == 2
    assert "повторяется каждый год" in explain_deadline(
        "IV квартал", period_start=P_START, period_end=P_END
    )


# --- relative terms ------------------------------------------------------------------------


def test_within_the_year_in_a_plan_of_one_school_year_is_the_whole_plan() -> None:
    # a plan of 2020/21 crosses a new year, but «в течение года» is not due on 31 December
    one_school_year = (date(2020, 9, 1), date(2021, 8, 31))
    schedule = parse_deadline(
        "В течение года", period_start=one_school_year[0], period_end=one_school_year[1]
    )
    assert schedule.kind == "continuous"
    assert dues("В течение года", one_school_year) == ["2020-09-01..2021-08-31"]
    # two school years still repeat by the written rule
    assert len(dues("в течение года", SCHOOL)) == 3


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Доклад – до 15 ноября 2021 г.", ["-..2021-11-15"]),
        ("Отчёт - до 1 июня 2022 г.", ["-..2022-06-01"]),
    ],
)
def test_a_report_label_before_the_date_reads_like_a_term_label(
    phrase: str, expected: list[str]
) -> None:
    assert dues(phrase, (date(2021, 10, 1), date(2022, 12, 31))) == expected


def test_a_year_written_once_after_a_list_of_days_belongs_to_each_day_in_order() -> None:
    year_2023_24 = (date(2023, 9, 1), date(2024, 8, 31))
    assert dues("7 февраля и 10 апреля 2024 года", year_2023_24) == [
        "-..2024-02-07",
        "-..2024-04-10",
    ]
    # out of order the year of the first day would be a guess; months stay a question too
    for phrase in ("10 декабря и 10 марта 2024 года", "май, декабрь 2022"):
        with pytest.raises(DeadlineError, match="какой год у каждой"):
            parse_deadline(phrase, period_start=year_2023_24[0], period_end=year_2023_24[1])


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("30.10.21 – 07.11.21 (продолжительность 9 дней)", ["2021-10-30..2021-11-07"]),
        ("21.02.2022 - 27.02.2022 (7 дней)", ["2022-02-21..2022-02-27"]),
        ("27.05.2022 (1 классы), 30.05.2022 (2 -4 классы)", ["-..2022-05-27", "-..2022-05-30"]),
    ],
)
def test_a_remark_counting_days_or_naming_classes_does_not_change_the_dates(
    phrase: str, expected: list[str]
) -> None:
    assert dues(phrase, (date(2021, 9, 1), date(2022, 8, 31))) == expected
    explained = explain_deadline(
        phrase, period_start=date(2021, 9, 1), period_end=date(2022, 8, 31)
    )
    assert "примечание в скобках не меняет дат" in explained


def test_a_weekday_in_brackets_must_agree_with_its_date() -> None:
    school_2020 = (date(2020, 9, 1), date(2021, 8, 31))
    assert dues("1 сентября (вт.) — 27 октября (вт.)", school_2020) == ["2020-09-01..2020-10-27"]
    assert dues("26 мая (пятница)", (date(2023, 1, 1), date(2023, 12, 31))) == ["-..2023-05-26"]
    # a graph copied from another year: 24 March 2021 is a Wednesday, so the year is not 2021
    with pytest.raises(DeadlineError, match="24 марта 2021 г. — среда, а в скобках написано"):
        parse_deadline(
            "11 января (пн.) – 24 марта (чт.)",
            period_start=school_2020[0],
            period_end=school_2020[1],
        )
    # one weekday for two dates: which one it names would be a guess
    with pytest.raises(DeadlineError, match="к какой дате"):
        parse_deadline(
            "1 сентября — 27 октября (вт.)", period_start=school_2020[0], period_end=school_2020[1]
        )


def test_a_weekday_of_a_month_reads_as_that_day() -> None:
    year_2023_24 = (date(2023, 9, 1), date(2024, 8, 31))
    # the rule for the final interview: the second Wednesday of February (14 Feb 2024)
    assert dues("во вторую среду февраля", year_2023_24) == ["-..2024-02-14"]
    assert dues("Вторая среда февраля", year_2023_24) == ["-..2024-02-14"]
    assert dues("в первую среду декабря", year_2023_24) == ["-..2023-12-06"]
    assert dues("третий понедельник апреля 2024 г.", year_2023_24) == ["-..2024-04-15"]
    # «вторник» is a weekday, not «второй»
    with pytest.raises(DeadlineError):
        parse_deadline("вторник", period_start=year_2023_24[0], period_end=year_2023_24[1])


def test_a_day_then_po_and_a_day_is_a_range_without_s() -> None:
    year_2023_24 = (date(2023, 9, 1), date(2024, 8, 31))
    assert dues("15.05.2024г. по 30.05.2024г.", year_2023_24) == ["2024-05-15..2024-05-30"]
    # «по» before a word that is not a date stays what it was
    with pytest.raises(DeadlineError):
        parse_deadline(
            "1 марта по согласованию", period_start=year_2023_24[0], period_end=year_2023_24[1]
        )


def test_days_listed_before_a_month_take_that_month() -> None:
    year_2023_24 = (date(2023, 9, 1), date(2024, 8, 31))
    assert dues("2, 3 мая 2024 года", year_2023_24) == ["-..2024-05-02", "-..2024-05-03"]
    assert dues("7 и 8 мая 2024 г.", year_2023_24) == ["-..2024-05-07", "-..2024-05-08"]
    with pytest.raises(DeadlineError, match="к числу 2 нужен месяц"):
        parse_deadline("2, 3", period_start=year_2023_24[0], period_end=year_2023_24[1])


def test_a_count_of_days_after_the_dates_does_not_change_them() -> None:
    year_2023_24 = (date(2023, 9, 1), date(2024, 8, 31))
    assert dues("28.10.2023г.-06.11.2023г. – 10 дней", year_2023_24) == ["2023-10-28..2023-11-06"]
    # a weekday on each end of a one-day range
    assert dues(
        "с 23 февраля 2024 года (пятница) по 23 февраля 2024 года (пятница)", year_2023_24
    ) == ["2024-02-23..2024-02-23"]
    # in a relative term the count is the term
    schedule = parse_deadline(
        "в течение 10 дней", period_start=year_2023_24[0], period_end=year_2023_24[1]
    )
    assert schedule.kind == "relative"


def test_the_year_after_the_reported_one_in_a_plan_of_one_year_is_the_next_year() -> None:
    year_2011 = (date(2011, 1, 1), date(2011, 12, 31))
    assert dues("не позднее 01 июня года, следующего за отчетным", year_2011) == ["-..2012-06-01"]
    # in a plan of several years it may be one report or one a year: a question
    with pytest.raises(DeadlineError, match="читается с «ежегодно»"):
        parse_deadline(
            "не позднее 01 июня года, следующего за отчетным",
            period_start=date(2011, 1, 1),
            period_end=date(2012, 12, 31),
        )


def test_a_day_of_the_month_written_as_a_word_reads() -> None:
    quarters = dues(
        "ежеквартально до пятнадцатого числа месяца, следующего за отчетным периодом",
        (date(2021, 1, 1), date(2021, 12, 31)),
    )
    assert quarters == ["-..2021-04-15", "-..2021-07-15", "-..2021-10-15", "-..2022-01-15"]


def test_relative_term_has_no_dates_until_its_anchor_and_counts_from_it() -> None:
    phrase = "в течение 10 рабочих дней после издания приказа"
    schedule = parse_deadline(phrase, period_start=P_START, period_end=P_END)
    assert schedule.kind == "relative" and schedule.occurrences == ()
    assert schedule.term == RelativeTerm(10, "day", True, "издания приказа")
    # the order signed Thu 25 Apr 2024: 10 working days across the May holidays end on 15 May
    anchored = parse_deadline(
        phrase, period_start=P_START, period_end=P_END, anchor=date(2024, 4, 25)
    )
    assert anchored.occurrences == (Occurrence(date(2024, 4, 25), date(2024, 5, 15)),)
    months = parse_deadline("в 3-месячный срок", period_start=P_START, period_end=P_END)
    assert months.term is not None and months.term.due_from(date(2023, 11, 30)) == date(2024, 2, 29)
    days = parse_deadline(
        "не позднее 30 дней со дня утверждения", period_start=P_START, period_end=P_END
    )
    assert days.term == RelativeTerm(30, "day", False, "утверждения")


def test_the_anchor_is_proposed_from_the_words_of_the_term() -> None:
    steps = [
        ("1.1", "Разработка положения о наставничестве"),
        ("1.2", "Издание приказа о внедрении целевой модели наставничества"),
        ("1.3", "Назначение куратора"),
    ]
    assert propose_anchor("в течение 10 рабочих дней после издания приказа", steps) == "1.2"
    assert propose_anchor("в течение месяца с момента запуска программы", steps) == "launch"
    assert propose_anchor("в течение месяца", steps) is None
    assert propose_anchor("май 2023", steps) is None


# --- explanations ----------------------------------------------------------------------------


def test_explanation_says_how_a_recurrence_was_read_with_its_first_and_last_dates() -> None:
    text = explain_deadline(
        "до 20 числа ежемесячно", period_start=P_START, period_end=P_END, keep_calendar_dates=True
    )
    assert text == (
        "понято как: ежемесячно, до 20-го числа; 24 раза: первое — до 20 января 2023 г. … "
        "последнее — до 20 декабря 2024 г."
    )


def test_explanation_of_a_refusal_names_the_word_and_a_form_that_reads() -> None:
    text = explain_deadline("до 15 мая 2022 г. срочно", period_start=P_START, period_end=P_END)
    assert text.startswith("срок «до 15 мая 2022 г. срочно» не прочитан")
    assert "Понято: «до 15 мая 2022 г»" in text and "остановилось на «срочно»" in text
    assert "Так читается: «" in text
    assert len(text.splitlines()) == 2


def test_refusals_are_russian() -> None:
    for phrase in ("привет", "31.02.2022", "5 квартал 2022", "в течение 10 рабочих недель"):
        with pytest.raises(DeadlineError) as raised:
            parse_deadline(phrase, period_start=P_START, period_end=P_END)
        message = str(raised.value)
        # Latin letters only in Roman numerals («IV квартал»)
        rest = message.lower().replace(phrase.lower(), "")
        assert not any("a" <= char <= "z" and char not in "ivx" for char in rest)


# --- days off ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "calendar", "moved"),
    [
        ("до 15 мая 2022 г.", "2022-05-15", "2022-05-16"),  # a Sunday
        ("до 1 мая 2024 г.", "2024-05-01", "2024-05-02"),  # Labour Day
        ("до 28 апреля 2024 г.", "2024-04-28", "2024-05-02"),  # Sun, then 29 Apr - 1 May off
        ("до 9 мая 2024 г.", "2024-05-09", "2024-05-13"),  # Victory Day, then 10 May (moved) off
        ("до 27 апреля 2024 г.", "2024-04-27", "2024-04-27"),  # a transferred working Saturday
        ("до 16 мая 2022 г.", "2022-05-16", "2022-05-16"),  # a Monday stays
    ],
)
def test_a_term_ending_on_a_day_off_moves_to_the_next_working_day(
    phrase: str, calendar: str, moved: str
) -> None:
    schedule = parse_deadline(phrase, period_start=date(2022, 1, 1), period_end=date(2024, 12, 31))
    assert schedule.occurrences[0].due == date.fromisoformat(calendar)
    after = move_days_off(schedule).occurrences[0]
    assert after.due == date.fromisoformat(moved)
    assert after.moved_from == (None if calendar == moved else date.fromisoformat(calendar))


def test_explanation_shows_the_moved_date() -> None:
    text = explain_deadline(
        "до 15 мая 2022 г.", period_start=date(2022, 1, 1), period_end=date(2022, 12, 31)
    )
    assert text.splitlines()[0] == "понято как: один раз, до 15 мая 2022 г. (вс) → 16 мая"
    assert "ГК РФ, ст. 193" in text


def test_continuous_schedules_are_not_moved() -> None:
    schedule = parse_deadline(
        "постоянно", period_start=date(2022, 1, 1), period_end=date(2022, 12, 31)
    )
    assert move_days_off(schedule) == schedule


# --- the CLI, as a user runs it ------------------------------------------------------------------


def _cli(*args: str) -> Completed:
    """`nastavnik deadline ARGS…` in this process (tests/cli_helpers.py)."""
    return run_cli("deadline", *args)


def test_cli_explains_a_reading_in_russian() -> None:
    done = _cli("до 20 числа ежемесячно", "--period", "2023-01-01:2024-12-31", "--explain")
    assert done.returncode == 0, done.stderr
    # 20 January 2023 is a Friday, 20 December 2024 a Friday: nothing moves
    assert done.stdout.splitlines()[0] == (
        "понято как: ежемесячно, до 20-го числа; 24 раза: первое — до 20 января 2023 г. … "
        "последнее — до 20 декабря 2024 г."
    )
    # 20 May 2023 is a Saturday: the rule is said
    assert "ГК РФ, ст. 193" in done.stdout


def test_cli_refusal_is_two_russian_lines_with_the_stopping_word_and_exit_2() -> None:
    done = _cli("до 15 мая 2022 г. срочно", "--period", "2022-01-01:2022-12-31", "--explain")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "остановилось на «срочно»" in lines[0]
    assert lines[1].startswith("Так читается: «")


def test_cli_shows_the_moved_date_and_can_keep_the_calendar_one() -> None:
    moved = _cli("до 15 мая 2022 г.", "--period", "2022-01-01:2022-12-31")
    assert moved.stdout.splitlines()[1].strip() == "— … 15 мая 2022 г. (вс) → 16 мая"
    kept = _cli("до 15 мая 2022 г.", "--period", "2022-01-01:2022-12-31", "--keep-calendar-dates")
    assert kept.stdout.splitlines()[1].strip() == "— … 15 мая 2022 г."


def test_cli_anchors_a_relative_term_to_a_given_day() -> None:
    waiting = _cli(
        "в течение 10 рабочих дней после издания приказа", "--period", "2024-01-01:2024-12-31"
    )
    assert waiting.stdout.startswith("relative: этапов 0")
    done = _cli(
        "в течение 10 рабочих дней после издания приказа",
        "--period",
        "2024-01-01:2024-12-31",
        "--anchor",
        "2024-04-25",
        "--explain",
    )
    assert done.stdout.startswith(
        "понято как: 10 рабочих дней с 25 апреля 2024 г.: 25 апреля 2024 г. – 15 мая 2024 г."
    )


# --- robustness: mutated real phrases ----------------------------------------------------------

_CORPUS_PHRASES = [
    line.split("\t")[0]
    for line in (Path(__file__).resolve().parent / "data" / "deadline_corpus.tsv")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
]


@settings(max_examples=400, deadline=None)
@given(
    phrase=st.sampled_from(_CORPUS_PHRASES),
    position=st.integers(min_value=0, max_value=80),
    inserted=st.text(max_size=6),
    cut=st.integers(min_value=0, max_value=3),
    anchor=st.none() | st.dates(min_value=date(2022, 1, 1), max_value=date(2024, 12, 31)),
)
def test_a_mutated_corpus_phrase_reads_or_is_refused_in_russian(
    phrase: str, position: int, inserted: str, cut: int, anchor: date | None
) -> None:
    mutated = phrase[:position] + inserted + phrase[position + cut :]
    try:
        schedule = parse_deadline(mutated, period_start=P_START, period_end=P_END, anchor=anchor)
    except DeadlineError as error:
        assert error.phrase == mutated and 1 <= len(str(error).splitlines()) <= 2
    else:
        dues = [o.due for o in schedule.occurrences]
        assert dues == sorted(dues)
        assert all(o.start is None or o.start <= o.due for o in schedule.occurrences)
        assert explain_deadline(mutated, period_start=P_START, period_end=P_END, anchor=anchor)


def test_roadmap_show_gives_the_moved_date_beside_the_written_one() -> None:
    done = run_cli("roadmap", "show", "beloyarsky-2022", env={"COLUMNS": "220"})
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("│ 1.5 "))
    assert "до 15 мая 2022 г. (вс) → 16 мая" in row
