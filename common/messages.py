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
    # the roadmap editor of the portal (#14)
    "editor.not_yaml": "черновик не читается как YAML: {problem}",
    "editor.not_roadmap": "черновик — не описание дорожной карты",
    "editor.no_step": "шага {step} в черновике нет",
    "editor.move_edge": "шаг {step} уже {edge}",
    "editor.no_step_above": "над шагом {step} нет шага, подпунктом которого он мог бы стать",
    "editor.not_subrow": "шаг {step} не подпункт: поднимать некуда",
    "editor.id_taken": "дорожная карта {roadmap} уже есть в базе",
    "editor.published_id": "id опубликованной дорожной карты менять нельзя: сделайте копию",
    "editor.no_draft": "черновика нет: публиковать нечего",
}


def render_message(code: str, **params: object) -> str:
    """The Russian text of ``code`` with its parameters; an unknown code is a programming error."""
    return CATALOGUE[code].format(**params)


def message_fields(code: str) -> set[str]:
    """The parameters the text of ``code`` asks for."""
    return {name for _, name, _, _ in string.Formatter().parse(CATALOGUE[code]) if name}
