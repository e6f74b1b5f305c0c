"""The entry points: `parse_deadline` (the «phrase» rule: label and remarks dropped, whole-phrase
forms, then the clause grammar), `explain_deadline` and `propose_anchor`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Literal, NamedTuple

from common.errors import DeadlineError
from definitions.deadlines.assemble import _assemble
from definitions.deadlines.base import _Context, _Unreadable, render_message
from definitions.deadlines.days_off import move_days_off
from definitions.deadlines.forms import (
    _CONTINUOUS_RE,
    _DATE_HINT_RE,
    _LABEL_RE,
    _REMARK_RE,
    _UNSCHEDULED_RE,
    _WITHIN_YEAR_RE,
    _check_weekdays,
    _drop_remark,
    _drop_trailing_count,
    _within_year,
)
from definitions.deadlines.grammar import _Parsed, _Parser
from definitions.deadlines.normalise import _normalise
from definitions.deadlines.relative import (
    _LAUNCH_WORDS_RE,
    _RELATIVE_RE,
    _RELATIVE_TERM_RE,
    _STEM,
    _relative,
)
from definitions.deadlines.schedule import Occurrence, Schedule, _Compiled, _occurrence_order
from definitions.deadlines.texts import _summary
from definitions.deadlines.tokens import _tokenise


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
            phrase, code="deadline.period_reversed", start=period_start, end=period_end
        )
    context = _Context(
        period_start, period_end, anchor or step_start, step_start, [], explain=_explain
    )
    try:
        kind, occurrences, term = _compile(phrase, context)
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
        occurrences=_in_order(occurrences),
        term=term,
        notes=tuple(dict.fromkeys(context.notes)) if context.notes else (),
        reading=", ".join(context.reading) if context.reading else "",
    )


def _in_order(occurrences: list[Occurrence]) -> tuple[Occurrence, ...]:
    """The occurrences by due date then start, each once (most come in order and unique already)."""
    keys = [_occurrence_order(occurrence) for occurrence in occurrences]
    if all(earlier < later for earlier, later in zip(keys, keys[1:], strict=False)):
        return tuple(occurrences)
    return tuple(sorted(set(occurrences), key=_occurrence_order))


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
    lines = [render_message("deadline.read_as", summary=_summary(schedule))]
    lines.extend(render_message("deadline.rule", note=note) for note in schedule.notes)
    if any(occurrence.moved_from for occurrence in schedule.occurrences):
        lines.append(render_message("deadline.rule_days_off"))
    return "\n".join(lines)


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


class _Front(NamedTuple):
    """What a phrase says before the period is known: its whole-phrase form, or its clauses.

    Cached by phrase (:func:`_front`): the tick, the import and the linter read the same phrases
    against many periods, and only the assembly into dates depends on the period.
    """

    form: Literal["unscheduled", "continuous", "within_year", "relative", "clauses", "refused"]
    notes: tuple[str, ...] = ()
    match: re.Match[str] | None = None  # a relative term's words
    parsed: _Parsed | None = None  # the clauses (never changed once parsed)
    # a refusal's reason (its code and values), example, the word reading stopped at and the words
    # understood
    refusal: tuple[str, dict[str, object], str, str | None, str | None] | None = None
    # weekdays written in brackets («26 мая (пятница)»): checked against the dates
    weekdays: tuple[int, ...] = ()


@lru_cache(maxsize=4096)
def _front(phrase: str) -> _Front:
    """The period-independent reading of a phrase (a refusal is kept as its texts, no traceback)."""
    notes: list[str] = []
    weekdays: list[int] = []
    try:
        front = _read(_normalise(phrase), notes, weekdays)
    except _Unreadable as error:
        refusal = (error.code, error.params, error.example, error.at, error.understood)
        return _Front("refused", tuple(notes), refusal=refusal)
    return front._replace(weekdays=tuple(weekdays)) if weekdays else front


def _compile(phrase: str, context: _Context) -> _Compiled:
    """The phrase's cached reading (whole-phrase forms, then the clauses), assembled into dates."""
    front = _front(phrase)
    if front.notes:
        context.notes.extend(front.notes)
    form = front.form
    if form == "clauses":
        assert front.parsed is not None
        kind, occurrences = _assemble(front.parsed, context)
        if front.weekdays:
            _check_weekdays(occurrences, front.weekdays)
        if not occurrences:
            # «с 2030 года ежегодно» in a roadmap that ends in 2024: a schedule with no dates.
            raise _Unreadable(
                code="deadline.no_date_in_period",
                period=context.period_ru,
                example="«с 2023 года ежегодно»",
            )
        return kind, occurrences, None
    if form == "relative":
        assert front.match is not None
        return _relative(front.match, context)
    if form == "unscheduled":
        return "unscheduled", [], None
    if form == "continuous":
        return "continuous", [Occurrence(context.period_start, context.period_end)], None
    if form == "within_year":
        return _within_year(context)
    assert front.refusal is not None
    code, params, example, at, understood = front.refusal
    refusal = _Unreadable(code=code, example=example, at=at, **params)
    refusal.understood = understood
    raise refusal


def _read(text: str, notes: list[str], weekdays: list[int]) -> _Front:
    """Try the whole-phrase forms, then the clause grammar, on a normalised phrase."""
    if not text:
        raise _Unreadable(code="deadline.empty")
    if text.startswith(("срок", "дата", "доклад", "отчет")):
        text = _LABEL_RE.sub("", text, count=1)  # «Срок: до 1 марта 2024 г.»
    while text[:1] == "(" and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1].strip(" .,;:")  # «(по мере поступления запросов)»
    if text[-1:] in "йяь" and "-" in text:
        text = _drop_trailing_count(text, notes)  # «28.10.2023г.-06.11.2023г. – 10 дней»
    if "(" in text:
        # a remark in brackets that carries no date: «ежегодно (в соответствии с планом-графиком)»,
        # «до 1 марта 2024 г. (по согласованию)», «26 мая (пятница)»
        text = _REMARK_RE.sub(lambda match: _drop_remark(match, notes, weekdays), text).strip()
    match = _UNSCHEDULED_RE.match(text)
    if match and " или " in text[match.end() :]:
        # «в соответствии со сроками реализации программ … или май 2021 г.»: the dated alternative
        # is the one a deadline can hold (and the linter can check)
        alternative = text.rsplit(" или ", 1)[1]
        if _DATE_HINT_RE.search(alternative):
            notes.append(render_message("deadline.note_alternative", alternative=alternative))
            return _read(alternative, notes, weekdays)
    # «по мере необходимости, но не позднее 15.05.2022» has a due date: the grammar must read it.
    if match and not _DATE_HINT_RE.search(text, match.end()):
        return _Front("unscheduled", tuple(notes))
    match = _CONTINUOUS_RE.fullmatch(text)
    if match and not _DATE_HINT_RE.search(match["tail"]):
        return _Front("continuous", tuple(notes))
    if _WITHIN_YEAR_RE.fullmatch(text):
        return _Front("within_year", tuple(notes))
    match = _RELATIVE_RE.fullmatch(text) or _RELATIVE_TERM_RE.fullmatch(text)
    if match:
        return _Front("relative", tuple(notes), match=match)
    return _Front("clauses", tuple(notes), parsed=_Parser(_tokenise(text)).parse())
