"""`nastavnik docs render` as a user runs it: missing data is a conversation, not a wall."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
import yaml

from tests.cli_helpers import Completed, run_cli

ROOT = Path(__file__).resolve().parents[1]
SCHOOLS_CSV = """id,name,short_name,director,admin_email,place,curator,curator_position
kazym,Муниципальное автономное общеобразовательное учреждение Белоярского района «Средняя общеобразовательная школа с. Казым»,МАОУ «СОШ с. Казым»,Сулейманов Магомед Сулейманович,kazym@x.ru,с. Казым,Шевчук Анна Игоревна,старшая вожатая
sosh1,МАОУ «СОШ № 1 г. Белоярский»,МАОУ «СОШ № 1»,Иванова Елена Николаевна,sosh1@x.ru,,,
"""


def nastavnik(workdir: Path, *args: str) -> Completed:
    """The command in this process (tests/cli_helpers.py) on the workdir's database."""
    return run_cli(*args, env={"NASTAVNIK_DB": f"sqlite:///{workdir / 'n.db'}"}, cwd=ROOT)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A municipality initialised, its schools imported and its roadmap launched, by the CLI."""
    folder = tmp_path_factory.mktemp("docs-cli")
    (folder / "schools.csv").write_text(SCHOOLS_CSV, encoding="utf-8")
    for args in (
        (
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
            "Кузнецова Ольга Викторовна",
            "--coordinator-position",
            "методист МАУ «Белоярский методический центр»",
            "--head-name",
            "Вакуленко Илья Владимирович",
            "--head-position",
            "председатель Комитета по образованию",
        ),
        ("schools", "import", str(folder / "schools.csv")),
        ("launch", "beloyarsky-2022", "--now", "2022-03-01", "--yes"),
    ):
        done = nastavnik(folder, *args)
        assert done.returncode == 0, done.stderr
    return folder


def _text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_missing_data_is_one_russian_message_saying_where_each_field_comes_from(
    workdir: Path,
) -> None:
    out = workdir / "order.docx"
    done = nastavnik(
        workdir,
        "docs",
        "render",
        "order_curator_appointment",
        "--school",
        "sosh1",
        "--out",
        str(out),
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "не хватает данных (2)" in done.stderr  # the date defaults to --now
    assert "номер документа (number): ключ number: 41-од в файле --data" in done.stderr
    assert "куратор: ФИО и должность (curator): столбец curator файла школ" in done.stderr
    assert "--draft" in done.stderr
    assert not out.exists()


def test_a_draft_has_blanks_for_the_hand_and_the_schools_own_place(workdir: Path) -> None:
    out = workdir / "draft.docx"
    done = nastavnik(
        workdir,
        "docs",
        "render",
        "order_curator_appointment",
        "--school",
        "kazym",
        "--draft",
        "--out",
        str(out),
        "--now",
        "2022-05-10",
    )
    assert done.returncode == 0, done.stderr
    text = _text(out)
    assert "« __ » ________ 20__ г.\t№ ____" in text
    assert "\nс. Казым\n" in text and "г. Белоярский\n" not in text
    assert "Назначить Шевчук Анну Игоревну, старшую вожатую, куратором" in text
    assert docx.Document(str(out)).core_properties.content_status == "Черновик"


def test_out_must_end_in_the_formats_extension(workdir: Path) -> None:
    done = nastavnik(
        workdir, "docs", "render", "roadmap", "--school", "kazym", "--out", str(workdir / "x.pdf")
    )
    assert done.returncode == 1
    assert "--out: " in done.stderr and "должно оканчиваться на .docx" in done.stderr
    assert not (workdir / "x.pdf").exists()


def test_data_keys_are_checked_and_dotted_keys_override_one_field(workdir: Path) -> None:
    typo = workdir / "typo.yaml"
    typo.write_text(yaml.safe_dump({"numbr": "41-од"}, allow_unicode=True), encoding="utf-8")
    done = nastavnik(
        workdir,
        *("docs", "render", "order_curator_appointment", "--school", "kazym"),
        *("--data", str(typo), "--out", str(workdir / "typo.docx")),
    )
    assert done.returncode == 1
    assert "неизвестный ключ numbr — может быть, number?" in done.stderr
    good = workdir / "good.yaml"
    good.write_text(
        yaml.safe_dump({"number": "41-од", "organisation.place": "д. Юильск"}, allow_unicode=True),
        encoding="utf-8",
    )
    out = workdir / "good.docx"
    done = nastavnik(
        workdir,
        *("docs", "render", "order_curator_appointment", "--school", "kazym"),
        *("--data", str(good), "--out", str(out), "--now", "2022-05-10"),
    )
    assert done.returncode == 0, done.stderr
    text = _text(out)
    assert "10.05.2022\t№ 41-од" in text and "\nд. Юильск\n" in text


def test_the_municipal_order_names_the_coordinators_real_position(workdir: Path) -> None:
    data = workdir / "order.yaml"
    data.write_text(
        yaml.safe_dump({"number": "215", "curators_deadline": "15.05.2022"}, allow_unicode=True),
        encoding="utf-8",
    )
    out = workdir / "municipal.docx"
    done = nastavnik(
        workdir,
        *("docs", "render", "order_municipal_implementation", "--data", str(data)),
        *("--out", str(out), "--now", "2022-04-20", "--step", "1.4"),
    )
    assert done.returncode == 0, done.stderr
    text = _text(out)
    assert (
        "Назначить Кузнецову Ольгу Викторовну, методиста МАУ «Белоярский методический центр», "
        "муниципальным координатором" in text
    )
    assert "муниципального координатора, муниципальным координатором" not in text


def test_an_empty_registry_gives_a_blank_register(workdir: Path) -> None:
    out = workdir / "mentees.xlsx"
    done = nastavnik(
        workdir, "docs", "render", "mentee_registry", "--school", "sosh1", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert out.is_file()


def test_docs_check_lists_unknown_fields_and_the_ones_a_template_could_use(
    tmp_path: Path,
) -> None:
    document = docx.Document()
    document.add_paragraph("Приказ № {{ number }} от {{ date|date_numeric }} {{ signed_on }}")
    own = tmp_path / "order_curator_appointment.docx"
    document.save(str(own))
    done = nastavnik(tmp_path, "docs", "check", str(own))
    assert done.returncode == 1
    assert "поля, которых нет в данных документа «order_curator_appointment»: signed_on" in (
        done.stderr
    )
    assert "можно использовать ещё: basis_act, curator, organisation" in done.stdout
    from documents.files import TEMPLATES_DIR

    builtin = nastavnik(tmp_path, "docs", "check", str(TEMPLATES_DIR / "order_pairs.docx"))
    assert builtin.returncode == 0, builtin.stderr
    assert "в порядке, все поля шаблона есть в данных" in builtin.stdout


def test_the_published_schemas_are_those_of_the_code() -> None:
    from documents.template_schemas import DOCS_PATH, documents_markdown

    assert DOCS_PATH.read_text(encoding="utf-8") == documents_markdown(), (
        "docs/documents.md is stale: run python -m documents.template_schemas"
    )


def test_the_schools_own_report_states_each_step_with_its_document_and_days_late(
    workdir: Path,
) -> None:
    for code, at, evidence in (
        ("1.5", "2022-05-12", "приказ от 12.05.2022 № 112-о"),
        ("1.4", "2022-06-06", "приказ от 06.06.2022 № 131-о"),
    ):
        done = nastavnik(
            workdir, "done", code, "--school", "kazym", "--by", "a@x.ru", "--evidence",
            evidence, "--at", at, "--now", at,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    out = workdir / "school_report.docx"
    args = ("docs", "render", "school_report", "--school", "kazym", "--now", "2022-06-15")
    refused = nastavnik(workdir, *args, "--out", str(out))
    assert refused.returncode == 1
    assert "«Отчёт образовательной организации о выполнении дорожной карты»" in refused.stderr
    assert "номер документа (number): ключ number: 41-од в файле --data" in refused.stderr
    assert not out.exists()
    draft = nastavnik(workdir, *args, "--draft", "--out", str(workdir / "school_draft.docx"))
    assert draft.returncode == 0, draft.stderr
    assert "« __ » ________ 20__ г.\t№ ____" in _text(workdir / "school_draft.docx")
    (workdir / "number.yaml").write_text("number: 131-о\n", encoding="utf-8")
    done = nastavnik(workdir, *args, "--data", str(workdir / "number.yaml"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    document = docx.Document(str(out))
    text = _text(out)
    assert "15.06.2022\t№ 131-о\nс. Казым\n" in text
    assert "в МАОУ «СОШ с. Казым» на 2022 год»" in text  # the school's own roadmap
    assert "Директор\tМ.С. Сулейманов" in text
    assert "Исполнитель: Шевчук А.И., старшая вожатая, куратор" in text
    rows = {row.cells[0].text: [cell.text for cell in row.cells] for row in document.tables[0].rows}
    assert rows["1.5"][2:] == [
        "16.05.2022", "12.05.2022", "приказ от 12.05.2022 № 112-о", "выполнено в срок",
    ]  # fmt: skip
    assert rows["1.4"][2:] == [
        "31.05.2022",
        "06.06.2022",
        "приказ от 06.06.2022 № 131-о",
        "выполнено с нарушением срока на 4 рабочих дня",
    ]
    assert rows["3.2"][3:] == ["—", "—", "не выполнено, просрочено на 47 рабочих дней"]
    assert "  " not in rows["3.1"][1]  # the roadmap's double spaces are not carried over
    assert not any(code.startswith("1.1") for code in rows)  # municipal steps are not its own
    assert "Не выполнены в установленный срок 3 мероприятия:" in text


def test_docs_check_follows_nested_names_and_loops_against_the_item_schema(
    tmp_path: Path,
) -> None:
    document = docx.Document()
    for line in (
        "{{ organisation.place }} {{ organisation['short_name'] }} {{ organisation.placee }}",
        "{% for row in steps %}{{ loop.index }} {{ row.title }} {{ row.deadline.year }} "
        "{{ row.titel }}{% endfor %}",
        "{% for item in indicators %}{{ item.target }} {{ item.goal }}{% endfor %}",
        "{{ curator.position|decline('dative') }} {{ curator.fio }}",
        "{% for row in rows %}{{ row.state }} {{ row.stat }}{% endfor %}",
        "{% set head = organisation %}{{ head.head_name }}",
    ):
        document.add_paragraph(line)
    own = tmp_path / "school_report.docx"
    document.save(str(own))
    done = nastavnik(tmp_path, "docs", "check", str(own))
    assert done.returncode == 1, done.stdout
    listed = done.stderr.split("«school_report»: ", 1)[1].strip()
    assert listed.split(", ") == [
        "organisation.placee",
        "steps[].titel",
        "indicators[].goal",
        "curator.fio",
        "rows[].stat",
    ]
    from documents.files import TEMPLATES_DIR

    for builtin in sorted(TEMPLATES_DIR.glob("*.docx")):  # no false alarms on our own templates
        checked = nastavnik(tmp_path, "docs", "check", str(builtin))
        assert checked.returncode == 0, checked.stderr
