"""Known roles and document kinds that roadmap definitions may refer to.

Roles map the verbatim "Ответственный" column of a roadmap to stable ids; document kinds map the
"Результат, вид документа" column to template ids (documents issue). An id outside these tables
is a lint warning, not an error: the roadmap still runs.
"""

from __future__ import annotations

from typing import Literal

Level = Literal["municipal", "school"]

# role id -> (level, Russian name, typical spellings in the sources)
ROLES: dict[str, tuple[Level, str]] = {
    # school level
    "school": ("school", "образовательная организация (ОУ, ОО)"),
    "director": ("school", "директор (руководитель ОО)"),
    "deputy": ("school", "заместитель директора"),
    "curator": ("school", "куратор внедрения целевой модели наставничества"),
    "mentor": ("school", "наставник"),
    "mentee": ("school", "наставляемый"),
    "psychologist": ("school", "педагог-психолог"),
    "social_pedagogue": ("school", "социальный педагог"),
    "teacher": ("school", "педагогические работники, учителя"),
    "class_teacher": ("school", "классный руководитель"),
    "methodical_association": ("school", "методическое объединение (ШМО)"),
    "working_group_school": ("school", "рабочая группа ОО"),
    # municipal level
    "committee": (
        "municipal",
        "орган управления образованием (КО, ГОРУНО, Управление образования)",
    ),
    "methodical_center": (
        "municipal",
        "методический центр (ИМЦ, МАУ «ИМЦ», МАУ «БМЦ», МБУ ЦРО, ЦРО)",
    ),
    "expert_council": ("municipal", "муниципальный экспертный совет"),
    "coordinator": ("municipal", "муниципальный координатор"),
    "working_group": ("municipal", "муниципальная рабочая группа"),
    "municipal_methodical_association": (
        "municipal",
        "муниципальное методическое объединение (РМО, ММО)",
    ),
}

# Municipal roles that a unit with its own e-mail may answer for (storage/units.py): a step of
# such a role reminds the unit, then the coordinator and the head. The coordinator and the
# education authority (its head) are on the ladder already.
UNIT_ROLES: tuple[str, ...] = (
    "methodical_center",
    "expert_council",
    "working_group",
    "municipal_methodical_association",
)

# document kind id -> (Russian title, scope of the generated document or None when nastavnik has no
# template for it and the step is closed by evidence only)
DOCUMENTS: dict[str, tuple[str, Literal["school", "municipality"] | None]] = {
    "order_curator_appointment": (
        "Приказ о назначении куратора внедрения целевой модели наставничества",
        "school",
    ),
    "order_regulation_roadmap": (
        "Приказ об утверждении Положения о системе наставничества и дорожной карты",
        "school",
    ),
    "regulation": ("Положение о системе наставничества", "school"),
    "order_pairs": ("Приказ о закреплении наставнических пар (групп)", "school"),
    "order_municipal_implementation": (
        "Распоряжение (приказ) органа управления образованием о внедрении целевой модели наставничества",
        "municipality",
    ),
    "roadmap": ("Дорожная карта внедрения целевой модели наставничества", "school"),
    "analytical_report": (
        "Аналитическая справка по итогам реализации дорожной карты",
        "municipality",
    ),
    "analytical_report_xlsx": (
        "Справка о ходе реализации дорожной карты (таблицы XLSX)",
        "municipality",
    ),
    "protocol": ("Протокол заседания", "municipality"),
    "mentor_registry": ("Реестр (база) наставников", "school"),
    "mentee_registry": ("База наставляемых", "school"),
    # kinds without a template: closed by evidence (number and date of the act, a link, a scan)
    "order": ("Приказ (распорядительный акт)", None),
    "plan": ("План (программа) мероприятий", None),
    "mentorship_program": ("Программа наставничества", None),
    "municipal_model": ("Муниципальная целевая модель наставничества", None),
    "methodical_recommendations": ("Методические рекомендации", None),
    "monitoring_report": ("Результаты мониторинга (отчёт, справка)", None),
    "report": ("Отчёт", None),
    "information": ("Информация (информационное письмо, публикация на сайте)", None),
    "publication": ("Публикация (сайт, СМИ)", None),
    "event": ("Мероприятие проведено (семинар, совещание, конкурс)", None),
    "survey": ("Анкетирование (результаты опроса)", None),
    "agreement": ("Соглашение (договор) о сотрудничестве", None),
    "best_practices": ("База (банк) лучших практик наставничества", None),
    "certificate": ("Сертификат, благодарность, поощрение", None),
    "website_section": ("Раздел на сайте", None),
}
