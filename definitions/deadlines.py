"""The deadline language: Russian deadline phrases from roadmap documents, compiled to dates.

Roadmaps keep a step's deadline as the source document wrote it («до 15 мая 2022 г.»,
«ежегодно (июнь, декабрь)», «в течение 10 рабочих дней»); :func:`parse_deadline` compiles it
against the roadmap's period into a :class:`Schedule` of inclusive date ranges.

How a phrase is read, in order:

1. It is normalised once: lower case, «ё» → «е», every dash → «-», quotes and footnote asterisks
   dropped, «..» → «.», digits split from glued words («2022г.»), ordinal endings dropped
   («1-я декада»), runs of whitespace collapsed.
2. Whole-phrase forms with free text after a marker are matched by regular expressions: unscheduled
   («по отдельному графику», «в сроки, определяемые …»), continuous («постоянно, …»,
   «в течение всего периода …»), «в течение года», and relative terms («в 3-месячный срок»,
   «в течение 10 рабочих дней»).
3. Anything else is tokenised and read by a small recursive-descent grammar of clauses: dates,
   months, ranges, quarters, half-years, decades, school and calendar years, each with an optional
   prefix («до», «не позднее», «с», «в течение», …), plus recurrence words («ежегодно»,
   «ежеквартально», «ежемесячно», «с 2023 года - ежегодно», «с последующим ежегодным
   обновлением») and year windows («в период с 2022 по 2024 гг.»). Every token must be
   understood: an unknown word is an error, never a guess.

A date outside the roadmap's period is not an error here (the linter warns about it); a phrase
without a year takes the first such date inside the period.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal, NamedTuple

from definitions.workdays import add_working_days
from nastavnik.errors import DeadlineError

__all__ = ["Kind", "Occurrence", "Schedule", "parse_deadline"]

Kind = Literal["once", "recurring", "continuous", "unscheduled"]

_EXPECTED = (
    "a date like «15 мая 2022 г.» or «15.05.2022» (optionally after «до», «к», «не позднее», «на»), "
    "a month («май 2022»), a range («март – апрель 2022 г.», «с 1 по 15 сентября»), "
    "a quarter («I квартал 2023»), a half-year («2 полугодие 2023»), "
    "a decade («1 декада ноября 2022»), a school year («2022-2023 учебный год»), "
    "a year («в течение 2022 года»), a recurrence («ежегодно (июнь, декабрь)», "
    "«с января 2023 ежеквартально»), «постоянно», «в течение всего периода», "
    "a relative term («в течение 10 рабочих дней», «в 3-месячный срок») "
    "or an unscheduled one («по отдельному графику», «по мере необходимости»)"
)

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

    def to_json(self) -> dict[str, str | None]:
        """The occurrence as ISO dates."""
        return {
            "start": self.start.isoformat() if self.start else None,
            "due": self.due.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    """A compiled deadline: the phrase as written, its kind and its occurrences in date order."""

    phrase: str
    kind: Kind
    occurrences: tuple[Occurrence, ...]

    def to_json(self) -> dict[str, Any]:
        """The schedule as JSON-ready data: phrase, kind and ISO-dated occurrences."""
        return {
            "phrase": self.phrase,
            "kind": self.kind,
            "occurrences": [occurrence.to_json() for occurrence in self.occurrences],
        }


def parse_deadline(
    phrase: str,
    *,
    period_start: date,
    period_end: date,
    step_start: date | None = None,
) -> Schedule:
    """Compile a Russian deadline phrase into a schedule of dates.

    Args:
        phrase: the deadline as the roadmap document wrote it.
        period_start: the first day of the roadmap's period.
        period_end: the last day of the roadmap's period.
        step_start: the anchor of relative terms («в течение 10 рабочих дней»); defaults to
            ``period_start``.

    Raises:
        DeadlineError: the phrase cannot be read; the message quotes it and says what was expected.
    """
    if period_start > period_end:
        raise DeadlineError(
            phrase,
            expected=f"a roadmap period whose start {period_start} is not after its end {period_end}",
        )
    context = _Context(period_start, period_end, step_start or period_start)
    try:
        kind, occurrences = _compile(_normalise(phrase), context)
    except _Unreadable as error:
        raise DeadlineError(phrase, expected=error.expected) from None
    return Schedule(
        phrase=phrase,
        kind=kind,
        occurrences=tuple(sorted(set(occurrences), key=_occurrence_order)),
    )


# --- internals -------------------------------------------------------------------------------


class _Unreadable(Exception):
    """Raised inside the parser; `parse_deadline` turns it into a `DeadlineError`."""

    def __init__(self, expected: str = _EXPECTED) -> None:
        super().__init__(expected)
        self.expected = expected


@dataclass(frozen=True, slots=True)
class _Context:
    """The dates a phrase is compiled against."""

    period_start: date
    period_end: date
    anchor: date


def _occurrence_order(occurrence: Occurrence) -> tuple[date, date]:
    """By due date, then start; an open start sorts as its due date."""
    return (occurrence.due, occurrence.start or occurrence.due)


def _compile(text: str, context: _Context) -> tuple[Kind, list[Occurrence]]:
    """Try the whole-phrase forms, then the clause grammar."""
    if not text:
        raise _Unreadable()
    if "(" in text:
        # a remark about the plan in brackets carries no date: «ежегодно (в соответствии с планом-графиком)»
        text = _REMARK_RE.sub(_drop_plan_remark, text).strip()
    match = _UNSCHEDULED_RE.match(text)
    if match and " или " in text[match.end() :]:
        # «в соответствии со сроками реализации программ … или май 2021 г.»: the dated alternative
        # is the one a deadline can hold (and the linter can check)
        alternative = text.rsplit(" или ", 1)[1]
        if _DATE_HINT_RE.search(alternative):
            return _compile(alternative, context)
    # «по мере необходимости, но не позднее 15.05.2022» has a due date: the grammar must read it.
    if match and not _DATE_HINT_RE.search(text, match.end()):
        return "unscheduled", []
    match = _CONTINUOUS_RE.fullmatch(text)
    if match and not _DATE_HINT_RE.search(match["tail"]):
        return "continuous", [Occurrence(context.period_start, context.period_end)]
    if _WITHIN_YEAR_RE.fullmatch(text):
        return "continuous", [_within_year(context)]
    match = _RELATIVE_RE.fullmatch(text) or _RELATIVE_TERM_RE.fullmatch(text)
    if match:
        return "once", [_relative(match, context)]
    kind, occurrences = _assemble(_Parser(_tokenise(text)).parse(), context)
    if not occurrences:
        # «с 2030 года ежегодно» in a roadmap that ends in 2024: a schedule with no dates.
        raise _Unreadable(
            f"a recurrence with at least one date inside the period "
            f"{context.period_start}..{context.period_end}"
        )
    return kind, occurrences


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

# The coordinator sets the dates later; whatever follows the marker (without dates) says who.
_UNSCHEDULED_RE = re.compile(
    r"(?:по отдельн\w* (?:график|план)\w*"
    r"|в соответствии со? (?:срок|сорок|график|план)\w*"
    r"|в (?:установленные )?сроки\b"
    r"|по мере \w+"
    r"|(?:по|при) необходимости"
    r"|по (?:запросу|согласованию)\b)"
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
_REMARK_RE = re.compile(r" ?\(([^()]*)\)")


def _drop_plan_remark(match: re.Match[str]) -> str:
    inner = match[1]
    return "" if _UNSCHEDULED_RE.search(inner) and not _DATE_HINT_RE.search(inner) else match[0]


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
# What a relative term may say about its anchor; the anchor itself is the step's start.
_ANCHOR_TAIL = r"(?: (?:с|со|после|от) [^0-9]*)?"
_RELATIVE_RE = re.compile(
    r"(?:в течение|на протяжении|в срок|не позднее|не позже) "
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


def _within_year(context: _Context) -> Occurrence:
    """«в течение года»: from the anchor to the end of its calendar year, within the period."""
    year_end = date(context.anchor.year, 12, 31)
    if context.anchor <= context.period_end < year_end:
        year_end = context.period_end
    return Occurrence(context.anchor, year_end)


def _relative(match: re.Match[str], context: _Context) -> Occurrence:
    """A term counted from the anchor: the anchor day itself is not counted."""
    groups = match.groupdict()
    raw = groups.get("n")
    if raw:
        count = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
    elif groups.get("compound"):
        count = _COMPOUND_PREFIXES[groups["compound"]]
    else:
        count = 1
    if not 1 <= count <= _MAX_COUNT:
        raise _Unreadable(f"a term of 1 to {_MAX_COUNT} days, weeks or months")
    unit = groups["unit"]
    working = groups.get("calendar") == "рабоч"
    anchor = context.anchor
    try:
        if unit.startswith(("дн", "ден")):
            due = add_working_days(anchor, count) if working else anchor + timedelta(days=count)
        elif working:
            raise _Unreadable("working days («10 рабочих дней»); weeks and months are calendar")
        elif unit.startswith("недел"):
            due = anchor + timedelta(weeks=count)
        else:
            due = _add_months(anchor, count)
    except OverflowError:
        raise _Unreadable("a term that ends before the year 9999") from None
    return Occurrence(anchor, due)


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

    kind: str  # date num year month ord unit every yearword school word , ; ( ) - /
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
_EVERY_STEMS = (("ежегодн", "year"), ("ежекварт", "quarter"), ("ежемесячн", "month"))
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
            raise _Unreadable(f"{_EXPECTED}; the character «{token.text}» has no meaning here")
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

_Unit = Literal["day", "month", "decade", "quarter", "half", "year", "school", "index"]


@dataclass(frozen=True, slots=True)
class _Point:
    """A calendar unit, possibly without its year; ``index`` is a bare number awaiting its unit."""

    unit: _Unit
    year: int | None = None
    month: int = 0
    number: int = 0  # the day of the month, or which decade, quarter or half-year

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
        raise _Unreadable(f"{_EXPECTED}; the number {self.number} needs a month or a unit")

    def shifted(self, years: int) -> _Point:
        """The same unit ``years`` later."""
        return self if self.year is None else replace(self, year=self.year + years)


_LIMITS = {"decade": 3, "quarter": 4, "half": 2}


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
        """Items listed together must share it: «июнь 2023, декабрь 2023», not «2024 декабрь»."""
        return (self.first.unit, self.last.unit if self.last else None, self.has_year, self.prefix)

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
                raise _Unreadable(f"{_EXPECTED}; the number {first.number} needs a unit")
            first = replace(first, unit=last.unit, month=last.month, year=first.year or last.year)
        first_year, last_year = first.year, last.year
        if first_year is None and last_year is None:
            if year is None:
                raise _Unreadable(f"{_EXPECTED}; the year is missing")
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
            raise _Unreadable("a range whose start is not after its end")
        return start, end, first_year

    def occurrence(self, year: int | None = None) -> Occurrence:
        """The item's dates with its prefix applied: «до декабря» ends the day before December."""
        start, end, _ = self.span(year)
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


_PREFIXES: tuple[tuple[tuple[str, ...], str], ...] = (
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
_SEPARATOR_WORDS = frozenset({"и", "а", "также"})


class _Parser:
    """Reads a token list clause by clause; every token must belong to some clause."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        # Word texts by position (None for numbers and punctuation): sequences compare as slices.
        self.words = tuple(token.text if token.kind == "word" else None for token in tokens)
        self.pos = 0
        self.parsed = _Parsed()

    def parse(self) -> _Parsed:
        """Read every clause; raise on the first token no clause accepts."""
        worded = (
            self._every,
            self._since_every,
            self._followed_by_every,
            self._as_needed,
            self._constantly,
            self._item,
        )
        # Only a word or a dash can open a clause other than a date: skip the tries otherwise.
        dated = (self._every, self._item)
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if token.kind in _SEPARATORS or (
                token.kind == "word" and token.text in _SEPARATOR_WORDS
            ):
                self.pos += 1
                continue
            for clause in worded if token.kind in ("word", "-") else dated:
                start = self.pos
                if clause():
                    break
                self.pos = start
            else:
                raise _Unreadable(f"{_EXPECTED}; could not read from «{token.text}»")
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
        """«ежегодно», «ежеквартально», «ежемесячно»."""
        token = self._take("every")
        if token is None:
            return False
        self._set_every(token.name)
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
            raise _Unreadable(f"{_EXPECTED}; the number {first.number} needs a month or a unit")
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
            return self._checked(_Point("day", self._year(), following.value, token.value))
        if token.kind in ("num", "ord") and after_kind == "unit":
            assert following is not None
            self.pos += 2
            unit = following.name
            if unit == "decade":
                month = self._take("month")
                if month is None:
                    raise _Unreadable("a month after «декада» («1 декада ноября»)")
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
            raise _Unreadable(f"a {point.unit} number from 1 to {limit}")
        if point.unit in ("day", "month", "decade") and not 1 <= point.month <= 12:
            raise _Unreadable("a month from 1 to 12")
        if point.unit == "day":
            # February 29 is checked against the year once the year is known.
            _date(2000 if point.year is None else point.year, point.month, point.number)
        if point.year is not None and not _MIN_YEAR <= point.year <= _MAX_YEAR:
            raise _Unreadable(f"a year from {_MIN_YEAR} to {_MAX_YEAR}")
        return point


# --- from clauses to dates -------------------------------------------------------------------


def _assemble(parsed: _Parsed, context: _Context) -> tuple[Kind, list[Occurrence]]:
    """Turn what the clauses said into a kind and occurrences."""
    items = parsed.items
    if not items and parsed.every is None and not parsed.continuous:
        raise _Unreadable()
    years: range | None = None
    ranges = [item for item in items if item.is_year_range]
    if ranges and (parsed.every == "year" or any(not item.has_year for item in items)):
        # «Декабрь, июнь в период с 2022 по 2024 г.г.»: the years the recurrence runs in.
        if len(ranges) > 1:
            raise _Unreadable("one period of years («в период с 2022 по 2024 гг.»)")
        window = ranges[0]
        start, end, _ = window.span()
        years = range(start.year, end.year + 1)
        items = [item for item in items if item is not window]
    if parsed.continuous:
        if parsed.every is not None:
            raise _Unreadable("either «постоянно» or a recurrence, not both")
        return "continuous", [_continuous(items, context)]
    if parsed.every in ("quarter", "month") and parsed.every_from is not None:
        # «с 2023 года ежеквартально»: the recurrence's window opens with that year.
        items = [*items, _Item("from", _Point("year", parsed.every_from))]
    if len({item.shape for item in items}) > 1:
        # «2024 декабрь», «май, декабрь 2022»: which year goes with which date would be a guess.
        raise _Unreadable(
            "a list of dates of one form, each with its year or none with one "
            "(«июнь, декабрь 2022 г.» → «июнь 2022 г., декабрь 2022 г.»)"
        )
    if parsed.every is None:
        return _dated(items, years, context)
    if parsed.every == "year":
        return "recurring", _yearly(items, years, parsed.every_from, context)
    return "recurring", _every_unit(parsed.every, items, years, context)


def _continuous(items: list[_Item], context: _Context) -> Occurrence:
    """«постоянно» alone spans the period; «постоянно с 01.09.2023» starts on that date."""
    if not items:
        return Occurrence(context.period_start, context.period_end)
    if len(items) == 1 and items[0].is_open:
        return _open_ended(items[0], context)
    raise _Unreadable("«постоянно» alone or with a start date («постоянно с 01.09.2023»)")


def _dated(
    items: list[_Item], years: range | None, context: _Context
) -> tuple[Kind, list[Occurrence]]:
    """Dates without a recurrence word: one, or one per listed date or year."""
    if any(item.is_open for item in items):
        if len(items) != 1:
            raise _Unreadable("a single start date («с 01.09.2023»)")
        return "continuous", [_open_ended(items[0], context)]
    occurrences: list[Occurrence] = []
    for item in items:
        if item.has_year:
            occurrences.append(item.occurrence())
        elif years is not None:
            occurrences.extend(item.occurrence(year) for year in years)
        else:
            occurrences.append(_first_in_period(item, context))
    return ("once" if len(occurrences) == 1 else "recurring"), occurrences


def _open_ended(item: _Item, context: _Context) -> Occurrence:
    """«с 01.09.2023»: from that date to the end of the period."""
    start = _start_of(item, context)
    if start > context.period_end:
        raise _Unreadable(f"a start date before the period ends ({context.period_end})")
    return Occurrence(start, context.period_end)


def _start_of(item: _Item, context: _Context) -> date:
    """The first day of an item, a yearless one taken in the first year the period allows."""
    if item.has_year:
        return item.span()[0]
    occurrence = _first_in_period(replace(item, prefix="plain"), context)
    return occurrence.start or occurrence.due


def _first_in_period(item: _Item, context: _Context) -> Occurrence:
    """A date without a year: the first one that begins (or, with no start, is due) inside the period."""
    problem: _Unreadable | None = None
    for year in range(context.period_start.year - 1, context.period_end.year + 1):
        try:
            occurrence = item.occurrence(year)
        except _Unreadable as error:  # 29 February in a common year
            problem = problem or error
            continue
        if context.period_start <= (occurrence.start or occurrence.due) <= context.period_end:
            return occurrence
    if problem is not None:
        raise problem
    raise _Unreadable(
        f"a year: the date falls nowhere inside the period "
        f"{context.period_start}..{context.period_end}"
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
        if years is not None:
            return [Occurrence(None, date(year, 12, 31)) for year in years]
        if every_from is not None:  # «с 2023 года ежегодно»
            period_years = range(every_from, context.period_end.year + 1)
        return [
            Occurrence(None, min(date(year, 12, 31), context.period_end)) for year in period_years
        ]
    occurrences: list[Occurrence] = []
    for item in items:
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
                occurrence = plain.occurrence(year)
                if years is not None or _overlaps(occurrence, context):
                    occurrences.append(occurrence)
    return occurrences


# The spans a quarterly or monthly recurrence can run over when given as one unit.
_WINDOW_UNITS = {
    "quarter": frozenset({"year", "half", "school"}),
    "month": frozenset({"year", "half", "quarter", "school"}),
}


def _every_unit(
    unit: str, items: list[_Item], years: range | None, context: _Context
) -> list[Occurrence]:
    """«ежеквартально», «ежемесячно»: each quarter or month of a window, cut to the window."""
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
            items[0].occurrence() if items[0].has_year else _first_in_period(items[0], context)
        )
        start, end = occurrence.start or occurrence.due, occurrence.due
    else:
        raise _Unreadable(
            "a recurrence with a start («с января 2023 ежеквартально») or a span "
            "(«ежемесячно в течение 2023 года»)"
        )
    if start > end:
        raise _Unreadable(f"a start date before the period ends ({end})")
    months = 3 if unit == "quarter" else 1
    occurrences: list[Occurrence] = []
    month_index = (start.year * 12 + start.month - 1) // months * months
    while True:
        year, month = divmod(month_index, 12)
        unit_start = date(year, month + 1, 1)
        if unit_start > end:
            return occurrences
        last_year, last_month = divmod(month_index + months - 1, 12)
        unit_end = _month_end(last_year, last_month + 1)
        occurrences.append(Occurrence(max(unit_start, start), min(unit_end, end)))
        month_index += months


# --- calendar helpers ------------------------------------------------------------------------


def _date(year: int, month: int, day: int) -> date:
    """A date, or an error that names the impossible one."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):  # a 12-digit "day" overflows C int
        raise _Unreadable(
            f"a real calendar date ({day:02d}.{month:02d}.{year} does not exist)"
        ) from None


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_end(year: int, month: int) -> date:
    """The last day of a month."""
    if month == 2 and calendar.isleap(year):
        return _date(year, 2, 29)
    return _date(year, month, _MONTH_DAYS[month] if 1 <= month <= 12 else 1)
