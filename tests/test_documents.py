"""Documents from templates (documents/): every template renders, reads right, and fails clearly."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx import Document
from openpyxl import load_workbook

from common.errors import NastavnikError
from definitions.catalogue import DOCUMENTS
from documents import list_templates, read_pairs_csv, render_document
from documents.build_templates import build_all
from documents.context import SchoolSteps, StepState
from documents.files import TEMPLATES_DIR
from documents.missing import check_data_keys, explain_missing, unflatten
from documents.pairs_csv import parse_pairs_csv
from documents.render import MissingData
from documents.report import classify_step, summarise_progress
from documents.template_demo_data import (
    PAIRS_CSV,
    SCHOOL,
    demo_data,
    long_names_data,
    report_schools,
)
from documents.templates import get_template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_IDS = [item["id"] for item in list_templates()]
LEFTOVER = re.compile(r"\bNone\b|\{\{|\}\}|\{%|%\}")


def _suffix(template_id: str) -> str:
    return "." + get_template(template_id).format


def docx_text(path: Path) -> str:
    """Paragraphs and table cells, one per line, as a reader sees them."""
    document = Document(str(path))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def xlsx_rows(path: Path) -> list[list[Any]]:
    workbook = load_workbook(path)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def render(
    template_id: str, tmp_path: Path, data: dict[str, Any] | None = None, **kwargs: Any
) -> Path:
    out = tmp_path / f"{template_id}{_suffix(template_id)}"
    result = render_document(
        template_id=template_id, data=data or demo_data(template_id), out=out, **kwargs
    )
    assert result.path == out and out.is_file()
    return out


# --- the catalogue of templates ------------------------------------------------------------------


def test_every_catalogue_kind_with_a_scope_has_a_template() -> None:
    scoped = {kind for kind, (_, scope) in DOCUMENTS.items() if scope is not None}
    # the school's own report closes no step, so no step's result names it
    assert set(TEMPLATE_IDS) - {"school_report"} == scoped
    for item in list_templates():
        assert set(item) == {"id", "title", "scope"}
        if item["id"] != "school_report":
            assert (item["title"], item["scope"]) == DOCUMENTS[item["id"]]


def test_required_fields_are_listed_as_dotted_paths() -> None:
    fields = get_template("order_pairs").required_fields
    assert "organisation.head_name" in fields
    assert "pairs[].mentor" in fields and "pairs[].start" in fields
    assert "curator.full_name" in fields


# --- every template renders without leftovers ---------------------------------------------------


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_template_renders_demo_data_without_leftovers(
    template_id: str, tmp_path: Path
) -> None:
    out = render(template_id, tmp_path)
    if out.suffix == ".docx":
        text = docx_text(out)
    else:
        text = "\n".join(
            "\t".join("" if v is None else str(v) for v in row) for row in xlsx_rows(out)
        )
    assert text.strip()
    assert not LEFTOVER.search(text), LEFTOVER.search(text)


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_equal_data_gives_equal_bytes(template_id: str, tmp_path: Path) -> None:
    first = render_document(
        template_id=template_id,
        data=demo_data(template_id),
        out=tmp_path / f"a{_suffix(template_id)}",
    )
    second = render_document(
        template_id=template_id,
        data=demo_data(template_id),
        out=tmp_path / f"b{_suffix(template_id)}",
    )
    assert first.sha256 == second.sha256


# --- what the documents say ----------------------------------------------------------------------


def test_order_appointing_the_curator_declines_her_name_and_follows_gost(tmp_path: Path) -> None:
    text = docx_text(render("order_curator_appointment", tmp_path))
    assert text.startswith(SCHOOL["full_name"])
    assert "\nПРИКАЗ\n" in text
    assert "12.05.2022\t№ 112-о" in text
    assert "\nг. Белоярский\n" in text
    assert "\nО назначении куратора внедрения целевой модели наставничества\n" in text
    assert (
        "распоряжением Комитета по образованию администрации Белоярского района от 20 апреля 2022 г. № 215"
        in text
    )
    assert "\nПРИКАЗЫВАЮ:\n" in text
    assert (
        "1. Назначить Кузнецову Елену Викторовну, заместителя директора по учебно-воспитательной "
        "работе, куратором внедрения целевой модели наставничества" in text
    )
    assert "Директор\tМ.С. Сулейманов" in text
    assert "С приказом ознакомлена:" in text


def test_a_director_appointing_himself_curator_is_declined_as_a_man(tmp_path: Path) -> None:
    data = demo_data("order_curator_appointment")
    data["curator"] = {"full_name": "Сулейманов Магомед Сулейманович", "position": "директор"}
    text = docx_text(render("order_curator_appointment", tmp_path, data))
    assert "1. Назначить Сулейманова Магомеда Сулеймановича, директора, куратором" in text
    assert "С приказом ознакомлен:" in text


def test_order_approving_regulation_and_roadmap_names_the_curator_in_the_dative(
    tmp_path: Path,
) -> None:
    text = docx_text(render("order_regulation_roadmap", tmp_path))
    assert "\nОб утверждении Положения о системе наставничества" in text
    assert "на 2022–2024 годы (приложение № 2)." in text
    assert (
        "3. Заместителю директора по учебно-воспитательной работе Кузнецовой Е.В., куратору" in text
    )
    assert "в срок до 31 мая 2022 г." in text


def test_regulation_lists_the_forms_of_mentorship(tmp_path: Path) -> None:
    data = demo_data("regulation")
    data["forms"] = ["«учитель – учитель»", "«ученик – ученик»"]
    text = docx_text(render("regulation", tmp_path, data))
    assert "УТВЕРЖДЕНО\nприказом МАОУ «СОШ № 1 г. Белоярский»\nот 24.05.2022 № 118-о" in text
    assert "– «учитель – учитель»;\n– «ученик – ученик».\n" in text
    assert "порядок осуществления наставничества в МАОУ «СОШ № 1 г. Белоярский» (далее" in text


def test_order_on_pairs_has_the_table_of_pairs_from_the_csv(tmp_path: Path) -> None:
    out = render("order_pairs", tmp_path)
    text = docx_text(out)
    assert "\nО закреплении наставнических пар (групп) на 2022–2023 учебный год\n" in text
    table = Document(str(out)).tables[0]
    assert [cell.text for cell in table.rows[0].cells] == [
        "№ п/п",
        "Наставник",
        "Наставляемый",
        "Форма наставничества",
        "Группа",
        "Срок",
    ]
    assert len(table.rows) == 1 + 6
    assert [cell.text for cell in table.rows[4].cells] == [
        "4",
        "Белова Дарья Андреевна, обучающаяся 10 «А» класса",
        "Мамедова Айгюль Эльчиновна, обучающаяся 7 «А» класса",
        "«ученик – ученик»",
        "Группа № 1",
        "01.10.2022 – 26.05.2023",
    ]
    assert table.rows[1].cells[4].text == "—"


@pytest.mark.parametrize(
    ("kind", "heading", "operative", "control"),
    [
        ("распоряжение", "РАСПОРЯЖЕНИЕ", False, "настоящего распоряжения"),
        ("приказ", "ПРИКАЗ", True, "настоящего приказа"),
    ],
)
def test_municipal_order_follows_its_kind(
    kind: str, heading: str, operative: bool, control: str, tmp_path: Path
) -> None:
    data = demo_data("order_municipal_implementation")
    data["document_kind"] = kind
    text = docx_text(render("order_municipal_implementation", tmp_path, data))
    assert f"\n{heading}\n" in text
    assert ("ПРИКАЗЫВАЮ:" in text) is operative
    assert control in text
    assert "в образовательных организациях Белоярского района" in text
    assert (
        "3. Назначить Комарову Наталью Александровну, методиста МАУ «БМЦ», муниципальным координатором"
        in text
    )
    assert "в Белоярском районе." in text
    assert "Председатель Комитета по образованию\tИ.Н. Петрова" in text


def test_roadmap_groups_rows_under_sections(tmp_path: Path) -> None:
    out = render("roadmap", tmp_path)
    table = Document(str(out)).tables[0]
    texts = [[cell.text for cell in row.cells] for row in table.rows]
    assert texts[1][0].startswith("1. Нормативно-правовое регулирование")
    assert texts[2][:4] == ["1.4", texts[2][1], "Апрель - май 2022", "01.04.2022 – 31.05.2022"]
    assert sum(1 for row in texts if row[0][:2] in ("1.", "3.", "4.") and len(set(row)) == 1) == 3
    assert len(texts) == 1 + 3 + 8


def test_the_beloyarsky_roadmap_definition_renders_as_a_document(tmp_path: Path) -> None:
    path = ROOT / "definitions" / "roadmaps" / "beloyarsky-2022.yaml"
    if not path.exists():
        pytest.skip("definitions/roadmaps/beloyarsky-2022.yaml is not there yet")
    definition = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = [
        {
            "code": step["code"],
            "section": step.get("section"),
            "title": step["title"],
            "deadline": step["deadline"],
            "dates": step["deadline"],
            "responsible": step["responsible"],
            "result": step.get("result") or "—",
        }
        for step in definition["steps"]
    ]
    data = {
        "organisation": demo_data("analytical_report")["organisation"],
        "title": definition["title"],
        "sections": definition["sections"],
        "rows": rows,
    }
    text = docx_text(render("roadmap", tmp_path, data))
    assert (
        "Назначение кураторов внедрения целевой модели наставничества в ОУ | до 15 мая 2022 г."
        in text
    )
    assert not LEFTOVER.search(text)


def test_analytical_report_counts_steps_and_shows_a_chart(tmp_path: Path) -> None:
    out = render("analytical_report", tmp_path)
    text = docx_text(out)
    assert "АНАЛИТИЧЕСКАЯ СПРАВКА" in text and "по состоянию на 15 июня 2022 г." in text
    assert "участвуют 9 образовательных организаций. Всего 81 мероприятие" in text
    assert " | Итого | 32 | 9 | 8 | 32 | 81 | 50,6" in text
    assert "МАОУ «СОШ № 3 г. Белоярский» | 3.2 Формирование базы наставников" in text
    assert "| 2022 | 2 % | 1,4 % | нет" in text
    assert (
        "Нет данных по показателю: «Уровень удовлетворённости наставляемых участием в программах "
        "наставничества»." in text
    )
    assert "Нет данных по показателю: 4" not in text
    assert (
        "Целевые значения не достигнуты по показателю: «Доля обучающихся в возрасте от 15 до 18 "
        "лет, вошедших в программы наставничества в роли наставника» (1,4 % при целевом значении "
        "2 %)." in text
    )
    assert "Исполнитель: Комарова Н.А., методист МАУ «БМЦ»" in text
    assert len(Document(str(out)).inline_shapes) == 1


def test_analytical_report_without_overdue_steps_or_indicator_data_says_so(tmp_path: Path) -> None:
    data = demo_data("analytical_report")
    data["schools"] = [
        {
            "name": "МАОУ «СОШ № 1 г. Белоярский»",
            "steps": [
                {
                    "code": "1.5",
                    "title": "Назначение кураторов",
                    "deadline": date(2022, 5, 15),
                    "done_on": date(2022, 5, 12),
                }
            ],
        }
    ]
    data["indicators"] = []
    data["prepared_by"] = None
    text = docx_text(render("analytical_report", tmp_path, data))
    assert "Просроченных мероприятий нет." in text
    assert "Фактические значения показателей эффективности не представлены." in text
    assert "Исполнитель" not in text


@pytest.mark.parametrize(
    ("deadline", "done_on", "status"),
    [
        (date(2022, 5, 15), date(2022, 5, 15), "on_time"),
        (date(2022, 5, 15), date(2022, 5, 16), "late"),
        (date(2022, 5, 15), None, "overdue"),
        (date(2022, 6, 15), None, "open"),  # due today: not overdue yet
        (None, None, "open"),
        (None, date(2022, 3, 1), "on_time"),
    ],
)
def test_step_status_on_the_report_date(
    deadline: date | None, done_on: date | None, status: str
) -> None:
    assert classify_step(deadline=deadline, done_on=done_on, as_of=date(2022, 6, 15)) == status


def test_summary_counts_add_up_for_every_school() -> None:
    schools = [
        SchoolSteps(name=item["name"], steps=[StepState(**step) for step in item["steps"]])
        for item in report_schools([f"Школа {n}" for n in range(40)])
    ]
    numbers = summarise_progress(schools=schools, as_of=date(2022, 6, 15))
    assert numbers.totals.total == 40 * 9
    assert (
        sum(row.overdue for row in numbers.rows) == numbers.totals.overdue == len(numbers.overdue)
    )
    assert [item.deadline for item in numbers.overdue] == sorted(
        item.deadline for item in numbers.overdue
    )


def test_report_for_many_schools_charts_the_distribution(tmp_path: Path) -> None:
    data = demo_data("analytical_report")
    data["schools"] = report_schools([f"МАОУ «СОШ № {n}»" for n in range(1, 41)])
    text = docx_text(render("analytical_report", tmp_path, data))
    assert (
        "Рисунок 1. Распределение образовательных организаций по доле выполненных мероприятий"
        in text
    )


def test_protocol_has_the_agenda_and_declines_the_speakers(tmp_path: Path) -> None:
    text = docx_text(render("protocol", tmp_path))
    assert "\nПРОТОКОЛ\nзаседания муниципального методического совета\n" in text
    assert "Председатель — Захарова С.Г." in text
    assert "Присутствовали: 14 человек." in text
    assert (
        "1. Проведение заседания ММС по вопросам внедрения системы наставничества в Белоярском районе."
        in text
    )
    assert "1. СЛУШАЛИ: Комарову Н.А., методиста МАУ «БМЦ», — по вопросу" in text
    assert (
        "2. СЛУШАЛИ: Кузнецову Е.В., заместителя директора по учебно-воспитательной работе" in text
    )
    assert "РЕШИЛИ: Согласовать представленные положения о системе наставничества." in text
    assert "Секретарь\tН.А. Комарова" in text


def test_protocol_lists_attendees_by_name_when_given(tmp_path: Path) -> None:
    data = demo_data("protocol")
    data["attendees"] = ["Кузнецова Елена Викторовна", "Сулейманов Магомед Сулейманович"]
    data["agenda"] = [
        {
            "title": "О ходе внедрения целевой модели наставничества",
            "decision": "Утвердить график мониторинга на 2022–2023 учебный год.",
            "speaker": "Кузнецова Елена Викторовна",
        }
    ]
    text = docx_text(render("protocol", tmp_path, data))
    assert "Присутствовали: Кузнецова Е.В., Сулейманов М.С." in text
    # the speaker's initials end the sentence: one full stop, not «Е.В..»
    assert "Докладчик — Кузнецова Е.В.\n" in text and "Е.В.." not in text
    assert "РЕШИЛИ: Утвердить график мониторинга на 2022–2023 учебный год." in text


def test_a_protocol_is_never_a_stub_its_decisions_are_required(tmp_path: Path) -> None:
    data = demo_data("protocol")
    data["agenda"] = [{"title": "Формирование базы наставников"}]
    with pytest.raises(MissingData) as error:
        render("protocol", tmp_path, data)
    assert error.value.fields == ["agenda[0].decision"]


def test_every_missing_field_is_listed_at_once(tmp_path: Path) -> None:
    data = demo_data("order_curator_appointment")
    del data["number"], data["date"], data["curator"]["position"]
    with pytest.raises(MissingData) as error:
        render("order_curator_appointment", tmp_path, data)
    assert error.value.fields == ["number", "date", "curator.position"]
    message = explain_missing("order_curator_appointment", error.value.fields)
    assert "не хватает данных (3)" in message
    assert "номер документа (number): ключ number: 41-од в файле --data" in message
    assert "должность куратора (curator.position): столбец curator_position файла школ" in message
    assert "--draft" in message


def test_a_draft_leaves_blanks_for_the_hand_and_says_it_is_a_draft(tmp_path: Path) -> None:
    data = demo_data("order_curator_appointment")
    del data["number"], data["date"]
    out = render("order_curator_appointment", tmp_path, data, draft=True)
    text = docx_text(out)
    assert "« __ » ________ 20__ г.\t№ ____" in text
    assert Document(str(out)).core_properties.content_status == "Черновик"
    final = render("order_curator_appointment", tmp_path / "final")
    assert Document(str(final)).core_properties.content_status != "Черновик"


def test_an_empty_register_is_a_blank_form_with_signatures(tmp_path: Path) -> None:
    data = demo_data("mentor_registry")
    data["mentors"] = []
    rows = xlsx_rows(render("mentor_registry", tmp_path, data))
    assert rows[4][1] == "ФИО наставника"
    assert all(row[1] is None for row in rows[5:15])  # ten ruled rows to fill by hand
    assert any(row[1] == "Директор" for row in rows[15:])


def test_unknown_data_keys_are_refused_with_the_nearest_known_key() -> None:
    with pytest.raises(NastavnikError) as error:
        check_data_keys(
            "order_pairs",
            unflatten({"numbr": "1", "organisation.plase": "с. Казым"}),
            where="x.yaml",
        )
    message = str(error.value)
    assert "неизвестный ключ numbr — может быть, number?" in message
    assert "неизвестный ключ organisation.plase — может быть, organisation.place?" in message
    check_data_keys("order_pairs", unflatten({"organisation.place": "с. Казым"}), where="x.yaml")


def test_capitalised_position_at_the_signature_and_feminine_positions_declined(
    tmp_path: Path,
) -> None:
    text = docx_text(
        render("order_curator_appointment", tmp_path, long_names_data("order_curator_appointment"))
    )
    assert "Назначить Шевчук Анну Игоревну, старшую вожатую, куратором" in text
    assert "\nДиректор\tР.Г. Алиев" in text
    data = long_names_data("order_regulation_roadmap")
    text = docx_text(render("order_regulation_roadmap", tmp_path, data))
    assert "Старшей вожатой Шевчук А.И., куратору" in text


def test_the_order_on_pairs_lists_the_curator_and_every_mentor_to_sign(tmp_path: Path) -> None:
    text = docx_text(render("order_pairs", tmp_path))
    block = text[text.index("С приказом ознакомлены:") :]
    signers = re.findall(r"____________ (\S+ \S+)\t", block)
    assert signers == [
        "Е.В. Кузнецова",
        "О.П. Кузьмина",
        "С.Ю. Литвинова",
        "А.В. Тихонов",
        "Д.А. Белова",
        "Р.М. Хабибуллин",
    ]


def test_the_regulation_says_k_nastavnikam(tmp_path: Path) -> None:
    text = docx_text(render("regulation", tmp_path))
    assert "8.1. К наставникам применяются меры" in text


def test_protocol_without_attendees_is_an_error(tmp_path: Path) -> None:
    data = demo_data("protocol")
    del data["attendees_count"]
    with pytest.raises(NastavnikError, match="attendees"):
        render("protocol", tmp_path, data)


def test_mentor_registry_is_a_workbook_with_a_row_per_mentor(tmp_path: Path) -> None:
    rows = xlsx_rows(render("mentor_registry", tmp_path))
    assert rows[0][0] == SCHOOL["full_name"]
    assert rows[1][0] == "Реестр наставников"
    assert rows[2][0] == "по состоянию на 12 сентября 2022 г."
    header = rows[4]
    assert header[:3] == ["№ п/п", "ФИО наставника", "Должность (класс)"]
    assert rows[5][:4] == [1, "Кузьмина Ольга Петровна", "учитель математики", 24]
    assert rows[8][6] == "Мамедова Айгюль Эльчиновна, Соколов Максим Игоревич"
    assert rows[8][3] is None  # a pupil mentor has no teaching experience: an empty cell
    assert rows[9] == [None] * 11  # the table ends; the signatures follow
    assert rows[10][1] == "Директор" and rows[10][5] == "М.С. Сулейманов"


def test_mentee_registry_is_a_workbook_with_a_row_per_mentee(tmp_path: Path) -> None:
    rows = xlsx_rows(render("mentee_registry", tmp_path))
    assert rows[1][0] == "База наставляемых"
    assert rows[5][1:6] == [
        "Ахмедов Руслан Ильдарович",
        "учитель математики (молодой специалист)",
        "адаптация в коллективе, методика подготовки к ОГЭ",
        "«педагог – педагог»",
        "Кузьмина Ольга Петровна",
    ]
    assert rows[5][6:8] == [datetime(2022, 9, 15), datetime(2023, 5, 31)]  # dates, not text
    assert rows[7][6] is None
    assert rows[4][-1].startswith("Согласие на обработку персональных данных")


# --- errors users see ----------------------------------------------------------------------------


def test_missing_field_is_named_with_its_path(tmp_path: Path) -> None:
    data = demo_data("order_curator_appointment")
    del data["curator"]["full_name"]
    with pytest.raises(NastavnikError) as raised:
        render("order_curator_appointment", tmp_path, data)
    assert str(raised.value) == "order_curator_appointment: не хватает данных: curator.full_name"
    assert not (tmp_path / "order_curator_appointment.docx").exists()


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_none_or_blank_required_value_is_missing_not_printed(empty: Any, tmp_path: Path) -> None:
    data = demo_data("order_pairs")
    data["pairs"][2]["mentee"] = empty
    with pytest.raises(NastavnikError, match=r"не хватает данных: pairs\[2\]\.mentee"):
        render("order_pairs", tmp_path, data)


def test_bad_date_names_the_field(tmp_path: Path) -> None:
    data = demo_data("order_pairs")
    data["plans_deadline"] = "14 октября"
    with pytest.raises(
        NastavnikError,
        match=r"order_pairs: plans_deadline: нужна дата \(15\.05\.2022 или 2022-05-15\), а указано «14 октября»",
    ):
        render("order_pairs", tmp_path, data)


def test_literal_none_in_the_output_is_refused(tmp_path: Path) -> None:
    data = demo_data("order_curator_appointment")
    data["basis_act"]["title"] = "None"
    with pytest.raises(
        NastavnikError,
        match="в документе осталось «None» \\(каких-то данных нет или тег шаблона испорчен\\)",
    ):
        render("order_curator_appointment", tmp_path, data)


def test_an_unsplittable_name_is_reported_with_the_template(tmp_path: Path) -> None:
    data = demo_data("order_curator_appointment")
    data["curator"]["full_name"] = "Кузнецова"
    with pytest.raises(
        NastavnikError,
        match=r"шаблон order_curator_appointment.docx: «Кузнецова»: нужны «Фамилия Имя Отчество»",
    ):
        render("order_curator_appointment", tmp_path, data)


def test_unknown_template_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(
        NastavnikError, match="шаблона документа «order_x» нет; есть: order_curator"
    ):
        render_document(template_id="order_x", data={}, out=tmp_path / "x.docx")


def _own_template(folder: Path, template_id: str, lines: list[str]) -> None:
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    folder.mkdir(parents=True, exist_ok=True)
    document.save(str(folder / f"{template_id}.docx"))


def test_a_municipality_template_overrides_the_built_in_one(tmp_path: Path) -> None:
    own = tmp_path / "own"
    _own_template(
        own,
        "order_curator_appointment",
        [
            "Бланк Комитета по образованию администрации Белоярского района",
            "Назначить {{ curator.full_name|accusative }} куратором. {{ organisation.head_name|initials }}",
        ],
    )
    text = docx_text(render("order_curator_appointment", tmp_path, templates_dir=own))
    assert "Бланк Комитета по образованию" in text
    assert "Назначить Кузнецову Елену Викторовну куратором. М.С. Сулейманов" in text
    # A template the folder lacks falls back to the built-in one.
    assert "ПРИКАЗЫВАЮ:" in docx_text(render("order_pairs", tmp_path, templates_dir=own))


def test_the_templates_folder_setting_is_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from common.settings import get_settings

    own = tmp_path / "own"
    _own_template(own, "protocol", ["Свой протокол № {{ number }}"])
    monkeypatch.setenv("NASTAVNIK_TEMPLATES_DIR", str(own))
    get_settings.cache_clear()
    try:
        assert docx_text(render("protocol", tmp_path)).strip() == "Свой протокол № 3"
    finally:
        get_settings.cache_clear()


def test_a_broken_template_is_reported_with_its_name_and_the_jinja_error(tmp_path: Path) -> None:
    own = tmp_path / "own"
    _own_template(own, "order_pairs", ["Приказ {% for pair in pairs %} без конца"])
    with pytest.raises(NastavnikError) as raised:
        render("order_pairs", tmp_path, templates_dir=own)
    message = str(raised.value)
    assert message.startswith("шаблон order_pairs.docx: шаблон испорчен: тег Jinja не читается")
    assert message.endswith("блок «{% for %}» не закрыт, нужен «{% endfor %}»")
    assert "Traceback" not in message


def test_an_undefined_name_in_a_template_is_a_missing_field(tmp_path: Path) -> None:
    own = tmp_path / "own"
    _own_template(own, "order_pairs", ["Приказ № {{ number }} от {{ signed_on|date_ru }}"])
    with pytest.raises(
        NastavnikError,
        match=r"шаблон order_pairs.docx: шаблон использует поле signed_on, которого нет в данных",
    ):
        render("order_pairs", tmp_path, templates_dir=own)


def test_a_file_that_is_not_a_docx_is_reported(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "protocol.docx").write_text("это не документ", encoding="utf-8")
    with pytest.raises(
        NastavnikError, match=r"шаблон protocol.docx: файл шаблона — не документ Word"
    ):
        render("protocol", tmp_path, templates_dir=own)


# --- the pairs CSV ---------------------------------------------------------------------------------


def test_pairs_csv_reads_semicolon_separated_excel_exports(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text("\ufeff" + PAIRS_CSV + ";;;;;;;\n", encoding="utf-8")
    pairs = read_pairs_csv(path=path)
    assert len(pairs) == 6
    assert pairs[0].mentor == "Кузьмина Ольга Петровна"
    assert pairs[0].start == date(2022, 9, 15) and pairs[0].group is None
    assert pairs[3].group == "Группа № 1"


def test_pairs_csv_reads_comma_separated_iso_dates() -> None:
    pairs = parse_pairs_csv(
        "mentor,mentee,form,start,end\n"
        "Кузьмина Ольга Петровна,Ахмедов Руслан Ильдарович,«педагог – педагог»,2022-09-15,2023-05-31\n"
    )
    assert pairs[0].end == date(2023, 5, 31)


def test_pairs_csv_reports_every_bad_row_and_column_and_returns_nothing() -> None:
    text = (
        "mentor;mentee;form;start;end\n"
        "Кузьмина Ольга Петровна;Ахмедов Руслан Ильдарович;«педагог – педагог»;15.09.2022;31.05.2023\n"
        "Кузьмина;Ахмедов Руслан Ильдарович;;15.09.2022;31.05.2023\n"
        "Тихонов Андрей Владимирович;Ермаков Денис Сергеевич;«учитель – ученик»;01.10.2022;сентябрь\n"
        "Тихонов Андрей Владимирович;Ермаков Денис Сергеевич;«учитель – ученик»;01.10.2022;01.09.2022\n"
    )
    with pytest.raises(NastavnikError) as raised:
        parse_pairs_csv(text, source="pairs.csv")
    message = str(raised.value)
    assert message.startswith("pairs.csv: 4 ошибки, пары не прочитаны:")
    assert "строка 3, столбец C (form): не заполнено" in message
    assert "строка 3, столбец A (mentor): «Кузьмина»: нужны «Фамилия Имя Отчество»" in message
    assert "строка 4, столбец E (end): «сентябрь»: ожидается дата вида 15.09.2022" in message
    assert "строка 5, столбец E (end): окончание 01.09.2022 раньше начала 01.10.2022" in message


def test_pairs_csv_without_a_required_column_names_it() -> None:
    with pytest.raises(NastavnikError, match="строка 1 \\(заголовок\\): нет столбцов end"):
        parse_pairs_csv("mentor;mentee;form;start\n")


def test_pairs_file_is_the_registry_pairs_file_with_russian_headers(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text(
        "Наставник;Наставляемый;Форма;Начало;Окончание;Статус\n"
        "Кузьмина Ольга Петровна;Ахмедов Руслан Ильдарович;«учитель – ученик»;"
        "15 сентября 2022 г.;31.05.2023;действует\n",
        encoding="cp1251",
    )
    [pair] = read_pairs_csv(path=path)
    assert (pair.mentor, pair.start, pair.end) == (
        "Кузьмина Ольга Петровна",
        date(2022, 9, 15),
        date(2023, 5, 31),
    )


# --- the builder and LibreOffice ------------------------------------------------------------------


def test_committed_templates_equal_what_the_builder_produces(tmp_path: Path) -> None:
    built = build_all(tmp_path)
    assert sorted(path.name for path in built) == sorted(
        path.name for path in TEMPLATES_DIR.glob("*.docx")
    )
    for path in built:
        assert docx_text(path) == docx_text(TEMPLATES_DIR / path.name), path.name


def test_demo_data_is_not_changed_by_rendering(tmp_path: Path) -> None:
    data = demo_data("order_pairs")
    before = copy.deepcopy(data)
    render("order_pairs", tmp_path, data)
    assert data == before


DOCX_TEMPLATE_IDS = [t for t in TEMPLATE_IDS if get_template(t).format == "docx"]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every DOCX document rendered for the demo data and converted by one LibreOffice run
    (start-up is most of its time): <template_id>.pdf beside <template_id>.docx."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("pdf")
    documents = [render(template_id, folder) for template_id in DOCX_TEMPLATE_IDS]
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{folder}/lo-profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, documents),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("template_id", DOCX_TEMPLATE_IDS)
def test_libreoffice_converts_every_document_to_pdf(template_id: str, converted: Path) -> None:
    pdf = converted / f"{template_id}.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")


def test_the_roadmap_is_annex_2_of_the_approving_order(tmp_path: Path) -> None:
    text = docx_text(render("roadmap", tmp_path))
    # ГОСТ Р 7.0.97-2016: the annex mark and the approval stamp are one block, the order cited once
    assert (
        "Приложение № 2\nУТВЕРЖДЕНА\nприказом МАОУ «СОШ № 1 г. Белоярский»\nот 24.05.2022 № 118-о"
        in text
    )
    assert text.count("24.05.2022 № 118-о") == 1


def test_the_regulation_is_annex_1_with_its_approval_stamps(tmp_path: Path) -> None:
    data = demo_data("regulation")
    data["council"] = {"kind": "протокол", "number": "5", "date": date(2022, 5, 20)}
    data["agreed_with"] = "Советом родителей (протокол от 19.05.2022 № 4)"
    text = docx_text(render("regulation", tmp_path, data))
    assert (
        "Приложение № 1\nУТВЕРЖДЕНО\nприказом МАОУ «СОШ № 1 г. Белоярский»\nот 24.05.2022 № 118-о"
        in text
    )
    assert text.count("24.05.2022 № 118-о") == 1
    assert (
        "ПРИНЯТО\nпедагогическим советом МАОУ «СОШ № 1 г. Белоярский»\n(протокол от 20.05.2022 № 5)"
        in text
    )
    assert "СОГЛАСОВАНО\nСоветом родителей (протокол от 19.05.2022 № 4)" in text
    # without the protocol the stamp has blanks for the hand
    text = docx_text(render("regulation", tmp_path / "blank"))
    assert "(протокол от « __ » ________ 20__ г. № ____)" in text and "СОГЛАСОВАНО" not in text


@pytest.mark.parametrize(
    ("forms", "participants"),
    [
        (["«учитель – учитель»"], "педагогических работников"),
        (["«ученик – ученик»", "«учитель – ученик»"], "обучающихся"),
        (["«учитель – учитель»", "«ученик – ученик»"], "педагогических работников и обучающихся"),
    ],
)
def test_the_regulation_names_whose_mentorship_its_forms_are(
    forms: list[str], participants: str, tmp_path: Path
) -> None:
    data = demo_data("regulation")
    data["forms"] = forms
    text = docx_text(render("regulation", tmp_path, data))
    assert f"ПОЛОЖЕНИЕ\nо системе наставничества {participants}\n" in text
    assert f"– {forms[-1]}." in text


def test_the_report_counts_each_step_across_the_schools(tmp_path: Path) -> None:
    document = Document(str(render("analytical_report", tmp_path)))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Мероприятие")
    rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}
    assert list(rows)[0].startswith("1.4 Утверждение пакета")
    # every school has each of the nine steps once: each row adds up to the nine schools
    assert all(int(values[4]) == 9 for values in rows.values())
    assert len(rows) == 9


def test_the_report_upward_is_also_a_workbook_numbered_and_dated(tmp_path: Path) -> None:
    data = dict(demo_data("analytical_report_xlsx"), number="12-с", date=date(2022, 6, 15))
    workbook = load_workbook(render("analytical_report_xlsx", tmp_path, data))
    assert workbook.sheetnames == [
        "По организациям",
        "По мероприятиям",
        "Просроченные",
        "Муниципальный уровень",
        "Показатели",
    ]
    rows = [list(r) for r in workbook["По организациям"].iter_rows(values_only=True)]
    assert rows[2][0] == "по состоянию на 15 июня 2022 г.; 15.06.2022 № 12-с"
    assert rows[-1][1:9] == ["Итого", 32, 9, 8, 32, 0, 81, 50.6]
    overdue = [list(r) for r in workbook["Просроченные"].iter_rows(values_only=True)]
    assert overdue[5][3] == datetime(2022, 4, 4)  # dates are dates, not text
    indicators = [list(r) for r in workbook["Показатели"].iter_rows(values_only=True)]
    assert ["нет данных", "нет данных"] == [indicators[-1][3], indicators[-1][5]]


def test_the_school_report_states_every_step_in_words_and_counts_not_applicable_apart(
    tmp_path: Path,
) -> None:
    from documents.template_demo_data import demo_data

    data = demo_data("school_report")
    data["steps"].append(
        {
            "code": "9.9",
            "title": "Неприменимый шаг",
            "deadline": "01.03.2022",
            "not_applicable": True,
        }
    )
    out = render_document(template_id="school_report", data=data, out=tmp_path / "r.docx").path
    document = Document(str(out))
    states = {row.cells[0].text: row.cells[5].text for row in document.tables[0].rows[1:]}
    assert states["1.5"] == "выполнено в срок"
    assert states["1.6"] == "выполнено с нарушением срока на 4 рабочих дня"
    assert states["2.3"] == "не выполнено, просрочено на 9 рабочих дней"
    assert states["3.3"] == "в работе (срок не наступил)"
    assert states["2.6"] == states["9.9"] == "неприменимо"
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "просрочено — 1, в работе (срок не наступил) — 3" in text
    assert "(отмечены «неприменимо») — 2 мероприятия, они не учитываются" in text
    assert "15.06.2022\t№ 131-о" in text
    assert "Директор\tМ.С. Сулейманов" in text
