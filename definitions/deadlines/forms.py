"""Grammar sections «label», «remark», «unscheduled», «continuous» and «within_year»: the
whole-phrase forms read by regular expressions before the clause grammar.
"""

from __future__ import annotations

import re
from datetime import date

from common.russian import format_date_ru
from definitions.deadlines.base import _Context, _Unreadable, render_message
from definitions.deadlines.schedule import Occurrence, _Compiled

# A label before the date: «Срок: до 1 марта 2024 г.», «Срок исполнения - май 2023».
_LABEL_RE = re.compile(
    r"^(?:срок[аи]?|дата|доклад|отчет)"
    r"(?: (?:исполнения|выполнения|реализации|проведения|представления))?"
    r" ?[:-] ?"
)


# The coordinator sets the dates later; whatever follows the marker (without dates) says who.
_UNSCHEDULED_RE = re.compile(
    r"(?:по (?:отдельн\w* )?(?:график|план)\w*"
    r"|согласно (?:график|план)\w*"
    r"|в соответствии со? (?:срок|сорок|график|план)\w*"
    r"|в (?:установленные )?сроки\b"
    r"|по мере \w+"
    r"|(?:по|при) необходимости"
    r"|по итогам (?!(?:[0-9]|i|v|перв|втор|трет|четверт|год|квартал|полугоди|месяц|учебн))\w+"
    r"|по (?:запросу|запросам|заявкам?|согласованию|приглашению)\b)"
)


# What may follow a continuous marker: a remark after a comma («постоянно, по мере поступления
# информации») or what the period belongs to («в течение всего периода реализации ЦМН»).
_CONTINUOUS_RE = re.compile(
    r"(?:постоянно|(?:в течение|на протяжении) (?:всего )?(?:периода|срока)|весь период)"
    r"(?P<tail>(?: ?[,;(-].*| (?:реализации|внедрения|действия)\b.*)?)"
)


# A continuous marker followed by a date («постоянно с 01.09.2023») goes to the grammar instead.
_DATE_HINT_RE = re.compile(
    r"[0-9]|январ|феврал|март|апрел|\bма[йяею]\b|июн|июл|август|сентябр|октябр|ноябр|декабр"
)


# Words that change the dates: a bracket holding one of them is part of the phrase, not a remark.
_SCHEDULE_WORD_RE = re.compile(
    r"ежегодн|ежекварт|ежемесячн|каждого|каждый|кажд|раз[а]? в|далее|последующ|квартал|полугоди"
    r"|декад|учебн|\bгод|постоянно|срок|не позднее|до\b|после|течение"
)


_REMARK_RE = re.compile(r" ?\(([^()]*)\)")


# A remark whose numbers are not dates: a count of days or weeks («(продолжительность 9 дней)»,
# «(7 дней)») or the classes it is for («(1 классы)», «(2 -4 классы)», «(9, 11 кл.)»).
_COUNT_REMARK_RE = re.compile(
    r"(?:продолжительность )?[0-9]+ (?:(?:календарн|учебн|рабоч)\w* )?(?:дн\w*|день|недел\w*)"
    r"(?:,? (?:и )?[0-9]+ (?:дн\w*|день))?"
    r"|[0-9][0-9 ,-]*(?:класс\w*|кл)\.?"
)


# A weekday after a date: «26 мая (пятница)», «1 сентября (вт.)». It must agree with the date.
_WEEKDAYS = {
    "пн": 0, "понедельник": 0, "вт": 1, "вторник": 1, "ср": 2, "среда": 2, "чт": 3, "четверг": 3,
    "пт": 4, "пятница": 4, "сб": 5, "суббота": 5, "вс": 6, "вск": 6, "воскресенье": 6,
}  # fmt: skip


_WEEKDAY_NAMES = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


def _check_weekdays(occurrences: list[Occurrence], weekdays: tuple[int, ...]) -> None:
    """The weekdays written in brackets name the phrase's days in order, or the phrase is refused:
    a weekday that disagrees with its date means the date (often its year) is not what was meant."""
    days = [day for occurrence in occurrences for day in (occurrence.start, occurrence.due) if day]
    if len(days) != len(weekdays):
        raise _Unreadable(
            code="deadline.weekday_which_date",
            example="«26 мая 2023 г. (пятница)»",
        )
    for day, weekday in zip(days, weekdays, strict=True):
        if day.weekday() != weekday:
            raise _Unreadable(
                code="deadline.weekday_disagrees",
                day=format_date_ru(day),
                weekday=_WEEKDAY_NAMES[day.weekday()],
                written=_WEEKDAY_NAMES[weekday],
                example="«26 мая 2023 г. (пятница)»",
            )


# A count of days after the dates: «28.10.2023г.-06.11.2023г. – 10 дней» (how long the holidays
# are). Only after a date, and never in a relative term, where the count is the term itself.
_TRAILING_COUNT_RE = re.compile(
    r" ?- ?[0-9]+ (?:(?:календарн|учебн|рабоч)\w* )?(?:дн\w*|день|недел\w*)$"
)
_RELATIVE_WORDS_RE = re.compile(r"после|со дня|с даты|течение|срок|через|позднее|позже")


def _drop_trailing_count(text: str, notes: list[str]) -> str:
    """«… – 10 дней» after the dates says how long they last; the dates are the same without it."""
    match = _TRAILING_COUNT_RE.search(text)
    if match is None:
        return text
    before = text[: match.start()]
    if not _DATE_HINT_RE.search(before) or _RELATIVE_WORDS_RE.search(before):
        return text
    notes.append(render_message("deadline.note_day_count", count=match[0].strip(" -")))
    return before


def _drop_remark(match: re.Match[str], notes: list[str], weekdays: list[int]) -> str:
    """A bracketed remark without dates or schedule words is dropped, and the reading says so."""
    inner = match[1].strip()
    weekday = _WEEKDAYS.get(inner.rstrip("."))
    if weekday is not None:
        weekdays.append(weekday)
        return ""
    if _COUNT_REMARK_RE.fullmatch(inner):
        notes.append(render_message("deadline.note_remark", remark=inner))
        return ""
    if _DATE_HINT_RE.search(inner) or (
        _SCHEDULE_WORD_RE.search(inner) and not _UNSCHEDULED_RE.search(inner)
    ):
        return match[0]
    if inner:
        notes.append(render_message("deadline.note_remark", remark=inner))
    return ""


_WITHIN_YEAR_RE = re.compile(r"в течение (?:всего |текущего |календарного )?года")


def _within_one_year(start: date, end: date) -> bool:
    """Whether the period is no longer than one year (a school year 1 Sept – 31 Aug is one)."""
    day = min(start.day, 28) if start.month == 2 else start.day
    return end < date(start.year + 1, start.month, day)


def _within_year(context: _Context) -> _Compiled:
    """«в течение года»: from the step's start to the end of its year, or each year of the period."""
    if context.step_start is not None:
        year_end = date(context.step_start.year, 12, 31)
        if context.step_start <= context.period_end < year_end:
            year_end = context.period_end
        return "continuous", [Occurrence(context.step_start, year_end)], None
    if _within_one_year(context.period_start, context.period_end):
        # A plan of one school year (1 Sept – 31 Aug) crosses a new year but is still «the year».
        if context.period_start.year != context.period_end.year:
            context.notes.append(render_message("deadline.note_within_year_plan"))
        return "continuous", [Occurrence(context.period_start, context.period_end)], None
    years = range(context.period_start.year, context.period_end.year + 1)
    occurrences = [
        Occurrence(
            max(date(year, 1, 1), context.period_start), min(date(year, 12, 31), context.period_end)
        )
        for year in years
    ]
    if len(occurrences) == 1:
        return "continuous", occurrences, None
    context.notes.append(render_message("deadline.note_within_each_year"))
    return "recurring", occurrences, None
