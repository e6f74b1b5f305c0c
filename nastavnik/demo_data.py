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
    "coordinator_position": "методист МАУ «Белоярский методический центр»",
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


# --- the registry (реестр наставничества) of the demo schools -------------------------------------
#
# Ten schools keep their bases and pairs in nastavnik (ванзеват never starts; НОШ № 4 forms its
# pairs in a network programme of СОШ № 1). Each school's registry follows from its profile below
# by the same deterministic rules, so the tests can count its indicators by hand:
# - ``teachers`` teacher mentors, each with ``per_teacher`` pupils (ages 10, 11, …, 17 in turn)
#   in «учитель – ученик» pairs; the first ``young`` of them also mentor one young specialist
#   («учитель – учитель»);
# - ``pupil_mentors`` pupils aged 16 or 17, each leading a group of two pupils aged 12–14
#   («ученик – ученик»);
# - with ``employer``, one employer's representative mentors two pupils aged 15 and 16
#   («работодатель – ученик»);
# - ``unpaired`` pupils aged 11 whose request waits for a mentor («продолжить поиск наставника»);
#   the last teacher then has one place left for them (`nastavnik registry suggest` finds it).


@dataclass(frozen=True)
class RegistryProfile:
    """How big a demo school's registry is, its head counts and its survey (see above)."""

    teachers: int
    per_teacher: int
    pupil_mentors: int
    employer: bool
    young: int
    unpaired: int
    pupils_10_18: int
    pupils_15_18: int
    young_teachers: int
    survey: tuple[int, int, int, int]  # mentees took part, satisfied; mentors took part, satisfied


REGISTRY: dict[str, RegistryProfile] = {
    "sosh1": RegistryProfile(4, 2, 2, True, 2, 2, 612, 198, 6, (16, 13, 8, 7)),
    "sosh2": RegistryProfile(3, 2, 1, False, 1, 0, 540, 171, 4, (10, 7, 5, 4)),
    "sosh3": RegistryProfile(3, 3, 1, True, 2, 1, 488, 150, 3, (14, 12, 6, 6)),
    "kazym": RegistryProfile(2, 2, 1, False, 1, 0, 46, 14, 1, (7, 6, 3, 3)),
    "lykhma": RegistryProfile(2, 2, 0, False, 0, 1, 58, 17, 2, (4, 2, 2, 1)),
    "sosnovka": RegistryProfile(3, 2, 1, True, 1, 0, 210, 66, 2, (12, 11, 5, 5)),
    "sorum": RegistryProfile(2, 2, 1, False, 1, 0, 121, 38, 1, (7, 5, 3, 2)),
    "polnovat": RegistryProfile(2, 2, 1, False, 1, 0, 97, 30, 1, (6, 6, 3, 3)),
    "verkhnekazymsky": RegistryProfile(3, 2, 1, False, 1, 0, 164, 49, 2, (9, 8, 4, 4)),
    "tugiyany": RegistryProfile(1, 2, 0, False, 0, 0, 31, 9, 0, (2, 1, 1, 1)),
}

_SURNAMES = (
    "Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Новиков",
    "Морозов", "Волков", "Алексеев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов",
    "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Борисов",
    "Яковлев", "Григорьев", "Романов", "Сергеев", "Фролов", "Дмитриев", "Гусев", "Ильин",
    "Максимов", "Поляков", "Сорокин", "Виноградов", "Белов", "Медведев", "Антонов", "Тарасов",
    "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов",
    "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов", "Крылов", "Куликов",
    "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов", "Казаков", "Данилов",
    "Молданов", "Тарлин", "Рандымов", "Лозямов", "Вокуев", "Собянин", "Шешкин", "Юхлымов",
)  # fmt: skip
_MALE_NAMES = (
    "Александр", "Алексей", "Андрей", "Артём", "Владимир", "Дмитрий", "Евгений", "Иван", "Илья",
    "Кирилл", "Максим", "Михаил", "Никита", "Николай", "Павел", "Роман", "Сергей", "Степан",
    "Тимофей", "Матвей", "Даниил", "Егор", "Глеб", "Марк",
)  # fmt: skip
_FEMALE_NAMES = (
    "Анна", "Анастасия", "Алина", "Валерия", "Варвара", "Вероника", "Виктория", "Дарья",
    "Екатерина", "Елена", "Елизавета", "Ирина", "Ксения", "Мария", "Наталья", "Ольга", "Полина",
    "Светлана", "Софья", "Татьяна", "Ульяна", "Юлия", "Алиса", "Арина",
)  # fmt: skip
_PATRONYMICS = (
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"), ("Андреевич", "Андреевна"),
    ("Владимирович", "Владимировна"), ("Дмитриевич", "Дмитриевна"), ("Евгеньевич", "Евгеньевна"),
    ("Иванович", "Ивановна"), ("Игоревич", "Игоревна"), ("Михайлович", "Михайловна"),
    ("Николаевич", "Николаевна"), ("Олегович", "Олеговна"), ("Павлович", "Павловна"),
    ("Петрович", "Петровна"), ("Романович", "Романовна"), ("Сергеевич", "Сергеевна"),
    ("Юрьевич", "Юрьевна"), ("Викторович", "Викторовна"), ("Геннадьевич", "Геннадьевна"),
)  # fmt: skip

# a teacher's subject: position, competencies, and the requests of pupils it answers
_SUBJECTS = (
    ("учитель математики", "математика, олимпиадная математика, подготовка к ОГЭ и ЕГЭ",
     ("подготовка к олимпиаде по математике", "математика: подготовка к ОГЭ")),
    ("учитель русского языка и литературы", "русский язык, литература, итоговое сочинение",
     ("повышение успеваемости по русскому языку", "подготовка к итоговому сочинению")),
    ("учитель физики", "физика, проектная деятельность, робототехника",
     ("подготовка к ОГЭ по физике", "проект по робототехнике")),
    ("учитель информатики", "информатика, программирование на Python, олимпиадное программирование",
     ("программирование на Python", "олимпиада по информатике")),
    ("учитель биологии", "биология, исследовательские проекты, экология",
     ("исследовательский проект по биологии", "экологический проект")),
    ("учитель английского языка", "английский язык, разговорная практика, олимпиады",
     ("разговорный английский язык", "английский язык: подготовка к олимпиаде")),
    ("педагог-психолог", "психологическое сопровождение, адаптация, профориентация",
     ("адаптация в новом классе", "выбор профессии, профориентация")),
    ("учитель истории и обществознания", "история, обществознание, школьное самоуправление",
     ("подготовка к ВПР по истории", "лидерские качества, школьное самоуправление")),
)  # fmt: skip
_YOUNG_REQUESTS = (
    "методика проведения урока, дисциплина на уроке",
    "классное руководство и работа с родителями",
    "составление рабочей программы, подготовка обучающихся к ОГЭ",
)
_EMPLOYER = (
    "мастер участка ООО «Белоярскэнергосервис»",
    "энергетика, инженерные профессии, профориентация",
    ("выбор профессии: инженерные специальности", "профориентация: энергетика"),
)
_LETTERS = "АБВ"


class _Names:
    """Distinct full names for one school, drawn deterministically from the school's id."""

    def __init__(self, school_id: str) -> None:
        self._index = sum(ord(char) for char in school_id) * 7
        self._used: set[str] = set()

    def next(self, female: bool) -> str:
        while True:
            self._index += 1
            i = self._index
            surname = _SURNAMES[(i * 13) % len(_SURNAMES)]
            first = (_FEMALE_NAMES if female else _MALE_NAMES)[(i * 7) % 24]
            patronymic = _PATRONYMICS[(i * 5) % len(_PATRONYMICS)][1 if female else 0]
            name = f"{surname}{'а' if female else ''} {first} {patronymic}"
            if name not in self._used:
                self._used.add(name)
                return name


@dataclass(frozen=True)
class RegistryRows:
    """A demo school's registry as the rows of its three import files."""

    mentors: list[dict[str, str]]
    mentees: list[dict[str, str]]
    pairs: list[dict[str, str]]


MENTOR_COLUMNS = ("full_name", "category", "position", "age", "competencies", "capacity",
                  "consent", "consent_date")  # fmt: skip
MENTEE_COLUMNS = ("full_name", "category", "school_class", "age", "experience_years", "position",
                  "request")  # fmt: skip
PAIR_COLUMNS = ("mentor", "mentee", "form", "start", "end", "group", "programme")
PAIRS_START = date(2022, 9, 1)
PAIRS_END = date(2023, 5, 31)
_PROGRAMMES = {
    "teacher_pupil": "Программа наставничества «Учитель – ученик»",
    "teacher_teacher": "Программа наставничества «Учитель – учитель»",
    "pupil_pupil": "Программа наставничества «Ученик – ученик»",
    "employer_pupil": "Программа профориентации «Мой выбор»",
}
_FORM_TITLES = {
    "teacher_pupil": "учитель – ученик",
    "teacher_teacher": "учитель – учитель",
    "pupil_pupil": "ученик – ученик",
    "employer_pupil": "работодатель – ученик",
}


def registry_rows(school_id: str) -> RegistryRows:
    """The demo registry of a school with a profile in ``REGISTRY`` (import-file rows)."""
    profile = REGISTRY[school_id]
    names = _Names(school_id)
    offset = sum(ord(char) for char in school_id)
    mentors: list[dict[str, str]] = []
    mentees: list[dict[str, str]] = []
    pairs: list[dict[str, str]] = []
    counter = iter(range(1000))

    def mentee(age: int, request: str) -> str:
        n = next(counter)
        name = names.next(female=n % 2 == 1)
        mentees.append(
            {
                "full_name": name,
                "category": "ученик",
                "school_class": f"{age - 6} {_LETTERS[n % 3]}",
                "age": str(age),
                "request": request,
            }
        )
        return name

    def pair(mentor: str, mentee_name: str, form: str, group: str = "") -> None:
        pairs.append(
            {
                "mentor": mentor,
                "mentee": mentee_name,
                "form": _FORM_TITLES[form],
                "start": PAIRS_START.strftime("%d.%m.%Y"),
                "end": PAIRS_END.strftime("%d.%m.%Y"),
                "group": group,
                "programme": _PROGRAMMES[form],
            }
        )

    def mentor(position: str, competencies: str, capacity: int, **extra: str) -> str:
        name = names.next(female=len(mentors) % 3 != 2)
        mentors.append(
            {
                "full_name": name,
                "category": extra.pop("category", "учитель"),
                "position": position,
                "age": extra.pop("age", ""),
                "competencies": competencies,
                "capacity": str(capacity),
                "consent": "да",
                "consent_date": "14.03.2022",
            }
        )
        return name

    last_subject: tuple[str, ...] = ()
    for t in range(profile.teachers):
        position, competencies, requests = _SUBJECTS[(offset + t) % len(_SUBJECTS)]
        last_subject = requests
        young = t < profile.young
        # the last teacher has one place left, for a pupil still waiting (see `registry suggest`)
        spare = 1 if t == profile.teachers - 1 and profile.unpaired else 0
        teacher = mentor(position, competencies, profile.per_teacher + (1 if young else 0) + spare)
        for k in range(profile.per_teacher):
            age = 10 + (t * profile.per_teacher + k) % 8
            pair(teacher, mentee(age, requests[k % 2]), "teacher_pupil")
        if young:
            n = next(counter)
            name = names.next(female=n % 2 == 0)
            mentees.append(
                {
                    "full_name": name,
                    "category": "молодой специалист",
                    "experience_years": str(n % 3),
                    "position": position,
                    "request": _YOUNG_REQUESTS[t % len(_YOUNG_REQUESTS)],
                }
            )
            pair(teacher, name, "teacher_teacher")
    for p in range(profile.pupil_mentors):
        position, competencies, requests = _SUBJECTS[(offset + p + 3) % len(_SUBJECTS)]
        age = 16 + p % 2
        leader = mentor(
            f"{age - 6} А", competencies.split(",")[0], 2, category="ученик", age=str(age)
        )
        for k in range(2):
            pair(leader, mentee(12 + (p + k) % 3, requests[k]), "pupil_pupil", f"Группа № {p + 1}")
    if profile.employer:
        position, competencies, requests = _EMPLOYER
        employer = mentor(position, competencies, 2, category="работодатель")
        for k in range(2):
            pair(employer, mentee(15 + k, requests[k]), "employer_pupil")
    for _ in range(profile.unpaired):
        mentee(11, last_subject[1] if last_subject else "адаптация в новом классе")
    return RegistryRows(mentors=mentors, mentees=mentees, pairs=pairs)
