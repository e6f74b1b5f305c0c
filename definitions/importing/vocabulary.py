"""Words the importer reads a roadmap table by: responsibles → roles, results → document kinds.

The responsibles table is data (roles.yaml beside this module) that a municipality may copy and
extend with its own abbreviations; the document words are the catalogue's kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from common.errors import NastavnikError
from definitions.catalogue import ROLES

ROLES_FILE = Path(__file__).resolve().parent / "roles.yaml"


@dataclass(frozen=True)
class RoleRule:
    """One line of the responsibles table: the words and the role they mean."""

    pattern: re.Pattern[str]
    role: str


def _word_pattern(word: str) -> str:
    escaped = re.escape(word)
    if word.isupper() or (len(word) <= 6 and word.upper() == word):
        # an abbreviation: a whole word, in capitals as written
        return rf"(?<![А-Яа-яЁёA-Za-z]){escaped}(?![А-Яа-яЁёA-Za-z])"
    return rf"(?i:(?<![А-Яа-яЁёA-Za-z]){escaped})"


@lru_cache(maxsize=8)
def load_role_rules(path: Path = ROLES_FILE) -> tuple[RoleRule, ...]:
    """The responsibles table; every problem in a municipality's own file says file and line."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except FileNotFoundError:
        raise NastavnikError(code="import.roles_missing", where=str(path)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise NastavnikError(code="import.roles_unreadable", where=where) from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise NastavnikError(code="import.roles_no_rules", where=f"{path}:1")
    rules: list[RoleRule] = []
    for number, item in enumerate(data["rules"], start=1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("words"), list)
            or not isinstance(item.get("role"), str)
        ):
            raise NastavnikError(code="import.roles_rule", where=str(path), rule=number)
        if item["role"] not in ROLES:
            raise NastavnikError(
                code="import.roles_unknown_role",
                where=str(path),
                rule=number,
                role=item["role"],
                known=", ".join(sorted(ROLES)),
            )
        words = sorted((str(word) for word in item["words"]), key=len, reverse=True)
        pattern = re.compile("|".join(_word_pattern(word) for word in words))
        rules.append(RoleRule(pattern=pattern, role=item["role"]))
    return tuple(rules)


@lru_cache(maxsize=4096)
def _roles_of(
    responsible: str, rules: tuple[RoleRule, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    roles, unknown = _read_roles(responsible, rules)
    return tuple(roles), tuple(unknown)


def roles_of(responsible: str, rules: tuple[RoleRule, ...]) -> tuple[list[str], list[str]]:
    """The roles a responsible cell names and the parts of it no rule recognised (cached: a
    table repeats its responsibles)."""
    roles, unknown = _roles_of(responsible, rules)
    return list(roles), list(unknown)


def _read_roles(responsible: str, rules: tuple[RoleRule, ...]) -> tuple[list[str], list[str]]:
    """The roles a responsible cell names and the parts of it no rule recognised.

    Each rule consumes what it matched, so «заместители директора» is a deputy and not also a
    director.
    """
    rest = responsible
    found: list[tuple[int, str]] = []
    for rule in rules:
        for match in rule.pattern.finditer(rest):
            found.append((match.start(), rule.role))
        rest = rule.pattern.sub(lambda m: " " * len(m.group(0)), rest)
    roles = list(dict.fromkeys(role for _, role in sorted(found)))
    leftovers = [
        part.strip(" .;:()«»\"'-–—")
        for part in re.split(r"[,;()]|\s+и\s+", rest)
        if len(re.sub(r"[^А-Яа-яЁёA-Za-z]", "", part)) >= 3
    ]
    unknown = [
        part for part in leftovers if part and not all(_NOISE.match(w) for w in _chunks(part))
    ]
    return roles, unknown


# words of a responsible cell that name no one: «(далее — ОО)», «внедрения целевой модели»
_NOISE = re.compile(
    r"^(по|в|во|на|и|за|от|с|целев\w*|модел\w*|внедрени\w*|наставничеств\w*|реализаци\w*|"
    r"цмн|мбу|мау|мку|мбоу|маоу|мкоу|далее|источнике|не|указаны?|нмр|вр|ур|увр|"
    r"вопросам|работе|системы)$",
    re.IGNORECASE,
)


def _chunks(part: str) -> list[str]:
    words = [w for w in re.split(r"\s+", part) if re.search(r"[А-Яа-яЁёA-Za-z]{2,}", w)]
    return words or [part]


def scope_of(
    responsible: str,
    roles: list[str],
    *,
    school_roadmap: bool,
    rules: tuple[RoleRule, ...] | None = None,
) -> tuple[str, str | None]:
    """The scope a step's responsibles imply, and a Russian note when it is a guess.

    A school's own roadmap is done by that school: every step is school-scoped. Otherwise the
    levels of the roles decide; words in parentheses only say whose people they are («кураторы
    (МАУ «БМЦ», ОУ)» are curators) unless nothing outside them names a role.
    """
    if school_roadmap:
        return "school", None
    if not roles:
        return "municipality", None
    outside = re.sub(r"\([^)]*\)", " ", responsible)
    table = rules if rules is not None else load_role_rules()
    main = [
        role
        for role in roles
        if any(rule.role == role and rule.pattern.search(outside) for rule in table)
    ]
    levels = {ROLES[role][0] for role in (main or roles) if role in ROLES}
    all_levels = {ROLES[role][0] for role in roles if role in ROLES}
    note = None
    if len(all_levels) > 1 and len(levels) == 1:
        note = (
            "охват определён по словам вне скобок; в скобках названы исполнители другого "
            "уровня — проверьте охват"
        )
    if levels == {"school"}:
        return "school", note
    if levels == {"municipal"}:
        return "municipality", note
    return (
        "both",
        "ответственные обоих уровней (муниципалитет и школы): шаг будет у муниципалитета и у "
        "каждой школы; если его выполняет кто-то один, выберите охват «municipality» или «school»",
    )


# Document kinds by the words of the result column. Checked in order; every match is kept.
_DOCUMENT_WORDS: tuple[tuple[str, str], ...] = (
    (r"приказ\w*.{0,40}куратор", "order_curator_appointment"),
    (r"приказ\w*.{0,60}(пар|групп)", "order_pairs"),
    (r"распоряжени\w*|приказ\w* (ко|уо|горуно|управления)", "order_municipal_implementation"),
    (r"муниципальн\w* (целев\w* )?модел|положени\w* о муниципальн", "municipal_model"),
    (r"положени", "regulation"),
    (r"дорожн\w* карт", "roadmap"),
    (r"аналитическ\w* справк", "analytical_report"),
    (r"протокол", "protocol"),
    (r"баз\w* наставляем|перечень запрос", "mentee_registry"),
    (r"баз\w* наставник|реестр|банк наставник", "mentor_registry"),
    (r"лучш\w* практик", "best_practices"),
    (r"программ\w* наставничеств", "mentorship_program"),
    (r"методическ\w* рекомендац", "methodical_recommendations"),
    (r"мониторинг", "monitoring_report"),
    (r"анкет|опрос", "survey"),
    (r"соглашени|договор", "agreement"),
    (r"сертификат|благодарн|грамот|поощрени", "certificate"),
    (r"раздел\w* на сайте|раздел\w* сайт", "website_section"),
    (r"публикац|сми\b|на сайте", "publication"),
    (r"семинар|совещани|конкурс|конференц|форум|заседани", "event"),
    (r"отч[её]т", "report"),
    (r"информац", "information"),
    (r"\bплан\b|план мероприяти|план работы", "plan"),
    (r"приказ|локальн\w* акт", "order"),
)


_DOCUMENT_PATTERNS = tuple((re.compile(pattern), kind) for pattern, kind in _DOCUMENT_WORDS)


def documents_of(result: str) -> list[str]:
    """Catalogue document kinds whose words the result column uses, in the catalogue's order."""
    text = result.lower()
    found: list[str] = []
    for pattern, kind in _DOCUMENT_PATTERNS:
        if pattern.search(text) and kind not in found:
            found.append(kind)
    specific_orders = {"order_curator_appointment", "order_pairs", "order_municipal_implementation"}
    if "order" in found and specific_orders & set(found):
        found.remove("order")
    return found
