"""Letters as text: the items someone must be told about → subject, plain text and HTML (Russian).

Plain functions over plain data, no database: compose.py gathers the items, this module words them,
mime.py turns the words into the bytes compose.py stores, delivery.py sends what was stored.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from common.russian import format_date_ru, format_due_ru, plural_ru, working_days_ru
from definitions.catalogue import DOCUMENTS
from definitions.workdays import working_days_between

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# the most urgent level first: a step told at several levels to one person is shown once, at the highest
LEVEL_ORDER = {"head": 0, "coordinator": 1, "overdue": 2, "reminder": 3}
OVERDUE_LEVELS = frozenset({"overdue", "coordinator", "head"})
MUNICIPAL_UNIT = "Муниципальный уровень"
NO_TERRITORY = "Территория не указана"
# a summary's row of the steps escalated to the reader, by whom the letter is for
ESCALATED_LABEL = {
    "coordinator": "Просрочка выше порога (эскалация координатору)",
    "head": "Просрочка выше порога (эскалация руководителю)",
    "unit": "Просрочка выше порога",
    "school": "Просрочка выше порога",
}


class LetterItem(NamedTuple):
    """One step someone is told about, with everything the letter says about it.

    A named tuple rather than a frozen dataclass: composing a region's letters builds one per
    outbox item (360,000 at 40,000 schools), and a frozen dataclass is five times slower to make.
    notifications/items.py builds it by position: a field added or moved is so there too.
    """

    outbox_id: int
    step_instance_id: int
    level: str
    run_id: int
    roadmap_id: str
    roadmap_title: str
    school_id: str | None
    school_name: str
    code: str
    title: str
    occurrence: int
    occurrences: int
    due: date
    documents: tuple[str, ...]
    result: str | None
    blocked_by: tuple[tuple[str, str, bool], ...] = ()  # (code, title, waits for every school)
    step_order: int = 0
    moved_from: date | None = (
        None  # the calendar due date when it fell on a day off (ГК РФ ст. 193)
    )
    # the municipal units (ИМЦ, экспертный совет) that carry out a municipal step, if any
    units: tuple[str, ...] = ()
    territory: str = ""  # the school's territory (район, округ), if the schools list names one

    @property
    def unit_name(self) -> str:
        """The step's units as a heading names them: «МАУ «ИМЦ», Экспертный совет»."""
        return ", ".join(self.units)


@dataclass(frozen=True)
class UnitPerson:
    """A municipal unit as a letter names it (storage/units.py): its address and name's forms."""

    email: str
    name: str  # nominative: «МАУ «ИМЦ»», «методический центр»
    dative: str  # «кому?»: «МАУ «ИМЦ»», «методическому центру»


@dataclass(frozen=True)
class Failure:
    """A letter the server refused for good, reported to the coordinator."""

    letter_id: int
    recipient: str
    subject: str
    error: str


@dataclass(frozen=True)
class EmailChange:
    """A school admin's e-mail changed by a schools import, told to the coordinator."""

    journal_id: int
    school: str
    old: str
    new: str
    by: str


@dataclass(frozen=True)
class People:
    """Who is who in the municipality: decides the greeting and Reply-To."""

    municipality: str
    coordinator_name: str = ""
    coordinator_email: str = ""
    head_name: str = ""
    head_email: str = ""
    units: tuple[UnitPerson, ...] = ()

    def unit_of(self, recipient: str) -> UnitPerson | None:
        """The unit whose address ``recipient`` is."""
        address = recipient.strip().lower()
        return next((u for u in self.units if u.email.strip().lower() == address), None)


@dataclass
class ItemView:
    """An item worded for the letter."""

    code: str
    title: str
    occurrence_note: str
    due_text: str
    lateness: str
    overdue: bool
    days_late: int
    documents_label: str
    documents: list[str]
    blocker_note: str
    url: str


@dataclass
class UnitView:
    """A school (or the municipality's own steps) within a roadmap."""

    name: str
    overdue: list[WordedItem] = field(default_factory=list)
    upcoming: list[WordedItem] = field(default_factory=list)
    summary: str = ""


@dataclass
class KindTotal:
    """A row of a summary's totals: how many steps of one kind, in how many schools."""

    label: str
    steps: str
    schools: str


@dataclass
class TerritoryTotal:
    """A row of a summary's table by territory."""

    name: str
    schools: str
    overdue: str
    upcoming: str


@dataclass
class SchoolBehind:
    """One of the schools most behind: its count, its worst steps and how many more there are."""

    name: str
    summary: str
    worst: list[ItemView]
    more: str = ""


@dataclass
class DigestView:
    """A roadmap's schools in short: totals, territories, the schools most behind, the full list's links."""

    totals: list[KindTotal]
    territories: list[TerritoryTotal]
    behind: list[SchoolBehind]
    behind_heading: str
    rest: str
    matrix_url: str
    xlsx_url: str


@dataclass
class RoadmapView:
    """One roadmap's part of the letter."""

    title: str
    units: list[UnitView]
    digest: DigestView | None = None  # the schools in short when they are too many to list


@dataclass(frozen=True)
class RenderedLetter:
    """What the templates made: stored in the letter row before anything is sent."""

    kind: str
    subject: str
    text: str
    html: str


def recipient_kind(recipient: str, people: People) -> str:
    """head, coordinator, unit (a municipal unit) or school: whom the letter is written for."""
    address = recipient.strip().lower()
    if people.head_email and address == people.head_email.strip().lower():
        return "head"
    if people.coordinator_email and address == people.coordinator_email.strip().lower():
        return "coordinator"
    if people.unit_of(address) is not None:
        return "unit"
    return "school"


def step_url(base_url: str, item: LetterItem) -> str:
    """The step's page in the portal: the school's view of it, or the municipal one."""
    base = base_url.rstrip("/")
    code = _quoted(item.code, ".-")
    if item.school_id:
        return f"{base}/schools/{_quoted(item.school_id, '.-_')}/steps/{item.run_id}/{code}"
    return f"{base}/municipality/steps/{item.run_id}/{code}"


@lru_cache(maxsize=65536)
def _quoted(text: str, safe: str) -> str:
    return quote(text, safe=safe)


# a digest to the head repeats the same few due dates for every school
_working_days = lru_cache(maxsize=1024)(working_days_between)


def _lateness(item: LetterItem | _Wording, today: date) -> tuple[str, int]:
    if item.level in OVERDUE_LEVELS:
        late = _working_days(item.due, today)
        if late <= 0:
            return "срок истёк", 0
        return f"просрочено на {working_days_ru(late)}", late
    if item.due == today:
        return "срок — сегодня", 0
    left = _working_days(today, item.due)
    if left <= 0:
        return "рабочих дней до срока не осталось", 0
    verb = plural_ru(left, "остался", "осталось", "осталось")
    return f"{verb} {working_days_ru(left)}", 0


def _blocker_note(item: LetterItem | _Wording, *, kind: str) -> str:
    if not item.blocked_by:
        return ""
    names = []
    for code, title, every_school in item.blocked_by:
        name = f"{code} «{title}»"
        if every_school:
            name += " (выполнен ещё не всеми школами)"
        names.append(name)
    advice = (
        "" if kind != "school" else (": начните с него" if len(names) == 1 else ": начните с них")
    )
    if len(names) == 1:
        return f"Не выполнен предшествующий шаг {names[0]}{advice}."
    return "Не выполнены предшествующие шаги " + "; ".join(names) + f"{advice}."


class _Wording(NamedTuple):
    """What an item's words depend on, besides the day and the reader (not its school or run)."""

    level: str
    code: str
    title: str
    occurrence: int
    occurrences: int
    due: date
    moved_from: date | None
    documents: tuple[str, ...]
    result: str | None
    blocked_by: tuple[tuple[str, str, bool], ...]


class WordedItem(NamedTuple):
    """An item of a letter's list as the templates print it (letter_item.*.j2)."""

    overdue: bool
    days_late: int
    text: str  # its lines in the plain-text part
    html: Markup  # its block in the HTML part


URL_MARK = "\x00url\x00"  # where a step's link goes into a rendered item


def _wording(item: LetterItem) -> _Wording:
    return _Wording(
        item.level,
        item.code,
        item.title,
        item.occurrence,
        item.occurrences,
        item.due,
        item.moved_from,
        item.documents,
        item.result,
        item.blocked_by,
    )


def _worded_item(item: LetterItem, *, today: date, base_url: str, kind: str) -> WordedItem:
    """The item rendered for the list: the same step and term in every school is worded once."""
    overdue, late, text, html = _item_fragments(_wording(item), today, kind)
    url = step_url(base_url, item)
    return WordedItem(
        overdue, late, text.replace(URL_MARK, url), Markup(html.replace(URL_MARK, escape(url)))
    )


# a region's letters repeat the same few steps and terms in every school: rendering each once
# halves composing (measured: benchmarks/bench_compose.py)
@lru_cache(maxsize=8192)
def _item_fragments(wording: _Wording, today: date, kind: str) -> tuple[bool, int, str, str]:
    view = _item_view(wording, today=today, url=URL_MARK, kind=kind)
    env = environment()
    return (
        view.overdue,
        view.days_late,
        env.get_template("letter_item.txt.j2").render(item=view),
        env.get_template("letter_item.html.j2").render(item=view),
    )


def _item_view(item: LetterItem | _Wording, *, today: date, url: str, kind: str) -> ItemView:
    lateness, late = _lateness(item, today)
    titles = [DOCUMENTS[kind][0] for kind in item.documents if kind in DOCUMENTS]
    if titles:
        label = "Закрывается документом" if len(titles) == 1 else "Закрывается документами"
    elif item.result:
        label, titles = "Ожидаемый результат", [item.result]
    else:
        label = ""
    note = f"срок {item.occurrence} из {item.occurrences}" if item.occurrences > 1 else ""
    return ItemView(
        code=item.code,
        title=item.title,
        occurrence_note=note,
        due_text=format_due_ru(item.due, item.moved_from),
        lateness=lateness,
        overdue=item.level in OVERDUE_LEVELS,
        days_late=late,
        documents_label=label,
        documents=titles,
        blocker_note=_blocker_note(item, kind=kind),
        url=url,
    )


def _unique_by_step(items: list[LetterItem]) -> list[LetterItem]:
    """One item per step instance: the most urgent level when the same person is told twice."""
    best: dict[int, LetterItem] = {}
    for item in items:
        known = best.get(item.step_instance_id)
        if known is None or LEVEL_ORDER[item.level] < LEVEL_ORDER[known.level]:
            best[item.step_instance_id] = item
    return list(best.values())


@dataclass(frozen=True)
class DigestLimits:
    """When a letter lists schools in short: above ``full_list_schools`` schools, naming ``top_schools``."""

    full_list_schools: int
    top_schools: int


WORST_STEPS = 3  # steps named for each of the schools most behind


def summarised(items: list[LetterItem], limits: DigestLimits | None) -> bool:
    """Whether a letter about these items tells about its schools in short (too many to list)."""
    if limits is None:
        return False
    schools: set[str] = set()
    for item in items:
        if item.school_id:
            schools.add(item.school_id)
            if len(schools) > limits.full_list_schools:
                return True
    return False


def _roadmap_views(
    items: list[LetterItem],
    *,
    today: date,
    base_url: str,
    kind: str,
    limits: DigestLimits | None = None,
) -> list[RoadmapView]:
    by_run: dict[int, list[LetterItem]] = defaultdict(list)
    for item in _unique_by_step(items):
        by_run[item.run_id].append(item)
    views: list[RoadmapView] = []
    for run_id in sorted(by_run):
        run_items = by_run[run_id]
        if limits is None:
            units = _unit_views(run_items, today=today, base_url=base_url, kind=kind)
            views.append(RoadmapView(title=run_items[0].roadmap_title, units=units))
            continue
        # the municipality's own steps and its units' in full, the schools in short
        own = [i for i in run_items if not i.school_id]
        at_schools = [i for i in run_items if i.school_id]
        views.append(
            RoadmapView(
                title=run_items[0].roadmap_title,
                units=_unit_views(own, today=today, base_url=base_url, kind=kind),
                digest=_digest_view(
                    at_schools, today=today, base_url=base_url, kind=kind, limits=limits
                )
                if at_schools
                else None,
            )
        )
    return views


def _unit_views(
    run_items: list[LetterItem], *, today: date, base_url: str, kind: str
) -> list[UnitView]:
    """A roadmap's items by school (or unit), each with its steps worded."""
    by_unit: dict[str, list[LetterItem]] = defaultdict(list)
    for item in run_items:
        # a municipal unit's steps under its name (a key no school id has: it starts with /)
        by_unit[item.school_id or (f"/{item.unit_name}" if item.unit_name else "")].append(item)
    names = {
        unit: (
            group[0].school_name
            if unit and not unit.startswith("/")
            else group[0].unit_name or MUNICIPAL_UNIT
        )
        for unit, group in by_unit.items()
    }
    # the municipality's own steps first, its units next, then the schools by name
    order = sorted(
        by_unit,
        key=lambda unit: (unit != "", not unit.startswith("/"), names[unit].lower(), unit),
    )
    units: list[UnitView] = []
    for unit in order:
        group = sorted(
            by_unit[unit], key=lambda i: (i.step_order, i.occurrence, LEVEL_ORDER[i.level])
        )
        view = UnitView(name=names[unit])
        for item in group:
            worded = _worded_item(item, today=today, base_url=base_url, kind=kind)
            (view.overdue if worded.overdue else view.upcoming).append(worded)
        if kind == "head" and view.overdue:
            view.summary = _behind_summary(
                len(view.overdue), max(i.days_late for i in view.overdue)
            )
        units.append(view)
    return units


def _behind_summary(count: int, worst: int) -> str:
    """«2 просроченных шага, наибольшая просрочка — 30 рабочих дней»."""
    steps = _count(count, "просроченный шаг", "просроченных шага", "просроченных шагов")
    return f"{steps}, наибольшая просрочка — {working_days_ru(worst)}"


def _natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """«СОШ № 2» before «СОШ № 10»: numbers in a name compared as numbers."""
    return tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part)
        for part in re.split(r"(\d+)", text.lower())
        if part
    )


def _days_late(item: LetterItem, today: date) -> int:
    """Working days an overdue item is late (0 for a reminder or one due today)."""
    return max(0, _working_days(item.due, today)) if item.level in OVERDUE_LEVELS else 0


def _digest_view(
    items: list[LetterItem], *, today: date, base_url: str, kind: str, limits: DigestLimits
) -> DigestView:
    """A roadmap's school items in short: what a methodist reads when the list would be too long."""
    escalated = [i for i in items if i.level in ("coordinator", "head")]
    overdue = [i for i in items if i.level == "overdue"]
    upcoming = [i for i in items if i.level == "reminder"]
    totals = [
        KindTotal(
            label=label,
            steps=_count(len(group), "шаг", "шага", "шагов"),
            schools=_count(len({i.school_id for i in group}), "школе", "школах", "школах"),
        )
        for label, group in (
            (ESCALATED_LABEL[kind], escalated),
            ("Просрочено", overdue),
            ("Скоро срок", upcoming),
        )
        if group
    ]
    by_school: dict[str, list[LetterItem]] = defaultdict(list)
    for item in items:
        by_school[item.school_id or ""].append(item)
    lateness = {id(i): _days_late(i, today) for i in items}
    behind = []
    for school_id, group in by_school.items():
        late = [i for i in group if i.level in OVERDUE_LEVELS]
        if late:
            worst = max(lateness[id(i)] for i in late)
            name = _natural_key(group[0].school_name)
            behind.append((-len(late), -worst, name, school_id, late))
    behind.sort(key=lambda row: row[:4])
    schools_behind: list[SchoolBehind] = []
    for _, _, _, _, late in behind[: limits.top_schools]:
        late.sort(key=lambda i: (-lateness[id(i)], i.step_order, i.occurrence))
        shown = late[:WORST_STEPS]
        hidden = len(late) - len(shown)
        schools_behind.append(
            SchoolBehind(
                name=late[0].school_name,
                summary=_behind_summary(len(late), lateness[id(late[0])]),
                worst=[
                    _item_view(i, today=today, url=step_url(base_url, i), kind=kind) for i in shown
                ],
                more=f"и ещё {_count(hidden, 'просроченный шаг', 'просроченных шага', 'просроченных шагов')}"
                if hidden
                else "",
            )
        )
    named = len(schools_behind)
    rest = len(by_school) - named
    roadmap = quote(items[0].roadmap_id, safe=".-_")
    filters = f"?run={roadmap}&state=overdue&sort=late"
    return DigestView(
        totals=totals,
        territories=_territory_totals(items, by_school),
        behind=schools_behind,
        behind_heading=(
            f"{_count(named, 'школа', 'школы', 'школ')} с наибольшим отставанием"
            if named != 1
            else "Школа с наибольшим отставанием"
        ),
        rest=(
            f"В письмо не {plural_ru(rest, 'вошла', 'вошли', 'вошли')} "
            f"{'ещё ' if named else ''}{_count(rest, 'школа', 'школы', 'школ')}"
            if rest
            else ""
        ),
        matrix_url=f"{base_url.rstrip('/')}/matrix{filters}",
        xlsx_url=f"{base_url.rstrip('/')}/export.xlsx{filters}",
    )


def _territory_totals(
    items: list[LetterItem], by_school: dict[str, list[LetterItem]]
) -> list[TerritoryTotal]:
    """Schools, overdue steps and reminders by territory, the most overdue first (none if no territories)."""
    if not any(i.territory for i in items):
        return []
    rows: dict[str, list[int]] = {}
    for group in by_school.values():
        counts = rows.setdefault(group[0].territory or NO_TERRITORY, [0, 0, 0])
        counts[0] += 1
        counts[1] += sum(1 for i in group if i.level in OVERDUE_LEVELS)
        counts[2] += sum(1 for i in group if i.level == "reminder")
    order = sorted(rows, key=lambda name: (-rows[name][1], name == NO_TERRITORY, name.lower()))
    return [
        TerritoryTotal(
            name=name,
            schools=_number(rows[name][0]),
            overdue=_number(rows[name][1]),
            upcoming=_number(rows[name][2]),
        )
        for name in order
    ]


def name_and_patronymic(full_name: str) -> str:
    """«Ольга Викторовна» from «Кузнецова Ольга Викторовна», as a Russian letter addresses a person."""
    parts = full_name.split()
    return " ".join(parts[1:3]) if len(parts) == 3 else ""


def _number(count: int) -> str:
    """«9999», «10 000»: digits grouped by three from five digits on, as Russian text writes them."""
    return f"{count:,}".replace(",", "\u00a0") if count >= 10_000 else str(count)


def _count(count: int, one: str, few: str, many: str) -> str:
    return f"{_number(count)} {plural_ru(count, one, few, many)}"


def _subject(
    *,
    kind: str,
    people: People,
    items: list[LetterItem],
    failures: list[Failure],
    recipient: str = "",
) -> str:
    unique = _unique_by_step(items)
    overdue = [i for i in unique if i.level in OVERDUE_LEVELS]
    upcoming = [i for i in unique if i.level == "reminder"]
    parts: list[str] = []
    if kind in ("coordinator", "head"):
        school_overdue = [i for i in overdue if i.school_id]
        schools = {i.school_id for i in school_overdue}
        if school_overdue:
            parts.append(
                f"просрочки в {_count(len(schools), 'школе', 'школах', 'школах')} "
                f"({_count(len(school_overdue), 'шаг', 'шага', 'шагов')})"
            )
        own = [i for i in overdue if not i.school_id]
        if own:
            parts.append(
                _count(len(own), "просроченный шаг", "просроченных шага", "просроченных шагов")
                + " муниципального уровня"
            )
    else:
        if overdue:
            parts.append(
                _count(len(overdue), "просроченный шаг", "просроченных шага", "просроченных шагов")
            )
    if upcoming:
        parts.append(
            _count(
                len(upcoming), "напоминание о сроке", "напоминания о сроке", "напоминаний о сроке"
            )
        )
    if failures:
        parts.append(
            _count(
                len(failures),
                "недоставленное письмо",
                "недоставленных письма",
                "недоставленных писем",
            )
        )
    names = sorted({i.school_name for i in unique if i.school_id})
    where = f" — {names[0]}" if kind == "school" and len(names) == 1 else ""
    unit = people.unit_of(recipient) if kind == "unit" else None
    if unit is not None:
        where = f" — {unit.name}"
    prefix = "Эскалация" if kind == "head" else "Наставничество"
    return f"{prefix} ({people.municipality}): " + ", ".join(parts or ["сводка"]) + where


def _greeting(kind: str, people: People) -> str:
    name = ""
    if kind == "coordinator":
        name = name_and_patronymic(people.coordinator_name)
    elif kind == "head":
        name = name_and_patronymic(people.head_name)
    return f"Здравствуйте, {name}!" if name else "Здравствуйте!"


def _intro(
    kind: str,
    *,
    people: People | None = None,
    today: date,
    items: list[LetterItem],
    failures: list[Failure],
    unit: UnitPerson | None = None,
    summary: bool = False,
) -> list[str]:
    day = format_date_ru(today)
    has_overdue = any(i.level in OVERDUE_LEVELS for i in items)
    if summary and kind in ("coordinator", "head"):
        return _summary_intro(kind, people=people, day=day, items=items, failures=failures)
    if kind == "unit" and unit is not None:
        lines = [
            f"Сводка на {day} по дорожной карте внедрения целевой модели наставничества: "
            f"шаги, которые выполняет {unit.name}."
        ]
        if has_overdue:
            lines.append(
                "Срок некоторых шагов уже прошёл; о просрочке узнает муниципальный координатор."
            )
        lines.append(
            "Если шаг уже выполнен, сообщите об этом муниципальному координатору (ответом на "
            "это письмо) — он отметит шаг в портале, и напоминания о нём прекратятся."
        )
        return lines
    if kind == "school":
        lines = [
            f"Сводка на {day} по дорожной карте внедрения целевой модели наставничества: "
            "шаги, которые выполняет ваша образовательная организация."
        ]
        if has_overdue:
            lines.append(
                "Срок некоторых шагов уже прошёл. Если шаг выполнен, отметьте его в портале "
                "по ссылке — напоминания о нём прекратятся."
            )
        else:
            lines.append(
                "Если шаг уже выполнен, отметьте его в портале по ссылке — напоминания о нём прекратятся."
            )
        return lines
    if kind == "head":
        return [
            f"Сводка на {day} для руководителя: шаги дорожной карты, просрочка которых превысила "
            "порог эскалации. По каждой школе — число просроченных шагов и наибольшая просрочка, "
            "затем сами шаги."
        ]
    sentences = [f"Сводка на {day}"]
    if any(i.school_id and i.level in OVERDUE_LEVELS for i in items):
        sentences.append(
            "Школы ниже не выполнили шаги в срок и не отметили их выполнение; "
            "их администраторам уже направлены напоминания."
        )
    sentences += _coordinator_notes(people=people, items=items, failures=failures)
    if len(sentences) == 1:
        return [sentences[0]]
    # «… 2022 г.» already ends with a full stop
    return [" ".join(sentences[:2]), *sentences[2:]]


def _coordinator_notes(
    *, people: People | None, items: list[LetterItem], failures: list[Failure]
) -> list[str]:
    """What a coordinator's letter says after its first lines, listed or summarised: the
    municipality's own steps, the units already reminded, the letters not delivered."""
    notes: list[str] = []
    if any(not i.school_id and not i.unit_name for i in items):
        notes.append("Шаги муниципального уровня — ваши: отметьте их выполнение в портале.")
    told = sorted({name for i in items if not i.school_id for name in i.units})
    if told:
        dative = {u.name: u.dative for u in people.units} if people else {}
        notes.append(
            "Подразделения не выполнили свои шаги в срок; напоминания уже направлены "
            + ", ".join(dative.get(name) or name for name in told)
            + ". Когда шаг выполнен, отметьте его в портале."
        )
    if failures:
        notes.append(
            "Часть писем не удалось доставить — см. раздел «Недоставленные письма» в конце."
        )
    return notes


SUMMARY_NOTE = (
    "Школ больше, чем удобно читать в одном письме: ниже итоги, школы с наибольшим "
    "отставанием и ссылки на полный список в портале — матрицу и выгрузку XLSX."
)


def _summary_intro(
    kind: str,
    *,
    people: People | None,
    day: str,
    items: list[LetterItem],
    failures: list[Failure],
) -> list[str]:
    """The introduction of a letter whose schools are summarised (coordinator's or head's)."""
    late_schools = len({i.school_id for i in items if i.school_id and i.level in OVERDUE_LEVELS})
    where = _count(late_schools, "школе", "школах", "школах")
    if kind == "head":
        return [
            f"Сводка на {day} для руководителя: просрочка шагов дорожной карты превысила порог "
            f"эскалации в {where}.",
            SUMMARY_NOTE,
        ]
    first = f"Сводка на {day}"  # «… 2022 г.» ends with a full stop
    if late_schools:
        first += (
            f" Просрочки есть в {where}: школы не выполнили шаги в срок и не отметили их "
            "выполнение; их администраторам уже направлены напоминания."
        )
    lines = [first, SUMMARY_NOTE]
    lines += _coordinator_notes(people=people, items=items, failures=failures)
    return lines


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The letters' Jinja environment (notifications/templates), built once."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def render_letter(
    *,
    recipient: str,
    people: People,
    items: list[LetterItem],
    failures: list[Failure],
    today: date,
    base_url: str,
    notices: tuple[str, ...] = (),
    email_changes: list[EmailChange] | None = None,
    limits: DigestLimits | None = None,
) -> RenderedLetter:
    """Word one letter: a digest of every item of one recipient, grouped by roadmap and school.

    Args:
        recipient: the address the letter goes to (decides the greeting and the wording).
        people: the municipality's name and its coordinator and head.
        items: the steps to tell about, at any level; one step told twice shows once.
        failures: letters refused for good (coordinator's letters only).
        email_changes: school admins' e-mails changed since the coordinator's last letter.
        today: the date in the municipality's zone the lateness is counted at.
        base_url: the portal's address for the links.
        notices: sentences added after the introduction (e.g. a day whose check did not run).
        limits: above how many schools a letter to the coordinator, the head or a unit tells
            about them in short (totals, the schools most behind, links to the full list); None
            lists every school. A school's letter always lists its steps.
    """
    kind = recipient_kind(recipient, people)
    # a school's own letter is its list of things to do: never summarised
    summary = kind != "school" and summarised(items, limits)
    context = {
        "kind": kind,
        "greeting": _greeting(kind, people),
        "intro": _intro(
            kind,
            people=people,
            today=today,
            items=items,
            failures=failures,
            unit=people.unit_of(recipient),
            summary=summary,
        )
        + list(notices),
        "roadmaps": _roadmap_views(
            items, today=today, base_url=base_url, kind=kind, limits=limits if summary else None
        ),
        "failures": failures,
        "email_changes": email_changes or [],
        "people": people,
        "today": format_date_ru(today),
    }
    subject = _subject(
        kind=kind, people=people, items=items, failures=failures, recipient=recipient
    )
    if email_changes:
        changes = _count(len(email_changes), "смена", "смены", "смен")
        subject = subject.replace(": сводка", ": ", 1).rstrip()
        subject += ("" if subject.endswith(":") else ",") + f" {changes} e-mail ответственных"
        context["intro"] = [
            *context["intro"],  # type: ignore[misc]
            "В списке школ сменились адреса ответственных — см. раздел «Смена e-mail "
            "ответственных»: письма о сроках этих школ теперь идут на новые адреса.",
        ]
    context["subject"] = subject
    env = environment()
    text = env.get_template("letter.txt.j2").render(context)
    html = env.get_template("letter.html.j2").render(context)
    return RenderedLetter(kind=kind, subject=subject, text=text, html=html)


def letter_hash(*, municipality: str, recipient: str, keys: list[str]) -> str:
    """A short hash of what a letter is about: the same items give the same Message-ID."""
    digest = hashlib.sha256(
        "\n".join([municipality, recipient.lower(), *sorted(keys)]).encode()
    ).hexdigest()
    return digest[:16]


def message_id_for(*, letter_id: int, digest: str, mail_from: str) -> str:
    """``<letter-ID.HASH@domain>`` with the sender's domain (``nastavnik`` when it has none)."""
    return f"<letter-{letter_id}.{digest}@{_domain(mail_from)}>"


@lru_cache(maxsize=16)
def _domain(mail_from: str) -> str:
    return parseaddr(mail_from)[1].rpartition("@")[2] or "nastavnik"


def format_address(address: str, name: str = "") -> str:
    """«"Name" <addr>» as stored in a letter (the name is encoded only when the message is built)."""
    if not name:
        return address
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'
