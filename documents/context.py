"""The data each document needs, as typed plain dataclasses (no database), and their loader.

``render_document`` takes a plain mapping (what the database layer or a JSON file produces) and
builds the template's dataclass with ``load_context``: a missing or blank required field, a wrong
type or an unreadable date is a ``NastavnikError`` naming the field by its dotted path
(``curator.full_name``, ``pairs[2].start``). Dates may be ``date`` objects or text
(«2022-05-15» or «15.05.2022»). Names are full names in the nominative, «Фамилия Имя Отчество»:
templates decline them. Positions are in the nominative too («заместитель директора по УВР»).

Data shape per template (field: type; «?» marks an optional field):

- every document: ``organisation: Organisation`` — the issuing body (a school, or the education
  authority for municipal documents).
- ``order_curator_appointment``: ``OrderCuratorAppointment`` — number, date, curator: Person,
  basis_act?: Act.
- ``order_regulation_roadmap``: ``OrderRegulationRoadmap`` — number, date, curator: Person,
  roadmap_period («2022–2024 годы»), publish_deadline: date, basis_act?: Act.
- ``regulation``: ``Regulation`` — approval: Act (the order approving it), forms?: list[str].
- ``order_pairs``: ``OrderPairs`` — number, date, academic_year («2022–2023»), plans_deadline:
  date, curator: Person, pairs: list[Pair] (from the school's registry, documents/registry_context.py, or
  a CSV read by ``documents.pairs_csv.read_pairs_csv``).
- ``order_municipal_implementation``: ``OrderMunicipalImplementation`` — document_kind
  («распоряжение»|«приказ»), number, date, roadmap_period, coordinator: Person,
  curators_deadline: date, documents_deadline: date.
- ``roadmap``: ``RoadmapDocument`` — title, approval?: Act, sections?: list[RoadmapSection],
  rows: list[RoadmapRow].
- ``analytical_report``: ``AnalyticalReport`` — as_of: date, roadmap_title, schools:
  list[SchoolSteps], indicators?: list[IndicatorValue], prepared_by?: Person.
- ``protocol``: ``Protocol`` — body («муниципального методического совета», genitive), number,
  date, chair, secretary (full names), attendees?: list[str], attendees_count?: int,
  agenda: list[AgendaItem].
- ``mentor_registry``: ``MentorRegistry`` — as_of: date, mentors: list[MentorEntry] (from the
  registry when the school keeps one).
- ``mentee_registry``: ``MenteeRegistry`` — as_of: date, mentees: list[MenteeEntry] (likewise).
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from common.errors import NastavnikError

T = TypeVar("T")
# Annotations say Date: a field named «date» would shadow the type inside a class body.
Date = date


@dataclass(frozen=True)
class Organisation:
    """The body that issues a document (school or education authority), from its registry data.

    ``municipality`` is the municipality's name in the nominative («Белоярский район»); templates
    decline it («образовательных организаций Белоярского района»).
    """

    full_name: str
    short_name: str
    place: str
    head_position: str
    head_name: str
    municipality: str


@dataclass(frozen=True)
class Person:
    """A person named in a document: full name and position in the nominative; workplace optional."""

    full_name: str
    position: str
    organisation: str | None = None


@dataclass(frozen=True)
class Act:
    """A legal act cited or approved: kind («приказ», «распоряжение»), issuer in the genitive."""

    number: str
    date: Date
    title: str = ""
    kind: str = "приказ"
    issuer: str = ""

    @property
    def kind_instrumental(self) -> str:
        """«приказом», «распоряжением», «постановлением» — for «В соответствии с …»."""
        kind = self.kind.lower()
        if kind.endswith("ие"):
            return kind[:-1] + "ем"
        return kind + "ом"


@dataclass(frozen=True)
class Pair:
    """A mentoring pair (наставническая пара) or one mentee of a group; ``group`` names the group."""

    mentor: str
    mentee: str
    form: str
    start: Date
    end: Date
    group: str | None = None
    mentor_position: str | None = None
    mentee_position: str | None = None


@dataclass(frozen=True)
class OrderCuratorAppointment:
    """Приказ о назначении куратора внедрения целевой модели наставничества."""

    organisation: Organisation
    number: str
    date: Date
    curator: Person
    basis_act: Act | None = None


@dataclass(frozen=True)
class OrderRegulationRoadmap:
    """Приказ об утверждении Положения о системе наставничества и дорожной карты."""

    organisation: Organisation
    number: str
    date: Date
    curator: Person
    roadmap_period: str
    publish_deadline: Date
    basis_act: Act | None = None


# The forms of mentorship as the registry names them (registry/models.py DEFAULT_FORMS), so the
# Положение and the order on pairs speak of the same forms.
DEFAULT_FORMS: tuple[str, ...] = (
    "«ученик – ученик»",
    "«учитель – учитель»",
    "«учитель – ученик»",
    "«студент – ученик»",
    "«работодатель – ученик»",
    "«работодатель – студент»",
)


@dataclass(frozen=True)
class Regulation:
    """Положение о системе наставничества: annex 1 of the order approving it.

    ``council`` is the protocol of the pedagogical council that adopted it (ПРИНЯТО; blanks for
    the hand when absent), ``agreed_with`` who agreed it (СОГЛАСОВАНО), e.g. «Советом родителей
    (протокол от 20.05.2022 № 4)». Whose mentorship it regulates follows from the forms.
    """

    organisation: Organisation
    approval: Act
    forms: list[str] = field(default_factory=lambda: list(DEFAULT_FORMS))
    council: Act | None = None
    agreed_with: str | None = None


def participants_of(forms: list[str]) -> str:
    """Whose mentorship the forms are («педагогических работников и обучающихся», …).

    The mentee is the second part of a form («учитель – ученик» mentors pupils).
    """
    mentees = {form.strip("«»").split("–")[-1].strip().lower() for form in forms}
    teachers = bool(mentees & {"учитель", "педагог", "молодой специалист"})
    pupils = bool(mentees & {"ученик", "студент", "обучающийся"})
    if teachers and not pupils:
        return "педагогических работников"
    if pupils and not teachers:
        return "обучающихся"
    return "педагогических работников и обучающихся"


@dataclass(frozen=True)
class OrderPairs:
    """Приказ о закреплении наставнических пар (групп), with the pairs table as its annex."""

    organisation: Organisation
    number: str
    date: Date
    academic_year: str
    plans_deadline: Date
    curator: Person
    pairs: list[Pair]


@dataclass(frozen=True)
class OrderMunicipalImplementation:
    """Распоряжение (приказ) органа управления образованием о внедрении целевой модели."""

    organisation: Organisation
    number: str
    date: Date
    roadmap_period: str
    coordinator: Person
    curators_deadline: Date
    documents_deadline: Date
    document_kind: Literal["распоряжение", "приказ"] = "распоряжение"


@dataclass(frozen=True)
class RoadmapSection:
    """A section heading of the roadmap table («1. Нормативно-правовое регулирование …»)."""

    code: str
    title: str


@dataclass(frozen=True)
class RoadmapRow:
    """One step of the roadmap: ``deadline`` is the phrase, ``dates`` the resolved dates as text."""

    code: str
    title: str
    deadline: str
    dates: str
    responsible: str
    result: str = ""
    section: str | None = None


@dataclass(frozen=True)
class RoadmapDocument:
    """Дорожная карта as a table; rows are grouped under ``sections`` by ``RoadmapRow.section``."""

    organisation: Organisation
    title: str
    rows: list[RoadmapRow]
    sections: list[RoadmapSection] = field(default_factory=list)
    approval: Act | None = None


@dataclass(frozen=True)
class StepState:
    """A school's state of one step: done on ``done_on`` (or not yet); no deadline = ongoing."""

    code: str
    title: str
    deadline: Date | None = None
    done_on: Date | None = None
    not_applicable: bool = False


@dataclass(frozen=True)
class SchoolSteps:
    """One school's steps for the аналитическая справка; ``name`` is the school's short name."""

    name: str
    steps: list[StepState]


@dataclass(frozen=True)
class IndicatorValue:
    """A KPI of the roadmap (показатель эффективности): target for ``year``, actual when known."""

    code: str
    title: str
    year: int
    target: float
    actual: float | None = None
    unit: str = "%"


@dataclass(frozen=True)
class AnalyticalReport:
    """Аналитическая справка по итогам реализации дорожной карты (municipal)."""

    organisation: Organisation
    as_of: Date
    roadmap_title: str
    schools: list[SchoolSteps]
    indicators: list[IndicatorValue] = field(default_factory=list)
    prepared_by: Person | None = None
    municipal_steps: list[StepState] = field(default_factory=list)
    number: str | None = None
    date: Date | None = None


@dataclass(frozen=True)
class SchoolStep:
    """One step (one occurrence) of a school's roadmap in its отчёт о выполнении.

    ``document`` is what closed it («приказ от 12.05.2022 № 112-о», a link); no deadline means
    «в течение периода».
    """

    code: str
    title: str
    deadline: Date | None = None
    done_on: Date | None = None
    document: str = ""
    not_applicable: bool = False


@dataclass(frozen=True)
class SchoolReport:
    """Отчёт о выполнении дорожной карты: one school's steps and indicators, for its director.

    Signed by the head of ``organisation``; ``curator`` is named as the one who prepared it.
    """

    organisation: Organisation
    as_of: Date
    roadmap_title: str
    steps: list[SchoolStep]
    number: str
    date: Date
    indicators: list[IndicatorValue] = field(default_factory=list)
    curator: Person | None = None


@dataclass(frozen=True)
class AgendaItem:
    """An agenda item (вопрос повестки) of a meeting; the speaker's name is in the nominative.

    The decision (РЕШИЛИ) is the meeting's own: it is never made up from the step's title.
    """

    title: str
    decision: str
    speaker: str | None = None
    speaker_position: str | None = None


@dataclass(frozen=True)
class Protocol:
    """Протокол заседания; ``body`` is the meeting body in the genitive («экспертного совета»)."""

    organisation: Organisation
    body: str
    number: str
    date: Date
    chair: str
    secretary: str
    agenda: list[AgendaItem]
    attendees: list[str] = field(default_factory=list)
    attendees_count: int | None = None


@dataclass(frozen=True)
class MentorEntry:
    """A row of the mentor registry (база наставников)."""

    full_name: str
    position: str
    forms: str
    competences: str = ""
    experience_years: int | None = None
    mentees: list[str] = field(default_factory=list)
    start: Date | None = None
    end: Date | None = None
    contacts: str = ""


@dataclass(frozen=True)
class MenteeEntry:
    """A row of the mentee registry (база наставляемых): ``category`` is a class or a position."""

    full_name: str
    category: str
    request: str
    form: str
    mentor: str | None = None
    start: Date | None = None
    end: Date | None = None
    result: str = ""


@dataclass(frozen=True)
class MentorRegistry:
    """Реестр (база) наставников of one school as of a date."""

    organisation: Organisation
    as_of: Date
    mentors: list[MentorEntry]


@dataclass(frozen=True)
class MenteeRegistry:
    """База наставляемых of one school as of a date."""

    organisation: Organisation
    as_of: Date
    mentees: list[MenteeEntry]


# --- loading plain data -----------------------------------------------------------------------

_DATE_NUMERIC = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_date(value: object, *, where: str) -> date:
    """A date from a ``date`` or from text «2022-05-15» / «15.05.2022»; else a NastavnikError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            match = _DATE_NUMERIC.match(text)
            if match:
                return date(int(match[3]), int(match[2]), int(match[1]))
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise NastavnikError(code="documents.date", where=where, value=value)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    # get_type_hints evaluates every annotation: too slow to repeat for each document.
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = get_type_hints(cls)
    return hints


class Blank(str):
    """A blank left for the hand in a draft («____»); filters print it as it is."""


BLANK_TEXT = Blank("____________")
BLANK_NUMBER = Blank("____")
BLANK_DATE = Blank("« __ » ________ 20__ г.")


def _blank_for(hint: Any, name: str, path: str) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return None
    if origin is list:
        return []
    if origin is Literal:
        return get_args(hint)[0]
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return load_context(hint, {}, where=path, draft=True)
    if hint is date:
        return BLANK_DATE
    if hint is str:
        return BLANK_NUMBER if name == "number" else BLANK_TEXT
    return None


def missing_fields(cls: type, data: Any, *, where: str = "") -> list[str]:
    """Dotted paths of every required field ``data`` lacks (``curator.position``, ``pairs``)."""
    if not isinstance(data, Mapping):
        return [where] if where else []
    hints = _hints(cls)
    found: list[str] = []
    for item in dataclasses.fields(cls):
        path = f"{where}.{item.name}" if where else item.name
        raw = data.get(item.name)
        required = (
            item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
        )
        hint = hints[item.name]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                found.append(path)
            continue
        inner = hint
        if get_origin(hint) in (Union, types.UnionType):
            inner = next(arg for arg in get_args(hint) if arg is not type(None))
        if dataclasses.is_dataclass(inner) and isinstance(inner, type):
            found.extend(missing_fields(inner, raw, where=path))
        elif get_origin(inner) is list:
            (element,) = get_args(inner)
            if (
                isinstance(element, type)
                and dataclasses.is_dataclass(element)
                and isinstance(raw, list)
            ):
                for index, value in enumerate(raw):
                    found.extend(missing_fields(element, value, where=f"{path}[{index}]"))
    return found


def known_keys(cls: type, *, prefix: str = "") -> list[str]:
    """Every field path a template's data may have (``organisation.place``, ``pairs``)."""
    hints = _hints(cls)
    keys: list[str] = []
    for item in dataclasses.fields(cls):
        path = f"{prefix}{item.name}"
        keys.append(path)
        hint = hints[item.name]
        if get_origin(hint) in (Union, types.UnionType):
            hint = next(arg for arg in get_args(hint) if arg is not type(None))
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            keys.extend(known_keys(hint, prefix=path + "."))
    return keys


def load_context(
    cls: type[T],
    data: Mapping[str, Any] | T,
    *,
    where: str = "",
    draft: bool = False,
    missing: list[str] | None = None,
) -> T:
    """Build the dataclass ``cls`` from plain data, checking every field; errors name the field.

    With ``draft`` a missing required field is a blank for the hand (``Blank``) instead; with a
    ``missing`` list it is appended there (the caller reports them all at once).
    """
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        raise NastavnikError(code="documents.not_a_mapping", where=where or None)
    values: dict[str, Any] = {}
    for name, hint, required in _plan(cls):
        raw = data.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                path = f"{where}.{name}" if where else name
                if draft:
                    values[name] = _blank_for(hint, name, path)
                    continue
                if missing is not None:
                    missing.append(path)
                    values[name] = None
                    continue
                raise NastavnikError(code="documents.field_missing", path=path)
            continue
        kind = _kind(hint)[0]
        if kind == "str" and type(raw) is str:  # the common cases, without building a path
            values[name] = raw.strip()
        elif kind == "date" and type(raw) is date:
            values[name] = raw
        else:
            path = f"{where}.{name}" if where else name
            values[name] = _convert(hint, raw, path, draft, missing)
    return _construct(cls, values)


_DEFAULTS: dict[type, tuple[tuple[str, Any, Any], ...]] = {}


def _construct(cls: type[T], values: dict[str, Any]) -> T:
    """``cls(**values)`` without a frozen dataclass's ``__init__`` (a setattr call per field).

    The context dataclasses are plain frozen ones (no ``__post_init__``, no slots): the instance
    is the same; a справка of a thousand steps loads in a fifth of the time.
    """
    defaults = _DEFAULTS.get(cls)
    if defaults is None:
        defaults = _DEFAULTS[cls] = tuple(
            (item.name, item.default, item.default_factory)
            for item in dataclasses.fields(cls)  # type: ignore[arg-type]
            if item.default is not dataclasses.MISSING
            or item.default_factory is not dataclasses.MISSING
        )
    for name, default, factory in defaults:
        if name not in values:
            values[name] = default if factory is dataclasses.MISSING else factory()
    instance = object.__new__(cls)
    instance.__dict__.update(values)
    return instance


_PLANS: dict[type, tuple[tuple[str, Any, bool], ...]] = {}


def _plan(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """Each field's name, type hint and whether it is required, worked out once per class."""
    plan = _PLANS.get(cls)
    if plan is None:
        hints = _hints(cls)
        plan = _PLANS[cls] = tuple(
            (
                item.name,
                hints[item.name],
                item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING,
            )
            for item in dataclasses.fields(cls)
        )
    return plan


@lru_cache(maxsize=256)
def _kind(hint: Any) -> tuple[str, Any]:
    """What a type hint asks for, worked out once per hint (typing's inspection is slow).

    An optional hint (``str | None``) is its inner hint: a ``None`` never reaches a conversion.
    """
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return _kind(next(arg for arg in get_args(hint) if arg is not type(None)))
    if origin is list:
        return "list", get_args(hint)[0]
    if origin is Literal:
        return "literal", get_args(hint)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return "dataclass", hint
    for simple in (date, str, bool, int, float):
        if hint is simple:
            return simple.__name__, None
    return "other", None


def _convert(
    hint: Any, raw: Any, path: str, draft: bool = False, missing: list[str] | None = None
) -> Any:
    kind, detail = _kind(hint)
    if kind == "str":
        if isinstance(raw, str):
            return raw.strip()
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return str(raw)  # registration numbers often come out of a database as integers
        raise NastavnikError(code="documents.not_text", where=path)
    if kind == "list":
        if isinstance(raw, (str, bytes, Mapping)) or not hasattr(raw, "__iter__"):
            raise NastavnikError(code="documents.not_a_list", where=path)
        items = []
        for index, element in enumerate(raw):
            if element is None or (isinstance(element, str) and not element.strip()):
                element_path = f"{path}[{index}]"
                if missing is not None:
                    missing.append(element_path)
                    continue
                raise NastavnikError(code="documents.field_missing", path=element_path)
            items.append(_convert(detail, element, f"{path}[{index}]", draft, missing))
        return items
    if kind == "literal":
        if raw not in detail:
            allowed = ", ".join(f"«{option}»" for option in detail)
            raise NastavnikError(
                code="documents.not_one_of", where=path, allowed=allowed, value=raw
            )
        return raw
    if kind == "dataclass":
        return load_context(detail, raw, where=path, draft=draft, missing=missing)
    if kind == "date":
        return parse_date(raw, where=path)
    if kind == "bool":
        if not isinstance(raw, bool):
            raise NastavnikError(code="documents.not_bool", where=path, value=raw)
        return raw
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise NastavnikError(code="documents.not_whole", where=path, value=raw)
        try:
            return int(raw)
        except ValueError:
            raise NastavnikError(code="documents.not_whole", where=path, value=raw) from None
    if kind == "float":
        if isinstance(raw, bool):
            raise NastavnikError(code="documents.not_number", where=path, value=raw)
        try:
            return float(str(raw).replace(",", "."))
        except ValueError:
            raise NastavnikError(code="documents.not_number", where=path, value=raw) from None
    return raw


def required_fields(cls: type, *, prefix: str = "") -> list[str]:
    """Dotted paths of the required fields of a context dataclass (``pairs[].mentor`` for lists)."""
    hints = get_type_hints(cls)
    paths: list[str] = []
    for item in dataclasses.fields(cls):
        if (
            item.default is not dataclasses.MISSING
            or item.default_factory is not dataclasses.MISSING
        ):
            continue
        path = f"{prefix}{item.name}"
        hint = hints[item.name]
        inner = get_args(hint)[0] if get_origin(hint) is list else hint
        if dataclasses.is_dataclass(inner) and isinstance(inner, type):
            suffix = "[]." if get_origin(hint) is list else "."
            paths.extend(required_fields(inner, prefix=path + suffix))
        else:
            paths.append(path)
    return paths
