"""User messages as codes: one catalogue renders each in Russian, for the CLI and the portal.

An error a user reads is raised as ``NastavnikError(code="…", where=…, **params)`` (or printed by a
shell through ``render_message``); its text is this catalogue's, with the parameters put in.
tests/test_messages.py fails when a code used in the source has no Russian text here, or a text
asks for a parameter nobody gives.
"""

from __future__ import annotations

import string

CATALOGUE: dict[str, str] = {
    # the command line's own values and states
    "cli.error": "ошибка: {message}",
    "cli.warning": "предупреждение: {message}",
    "cli.now": "«{value}»: нужна дата ГГГГ-ММ-ДД или дата и время ГГГГ-ММ-ДДTЧЧ:ММ",
    "cli.period": "--period «{value}»: нужен период ГГГГ-ММ-ДД:ГГГГ-ММ-ДД",
    "cli.period_reversed": "--period «{value}»: конец периода раньше его начала",
    "cli.day": "{option} «{value}»: нужна дата ГГГГ-ММ-ДД",
    "cli.not_initialised": (
        "база данных ещё не подготовлена: сначала выполните "
        "«nastavnik init --municipality НАЗВАНИЕ --tz ЧАСОВОЙ_ПОЯС»"
    ),
    "cli.unknown_school": "--school: школы «{school}» нет в списке школ муниципалитета",
    "cli.not_launched": "--roadmap: дорожная карта «{roadmap}» не запущена",
    "cli.nothing_launched": (
        "ни одна дорожная карта ещё не запущена: «nastavnik launch ИДЕНТИФИКАТОР_КАРТЫ»"
    ),
    "cli.portal_missing": "портал в этой сборке недоступен",
    "cli.municipality": "муниципалитет: {name} ({timezone})",
    "cli.database": "база данных {url}, версия схемы {revision}",
    "cli.scheduled": "мероприятие {step}: даты назначены ({changed})",
    "cli.portal": "портал: http://{host}:{port}/ (процессов: {workers})",
    "cli.portal_at": "портал: http://{host}:{port}/ на момент {moment} (процессов: {workers})",
    # municipal units (подразделения): engine/units.py, `nastavnik units`, the portal's page
    "units.role": (
        "«{value}» — не подразделение: укажите роль подразделения ({roles}) или слово из "
        "таблицы ролей (ИМЦ, методический центр, экспертный совет)"
    ),
    "units.spec": (
        "«{value}»: нужно РОЛЬ=НАЗВАНИЕ:E-MAIL, например «ИМЦ=МАУ «ИМЦ»:imc@example.ru»"
    ),
    "units.email": "«{value}» — не адрес электронной почты",
    "units.email_missing": "укажите адрес электронной почты подразделения",
    "units.name": "укажите название подразделения",
    "units.name_long": "название длиннее 200 знаков: сократите его",
    "units.unknown": "подразделения с ролью «{role}» нет: список — nastavnik units list",
    "units.missing": (
        "у подразделения «{role}» ({role_id}) нет адреса: напоминания о {steps} получит "
        "муниципальный координатор; добавьте подразделение: "
        "nastavnik units add {role_id} --name НАЗВАНИЕ --email АДРЕС"
    ),
    "units.saved": "подразделение {name} ({role}): {email} — {what}",
    "units.removed": "подразделение {name} ({role}) удалено: его шаги снова ведёт координатор",
    "units.none": "подразделений нет: шаги муниципального уровня ведёт координатор",
    "units.line": "{role}: {name}, адрес {email} — {state}",
}


def render_message(code: str, **params: object) -> str:
    """The Russian text of ``code`` with its parameters; an unknown code is a programming error."""
    return CATALOGUE[code].format(**params)


def message_fields(code: str) -> set[str]:
    """The parameters the text of ``code`` asks for."""
    return {name for _, name, _, _ in string.Formatter().parse(CATALOGUE[code]) if name}
