"""Names and positions in the case a sentence needs (common/declension.py)."""

from __future__ import annotations

import pytest

from common.declension import (
    decline_name,
    decline_phrase,
    detect_gender,
    initials_surname,
    lower_first,
    split_full_name,
    surname_initials,
    upper_first,
)
from common.errors import NastavnikError

DIRECTOR = "Сулейманов Магомед Сулейманович"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("nominative", "Сулейманов Магомед Сулейманович"),
        ("genitive", "Сулейманова Магомеда Сулеймановича"),
        ("dative", "Сулейманову Магомеду Сулеймановичу"),
        ("accusative", "Сулейманова Магомеда Сулеймановича"),
        ("instrumental", "Сулеймановым Магомедом Сулеймановичем"),
        ("prepositional", "Сулейманове Магомеде Сулеймановиче"),
    ],
)
def test_director_of_school_one_declines_in_every_case(case: str, expected: str) -> None:
    assert decline_name(DIRECTOR, case) == expected


@pytest.mark.parametrize(
    ("full_name", "case", "expected"),
    [
        ("Кузнецова Елена Викторовна", "accusative", "Кузнецову Елену Викторовну"),
        ("Кузнецова Елена Викторовна", "dative", "Кузнецовой Елене Викторовне"),
        ("Комарова Наталья Александровна", "accusative", "Комарову Наталью Александровну"),
        ("Гарипова Алина Рамилевна", "genitive", "Гариповой Алины Рамилевны"),
        ("Хабибуллин Ринат Маратович", "instrumental", "Хабибуллиным Ринатом Маратовичем"),
        # A surname like Шевчук declines for a man and not for a woman.
        ("Шевчук Олег Петрович", "dative", "Шевчуку Олегу Петровичу"),
        ("Шевчук Ольга Петровна", "dative", "Шевчук Ольге Петровне"),
        # A Turkic patronymic («оглы», «кызы») is written as is.
        ("Алиев Рашид Гусейн оглы", "accusative", "Алиева Рашида Гусейн оглы"),
        ("Мамедова Айгюль Эльчин кызы", "dative", "Мамедовой Айгюль Эльчин кызы"),
        # Without a patronymic the first name decides.
        ("Иванова Анна", "instrumental", "Ивановой Анной"),
    ],
)
def test_names_decline_with_the_gender_from_the_patronymic(
    full_name: str, case: str, expected: str
) -> None:
    assert decline_name(full_name, case) == expected


@pytest.mark.parametrize(
    ("full_name", "gender"),
    [
        (DIRECTOR, "male"),
        ("Кузнецова Елена Викторовна", "female"),
        # The patronymic wins over an ambiguous surname and first name.
        ("Шевчук Саша Олеговна", "female"),
        ("Шевчук Саша Олегович", "male"),
        ("Алиев Рашид Гусейн оглы", "male"),
        ("Мамедова Айгюль Эльчин кызы", "female"),
    ],
)
def test_gender_comes_from_the_patronymic(full_name: str, gender: str) -> None:
    assert detect_gender(full_name) == gender


def test_signature_puts_initials_before_the_surname() -> None:
    assert initials_surname(DIRECTOR) == "М.С. Сулейманов"
    assert initials_surname("Иванова Анна") == "А. Иванова"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("nominative", "Кузнецова Е.В."),
        ("dative", "Кузнецовой Е.В."),
        ("accusative", "Кузнецову Е.В."),
    ],
)
def test_surname_with_initials_declines_the_surname_only(case: str, expected: str) -> None:
    assert surname_initials("Кузнецова Елена Викторовна", case) == expected


@pytest.mark.parametrize(
    "bad_name",
    [
        "Сулейманов",
        "",
        "Сулейманов Магомед Сулейманович Младший Старший",
        "suleymanov magomed",
        "Иванов 3",
    ],
)
def test_a_name_that_cannot_be_split_is_a_clear_error(bad_name: str) -> None:
    with pytest.raises(NastavnikError, match="нужны «Фамилия Имя Отчество»"):
        split_full_name(bad_name)


def test_a_name_of_unknown_gender_asks_for_the_patronymic() -> None:
    with pytest.raises(NastavnikError, match="укажите отчество"):
        decline_name("Ким Саша", "dative")


def test_an_unknown_case_is_an_error() -> None:
    with pytest.raises(NastavnikError, match="падежа «.*» нет"):
        decline_name(DIRECTOR, "vocative")


@pytest.mark.parametrize(
    ("phrase", "case", "expected"),
    [
        (
            "заместитель директора по учебно-воспитательной работе",
            "accusative",
            "заместителя директора по учебно-воспитательной работе",
        ),
        ("заместитель директора по УВР", "dative", "заместителю директора по УВР"),
        (
            "учитель русского языка и литературы",
            "instrumental",
            "учителем русского языка и литературы",
        ),
        ("педагог-психолог", "genitive", "педагога-психолога"),
        ("социальный педагог", "dative", "социальному педагогу"),
        ("старший вожатый", "accusative", "старшего вожатого"),
        ("заведующий библиотекой", "dative", "заведующему библиотекой"),
        ("методист", "accusative", "методиста"),
        ("Директор", "dative", "Директору"),
        ("глава администрации", "genitive", "главы администрации"),
        ("Белоярский район", "genitive", "Белоярского района"),
        ("Белоярский район", "prepositional", "Белоярском районе"),
        ("Белоярский район", "accusative", "Белоярский район"),
        ("Чайковский городской округ", "instrumental", "Чайковским городским округом"),
        ("городской округ Дубна", "genitive", "городского округа Дубна"),
        ("ЗДУВР", "dative", "ЗДУВР"),
    ],
)
def test_positions_and_places_decline_their_head(phrase: str, case: str, expected: str) -> None:
    assert decline_phrase(phrase, case) == expected


def test_first_letter_helpers_leave_the_rest_alone() -> None:
    assert upper_first("заместителю директора по УВР") == "Заместителю директора по УВР"
    assert lower_first("Формирование базы") == "формирование базы"
    assert lower_first("КО утверждает") == "КО утверждает"


@pytest.mark.parametrize(
    ("phrase", "case", "expected"),
    [
        ("старшая вожатая", "genitive", "старшей вожатой"),
        ("старшая вожатая", "accusative", "старшую вожатую"),
        ("старшая вожатая", "instrumental", "старшей вожатой"),
        ("заведующая библиотекой", "dative", "заведующей библиотекой"),
        ("заведующая библиотекой", "accusative", "заведующую библиотекой"),
        (
            "муниципальное образование «Новодугинский район» Смоленской области",
            "genitive",
            "муниципального образования «Новодугинский район» Смоленской области",
        ),
        (
            "муниципальное образование «Новодугинский район» Смоленской области",
            "prepositional",
            "муниципальном образовании «Новодугинский район» Смоленской области",
        ),
        ("городское поселение Белоярский", "instrumental", "городским поселением Белоярский"),
        ("поселок Верхнеказымский", "genitive", "поселка Верхнеказымский"),
        ("посёлок Сорум", "prepositional", "посёлке Сорум"),
    ],
)
def test_feminine_positions_and_official_names_are_declined(
    phrase: str, case: str, expected: str
) -> None:
    assert decline_phrase(phrase, case) == expected
