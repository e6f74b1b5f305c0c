"""Grammar sections «relative» and «event»: terms counted from an event («в течение 10 рабочих
дней после издания приказа», «в 3-месячный срок»). A relative term has no dates until its anchor
(the day its event happened) is known.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from common.russian import (
    format_date_ru,
)
from definitions.deadlines.base import _MAX_COUNT, _Context, _Unreadable
from definitions.deadlines.forms import _DATE_HINT_RE
from definitions.deadlines.grammar import _Parser
from definitions.deadlines.schedule import Occurrence, RelativeTerm, _Compiled
from definitions.deadlines.tokens import _NUMBER_WORDS, _tokenise

_LAUNCH_WORDS_RE = re.compile(
    r"запуск|старт|начал\w* (?:реализации|внедрения|работы)|утвержд\w* дорожн"
)


_STEM = 5


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
            code="deadline.count_limits",
            limit=_MAX_COUNT,
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
            code="deadline.working_days_only",
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
        raise _Unreadable(code="deadline.after_9999") from None
    return "once", [Occurrence(anchor, due)], term


def _named_date(text: str) -> date:
    """The one dated day a relative term counts from: «01.09.2023», «1 сентября 2023 г.»."""
    parsed = _Parser(_tokenise(text)).parse()
    items = parsed.items
    if len(items) != 1 or not items[0].is_day or not items[0].has_year or parsed.every:
        raise _Unreadable(
            code="deadline.one_dated_anchor",
            example="«в течение 10 дней после 01.09.2023»",
        )
    return items[0].span()[0]
