"""Russian names and titles in the case a sentence needs: full names, initials, positions.

Full names are declined with pytrovich (petrovich rules); the gender comes from the patronymic
(отчество), which in Russian is gender-specific, and falls back to the first and last name.
Positions and municipality names («заместитель директора по УВР», «Белоярский район») are declined
by a small rule set: leading adjectives and the head noun change, the rest of the phrase (its
genitive tail, abbreviations, quoted names) stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, get_args

from pytrovich import Case, Gender, NamePart, PetrovichDeclinationMaker, PetrovichGenderDetector

from common.errors import NastavnikError

CaseName = Literal[
    "nominative", "genitive", "dative", "accusative", "instrumental", "prepositional"
]
GenderName = Literal["male", "female"]

CASES: tuple[str, ...] = get_args(CaseName)
_PYTROVICH_CASE = {
    "genitive": Case.GENITIVE,
    "dative": Case.DATIVE,
    "accusative": Case.ACCUSATIVE,
    "instrumental": Case.INSTRUMENTAL,
    "prepositional": Case.PREPOSITIONAL,
}
# Turkic patronymics are written «Гусейн оглы» / «Алиевна кызы» and are not declined.
_TURKIC_PATRONYMIC = {"оглы": "male", "улы": "male", "кызы": "female", "гызы": "female"}

_maker = PetrovichDeclinationMaker()
_detector = PetrovichGenderDetector()


@dataclass(frozen=True)
class FullName:
    """A person's name split into parts; ``patronymic`` is empty when the person has none."""

    last: str
    first: str
    patronymic: str
    gender: GenderName


def _check_case(case: str) -> None:
    if case not in CASES:
        raise NastavnikError(code="declension.unknown_case", case=case, known=", ".join(CASES))


@lru_cache(maxsize=4096)
def split_full_name(full_name: str) -> FullName:
    """Split «Фамилия Имя Отчество» into parts and detect the gender (patronymic first)."""
    parts = full_name.split()
    turkic: str | None = None
    if len(parts) == 4 and parts[3].lower() in _TURKIC_PATRONYMIC:
        turkic = _TURKIC_PATRONYMIC[parts[3].lower()]
        parts = [parts[0], parts[1], f"{parts[2]} {parts[3]}"]
    if len(parts) not in (2, 3) or not all(_is_name_word(part) for part in parts[:2]):
        raise NastavnikError(code="declension.name_parts", name=full_name)
    last, first = parts[0], parts[1]
    patronymic = parts[2] if len(parts) == 3 else ""
    if turkic is not None:
        gender: GenderName = "female" if turkic == "female" else "male"
    else:
        gender = _detect_gender(full_name, last=last, first=first, patronymic=patronymic)
    return FullName(last=last, first=first, patronymic=patronymic, gender=gender)


def _is_name_word(word: str) -> bool:
    return all(char.isalpha() or char in "-ʼ'" for char in word) and word[:1].isupper()


def _detect_gender(full_name: str, *, last: str, first: str, patronymic: str) -> GenderName:
    # The patronymic alone is decisive; without one, first and last name must agree.
    detected = _detector.detect(middlename=patronymic) if patronymic else Gender.ANDROGYNOUS
    if detected is Gender.ANDROGYNOUS:
        detected = _detector.detect(firstname=first, lastname=last)
    if detected is Gender.MALE:
        return "male"
    if detected is Gender.FEMALE:
        return "female"
    raise NastavnikError(code="declension.gender", name=full_name)


def detect_gender(full_name: str) -> GenderName:
    """«male» or «female» for a full name, decided by the patronymic where there is one."""
    return split_full_name(full_name).gender


@lru_cache(maxsize=8192)
def decline_name(full_name: str, case: str) -> str:
    """«Сулейманов Магомед Сулейманович» in a case: «Сулейманова Магомеда Сулеймановича»."""
    _check_case(case)
    name = split_full_name(full_name)
    if case == "nominative":
        return " ".join(part for part in (name.last, name.first, name.patronymic) if part)
    gender = Gender.MALE if name.gender == "male" else Gender.FEMALE
    target = _PYTROVICH_CASE[case]
    words = [
        _maker.make(NamePart.LASTNAME, gender, target, name.last),
        _maker.make(NamePart.FIRSTNAME, gender, target, name.first),
    ]
    if name.patronymic:
        # A Turkic patronymic («Гусейн оглы») is written as is in every case.
        words.append(
            name.patronymic
            if " " in name.patronymic
            else _maker.make(NamePart.MIDDLENAME, gender, target, name.patronymic)
        )
    return " ".join(words)


def _initials(name: FullName) -> str:
    first = f"{name.first[0]}."
    return f"{first}{name.patronymic[0]}." if name.patronymic else first


def initials_surname(full_name: str) -> str:
    """«М.С. Сулейманов» — the signature form (ГОСТ Р 7.0.97: initials before the surname)."""
    name = split_full_name(full_name)
    return f"{_initials(name)} {name.last}"


def surname_initials(full_name: str, case: str = "nominative") -> str:
    """«Сулейманова М.С.» — surname in a case followed by initials, as orders name people."""
    _check_case(case)
    name = split_full_name(full_name)
    surname = decline_name(full_name, case).split()[0] if case != "nominative" else name.last
    return f"{surname} {_initials(name)}"


# --- positions and other noun phrases -------------------------------------------------------

# (nominative ending, {case: ending}) of adjectives; «-ий» after г/к/х is hard (русский → русского).
_ADJECTIVE_ENDINGS: dict[str, dict[str, str]] = {
    "ый": {
        "genitive": "ого",
        "dative": "ому",
        "accusative": "ого",
        "instrumental": "ым",
        "prepositional": "ом",
    },
    "ой": {
        "genitive": "ого",
        "dative": "ому",
        "accusative": "ого",
        "instrumental": "ым",
        "prepositional": "ом",
    },
    "ий": {
        "genitive": "ого",
        "dative": "ому",
        "accusative": "ого",
        "instrumental": "им",
        "prepositional": "ом",
    },
    "ая": {
        "genitive": "ой",
        "dative": "ой",
        "accusative": "ую",
        "instrumental": "ой",
        "prepositional": "ой",
    },
    "яя": {
        "genitive": "ей",
        "dative": "ей",
        "accusative": "юю",
        "instrumental": "ей",
        "prepositional": "ей",
    },
    "ое": {
        "genitive": "ого",
        "dative": "ому",
        "accusative": "ое",
        "instrumental": "ым",
        "prepositional": "ом",
    },
    "ее": {
        "genitive": "его",
        "dative": "ему",
        "accusative": "ее",
        "instrumental": "им",
        "prepositional": "ем",
    },
}
# A feminine adjective on a sibilant stem is unstressed in positions: старшая → старшей,
# заведующая → заведующей (not «старшой»); its accusative keeps -ую.
_SIBILANT_FEMININE = {
    "genitive": "ей",
    "dative": "ей",
    "accusative": "ую",
    "instrumental": "ей",
    "prepositional": "ей",
}
# Neuter nouns in -ие: образование → образования, поселение → поселения.
_NEUTER_IE = {
    "genitive": "ия",
    "dative": "ию",
    "accusative": "ие",
    "instrumental": "ием",
    "prepositional": "ии",
}
# Nouns whose last vowel drops when declined: посёлок → посёлка, городок → городка.
_FLEETING_VOWEL = {"поселок", "посёлок", "городок"}
# Soft and sibilant stems: последний → последнего, общий → общего, старший → старшего.
_SOFT_ADJECTIVE = {
    "genitive": "его",
    "dative": "ему",
    "accusative": "его",
    "instrumental": "им",
    "prepositional": "ем",
}
# Adjectives used as nouns head a position on their own: «заведующий библиотекой», «старший вожатый».
_SUBSTANTIVISED = {
    "заведующий",
    "заведующая",
    "вожатый",
    "вожатая",
    "ответственный",
    "ответственная",
    "управляющий",
}
# Masculine nouns of positions are animate, so their accusative equals the genitive; place nouns
# («район», «округ») are inanimate and keep the nominative form in the accusative.
_NOUN_ENDINGS: dict[str, dict[str, str]] = {
    "ь": {
        "genitive": "я",
        "dative": "ю",
        "accusative": "я",
        "instrumental": "ем",
        "prepositional": "е",
    },
    "й": {
        "genitive": "я",
        "dative": "ю",
        "accusative": "я",
        "instrumental": "ем",
        "prepositional": "е",
    },
    "а": {
        "genitive": "ы",
        "dative": "е",
        "accusative": "у",
        "instrumental": "ой",
        "prepositional": "е",
    },
    "": {
        "genitive": "а",
        "dative": "у",
        "accusative": "а",
        "instrumental": "ом",
        "prepositional": "е",
    },
}
_INANIMATE_NOUNS = {
    "район",
    "округ",
    "город",
    "поселок",
    "посёлок",
    "совет",
    "комитет",
    "центр",
    "муниципалитет",
    "образование",
    "поселение",
}


def _decline_adjective(word: str, case: str) -> str | None:
    lower = word.lower()
    for ending, forms in _ADJECTIVE_ENDINGS.items():
        if lower.endswith(ending) and len(lower) > len(ending) + 1:
            stem = word[: -len(ending)]
            if ending == "ий" and stem[-1].lower() not in "гкх":
                return stem + _SOFT_ADJECTIVE[case]
            if ending == "ая" and stem[-1].lower() in "жшчщ":
                return stem + _SIBILANT_FEMININE[case]
            if case == "instrumental" and ending in ("ой", "ое") and stem[-1].lower() in "гкхжчшщ":
                return stem + "им"  # городской → городским
            return stem + forms[case]
    return None


def _decline_noun(word: str, case: str) -> str:
    lower = word.lower()
    if lower.endswith("ие") and len(lower) > 4 and word.isalpha() and not word.isupper():
        return word[:-2] + _NEUTER_IE[case]
    if lower in _FLEETING_VOWEL and case != "accusative":
        return word[:-2] + word[-1] + _NOUN_ENDINGS[""][case]
    if not word.isalpha() or word.isupper() or lower[-1] in "еёиоуыэюя":
        # Abbreviations (ЗДУВР, КО), quoted names and indeclinable nouns are written as is.
        return word
    for ending, forms in _NOUN_ENDINGS.items():
        if lower.endswith(ending):
            if case == "accusative" and lower in _INANIMATE_NOUNS:
                return word
            form = forms[case]
            if ending == "а" and case == "genitive" and lower[-2:-1] in "гкхжчшщ":
                form = "и"  # руководителя группы, but «главы», «коллеги»
            return (word[: -len(ending)] if ending else word) + form
    return word


@lru_cache(maxsize=4096)
def decline_phrase(phrase: str, case: str) -> str:
    """A position or place phrase in a case: «заместитель директора по УВР» → «заместителя …».

    Leading adjectives and the first noun (each part of a hyphenated noun: «учитель-логопед»)
    are declined; everything after the head noun is a dependent tail and stays as written.
    """
    _check_case(case)
    if case == "nominative" or not phrase.strip():
        return phrase
    words = phrase.split(" ")
    if case == "accusative" and any(word.lower() in _INANIMATE_NOUNS for word in words):
        # An inanimate masculine head («Белоярский район») keeps the nominative in the accusative.
        return phrase
    out: list[str] = []
    for index, word in enumerate(words):
        is_last = index + 1 == len(words)
        adjective = _decline_adjective(word, case)
        if adjective is not None and (is_last or word.lower() in _SUBSTANTIVISED):
            out.append(adjective)
            out.extend(words[index + 1 :])
            break
        if adjective is not None:
            out.append(adjective)
            continue
        if not word:
            out.append(word)
            continue
        out.append("-".join(_decline_noun(part, case) for part in word.split("-")))
        out.extend(words[index + 1 :])
        break
    return " ".join(out)


def upper_first(text: str) -> str:
    """The text with its first letter capitalised and the rest untouched (unlike str.capitalize)."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """The text with its first letter in lower case, unless it starts an abbreviation (КО, МАОУ)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]
