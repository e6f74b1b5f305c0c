"""The demo municipality: Белоярский район with 12 schools, and a year of what they did.

`nastavnik demo` builds exactly this, and tests/factories.py uses it too, so what a newcomer sees
is what is tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MUNICIPALITY = {
    "name": "Белоярский район",
    "timezone": "Asia/Yekaterinburg",
    "committee_name": "Комитет по образованию администрации Белоярского района",
    "place": "г. Белоярский",
    "coordinator_name": "Кузнецова Ольга Викторовна",
    "coordinator_email": "coordinator@beloyarsky-edu.example.ru",
    "head_name": "Вакуленко Илья Владимирович",
    "head_position": "Председатель Комитета по образованию",
    "head_email": "head@beloyarsky-edu.example.ru",
}

ROADMAP_ID = "beloyarsky-2022"

SCHOOL_COLUMNS = (
    "id",
    "name",
    "short_name",
    "director",
    "admin_email",
    "curator",
    "curator_position",
)

SCHOOLS: list[dict[str, str]] = [
    {
        "id": "sosh1",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа № 1 г. Белоярский»",
        "short_name": "МАОУ СОШ № 1 г. Белоярский",
        "director": "Сулейманов Магомед Сулейманович",
        "admin_email": "sosh1@beloyarsky-edu.example.ru",
        "curator": "Петрова Анна Сергеевна",
        "curator_position": "заместитель директора по учебно-воспитательной работе",
    },
    {
        "id": "sosh2",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа № 2 г. Белоярский»",
        "short_name": "МАОУ СОШ № 2 г. Белоярский",
        "director": "Иванова Елена Николаевна",
        "admin_email": "sosh2@beloyarsky-edu.example.ru",
        "curator": "Смирнов Дмитрий Андреевич",
        "curator_position": "заместитель директора по научно-методической работе",
    },
    {
        "id": "sosh3",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа № 3 г. Белоярский»",
        "short_name": "МАОУ СОШ № 3 г. Белоярский",
        "director": "Кузьмин Сергей Петрович",
        "admin_email": "sosh3@beloyarsky-edu.example.ru",
        "curator": "Васильева Мария Игоревна",
        "curator_position": "заместитель директора по воспитательной работе",
    },
    {
        "id": "kazym",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа с. Казым»",
        "short_name": "МАОУ СОШ с. Казым",
        "director": "Молданова Татьяна Алексеевна",
        "admin_email": "kazym@beloyarsky-edu.example.ru",
        "curator": "Тарлина Ирина Петровна",
        "curator_position": "заместитель директора по учебно-воспитательной работе",
    },
    {
        "id": "lykhma",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа п. Лыхма»",
        "short_name": "МАОУ СОШ п. Лыхма",
        "director": "Федоров Алексей Викторович",
        "admin_email": "lykhma@beloyarsky-edu.example.ru",
        "curator": "Орлова Светлана Юрьевна",
        "curator_position": "заместитель директора по научно-методической работе",
    },
    {
        "id": "sosnovka",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа п. Сосновка»",
        "short_name": "МАОУ СОШ п. Сосновка",
        "director": "Белова Наталья Владимировна",
        "admin_email": "sosnovka@beloyarsky-edu.example.ru",
        "curator": "Гусев Павел Олегович",
        "curator_position": "заместитель директора по воспитательной работе",
    },
    {
        "id": "sorum",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа им. И.Ф. Пермякова п. Сорум»",
        "short_name": "МАОУ СОШ п. Сорум",
        "director": "Никитин Роман Евгеньевич",
        "admin_email": "sorum@beloyarsky-edu.example.ru",
        "curator": "Захарова Ольга Николаевна",
        "curator_position": "заместитель директора по учебно-воспитательной работе",
    },
    {
        "id": "polnovat",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа с. Полноват»",
        "short_name": "МАОУ СОШ с. Полноват",
        "director": "Шестакова Людмила Ивановна",
        "admin_email": "polnovat@beloyarsky-edu.example.ru",
        "curator": "Ершова Екатерина Андреевна",
        "curator_position": "заместитель директора по научно-методической работе",
    },
    {
        "id": "verkhnekazymsky",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа п. Верхнеказымский»",
        "short_name": "МАОУ СОШ п. Верхнеказымский",
        "director": "Григорьев Андрей Николаевич",
        "admin_email": "vkazym@beloyarsky-edu.example.ru",
        "curator": "Соколова Юлия Сергеевна",
        "curator_position": "заместитель директора по воспитательной работе",
    },
    {
        "id": "vanzevat",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа с. Ванзеват»",
        "short_name": "МАОУ СОШ с. Ванзеват",
        "director": "Рандымова Галина Петровна",
        "admin_email": "vanzevat@beloyarsky-edu.example.ru",
        "curator": "Лозямова Анастасия Ильинична",
        "curator_position": "заместитель директора по учебно-воспитательной работе",
    },
    {
        "id": "tugiyany",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа с. Тугияны»",
        "short_name": "МАОУ СОШ с. Тугияны",
        "director": "Волков Игорь Михайлович",
        "admin_email": "tugiyany@beloyarsky-edu.example.ru",
        "curator": "Новикова Дарья Максимовна",
        "curator_position": "заместитель директора по научно-методической работе",
    },
    {
        "id": "nosh4",
        "name": "Муниципальное автономное общеобразовательное учреждение Белоярского района «Начальная общеобразовательная школа № 4 г. Белоярский»",
        "short_name": "МАОУ НОШ № 4 г. Белоярский",
        "director": "Морозова Ксения Александровна",
        "admin_email": "nosh4@beloyarsky-edu.example.ru",
        "curator": "Киселёва Вера Павловна",
        "curator_position": "заместитель директора по воспитательной работе",
    },
]

# How diligent each school is: days after a step's start (or before its due) that it acts.
# Negative lag = finishes that many days before due; positive = late; None = never does it.
DILIGENCE: dict[str, int | None] = {
    "sosh1": -10,
    "sosh2": -5,
    "sosh3": -3,
    "kazym": -1,
    "lykhma": 2,
    "sosnovka": -7,
    "sorum": 6,
    "polnovat": 12,
    "verkhnekazymsky": -2,
    "vanzevat": None,
    "tugiyany": 25,
    "nosh4": -4,
}

# the moments the demo ticks at (09:00 local): around the May holidays, end of the year
TICK_DATES: tuple[date, ...] = (
    date(2022, 4, 28),
    date(2022, 5, 16),
    date(2022, 6, 1),
    date(2022, 9, 15),
)
DEMO_NOW = date(2022, 9, 15)


@dataclass(frozen=True)
class DemoAct:
    """One thing a school (or the coordinator) did in the demo year."""

    code: str
    school: str | None
    at: date
    evidence: str
