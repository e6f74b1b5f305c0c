"""Which document templates exist: id, Russian title, scope, output format, data and file name.

Ids and titles are those of ``definitions.catalogue.DOCUMENTS`` for the kinds that have a scope, so
a roadmap step's «Результат, вид документа» leads straight to a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from common.errors import NastavnikError
from definitions.catalogue import DOCUMENTS
from documents import context
from documents.context import required_fields

Scope = Literal["school", "municipality"]


@dataclass(frozen=True)
class TemplateSpec:
    """A document template: DOCX ones live in ``templates/<file_name>``, XLSX ones are built in code."""

    id: str
    title: str
    scope: Scope
    format: Literal["docx", "xlsx"]
    context_type: type
    file_name: str | None

    @property
    def required_fields(self) -> list[str]:
        """Dotted paths of the fields the data must have (``curator.full_name``, ``pairs[].start``)."""
        return required_fields(self.context_type)


def _spec(
    template_id: str, context_type: type, *, fmt: Literal["docx", "xlsx"] = "docx"
) -> TemplateSpec:
    title, scope = DOCUMENTS[template_id]
    if scope is None:
        raise RuntimeError(f"catalogue kind {template_id} has no scope, so it has no template")
    return TemplateSpec(
        id=template_id,
        title=title,
        scope=scope,
        format=fmt,
        context_type=context_type,
        file_name=f"{template_id}.docx" if fmt == "docx" else None,
    )


TEMPLATES: dict[str, TemplateSpec] = {
    spec.id: spec
    for spec in (
        _spec("order_curator_appointment", context.OrderCuratorAppointment),
        _spec("order_regulation_roadmap", context.OrderRegulationRoadmap),
        _spec("regulation", context.Regulation),
        _spec("order_pairs", context.OrderPairs),
        _spec("order_municipal_implementation", context.OrderMunicipalImplementation),
        _spec("roadmap", context.RoadmapDocument),
        _spec("analytical_report", context.AnalyticalReport),
        _spec("analytical_report_xlsx", context.AnalyticalReport, fmt="xlsx"),
        _spec("protocol", context.Protocol),
        _spec("mentor_registry", context.MentorRegistry, fmt="xlsx"),
        _spec("mentee_registry", context.MenteeRegistry, fmt="xlsx"),
        # the school's own report to its director: no roadmap step asks for it, so it is not in
        # the catalogue of step results
        TemplateSpec(
            id="school_report",
            title="Отчёт образовательной организации о выполнении дорожной карты",
            scope="school",
            format="docx",
            context_type=context.SchoolReport,
            file_name="school_report.docx",
        ),
    )
}


def list_templates() -> list[dict[str, str]]:
    """Every template as ``{"id", "title", "scope"}``, in the catalogue's order."""
    return [
        {"id": spec.id, "title": spec.title, "scope": spec.scope} for spec in TEMPLATES.values()
    ]


def get_template(template_id: str) -> TemplateSpec:
    """The template with this id, or a NastavnikError listing the known ids."""
    try:
        return TEMPLATES[template_id]
    except KeyError:
        known = ", ".join(TEMPLATES)
        raise NastavnikError(
            f"unknown document template {template_id!r}; known: {known}", where="documents"
        ) from None
