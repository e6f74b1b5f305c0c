"""Render a document from its template and plain data: DOCX through docxtpl, XLSX through openpyxl.

The Jinja environment is strict (an undefined name is an error, never an empty string) and knows
Russian filters: ``date_ru`` («15 мая 2022 г.»), ``date_numeric`` («15.05.2022»), ``initials``
(«М.С. Сулейманов»), ``surname_initials(case)`` («Сулейманова М.С.»), name cases ``genitive``,
``dative``, ``accusative``, ``instrumental``, ``prepositional``, ``decline(case)`` for positions and
places, ``gender``, ``plural(one, few, many)``, ``upper_first``, ``lower_first``, ``sentence``,
``strip_period``. Every output is scanned for «None» and unrendered Jinja before it is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from lxml import etree

from common import declension
from common.errors import NastavnikError
from common.russian import format_date_numeric, format_date_ru, plural_ru
from documents import report, workbooks
from documents.context import (
    AnalyticalReport,
    Blank,
    OrderPairs,
    OrderRegulationRoadmap,
    Protocol,
    Regulation,
    RoadmapDocument,
    SchoolReport,
    load_context,
    participants_of,
)
from documents.files import TEMPLATES_DIR, docx_package_bytes, normalise_zip
from documents.templates import TemplateSpec, get_template

LEFTOVERS = re.compile(r"\bNone\b|\{\{|\}\}|\{%|%\}")


DRAFT_STATUS = "Черновик"


class MissingData(NastavnikError):
    """Required data is missing: ``fields`` lists every missing field's dotted path."""

    def __init__(self, template_id: str, fields: list[str]) -> None:
        listed = ", ".join(fields)
        super().__init__(f"не хватает данных: {listed}", where=template_id)
        self.template_id = template_id
        self.fields = fields


@dataclass(frozen=True)
class RenderedDocument:
    """A document written to ``path``; ``sha256`` is of its bytes (equal data → equal bytes)."""

    path: Path
    sha256: str
    template_id: str


# --- the Jinja environment ----------------------------------------------------------------------


class _CachingEnvironment(jinja2.Environment):
    """An environment that compiles each distinct template source once.

    docxtpl calls ``from_string`` with the document's XML on every render; compiling it again
    for every one of a hundred orders would dominate the rendering time.
    """

    @lru_cache(maxsize=64)  # noqa: B019 - one environment per process, lives as long as it
    def _compiled(self, source: str) -> jinja2.Template:
        return super().from_string(source)

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is None and template_class is None and isinstance(source, str):
            return self._compiled(source)
        return super().from_string(source, globals, template_class)


# Text a run holds that docxtpl's listing step turns into tabs, breaks or new paragraphs.
_LISTING = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")
# A docxtpl column tag ({%tc for …%}): only such a template can give rows more or fewer cells.
_COLUMN_TAG = re.compile(r"\{%-?\s*tc\s")
_TAGS = re.compile(r"<[^>]*>")


class _Template(DocxTemplate):
    """docxtpl's template with its slow steps skipped when they have nothing to do.

    The XML clean-up is cached (the same template gives the same XML); the listing step (a
    regular expression over every paragraph and run) runs only when some text holds a tab, a
    line break, \\a or \\f; the table fix (cells counted against the grid) only for a template
    with column tags. Either step would return its input unchanged otherwise, so the output is
    the same; for a справка of a hundred schools they were half of its rendering time.
    """

    _patched: dict[str, str] = {}
    _column_tags: dict[str, bool] = {}

    def patch_xml(self, src_xml: str) -> str:
        patched = self._patched.get(src_xml)
        if patched is None:
            if len(self._patched) > 256:
                self._patched.clear()
                self._column_tags.clear()
            patched = self._patched[src_xml] = super().patch_xml(src_xml)
            self._column_tags[patched] = bool(_COLUMN_TAG.search(_TAGS.sub("", src_xml)))
        self._has_column_tags = self._has_column_tags or self._column_tags.get(patched, True)
        return patched

    _has_column_tags = False

    def render_xml_part(self, src_xml: str, part: Any, context: Any, jinja_env: Any = None) -> str:
        """docxtpl's own, with its two ``re.sub`` over the whole XML done by ``str.replace``.

        ``re.sub(r"<w:p([ >])", r"\\n<w:p\\1", …)`` rebuilds a replacement per paragraph; the
        replacements below make the same matches (``<w:p `` and ``<w:p>`` cannot overlap).
        """
        src_xml = src_xml.replace("<w:p ", "\n<w:p ").replace("<w:p>", "\n<w:p>")
        self.current_rendering_part = part
        template = jinja_env.from_string(src_xml)
        try:
            dst_xml = template.render(context)
        except jinja2.TemplateError as exc:
            if getattr(exc, "lineno", None) is not None:
                line_number = max(exc.lineno - 4, 0)  # type: ignore[attr-defined]
                exc.docx_context = [  # type: ignore[attr-defined]
                    _TAGS.sub("", line)
                    for line in src_xml.splitlines()[line_number : line_number + 7]
                ]
            raise
        dst_xml = dst_xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        dst_xml = (
            dst_xml.replace("{_{", "{{")
            .replace("}_}", "}}")
            .replace("{_%", "{%")
            .replace("%_}", "%}")
        )
        rendered = self.resolve_listing(dst_xml)
        self.rendered_parts.append(rendered)
        return rendered

    @property
    def rendered_parts(self) -> list[str]:
        """The XML of every part rendered so far (body, headers, footers), for the leftover scan."""
        parts: list[str] | None = self.__dict__.get("_rendered_parts")
        if parts is None:
            parts = self.__dict__["_rendered_parts"] = []
        return parts

    def rendered_text(self) -> str:
        """The text of the rendered parts: a paragraph a line, runs joined, tags dropped."""
        return "\n".join(_TAGS.sub("", xml.replace("</w:p>", "\n")) for xml in self.rendered_parts)

    def resolve_listing(self, xml: str) -> str:
        if _LISTING.search(xml) is None:
            return xml
        return str(super().resolve_listing(xml))

    def fix_tables(self, xml: str) -> Any:
        if self._has_column_tags:
            return super().fix_tables(xml)
        return etree.fromstring(xml, parser=etree.XMLParser(recover=True))


def _need_date(value: object, filter_name: str) -> date:
    if not isinstance(value, date):
        raise NastavnikError(f"filter {filter_name} expects a date, got {value!r}")
    return value


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _strip_period(text: str) -> str:
    return text.strip().rstrip(".").rstrip()


def _name_case(case: str) -> Callable[[str], str]:
    def decline(full_name: str) -> str:
        return declension.decline_name(full_name, case)

    return decline


def _strict(function: Callable[..., Any], name: str = "") -> Callable[..., Any]:
    """A filter that fails like StrictUndefined when its value is undefined (names the field).

    A draft's blank (``Blank``) passes every filter as it is: a blank name is not declined.
    """

    def checked(value: Any, *args: Any) -> Any:
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()
        if isinstance(value, Blank):
            return "male" if name == "gender" else value
        return function(value, *args)

    return checked


@lru_cache(maxsize=1)
def jinja_environment() -> jinja2.Environment:
    """The strict environment with the Russian filters, shared by every DOCX template."""
    env = _CachingEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)
    filters: dict[str, Callable[..., Any]] = {
        "date_ru": lambda value: format_date_ru(_need_date(value, "date_ru")),
        "date_numeric": lambda value: format_date_numeric(_need_date(value, "date_numeric")),
        "initials": declension.initials_surname,
        "surname_initials": declension.surname_initials,
        "decline": declension.decline_phrase,
        "gender": declension.detect_gender,
        "plural": lambda count, one, few, many: plural_ru(int(count), one, few, many),
        "upper_first": declension.upper_first,
        "lower_first": declension.lower_first,
        "sentence": _sentence,
        "strip_period": _strip_period,
        **{case: _name_case(case) for case in declension.CASES if case != "nominative"},
    }
    env.filters.update({name: _strict(function, name) for name, function in filters.items()})
    return env


# --- template files -------------------------------------------------------------------------


def template_path(spec: TemplateSpec, templates_dir: Path | None = None) -> Path:
    """The municipality's own template when its folder has one, else the built-in template."""
    if spec.file_name is None:
        raise NastavnikError(
            f"{spec.id} is built in code and has no template file", where="documents"
        )
    if templates_dir is None:
        from common.settings import get_settings

        templates_dir = get_settings().templates_dir
    if templates_dir is not None:
        own = Path(templates_dir) / spec.file_name
        if own.is_file():
            return own
    return TEMPLATES_DIR / spec.file_name


@lru_cache(maxsize=64)
def _template_bytes(path: Path, mtime_ns: int, size: int) -> bytes:
    return path.read_bytes()


def _read_template(path: Path) -> bytes:
    try:
        stat = path.stat()
    except OSError as error:
        raise NastavnikError(
            f"cannot read the template: {error.strerror}", where=str(path)
        ) from None
    return _template_bytes(path, stat.st_mtime_ns, stat.st_size)


# --- context preparation --------------------------------------------------------------------


def _fields(obj: Any) -> dict[str, Any]:
    return {item.name: getattr(obj, item.name) for item in dataclasses.fields(obj)}


def _roadmap_context(obj: RoadmapDocument, tpl: DocxTemplate) -> dict[str, Any]:
    """Rows grouped under their sections, in the sections' order; rows without a section first."""
    titles = {section.code: section.title for section in obj.sections}
    unknown = sorted({row.section for row in obj.rows if row.section and row.section not in titles})
    if unknown:
        raise NastavnikError(
            f"rows refer to sections that are not listed: {', '.join(unknown)}", where="sections"
        )
    table: list[dict[str, Any]] = []
    for row in obj.rows:
        if row.section is None:
            table.append({"is_section": False, **_fields(row)})
    for section in obj.sections:
        rows = [row for row in obj.rows if row.section == section.code]
        table.append({"is_section": True, "code": section.code, "title": section.title})
        table.extend({"is_section": False, **_fields(row)} for row in rows)
    return {**_fields(obj), "table": table}


def _protocol_context(obj: Protocol, tpl: DocxTemplate) -> dict[str, Any]:
    if not obj.attendees and not obj.attendees_count:
        raise NastavnikError("missing field 'attendees' (names) or 'attendees_count'", where=None)
    if not obj.agenda:
        raise NastavnikError(
            "missing field 'agenda': a meeting needs at least one item", where=None
        )
    return _fields(obj)


def _regulation_context(obj: Regulation, tpl: DocxTemplate) -> dict[str, Any]:
    return {**_fields(obj), "participants": participants_of(obj.forms)}


def _acquainted_curator(obj: OrderRegulationRoadmap, tpl: DocxTemplate) -> dict[str, Any]:
    return {**_fields(obj), "acquainted": [obj.curator.full_name]}


def _order_pairs_context(obj: OrderPairs, tpl: DocxTemplate) -> dict[str, Any]:
    """The curator and every mentor in the order of the pairs sign «С приказом ознакомлены»."""
    people = [obj.curator.full_name] + [pair.mentor for pair in obj.pairs]
    return {**_fields(obj), "acquainted": list(dict.fromkeys(people))}


def _report_context(obj: AnalyticalReport, tpl: DocxTemplate) -> dict[str, Any]:
    return report.report_context(obj, tpl)


def _school_report_context(obj: SchoolReport, tpl: DocxTemplate) -> dict[str, Any]:
    return report.school_report_context(obj, tpl)


_PREPARE: dict[str, Callable[[Any, DocxTemplate], dict[str, Any]]] = {
    "roadmap": _roadmap_context,
    "protocol": _protocol_context,
    "analytical_report": _report_context,
    "school_report": _school_report_context,
    "order_regulation_roadmap": _acquainted_curator,
    "order_pairs": _order_pairs_context,
    "regulation": _regulation_context,
}


# --- rendering --------------------------------------------------------------------------------


def render_document(
    *,
    template_id: str,
    data: Mapping[str, Any] | Any,
    out: Path,
    templates_dir: Path | None = None,
    draft: bool = False,
) -> RenderedDocument:
    """Render one document and write it to ``out`` (parent folders are created).

    Args:
        template_id: a template id from ``list_templates()`` (``order_pairs``, ``mentor_registry``, …).
        data: the template's data as a plain mapping (shape in ``documents.context``) or its
            context dataclass.
        out: where to write the .docx / .xlsx file.
        templates_dir: a folder of the municipality's own .docx templates; ``None`` reads
            ``NASTAVNIK_TEMPLATES_DIR``; a template missing there falls back to the built-in one.
        draft: leave blanks for what is missing («№ ____», «« __ » ________ 20__ г.») and mark
            the file a draft in its properties (content status «Черновик»).

    Raises:
        MissingData: required fields are missing (all of them listed), unless ``draft``.
        NastavnikError: unknown template, malformed data (naming the field), a broken
            template (naming the template and the Jinja error), or leftovers in the output.
    """
    spec = get_template(template_id)
    missing: list[str] = []
    try:
        obj = load_context(spec.context_type, data, draft=draft, missing=missing)
    except NastavnikError as error:
        raise NastavnikError(str(error), where=template_id) from None
    if missing:
        raise MissingData(template_id, missing)
    if spec.format == "xlsx":
        content = workbooks.build_workbook(template_id, obj, draft=draft)
        _check_text(workbooks.workbook_text(content), where=template_id)
    else:
        content = _render_docx(spec, obj, template_path(spec, templates_dir), draft=draft)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return RenderedDocument(
        path=out, sha256=hashlib.sha256(content).hexdigest(), template_id=template_id
    )


def _render_docx(spec: TemplateSpec, obj: Any, path: Path, *, draft: bool = False) -> bytes:
    name = f"template {path.name}"
    try:
        tpl = _Template(io.BytesIO(_read_template(path)))
        tpl.init_docx()
    except NastavnikError:
        raise
    except Exception as error:  # python-docx raises several types for a file that is not a .docx
        raise NastavnikError(f"not a readable .docx file ({error})", where=name) from None
    prepare = _PREPARE.get(spec.id)
    try:
        context = prepare(obj, tpl) if prepare else _fields(obj)
        tpl.render(context, jinja_env=jinja_environment(), autoescape=True)
    except jinja2.UndefinedError as error:
        raise NastavnikError(f"missing field: {error.message}", where=name) from None
    except jinja2.TemplateSyntaxError as error:
        near = " ".join(line.strip() for line in getattr(error, "docx_context", []) if line.strip())
        detail = f" near «{near[:200]}»" if near else ""
        raise NastavnikError(f"broken template: {error.message}{detail}", where=name) from None
    except jinja2.TemplateError as error:
        raise NastavnikError(f"broken template: {error}", where=name) from None
    except NastavnikError as error:
        where = f"{name}, {error.where}" if error.where else name
        raise NastavnikError(error.reason, where=where) from None
    except (etree.XMLSyntaxError, ValueError) as error:
        raise NastavnikError(
            f"the template produced invalid Word XML ({error})", where=name
        ) from None
    _check_text(tpl.rendered_text(), where=name)
    if draft:
        tpl.docx.core_properties.content_status = DRAFT_STATUS
        tpl.docx.core_properties.keywords = "черновик"
    if tpl.crc_to_new_media or tpl.crc_to_new_embedded or tpl.zipname_to_replace:
        raw = io.BytesIO()
        tpl.save(raw)  # docxtpl's media replacement works on the saved zip
        return normalise_zip(raw.getvalue())
    return docx_package_bytes(tpl.docx)


def _check_text(text: str, *, where: str) -> None:
    """Refuse an output that shows «None» or unrendered Jinja: data was missing somewhere."""
    match = LEFTOVERS.search(text)  # one pass over the whole text; no pattern spans a line
    if match:
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        line = text[start : end if end >= 0 else len(text)]
        raise NastavnikError(
            f"the output contains {match.group(0)!r} (missing data or a broken tag) in: "
            f"«{line.strip()[:160]}»",
            where=where,
        )
