"""The message catalogue: every code the source uses has a Russian text with the parameters given."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from common.errors import NastavnikError
from common.messages import CATALOGUE, FIELDS, message_fields, render_message

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "common", "definitions", "storage", "engine", "registry", "notifications", "documents",
    "tasks", "flows", "web", "nastavnik",
)  # fmt: skip
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def _codes(node: ast.expr) -> list[str]:
    """The codes a call's first argument names: a literal, or each branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _codes(node.body), _codes(node.orelse)
        return body + orelse if body and orelse else []
    return []


# keywords of a refusal that are not its message's parameters: the deadline parser's example of a
# form that reads, the word reading stopped at and the words understood before it
NOT_PARAMETERS = {"code", "where", "field"}
REFUSAL_CONTEXT = {
    "_Unreadable": {"example", "at"},
    "DeadlineError": {"example", "understood", "stopped_at"},
}


def _uses() -> list[tuple[str, str, set[str] | None]]:
    """(place, code, keyword parameters or None when they cannot be read) of every use."""
    found: list[tuple[str, str, set[str] | None]] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                place = f"{path.relative_to(ROOT)}:{node.lineno}"
                codes: list[str] = []
                if name in ("render_message", "render_count", "_say", "page_message") and node.args:
                    codes = _codes(node.args[0])
                # an error (the deadline parser's refusal too), or a row of a rule table whose
                # parameters come from its check
                for keyword in (
                    node.keywords
                    if name.endswith(("Error", "__init__", "Rule", "Unreadable"))
                    else ()
                ):
                    if keyword.arg == "code":
                        codes = _codes(keyword.value)
                if not codes:
                    continue
                if name.endswith("Rule") or any(k.arg is None for k in node.keywords):
                    given = None  # **params: cannot be checked statically
                else:
                    left_out = NOT_PARAMETERS | REFUSAL_CONTEXT.get(name, set())
                    given = {k.arg for k in node.keywords if k.arg not in left_out}
                found.extend((place, code, given) for code in codes)
    return found


def test_every_code_the_source_uses_has_a_russian_text_with_its_parameters() -> None:
    uses = _uses()
    assert len(uses) >= 10  # the scan finds the CLI's messages
    for place, code, given in uses:
        assert code in CATALOGUE, f"{place}: code {code!r} has no text in common/messages.py"
        if given is not None:
            assert message_fields(code) == given, f"{place}: {code} takes {message_fields(code)}"


def test_every_text_of_the_catalogue_is_used() -> None:
    used = {code for _, code, _ in _uses()}
    # definitions/loader.py names pydantic's findings by their kind (definition.check.KIND) and
    # PyYAML's problems by a table (_YAML_PROBLEMS, yaml.*)
    # reason_of() names a technical failure's kind by a table too (reason.*)
    # smtp_reason() names a mail server's reply by its code (smtp.550, smtp.5xx)
    tabled = ("definition.check.", "yaml.", "reason.", "smtp.")
    unused = {code for code in CATALOGUE if not code.startswith(tabled)} - used
    assert not unused, f"texts nobody uses: {sorted(unused)}"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_text_of_the_catalogue_is_russian(code: str) -> None:
    text = CATALOGUE[code]
    assert CYRILLIC.search(text), f"{code}: {text!r} is not Russian"


def test_an_error_raised_by_code_carries_its_russian_text_place_and_parameters() -> None:
    error = NastavnikError(code="cli.unknown_school", where="schools.csv:3", school="sosh9")
    assert str(error) == "schools.csv:3: --school: школы «sosh9» нет в списке школ муниципалитета"
    assert error.code == "cli.unknown_school" and error.params == {"school": "sosh9"}
    assert render_message("cli.error", message=error).startswith("ошибка: schools.csv:3")


# exceptions whose text a person reads (the shells print it, a page shows it, a letter's status);
# every subclass of NastavnikError defined in the project is added by _user_errors()
USER_ERRORS = {
    "NastavnikError", "UsageError", "DeadlineError", "DefinitionError", "ImportFileError",
    "FieldErrors", "Invalid", "MissingData", "DeliveryError", "TemporaryFailure",
    "PermanentFailure", "ServerUnavailable", "DocumentFormError", "Forbidden", "HTTPException",
    "BadParameter", "_Unreadable", "NotFound",
}  # fmt: skip
# calls whose first argument (last for those in LAST_ARGUMENT) is a line a person reads
USER_LINES = {
    "problem", "people_problem", "_fail", "echo", "secho", "print", "error_page", "flash",
    "confirm", "prompt", "_plain_page", "Problem", "RawProblem", "redirect",
}  # fmt: skip
LAST_ARGUMENT = {"problem", "people_problem", "flash", "Problem", "RawProblem", "redirect"}
# calls whose every argument is a line a person reads: an error page's title and text
EVERY_ARGUMENT = {"error_page", "_plain_page", "NotFound", "Confirm"}
# lists whose lines a person reads (a command prints them, a page or a letter shows them)
USER_LISTS = {
    "lines", "problems", "notes", "messages", "errors", "warnings", "general", "header_errors",
    "refusals", "reasons", "missing", "found_problems", "hints",
}  # fmt: skip
# variables that keep a line a person reads until a flash, a page or a print takes it
USER_TEXTS = {"message", "notice", "summary"}
# pydantic validators: their ValueError text is the definition's finding
VALIDATOR_MODULES = {"definitions/schema.py", "registry/values.py"}
# modules whose printed lines are for developers (a build script's written paths), not users
NOT_SCANNED: tuple[str, ...] = ()
# functions that write the developers' Markdown reference (docs/, in English)
DOCS_WRITERS = {"settings_reference", "documents_markdown"}
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def _literal_text(node: ast.expr) -> str | None:
    """The literal part of a message (placeholders and quoted values left out), or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_text(node.left), _literal_text(node.right)
        return None if left is None and right is None else f"{left or ''} {right or ''}"
    return None


def _receiver(call: ast.Call) -> str:
    """The name of the list a method is called on: ``lines`` of ``report.lines.append(…)``."""
    owner = getattr(call.func, "value", None)
    return getattr(owner, "attr", getattr(owner, "id", ""))


def _reads_as_english(text: str) -> bool:
    unquoted = re.sub(r"«[^»]*»|`[^`]*`|'[^']*'|\S*[/.@_=:]\S*", " ", text)
    return bool(LATIN_WORD.search(unquoted)) and not CYRILLIC.search(unquoted)


@functools.cache
def _sources() -> tuple[tuple[str, ast.Module], ...]:
    """(path relative to the root, parsed module) of every module of the project's packages;
    parsed once for the three scans (≈ 0.9 s of CPU each time), which only read the trees."""
    return tuple(
        (path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    )


def _user_errors(sources: tuple[tuple[str, ast.Module], ...]) -> set[str]:
    """USER_ERRORS and every class of the project that derives from one of them."""
    names = set(USER_ERRORS)
    classes = [
        (node.name, {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases})
        for _, tree in sources
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]
    grown = True
    while grown:
        grown = False
        for name, bases in classes:
            if name not in names and bases & names:
                names.add(name)
                grown = True
    return names


def _english_in(
    tree: ast.Module,
    *,
    place: str,
    user_errors: set[str],
    reads: Callable[[str], bool] = _reads_as_english,
) -> list[str]:
    """The literals of one module that a user would read and ``reads`` picks (English by
    default) as ``place: text``."""
    found: list[str] = []
    skipped = {
        id(inner)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef) and function.name in DOCS_WRITERS
        for inner in ast.walk(function)
    }
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Subscript)
            and getattr(t.value, "id", getattr(t.value, "attr", "")) in USER_LISTS
            for t in node.targets
        ):
            # a problem put at its field: ``problems["age"] = "…"``
            text = _literal_text(node.value)
            if text is not None and reads(text):
                found.append(f"{place}:{node.lineno}: {text.strip()[:80]!r}")
            continue
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in USER_TEXTS for t in node.targets
        ):
            # a message kept for a later flash, page or print: ``message = f"…" if … else "…"``
            value = node.value
            branches = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
            for branch in branches:
                text = _literal_text(branch)
                if text is not None and reads(text):
                    found.append(f"{place}:{node.lineno}: {text.strip()[:80]!r}")
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.List):
            # a list of lines a person reads, written out: ``lines = [f"…", …]``
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(getattr(t, "id", getattr(t, "attr", "")) in USER_LISTS for t in targets):
                for element in node.value.elts:
                    text = _literal_text(element)
                    if text is not None and reads(text):
                        found.append(f"{place}:{element.lineno}: {text.strip()[:80]!r}")
            continue
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            # a journal's note of a change (``save_draft(change=…)``): a draft's history shows it
            text = _literal_text(keyword.value) if keyword.arg == "change" else None
            if text is not None and reads(text):
                found.append(f"{place}:{node.lineno}: {text.strip()[:80]!r}")
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name in EVERY_ARGUMENT:
            message = list(node.args)
        elif name in user_errors or (name == "ValueError" and place in VALIDATOR_MODULES):
            # a place of one word is a form field's id (the portal marks the field, the CLI
            # names its option); a place of several words is text a person reads, and so is a
            # deadline refusal's reason (``expected``)
            places = [
                k.value
                for k in node.keywords
                if (k.arg in ("where", "detail") and " " in (_literal_text(k.value) or "").strip())
                or k.arg == "expected"
            ]
            message = [*node.args[:1], *places]
        elif name in USER_LINES:
            message = node.args[-1:] if name in LAST_ARGUMENT else node.args[:1]
        elif name in ("append", "extend", "insert") and _receiver(node) in USER_LISTS:
            # a line added to a list that a shell prints or a page shows
            message = [
                element
                for argument in node.args[-1:]
                for element in (
                    argument.elts if isinstance(argument, ast.List | ast.Tuple) else [argument]
                )
            ]
        else:
            continue
        # problems at their fields: ``Invalid({"form": "…"})``
        message = [
            value
            for argument in message
            for value in (argument.values if isinstance(argument, ast.Dict) else [argument])
            if value is not None
        ]
        for argument in message:
            text = _literal_text(argument)
            if text is not None and reads(text):
                found.append(f"{place}:{node.lineno}: {text.strip()[:80]!r}")
    return found


def _english_messages() -> list[str]:
    """Every English literal a user would read: an error's text or place, a printed line."""
    sources = _sources()
    user_errors = _user_errors(sources)
    return [
        line
        for place, tree in sources
        if not place.startswith(NOT_SCANNED)
        for line in _english_in(tree, place=place, user_errors=user_errors)
    ]


def test_no_user_message_outside_the_catalogue_is_english() -> None:
    found = _english_messages()
    assert not found, "English user messages (give them a code in common/messages.py):\n" + (
        "\n".join(found)
    )


# modules whose Russian lines are not messages of the catalogue, each with its reason
RUSSIAN_INLINE: dict[str, str] = {
    # runs with ``python -I -S`` before anything of the project is importable
    "flows/warm_client.py": "imports only the standard library",
    # a letter's and a document's own prose, composed from their data like their templates
    "notifications/render.py": "a letter's body",
    "documents/report.py": "a report's body",
}


def _reads_as_russian(text: str) -> bool:
    return bool(CYRILLIC.search(text))


def test_no_russian_line_a_user_reads_is_built_outside_the_catalogue() -> None:
    """A flash, a page's notice, a printed line, an error's text or a form's problem in Russian
    comes from common/messages.py with its values as parameters, never from a literal or an
    f-string pieced together where it is said."""
    sources = _sources()
    user_errors = _user_errors(sources)
    found = [
        line
        for place, tree in sources
        if not place.startswith(tuple(RUSSIAN_INLINE))
        for line in _english_in(tree, place=place, user_errors=user_errors, reads=_reads_as_russian)
    ]
    assert not found, "Russian lines built inline (give them a code in common/messages.py):\n" + (
        "\n".join(found)
    )


def test_every_module_left_with_inline_russian_still_has_some() -> None:
    """An exemption that is no longer needed goes."""
    sources = _sources()
    user_errors = _user_errors(sources)
    for prefix in RUSSIAN_INLINE:
        assert any(
            _english_in(tree, place=place, user_errors=user_errors, reads=_reads_as_russian)
            for place, tree in sources
            if place.startswith(prefix)
        ), f"{prefix}: no Russian line left inline; take it out of RUSSIAN_INLINE"


@pytest.mark.parametrize(
    "source",
    [
        'return pages.redirect(request, "/users", f"Пользователь {email} добавлен.")',
        'pages.flash(request, response, "Сохранено.")',
        'message = f"Подразделение {name} изменено."',  # kept, flashed later
        'message = "Дорожная карта запущена" if created else f"уже была запущена: {n}"',
        'typer.echo(f"развёртывание {name} на сервере {url}")',
        'print("nastavnik: сервер запуска прервал прогон", file=sys.stderr)',
        'raise NastavnikError(f"школы «{school}» нет")',
        'raise DeadlineError(phrase, expected=f"в поле anchor — «{anchor}»: такого шага нет")',
        'context.notes.append(f"год {year} написан один раз в конце списка")',
        'save_draft(session=session, roadmap_id=new_id, change=f"копия дорожной карты {source}")',
        'raise DocumentFormError({"form": "Дорожная карта ещё не запущена."})',
        'problems["year"] = f"{year}: ожидается год от 2000 до 2100"',
        'errors["code"] = "Укажите номер шага."',
        'lines.append(f"Добавятся школы ({len(added)}):")',
        'lines = [f"реестр ведут школ: {count}", "мероприятия: " + steps]',
        'step_report.errors.append(f"раздела {section} нет")',
        'report.header_errors.append("в дорожной карте нет ни одного шага")',
    ],
)
def test_the_scan_finds_a_russian_line_built_inline(source: str) -> None:
    found = _english_in(
        ast.parse(source), place="web/example.py", user_errors=USER_ERRORS, reads=_reads_as_russian
    )
    assert found, source


@pytest.mark.parametrize(
    "source",
    [
        'return pages.redirect(request, "/users", render_message("notice.user_enabled", email=e))',
        'message = render_message("notice.launched" if created else "notice.launched_again", n=1)',
        'typer.echo(_say("deploy.task_workers"))',
        'problems["year"] = render_message("totals.year", year=year)',
        'raise NastavnikError(code="school.unknown", where="--school", school=school)',
        'raise _Unreadable(code="deadline.no_year", example="«май 2023 г.»")',  # a form that reads
        'LEVEL_WORDS = {"reminder": "напоминаний"}',  # a label of a mapping is data
    ],
)
def test_the_scan_takes_a_catalogue_text_for_no_inline_line(source: str) -> None:
    found = _english_in(
        ast.parse(source), place="web/example.py", user_errors=USER_ERRORS, reads=_reads_as_russian
    )
    assert found == [], source


def test_the_scan_finds_an_english_message_in_a_raise() -> None:
    tree = ast.parse('raise NastavnikError(f"unknown school {school!r}", where="--school")')
    raised = next(node for node in ast.walk(tree) if isinstance(node, ast.Raise))
    assert isinstance(raised.exc, ast.Call)
    text = _literal_text(raised.exc.args[0])
    assert text is not None and _reads_as_english(text)
    assert not _reads_as_english("школы «sosh9» нет в списке школ муниципалитета")
    assert not _reads_as_english("NASTAVNIK_SMTP_URL")


@pytest.mark.parametrize(
    "source",
    [
        'raise _Unreadable("one recurrence")',  # the deadline parser's refusal
        'raise MissingData(f"no such file {x}")',  # a subclass of NastavnikError
        'raise NastavnikError(code="file.missing", where=f"template {name} of the step")',
        'error = NastavnikError("cannot read the data file")',  # built, raised later
        'typer.echo(f"{path}: ok, every field is there")',
        'print(f"Prefect server: {url}")',
        'pages.error_page(request, 404, "Не найдено", "No such step")',
        'raise HTTPException(status_code=404, detail="No such step here") from None',
        'messages.append(f"{school}: launched, {count} steps added")',
        'report.lines.extend(["nothing to do", "all done"])',
        'problems.insert(0, f"row {row}: unknown school")',
        'lines = [f"{count} schools keep a registry", "steps closed: " + codes]',
        'raise NotFound("Шаг не найден", "No such step here")',  # an error page's text
        'pages.error_page(request, 404, "Step not found", "Такого мероприятия нет.")',
        'typer.confirm("Apply the changes?", default=False)',
        'problems["age"] = "give the pupil\'s age"',
        'problems.append(Problem(1, 0, "", "no heading above the table"))',  # an import finding
        'return pages.redirect(request, scope.page, f"Record {name} saved.")',  # a flash message
    ],
)
def test_the_scan_finds_english_in_every_kind_of_user_line(source: str) -> None:
    found = _english_in(ast.parse(source), place="web/example.py", user_errors=_user_errors([]))
    assert found, source


def test_the_scan_takes_a_place_of_one_word_for_a_form_field() -> None:
    source = 'raise NastavnikError(code="upload.empty", where="scan")'
    assert _english_in(ast.parse(source), place="web/example.py", user_errors=USER_ERRORS) == []


def test_every_field_an_error_names_is_known_to_the_shells() -> None:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                for keyword in node.keywords:
                    if (
                        keyword.arg == "field"
                        and getattr(node.func, "id", "").endswith("Error")
                        and isinstance(keyword.value, ast.Constant)
                    ):
                        assert keyword.value.value in FIELDS, (
                            f"{path.relative_to(ROOT)}:{node.lineno}: field "
                            f"{keyword.value.value!r} is not in common.messages.FIELDS"
                        )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("id: x\ntitle: a: b\n", "лишнее двоеточие"),
        ("id: x\n\ttitle: y\n", "табуляция в отступе"),
        ('id: "x\n', "текст оборвался"),
        ("id: [x\n", "не закрыта квадратная скобка"),
        ("a:\n  - b\n c: d\n", "отступ строки не совпадает"),
        ("a: &x 1\nb: *y\n", "на метку, которой нет"),
    ],
)
def test_a_yaml_problem_is_said_in_russian(text: str, said: str, tmp_path: Path) -> None:
    from common.errors import DefinitionError
    from definitions.loader import load_roadmap

    path = tmp_path / "roadmap.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as raised:
        load_roadmap(path)
    assert said in str(raised.value) and not _reads_as_english(raised.value.reason)


def _english(text: str) -> set[str]:
    """The Latin words of a Russian message, place and quoted values left out."""
    return set(LATIN_WORD.findall(re.sub(r"«[^»]*»|\S*[/.@_=:]\S*", " ", text)))


def test_a_database_that_cannot_be_opened_is_said_in_russian(tmp_path: Path) -> None:
    from storage.db import make_engine, upgrade_database

    with pytest.raises(NastavnikError) as raised:
        upgrade_database(make_engine(f"sqlite:///{tmp_path}/no/such/folder/n.db"))
    assert raised.value.code == "database.unreachable"
    assert raised.value.reason == "не удалось открыть базу данных: нет такого файла или папки"


def test_a_mail_folder_that_cannot_be_made_is_said_in_russian(tmp_path: Path) -> None:
    from notifications.smtp import FolderTransport, ServerUnavailable

    (tmp_path / "taken").write_text("a file where the folder should be")
    with pytest.raises(ServerUnavailable) as raised:
        FolderTransport(tmp_path / "taken" / "mail").open()
    assert str(raised.value).endswith(": на пути папки стоит файл"), raised.value
    assert not _english(str(raised.value)), raised.value


def test_a_refused_connection_is_said_in_russian() -> None:
    import socket

    from common.messages import reason_of
    from tests.smtp_server import free_port

    with pytest.raises(OSError) as raised:
        socket.create_connection(("127.0.0.1", free_port()), timeout=5)
    assert reason_of(raised.value) == "сервер не принимает соединения (не запущен или закрыт порт)"


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ('FATAL:  password authentication failed for user "x"', "сервер не принял имя"),
        ('pg_dump: error: FATAL:  database "x" does not exist', "базы данных с таким именем нет"),
        ('could not translate host name "db" to address', "имя сервера не найдено"),
        ("database is locked", "база данных занята"),
        ("something nobody foresaw", "техническая причина записана в журнал"),
    ],
)
def test_a_tool_or_driver_reason_is_said_in_russian(said: str, reason: str) -> None:
    from common.messages import reason_of

    assert reason_of(said).startswith(reason)
    assert reason_of(Exception(said)).startswith(reason)


@pytest.mark.parametrize(
    ("code", "reply", "reason"),
    [
        (550, "550 5.1.1 <a@b.ru>: User unknown", "адрес получателя не существует или отклонён"),
        (552, "552 5.3.4 Message size exceeds fixed limit", "письмо слишком большое"),
        (554, "554 5.7.1 Spam message rejected", "почтовый сервер отклонил письмо"),
        (421, "421 4.3.2 Service shutting down", "почтовый сервер временно недоступен"),
        (451, "451 4.7.1 Greylisted, try again later", "временно не принял письмо"),
        (471, "471 local problem", "временно не принял письмо"),
        (557, "557 something new", "почтовый сервер отказался принять письмо"),
        (354, "354 go on", "неожиданный ответ почтового сервера"),
    ],
)
def test_a_mail_servers_reply_is_said_in_russian_with_its_words_as_an_addendum(
    code: int, reply: str, reason: str
) -> None:
    from common.messages import smtp_reason

    said = smtp_reason(code, reply)
    assert reason in said and reply in said
    assert not _reads_as_english(said.replace(reply, ""))


def test_a_refused_letter_is_told_in_russian_from_a_real_server() -> None:
    from notifications.mime import OutgoingMessage
    from notifications.smtp import PermanentFailure, SmtpTransport
    from tests.smtp_server import Sink, SmtpServer

    sink = Sink()
    sink.refuse["nobody@example.ru"] = "550 5.1.1 No such mailbox"
    server = SmtpServer(sink).start()
    transport = SmtpTransport(server.url)
    try:
        message = OutgoingMessage(data=b"Subject: x\r\n\r\ntext\r\n", message_id="<1@x>")
        with pytest.raises(PermanentFailure) as raised:
            transport.send(message, sender="a@example.ru", recipients=["nobody@example.ru"])
    finally:
        transport.close()
        server.stop()
    assert str(raised.value) == (
        "адрес получателя не существует или отклонён [сервер: 550 5.1.1 No such mailbox]"
    )


@pytest.mark.parametrize(
    ("count", "said"),
    [(1, "1 файл"), (3, "3 файла"), (5, "5 файлов"), (11, "11 файлов"), (21, "21 файл")],
)
def test_a_count_takes_its_nouns_form_from_the_catalogue(count: int, said: str) -> None:
    from common.messages import render_count

    assert render_count("count.files", count=count) == said


def test_a_count_text_has_three_forms_each_with_the_count() -> None:
    for code, text in CATALOGUE.items():
        if code.startswith("count."):
            forms = text.split(" | ")
            assert len(forms) == 3 and all("{count}" in form for form in forms), code
