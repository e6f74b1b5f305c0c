"""`nastavnik registry …` and `nastavnik indicators` as a user runs them: output, JSON, errors, migration."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, col, select

import registry.models
from nastavnik.demo import write_registry_files
from registry.models import MentorshipForm
from storage.db import make_engine, session_scope
from storage.models import JournalEntry
from tests.cli_helpers import Completed, run_cli
from tests.factories import launched

ROOT = Path(__file__).resolve().parents[1]
REGISTRY_TABLES = {
    table.name
    for table in SQLModel.metadata.sorted_tables
    if table.name
    in {
        "mentorship_form",
        "mentor",
        "mentee",
        "mentorship_pair",
        "pair_mentor",
        "pair_mentee",
        "school_totals",
        "survey_result",
    }
}


def nastavnik(*args: str, db: Path) -> Completed:
    """The command in this process (tests/cli_helpers.py) on ``db``."""
    return run_cli(*args, env={"NASTAVNIK_DB": f"sqlite:///{db}"}, cwd=ROOT)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's first two schools, launched, with sosh1's registry files imported through the CLI."""
    workdir = tmp_path_factory.mktemp("cli")
    engine = make_engine(f"sqlite:///{workdir / 'nastavnik.db'}")
    launched(engine, workdir, schools=2)
    engine.dispose()
    files = write_registry_files(workdir / "registry", "sosh1")
    db = workdir / "nastavnik.db"
    for kind in ("mentors", "mentees", "pairs"):
        done = nastavnik(
            "registry",
            "import",
            kind,
            str(files[kind]),
            "--school",
            "sosh1",
            "--now",
            "2022-09-05",
            db=db,
        )
        assert done.returncode == 0, done.stderr
    done = nastavnik(
        "registry",
        "totals",
        "--school",
        "sosh1",
        "--year",
        "2022",
        "--pupils-10-18",
        "612",
        "--pupils-15-18",
        "198",
        "--young-teachers",
        "6",
        "--now",
        "2022-09-05",
        db=db,
    )
    assert done.returncode == 0, done.stderr
    return db


def test_the_import_says_what_it_did_and_a_second_import_changes_nothing(database: Path) -> None:
    files = write_registry_files(database.parent / "again", "sosh1")
    done = nastavnik(
        "registry", "import", "mentees", str(files["mentees"]), "--school", "sosh1", db=database
    )
    assert done.stdout.strip() == "mentees of sosh1: 0 added, 0 updated, 18 unchanged"


def test_list_unpaired_and_json(database: Path) -> None:
    done = nastavnik(
        "registry", "list", "--school", "sosh1", "--unpaired", "--now", "2022-09-15", db=database
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "sosh1 — МАОУ СОШ № 1 г. Белоярский: наставников 7, наставляемых 18 (с запросом 18, "
        "ждут наставника 2), действующих пар 14"
    )
    assert len(lines) == 3 and all(
        line.endswith("— продолжить поиск наставника") for line in lines[1:]
    )
    data = json.loads(
        nastavnik("registry", "list", "--json", "--now", "2022-09-15", db=database).stdout
    )
    assert [(s["school_id"], s["access"], s["counts"]["active_pairs"]) for s in data] == [
        ("sosh1", "names", 14),
        ("sosh2", "names", 0),
    ]
    assert data[0]["pairs"][0]["start"] == "2022-09-01"


def test_suggest_explains_the_score(database: Path) -> None:
    listed = json.loads(
        nastavnik(
            "registry",
            "list",
            "--school",
            "sosh1",
            "--unpaired",
            "--json",
            "--now",
            "2022-09-15",
            db=database,
        ).stdout
    )
    mentee_id = listed[0]["mentees"][0]["ref"].split(":")[1]
    done = nastavnik("registry", "suggest", mentee_id, "--now", "2022-09-15", db=database)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "60"
    assert (
        "совпадает: итоговое, сочинение; свободно мест: 1 из 3; форма «учитель – ученик»"
        in done.stdout
    )


def test_indicators_json_has_the_values_and_the_missing_school(database: Path) -> None:
    done = nastavnik("indicators", "--year", "2022", "--json", "--now", "2022-09-15", db=database)
    assert done.returncode == 0, done.stderr
    share = json.loads(done.stdout)[0]
    assert share["measure"] == "mentee_share_10_18" and share["target"] is None
    assert share["schools"]["sosh1"] == {
        "numerator": 14,
        "denominator": 612,
        "percent": 2.29,
        "missing": None,
    }
    assert (
        share["schools"]["sosh2"]["missing"]
        == "не введена численность обучающихся 10–18 лет за 2022 год"
    )
    assert share["missing_schools"] == ["МАОУ СОШ № 2 г. Белоярский"]
    text = nastavnik("indicators", "--school", "sosh1", "--now", "2022-09-15", db=database).stdout
    assert "факт 2,3 % (14 из 612)" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("registry", "remove", "somebody", "--reason", "x"),
            "ошибка: «somebody»: нужно mentor:НОМЕР или mentee:НОМЕР",
        ),
        (
            ("registry", "remove", "mentee:999", "--reason", "x"),
            "ошибка: наставляемого № 999 нет в реестре",
        ),
        (
            ("registry", "totals", "--school", "sosh1", "--year", "2022", "--pupils-15-18", "9999"),
            "ошибка: поле «обучающихся 15–18 лет»: 9999 больше, чем обучающихся 10–18 лет (612)",
        ),
        (
            ("registry", "totals", "--school", "sosh1", "--year", "2022", "--clear", "pupils"),
            "ошибка: --clear pupils: такого числа нет; есть: pupils-10-18, pupils-15-18, "
            "young-teachers",
        ),
        (
            (
                "registry",
                "totals",
                "--school",
                "sosh1",
                "--year",
                "2022",
                "--young-teachers",
                "3",
                "--clear",
                "young-teachers",
            ),
            "ошибка: поле «молодых специалистов (стаж 0–3 года)»: указаны и число, и его очистка: "
            "оставьте одно из двух",
        ),
        (
            ("registry", "import", "mentors", "nope.csv", "--school", "sosh1"),
            "ошибка: nope.csv: нет такого файла",
        ),
        (
            ("registry", "import", "mentors", "nope.csv", "--school", "school9"),
            "ошибка: --school: школы «school9» нет в списке школ муниципалитета",
        ),
        (
            (
                "registry",
                "pair",
                "--school",
                "sosh1",
                "--form",
                "учитель – ученик",
                "--mentor",
                "1",
                "--mentee",
                "1",
                "--start",
                "01.09.2022",
                "--end",
                "31.13.2022",
            ),
            "ошибка: --end: «31.13.2022»: такой даты нет",
        ),
        (
            ("indicators", "--school", "nowhere"),
            "ошибка: --school: школы «nowhere» нет в списке школ муниципалитета",
        ),
    ],
)
def test_mistakes_end_in_a_clear_error_not_a_traceback(
    database: Path, args: tuple[str, ...], message: str
) -> None:
    done = nastavnik(*args, db=database)
    assert done.returncode in (1, 2)
    assert done.stderr.startswith(message), done.stderr
    assert "Traceback" not in done.stderr


def test_an_option_left_out_keeps_its_number_and_clear_removes_one(database: Path) -> None:
    def totals(*args: str) -> str:
        done = nastavnik(
            "registry", "totals", "--school", "sosh2", "--year", "2023", *args, db=database
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert totals("--pupils-10-18", "540", "--pupils-15-18", "171", "--young-teachers", "4") == (
        "sosh2, 2023: обучающихся 10–18 лет 540, 15–18 лет 171, молодых педагогов 4"
    )
    assert totals("--young-teachers", "5") == (
        "sosh2, 2023: обучающихся 10–18 лет 540, 15–18 лет 171, молодых педагогов 5"
    )
    assert totals("--clear", "pupils-15-18", "--by", "sosh2@beloyarsky-edu.example.ru") == (
        "sosh2, 2023: обучающихся 10–18 лет 540, 15–18 лет —, молодых педагогов 5"
    )
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        entry = session.exec(
            select(JournalEntry)
            .where(JournalEntry.action == "registry_totals")
            .order_by(col(JournalEntry.id).desc())
        ).first()
        assert entry is not None
        assert (entry.actor, entry.school_id, entry.details) == (
            "sosh2@beloyarsky-edu.example.ru",
            "sosh2",
            {"year": 2023, "cleared": ["pupils_15_18"]},
        )
    engine.dispose()
    done = nastavnik(
        "indicators",
        "--year",
        "2023",
        "--school",
        "sosh2",
        "--json",
        "--now",
        "2023-03-01",
        db=database,
    )
    shares = {item["measure"]: item["schools"]["sosh2"] for item in json.loads(done.stdout)}
    assert shares["mentor_share_15_18"]["percent"] is None
    assert shares["mentor_share_15_18"]["missing"] == (
        "не введена численность обучающихся 15–18 лет за 2023 год"
    )
    assert shares["mentee_share_10_18"]["denominator"] == 540
    # the option's spelling with underscores works too, and several numbers clear at once
    assert totals("--clear", "pupils_10_18", "--clear", "young-teachers") == (
        "sosh2, 2023: обучающихся 10–18 лет —, 15–18 лет —, молодых педагогов —"
    )
    survey = nastavnik(
        "registry",
        "survey",
        "--school",
        "sosh2",
        "--year",
        "2023",
        "--mentees-took-part",
        "10",
        "--mentees-satisfied",
        "7",
        db=database,
    )
    assert (
        survey.stdout.strip()
        == "sosh2, 2023: удовлетворены наставляемые 7 из 10, наставники — из —"
    )
    survey = nastavnik(
        "registry",
        "survey",
        "--school",
        "sosh2",
        "--year",
        "2023",
        "--clear",
        "mentees-satisfied",
        db=database,
    )
    assert (
        survey.stdout.strip()
        == "sosh2, 2023: удовлетворены наставляемые — из 10, наставники — из —"
    )


def test_remove_on_request_then_export_leaves_the_person_out(
    database: Path, tmp_path: Path
) -> None:
    listed = json.loads(
        nastavnik("registry", "list", "--school", "sosh1", "--json", db=database).stdout
    )
    last = listed[0]["mentees"][-1]
    done = nastavnik(
        "registry",
        "remove",
        last["ref"],
        "--reason",
        "заявление от 10.09.2022",
        "--by",
        "sosh1@beloyarsky-edu.example.ru",
        "--now",
        "2022-09-15",
        db=database,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{last['ref']} удалён(а) из реестра школы sosh1")
    out = tmp_path / "mentees.csv"
    assert (
        nastavnik(
            "registry", "export", "mentees", "--school", "sosh1", "--out", str(out), db=database
        ).returncode
        == 0
    )
    assert last["full_name"] not in out.read_text(encoding="utf-8-sig")


def test_the_help_stays_fast_without_importing_the_registry() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom nastavnik.cli import app\nfrom typer.testing import CliRunner\n"
            "r = CliRunner().invoke(app, ['registry', '--help'])\nprint(r.output)\n"
            "print(sorted(m for m in sys.modules if m.startswith(('registry.', 'sqlalchemy'))))",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    for command in ("import", "list", "suggest", "remove", "totals", "survey", "export"):
        assert command in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"  # neither the registry nor SQLAlchemy


def test_migration_0007_matches_the_tables_and_downgrades(engine: Engine) -> None:
    from alembic import command

    from storage.db import _alembic_config

    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert [d for d in diff if any(name in str(d) for name in REGISTRY_TABLES)] == []
    with session_scope(engine) as session:
        assert [
            f.title for f in session.exec(select(MentorshipForm).order_by(MentorshipForm.position))
        ] == [title for _, title, _, _ in registry.models.DEFAULT_FORMS]
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    assert not REGISTRY_TABLES & set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert REGISTRY_TABLES <= set(inspect(engine).get_table_names())
