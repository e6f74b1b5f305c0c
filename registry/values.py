"""Reading and checking the registry's field values, shared by the file import and the portal's forms.

One set of rules, two shells: the import reports a problem as «строка 3, столбец C (category)»,
a form as the field. Every check returns a Russian message for the user, never raises on bad input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from common.errors import NastavnikError
from common.messages import render_message
from common.russian import MONTHS_GENITIVE, format_date_ru
from registry.models import MENTEE_CATEGORIES, MENTOR_CATEGORIES


class FieldErrors(NastavnikError):
    """Problems with the fields of one record: ``problems`` maps a field id to a Russian message.

    The portal shows each message beside its field; the CLI prints ``str(error)``.
    """

    def __init__(self, problems: Mapping[str, str], *, labels: Mapping[str, str] | None = None):
        self.problems = dict(problems)
        names = labels or {}
        text = "; ".join(
            render_message("values.field", label=names.get(field, field), problem=message)
            for field, message in self.problems.items()
        )
        super().__init__(text, where=None)


class Invalid(ValueError):
    """A value that cannot be read; the message is for the user, in Russian."""


def normalise_word(text: str) -> str:
    """Lower case, «ё» as «е», single spaces: how names and labels are compared."""
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").lower().split())


_NAME_WORD = re.compile(r"^[А-ЯЁ][а-яёА-ЯЁ'ʼ]*(?:-[А-ЯЁа-яё][а-яё'ʼ]*)*$")


def read_full_name(raw: str) -> str:
    """«Фамилия Имя Отчество» in Cyrillic: two or three words (four with «оглы»/«кызы»)."""
    words = raw.split()
    if not words:
        raise Invalid(render_message("values.empty"))
    raw = " ".join(words)
    turkic = len(words) == 4 and words[3].lower() in ("оглы", "улы", "кызы", "гызы")
    if len(words) not in (2, 3) and not turkic:
        raise Invalid(render_message("values.full_name", value=raw))
    if not all(_NAME_WORD.match(word) for word in words[:3]):
        raise Invalid(render_message("values.full_name_cyrillic", value=raw))
    return " ".join(words)


_CATEGORY_WORDS: dict[str, dict[str, str]] = {
    "mentor": {
        "педагог": "teacher",
        "учитель": "teacher",
        "педагогический работник": "teacher",
        "ученик": "pupil",
        "обучающийся": "pupil",
        "обучающаяся": "pupil",
        "студент": "student",
        "работодатель": "employer",
        "представитель работодателя": "employer",
        "наставник от предприятия": "employer",
    },
    "mentee": {
        "ученик": "pupil",
        "обучающийся": "pupil",
        "обучающаяся": "pupil",
        "студент": "student",
        "педагог": "teacher",
        "учитель": "teacher",
        "молодой специалист": "young_specialist",
        "молодой педагог": "young_specialist",
    },
}


def read_category(raw: str, *, role: str) -> str:
    """A category id from its id or a Russian word («учитель», «молодой специалист»)."""
    known = MENTOR_CATEGORIES if role == "mentor" else MENTEE_CATEGORIES
    text = normalise_word(raw)
    if not text:
        raise Invalid(render_message("values.empty"))
    if text in known:
        return text
    category = _CATEGORY_WORDS[role].get(text)
    if category is None:
        allowed = ", ".join(f"«{label}»" for label in known.values())
        raise Invalid(render_message("values.category", value=raw, allowed=allowed))
    return category


def read_int(raw: Any, *, low: int, high: int) -> int:
    """A whole number within [low, high]; «12,0» from a spreadsheet is 12."""
    if isinstance(raw, bool):
        raise Invalid(render_message("values.whole", value=raw))
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise Invalid(render_message("values.whole", value=raw)) from None
        if not number.is_integer():
            raise Invalid(render_message("values.whole", value=raw))
        value = int(number)
    if not low <= value <= high:
        raise Invalid(render_message("values.range", value=value, low=low, high=high))
    return value


_YES = {"да", "yes", "y", "true", "1", "+", "есть", "получено", "дано"}
_NO = {"нет", "no", "n", "false", "0", "-", "—", "не получено", "не дано"}


def read_yes_no(raw: Any) -> bool:
    """«да»/«нет» (also yes/no, 1/0, +/−)."""
    if isinstance(raw, bool):
        return raw
    text = normalise_word(str(raw))
    if text in _YES:
        return True
    if text in _NO or not text:
        return False
    raise Invalid(render_message("values.yes_no", value=raw))


_NUMERIC = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s*г\.?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
_WORDS = re.compile(r"^(\d{1,2})\s+([а-яё]+)\s+(\d{4})(?:\s*(?:г\.?|года))?$")


def read_date(raw: Any) -> date:
    """A date as Russians write it: «15.09.2022», «15 сентября 2022 г.», or «2022-09-15»."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = normalise_word(str(raw))
    try:
        if match := _NUMERIC.match(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := _ISO.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if (match := _WORDS.match(text)) and match[2] in MONTHS_GENITIVE:
            return date(int(match[3]), MONTHS_GENITIVE.index(match[2]) + 1, int(match[1]))
    except ValueError:
        raise Invalid(render_message("values.no_such_date", value=raw)) from None
    raise Invalid(render_message("values.date", value=raw))


@dataclass(frozen=True)
class FieldSpec:
    """A column of an import file and a field of a form: id, Russian label, reader."""

    name: str
    label: str
    read: Callable[[Any], Any] | None = None
    required: bool = False
    aliases: tuple[str, ...] = ()


def _text(raw: Any) -> str:
    return " ".join(str(raw).split())


def _long_text(raw: Any) -> str:
    return str(raw).strip()


# the same column in both bases
_EXPERIENCE = FieldSpec(
    "experience_years",
    "стаж (лет)",
    lambda raw: read_int(raw, low=0, high=70),
    False,
    ("стаж", "стаж, лет", "стаж лет"),
)

MENTOR_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("full_name", "ФИО", read_full_name, True, ("фио", "наставник")),
    FieldSpec(
        "category", "категория", lambda raw: read_category(raw, role="mentor"), True, ("категория",)
    ),
    FieldSpec("position", "должность или класс", _text, False, ("должность", "класс")),
    FieldSpec("age", "возраст", lambda raw: read_int(raw, low=7, high=100), False, ("возраст",)),
    _EXPERIENCE,
    FieldSpec("competencies", "компетенции", _long_text, False, ("компетенции",)),
    FieldSpec(
        "capacity",
        "наставляемых (не более)",
        lambda raw: read_int(raw, low=1, high=30),
        False,
        ("наставляемых", "наставляемых, не более", "вместимость"),
    ),
    FieldSpec(
        "hours_per_month",
        "часов в месяц",
        lambda raw: read_int(raw, low=1, high=200),
        False,
        ("часов в месяц",),
    ),
    FieldSpec("consent", "согласие на обработку ПДн", read_yes_no, False, ("согласие",)),
    FieldSpec("consent_date", "дата согласия", read_date, False, ("дата согласия",)),
    FieldSpec("contacts", "контакты", _text, False, ("контакты",)),
)

MENTEE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("full_name", "ФИО", read_full_name, True, ("фио", "наставляемый")),
    FieldSpec(
        "category", "категория", lambda raw: read_category(raw, role="mentee"), True, ("категория",)
    ),
    FieldSpec("school_class", "класс", _text, False, ("класс", "class")),
    FieldSpec("age", "возраст", lambda raw: read_int(raw, low=5, high=100), False, ("возраст",)),
    _EXPERIENCE,
    FieldSpec("position", "должность", _text, False, ("должность",)),
    FieldSpec("request", "запрос", _long_text, False, ("запрос",)),
)


def labels_of(fields: tuple[FieldSpec, ...]) -> dict[str, str]:
    """Field id → Russian label."""
    return {spec.name: spec.label for spec in fields}


def read_fields(
    fields: tuple[FieldSpec, ...], raw: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Each field read by its spec: (values, problems by field). Blank optional fields are None."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for spec in fields:
        value = raw.get(spec.name)
        blank = value is None or (isinstance(value, str) and not value.strip())
        if blank:
            if spec.required:
                problems[spec.name] = render_message("values.empty")
            values[spec.name] = None
            continue
        try:
            values[spec.name] = spec.read(value) if spec.read else value
        except Invalid as error:
            problems[spec.name] = str(error)
    return values, problems


def check_mentor(raw: Mapping[str, Any], *, today: date) -> tuple[dict[str, Any], dict[str, str]]:
    """A mentor's values and problems: a pupil mentor needs an age, consent needs its date."""
    values, problems = read_fields(MENTOR_FIELDS, raw)
    if values.get("category") == "pupil" and values.get("age") is None and "age" not in problems:
        problems["age"] = render_message("values.pupil_mentor_age")
    if values.get("category") == "pupil" and values.get("age") is not None:
        if not 10 <= values["age"] <= 19 and "age" not in problems:
            problems["age"] = render_message("values.pupil_mentor_age_range", age=values["age"])
    consent, consent_date = values.get("consent"), values.get("consent_date")
    if consent and consent_date is None and "consent_date" not in problems:
        problems["consent_date"] = render_message("values.consent_date")
    if consent_date is not None and consent_date > today:
        problems["consent_date"] = render_message(
            "values.consent_future", day=format_date_ru(consent_date)
        )
    if consent_date is not None and consent is None:
        values["consent"] = True  # a dated consent is a consent
    values["consent"] = bool(values.get("consent"))
    if values.get("capacity") is None:
        values["capacity"] = 1
    for key in ("position", "competencies", "contacts"):
        values[key] = values.get(key) or ""
    return values, problems


def check_mentee(raw: Mapping[str, Any], *, today: date) -> tuple[dict[str, Any], dict[str, str]]:
    """A mentee's values and problems: a pupil needs age and class, a young specialist 0–3 years."""
    del today  # the same signature as check_mentor; nothing about a mentee depends on the day
    values, problems = read_fields(MENTEE_FIELDS, raw)
    category = values.get("category")
    if category == "pupil":
        if values.get("age") is None and "age" not in problems:
            problems["age"] = render_message("values.pupil_age")
        elif values.get("age") is not None and not 6 <= values["age"] <= 19:
            problems.setdefault("age", render_message("values.pupil_age_range", age=values["age"]))
        if not values.get("school_class") and "school_class" not in problems:
            problems["school_class"] = render_message("values.pupil_class")
    if category == "young_specialist":
        years = values.get("experience_years")
        if years is None and "experience_years" not in problems:
            problems["experience_years"] = render_message("values.young_experience")
        elif years is not None and years > 3:
            problems["experience_years"] = render_message(
                "values.young_experience_range", years=years
            )
    for key in ("school_class", "position", "request"):
        values[key] = values.get(key) or ""
    return values, problems
