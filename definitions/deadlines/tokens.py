"""Grammar section «tokens» (the lexer): a normalised phrase split into dates, numbers, years,
months, ordinals, units, recurrence words and punctuation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from definitions.deadlines.base import _MAX_YEAR, _MIN_YEAR, _Unreadable

_NUMBER_WORDS = {
    "один": 1, "одного": 1, "одной": 1, "одну": 1, "два": 2, "две": 2, "двух": 2,
    "три": 3, "трех": 3, "четыре": 4, "четырех": 4, "пять": 5, "пяти": 5,
    "шесть": 6, "шести": 6, "семь": 7, "семи": 7, "восемь": 8, "восьми": 8,
    "девять": 9, "девяти": 9, "десять": 10, "десяти": 10, "пятнадцать": 15,
    "пятнадцати": 15, "двадцать": 20, "двадцати": 20, "тридцать": 30, "тридцати": 30,
}  # fmt: skip


# Days of the month written as words: «до пятнадцатого числа месяца».
_DAY_WORDS = {
    "пятого": 5, "десятого": 10, "пятнадцатого": 15, "двадцатого": 20, "тридцатого": 30,
}  # fmt: skip


class _Token(NamedTuple):
    """A word, number, date or punctuation mark of a normalised phrase."""

    kind: str  # date num year month ord unit every yearword school dayword weekday word , ; ( ) - /
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


# Days of the week in the forms plans use («во вторую среду февраля»); before the ordinal stems,
# which «вторник» would otherwise match.
_WEEKDAY_RE = re.compile(
    r"(?P<d0>понедельник)|(?P<d1>вторник)|(?P<d2>сред)|(?P<d3>четверг)|(?P<d4>пятниц)"
    r"|(?P<d5>суббот)|(?P<d6>воскресень)"
)
_WEEKDAY_ENDINGS = frozenset(("", "а", "у", "ы", "е", "ю"))


def _classify(word: str) -> _Token:
    """What a word is: a month, a numeral, a unit, a recurrence, or just a word."""
    weekday = _WEEKDAY_RE.match(word)
    if weekday and word[weekday.end() :] in _WEEKDAY_ENDINGS:
        return _Token("weekday", word, int((weekday.lastgroup or "d0")[1:]))
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
    if word in _DAY_WORDS:
        return _Token("num", word, _DAY_WORDS[word])
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
            raise _Unreadable(code="deadline.meaningless_sign", sign=token.text, at=token.text)
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
