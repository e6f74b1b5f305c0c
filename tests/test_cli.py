"""The `nastavnik` command as a contract: exit codes, JSON shapes, errors without tracebacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nastavnik.demo import write_schools_csv
from tests.cli_helpers import Completed, copy_sqlite, run_cli

ROOT = Path(__file__).resolve().parents[1]


def nastavnik(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Completed:
    """The command in this process (tests/cli_helpers.py)."""
    return run_cli(*args, env=env, cwd=cwd or ROOT)


def installed(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: a new interpreter through the entry point (end to end)."""
    return subprocess.run(
        [sys.executable, "-c", "from nastavnik.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd or ROOT,
        timeout=120,
    )


def test_help_lists_the_commands_and_does_not_import_prefect() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom nastavnik.cli import app\nfrom typer.testing import CliRunner\n"
            "r = CliRunner().invoke(app, ['--help'])\nprint(r.output)\nprint('prefect' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    for command in (
        "check",
        "deadline",
        "roadmap",
        "launch",
        "done",
        "status",
        "tick",
        "serve",
        "demo",
    ):
        assert command in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_deadline_json_is_exactly_the_contract() -> None:
    done = nastavnik(
        "deadline", "ежегодно (июнь, декабрь)", "--period", "2022-01-01:2023-12-31", "--json"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "phrase": "ежегодно (июнь, декабрь)",
        "kind": "recurring",
        "occurrences": [
            {"start": "2022-06-01", "due": "2022-06-30"},
            {"start": "2022-12-01", "due": "2022-12-31"},
            {"start": "2023-06-01", "due": "2023-06-30"},
            {"start": "2023-12-01", "due": "2023-12-31"},
        ],
    }


def test_an_unreadable_deadline_exits_2_with_the_phrase_on_stderr() -> None:
    done = nastavnik(
        "deadline", "когда рак на горе свистнет", "--period", "2022-01-01:2022-12-31", "--json"
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "когда рак на горе свистнет" in done.stderr and "Traceback" not in done.stderr


def test_a_bad_period_exits_2() -> None:
    done = nastavnik("deadline", "май 2022", "--period", "2022-13-01:2022-12-31")
    assert done.returncode == 2 and "--period" in done.stderr


def test_check_passes_all_seeds_with_warnings() -> None:
    files = sorted(str(p) for p in (ROOT / "definitions" / "roadmaps").glob("*.yaml"))
    done = nastavnik("check", *files)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": в порядке: ") == 5
    assert (
        "предупреждение: шаг 3.2 должен быть выполнен 4 апреля 2022 г., раньше предшествующего "
        "шага 3.1" in done.stderr
    )


def test_check_exits_1_on_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: [\n", encoding="utf-8")
    done = nastavnik("check", str(bad))
    assert done.returncode == 1 and f"{bad}:" in done.stderr and "Traceback" not in done.stderr


def test_roadmap_list_json() -> None:
    done = nastavnik("roadmap", "list", "--json")
    rows = json.loads(done.stdout)
    assert {
        "id": "beloyarsky-2022",
        "title": rows[0]["title"],
        "period": {"start": "2022-01-01", "end": "2022-12-31"},
    } == rows[0]
    assert len(rows) == 5 and all(set(row) == {"id", "title", "period"} for row in rows)


def test_roadmap_show_prints_resolved_dates() -> None:
    done = nastavnik("roadmap", "show", "beloyarsky-2022")
    assert done.returncode == 0
    assert "15 мая 2022 г." in done.stdout


def test_the_engine_commands_end_to_end(tmp_path: Path) -> None:
    """The engine's commands one after another on one database: the first use, a refusal and the
    tick through the entry point in a new interpreter (``installed``), as a user runs them; the
    steps between in this process (``nastavnik``: the same `main`, ≈ 0.7 s of CPU less each)."""
    env = {"NASTAVNIK_DB": f"sqlite:///{tmp_path / 'n.db'}", "COLUMNS": "200"}
    assert "база данных ещё не подготовлена" in installed("status", env=env).stderr
    assert (
        installed(
            "init",
            "--municipality",
            "Белоярский район",
            "--tz",
            "Asia/Yekaterinburg",
            "--coordinator",
            "c@x.ru",
            "--head",
            "h@x.ru",
            env=env,
        ).returncode
        == 0
    )
    csv_path = write_schools_csv(tmp_path / "schools.csv")
    assert "добавлено школ — 12" in nastavnik("schools", "import", str(csv_path), env=env).stdout
    assert (
        "запущена"
        in nastavnik("launch", "beloyarsky-2022", "--now", "2022-03-01", "--yes", env=env).stdout
    )
    done = nastavnik(
        "done",
        "1.5",
        "--school",
        "sosh1",
        "--by",
        "a@x.ru",
        "--evidence",
        "Приказ № 41",
        "--at",
        "2022-05-20",
        "--now",
        "2022-05-21",
        env=env,
    )
    assert done.returncode == 0 and "выполнено с опозданием" in done.stdout, done.stderr
    again = installed(
        "done", "1.5", "--school", "sosh1", "--by", "a@x.ru", "--now", "2022-05-21", env=env
    )
    assert (
        again.returncode == 1
        and "мероприятие уже отмечено: выполнено с опозданием, a@x.ru" in again.stderr
        and "Traceback" not in again.stderr
    )
    assert (
        nastavnik(
            "na",
            "1.6",
            "--school",
            "sosh2",
            "--by",
            "b@x.ru",
            "--reason",
            "нет",
            "--now",
            "2022-05-21",
            env=env,
        ).returncode
        == 0
    )
    assert (
        nastavnik(
            "undo", "1.6", "--school", "sosh2", "--by", "b@x.ru", "--now", "2022-05-22", env=env
        ).returncode
        == 0
    )
    assert (
        nastavnik(
            "schedule", "2.2", "--due", "2022-10-31", "--now", "2022-05-22", env=env
        ).returncode
        == 0
    )
    rows = json.loads(nastavnik("status", "--json", "--now", "2022-05-23", env=env).stdout)
    by_key = {(r["school"], r["code"], r["occurrence"]): r for r in rows}
    assert by_key[("sosh1", "1.5", 1)]["state"] == "done_late"
    assert by_key[("sosh1", "1.5", 1)]["done_at"].startswith("2022-05-20")
    assert by_key[("sosh2", "1.5", 1)]["state"] == "overdue"
    assert by_key[("sosh2", "1.6", 1)]["state"] == "blocked"
    assert by_key[(None, "2.2", 1)]["due"] == "2022-10-31"
    assert {"school", "code", "occurrence", "start", "due", "state", "done_at"} <= set(rows[0])
    tick = installed("tick", "--now", "2022-05-23", "--no-send", env=env)
    assert tick.returncode == 0 and "решено: напоминаний" in tick.stdout
    matrix = nastavnik("status", "--now", "2022-05-23", env=env).stdout
    assert "11 из 12" in matrix or "из 12" in matrix


@pytest.fixture(scope="module")
def launched_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database set up by the commands once (init, schools import, launch); tests copy it."""
    folder = tmp_path_factory.mktemp("launched")
    env = {"NASTAVNIK_DB": f"sqlite:///{folder / 'n.db'}"}
    steps = [
        ("init", "--municipality", "М", "--tz", "Europe/Moscow"),
        ("schools", "import", str(write_schools_csv(folder / "s.csv"))),
        ("launch", "beloyarsky-2022", "--now", "2022-03-01", "--yes"),
    ]
    for step in steps:
        done = nastavnik(*step, env=env)
        assert done.returncode == 0, done.stderr
    return folder / "n.db"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("done", "1.5", "--school", "sosh1", "--by", "a@x.ru", "--now", "2022-13-01"), "--now"),
        (
            ("done", "1.5", "--school", "zzz", "--by", "a@x.ru", "--now", "2022-05-01"),
            "ошибка: --school: школы «zzz» нет в списке школ муниципалитета",
        ),
        (("schedule", "2.2", "--due", "31.10.2022"), "--due «31.10.2022»: нужна дата ГГГГ-ММ-ДД"),
        (("schedule", "2.2", "--due", "9999-12-31"), "вне периода дорожной карты"),
        (
            ("schedule", "2.2", "--due", "2022-10-31", "--start", "1900-01-01"),
            "допустимы даты с",
        ),
        (("launch", "nope", "--yes"), "дорожной карты «nope» нет"),
    ],
)
def test_user_mistakes_are_one_line_errors(
    launched_db: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    copy_sqlite(launched_db, tmp_path / "n.db")  # each mistake on its own copy
    env = {"NASTAVNIK_DB": f"sqlite:///{tmp_path / 'n.db'}"}
    done = nastavnik(*args, env=env)
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr, (
        done.stderr
    )


def test_init_sets_what_documents_print_about_the_committee(tmp_path: Path) -> None:
    from sqlmodel import Session, select

    from storage.db import make_engine
    from storage.models import Municipality

    env = {"NASTAVNIK_DB": f"sqlite:///{tmp_path / 'n.db'}"}
    done = nastavnik(
        "init",
        "--municipality",
        "Белоярский район",
        "--tz",
        "Asia/Yekaterinburg",
        "--committee",
        "Комитет по образованию администрации Белоярского района",
        "--place",
        "г. Белоярский",
        "--coordinator-name",
        "Петрова Анна Сергеевна",
        "--head-name",
        "Иванов Иван Иванович",
        "--head-position",
        "председатель Комитета",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert nastavnik("init", "--head-position", "председатель", env=env).returncode == 0
    with Session(make_engine(env["NASTAVNIK_DB"])) as session:
        municipality = session.exec(select(Municipality)).one()
    assert (
        municipality.committee_name,
        municipality.place,
        municipality.coordinator_name,
        municipality.head_name,
        municipality.head_position,
    ) == (
        "Комитет по образованию администрации Белоярского района",
        "г. Белоярский",
        "Петрова Анна Сергеевна",
        "Иванов Иван Иванович",
        "председатель",
    )
    bad = nastavnik("init", "--tz", "Mars/Olympus", env=env)
    assert bad.returncode == 1 and "Mars/Olympus" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["docs", "render"], "ошибка: не указан аргумент ШАБЛОН"),
        (["docs", "render", "order_pairs"], "ошибка: не указан параметр --out"),
        (
            ["docs", "render", "order_pairs", "--bogus"],
            "ошибка: параметра --bogus нет; может быть, --out?",
        ),
        (["docs", "render", "order_pairs", "--out"], "ошибка: параметр --out указан неверно"),
        (["outbox", "show", "abc"], "ошибка: НОМЕР: такое значение не подходит"),
        (["nosuch"], "ошибка: команды «nosuch» нет"),
    ],
)
def test_a_command_called_wrongly_is_answered_in_russian_with_exit_2(
    args: list[str], said: str
) -> None:
    done = nastavnik(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(said), done.stderr
    assert not any(word in done.stderr for word in ("Error", "Missing", "Usage", "Traceback"))


# --help: the names a person types or knows by their Latin letters may stay Latin
HELP_PRODUCTS = {
    "nastavnik", "Prefect", "PostgreSQL", "Redis", "SQLite", "JSON", "YAML", "CSV", "XLSX", "DOCX",
    "ODS", "PDF", "HTML", "IANA", "UTF-8", "API", "cron", "Excel", "Word", "SMTP", "STARTTLS", "eml",
}  # fmt: skip
_HELP_TYPED = re.compile(
    r"«[^«»]*(«[^«»]*»[^«»]*)*»"  # a value in quotes (nested once: «МАУ «ИМЦ»»)
    r"|`[^`]*`"  # a command line
    r"|--[\w-]+"  # an option
    r"|\b[A-Z][A-Z0-9]*(_[A-Z0-9*]+)+(?!\w)"  # a setting (PREFECT_API_URL, NASTAVNIK_*)
    r"|[\w.+-]+@[\w-]+(\.[\w-]+)+"  # an e-mail address
    r"|\w+://\S+"  # an address
    r"|[\w./-]*\.(md|docx|xlsx|csv|yaml|yml|eml)\b"  # a file or a file's extension
    r"|\[по\s+умолчанию:\s[^\];]*"  # a default value
    r"|(?<=ДД)\[?T(?=ЧЧ)"  # the «T» of a moment typed as ГГГГ-ММ-ДДTЧЧ:ММ
)
_HELP_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def _help_commands() -> list[tuple[str, ...]]:
    import typer

    from nastavnik.cli import app

    found: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        found.append(path)
        for name, child in sorted(getattr(command, "commands", {}).items()):
            walk(child, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


def help_latin_words(text: str, commands: set[str]) -> set[str]:
    """Latin words of a --help page that are none of the allowed names."""
    text = _HELP_TYPED.sub(" ", text)
    return {
        word
        for word in _HELP_LATIN.findall(text)
        if word not in commands and word not in HELP_PRODUCTS
    }


def test_the_whole_help_tree_is_russian() -> None:
    """Every command's --help: its texts, the options', and click's own words."""
    commands = _help_commands()
    names = {name for path in commands for name in path}
    assert len(commands) > 40
    problems = {}
    for path in commands:
        done = nastavnik(*path, "--help")
        assert done.returncode == 0, done.stderr
        assert "Параметры:" in done.stdout and "Вызов: nastavnik" in done.stdout
        words = help_latin_words(done.stdout, names)
        if words:
            problems[" ".join(path) or "nastavnik"] = sorted(words)
    assert problems == {}, "\n".join(f"{path}: {words}" for path, words in problems.items())


def test_the_help_scan_finds_latin_words() -> None:
    text = (
        "Вызов: nastavnik launch [ПАРАМЕТРЫ]\n  Preview a launch, «МАУ «ИМЦ»» --keep-outside "
        "PREFECT_API_URL docs/deployment.md a@b.ru `prefect server start` [по умолчанию: cli]\n"
        "  --help  Show this message and exit."
    )
    assert help_latin_words(text, {"launch"}) == {
        "Preview",
        "a",
        "Show",
        "this",
        "message",
        "and",
        "exit",
    }


def test_prefect_server_says_a_malformed_prefect_setting_in_one_russian_line() -> None:
    """Prefect validates its settings on import and would print pydantic's English report."""
    done = installed("prefect-server", "--workers", "1", env={"PREFECT_SERVER_API_PORT": "abc"})
    assert done.returncode == 1
    assert done.stderr == (
        "ошибка: настройка PREFECT_SERVER_API_PORT: значение «abc» не подходит: нужно целое число\n"
    )
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("command", "setting", "value", "said"),
    [
        (["deploy"], "PREFECT_LOGGING_LEVEL", "DEBUGX", "допустимые значения: 'DEBUG', "),
        (["task-worker"], "PREFECT_API_ENABLE_HTTP2", "maybe", "нужно true или false"),
        (["serve", "--no-portal"], "PREFECT_SERVER_DATABASE_TIMEOUT", "x", "нужно число"),
    ],
)
def test_the_prefect_commands_refuse_a_malformed_setting_by_its_name(
    command: list[str], setting: str, value: str, said: str
) -> None:
    done = nastavnik(*command, env={setting: value})
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"ошибка: настройка {setting}: значение «{value}» не подходит: ")
    assert said in done.stderr and "Traceback" not in done.stderr
