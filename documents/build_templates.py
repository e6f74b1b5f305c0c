"""Build the built-in .docx templates in ``templates/`` with python-docx, so they are reviewable as code.

Run ``python -m documents.build_templates [folder]`` after editing this file; a test rebuilds the
templates into a temporary folder and compares their text with the committed files.

Templates are Jinja inside Word (docxtpl): ``{{ … }}`` in a run, ``{%p … %}`` alone in a paragraph,
``{%tr … %}`` alone in a table row. Every paragraph here is one run (or runs with whole tags), so
Word never splits a tag. Orders follow ГОСТ Р 7.0.97: organisation, kind of document, date and
number, place, title «О…», text, «ПРИКАЗЫВАЮ:», numbered points, signature.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Mm, Pt, Twips
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

from documents.files import TEMPLATES_DIR, docx_package_bytes

FONT = "Times New Roman"

# Acts every document of the target model cites; spelt out once here.
R145 = (
    "распоряжением Министерства просвещения Российской Федерации от 25 декабря 2019 г. № Р-145 "
    "«Об утверждении методологии (целевой модели) наставничества обучающихся для организаций, "
    "осуществляющих образовательную деятельность по общеобразовательным, дополнительным "
    "общеобразовательным и программам среднего профессионального образования, в том числе с "
    "применением лучших практик обмена опытом между обучающимися»"
)
AZ1128 = (
    "методическими рекомендациями по разработке и внедрению системы (целевой модели) наставничества "
    "педагогических работников в образовательных организациях (письмо Министерства просвещения "
    "Российской Федерации от 21 декабря 2021 г. № АЗ-1128/08)"
)
BASIS_ACT = (
    "{% if basis_act %}{{ basis_act.kind_instrumental }}{% if basis_act.issuer %} "
    "{{ basis_act.issuer }}{% endif %} от {{ basis_act.date|date_ru }} № {{ basis_act.number }}"
    "{% if basis_act.title %} «{{ basis_act.title }}»{% endif %}, {% endif %}"
)
SHORT = "{{ organisation.short_name }}"
# A draft leaves the number and the date blank for the secretary to write by hand.
DATE_OR_BLANK = "{% if date %}{{ date|date_numeric }}{% else %}« __ » ________ 20__ г.{% endif %}"
NUMBER_OR_BLANK = "№ {{ number or '____' }}"
MUNICIPALITY_GENITIVE = "{{ organisation.municipality|decline('genitive') }}"
CURATOR_DATIVE = (
    "{{ curator.position|decline('dative')|upper_first }} "
    "{{ curator.full_name|surname_initials('dative') }}, куратору внедрения целевой модели "
    "наставничества"
)


# --- building blocks ------------------------------------------------------------------------


def _new_document(*, landscape: bool = False, size: float = 14) -> DocumentObject:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    # ГОСТ Р 7.0.97 margins: at least 20 mm left, 10 mm right; orders are bound on the left.
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(size)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    _page_numbers(section)
    return document


def _page_numbers(section: Section) -> None:
    """ГОСТ Р 7.0.97-2016, 5.1: the page number in the middle of the top margin, from page 2."""
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = ""
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _text_width(document: DocumentObject) -> int:
    section = document.sections[0]
    assert section.page_width is not None and section.left_margin is not None
    assert section.right_margin is not None
    return int(section.page_width - section.left_margin - section.right_margin)


def _para(
    document: DocumentObject,
    text: str = "",
    *,
    align: str = "justify",
    bold: bool = False,
    indent: bool = False,
    left: float | None = None,
    size: float | None = None,
    space_after: float = 0,
) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1.25)
    if left is not None:
        paragraph.paragraph_format.left_indent = Cm(left)
    if space_after:
        paragraph.paragraph_format.space_after = Pt(space_after)
    if text:
        run = paragraph.add_run(text)
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
    return paragraph


def _two_sided(document: DocumentObject, left: str, right: str, *, bold: bool = False) -> Paragraph:
    """A line with text on the left and on the right margin: date and number, signatures."""
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.tab_stops.add_tab_stop(_text_width(document), WD_TAB_ALIGNMENT.RIGHT)
    run = paragraph.add_run(left)
    run.bold = bold or None
    run.add_tab()
    tail = paragraph.add_run(right)
    tail.bold = bold or None
    return paragraph


def _tag(document: DocumentObject, tag: str) -> None:
    """A docxtpl paragraph tag (``{%p if … %}``): the whole paragraph becomes the tag."""
    document.add_paragraph().add_run(tag)


def _points(document: DocumentObject, points: Sequence[str]) -> None:
    for point in points:
        _para(document, point, indent=True)


def _order_head(document: DocumentObject, *, kind: str = "ПРИКАЗ") -> None:
    _para(document, "{{ organisation.full_name }}", align="center", bold=True)
    _para(document)
    _para(document, kind, align="center", bold=True, size=16)
    _para(document)
    _two_sided(document, "{{ date|date_numeric }}", "№ {{ number }}")
    _para(document, "{{ organisation.place }}", align="center")
    _para(document)


def _preamble(document: DocumentObject, text: str) -> None:
    """An order's grounds («В соответствии с …»), then «ПРИКАЗЫВАЮ:» after an empty line."""
    _para(document, text, indent=True)
    _para(document)
    _para(document, "ПРИКАЗЫВАЮ:", align="left")


def _title(document: DocumentObject, text: str) -> None:
    _para(document, text, align="left", bold=True)
    _para(document)


def _keep_with_signature(document: DocumentObject) -> None:
    """Keep the last lines of text on the page of the signature that follows them.

    Keep-with-next runs back from the end to the last paragraph of text (tags of docxtpl are
    removed at rendering, so the paragraph inside a loop carries the property too).
    """
    texts = 0
    for paragraph in reversed(document.paragraphs):
        paragraph.paragraph_format.keep_with_next = True
        text = paragraph.text.strip()
        if text and not text.startswith("{%p"):
            texts += 1
            if texts == 2 or text.startswith("{{"):
                break


def _signature(
    document: DocumentObject,
    *,
    position: str = "{{ organisation.head_position|upper_first }}",
    name: str = "{{ organisation.head_name|initials }}",
    keep_with_next: bool = False,
) -> None:
    _keep_with_signature(document)
    _para(document).paragraph_format.keep_with_next = True
    _para(document).paragraph_format.keep_with_next = True
    line = _two_sided(document, position, name)
    line.paragraph_format.keep_with_next = keep_with_next or None


def _acknowledgements(document: DocumentObject, people: str, *, heading: str) -> None:
    """«С приказом ознакомлены:» and a line to sign and date for each person of ``people``."""
    _para(document).paragraph_format.keep_with_next = True
    _para(document, heading, align="left").paragraph_format.keep_with_next = True
    _tag(document, f"{{%p for person in {people} %}}")
    line = _two_sided(document, "____________ {{ person|initials }}", "«___» ____________ 20___ г.")
    line.paragraph_format.space_before = Pt(6)
    _tag(document, "{%p endfor %}")


def _approval_block(document: DocumentObject, lines: Sequence[str]) -> None:
    for line in lines:
        _para(document, line, align="left", left=9.5)
    _para(document)


def _table(
    document: DocumentObject,
    header: Sequence[str],
    widths_mm: Sequence[float],
    *,
    size: float = 12,
    header_size: float | None = None,
) -> Table:
    """A table with fixed column widths and a header row repeated on every page.

    Word and LibreOffice take a column's width from each cell's own ``w:tcW``, so every row
    carries the widths (``_table_row``); the layout is fixed so long words never squeeze a column.
    """
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl = table._tbl
    for grid_col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_mm, strict=True):
        grid_col.set(qn("w:w"), str(int(Mm(width).twips)))
    tbl_pr = tbl.tblPr
    tbl_width = tbl_pr.find(qn("w:tblW"))
    if tbl_width is None:
        tbl_width = OxmlElement("w:tblW")
        tbl_pr.append(tbl_width)
    tbl_width.set(qn("w:type"), "dxa")
    tbl_width.set(qn("w:w"), str(int(Mm(sum(widths_mm)).twips)))
    header_row = table.rows[0]
    _row_properties(header_row, header=True)
    for cell, text, width in zip(header_row.cells, header, widths_mm, strict=True):
        cell.width = Mm(width)
        _cell_text(cell.paragraphs[0], text, bold=True, size=header_size or size, align="center")
    return table


def _row_properties(row: _Row, *, header: bool = False) -> None:
    """A row never splits across pages; the header row repeats at the top of each page."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _column_widths(table: Table) -> list[int]:
    return [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def _cell_text(
    paragraph: Paragraph, text: str, *, bold: bool = False, size: float = 12, align: str = "left"
) -> None:
    paragraph.alignment = (
        WD_ALIGN_PARAGRAPH.CENTER if align == "center" else WD_ALIGN_PARAGRAPH.LEFT
    )
    run = paragraph.add_run(text)
    run.bold = bold or None
    run.font.size = Pt(size)


def _table_row(
    table: Table,
    cells: Sequence[str],
    *,
    size: float = 12,
    bold: bool = False,
    merged: bool = False,
    centered: Sequence[int] = (),
) -> None:
    row = table.add_row()
    _row_properties(row)
    widths = _column_widths(table)
    for cell, width in zip(row.cells, widths, strict=True):
        cell.width = Twips(width)
    if merged:
        cell = row.cells[0].merge(row.cells[-1])
        cell.width = Twips(sum(widths))
        _cell_text(cell.paragraphs[0], cells[0], bold=bold, size=size)
        return
    for index, (cell, text) in enumerate(zip(row.cells, cells, strict=True)):
        _cell_text(
            cell.paragraphs[0],
            text,
            bold=bold,
            size=size,
            align="center" if index in centered else "left",
        )


def _loop_rows(
    table: Table,
    opening: str,
    cells: Sequence[str],
    *,
    size: float = 12,
    centered: Sequence[int] = (),
) -> None:
    """A ``{%tr for … %}`` row, the repeated row and the ``{%tr endfor %}`` row."""
    _table_row(table, [opening] + [""] * (len(cells) - 1), size=size)
    _table_row(table, cells, size=size, centered=centered)
    _table_row(table, ["{%tr endfor %}"] + [""] * (len(cells) - 1), size=size)


# --- the templates --------------------------------------------------------------------------


def build_order_curator_appointment() -> DocumentObject:
    """Приказ о назначении куратора внедрения целевой модели наставничества."""
    document = _new_document()
    _order_head(document)
    _title(document, "О назначении куратора внедрения целевой модели наставничества")
    _preamble(
        document,
        (
            f"В соответствии с {R145}, {BASIS_ACT}в целях организации внедрения целевой модели "
            f"наставничества педагогических работников и обучающихся в {SHORT}"
        ),
    )
    _points(
        document,
        [
            "1. Назначить {{ curator.full_name|accusative }}, {{ curator.position|decline('accusative') }}, "
            "куратором внедрения целевой модели наставничества педагогических работников и обучающихся "
            f"в {SHORT} (далее — куратор).",
            "2. Куратору:",
            f"2.1. организовать разработку и реализацию дорожной карты внедрения целевой модели "
            f"наставничества в {SHORT};",
            "2.2. сформировать базу наставников и базу наставляемых и поддерживать их в актуальном "
            "состоянии;",
            "2.3. организовать обучение наставников, в том числе с привлечением внешних экспертов;",
            "2.4. осуществлять контроль внедрения целевой модели наставничества и реализации программ "
            "наставничества;",
            "2.5. проводить мониторинг реализации программ наставничества и оценку вовлечённости "
            "педагогических работников и обучающихся в различные формы наставничества;",
            "2.6. своевременно представлять информацию о ходе внедрения целевой модели наставничества "
            "муниципальному координатору.",
            "3. Контроль за исполнением настоящего приказа оставляю за собой.",
        ],
    )
    _signature(document, keep_with_next=True)
    _para(document).paragraph_format.keep_with_next = True
    _para(
        document,
        "С приказом {{ 'ознакомлена' if curator.full_name|gender == 'female' else 'ознакомлен' }}:",
        align="left",
    ).paragraph_format.keep_with_next = True
    _two_sided(
        document, "____________ {{ curator.full_name|initials }}", "«___» ____________ 20___ г."
    )
    return document


def build_order_regulation_roadmap() -> DocumentObject:
    """Приказ об утверждении Положения о системе наставничества и дорожной карты."""
    document = _new_document()
    _order_head(document)
    _title(
        document,
        (
            "Об утверждении Положения о системе наставничества педагогических работников и "
            "обучающихся и дорожной карты внедрения целевой модели наставничества"
        ),
    )
    _preamble(
        document,
        (
            f"В соответствии с {R145}, {AZ1128}, {BASIS_ACT}в целях создания условий для "
            "профессионального развития педагогических работников, поддержки и самоопределения "
            f"обучающихся {SHORT}"
        ),
    )
    _points(
        document,
        [
            "1. Утвердить Положение о системе наставничества педагогических работников и обучающихся "
            f"в {SHORT} (приложение № 1).",
            "2. Утвердить дорожную карту (план мероприятий) внедрения целевой модели наставничества "
            f"в {SHORT} на {{{{ roadmap_period }}}} (приложение № 2).",
            f"3. {CURATOR_DATIVE}, обеспечить выполнение мероприятий дорожной карты в установленные "
            "сроки.",
            "4. Педагогическим работникам руководствоваться Положением о системе наставничества при "
            "организации наставнической деятельности.",
            "5. Разместить настоящий приказ, Положение о системе наставничества и дорожную карту на "
            f"официальном сайте {SHORT} в разделе «Наставничество» в срок до "
            "{{ publish_deadline|date_ru }}",
            "6. Контроль за исполнением настоящего приказа оставляю за собой.",
        ],
    )
    _signature(document, keep_with_next=True)
    _acknowledgements(document, "acquainted", heading="С приказом ознакомлены:")
    return document


def build_regulation() -> DocumentObject:
    """Положение о системе наставничества педагогических работников и обучающихся."""
    document = _new_document()
    # ГОСТ Р 7.0.97-2016, 5.22 and 5.26: an annex that the order approves carries the annex
    # mark and the approval stamp as one block (the order is not cited twice)
    _approval_block(
        document,
        [
            "Приложение № 1",
            "УТВЕРЖДЕНО",
            f"{{{{ approval.kind_instrumental }}}} {SHORT}",
            "от {{ approval.date|date_numeric }} № {{ approval.number }}",
        ],
    )
    _approval_block(
        document,
        [
            "ПРИНЯТО",
            f"педагогическим советом {SHORT}",
            "(протокол {% if council %}от {{ council.date|date_numeric }} № {{ council.number }}"
            "{% else %}от « __ » ________ 20__ г. № ____{% endif %})",
        ],
    )
    _tag(document, "{%p if agreed_with %}")
    _approval_block(document, ["СОГЛАСОВАНО", "{{ agreed_with }}"])
    _tag(document, "{%p endif %}")
    _para(document, "ПОЛОЖЕНИЕ", align="center", bold=True)
    _para(
        document,
        "о системе наставничества {{ participants }}",
        align="center",
        bold=True,
    )
    _para(document, f"в {SHORT}", align="center", bold=True)
    _para(document)

    def heading(text: str) -> None:
        _para(document)
        _para(document, text, align="center", bold=True)

    heading("1. Общие положения")
    _points(
        document,
        [
            "1.1. Настоящее Положение о системе наставничества {{ participants }} "
            f"в {SHORT} (далее — Положение) разработано в соответствии с Федеральным законом "
            "от 29 декабря 2012 г. № 273-ФЗ «Об образовании в Российской Федерации», "
            f"{R145}, {AZ1128} и определяет цели, задачи, формы и порядок осуществления "
            f"наставничества в {SHORT} (далее — образовательная организация).",
            "1.2. Наставничество — форма обеспечения профессионального становления, развития и "
            "адаптации к квалифицированному исполнению должностных обязанностей лиц, в отношении "
            "которых осуществляется наставничество, а также универсальная технология передачи опыта, "
            "знаний, формирования навыков и компетенций через неформальное взаимообогащающее общение, "
            "основанное на доверии и партнёрстве.",
            "1.3. Участниками системы наставничества являются: наставник — педагогический работник или "
            "обучающийся, обладающий опытом, достижениями и знаниями, готовый передать их "
            "наставляемому; наставляемый — педагогический работник (в том числе молодой специалист) "
            "или обучающийся, в отношении которого осуществляется наставничество; куратор внедрения "
            "целевой модели наставничества — работник образовательной организации, назначенный "
            "приказом руководителя; руководитель образовательной организации.",
        ],
    )
    heading("2. Цели и задачи наставничества")
    _points(
        document,
        [
            "2.1. Цель наставничества — максимально полное раскрытие потенциала личности "
            "наставляемого, необходимое для успешной личной и профессиональной самореализации, "
            "создание условий для формирования эффективной системы поддержки, самоопределения и "
            "профессиональной ориентации обучающихся, профессионального развития педагогических "
            "работников.",
            "2.2. Задачи наставничества:",
            "– улучшение показателей образовательной организации в образовательной, "
            "социокультурной, спортивной сферах и в сфере дополнительного образования;",
            "– подготовка обучающихся к самостоятельной, осознанной и социально продуктивной "
            "деятельности, раскрытие их личностного, творческого и профессионального потенциала;",
            "– ускорение профессионального становления педагогических работников, адаптация молодых "
            "специалистов в педагогическом коллективе;",
            "– создание психологически комфортной среды для развития и повышения квалификации "
            "педагогических работников.",
        ],
    )
    heading("3. Организация наставничества")
    _points(
        document,
        [
            "3.1. Руководитель образовательной организации назначает куратора внедрения целевой "
            "модели наставничества, утверждает дорожную карту и программы наставничества, издаёт "
            "приказ о закреплении наставнических пар (групп) и создаёт условия для их работы.",
            "3.2. Куратор формирует базу наставников и базу наставляемых, организует обучение "
            "наставников, контролирует реализацию программ наставничества и проводит их мониторинг.",
            "3.3. Наставническая пара (группа) формируется при взаимном согласии наставника и "
            "наставляемого, для несовершеннолетнего обучающегося — с согласия его родителей "
            "(законных представителей), на срок от трёх месяцев до одного года.",
            "3.4. Наставник одновременно осуществляет наставничество в отношении не более чем трёх "
            "наставляемых.",
            "3.5. Наставник и наставляемый разрабатывают индивидуальный план развития наставляемого "
            "в течение одного месяца с даты закрепления наставнической пары (группы).",
        ],
    )
    heading("4. Формы наставничества")
    _para(
        document,
        "4.1. В образовательной организации применяются следующие формы наставничества:",
        indent=True,
    )
    _tag(document, "{%p for form in forms %}")
    _para(document, "– {{ form }}{{ '.' if loop.last else ';' }}", indent=True)
    _tag(document, "{%p endfor %}")
    _points(
        document,
        [
            "4.2. Форма наставничества и программа наставничества выбираются исходя из запроса "
            "наставляемого и ресурсов наставника.",
        ],
    )
    heading("5. Права и обязанности наставника")
    _points(
        document,
        [
            "5.1. Наставник обязан: разрабатывать совместно с наставляемым индивидуальный план "
            "развития; оказывать наставляемому помощь в освоении профессиональных (учебных) задач; "
            "личным примером развивать положительные качества наставляемого; участвовать в "
            "мониторинге реализации программы наставничества.",
            "5.2. Наставник имеет право: привлекать к работе с наставляемым других работников "
            "образовательной организации с их согласия; знакомиться с документами, необходимыми для "
            "осуществления наставничества; обращаться к куратору с предложениями о совершенствовании "
            "наставничества; отказаться от наставничества по уважительной причине.",
        ],
    )
    heading("6. Права и обязанности наставляемого")
    _points(
        document,
        [
            "6.1. Наставляемый обязан: выполнять индивидуальный план развития; выполнять указания "
            "наставника, связанные с реализацией программы наставничества; участвовать в мониторинге "
            "и оценке результатов наставничества.",
            "6.2. Наставляемый имеет право: пользоваться ресурсами образовательной организации для "
            "реализации плана развития; обращаться к наставнику и куратору за помощью; ходатайствовать "
            "о замене наставника.",
        ],
    )
    heading("7. Мониторинг и оценка результатов наставничества")
    _points(
        document,
        [
            "7.1. Мониторинг реализации программ наставничества проводит куратор не реже одного раза "
            "в полугодие: оцениваются качество реализации программ, удовлетворённость участников и "
            "динамика профессионального (учебного) роста наставляемых.",
            "7.2. Результаты мониторинга рассматриваются на заседании педагогического совета и "
            "представляются муниципальному координатору.",
        ],
    )
    heading("8. Меры поощрения наставников")
    _points(
        document,
        [
            "8.1. К наставникам применяются меры морального и материального стимулирования: объявление "
            "благодарности, награждение грамотой, выдвижение на конкурсы профессионального мастерства, "
            "учёт наставнической деятельности при аттестации и распределении стимулирующих выплат в "
            "соответствии с локальными актами образовательной организации.",
        ],
    )
    heading("9. Заключительные положения")
    _points(
        document,
        [
            "9.1. Положение вступает в силу с даты его утверждения приказом руководителя "
            "образовательной организации и действует до его отмены.",
            "9.2. Изменения в Положение вносятся приказом руководителя образовательной организации.",
        ],
    )
    return document


def build_order_pairs() -> DocumentObject:
    """Приказ о закреплении наставнических пар (групп) with the table of pairs as its annex."""
    document = _new_document()
    _order_head(document)
    _title(document, "О закреплении наставнических пар (групп) на {{ academic_year }} учебный год")
    _preamble(
        document,
        (
            "В соответствии с Положением о системе наставничества педагогических работников и "
            f"обучающихся в {SHORT}, на основании базы наставников и базы наставляемых, в целях "
            "реализации целевой модели наставничества"
        ),
    )
    _points(
        document,
        [
            "1. Закрепить наставнические пары (группы) на {{ academic_year }} учебный год согласно "
            "приложению к настоящему приказу.",
            "2. Наставникам совместно с наставляемыми разработать индивидуальные планы развития "
            "в срок до {{ plans_deadline|date_ru }}",
            f"3. {CURATOR_DATIVE}, обеспечить организационно-методическое сопровождение "
            "наставнических пар (групп) и мониторинг реализации программ наставничества.",
            "4. Контроль за исполнением настоящего приказа оставляю за собой.",
        ],
    )
    _signature(document, keep_with_next=True)
    _acknowledgements(document, "acquainted", heading="С приказом ознакомлены:")
    document.add_page_break()
    _approval_block(
        document,
        [
            "Приложение",
            f"к приказу {SHORT}",
            "от {{ date|date_numeric }} № {{ number }}",
        ],
    )
    _para(
        document,
        "Наставнические пары (группы) на {{ academic_year }} учебный год",
        align="center",
        bold=True,
        space_after=6,
    )
    table = _table(
        document,
        [
            "№ п/п",
            "Наставник",
            "Наставляемый",
            "Форма наставничества",
            "Группа",
            "Срок",
        ],
        [9, 42, 36, 31, 20, 27],
        size=11,
        header_size=10,
    )
    _loop_rows(
        table,
        "{%tr for pair in pairs %}",
        [
            "{{ loop.index }}",
            "{{ pair.mentor }}{% if pair.mentor_position %}, {{ pair.mentor_position }}{% endif %}",
            "{{ pair.mentee }}{% if pair.mentee_position %}, {{ pair.mentee_position }}{% endif %}",
            "{{ pair.form }}",
            "{{ pair.group or '—' }}",
            "{{ pair.start|date_numeric }} – {{ pair.end|date_numeric }}",
        ],
        size=11,
        centered=(0, 4, 5),
    )
    return document


def build_order_municipal_implementation() -> DocumentObject:
    """Распоряжение (приказ) органа управления образованием о внедрении целевой модели."""
    document = _new_document()
    _order_head(document, kind="{{ document_kind|upper }}")
    _title(
        document,
        (
            "О внедрении целевой модели наставничества педагогических работников и обучающихся "
            f"в образовательных организациях {MUNICIPALITY_GENITIVE}"
        ),
    )
    _para(
        document,
        (
            f"В соответствии с {R145}, {AZ1128}, в целях реализации федерального проекта «Современная "
            "школа» национального проекта «Образование», формирования эффективной системы поддержки, "
            "самоопределения и профессиональной ориентации обучающихся, профессионального развития "
            "педагогических работников{{ ':' if document_kind == 'распоряжение' else '' }}"
        ),
        indent=True,
    )
    _tag(document, "{%p if document_kind == 'приказ' %}")
    _para(document)
    _para(document, "ПРИКАЗЫВАЮ:", align="left")
    _tag(document, "{%p endif %}")
    _points(
        document,
        [
            "1. Внедрить целевую модель наставничества педагогических работников и обучающихся в "
            f"образовательных организациях {MUNICIPALITY_GENITIVE} (далее — целевая модель "
            "наставничества).",
            "2. Утвердить:",
            "2.1. Положение о муниципальной целевой модели наставничества педагогических работников и "
            f"обучающихся в образовательных организациях {MUNICIPALITY_GENITIVE} (приложение № 1);",
            "2.2. план мероприятий (дорожную карту) внедрения целевой модели наставничества в "
            f"образовательных организациях {MUNICIPALITY_GENITIVE} на {{{{ roadmap_period }}}} "
            "(приложение № 2).",
            "3. Назначить {{ coordinator.full_name|accusative }}, "
            "{{ coordinator.position|decline('accusative') }}"
            "{% if coordinator.organisation %} {{ coordinator.organisation }}{% endif %}, муниципальным "
            "координатором по вопросам внедрения целевой модели наставничества в "
            "{{ organisation.municipality|decline('prepositional') }}.",
            f"4. Руководителям образовательных организаций {MUNICIPALITY_GENITIVE}:",
            "4.1. назначить кураторов внедрения целевой модели наставничества в срок до "
            "{{ curators_deadline|date_ru }};",
            "4.2. разработать и утвердить положения о системе наставничества педагогических "
            "работников и обучающихся и дорожные карты внедрения целевой модели наставничества в срок "
            "до {{ documents_deadline|date_ru }};",
            "4.3. обеспечить выполнение мероприятий дорожной карты в установленные сроки и "
            "представление информации о ходе внедрения муниципальному координатору.",
            "5. Контроль за исполнением настоящего {{ 'распоряжения' if document_kind == "
            "'распоряжение' else 'приказа' }} оставляю за собой.",
        ],
    )
    _signature(document)
    return document


def build_roadmap() -> DocumentObject:
    """Дорожная карта: the roadmap as a table with resolved dates (landscape)."""
    document = _new_document(landscape=True, size=12)
    _tag(document, "{%p if approval %}")
    _approval_block(
        document,
        [
            "Приложение № 2",
            "УТВЕРЖДЕНА",
            "{{ approval.kind_instrumental }}{% if approval.issuer %} {{ approval.issuer }}{% endif %}",
            "от {{ approval.date|date_numeric }} № {{ approval.number }}",
        ],
    )
    _tag(document, "{%p endif %}")
    _para(document, "{{ title }}", align="center", bold=True)
    _para(document, "{{ organisation.full_name }}", align="center", space_after=6)
    table = _table(
        document,
        [
            "№ п/п",
            "Наименование мероприятия",
            "Срок реализации",
            "Даты",
            "Ответственный исполнитель",
            "Результат, вид документа",
        ],
        [14, 80, 32, 32, 40, 54],
    )
    _table_row(table, ["{%tr for item in table %}"] + [""] * 5)
    _table_row(table, ["{%tr if item.is_section %}"] + [""] * 5)
    _table_row(table, ["{{ item.code }}. {{ item.title }}"], bold=True, merged=True)
    _table_row(table, ["{%tr else %}"] + [""] * 5)
    _table_row(
        table,
        [
            "{{ item.code }}",
            "{{ item.title }}",
            "{{ item.deadline }}",
            "{{ item.dates }}",
            "{{ item.responsible }}",
            "{{ item.result }}",
        ],
        centered=(0,),
    )
    _table_row(table, ["{%tr endif %}"] + [""] * 5)
    _table_row(table, ["{%tr endfor %}"] + [""] * 5)
    return document


def _listing(
    document: DocumentObject,
    headers: Sequence[str],
    widths: Sequence[int],
    loop: str,
    cells: Sequence[str],
    *,
    centered: tuple[int, ...],
) -> Table:
    """A report's table in 10 pt: a header row, then one row per item of the ``{%tr for %}`` loop."""
    table = _table(document, headers, widths, size=10, header_size=9)
    _loop_rows(table, loop, cells, size=10, centered=centered)
    return table


def _signed_and_executed(document: DocumentObject, executor: str, line: str) -> None:
    """A report's signature, then «Исполнитель: …» in 11 pt when the data names the executor."""
    _signature(document)
    _tag(document, f"{{%p if {executor} %}}")
    _para(document)
    _para(document, line, align="left", size=11)
    _tag(document, "{%p endif %}")


def _report_head(title: str, subtitle: str, *, date: str, number: str) -> DocumentObject:
    """A report's head: the organisation, the title on the roadmap, its date, number and place."""
    document = _new_document(size=14)
    _para(document, "{{ organisation.full_name }}", align="center", bold=True)
    _para(document)
    _para(document, title, align="center", bold=True)
    _para(document, subtitle, align="center", bold=True)
    _para(document, "«{{ roadmap_title }}»", align="center", bold=True)
    _para(document, "по состоянию на {{ as_of|date_ru }}", align="center")
    _para(document)
    _two_sided(document, date, number)
    _para(document, "{{ organisation.place }}", align="center")
    _para(document)
    return document


def _indicators_section(document: DocumentObject, *, number: int) -> None:
    """«N. Достижение показателей эффективности»: targets and actuals, then those without data."""
    _para(
        document,
        f"{number}. Достижение показателей эффективности",
        align="center",
        bold=True,
        space_after=6,
    )
    _tag(document, "{%p if indicators_with_data %}")
    table = _table(
        document,
        ["№", "Показатель", "Год", "Целевое значение", "Фактическое значение", "Достигнуто"],
        [10, 74, 13, 22, 24, 22],
        size=10,
        header_size=9,
    )
    _loop_rows(
        table,
        "{%tr for item in indicators_with_data %}",
        [
            "{{ item.code }}",
            "{{ item.title }}",
            "{{ item.year }}",
            "{{ item.target_text }}",
            "{{ item.actual_text }}",
            "{{ item.achieved_text }}",
        ],
        size=10,
        centered=(0, 2, 3, 4, 5),
    )
    _tag(document, "{%p else %}")
    _para(document, "Фактические значения показателей эффективности не представлены.", indent=True)
    _tag(document, "{%p endif %}")
    _tag(document, "{%p if indicators_without_data %}")
    _para(
        document,
        "Нет данных по {{ indicators_without_data|length|plural('показателю', "
        "'показателям', 'показателям') }}: {{ indicators_without_data|join('; ') }}.",
        indent=True,
    )
    _tag(document, "{%p endif %}")


def build_analytical_report() -> DocumentObject:
    """Аналитическая справка по итогам реализации дорожной карты (municipal)."""
    document = _report_head(
        "АНАЛИТИЧЕСКАЯ СПРАВКА",
        "по итогам реализации дорожной карты",
        date=DATE_OR_BLANK,
        number=NUMBER_OR_BLANK,
    )
    _points(
        document,
        [
            "В реализации дорожной карты участвуют {{ summary.schools }} "
            "{{ summary.schools|plural('образовательная организация', 'образовательные организации', "
            "'образовательных организаций') }}. Всего {{ summary.total }} "
            "{{ summary.total|plural('мероприятие', 'мероприятия', 'мероприятий') }} "
            "(с учётом мероприятий каждой образовательной организации), из них выполнено в срок — "
            "{{ summary.on_time }} ({{ summary.on_time_share }} %), выполнено с нарушением срока — "
            "{{ summary.late }} ({{ summary.late_share }} %), просрочено — {{ summary.overdue }} "
            "({{ summary.overdue_share }} %), в работе (срок не наступил) — {{ summary.open }} "
            "({{ summary.open_share }} %).{% if summary.not_applicable %} Не применяются к "
            "образовательной организации (отмечены «неприменимо») — {{ summary.not_applicable }} "
            "{{ summary.not_applicable|plural('мероприятие', 'мероприятия', 'мероприятий') }}, они "
            "не учитываются.{% endif %}",
        ],
    )
    _para(document)
    _para(
        document,
        "1. Выполнение мероприятий по образовательным организациям",
        align="center",
        bold=True,
        space_after=6,
    )
    table = _listing(
        document,
        [
            "№ п/п",
            "Образовательная организация",
            "Выполнено в срок",
            "Выполнено с нарушением срока",
            "Просрочено",
            "В работе",
            "Всего",
            "Выполнено, %",
        ],
        [10, 38, 22, 22, 22, 16, 13, 22],
        "{%tr for row in rows %}",
        [
            "{{ loop.index }}",
            "{{ row.name }}",
            "{{ row.on_time }}",
            "{{ row.late }}",
            "{{ row.overdue }}",
            "{{ row.open }}",
            "{{ row.total }}",
            "{{ row.done_share }}",
        ],
        centered=(0, 2, 3, 4, 5, 6, 7),
    )
    _table_row(
        table,
        [
            "",
            "Итого",
            "{{ summary.on_time }}",
            "{{ summary.late }}",
            "{{ summary.overdue }}",
            "{{ summary.open }}",
            "{{ summary.total }}",
            "{{ summary.done_share }}",
        ],
        size=10,
        bold=True,
        centered=(2, 3, 4, 5, 6, 7),
    )
    _para(document)
    _para(
        document,
        "2. Выполнение мероприятий по шагам дорожной карты",
        align="center",
        bold=True,
        space_after=6,
    )
    _listing(
        document,
        [
            "Мероприятие",
            "Выполнено в срок",
            "Выполнено с нарушением срока",
            "Просрочено",
            "В работе",
            "Всего",
            "Выполнено, %",
        ],
        [48, 22, 22, 22, 16, 13, 22],
        "{%tr for row in by_step %}",
        [
            "{{ row.name }}",
            "{{ row.on_time }}",
            "{{ row.late }}",
            "{{ row.overdue }}",
            "{{ row.open }}",
            "{{ row.total }}",
            "{{ row.done_share }}",
        ],
        centered=(1, 2, 3, 4, 5, 6),
    )
    _para(document)
    _para(document, "{{ chart }}", align="center")
    _para(document, "Рисунок 1. {{ chart_caption }}", align="center", size=12)
    _para(document)
    _para(document, "3. Просроченные мероприятия", align="center", bold=True, space_after=6)
    _tag(document, "{%p if overdue %}")
    _listing(
        document,
        ["№ п/п", "Образовательная организация", "Мероприятие", "Срок", "Просрочено, рабочих дней"],
        [10, 46, 64, 20, 25],
        "{%tr for item in overdue %}",
        [
            "{{ loop.index }}",
            "{{ item.school }}",
            "{{ item.code }} {{ item.title }}",
            "{{ item.deadline|date_numeric }}",
            "{{ item.days }}",
        ],
        centered=(0, 3, 4),
    )
    _tag(document, "{%p else %}")
    _para(document, "Просроченных мероприятий нет.", indent=True)
    _tag(document, "{%p endif %}")
    _para(document)
    _para(
        document, "4. Мероприятия муниципального уровня", align="center", bold=True, space_after=6
    )
    _tag(document, "{%p if municipal %}")
    _listing(
        document,
        ["№ п/п", "Мероприятие", "Срок", "Состояние на дату справки"],
        [12, 83, 22, 48],
        "{%tr for item in municipal %}",
        ["{{ item.code }}", "{{ item.title }}", "{{ item.deadline }}", "{{ item.state }}"],
        centered=(0, 2),
    )
    _tag(document, "{%p else %}")
    _para(document, "Мероприятия муниципального уровня в справку не включены.", indent=True)
    _tag(document, "{%p endif %}")
    _para(document)
    _indicators_section(document, number=5)
    _para(document)
    _para(document, "6. Выводы", align="center", bold=True)
    _tag(document, "{%p for line in conclusions %}")
    _para(document, "{{ line }}", indent=True)
    _tag(document, "{%p endfor %}")
    _signed_and_executed(
        document,
        "prepared_by",
        "Исполнитель: {{ prepared_by.full_name|surname_initials }}, {{ prepared_by.position }}"
        "{% if prepared_by.organisation %} {{ prepared_by.organisation }}{% endif %}",
    )
    return document


def build_school_report() -> DocumentObject:
    """Отчёт образовательной организации о выполнении дорожной карты (signed by its head)."""
    document = _report_head(
        "ОТЧЁТ",
        "о выполнении дорожной карты",
        date="{{ date|date_numeric }}",
        number="№ {{ number }}",
    )
    _points(
        document,
        [
            "Из {{ summary.total }} {{ summary.total|plural('мероприятия', 'мероприятий', "
            "'мероприятий') }} дорожной карты, относящихся к {{ organisation.short_name }}, "
            "выполнено в срок — {{ summary.on_time }}, выполнено с нарушением срока — "
            "{{ summary.late }}, просрочено — {{ summary.overdue }}, в работе (срок не наступил) — "
            "{{ summary.open }}; выполнено {{ summary.done_share }} % мероприятий."
            "{% if summary.not_applicable %} Не применяются к образовательной организации "
            "(отмечены «неприменимо») — {{ summary.not_applicable }} "
            "{{ summary.not_applicable|plural('мероприятие', 'мероприятия', 'мероприятий') }}, "
            "они не учитываются.{% endif %}",
        ],
    )
    _para(document)
    _para(document, "1. Выполнение мероприятий", align="center", bold=True, space_after=6)
    _listing(
        document,
        ["№ п/п", "Мероприятие", "Срок", "Выполнено", "Документ", "Состояние"],
        [12, 44, 20, 22, 39, 28],
        "{%tr for row in rows %}",
        [
            "{{ row.code }}",
            "{{ row.title }}",
            "{{ row.deadline }}",
            "{{ row.done }}",
            "{{ row.document }}",
            "{{ row.state }}",
        ],
        centered=(0, 2, 3),
    )
    _para(document)
    _para(document, "2. Просроченные мероприятия", align="center", bold=True)
    _tag(document, "{%p if overdue %}")
    _para(
        document,
        "Не выполнены в установленный срок {{ overdue|length }} "
        "{{ overdue|length|plural('мероприятие', 'мероприятия', 'мероприятий') }}:",
        indent=True,
    )
    _tag(document, "{%p for row in overdue %}")
    _para(
        document,
        "{{ row.code }} {{ row.title|strip_period }} (срок — {{ row.deadline }}) — "
        "{{ row.state }}{{ loop.last and '.' or ';' }}",
        indent=True,
    )
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p else %}")
    _para(
        document,
        "Просроченных мероприятий нет: все мероприятия, срок выполнения которых наступил, "
        "выполнены.",
        indent=True,
    )
    _tag(document, "{%p endif %}")
    _para(document)
    _indicators_section(document, number=3)
    _signed_and_executed(
        document,
        "curator",
        "Исполнитель: {{ curator.full_name|surname_initials }}, "
        "{{ curator.position|lower_first }}, куратор внедрения целевой модели наставничества",
    )
    return document


def build_protocol() -> DocumentObject:
    """Протокол заседания (e.g. муниципального методического совета) with the step's agenda."""
    document = _new_document()
    _para(document, "{{ organisation.full_name }}", align="center", bold=True)
    _para(document)
    _para(document, "ПРОТОКОЛ", align="center", bold=True, size=16)
    _para(document, "заседания {{ body }}", align="center", bold=True)
    _para(document)
    _two_sided(document, "{{ date|date_numeric }}", "№ {{ number }}")
    _para(document, "{{ organisation.place }}", align="center")
    _para(document)
    _para(document, "Председатель — {{ chair|surname_initials }}", align="left")
    _para(document, "Секретарь — {{ secretary|surname_initials }}", align="left")
    _para(
        document,
        (
            "Присутствовали: {% if attendees %}{{ attendees|map('surname_initials')|join(', ') }}"
            "{% else %}{{ attendees_count }} {{ attendees_count|plural('человек', 'человека', "
            "'человек') }}{% endif %}."
        ),
        align="justify",
    )
    _para(document)
    _para(document, "ПОВЕСТКА ДНЯ:", align="left")
    _tag(document, "{%p for item in agenda %}")
    _para(
        document,
        (
            "{{ loop.index }}. {{ item.title|sentence }}"
            "{% if item.speaker %} Докладчик — {{ item.speaker|surname_initials }}"
            "{% if item.speaker_position %}, {{ item.speaker_position|sentence }}{% endif %}"
            "{% endif %}"
        ),
        indent=True,
    )
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p for item in agenda %}")
    _para(document)
    _para(
        document,
        (
            "{{ loop.index }}. СЛУШАЛИ: {% if item.speaker %}"
            "{{ item.speaker|surname_initials('accusative') }}"
            "{% if item.speaker_position %}, {{ item.speaker_position|decline('accusative') }},"
            "{% endif %} — {% else %}информацию {% endif %}"
            "по вопросу «{{ item.title|strip_period }}»."
        ),
        indent=True,
    )
    _para(document, "РЕШИЛИ: {{ item.decision }}", indent=True)
    _tag(document, "{%p endfor %}")
    _signature(document, position="Председатель", name="{{ chair|initials }}")
    _para(document)
    _two_sided(document, "Секретарь", "{{ secretary|initials }}")
    return document


BUILDERS: dict[str, Callable[[], DocumentObject]] = {
    "order_curator_appointment": build_order_curator_appointment,
    "order_regulation_roadmap": build_order_regulation_roadmap,
    "regulation": build_regulation,
    "order_pairs": build_order_pairs,
    "order_municipal_implementation": build_order_municipal_implementation,
    "roadmap": build_roadmap,
    "analytical_report": build_analytical_report,
    "protocol": build_protocol,
    "school_report": build_school_report,
}


# --- writing ----------------------------------------------------------------------------------

_KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid"}
_FIXED_TIME = datetime(2022, 1, 1)


def _slim(document: DocumentObject) -> None:
    """Drop what python-docx's default template carries but the documents never use.

    Its styles.xml (and the stylesWithEffects copy) are ~0.9 MB of latent styles: parsing and
    re-zipping them on every render would cost most of the rendering time.
    """
    styles = document.styles.element
    for style in list(styles.findall(qn("w:style"))):
        if style.get(qn("w:styleId")) not in _KEEP_STYLES:
            styles.remove(style)
    for latent in styles.findall(qn("w:latentStyles")):
        styles.remove(latent)
    part = document.part
    for rel_id, rel in list(part.rels.items()):
        # Theme and numbering are optional parts the documents do not use (no lists, one font).
        if rel.reltype.endswith(
            ("/stylesWithEffects", "/customXml", "/webSettings", "/theme", "/numbering")
        ):
            del part.rels[rel_id]
    package_rels = part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package_rels[rel_id]
    properties = document.core_properties
    properties.author = "nastavnik"
    properties.last_modified_by = "nastavnik"
    properties.title = ""
    properties.subject = ""
    properties.comments = ""
    properties.keywords = ""
    properties.revision = 1
    properties.created = _FIXED_TIME
    properties.modified = _FIXED_TIME
    properties.last_printed = _FIXED_TIME


def _keep_headings_with_text(document: DocumentObject) -> None:
    """A heading (a bold centred line: «2. Выполнение мероприятий …») never ends a page.

    It is kept with what follows it, a table or the first paragraph of its section; docxtpl's
    tag paragraphs between them are gone once rendered.
    """
    for paragraph in document.paragraphs:
        runs = [run for run in paragraph.runs if run.text.strip()]
        if (
            runs
            and paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
            and all(run.bold for run in runs)
        ):
            paragraph.paragraph_format.keep_with_next = True


def build_all(out_dir: Path = TEMPLATES_DIR) -> list[Path]:
    """(Re)create every built-in .docx template in ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for template_id, builder in BUILDERS.items():
        document = builder()
        _keep_headings_with_text(document)
        _slim(document)
        path = out_dir / f"{template_id}.docx"
        path.write_bytes(docx_package_bytes(document))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m documents.build_templates [folder]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    out_dir = Path(args[0]) if args else TEMPLATES_DIR
    for path in build_all(out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
