"""Missing data as a conversation: every missing field, in Russian, with where it comes from.

``render_document`` lists every missing field at once (``MissingData.fields``); this module says,
for each, what it is and how a user supplies it from the command line: an ``init`` option, a
column of the schools file, the registry, or a key of the ``--data`` file. Unknown ``--data`` keys
are refused with the nearest known one, so a typo never passes silently.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from common.errors import NastavnikError
from documents.context import known_keys
from documents.templates import get_template

_SCHOOLS = "столбец {column} файла школ (`nastavnik schools import`)"
_INIT = "`nastavnik init {option}`"
_DATA = "ключ {key} в файле --data"

# field path (list indexes removed) → (what it is, where it comes from); school documents
_SOURCES: dict[str, tuple[str, str]] = {
    "number": ("номер документа", _DATA.format(key="number: 41-од")),
    "date": ("дата документа", _DATA.format(key="date: 15.05.2022") + " (или --now)"),
    "organisation.full_name": ("полное название школы", _SCHOOLS.format(column="name")),
    "organisation.short_name": ("краткое название школы", _SCHOOLS.format(column="short_name")),
    "organisation.head_name": ("ФИО директора", _SCHOOLS.format(column="director")),
    "organisation.head_position": (
        "должность директора",
        _SCHOOLS.format(column="director_position"),
    ),
    "organisation.place": (
        "населённый пункт",
        _SCHOOLS.format(column="place") + " или " + _INIT.format(option="--place"),
    ),
    "organisation.municipality": ("название муниципалитета", _INIT.format(option="--municipality")),
    "curator": (
        "куратор: ФИО и должность",
        _SCHOOLS.format(column="curator") + " и curator_position",
    ),
    "coordinator": (
        "муниципальный координатор: ФИО и должность",
        _INIT.format(option="--coordinator-name … --coordinator-position …"),
    ),
    "approval": ("утверждающий приказ", _DATA.format(key="approval: {number: …, date: …}")),
    "curator.full_name": ("ФИО куратора", _SCHOOLS.format(column="curator")),
    "curator.position": ("должность куратора", _SCHOOLS.format(column="curator_position")),
    "coordinator.full_name": (
        "ФИО муниципального координатора",
        _INIT.format(option="--coordinator-name"),
    ),
    "coordinator.position": (
        "должность муниципального координатора",
        _INIT.format(option="--coordinator-position"),
    ),
    "pairs": (
        "наставнические пары",
        "реестр школы (`nastavnik registry import pairs FILE --school ID`) или CSV пар в --data",
    ),
    "academic_year": ("учебный год", _DATA.format(key="academic_year: 2022–2023")),
    "roadmap_period": ("период дорожной карты", "запущенная дорожная карта (--roadmap)"),
    "roadmap_title": ("название дорожной карты", "запущенная дорожная карта (--roadmap)"),
    "title": ("заголовок", "запущенная дорожная карта (--roadmap)"),
    "rows": ("мероприятия дорожной карты", "запущенная дорожная карта (--roadmap)"),
    "schools": ("шаги школ", "запущенная дорожная карта (--roadmap)"),
    "steps": ("шаги школы", "запущенная дорожная карта (--roadmap)"),
    "publish_deadline": (
        "срок публикации",
        "срок шага (--step) или " + _DATA.format(key="publish_deadline"),
    ),
    "plans_deadline": (
        "срок планов",
        "срок шага (--step) или " + _DATA.format(key="plans_deadline"),
    ),
    "documents_deadline": (
        "срок документов школ",
        "срок шага (--step) или " + _DATA.format(key="documents_deadline"),
    ),
    "curators_deadline": ("срок назначения кураторов", _DATA.format(key="curators_deadline")),
    "approval.number": ("номер утверждающего приказа", _DATA.format(key="approval: {number: …}")),
    "approval.date": ("дата утверждающего приказа", _DATA.format(key="approval: {date: …}")),
    "body": ("чей протокол (в родительном падеже)", _DATA.format(key="body")),
    "chair": ("председатель (ФИО полностью)", _DATA.format(key="chair")),
    "secretary": ("секретарь (ФИО полностью)", _DATA.format(key="secretary")),
    "agenda": ("повестка", "пункты шага (--step) или " + _DATA.format(key="agenda")),
    "agenda.decision": (
        "решение по вопросу повестки",
        _DATA.format(key="agenda: [{title, decision}]"),
    ),
    "mentors": ("наставники", "реестр школы (`nastavnik registry import mentors`)"),
    "mentees": ("наставляемые", "реестр школы (`nastavnik registry import mentees`)"),
}
# the same fields of the education authority's documents
_MUNICIPAL_SOURCES: dict[str, tuple[str, str]] = {
    "organisation.full_name": (
        "название органа управления образованием",
        _INIT.format(option="--committee"),
    ),
    "organisation.short_name": (
        "название органа управления образованием",
        _INIT.format(option="--committee"),
    ),
    "organisation.head_name": ("ФИО руководителя", _INIT.format(option="--head-name")),
    "organisation.head_position": (
        "должность руководителя",
        _INIT.format(option="--head-position"),
    ),
    "organisation.place": ("населённый пункт", _INIT.format(option="--place")),
}


def explain_missing(template_id: str, fields: list[str]) -> str:
    """One Russian message: every missing field, what it is and where it comes from."""
    spec = get_template(template_id)
    sources = {**_SOURCES, **(_MUNICIPAL_SOURCES if spec.scope == "municipality" else {})}
    lines = [f"Для документа «{spec.title}» не хватает данных ({len(fields)}):"]
    for path in fields:
        plain = re.sub(r"\[\d+\]", "", path)
        what, where = sources.get(plain, (f"поле {plain}", _DATA.format(key=plain)))
        lines.append(f"  – {what} ({path}): {where};")
    lines[-1] = lines[-1].rstrip(";") + "."
    lines.append(
        "Или сформируйте черновик с пустыми местами для заполнения от руки: добавьте --draft."
    )
    return "\n".join(lines)


def _paths(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        paths.append(path)
        if isinstance(value, Mapping):
            paths.extend(_paths(value, path + "."))
    return paths


def unflatten(data: Mapping[str, Any]) -> dict[str, Any]:
    """``{"organisation.place": "с. Казым"}`` → ``{"organisation": {"place": "с. Казым"}}``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        target = out
        *parents, leaf = str(key).split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        if isinstance(value, Mapping):
            target[leaf] = merge(target.get(leaf, {}), unflatten(value))
        else:
            target[leaf] = value
    return out


def merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``, nested mappings merged key by key (lists and values replaced)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def check_data_keys(template_id: str, data: Mapping[str, Any], *, where: str) -> None:
    """Refuse keys the template does not know, naming the nearest known key for each."""
    known = known_keys(get_template(template_id).context_type)
    unknown = [path for path in _paths(data) if path not in known]
    # a key under an unknown parent is reported through its parent only
    unknown = [p for p in unknown if not any(p.startswith(u + ".") for u in unknown if u != p)]
    if not unknown:
        return
    problems = []
    for path in unknown:
        close = difflib.get_close_matches(path, known, n=1, cutoff=0.6)
        hint = f" — может быть, {close[0]}?" if close else ""
        problems.append(f"неизвестный ключ {path}{hint}")
    raise NastavnikError(
        "; ".join(problems) + f". Ключи документа: {', '.join(known)}", where=where
    )
