"""Demo data for every template: a school of Белоярский район (ХМАО – Югра) and its committee.

Plain dicts of the shapes documented in ``documents.context``, the same data ``nastavnik demo`` and
the tests use. Names of people other than the school's director are invented.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

MUNICIPALITY = "Белоярский район"

SCHOOL: dict[str, str] = {
    "full_name": (
        "Муниципальное автономное общеобразовательное учреждение Белоярского района "
        "«Средняя общеобразовательная школа № 1 г. Белоярский»"
    ),
    "short_name": "МАОУ «СОШ № 1 г. Белоярский»",
    "place": "г. Белоярский",
    "head_position": "Директор",
    "head_name": "Сулейманов Магомед Сулейманович",
    "municipality": MUNICIPALITY,
}

COMMITTEE: dict[str, str] = {
    "full_name": "Комитет по образованию администрации Белоярского района",
    "short_name": "Комитет по образованию",
    "place": "г. Белоярский",
    "head_position": "Председатель Комитета по образованию",
    "head_name": "Петрова Ирина Николаевна",
    "municipality": MUNICIPALITY,
}

METHODICAL_CENTER: dict[str, str] = {
    "full_name": (
        "Муниципальное автономное учреждение Белоярского района «Белоярский методический центр "
        "информационно-технического обеспечения»"
    ),
    "short_name": "МАУ «БМЦ»",
    "place": "г. Белоярский",
    "head_position": "Директор",
    "head_name": "Захарова Светлана Геннадьевна",
    "municipality": MUNICIPALITY,
}

CURATOR: dict[str, str] = {
    "full_name": "Кузнецова Елена Викторовна",
    "position": "заместитель директора по учебно-воспитательной работе",
}

COORDINATOR: dict[str, str] = {
    "full_name": "Комарова Наталья Александровна",
    "position": "методист",
    "organisation": "МАУ «БМЦ»",
}

MUNICIPAL_ORDER: dict[str, Any] = {
    "kind": "распоряжение",
    "issuer": "Комитета по образованию администрации Белоярского района",
    "date": date(2022, 4, 20),
    "number": "215",
    "title": (
        "О внедрении целевой модели наставничества педагогических работников и обучающихся в "
        "образовательных организациях Белоярского района"
    ),
}

SCHOOLS = [
    "МАОУ «СОШ № 1 г. Белоярский»",
    "МАОУ «СОШ № 2 г. Белоярский»",
    "МАОУ «СОШ № 3 г. Белоярский»",
    "МАОУ Белоярского района «СОШ с. Казым»",
    "МАОУ Белоярского района «СОШ п. Сосновка»",
    "МАОУ Белоярского района «СОШ п. Верхнеказымский»",
    "МАОУ Белоярского района «СОШ п. Лыхма»",
    "МАОУ Белоярского района «СОШ с. Полноват»",
    "МАОУ Белоярского района «СОШ п. Сорум»",
]

# Column order of the pairs CSV a school uploads (documents.pairs_csv).
PAIRS_CSV = """mentor;mentee;form;start;end;group;mentor_position;mentee_position
Кузьмина Ольга Петровна;Ахмедов Руслан Ильдарович;«педагог – педагог»;15.09.2022;31.05.2023;;учитель математики;учитель математики
Литвинова Светлана Юрьевна;Гарипова Алина Рамилевна;«педагог – педагог»;15.09.2022;31.05.2023;;учитель начальных классов;учитель начальных классов
Тихонов Андрей Владимирович;Ермаков Денис Сергеевич;«учитель – ученик»;01.10.2022;31.05.2023;;учитель физической культуры;обучающийся 8 «Б» класса
Белова Дарья Андреевна;Мамедова Айгюль Эльчиновна;«ученик – ученик»;01.10.2022;26.05.2023;Группа № 1;обучающаяся 10 «А» класса;обучающаяся 7 «А» класса
Белова Дарья Андреевна;Соколов Максим Игоревич;«ученик – ученик»;01.10.2022;26.05.2023;Группа № 1;обучающаяся 10 «А» класса;обучающийся 7 «А» класса
Хабибуллин Ринат Маратович;Попова Виктория Олеговна;«учитель – ученик»;01.10.2022;31.05.2023;;учитель информатики;обучающаяся 9 «А» класса
"""

# Roadmap steps a school of Белоярский район carries out (definitions/roadmaps/beloyarsky-2022.yaml),
# with the dates the deadline phrases resolve to for 2022.
ROADMAP_SECTIONS = [
    {
        "code": "1",
        "title": (
            "Нормативно-правовое регулирование внедрения Муниципальной целевой модели наставничества "
            "педагогических работников и обучающихся образовательных учреждений Белоярского района"
        ),
    },
    {
        "code": "3",
        "title": (
            "Внедрение Целевой модели наставничества в образовательных учреждениях Белоярского района"
        ),
    },
    {
        "code": "4",
        "title": "Мониторинг и оценка результатов внедрения Целевой модели наставничества",
    },
]
ROADMAP_ROWS: list[dict[str, str]] = [
    {
        "code": "1.4",
        "section": "1",
        "title": (
            "Утверждение пакета нормативных актов по внедрению МЦМН педагогических работников и "
            "обучающихся в образовательных учреждениях Белоярского района"
        ),
        "deadline": "Апрель - май 2022",
        "dates": "01.04.2022 – 31.05.2022",
        "responsible": "ОУ",
        "result": "Приказ о внедрении МЦМН, пакет нормативных актов",
    },
    {
        "code": "1.5",
        "section": "1",
        "title": "Назначение кураторов внедрения целевой модели наставничества в ОУ",
        "deadline": "до 15 мая 2022 г.",
        "dates": "до 15.05.2022",
        "responsible": "ОУ",
        "result": "Приказы о назначении кураторов в ОУ",
    },
    {
        "code": "1.6",
        "section": "1",
        "title": (
            "Разработка «Положения о системе наставничества педагогических работников и обучающихся "
            "в образовательном учреждении», Дорожной карты, Программы наставничества"
        ),
        "deadline": "до 25 мая 2022 г",
        "dates": "до 25.05.2022",
        "responsible": "ОУ",
        "result": "Положение, дорожная карта",
    },
    {
        "code": "3.1",
        "section": "3",
        "title": "Формирование базы наставляемых в 2022–2023 учебном году.",
        "deadline": "до 30 апреля 2022 г.",
        "dates": "до 30.04.2022",
        "responsible": "ОУ",
        "result": "База наставляемых с перечнем запросов",
    },
    {
        "code": "3.2",
        "section": "3",
        "title": (
            "Формирование базы наставников в 2022–2023 учебном году (отбор из числа потенциальных "
            "наставников в соответствии с перечнем запросов)"
        ),
        "deadline": "до 04 апреля 2022 г.",
        "dates": "до 04.04.2022",
        "responsible": "ОУ",
        "result": "База наставников с перечнем компетенций",
    },
    {
        "code": "3.3",
        "section": "3",
        "title": "Формирование наставнических пар или групп",
        "deadline": "в течение года",
        "dates": "01.01.2022 – 30.12.2022",
        "responsible": "ОУ",
        "result": "Приказ о закреплении наставнических пар",
    },
    {
        "code": "4.1",
        "section": "4",
        "title": "Организация персонифицированного учета наставников и наставляемых",
        "deadline": "апрель — декабрь 2022 г.",
        "dates": "01.04.2022 – 30.12.2022",
        "responsible": "Кураторы внедрения целевой модели наставничества (МАУ «БМЦ», ОУ)",
        "result": "Сформированы первичные данные для оценки вовлеченности в формы наставничества",
    },
    {
        "code": "4.2",
        "section": "4",
        "title": (
            "Проведение внутреннего мониторинга образовательных учреждений по реализации и "
            "эффективности программ наставничества"
        ),
        "deadline": "апрель – декабрь 2022 г.",
        "dates": "01.04.2022 – 30.12.2022",
        "responsible": "Кураторы внедрения целевой модели наставничества (МАУ «БМЦ», ОУ)",
        "result": "Аналитические данные предоставляются кураторами муниципальным координаторам",
    },
]

# The school steps of the roadmap with their due dates, for the analytical report.
REPORT_STEPS: list[tuple[str, str, date | None]] = [
    ("1.4", "Утверждение пакета нормативных актов по внедрению МЦМН", date(2022, 5, 31)),
    ("1.5", "Назначение кураторов внедрения целевой модели наставничества в ОУ", date(2022, 5, 15)),
    ("1.6", "Разработка Положения о системе наставничества, дорожной карты", date(2022, 5, 25)),
    ("2.6", "Популяризация целевой модели наставничества", None),
    ("3.1", "Формирование базы наставляемых в 2022–2023 учебном году", date(2022, 4, 30)),
    ("3.2", "Формирование базы наставников в 2022–2023 учебном году", date(2022, 4, 4)),
    ("3.3", "Формирование наставнических пар или групп", date(2022, 12, 30)),
    (
        "4.1",
        "Организация персонифицированного учета наставников и наставляемых",
        date(2022, 12, 30),
    ),
    ("4.2", "Проведение внутреннего мониторинга программ наставничества", date(2022, 12, 30)),
]
REPORT_AS_OF = date(2022, 6, 15)


def report_schools(names: list[str], *, as_of: date = REPORT_AS_OF) -> list[dict[str, Any]]:
    """Step states for schools: a deterministic mix of on time, late, overdue and open steps."""
    schools = []
    for index, name in enumerate(names):
        steps = []
        for number, (code, title, deadline) in enumerate(REPORT_STEPS):
            outcome = (index * 7 + number * 3) % 10
            done_on: date | None = None
            if deadline is None:
                done_on = date(2022, 5, 20) if outcome < 5 else None
            elif outcome < 6 and deadline <= as_of + timedelta(days=30):
                done_on = deadline - timedelta(days=outcome)
            elif outcome < 8 and deadline <= as_of:
                done_on = min(deadline + timedelta(days=outcome + 1), as_of)
            steps.append({"code": code, "title": title, "deadline": deadline, "done_on": done_on})
        schools.append({"name": name, "steps": steps})
    return schools


# What closed each step at the demo school (the evidence a curator records).
_SCHOOL_DOCUMENTS = {
    "1.4": "приказ от 24.05.2022 № 118-о",
    "1.5": "приказ от 12.05.2022 № 112-о",
    "1.6": "Положение и дорожная карта, утверждены приказом от 24.05.2022 № 118-о",
    "3.2": "реестр наставников на 04.04.2022",
    "3.1": "база наставляемых на 06.05.2022",
}


def school_report_steps() -> list[dict[str, Any]]:
    """The demo school's steps: on time, late, overdue, open and one not applicable."""
    steps = []
    for code, title, deadline in REPORT_STEPS:
        done_on: date | None = None
        if code in ("1.4", "1.5", "3.2"):
            done_on = deadline
        elif code in ("1.6", "3.1"):
            assert deadline is not None
            done_on = deadline + timedelta(days=6)
        steps.append(
            {
                "code": code,
                "title": title,
                "deadline": deadline,
                "done_on": done_on,
                "document": _SCHOOL_DOCUMENTS.get(code, "") if done_on else "",
                "not_applicable": code == "2.6",
            }
        )
    steps.insert(
        3,
        {
            "code": "2.3",
            "title": "Проведение совещания по вопросам внедрения целевой модели наставничества",
            "deadline": date(2022, 6, 1),
        },
    )
    return steps


def demo_data(template_id: str) -> dict[str, Any]:
    """Realistic data for one template id (see ``documents.templates.list_templates``)."""
    builders = {
        "order_curator_appointment": lambda: {
            "organisation": SCHOOL,
            "number": "112-о",
            "date": date(2022, 5, 12),
            "curator": CURATOR,
            "basis_act": MUNICIPAL_ORDER,
        },
        "order_regulation_roadmap": lambda: {
            "organisation": SCHOOL,
            "number": "118-о",
            "date": date(2022, 5, 24),
            "curator": CURATOR,
            "roadmap_period": "2022–2024 годы",
            "publish_deadline": date(2022, 5, 31),
            "basis_act": MUNICIPAL_ORDER,
        },
        "regulation": lambda: {
            "organisation": SCHOOL,
            "approval": {"kind": "приказ", "number": "118-о", "date": date(2022, 5, 24)},
        },
        "order_pairs": lambda: {
            "organisation": SCHOOL,
            "number": "164-о",
            "date": date(2022, 9, 12),
            "academic_year": "2022–2023",
            "plans_deadline": date(2022, 10, 14),
            "curator": CURATOR,
            "pairs": _demo_pairs(),
        },
        "order_municipal_implementation": lambda: {
            "organisation": COMMITTEE,
            "document_kind": "распоряжение",
            "number": MUNICIPAL_ORDER["number"],
            "date": MUNICIPAL_ORDER["date"],
            "roadmap_period": "2022 год",
            "coordinator": COORDINATOR,
            "curators_deadline": date(2022, 5, 15),
            "documents_deadline": date(2022, 5, 25),
        },
        "roadmap": lambda: {
            "organisation": SCHOOL,
            "title": (
                "План мероприятий (дорожная карта) внедрения целевой модели наставничества "
                "педагогических работников и обучающихся в МАОУ «СОШ № 1 г. Белоярский» на 2022 год"
            ),
            "approval": {
                "kind": "приказ",
                "issuer": "МАОУ «СОШ № 1 г. Белоярский»",
                "number": "118-о",
                "date": date(2022, 5, 24),
            },
            "sections": ROADMAP_SECTIONS,
            "rows": ROADMAP_ROWS,
        },
        "analytical_report": lambda: {
            "organisation": COMMITTEE,
            "as_of": REPORT_AS_OF,
            "roadmap_title": (
                "План мероприятий (дорожная карта) внедрения Муниципальной целевой модели "
                "наставничества педагогических работников и обучающихся образовательных "
                "учреждений Белоярского района на 2022 год"
            ),
            "schools": report_schools(SCHOOLS),
            "indicators": [
                {
                    "code": "1",
                    "title": (
                        "Доля обучающихся в возрасте от 10 до 18 лет, вошедших в программы "
                        "наставничества в роли наставляемого"
                    ),
                    "year": 2022,
                    "target": 10,
                    "actual": 12.5,
                },
                {
                    "code": "2",
                    "title": (
                        "Доля обучающихся в возрасте от 15 до 18 лет, вошедших в программы "
                        "наставничества в роли наставника"
                    ),
                    "year": 2022,
                    "target": 2,
                    "actual": 1.4,
                },
                {
                    "code": "3",
                    "title": (
                        "Доля учителей – молодых специалистов (с опытом работы от 0 до 3 лет), "
                        "вошедших в программы наставничества в роли наставляемого"
                    ),
                    "year": 2022,
                    "target": 100,
                    "actual": 100,
                },
                {
                    "code": "4",
                    "title": "Уровень удовлетворённости наставляемых участием в программах наставничества",
                    "year": 2022,
                    "target": 50,
                },
            ],
            "prepared_by": COORDINATOR,
        },
        "protocol": lambda: {
            "organisation": METHODICAL_CENTER,
            "body": "муниципального методического совета",
            "number": "3",
            "date": date(2022, 5, 26),
            "chair": "Захарова Светлана Геннадьевна",
            "secretary": "Комарова Наталья Александровна",
            "attendees_count": 14,
            "agenda": [
                {
                    "title": (
                        "Проведение заседания ММС по вопросам внедрения системы наставничества в "
                        "Белоярском районе"
                    ),
                    "speaker": "Комарова Наталья Александровна",
                    "speaker_position": "методист МАУ «БМЦ»",
                    "decision": (
                        "Информацию принять к сведению. Руководителям образовательных организаций "
                        "обеспечить утверждение положений о системе наставничества и дорожных карт "
                        "в срок до 25.05.2022."
                    ),
                },
                {
                    "title": "О согласовании положений о системе наставничества образовательных организаций",
                    "speaker": "Кузнецова Елена Викторовна",
                    "speaker_position": "заместитель директора по учебно-воспитательной работе МАОУ «СОШ № 1 г. Белоярский»",
                    "decision": "Согласовать представленные положения о системе наставничества.",
                },
            ],
        },
        "mentor_registry": lambda: {
            "organisation": SCHOOL,
            "as_of": date(2022, 9, 12),
            "mentors": [
                {
                    "full_name": "Кузьмина Ольга Петровна",
                    "position": "учитель математики",
                    "experience_years": 24,
                    "competences": "подготовка к ГИА, олимпиадная математика",
                    "forms": "«педагог – педагог»",
                    "mentees": ["Ахмедов Руслан Ильдарович"],
                    "start": date(2022, 9, 15),
                    "end": date(2023, 5, 31),
                },
                {
                    "full_name": "Литвинова Светлана Юрьевна",
                    "position": "учитель начальных классов",
                    "experience_years": 18,
                    "competences": "формирующее оценивание, работа с родителями",
                    "forms": "«педагог – педагог»",
                    "mentees": ["Гарипова Алина Рамилевна"],
                    "start": date(2022, 9, 15),
                    "end": date(2023, 5, 31),
                },
                {
                    "full_name": "Тихонов Андрей Владимирович",
                    "position": "учитель физической культуры",
                    "experience_years": 11,
                    "competences": "спортивная подготовка, ГТО",
                    "forms": "«учитель – ученик»",
                    "mentees": ["Ермаков Денис Сергеевич"],
                    "start": date(2022, 10, 1),
                    "end": date(2023, 5, 31),
                },
                {
                    "full_name": "Белова Дарья Андреевна",
                    "position": "обучающаяся 10 «А» класса",
                    "competences": "математика, проектная деятельность",
                    "forms": "«ученик – ученик»",
                    "mentees": ["Мамедова Айгюль Эльчиновна", "Соколов Максим Игоревич"],
                    "start": date(2022, 10, 1),
                    "end": date(2023, 5, 26),
                },
            ],
        },
        "mentee_registry": lambda: {
            "organisation": SCHOOL,
            "as_of": date(2022, 9, 12),
            "mentees": [
                {
                    "full_name": "Ахмедов Руслан Ильдарович",
                    "category": "учитель математики (молодой специалист)",
                    "request": "адаптация в коллективе, методика подготовки к ОГЭ",
                    "form": "«педагог – педагог»",
                    "mentor": "Кузьмина Ольга Петровна",
                    "start": date(2022, 9, 15),
                    "end": date(2023, 5, 31),
                },
                {
                    "full_name": "Ермаков Денис Сергеевич",
                    "category": "обучающийся 8 «Б» класса",
                    "request": "повышение мотивации к учёбе, подготовка к сдаче норм ГТО",
                    "form": "«учитель – ученик»",
                    "mentor": "Тихонов Андрей Владимирович",
                    "start": date(2022, 10, 1),
                    "end": date(2023, 5, 31),
                },
                {
                    "full_name": "Мамедова Айгюль Эльчиновна",
                    "category": "обучающаяся 7 «А» класса",
                    "request": "ликвидация пробелов по математике",
                    "form": "«ученик – ученик»",
                    "mentor": "Белова Дарья Андреевна",
                },
            ],
        },
    }
    builders["analytical_report_xlsx"] = builders["analytical_report"]
    builders["school_report"] = lambda: {
        "organisation": SCHOOL,
        "as_of": REPORT_AS_OF,
        "number": "131-о",
        "date": REPORT_AS_OF,
        "roadmap_title": (
            "План мероприятий (дорожная карта) внедрения целевой модели наставничества "
            "педагогических работников и обучающихся в МАОУ «СОШ № 1 г. Белоярский» на 2022 год"
        ),
        "curator": CURATOR,
        "steps": school_report_steps(),
        "indicators": [
            {
                "code": "1",
                "title": (
                    "Доля обучающихся в возрасте от 10 до 18 лет, вошедших в программы "
                    "наставничества в роли наставляемого"
                ),
                "year": 2022,
                "target": 10,
                "actual": 14.2,
            },
            {
                "code": "2",
                "title": (
                    "Доля обучающихся в возрасте от 15 до 18 лет, вошедших в программы "
                    "наставничества в роли наставника"
                ),
                "year": 2022,
                "target": 2,
                "actual": 1.1,
            },
            {
                "code": "3",
                "title": (
                    "Доля учителей – молодых специалистов (с опытом работы от 0 до 3 лет), "
                    "вошедших в программы наставничества в роли наставляемого"
                ),
                "year": 2022,
                "target": 70,
            },
        ],
    }
    try:
        # A deep copy: callers (tests, the demo command) may change the data they get.
        return copy.deepcopy(builders[template_id]())
    except KeyError:
        raise KeyError(f"no demo data for {template_id!r}") from None


def _demo_pairs() -> list[dict[str, Any]]:
    from dataclasses import asdict

    from documents.pairs_csv import parse_pairs_csv

    return [asdict(pair) for pair in parse_pairs_csv(PAIRS_CSV, source="demo-pairs.csv")]


# --- a municipality with long names: what the layout of every document is checked against --------

LONG_MUNICIPALITY = "муниципальное образование «Новодугинский район» Смоленской области"

LONG_SCHOOL: dict[str, str] = {
    "full_name": (
        "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная "
        "школа № 2 имени Героя Советского Союза Александра Ивановича Покрышкина» муниципального "
        "образования «Новодугинский район» Смоленской области"
    ),
    "short_name": "МБОУ «Новодугинская СОШ № 2 им. А.И. Покрышкина»",
    "place": "с. Новодугино",
    "head_position": "директор",
    "head_name": "Алиев Рамиз Гусейн оглы",
    "municipality": LONG_MUNICIPALITY,
}

LONG_COMMITTEE: dict[str, str] = {
    "full_name": (
        "Отдел по образованию Администрации муниципального образования «Новодугинский район» "
        "Смоленской области"
    ),
    "short_name": "Отдел по образованию",
    "place": "с. Новодугино",
    "head_position": "начальник Отдела по образованию",
    "head_name": "Сулейманова Патимат Магомедовна",
    "municipality": LONG_MUNICIPALITY,
}

LONG_CURATOR: dict[str, str] = {
    "full_name": "Шевчук Анна Игоревна",
    "position": "старшая вожатая",
}

LONG_COORDINATOR: dict[str, str] = {
    "full_name": "Сулейманов Магомед Сулейманович",
    "position": "заведующий методическим кабинетом",
    "organisation": "Отдела по образованию",
}

_LONG_PEOPLE = [
    ("Шевчук Анна Игоревна", "учитель русского языка и литературы"),
    ("Алиев Рамиз Гусейн оглы", "учитель физической культуры"),
    ("Константинопольская Екатерина Вячеславовна", "учитель-логопед"),
    ("Сулейманов Магомед Сулейманович", "преподаватель-организатор основ безопасности"),
    ("Мамедова Айгюль Эльчиновна", "заведующая библиотекой"),
    ("Воскресенский Святослав Александрович", "учитель информатики и информационных технологий"),
]
_LONG_MENTEES = [
    ("Гарипова Алина Рамилевна", "обучающаяся 7 «А» класса"),
    ("Ермаков Денис Сергеевич", "обучающийся 8 «Б» класса"),
    ("Нигматуллина Эльвира Ришатовна", "молодой специалист, учитель начальных классов"),
    ("Преображенский Всеволод Константинович", "обучающийся 10 «А» класса"),
]


def _long_pairs(count: int = 36) -> list[dict[str, Any]]:
    pairs = []
    for index in range(count):
        mentor, mentor_position = _LONG_PEOPLE[index % len(_LONG_PEOPLE)]
        mentee, mentee_position = _LONG_MENTEES[index % len(_LONG_MENTEES)]
        teachers = "специалист" in mentee_position
        pairs.append(
            {
                "mentor": mentor,
                "mentee": mentee,
                "form": "«педагог – педагог»" if teachers else "«учитель – ученик»",
                "start": date(2022, 9, 15),
                "end": date(2023, 5, 31),
                "group": f"Группа № {index // 3 + 1}" if index % 4 == 3 else None,
                "mentor_position": mentor_position,
                "mentee_position": mentee_position,
            }
        )
    return pairs


# The demo municipality's names in texts (titles, agendas, cited acts) and the long one's.
_MOVED_NAMES = [
    ("МАОУ «СОШ № 1 г. Белоярский»", "МБОУ «Новодугинская СОШ № 2 им. А.И. Покрышкина»"),
    ("Белоярского района", "муниципального образования «Новодугинский район» Смоленской области"),
    ("Белоярском районе", "муниципальном образовании «Новодугинский район» Смоленской области"),
]


def _moved(value: Any) -> Any:
    """The demo data with the demo municipality's names in its texts replaced by the long ones."""
    if isinstance(value, str):
        for old, new in _MOVED_NAMES:
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {key: _moved(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_moved(item) for item in value]
    return value


def long_names_data(template_id: str) -> dict[str, Any]:
    """The demo data of a template moved to a municipality whose names are as long as they get.

    Long organisation names, a Turkic patronymic, feminine positions, many pairs, roadmap rows and
    schools: the page layout of every document (tables, signatures, page numbers) is checked on it.
    """
    data = _moved(demo_data(template_id))
    organisation = (
        LONG_COMMITTEE
        if template_id
        in (
            "order_municipal_implementation",
            "analytical_report",
            "analytical_report_xlsx",
            "protocol",
        )
        else LONG_SCHOOL
    )
    data["organisation"] = copy.deepcopy(organisation)
    if "curator" in data:
        data["curator"] = copy.deepcopy(LONG_CURATOR)
    if "coordinator" in data:
        data["coordinator"] = copy.deepcopy(LONG_COORDINATOR)
    if "basis_act" in data:
        data["basis_act"] = {
            **data["basis_act"],
            "issuer": "Отдела по образованию Администрации муниципального образования "
            "«Новодугинский район» Смоленской области",
        }
    if template_id == "order_pairs":
        data["pairs"] = _long_pairs()
    if template_id == "roadmap":
        data["title"] = (
            "План мероприятий (дорожная карта) внедрения целевой модели наставничества "
            f"педагогических работников и обучающихся в {LONG_SCHOOL['short_name']} "
            "на 2022–2024 годы"
        )
        data["approval"] = {**data["approval"], "issuer": LONG_SCHOOL["short_name"]}
        data["rows"] = [
            {**row, "code": f"{row['code']}.{copy_index}" if copy_index else row["code"]}
            for copy_index in range(4)
            for row in _moved(ROADMAP_ROWS)
        ]
    if template_id in ("analytical_report", "analytical_report_xlsx"):
        names = [
            f"МБОУ «Средняя общеобразовательная школа № {number} имени Героя Советского Союза "
            f"А.И. Покрышкина» с. Новодугино"
            for number in range(1, 31)
        ]
        data["schools"] = report_schools(names)
        data["prepared_by"] = copy.deepcopy(LONG_COORDINATOR)
    if template_id == "school_report":
        data["roadmap_title"] = (
            "План мероприятий (дорожная карта) внедрения целевой модели наставничества "
            "педагогических работников и обучающихся в муниципальном бюджетном "
            "общеобразовательном учреждении «Средняя общеобразовательная школа № 2 имени Героя "
            "Советского Союза А.И. Покрышкина» с. Новодугино на 2022–2024 годы"
        )
        data["steps"] = [
            {
                **step,
                "code": f"{step['code']}.{copy_index}" if copy_index else step["code"],
                "document": (
                    "приказ муниципального бюджетного общеобразовательного учреждения "
                    f"от {step['done_on']:%d.%m.%Y} № 118-о/д"
                    if step.get("done_on")
                    else ""
                ),
            }
            for copy_index in range(4)
            for step in data["steps"]
        ]
    if template_id == "protocol":
        data["chair"] = "Сулейманова Патимат Магомедовна"
        data["secretary"] = "Константинопольская Екатерина Вячеславовна"
        data["attendees"] = [name for name, _ in _LONG_PEOPLE]
    if template_id == "mentor_registry":
        data["mentors"] = [
            {
                "full_name": name,
                "position": position,
                "experience_years": 5 + index,
                "competences": "подготовка к государственной итоговой аттестации, проектная "
                "и исследовательская деятельность, работа с одарёнными детьми",
                "forms": "«педагог – педагог», «учитель – ученик»",
                "mentees": [mentee for mentee, _ in _LONG_MENTEES],
                "start": date(2022, 9, 15),
                "end": date(2023, 5, 31),
            }
            for index, (name, position) in enumerate(_LONG_PEOPLE * 5)
        ]
    if template_id == "mentee_registry":
        data["mentees"] = [
            {
                "full_name": name,
                "category": category,
                "request": "адаптация в педагогическом коллективе, освоение методики подготовки "
                "обучающихся к основному государственному экзамену",
                "form": "«педагог – педагог»",
                "mentor": _LONG_PEOPLE[index % len(_LONG_PEOPLE)][0],
                "start": date(2022, 9, 15),
                "end": date(2023, 5, 31),
            }
            for index, (name, category) in enumerate(_LONG_MENTEES * 8)
        ]
    return data
