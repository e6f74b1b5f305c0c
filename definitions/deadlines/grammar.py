"""Grammar section «clauses»: the recursive-descent parser of a token list. Each clause
(recurrence words, «каждого года», frequencies, «с 2023 года - ежегодно», «с последующим …»,
«далее - по необходимости», «постоянно», «в течение года» after a month, dated items) is a
method; every token must belong to some clause.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from common.russian import (
    plural_ru,
)
from definitions.deadlines.base import _MAX_YEAR, _MIN_YEAR, _date, _Unreadable
from definitions.deadlines.dates import _LIMITS, _Item, _Point
from definitions.deadlines.tokens import _NUMBER_WORDS, _Token


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
                    raise _Unreadable(code="deadline.unknown_form")
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
            raise _Unreadable(
                code="deadline.two_recurrences",
                example="«ежегодно до 1 марта»",
            )
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
                code="deadline.which_months",
                # the words read, as the phrase says them: «3 раза в год»
                frequency=f"{count} {plural_ru(count, 'раз', 'раза', 'раз')} в {_SPAN_WORDS[span]}",
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
            # «15.05.2024г. по 30.05.2024г.»: a day, then «по» and the last day (no «с» before it)
            or (prefix == "plain" and first.unit == "day" and separator.text == "по")
        ):
            self.pos += 1
            last = self._point()
            if last is None:
                self.pos = before_end
        if first.unit == "index" and last is None:
            month = self._month_of_a_day_list()
            if month is not None:
                # «2, 3 мая 2024 года»: a day listed before others takes their month
                first = self._checked(_Point("day", None, month, first.number))
        if first.unit == "index" and last is None:
            raise _Unreadable(
                code="deadline.number_needs_unit",
                number=first.number,
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

    def _month_of_a_day_list(self) -> int | None:
        """The month of «2, 3 мая» / «7 и 8 мая» when a bare day is followed by such a list."""
        index = self.pos
        while True:
            separator = self._peek(index - self.pos)
            if separator is None or not (separator.kind == "," or separator.text == "и"):
                return None
            number = self._peek(index - self.pos + 1)
            if number is None or number.kind != "num":
                return None
            after = self._peek(index - self.pos + 2)
            if after is not None and after.kind == "month":
                return after.value
            index += 2

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
                        code="deadline.decade_needs_month", example="«1 декада ноября 2022 г.»"
                    )
                return self._checked(_Point("decade", self._year(), month.value, token.value))
            return self._checked(
                _Point("quarter" if unit == "quarter" else "half", self._year(), 0, token.value)
            )
        if token.kind == "ord" and after_kind == "weekday":
            # «во вторую среду февраля»: that weekday of the month
            third = self._peek(2)
            if third is None or third.kind != "month":
                raise _Unreadable(
                    code="deadline.weekday_needs_month",
                    example="«во вторую среду февраля 2024 г.»",
                )
            assert following is not None
            self.pos += 3
            return self._checked(
                _Point("weekday", self._year(), third.value, token.value, weekday=following.value)
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
                raise _Unreadable(code="deadline.school_year", example="«2022-2023 учебный год»")
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
                code=(
                    "deadline.no_such_decade"
                    if point.unit == "decade"
                    else "deadline.no_such_quarter"
                    if point.unit == "quarter"
                    else "deadline.no_such_half"
                    if point.unit == "half"
                    else "deadline.no_such_day"
                ),
                number=point.number,
                limit=limit,
                example="«IV квартал 2023 г.», «2 полугодие 2023 г.», «3 декада мая 2023 г.»",
            )
        if point.unit in ("day", "month", "decade") and not 1 <= point.month <= 12:
            raise _Unreadable(code="deadline.no_such_month", example="«15.05.2022»")
        if point.unit == "day":
            # February 29 is checked against the year once the year is known.
            _date(2000 if point.year is None else point.year, point.month, point.number)
        if point.year is not None and not _MIN_YEAR <= point.year <= _MAX_YEAR:
            raise _Unreadable(
                code="deadline.year_limits",
                first=_MIN_YEAR,
                last=_MAX_YEAR,
                example="«май 2023 г.»",
            )
        return point
