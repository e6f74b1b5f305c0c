"""Russian wording of the engine's and storage's errors, for the portal's pages.

The engine, storage and loader speak to the command line, in English, naming CLI options
(``--school``, ``CODE``). A person on the portal reads Russian and never saw those options, so the
portal words every known message anew here: one pattern per message, values carried over. A
message nobody foresaw still reaches the page in a Russian sentence, with the original as detail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from common.errors import NastavnikError
from common.russian import format_date_ru

STATE_WORDS = {
    "done": "выполнено",
    "done_late": "выполнено с опозданием",
    "not_applicable": "неприменимо",
    "open": "в работе",
}

# which form field an engine error belongs to, by its ``where``
FIELDS = {
    "--at": "doc_date",
    "--reason": "reason",
    "--start": "start",
    "--due": "due",
    "--school": "school",
    "number": "number",
    "doc_date": "doc_date",
    "scan": "scan",
    "reason": "reason",
}


def _day(iso: str) -> str:
    try:
        return format_date_ru(date.fromisoformat(iso))
    except ValueError:
        return iso


def _unquote(text: str) -> str:
    """A value the engine quoted with repr() («'sosh1'» → «sosh1»)."""
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rule(pattern: str, wording: Callable[[re.Match[str]], str]) -> Rule:
    return re.compile(pattern + r"\Z", re.DOTALL), wording


_RULES: list[Rule] = [
    # engine/actions.py return_for_rework, comment_step; engine/reminders.py (#17)
    _rule(
        r"the step is open: there is nothing to return",
        lambda m: "Мероприятие и так не выполнено: возвращать на доработку нечего.",
    ),
    _rule(r"a comment is required", lambda m: "Напишите комментарий."),
    _rule(
        r"the comment is longer than 2000 characters",
        lambda m: "Комментарий слишком длинный (не больше 2000 символов).",
    ),
    _rule(
        r"no school has this step open with a due date: nobody to remind",
        lambda m: (
            "Напоминать некому: ни у одной школы это мероприятие не ждёт выполнения со сроком."
        ),
    ),
    # engine/actions.py
    _rule(
        r"someone else changed this step at the same moment; reload and try again",
        lambda m: "Кто-то изменил это мероприятие в тот же момент. Обновите страницу и повторите.",
    ),
    _rule(
        r"already (\w+) by (.+?)(?: on (\d{4}-\d{2}-\d{2}))?",
        lambda m: (
            "Мероприятие уже отмечено: "
            + STATE_WORDS.get(m[1], m[1])
            + (f", {m[2]}" if m[2] != "—" else "")
            + (f", {_day(m[3])}" if m[3] else "")
            + ". Обновите страницу."
        ),
    ),
    _rule(
        r"nothing to undo: the step is open",
        lambda m: "Отменять нечего: мероприятие и так в работе.",
    ),
    _rule(
        r"(\d{4}-\d{2}-\d{2}) is in the future",
        lambda m: f"Дата {_day(m[1])} ещё не наступила.",
    ),
    _rule(r"a reason is required", lambda m: "Укажите причину."),
    _rule(
        r"the moment must carry a time zone",
        lambda m: "Время действия указано без часового пояса.",
    ),
    _rule(
        r"roadmap (\S+) has no step (.+)",
        lambda m: f"В дорожной карте {m[1]} нет мероприятия {_unquote(m[2])}.",
    ),
    _rule(
        r"step (\S+) is done by each school: say which with --school",
        lambda m: f"Мероприятие {m[1]} выполняет каждая школа: выберите школу.",
    ),
    _rule(
        r"step (\S+) is done once by the municipality: leave out --school",
        lambda m: f"Мероприятие {m[1]} выполняет муниципалитет, а не школа.",
    ),
    _rule(
        r"step (\S+) is municipal: leave out --school",
        lambda m: f"Мероприятие {m[1]} муниципальное: школу выбирать не нужно.",
    ),
    _rule(r"unknown school (.+)", lambda m: f"Школа «{_unquote(m[1])}» не найдена."),
    _rule(
        r"unknown school id\(s\): (.+)",
        lambda m: f"Школы не найдены: {m[1]}.",
    ),
    _rule(
        r"this school has no instance of the step: launch the roadmap for it first",
        lambda m: "У этой школы нет такого мероприятия: сначала запустите для неё дорожную карту.",
    ),
    _rule(
        r"no occurrence (\d+) \(there are (\d+)\)",
        lambda m: f"Нет этапа {m[1]} (всего этапов: {m[2]}).",
    ),
    _rule(
        r"step (\S+) has its dates in the roadmap \((.*)\); only unscheduled steps take dates "
        r"from the coordinator",
        lambda m: (
            f"Сроки мероприятия {m[1]} заданы дорожной картой («{_unquote(m[2])}»); "
            "координатор назначает даты только мероприятиям «по отдельному графику»."
        ),
    ),
    _rule(
        r"the start (.+) is after the due date (.+)",
        lambda m: f"Начало ({m[1]}) позже срока ({m[2]}).",
    ),
    # storage/schools.py, engine/runs.py, definitions/loader.py
    _rule(
        r"no municipality yet: .*",
        lambda m: "Муниципалитет ещё не создан: администратор системы выполняет «nastavnik init».",
    ),
    _rule(
        r"roadmap (.+) is not launched; launched: (.*)",
        lambda m: f"Дорожная карта {_unquote(m[1])} не запущена.",
    ),
    _rule(
        r"no roadmap is launched yet: .*",
        lambda m: "Ни одна дорожная карта ещё не запущена.",
    ),
    _rule(
        r"unknown roadmap (.+?); known: (.*)",
        lambda m: f"Дорожная карта {_unquote(m[1])} не найдена; есть: {m[2]}.",
    ),
]

# the import's problems, one per line: «row 3, column E (admin_email): 'x' is not an e-mail address»
_IMPORT_LINE = re.compile(r"row (\d+), column ([A-Z]+) \((\w+)\): (.+)\Z")
_IMPORT_PROBLEMS: list[Rule] = [
    _rule(r"is empty", lambda m: "пусто"),
    _rule(
        r"contains an invisible control character (U\+[0-9A-F]+)",
        lambda m: f"недопустимый невидимый символ ({m[1]}): наберите значение заново",
    ),
    _rule(
        r"(.+) is not a valid id \(.*\)",
        lambda m: f"«{_unquote(m[1])}» — недопустимый код (латинские буквы, цифры, «-», «_», «.»)",
    ),
    _rule(r"(.+) repeats row (\d+)", lambda m: f"«{_unquote(m[1])}» уже есть в строке {m[2]}"),
    _rule(
        r"(.+) is not an e-mail address",
        lambda m: f"«{_unquote(m[1])}» — не адрес электронной почты",
    ),
]
_IMPORT_WHOLE: list[Rule] = [
    _rule(
        r"(\d+) problem\(s\), nothing imported:\n(.*)",
        lambda m: (
            f"Ошибок: {m[1]}, ничего не импортировано:\n"
            + "\n".join("  " + _import_line(line.strip()) for line in m[2].splitlines())
        ),
    ),
    _rule(
        r"row 1: missing column\(s\) (.+?); the header must have (.+?) \(.*\)",
        lambda m: (
            f"Строка 1: нет столбцов {m[1]}. В заголовке должны быть: {m[2]} "
            "(остальные столбцы сохраняются как дополнительные сведения)."
        ),
    ),
    _rule(
        r"the file is empty: .*",
        lambda m: (
            "Файл пустой: нужна строка заголовков id, name, short_name, director, "
            "admin_email и строки школ под ней."
        ),
    ),
    _rule(r"no school rows under the header", lambda m: "Под заголовком нет ни одной школы."),
    _rule(r"cannot read the XLSX file: .*", lambda m: "Не удалось прочитать файл XLSX."),
    _rule(r"expected a \.csv or \.xlsx file", lambda m: "Нужен файл .csv или .xlsx."),
    _rule(r"no such file", lambda m: "Файл не найден."),
]


def _apply(rules: list[Rule], text: str) -> str | None:
    for pattern, wording in rules:
        match = pattern.match(text)
        if match:
            return wording(match)
    return None


def _import_line(line: str) -> str:
    match = _IMPORT_LINE.match(line)
    if match is None:
        return line
    row, column, name, problem = match.groups()
    worded = _apply(_IMPORT_PROBLEMS, problem) or problem
    return f"строка {row}, столбец {column} ({name}): {worded}"


def russian_reason(error: NastavnikError) -> str:
    """The error's reason as a Russian sentence for a page (without the CLI's ``where``)."""
    reason = error.reason.strip()
    if not _has_english(reason):
        return reason[:1].upper() + reason[1:]
    worded = _apply(_RULES, reason) or _apply(_IMPORT_WHOLE, reason)
    if worded is not None:
        return worded
    if error.where and re.search(r":\d+$", error.where):  # a definition's file:line problem
        return f"Ошибка в определении дорожной карты ({error.where}): {reason}"
    return f"Действие не выполнено. Техническая причина: {reason}"


def form_field(error: NastavnikError) -> str:
    """The form field an error belongs to (``form`` when it is about the whole form)."""
    return FIELDS.get(error.where or "", "form")


def _has_english(text: str) -> bool:
    """Whether the text reads as English (Latin words outside quotes), so it needs rewording."""
    unquoted = re.sub(r"«[^»]*»|'[^']*'|\"[^\"]*\"", "", text)
    latin = len(re.findall(r"\b[A-Za-z]{3,}\b", unquoted))
    cyrillic = len(re.findall(r"\b[А-Яа-яЁё]{3,}\b", unquoted))
    return latin > cyrillic
