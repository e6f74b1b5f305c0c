"""The deadline language: Russian deadline phrases from roadmap documents, compiled to dates.

Roadmaps keep a step's deadline as the source document wrote it («до 15 мая 2022 г.»,
«ежегодно (июнь, декабрь)», «в течение 10 рабочих дней после издания приказа»);
:func:`parse_deadline` compiles it against the roadmap's period into a :class:`Schedule` of
inclusive date ranges, :func:`explain_deadline` says in Russian how it was read, and
:func:`move_days_off` applies ГК РФ ст. 193. The grammar (EBNF) and the reading rules, in Russian
for methodists, are in docs/deadlines.md; this module follows its sections in order:

1. normalisation: lower case, «ё» → «е», every dash → «-», quotes and footnote asterisks dropped,
   «..» → «.», digits split from glued words («2022г.»), ordinal endings dropped («1-я декада»);
2. whole-phrase forms, by regular expressions: a label («Срок:»), remarks in brackets without
   dates (dropped, and said), unscheduled («по отдельному графику», «по итогам мониторинга»),
   continuous («постоянно, …»), «в течение года», and relative terms («в 3-месячный срок»,
   «в течение 10 рабочих дней после …»): a relative term has no dates until its anchor (the day
   its event happened) is known — kind ``relative`` with its :class:`RelativeTerm`;
3. tokens and the clause grammar (recursive descent): dates, months, ranges, quarters, half-years,
   decades, days of the month, school and calendar years, each with an optional prefix («до»,
   «не позднее», «к концу», …), recurrences («ежегодно», «каждого года», «2 раза в год»,
   «с 2023 года - ежегодно», «с последующим ежегодным обновлением») and year windows
   («в период с 2022 по 2024 гг.»). Every token must be understood: an unknown word is a refusal
   that names it, never a guess;
4. assembly into occurrences by written rules: a phrase without a year gives every such date
   inside the period (several years: it repeats, and the schedule's ``notes`` say so); a bare
   «ежегодно» is due 31 December; a bare start («с 01.09.2023») is refused with a question;
   a recurrence that starts later than the period gives nothing before its start.

A date outside the roadmap's period is not an error here (the linter warns about it).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal, NamedTuple

from common.errors import DeadlineError
from common.russian import (
    MONTHS_GENITIVE,
    MONTHS_NOMINATIVE,
    format_date_ru,
    format_due_ru,
    plural_ru,
)
from definitions.workdays import add_working_days, is_working_day, next_working_day

__all__ = [
    "Kind",
    "Occurrence",
    "RelativeTerm",
    "Schedule",
    "explain_deadline",
    "move_days_off",
    "parse_deadline",
    "propose_anchor",
]

# relative: a term counted from an event that has not happened yet (no dates until it does).
Kind = Literal["once", "recurring", "continuous", "unscheduled", "relative"]

# The form a refusal offers when nothing more specific fits.
_EXAMPLE = "«до 15 мая 2022 г.», «IV квартал 2023 г.», «ежемесячно до 20 числа»"

_ONE_DAY = timedelta(days=1)
_MIN_YEAR = 1900
_MAX_YEAR = 2100
# Relative terms longer than this are typos («в течение 1000 дней»), not plans.
_MAX_COUNT = 1000


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One inclusive date range a step must be done in; ``start`` is None when only the due date is fixed."""

    start: date | None
    due: date
    # The calendar end of the term when it fell on a day off and ``due`` is the next working day.
    moved_from: date | None = None

    def to_json(self) -> dict[str, str | None]:
        """The occurrence as ISO dates (``moved_from`` only when the due date was moved)."""
        data = {
            "start": self.start.isoformat() if self.start else None,
            "due": self.due.isoformat(),
        }
        if self.moved_from is not None:
            data["moved_from"] = self.moved_from.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class RelativeTerm:
    """A term counted from an event: «в течение 10 рабочих дней после издания приказа».

    ``after`` is what the phrase says the event is («издания приказа»), empty when it says nothing.
    """

    count: int
    unit: Literal["day", "week", "month"]
    working: bool = False
    after: str = ""

    def due_from(self, anchor: date) -> date:
        """The last day of the term when the event happened on ``anchor`` (that day not counted)."""
        if self.unit == "day":
            if self.working:
                return add_working_days(anchor, self.count)
            return anchor + timedelta(days=self.count)
        if self.unit == "week":
            return anchor + timedelta(weeks=self.count)
        return _add_months(anchor, self.count)

    def describe(self) -> str:
        """«10 рабочих дней», «3 месяца», «2 недели» — the term in Russian."""
        count = self.count
        if self.unit == "day":
            kind = "рабочих " if self.working else "календарных " if count > 1 else ""
            if self.working and count % 10 == 1 and count % 100 != 11:
                kind = "рабочий "
            return f"{count} {kind}{plural_ru(count, 'день', 'дня', 'дней')}"
        if self.unit == "week":
            return f"{count} {plural_ru(count, 'неделя', 'недели', 'недель')}"
        return f"{count} {plural_ru(count, 'месяц', 'месяца', 'месяцев')}"

    def to_json(self) -> dict[str, Any]:
        """The term as JSON-ready data."""
        return {
            "count": self.count,
            "unit": self.unit,
            "working": self.working,
            "after": self.after,
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    """A compiled deadline: the phrase as written, its kind and its occurrences in date order."""

    phrase: str
    kind: Kind
    occurrences: tuple[Occurrence, ...]
    # A relative term («в течение 10 рабочих дней после …»): its dates come from its anchor.
    term: RelativeTerm | None = None
    # The written rules the reading applied, in Russian («год не указан: повторяется каждый год»).
    notes: tuple[str, ...] = ()
    # How a recurrence was read, in Russian: «ежемесячно, до 20-го числа».
    reading: str = ""

    def to_json(self) -> dict[str, Any]:
        """The schedule as JSON-ready data: phrase, kind, ISO-dated occurrences (and term, notes)."""
        data: dict[str, Any] = {
            "phrase": self.phrase,
            "kind": self.kind,
            "occurrences": [occurrence.to_json() for occurrence in self.occurrences],
        }
        if self.term is not None:
            data["term"] = self.term.to_json()
        if self.notes:
            data["notes"] = list(self.notes)
        return data


def parse_deadline(
    phrase: str,
    *,
    period_start: date,
    period_end: date,
    anchor: date | None = None,
    step_start: date | None = None,
    _explain: bool = False,
) -> Schedule:
    """Compile a Russian deadline phrase into a schedule of dates.

    Args:
        phrase: the deadline as the roadmap document wrote it.
        period_start: the first day of the roadmap's period.
        period_end: the last day of the roadmap's period.
        anchor: the day the event of a relative term happened («в течение 10 рабочих дней после
            издания приказа»: the day of the order). Without it a relative term has kind
            ``relative`` and no dates; its ``term`` says how to count them once the event happens.
        step_start: an explicit start of the step (a start column in the source); anchors a
            relative term when ``anchor`` is not given, and starts «в течение года».

    Raises:
        DeadlineError: the phrase cannot be read; the message (in Russian) says what was
            understood, the word where reading stopped and a form that reads.
    """
    if period_start > period_end:
        raise DeadlineError(
            phrase,
            expected=f"период дорожной карты начинается ({period_start}) позже, чем кончается ({period_end})",
        )
    context = _Context(
        period_start, period_end, anchor or step_start, step_start, [], explain=_explain
    )
    try:
        kind, occurrences, term = _compile(_normalise(phrase), context)
    except _Unreadable as error:
        raise DeadlineError(
            phrase,
            expected=error.reason,
            understood=error.understood,
            stopped_at=error.at,
            example=error.example,
        ) from None
    return Schedule(
        phrase=phrase,
        kind=kind,
        occurrences=tuple(sorted(set(occurrences), key=_occurrence_order)),
        term=term,
        notes=tuple(dict.fromkeys(context.notes)) if context.notes else (),
        reading=", ".join(context.reading) if context.reading else "",
    )


def move_days_off(schedule: Schedule) -> Schedule:
    """The schedule with each due date that falls on a day off moved to the next working day.

    ГК РФ ст. 193: when the last day of a term is a non-working day, the term ends on the next
    working day. Continuous and unscheduled schedules have no term end to move; the occurrence
    keeps the calendar date in ``moved_from``.
    """
    if schedule.kind not in ("once", "recurring"):
        return schedule
    moved = []
    changed = False
    for occurrence in schedule.occurrences:
        if occurrence.moved_from is None and not is_working_day(occurrence.due):
            changed = True
            moved.append(
                replace(occurrence, due=next_working_day(occurrence.due), moved_from=occurrence.due)
            )
        else:
            moved.append(occurrence)
    return replace(schedule, occurrences=tuple(moved)) if changed else schedule


def explain_deadline(
    phrase: str,
    *,
    period_start: date,
    period_end: date,
    anchor: date | None = None,
    keep_calendar_dates: bool = False,
) -> str:
    """How a phrase is read, in Russian, for a person: the reading, its dates and the rules applied.

    «понято как: ежемесячно, до 20-го числа; 24 раза: первое — до 20 января 2023 г. … последнее —
    до 20 декабря 2024 г.». A refusal returns the refusal's own text (what was understood, where
    reading stopped, a form that reads). The portal and ``nastavnik deadline --explain`` share it.

    Args:
        phrase: the deadline as the roadmap document wrote it.
        period_start: the first day of the roadmap's period.
        period_end: the last day of the roadmap's period.
        anchor: the day the event of a relative term happened, when known.
        keep_calendar_dates: keep a term that ends on a day off there (the default moves it).
    """
    try:
        schedule = parse_deadline(
            phrase, period_start=period_start, period_end=period_end, anchor=anchor, _explain=True
        )
    except DeadlineError as error:
        return str(error)
    if not keep_calendar_dates:
        schedule = move_days_off(schedule)
    lines = ["понято как: " + _summary(schedule)]
    lines.extend(f"правило: {note}" for note in schedule.notes)
    if any(occurrence.moved_from for occurrence in schedule.occurrences):
        lines.append(
            "правило: срок, который кончается в выходной или праздник, переносится на следующий "
            "рабочий день (ГК РФ, ст. 193)"
        )
    return "\n".join(lines)


def _format_occurrence(occurrence: Occurrence) -> str:
    due = format_due_ru(occurrence.due, occurrence.moved_from)
    if occurrence.start is None:
        return f"до {due}"
    if occurrence.start == occurrence.due:
        return due
    return f"{format_date_ru(occurrence.start)} – {due}"


def _summary(schedule: Schedule) -> str:
    """The reading of a compiled schedule in one Russian line."""
    occurrences = schedule.occurrences
    if schedule.kind == "unscheduled":
        return "без дат — сроки назначит координатор (по отдельному графику)"
    if schedule.kind == "relative" and schedule.term is not None:
        after = f"после «{schedule.term.after}»" if schedule.term.after else "после события"
        return (
            f"{schedule.term.describe()} {after}; даты появятся, когда событие произойдёт "
            "(его называет описание шага: предшествующий шаг, запуск или дата)"
        )
    if schedule.term is not None:
        return (
            f"{schedule.term.describe()} с {format_date_ru(occurrences[0].start or occurrences[0].due)}:"
            f" {_format_occurrence(occurrences[0])}"
        )
    if schedule.kind == "continuous" and len(occurrences) == 1:
        return f"постоянно, {_format_occurrence(occurrences[0])}"
    if len(occurrences) == 1:
        return f"один раз, {_format_occurrence(occurrences[0])}"
    head = f"{schedule.reading}; " if schedule.reading else ""
    count = len(occurrences)
    times = f"{count} {plural_ru(count, 'раз', 'раза', 'раз')}"
    if count <= 4:
        listed = "; ".join(_format_occurrence(occurrence) for occurrence in occurrences)
        return f"{head}{times}: {listed}"
    return (
        f"{head}{times}: первое — {_format_occurrence(occurrences[0])} … "
        f"последнее — {_format_occurrence(occurrences[-1])}"
    )


_LAUNCH_WORDS_RE = re.compile(
    r"запуск|старт|начал\w* (?:реализации|внедрения|работы)|утвержд\w* дорожн"
)
_STEM = 5


def propose_anchor(phrase: str, steps: Iterable[tuple[str, str]]) -> str | None:
    """The event a relative term counts from, proposed from its words: a step code or ``launch``.

    «в течение 10 рабочих дней после издания приказа» → the step whose title shares the most word
    stems with «издания приказа» (the first such in the list); «… с момента запуска» → ``launch``.
    None when the phrase is not a relative term or nothing matches: a person must say.

    Args:
        phrase: the deadline phrase.
        steps: (code, title) of the roadmap's steps, in order.
    """
    try:
        schedule = parse_deadline(
            phrase, period_start=date(2000, 1, 1), period_end=date(2000, 12, 31)
        )
    except DeadlineError:
        return None
    if schedule.kind != "relative" or schedule.term is None or not schedule.term.after:
        return None
    after = _normalise(schedule.term.after)
    if _LAUNCH_WORDS_RE.search(after):
        return "launch"
    wanted = {word[:_STEM] for word in re.findall(r"[а-я]{4,}", after)}
    best, best_score = None, 0
    for code, title in steps:
        stems = {word[:_STEM] for word in re.findall(r"[а-я]{4,}", _normalise(title))}
        score = len(wanted & stems)
        if score > best_score:
            best, best_score = code, score
    return best


# --- internals -------------------------------------------------------------------------------


class _Unreadable(Exception):
    """Raised inside the parser; `parse_deadline` turns it into a `DeadlineError`.

    ``reason`` says in Russian what is wrong; ``example`` is a form that reads; ``at`` and
    ``understood`` are filled by the parser: the word it stopped at and the words read before it.
    """

    def __init__(
        self,
        reason: str = "такая форма срока неизвестна",
        *,
        example: str = _EXAMPLE,
        at: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.example = example
        self.at = at
        self.understood: str | None = None


@dataclass(frozen=True, slots=True)
class _Context:
    """The dates a phrase is compiled against, and the notes of the rules its reading applied."""

    period_start: date
    period_end: date
    anchor: date | None
    step_start: date | None
    notes: list[str]
    reading: list[str] = field(default_factory=list)  # how the recurrence was read, in Russian
    explain: bool = False  # fill ``reading`` (for explain_deadline; the tick does not need it)

    @property
    def period_ru(self) -> str:
        """«1 января 2022 г. – 31 декабря 2024 г.»"""
        return f"{format_date_ru(self.period_start)} – {format_date_ru(self.period_end)}"


def _occurrence_order(occurrence: Occurrence) -> tuple[date, date]:
    """By due date, then start; an open start sorts as its due date."""
    return (occurrence.due, occurrence.start or occurrence.due)


_Compiled = tuple[Kind, list[Occurrence], RelativeTerm | None]


def _compile(text: str, context: _Context) -> _Compiled:
    """Try the whole-phrase forms, then the clause grammar."""
    if not text:
        raise _Unreadable("срок пуст")
    if text.startswith(("срок", "дата")):
        text = _LABEL_RE.sub("", text, count=1)  # «Срок: до 1 марта 2024 г.»
    while text[:1] == "(" and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1].strip(" .,;:")  # «(по мере поступления запросов)»
    if "(" in text:
        # a remark in brackets that carries no date: «ежегодно (в соответствии с планом-графиком)»,
        # «до 1 марта 2024 г. (по согласованию)»
        text = _REMARK_RE.sub(lambda match: _drop_remark(match, context), text).strip()
    match = _UNSCHEDULED_RE.match(text)
    if match and " или " in text[match.end() :]:
        # «в соответствии со сроками реализации программ … или май 2021 г.»: the dated alternative
        # is the one a deadline can hold (and the linter can check)
        alternative = text.rsplit(" или ", 1)[1]
        if _DATE_HINT_RE.search(alternative):
            context.notes.append(f"из двух вариантов взят тот, что с датой: «{alternative}»")
            return _compile(alternative, context)
    # «по мере необходимости, но не позднее 15.05.2022» has a due date: the grammar must read it.
    if match and not _DATE_HINT_RE.search(text, match.end()):
        return "unscheduled", [], None
    match = _CONTINUOUS_RE.fullmatch(text)
    if match and not _DATE_HINT_RE.search(match["tail"]):
        return "continuous", [Occurrence(context.period_start, context.period_end)], None
    if _WITHIN_YEAR_RE.fullmatch(text):
        return _within_year(context)
    match = _RELATIVE_RE.fullmatch(text) or _RELATIVE_TERM_RE.fullmatch(text)
    if match:
        return _relative(match, context)
    kind, occurrences = _assemble(_Parser(_tokenise(text)).parse(), context)
    if not occurrences:
        # «с 2030 года ежегодно» in a roadmap that ends in 2024: a schedule with no dates.
        raise _Unreadable(
            f"ни одна дата не попадает в период дорожной карты ({context.period_ru})",
            example="«с 2023 года ежегодно»",
        )
    return kind, occurrences, None


# --- normalisation ---------------------------------------------------------------------------

_CHARACTERS = str.maketrans(
    {
        "ё": "е",
        "і": "i",  # a Ukrainian/Belarusian «і» typed for the Roman numeral I
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
        **dict.fromkeys("«»\"“”„‟'‘’‚`*", ""),
    }
)
_DOT_RUN_RE = re.compile(r"\.{2,}")  # «30.08..2022»
_GLUED_RE = re.compile(r"[0-9](?=[a-zа-я])|[a-zа-я](?=[0-9])")  # «2022г.», «2020года»
# Ordinal endings carry nothing: «1-я декада», «4-й квартал», «3-х месячный».
_ORDINAL_RE = re.compile(
    r"(?<![0-9])([0-9]{1,2}) ?-? ?(?:й|я|е|го|ого|ое|ая|ый|ой|ий|ом|ей|ю|ую|ые|ых|х|ти|ми)\b"
)


def _normalise(phrase: str) -> str:
    """Lower-case and tidy a phrase so the grammar sees one spelling of each thing."""
    text = phrase.lower().translate(_CHARACTERS)
    # Callable replacements and cheap guards: this runs for every phrase the tick compiles.
    if ".." in text:
        text = _DOT_RUN_RE.sub(".", text)
    text = _GLUED_RE.sub(lambda match: match[0] + " ", text)
    text = _ORDINAL_RE.sub(lambda match: match[1], text)
    return " ".join(text.split()).strip(" .,;:")


# --- whole-phrase forms ----------------------------------------------------------------------

# A label before the date: «Срок: до 1 марта 2024 г.», «Срок исполнения - май 2023».
_LABEL_RE = re.compile(
    r"^(?:срок[аи]?|дата)(?: (?:исполнения|выполнения|реализации|проведения|представления))?"
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


def _drop_remark(match: re.Match[str], context: _Context) -> str:
    """A bracketed remark without dates or schedule words is dropped, and the reading says so."""
    inner = match[1].strip()
    if _DATE_HINT_RE.search(inner) or (
        _SCHEDULE_WORD_RE.search(inner) and not _UNSCHEDULED_RE.search(inner)
    ):
        return match[0]
    if inner:
        context.notes.append(f"примечание в скобках не меняет дат: «{inner}»")
    return ""


_WITHIN_YEAR_RE = re.compile(r"в течение (?:всего |текущего |календарного )?года")

_NUMBER_WORDS = {
    "один": 1, "одного": 1, "одной": 1, "одну": 1, "два": 2, "две": 2, "двух": 2,
    "три": 3, "трех": 3, "четыре": 4, "четырех": 4, "пять": 5, "пяти": 5,
    "шесть": 6, "шести": 6, "семь": 7, "семи": 7, "восемь": 8, "восьми": 8,
    "девять": 9, "девяти": 9, "десять": 10, "десяти": 10, "пятнадцать": 15,
    "пятнадцати": 15, "двадцать": 20, "двадцати": 20, "тридцать": 30, "тридцати": 30,
}  # fmt: skip
_COMPOUND_PREFIXES = {
    "одно": 1, "двух": 2, "трех": 3, "четырех": 4, "пяти": 5, "шести": 6,
    "семи": 7, "восьми": 8, "девяти": 9, "десяти": 10,
}  # fmt: skip
_WORD_COUNT = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
# What a relative term says about its event: «после издания приказа», «со дня утверждения».
_ANCHOR_TAIL = r"(?: (?P<link>с момента|со дня|с даты|после|от|со|с) (?P<after>.*))?"
_RELATIVE_RE = re.compile(
    r"(?:в течение|на протяжении|в срок|не позднее|не позже|через) "
    rf"(?:(?P<n>[0-9]{{1,6}}|{_WORD_COUNT}) )?"
    r"(?:(?P<calendar>рабоч|календарн)\w* )?"
    r"(?P<unit>дн(?:я|ей)|день|недел[иьюе]|месяц(?:а|ев)?)"
    rf"{_ANCHOR_TAIL}"
)
_RELATIVE_TERM_RE = re.compile(
    r"в (?:(?P<n>[0-9]{1,6}) ?-? ?"
    rf"|(?P<compound>{'|'.join(_COMPOUND_PREFIXES)}) ?-? ?)?"
    r"(?P<unit>дневный|недельный|месячный) срок"
    rf"{_ANCHOR_TAIL}"
)


def _within_year(context: _Context) -> _Compiled:
    """«в течение года»: from the step's start to the end of its year, or each year of the period."""
    if context.step_start is not None:
        year_end = date(context.step_start.year, 12, 31)
        if context.step_start <= context.period_end < year_end:
            year_end = context.period_end
        return "continuous", [Occurrence(context.step_start, year_end)], None
    years = range(context.period_start.year, context.period_end.year + 1)
    occurrences = [
        Occurrence(
            max(date(year, 1, 1), context.period_start), min(date(year, 12, 31), context.period_end)
        )
        for year in years
    ]
    if len(occurrences) == 1:
        return "continuous", occurrences, None
    context.notes.append(
        "«в течение года» в периоде из нескольких лет — в течение каждого календарного года периода"
    )
    return "recurring", occurrences, None


def _relative(match: re.Match[str], context: _Context) -> _Compiled:
    """A term counted from an event; dates only when the event's day (the anchor) is known."""
    groups = match.groupdict()
    raw = groups.get("n")
    if raw:
        count = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
    elif groups.get("compound"):
        count = _COMPOUND_PREFIXES[groups["compound"]]
    else:
        count = 1
    if not 1 <= count <= _MAX_COUNT:
        raise _Unreadable(
            f"срок должен быть от 1 до {_MAX_COUNT} дней, недель или месяцев",
            example="«в течение 10 рабочих дней после издания приказа»",
        )
    raw_unit = groups["unit"]
    unit: Literal["day", "week", "month"] = (
        "day"
        if raw_unit.startswith(("дн", "ден"))
        else "week"
        if raw_unit.startswith("недел")
        else "month"
    )
    working = groups.get("calendar") == "рабоч"
    if working and unit != "day":
        raise _Unreadable(
            "рабочими бывают только дни; недели и месяцы считаются календарными",
            example="«в течение 10 рабочих дней»",
        )
    after = (groups.get("after") or "").strip()
    anchor = context.anchor
    if after and _DATE_HINT_RE.search(after):
        # «в течение 10 дней после 01.09.2023»: the event is a named date.
        named = _named_date(after)
        anchor = named
        after = format_date_ru(named)
    term = RelativeTerm(count, unit, working, after)
    if anchor is None:
        return "relative", [], term
    try:
        due = term.due_from(anchor)
    except OverflowError:
        raise _Unreadable("срок кончается после 9999 года") from None
    return "once", [Occurrence(anchor, due)], term


def _named_date(text: str) -> date:
    """The one dated day a relative term counts from: «01.09.2023», «1 сентября 2023 г.»."""
    parsed = _Parser(_tokenise(text)).parse()
    items = parsed.items
    if len(items) != 1 or not items[0].is_day or not items[0].has_year or parsed.every:
        raise _Unreadable(
            "срок отсчитывается от одной даты с годом",
            example="«в течение 10 дней после 01.09.2023»",
        )
    return items[0].span()[0]


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year > date.max.year:
        raise OverflowError
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


# --- tokens ----------------------------------------------------------------------------------


class _Token(NamedTuple):
    """A word, number, date or punctuation mark of a normalised phrase."""

    kind: str  # date num year month ord unit every yearword school dayword word , ; ( ) - /
    text: str
    value: int = 0
    name: str = ""  # a unit's or recurrence's name: quarter, half, decade, year, month
    day: int = 0
    month: int = 0
    year: int | None = None


# Dates, numbers, words and single characters; whitespace and stray dots or colons are skipped.
_PIECE_RE = re.compile(
    r"[0-9]{1,2}\.[0-9]{1,2}(?:\.[0-9]{4}(?![0-9])|\.[0-9]{2}(?![0-9]))?"
    r"|[0-9]+|[a-zа-я]+|[^\s.:!?]"
)
_PUNCTUATION = frozenset("-,;()/")
_MONTH_RE = re.compile(
    r"(?:(?P<m1>январ)|(?P<m2>феврал)|(?P<m3>март)|(?P<m4>апрел)|(?P<m6>июн)|(?P<m7>июл)"
    r"|(?P<m8>август)|(?P<m9>сентябр)|(?P<m10>октябр)|(?P<m11>ноябр)|(?P<m12>декабр))"
    r"(?:ь|я|е|ю|ем|а|у|ом)?"
    r"|(?P<m5>ма[йяею]|маем)"
)
_MONTH_ABBREVIATIONS = {
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "авг": 8,
    "сен": 9, "сент": 9, "окт": 10, "нояб": 11, "дек": 12,
}  # fmt: skip
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_ORDINAL_STEMS = (("перв", 1), ("втор", 2), ("трет", 3), ("четверт", 4))
_UNIT_STEMS = (("квартал", "quarter"), ("полугоди", "half"), ("декад", "decade"))
_EVERY_STEMS = (
    ("ежегодн", "year"),
    ("ежекварт", "quarter"),
    ("ежемесячн", "month"),
    ("ежеполугод", "half"),
)
_YEAR_WORDS = frozenset({"г", "гг", "год", "года", "году", "годы", "годов", "годах", "годом"})


def _classify(word: str) -> _Token:
    """What a word is: a month, a numeral, a unit, a recurrence, or just a word."""
    match = _MONTH_RE.fullmatch(word)
    if match:
        group = match.lastgroup or ""
        return _Token("month", word, int(group[1:]))
    if word in _MONTH_ABBREVIATIONS:
        return _Token("month", word, _MONTH_ABBREVIATIONS[word])
    if word in _ROMAN:
        return _Token("ord", word, _ROMAN[word])
    if word in _YEAR_WORDS:
        return _Token("yearword", word)
    if word == "кв":
        return _Token("unit", word, name="quarter")
    if word in ("числа", "число", "чисел"):
        return _Token("dayword", word)
    if word == "уч" or word.startswith("учебн"):
        return _Token("school", word)
    for stem, number in _ORDINAL_STEMS:
        if word.startswith(stem):
            return _Token("ord", word, number)
    for stem, unit in _UNIT_STEMS:
        if word.startswith(stem):
            return _Token("unit", word, name=unit)
    for stem, unit in _EVERY_STEMS:
        if word.startswith(stem):
            return _Token("every", word, name=unit)
    return _Token("word", word)


def _tokenise(text: str) -> list[_Token]:
    """Split a normalised phrase into tokens; a character the grammar has no use for is an error."""
    tokens = [_token(piece) for piece in _PIECE_RE.findall(text)]
    for token in tokens:
        if token.kind == "bad":
            raise _Unreadable(f"знак «{token.text}» в сроке ничего не значит", at=token.text)
    return tokens


@lru_cache(maxsize=4096)
def _token(piece: str) -> _Token:
    """The token for one piece of text, looked up once per distinct piece."""
    first = piece[0]
    if "0" <= first <= "9":
        if "." in piece:
            day, month, *rest = piece.split(".")
            year = int(rest[0]) if rest else None
            if year is not None and year < 100:
                year += 2000  # «15.05.22»
            return _Token("date", piece, day=int(day), month=int(month), year=year)
        # Longer numbers are never a day, a count or a year; keep them out of int() limits.
        number = int(piece) if len(piece) <= 9 else 10**9
        is_year = len(piece) == 4 and _MIN_YEAR <= number <= _MAX_YEAR
        return _Token("year" if is_year else "num", piece, number)
    if first in _PUNCTUATION:
        return _Token(piece, piece)
    if "a" <= first <= "z" or "а" <= first <= "я":
        return _classify(piece)
    return _Token("bad", piece)


# --- the grammar -----------------------------------------------------------------------------

# dom: a day of any month («до 20 числа»), read with a recurrence.
_Unit = Literal["day", "month", "decade", "quarter", "half", "year", "school", "index", "dom"]


@dataclass(frozen=True, slots=True)
class _Point:
    """A calendar unit, possibly without its year; ``index`` is a bare number awaiting its unit."""

    unit: _Unit
    year: int | None = None
    month: int = 0
    number: int = 0  # the day of the month, or which decade, quarter or half-year
    # «… месяца (года), следующего за отчетным»: the day falls in the unit after the reported one.
    following: bool = False

    def bounds(self, year: int) -> tuple[date, date]:
        """The first and last day of this unit in ``year``."""
        if self.unit == "day":
            day = _date(year, self.month, self.number)
            return day, day
        if self.unit == "month":
            return _date(year, self.month, 1), _month_end(year, self.month)
        if self.unit == "decade":
            first = 1 + 10 * (self.number - 1)
            last = (
                _month_end(year, self.month)
                if self.number == 3
                else _date(year, self.month, first + 9)
            )
            return _date(year, self.month, first), last
        if self.unit == "quarter":
            return _date(year, 3 * self.number - 2, 1), _month_end(year, 3 * self.number)
        if self.unit == "half":
            return _date(year, 6 * self.number - 5, 1), _month_end(year, 6 * self.number)
        if self.unit == "year":
            return _date(year, 1, 1), _date(year, 12, 31)
        if self.unit == "school":
            return _date(year, 9, 1), _date(year + 1, 8, 31)
        if self.unit == "dom":
            raise _Unreadable(
                f"«{self.number} числа» — какого месяца? Нужен месяц или повторение",
                example=f"«ежемесячно до {self.number} числа», «до {self.number} мая 2023 г.»",
            )
        raise _Unreadable(
            f"к числу {self.number} нужен месяц или единица (квартал, полугодие, декада)",
            example=f"«{self.number} мая 2023 г.», «{self.number} квартал 2023 г.»",
        )

    def shifted(self, years: int) -> _Point:
        """The same unit ``years`` later."""
        return self if self.year is None else replace(self, year=self.year + years)


_LIMITS = {"decade": 3, "quarter": 4, "half": 2, "dom": 31}
_UNIT_NAMES = {"decade": "декады", "quarter": "квартала", "half": "полугодия", "dom": "числа"}


@dataclass(frozen=True, slots=True)
class _Item:
    """One date expression with its prefix: a point or a range of two points."""

    prefix: str  # plain until by at during from
    first: _Point
    last: _Point | None = None

    @property
    def has_year(self) -> bool:
        """Whether a year is written on either end."""
        return self.first.year is not None or (self.last is not None and self.last.year is not None)

    @property
    def is_day(self) -> bool:
        """A single day: its start is open («15 мая» means «by 15 May»)."""
        return self.last is None and self.first.unit == "day"

    @property
    def is_open(self) -> bool:
        """«с 01.09.2023»: a start with no end."""
        return self.prefix == "from" and self.last is None

    @property
    def is_year_range(self) -> bool:
        """«с 2022 по 2024 гг.»: can also be read as the years a recurrence runs in."""
        return (
            self.last is not None
            and self.first.unit == self.last.unit == "year"
            and self.prefix in ("plain", "from", "during")
        )

    @property
    def shape(self) -> tuple[str, str | None, bool, str]:
        """Items listed together must share it: «июнь 2023, декабрь 2023», not «2024 декабрь».

        A month and a range of months are one shape («сентябрь, декабрь - январь, май»), so are
        a day and a range of days.
        """
        unit = self.first.unit
        last = self.last.unit if self.last else (unit if unit in ("month", "day") else None)
        prefix = "plain" if unit in ("month", "day") and self.prefix == "during" else self.prefix
        return (unit, last, self.has_year, prefix)

    def shifted(self, years: int) -> _Item:
        """The same expression ``years`` later (for yearly repeats)."""
        return replace(
            self,
            first=self.first.shifted(years),
            last=self.last.shifted(years) if self.last else None,
        )

    def span(self, year: int | None = None) -> tuple[date, date, int]:
        """First day, last day and the year the span starts in; ``year`` fills a missing start year."""
        first, last = self.first, self.last or self.first
        inherited = first.unit == "index"
        if inherited:
            if last.unit not in ("day", "decade", "quarter", "half"):
                raise _Unreadable(
                    f"к числу {first.number} нужна единица", example="«1 - 15 мая 2023 г.»"
                )
            first = replace(first, unit=last.unit, month=last.month, year=first.year or last.year)
        first_year, last_year = first.year, last.year
        if first_year is None and last_year is None:
            if year is None:
                raise _Unreadable("не указан год", example="«май 2023 г.»")
            first_year = last_year = year
            crosses = first.bounds(year)[0] > last.bounds(year)[0]
            if self.last is not None and not inherited and crosses:
                last_year = year + 1  # «ноябрь - февраль»: the range crosses New Year
        elif first_year is None:
            assert last_year is not None
            first_year = last_year
            if not inherited and first.bounds(first_year)[0] > last.bounds(last_year)[0]:
                first_year -= 1
        elif last_year is None:
            last_year = first_year
            if first.bounds(first_year)[0] > last.bounds(last_year)[0]:
                last_year += 1
        start, end = first.bounds(first_year)[0], last.bounds(last_year)[1]
        if start > end:
            raise _Unreadable(
                "начало промежутка позже его конца", example="«с 1 по 15 сентября 2022 г.»"
            )
        return start, end, first_year

    def occurrence(self, year: int | None = None) -> Occurrence:
        """The item's dates with its prefix applied: «до декабря» ends the day before December."""
        start, end, _ = self.span(year)
        if self.prefix == "end" and self.first.unit == "school" and self.last is None:
            # «к концу учебного года»: the lessons end in May (the school year itself on 31 August)
            return Occurrence(None, date(end.year, 5, 31))
        if self.prefix == "end":
            return Occurrence(None, end)
        if self.prefix == "until":
            return Occurrence(None, end if self.is_day else start - _ONE_DAY)
        if self.prefix == "by" or self.is_day:
            return Occurrence(None, end)
        return Occurrence(start, end)


@dataclass(slots=True)
class _Parsed:
    """What the clauses of a phrase said."""

    items: list[_Item] = field(default_factory=list)
    every: str | None = None  # year quarter month
    every_from: int | None = None  # «с 2023 года - ежегодно»
    continuous: bool = False  # «постоянно …»
    through_year: bool = False  # «сентябрь, в течение года»: from that month for twelve months


_PREFIXES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("не", "позднее", "конца"), "end"),
    (("к", "концу"), "end"),
    (("к", "окончанию"), "end"),
    (("до", "конца"), "end"),
    (("до", "окончания"), "end"),
    (("на", "конец"), "end"),
    (("в", "конце"), "end"),
    (("конец",), "end"),
    (("окончание",), "end"),
    (("в", "срок", "не", "позднее"), "by"),
    (("в", "срок", "до"), "until"),
    (("срок", "до"), "until"),
    (("не", "позднее"), "by"),
    (("не", "позже"), "by"),
    (("в", "период", "с"), "from"),
    (("в", "период", "со"), "from"),
    (("начиная", "с"), "from"),
    (("начиная", "со"), "from"),
    (("в", "течение"), "during"),
    (("на", "протяжении"), "during"),
    (("в", "период"), "during"),
    (("до",), "until"),
    (("к",), "until"),
    (("по",), "by"),
    (("на",), "at"),
    (("с",), "from"),
    (("со",), "from"),
    (("в",), "during"),
    (("во",), "during"),
)
# Prefixes by their first word, longest first, so «в срок до» wins over «в».
_PREFIX_INDEX: dict[str | None, tuple[tuple[tuple[str, ...], str], ...]] = {
    first: tuple(entry for entry in _PREFIXES if entry[0][0] == first)
    for first in {words[0] for words, _ in _PREFIXES}
}
_SEPARATORS = frozenset({",", ";", "(", ")"})
# A count per span («2 раза в год») and the recurrence it means: one occurrence per sub-span.
_FREQUENCIES = {
    (1, "year"): "year",
    (2, "year"): "half",
    (4, "year"): "quarter",
    (12, "year"): "month",
    (1, "half"): "half",
    (2, "half"): "quarter",
    (6, "half"): "month",
    (1, "quarter"): "quarter",
    (3, "quarter"): "month",
    (1, "month"): "month",
}
_FREQUENCY_WORDS = frozenset({"раз", "раза"})
_SPAN_WORDS = {"year": "год", "half": "полугодие", "quarter": "квартал", "month": "месяц"}
_SEPARATOR_WORDS = frozenset({"и", "а", "также"})


class _Parser:
    """Reads a token list clause by clause; every token must belong to some clause."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        # Word texts by position (None for numbers and punctuation): sequences compare as slices.
        self.words = tuple(token.text if token.kind == "word" else None for token in tokens)
        self.pos = 0
        self.parsed = _Parsed()
        self.prefix_now = "plain"  # the prefix of the item being read

    def parse(self) -> _Parsed:
        """Read every clause; raise on the first token no clause accepts."""
        # The clauses a token can open, tried in order; a word opens few of them.
        dated = (self._every, self._frequency, self._item)
        plain = (self._frequency, self._item)
        by_word = {
            "постоянно": (self._constantly,),
            "с": (self._since_every, self._followed_by_every, self._item),
            "со": (self._since_every, self._item),
            "начиная": (self._since_every, self._item),
            "далее": (self._as_needed,),
            "по": (self._as_needed, self._item),
            "при": (self._as_needed, self._item),
            "в": (self._through_year, self._frequency, self._item),
            "не": (self._frequency, self._item),
        }
        try:
            while self.pos < len(self.tokens):
                token = self.tokens[self.pos]
                if token.kind in _SEPARATORS or (
                    token.kind == "word" and token.text in _SEPARATOR_WORDS
                ):
                    self.pos += 1
                    continue
                if token.kind == "word":
                    clauses = by_word.get(token.text) or (
                        (self._each,) if token.text.startswith("кажд") else plain
                    )
                elif token.kind == "-":
                    clauses = (self._as_needed, self._item)
                else:
                    clauses = dated
                for clause in clauses:
                    start = self.pos
                    if clause():
                        break
                    self.pos = start
                else:
                    raise _Unreadable()
        except _Unreadable as error:
            if error.at is None and self.pos < len(self.tokens):
                error.at = self.tokens[self.pos].text
            if error.understood is None:
                error.understood = " ".join(token.text for token in self.tokens[: self.pos])
            raise
        return self.parsed

    # token helpers

    def _peek(self, offset: int = 0) -> _Token | None:
        """The token ``offset`` places ahead, if any."""
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def _take(self, kind: str) -> _Token | None:
        """Consume and return the next token if it is of ``kind``."""
        token = self._peek()
        if token is not None and token.kind == kind:
            self.pos += 1
            return token
        return None

    def _words(self, *words: str) -> bool:
        """Consume the exact word sequence if it comes next."""
        end = self.pos + len(words)
        if self.words[self.pos : end] == words:
            self.pos = end
            return True
        return False

    def _skip_year_words(self) -> None:
        """Skip «г.», «гг.», «года» after a year."""
        while self._take("yearword"):
            pass

    def _year(self) -> int | None:
        """An optional year with its trailing year words."""
        token = self._take("year")
        if token is None:
            return None
        self._skip_year_words()
        return token.value

    # clauses

    def _set_every(self, unit: str) -> None:
        """Record the recurrence; two different ones in a phrase are an error."""
        if self.parsed.every not in (None, unit):
            raise _Unreadable("one recurrence («ежегодно», «ежеквартально» or «ежемесячно»)")
        self.parsed.every = unit

    def _every(self) -> bool:
        """«ежегодно», «ежеквартально», «ежемесячно», and «ежегодно с 2023 года»."""
        token = self._take("every")
        if token is None:
            return False
        self._set_every(token.name)
        start = self.pos
        if self._words("с") or self._words("начиная", "с"):
            year = self._take("year")
            after = self._peek()
            if year is not None and (after is None or after.kind in ("yearword", ",", ";", ")")):
                self._skip_year_words()
                self.parsed.every_from = year.value
                return True
        self.pos = start
        return True

    def _since_every(self) -> bool:
        """«с 2023 года - ежегодно»: the recurrence starts in a given year."""
        if not (self._words("с") or self._words("со") or self._words("начиная", "с")):
            return False
        year = self._year()
        if year is None:
            return False
        self._take("-")
        token = self._take("every")
        if token is None:
            return False
        self._set_every(token.name)
        self.parsed.every_from = year
        return True

    def _each(self) -> bool:
        """«каждого года», «каждый месяц», «каждого квартала»: a recurrence in two words."""
        word = self.words[self.pos]
        if word is None or not word.startswith("кажд"):
            return False
        self.pos += 1
        token = self._peek()
        if token is None:
            return False
        if token.kind == "yearword" or token.text.startswith("учебн"):
            unit = "year"
        elif token.kind == "unit" and token.name in ("quarter", "half"):
            unit = token.name
        elif token.text.startswith("месяц"):
            unit = "month"
        else:
            return False
        self.pos += 1
        self._skip_year_words()
        self._set_every(unit)
        return True

    def _frequency(self) -> bool:
        """«1 раз в квартал», «2 раза в год», «не реже одного раза в месяц»: a recurrence by count."""
        if not _FREQUENCY_WORDS.intersection(self.words[self.pos : self.pos + 4]):
            return False  # cheap: most numbers open a date
        self._words("не", "реже")
        token = self._peek()
        count = 1
        if token is not None and token.kind in ("num", "ord"):
            count = token.value
            self.pos += 1
        elif token is not None and token.text in _NUMBER_WORDS:
            count = _NUMBER_WORDS[token.text]
            self.pos += 1
        if not (self._words("раз") or self._words("раза")):
            return False
        self._words("в")
        per = self._peek()
        if per is None:
            return False
        if per.kind == "yearword" or per.text.startswith("учебн"):
            span = "year"
        elif per.kind == "unit" and per.name in ("quarter", "half"):
            span = per.name
        elif per.text.startswith("месяц"):
            span = "month"
        else:
            return False
        self.pos += 1
        self._skip_year_words()
        unit = _FREQUENCIES.get((count, span))
        if unit is None:
            raise _Unreadable(
                f"«{count} {plural_ru(count, 'раз', 'раза', 'раз')} в {_SPAN_WORDS[span]}» — "
                "в какие месяцы? Назовите их",
                example="«2 раза в год» (по полугодиям), «ежегодно (октябрь, март)»",
            )
        self._set_every(unit)
        return True

    def _through_year(self) -> bool:
        """«сентябрь, в течение года»: the listed month opens twelve months of work."""
        if not self.parsed.items or not self._words("в", "течение"):
            return False
        token = self._take("yearword")
        if token is None:
            return False
        self.parsed.through_year = True
        return True

    def _followed_by_every(self) -> bool:
        """«с последующим ежегодным обновлением»: repeats after the dated first occurrence."""
        token = self._peek(1)
        if not (self._words("с") and token is not None and token.text.startswith("последующ")):
            return False
        self.pos += 1
        every = self._take("every")
        if every is None:
            return False
        self._set_every(every.name)
        self._take("word")  # the noun: обновлением, актуализацией, уточнением
        return True

    def _as_needed(self) -> bool:
        """«(далее — по необходимости)» after a date: the dates stand, the rest is up to people."""
        self._words("далее")
        self._take("-")
        if not (self._words("по") or self._words("при")):
            return False
        self._words("мере")
        return self._words("необходимости")

    def _constantly(self) -> bool:
        """«постоянно» before a start date («постоянно с 01.09.2023»)."""
        if self._words("постоянно"):
            self.parsed.continuous = True
            return True
        return False

    def _prefix(self) -> str:
        """What the words before a date say about it: until, by, at, during, from, or plain."""
        for words, meaning in _PREFIX_INDEX.get(self.words[self.pos], ()):
            if self._words(*words):
                return meaning
        return "plain"

    def _item(self) -> bool:
        """A date expression with an optional prefix and an optional range end."""
        prefix = self._prefix()
        self.prefix_now = prefix
        first = self._point()
        if first is None:
            return False
        last = None
        before_end = self.pos
        separator = self._peek()
        if separator is not None and (
            separator.kind == "-"
            or (prefix == "from" and separator.kind == "word" and separator.text in ("по", "до"))
        ):
            self.pos += 1
            last = self._point()
            if last is None:
                self.pos = before_end
        if first.unit == "index" and last is None:
            raise _Unreadable(
                f"к числу {first.number} нужен месяц или единица (квартал, полугодие, декада)",
                example=f"«{first.number} мая 2023 г.», «{first.number} квартал 2023 г.»",
            )
        items = self.parsed.items
        previous = items[-1] if items else None
        if (
            prefix == "plain"
            and last is None
            and first.unit == "year"
            and previous is not None
            and previous.has_year
            and previous.first.unit != "year"
        ):
            # «июнь 2023, 2024»: a bare year repeats the previous date in that year.
            _, _, previous_year = previous.span()
            assert first.year is not None
            items.append(previous.shifted(first.year - previous_year))
            return True
        items.append(_Item(prefix, first, last))
        return True

    def _point(self) -> _Point | None:
        """One calendar unit: a day, month, decade, quarter, half-year, year or school year."""
        token = self._peek()
        if token is None:
            return None
        following = self._peek(1)
        after_kind = following.kind if following else None
        if token.kind == "date":
            self.pos += 1
            if token.year is not None:
                self._skip_year_words()
            return self._checked(_Point("day", token.year, token.month, token.day))
        if token.kind == "num" and after_kind == "month":
            assert following is not None
            self.pos += 2
            year = self._year()
            point = _Point("day", year, following.value, token.value)
            if year is None and self._reported("yearword"):
                point = replace(point, following=True)  # «до 1 апреля года, следующего за отчетным»
            return self._checked(point)
        if token.kind == "num" and after_kind == "dayword":
            self.pos += 2
            point = _Point("dom", number=token.value)
            if self._reported("месяц"):
                point = replace(point, following=True)
            return self._checked(point)
        if token.kind == "yearword" and self.prefix_now == "end":
            self.pos += 1  # «к концу года»
            return _Point("year")
        if token.kind in ("num", "ord") and after_kind == "unit":
            assert following is not None
            self.pos += 2
            unit = following.name
            if unit == "decade":
                month = self._take("month")
                if month is None:
                    raise _Unreadable(
                        "после «декада» нужен месяц", example="«1 декада ноября 2022 г.»"
                    )
                return self._checked(_Point("decade", self._year(), month.value, token.value))
            return self._checked(
                _Point("quarter" if unit == "quarter" else "half", self._year(), 0, token.value)
            )
        if token.kind in ("num", "ord"):
            self.pos += 1
            return _Point("index", number=token.value)
        if token.kind == "month":
            self.pos += 1
            return self._checked(_Point("month", self._year(), token.value))
        if token.kind == "year":
            return self._year_point(token)
        if token.kind == "school" and after_kind == "yearword":
            self.pos += 1
            self._skip_year_words()
            return _Point("school")
        return None

    def _reported(self, unit: str) -> bool:
        """Consume «месяца (года), следующего за отчетным [периодом]» if it comes next."""
        start = self.pos
        token = self._peek()
        if token is not None and (token.kind == unit or token.text.startswith(unit)):
            self.pos += 1
            self._take(",")
            if self._words("следующего", "за"):
                word = self._peek()
                if word is not None and word.text.startswith("отчетн"):
                    self.pos += 1
                    after = self._peek()
                    if after is not None and after.text in ("периодом", "месяцем", "кварталом"):
                        self.pos += 1
                    return True
        self.pos = start
        return False

    def _year_point(self, token: _Token) -> _Point:
        """A calendar year, or a school year «2022-2023 учебный год» / «2022/23 уч. г.»."""
        separator, second, school = self._peek(1), self._peek(2), self._peek(3)
        if (
            separator is not None
            and separator.kind in ("-", "/")
            and second is not None
            and second.kind in ("year", "num")
            and school is not None
            and school.kind == "school"
        ):
            if second.value not in (token.value + 1, (token.value + 1) % 100):
                raise _Unreadable(
                    "a school year of two consecutive years («2022-2023 учебный год»)"
                )
            self.pos += 4
            self._skip_year_words()
            return _Point("school", token.value)
        self.pos += 1
        self._skip_year_words()
        return _Point("year", token.value)

    @staticmethod
    def _checked(point: _Point) -> _Point:
        """Reject numbers no calendar has: month 13, day 32, a fifth quarter."""
        limit = _LIMITS.get(point.unit)
        if limit is not None and not 1 <= point.number <= limit:
            raise _Unreadable(
                f"{_UNIT_NAMES[point.unit]} с номером {point.number} не бывает (их {limit})",
                example="«IV квартал 2023 г.», «2 полугодие 2023 г.», «3 декада мая 2023 г.»",
            )
        if point.unit in ("day", "month", "decade") and not 1 <= point.month <= 12:
            raise _Unreadable("месяца с таким номером нет", example="«15.05.2022»")
        if point.unit == "day":
            # February 29 is checked against the year once the year is known.
            _date(2000 if point.year is None else point.year, point.month, point.number)
        if point.year is not None and not _MIN_YEAR <= point.year <= _MAX_YEAR:
            raise _Unreadable(
                f"год должен быть от {_MIN_YEAR} до {_MAX_YEAR}", example="«май 2023 г.»"
            )
        return point


# --- from clauses to dates -------------------------------------------------------------------


def _assemble(parsed: _Parsed, context: _Context) -> tuple[Kind, list[Occurrence]]:
    """Turn what the clauses said into a kind and occurrences."""
    items = parsed.items
    if not items and parsed.every is None and not parsed.continuous:
        raise _Unreadable("в сроке нет даты")
    years: range | None = None
    ranges = [item for item in items if item.is_year_range]
    if ranges and (parsed.every == "year" or any(not item.has_year for item in items)):
        # «Декабрь, июнь в период с 2022 по 2024 г.г.»: the years the recurrence runs in.
        if len(ranges) > 1:
            raise _Unreadable(
                "указано несколько промежутков лет", example="«в период с 2022 по 2024 гг.»"
            )
        window = ranges[0]
        start, end, _ = window.span()
        years = range(start.year, end.year + 1)
        items = [item for item in items if item is not window]
    if parsed.continuous:
        if parsed.every is not None:
            raise _Unreadable(
                "«постоянно» и повторение вместе — что из двух?", example="«постоянно», «ежегодно»"
            )
        return "continuous", [_continuous(items, context)]
    if parsed.through_year:
        return _through_year(items, context)
    if parsed.every in ("quarter", "month", "half") and parsed.every_from is not None:
        # «с 2023 года ежеквартально»: the recurrence's window opens with that year.
        items = [*items, _Item("from", _Point("year", parsed.every_from))]
    if len({item.shape for item in items}) > 1:
        # «2024 декабрь», «май, декабрь 2022»: which year goes with which date would be a guess.
        raise _Unreadable(
            "в списке у одних дат есть год, у других нет (или они разного вида): какой год у каждой?",
            example="«июнь 2022 г., декабрь 2022 г.»",
        )
    if any(item.first.unit == "dom" for item in items) and parsed.every not in ("month", "quarter"):
        raise _Unreadable(
            "число месяца без месяца читается только с «ежемесячно» или «ежеквартально»",
            example="«ежемесячно до 20 числа», «до 20 мая 2023 г.»",
        )
    if parsed.every is None:
        return _dated(items, years, context)
    if context.explain:
        context.reading.append(_EVERY_WORDS[parsed.every])
        if parsed.every_from is not None:
            context.reading.append(f"с {parsed.every_from} г.")
        context.reading.extend(_describe_item(item) for item in items)
    if parsed.every == "year":
        return "recurring", _yearly(items, years, parsed.every_from, context)
    return "recurring", _every_unit(parsed.every, items, years, context)


_EVERY_WORDS = {
    "year": "ежегодно",
    "half": "раз в полугодие",
    "quarter": "ежеквартально",
    "month": "ежемесячно",
}
_PREFIX_WORDS = {
    "until": "до ",
    "by": "не позднее ",
    "end": "к концу: ",
    "from": "с ",
    "during": "",
    "at": "на ",
    "plain": "",
}
_ROMAN_WORDS = ("", "I", "II", "III", "IV")


def _describe_point(point: _Point) -> str:
    """A calendar unit in Russian: «20-го числа», «1 апреля», «май», «IV квартал»."""
    year = f" {point.year} г." if point.year is not None else ""
    if point.unit == "dom":
        following = " месяца, следующего за отчетным" if point.following else ""
        return f"{point.number}-го числа{following}"
    if point.unit == "day":
        following = " года, следующего за отчетным" if point.following else ""
        return f"{point.number} {MONTHS_GENITIVE[point.month - 1]}{year}{following}"
    if point.unit == "month":
        return f"{MONTHS_NOMINATIVE[point.month - 1]}{year}"
    if point.unit == "decade":
        return f"{point.number}-я декада {MONTHS_GENITIVE[point.month - 1]}{year}"
    if point.unit == "quarter":
        return f"{_ROMAN_WORDS[point.number]} квартал{year}"
    if point.unit == "half":
        return f"{_ROMAN_WORDS[point.number]} полугодие{year}"
    if point.unit == "school":
        return f"{point.year}/{point.year + 1} учебный год" if point.year else "учебный год"
    if point.unit == "year":
        return f"{point.year} год" if point.year else "год"
    return str(point.number)


def _describe_item(item: _Item) -> str:
    """An item in Russian: «до 20-го числа», «с 1 по 15 сентября»."""
    text = _describe_point(item.first)
    if item.last is not None:
        text = f"{text} – {_describe_point(item.last)}"
    return _PREFIX_WORDS.get(item.prefix, "") + text


def _continuous(items: list[_Item], context: _Context) -> Occurrence:
    """«постоянно» alone spans the period; «постоянно с 01.09.2023» starts on that date."""
    if not items:
        return Occurrence(context.period_start, context.period_end)
    if len(items) == 1 and items[0].is_open:
        return _open_ended(items[0], context)
    raise _Unreadable(
        "«постоянно» читается одно или с датой начала", example="«постоянно с 01.09.2023»"
    )


def _through_year(items: list[_Item], context: _Context) -> tuple[Kind, list[Occurrence]]:
    """«сентябрь, в течение года»: twelve months from the start of the named month or day."""
    if len(items) != 1 or items[0].last is not None or items[0].first.unit not in ("month", "day"):
        raise _Unreadable(
            "«в течение года» после даты читается с одним месяцем",
            example="«сентябрь, в течение года»",
        )
    item = replace(items[0], prefix="plain")
    firsts = [item.occurrence()] if item.has_year else _all_in_period(item, context)
    occurrences = []
    for first in firsts:
        start = first.start or first.due
        occurrences.append(Occurrence(start, _add_months(start, 12) - _ONE_DAY))
    context.notes.append("«…, в течение года» — двенадцать месяцев с названного месяца")
    return ("once" if len(occurrences) == 1 else "recurring"), occurrences


def _dated(
    items: list[_Item], years: range | None, context: _Context
) -> tuple[Kind, list[Occurrence]]:
    """Dates without a recurrence word: one, or one per listed date or year."""
    if any(item.is_open for item in items):
        start = items[0].first
        said = "«с …»" if start.unit == "index" else "дата начала"
        raise _Unreadable(
            f"указана только {said}, а срок окончания — нет: до какой даты?",
            example="«постоянно с 01.09.2023», «с 01.09.2023 по 31.05.2024»",
        )
    if any(item.first.following for item in items):
        raise _Unreadable(
            "«года, следующего за отчетным» читается с «ежегодно»",
            example="«ежегодно до 1 апреля года, следующего за отчетным»",
        )
    occurrences: list[Occurrence] = []
    for item in items:
        if item.has_year:
            occurrences.append(item.occurrence())
        elif years is not None:
            occurrences.extend(item.occurrence(year) for year in years)
        else:
            found = _all_in_period(item, context)
            if len(found) > 1:
                context.notes.append(
                    "год не указан, а в период попадает несколько таких дат — срок повторяется "
                    "каждый год периода"
                )
            occurrences.extend(found)
    return ("once" if len(occurrences) == 1 else "recurring"), occurrences


def _open_ended(item: _Item, context: _Context) -> Occurrence:
    """«постоянно с 01.09.2023»: from that date to the end of the period."""
    start = _start_of(item, context)
    if start > context.period_end:
        raise _Unreadable(
            f"начало позже конца периода дорожной карты ({context.period_ru})",
            example="«постоянно с 01.09.2023»",
        )
    return Occurrence(start, context.period_end)


def _start_of(item: _Item, context: _Context) -> date:
    """The first day of an item, a yearless one taken in the first year the period allows."""
    if item.has_year:
        return item.span()[0]
    occurrence = _all_in_period(replace(item, prefix="plain"), context)[0]
    return occurrence.start or occurrence.due


def _all_in_period(item: _Item, context: _Context) -> list[Occurrence]:
    """A date without a year: each one that begins (or, with no start, is due) inside the period."""
    problem: _Unreadable | None = None
    found: list[Occurrence] = []
    for year in range(context.period_start.year - 1, context.period_end.year + 1):
        try:
            occurrence = item.occurrence(year)
        except _Unreadable as error:  # 29 February in a common year
            problem = problem or error
            continue
        if context.period_start <= (occurrence.start or occurrence.due) <= context.period_end:
            found.append(occurrence)
    if found:
        return found
    if problem is not None:
        raise problem
    raise _Unreadable(
        f"год не указан, а такой даты нет в периоде дорожной карты ({context.period_ru})",
        example="«май 2023 г.»",
    )


def _overlaps(occurrence: Occurrence, context: _Context) -> bool:
    """Whether any day of the occurrence lies inside the period."""
    return (
        occurrence.due >= context.period_start
        and (occurrence.start or occurrence.due) <= context.period_end
    )


def _yearly(
    items: list[_Item], years: range | None, every_from: int | None, context: _Context
) -> list[Occurrence]:
    """«ежегодно …»: each item once a year, in the given years or those of the period."""
    period_years = range(context.period_start.year, context.period_end.year + 1)
    if not items:
        # Bare «ежегодно»: by the end of each calendar year, the last one cut at the period's end.
        context.notes.append(
            "«ежегодно» без даты — до 31 декабря каждого года (в последний год — до конца периода)"
        )
        if years is not None:
            return [Occurrence(None, date(year, 12, 31)) for year in years]
        if every_from is not None:  # «с 2023 года ежегодно»
            period_years = range(every_from, context.period_end.year + 1)
        return [
            Occurrence(None, min(date(year, 12, 31), context.period_end)) for year in period_years
        ]
    occurrences: list[Occurrence] = []
    for item in items:
        if item.first.following:
            # «ежегодно до 1 апреля года, следующего за отчетным»: a report on each year of the
            # period, due in the year after it.
            reported = years or period_years
            context.notes.append(
                "отчетный год — каждый год периода, срок — в следующем за ним году"
            )
            occurrences.extend(item.occurrence(year + 1) for year in reported)
            continue
        if item.has_year:
            # A dated first occurrence («с апреля 2023 ежегодно», «до 15.01.2022 с последующим
            # ежегодным обновлением») always stands; the repeats run to the end of the period.
            plain = replace(item, prefix="plain") if item.is_open else item
            _, _, base_year = plain.span()
            occurrences.append(plain.occurrence())
            last_year = years[-1] if years else context.period_end.year
            first_repeat = every_from if every_from is not None else base_year + 1
            for year in range(max(first_repeat, base_year + 1), last_year + 1):
                repeat = plain.shifted(year - base_year).occurrence()
                if years is not None or _overlaps(repeat, context):
                    occurrences.append(repeat)
        else:
            plain = replace(item, prefix="plain") if item.is_open else item
            candidates = years or range(context.period_start.year - 1, context.period_end.year + 1)
            for year in candidates:
                if every_from is not None and year < every_from:
                    continue  # «с 2023 г. ежегодно (июнь, декабрь)» starts in 2023
                occurrence = plain.occurrence(year)
                if (
                    every_from is not None
                    and (occurrence.start or occurrence.due).year < every_from
                ):
                    continue
                if years is not None or _overlaps(occurrence, context):
                    occurrences.append(occurrence)
    return occurrences


# The spans a quarterly or monthly recurrence can run over when given as one unit.
_WINDOW_UNITS = {
    "half": frozenset({"year", "school"}),
    "quarter": frozenset({"year", "half", "school"}),
    "month": frozenset({"year", "half", "quarter", "school"}),
}
_UNIT_MONTHS = {"half": 6, "quarter": 3, "month": 1}


def _every_unit(
    unit: str, items: list[_Item], years: range | None, context: _Context
) -> list[Occurrence]:
    """«ежеквартально», «ежемесячно»: each quarter or month of a window, cut to the window."""
    days = [item for item in items if item.first.unit == "dom"]
    items = [item for item in items if item.first.unit != "dom"]
    if len(days) > 1:
        raise _Unreadable("указано несколько чисел месяца", example="«ежемесячно до 20 числа»")
    if not items:
        if years is not None:
            start, end = date(years[0], 1, 1), date(years[-1], 12, 31)
        else:
            start, end = context.period_start, context.period_end
    elif len(items) == 1 and items[0].is_open:
        start, end = _start_of(items[0], context), context.period_end
    elif (
        len(items) == 1
        and items[0].prefix in ("plain", "during", "from")
        and (items[0].last is not None or items[0].first.unit in _WINDOW_UNITS[unit])
    ):
        occurrence = (
            items[0].occurrence() if items[0].has_year else _all_in_period(items[0], context)[0]
        )
        start, end = occurrence.start or occurrence.due, occurrence.due
    else:
        raise _Unreadable(
            "у повторения нужно начало или промежуток",
            example="«с января 2023 ежеквартально», «ежемесячно в течение 2023 года»",
        )
    if start > end:
        raise _Unreadable(
            f"начало позже конца ({format_date_ru(end)})", example="«с января 2023 ежеквартально»"
        )
    months = _UNIT_MONTHS[unit]
    day = days[0].first if days else None
    if day is not None and not day.following and unit != "month":
        raise _Unreadable(
            f"«{day.number} числа» — какого месяца {'квартала' if unit == 'quarter' else 'полугодия'}?",
            example="«ежеквартально до 5 числа месяца, следующего за отчетным»",
        )
    occurrences: list[Occurrence] = []
    month_index = (start.year * 12 + start.month - 1) // months * months
    while True:
        year, month = divmod(month_index, 12)
        unit_start = date(year, month + 1, 1)
        if unit_start > end:
            return occurrences
        last_year, last_month = divmod(month_index + months - 1, 12)
        unit_end = _month_end(last_year, last_month + 1)
        if day is None:
            occurrences.append(Occurrence(max(unit_start, start), min(unit_end, end)))
        else:
            # the day in this month, or in the month after the reported unit
            due_year, due_month = divmod(month_index + (months if day.following else 0), 12)
            due_end = _month_end(due_year, due_month + 1)
            due = due_end.replace(day=min(day.number, due_end.day))
            if due >= start and (day.following or due <= end):
                occurrences.append(Occurrence(None, due))
        month_index += months


# --- calendar helpers ------------------------------------------------------------------------


def _date(year: int, month: int, day: int) -> date:
    """A date, or an error that names the impossible one."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):  # a 12-digit "day" overflows C int
        raise _Unreadable(
            f"даты {day:02d}.{month:02d}.{year} в календаре нет", example="«28.02.2023»"
        ) from None


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_end(year: int, month: int) -> date:
    """The last day of a month."""
    if month == 2 and calendar.isleap(year):
        return _date(year, 2, 29)
    return _date(year, month, _MONTH_DAYS[month] if 1 <= month <= 12 else 1)
