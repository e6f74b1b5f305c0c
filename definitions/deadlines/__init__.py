"""The deadline language: Russian deadline phrases from roadmap documents, compiled to dates.

Roadmaps keep a step's deadline as the source document wrote it («до 15 мая 2022 г.»,
«ежегодно (июнь, декабрь)», «в течение 10 рабочих дней после издания приказа»);
:func:`parse_deadline` compiles it against the roadmap's period into a :class:`Schedule` of
inclusive date ranges, :func:`explain_deadline` says in Russian how it was read, and
:func:`move_days_off` applies ГК РФ ст. 193. The grammar (EBNF) and the reading rules, in Russian
for methodists, are in docs/deadlines.md; the package is split along its sections:

1. ``normalise``: lower case, «ё» → «е», every dash → «-», quotes and footnote asterisks dropped,
   «..» → «.», digits split from glued words («2022г.»), ordinal endings dropped («1-я декада»);
2. ``forms`` and ``relative``: whole-phrase forms, by regular expressions: a label («Срок:»),
   remarks in brackets without dates (dropped, and said), unscheduled («по отдельному графику»,
   «по итогам мониторинга»), continuous («постоянно, …»), «в течение года», and relative terms
   («в 3-месячный срок», «в течение 10 рабочих дней после …»): a relative term has no dates until
   its anchor (the day its event happened) is known — kind ``relative`` with its
   :class:`RelativeTerm`;
3. ``tokens`` (the lexer), ``dates`` (points and items: dates, months, ranges, quarters,
   half-years, decades, days of the month, school and calendar years, each with an optional
   prefix) and ``grammar`` (the clauses, recursive descent: recurrences «ежегодно», «каждого
   года», «2 раза в год», «с 2023 года - ежегодно», «с последующим ежегодным обновлением» and year
   windows «в период с 2022 по 2024 гг.»). Every token must be understood: an unknown word is a
   refusal that names it, never a guess;
4. ``assemble`` and ``recurrences``: assembly into occurrences by written rules: a phrase without
   a year gives every such date inside the period (several years: it repeats, and the schedule's
   ``notes`` say so); a bare «ежегодно» is due 31 December; a bare start («с 01.09.2023») is
   refused with a question; a recurrence that starts later than the period gives nothing before
   its start;
5. ``texts`` (the Russian explanation), ``days_off`` (the day-off rule), ``api`` (the entry
   points), ``schedule`` (the result types) and ``base`` (the refusal, the context, calendar
   helpers).

A date outside the roadmap's period is not an error here (the linter warns about it).
"""

from definitions.deadlines.api import explain_deadline, parse_deadline, propose_anchor
from definitions.deadlines.days_off import move_days_off
from definitions.deadlines.schedule import Kind, Occurrence, RelativeTerm, Schedule

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
