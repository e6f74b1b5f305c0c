"""The documents a step's result calls for, generated from the portal: what to ask, render, attach.

A step of the roadmap names the documents that close it (``Step.documents``); those with a
template (documents/templates.py) can be generated on the step's page. The database supplies the
organisation, the curator, the coordinator, the roadmap's dates (documents/from_db.py); the form
asks only for what nobody knows before the act is signed: its number and date, the date of the
order that approves a regulation, a protocol's participants. A missing datum comes back as a
Russian sentence naming it and saying where it is entered; nothing is written then.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from common.errors import NastavnikError
from common.messages import render_message
from common.numbers import whole_number
from common.russian import format_date_ru
from common.text import visible_text
from definitions.catalogue import DOCUMENTS
from documents.from_db import render_for_step
from documents.render import MissingData
from documents.templates import TEMPLATES, TemplateSpec
from engine.actions import Actor
from engine.runs import run_definition
from storage.models import GeneratedDocument, RoadmapRun, StepInstance
from web.messages import page_message

GENERATED_DIR = "generated"
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class FormField:
    """A datum the person enters: its path in the document's data, its label and kind."""

    name: str
    label: str
    kind: Literal["text", "date", "number"] = "text"
    placeholder: str = ""
    default_today: bool = False

    @property
    def html_name(self) -> str:
        return self.name.replace(".", "__")


_NUMBER = FormField("number", "Номер документа", placeholder="например, 41-од")
_DATE = FormField("date", "Дата документа", "date", default_today=True)

FORM_FIELDS: dict[str, list[FormField]] = {
    "order_curator_appointment": [_NUMBER, _DATE],
    "order_regulation_roadmap": [_NUMBER, _DATE],
    "regulation": [
        FormField(
            "approval.number",
            "Номер приказа, утверждающего Положение",
            placeholder="например, 52-од",
        ),
        FormField("approval.date", "Дата этого приказа", "date", default_today=True),
    ],
    "order_pairs": [
        _NUMBER,
        _DATE,
        FormField("academic_year", "Учебный год", placeholder="например, 2022–2023"),
    ],
    "order_municipal_implementation": [
        _NUMBER,
        _DATE,
        FormField("curators_deadline", "Срок назначения кураторов в школах", "date"),
    ],
    "roadmap": [
        FormField(
            "approval.number",
            "Номер приказа, утверждающего дорожную карту",
            placeholder="например, 52-од",
        ),
        FormField("approval.date", "Дата этого приказа", "date", default_today=True),
    ],
    "analytical_report": [_NUMBER, _DATE],
    "protocol": [
        _NUMBER,
        _DATE,
        FormField(
            "body",
            "Чей протокол (в родительном падеже)",
            placeholder="муниципального методического совета",
        ),
        FormField("chair", "Председатель (ФИО полностью)"),
        FormField("secretary", "Секретарь (ФИО полностью)"),
        FormField("attendees_count", "Сколько присутствовало", "number"),
    ],
    "mentor_registry": [],
    "mentee_registry": [],
    "school_report": [_NUMBER, _DATE],
}

# where each datum the database supplies is entered, for the message when it is missing:
# (what it is, where to enter it); school data vs the municipality's where they differ
_SCHOOL_LIST = "в списке школ — координатор загружает его на странице «Импорт школ»"
_MUNICIPALITY = (
    "в сведениях о муниципалитете (их задаёт администратор системы при `nastavnik init`)"
)
_DATA_PLACES: dict[str, tuple[str, str]] = {
    "organisation.full_name": ("полное название организации", f"столбец name {_SCHOOL_LIST}"),
    "organisation.short_name": (
        "краткое название организации",
        f"столбец short_name {_SCHOOL_LIST}",
    ),
    "organisation.head_name": ("ФИО директора", f"столбец director {_SCHOOL_LIST}"),
    "organisation.head_position": (
        "должность руководителя",
        f"столбец director_position {_SCHOOL_LIST}",
    ),
    "organisation.place": ("населённый пункт для документов", f"поле place {_MUNICIPALITY}"),
    "organisation.municipality": ("название муниципалитета", f"поле name {_MUNICIPALITY}"),
    "curator": (
        "ФИО куратора внедрения целевой модели наставничества",
        f"столбец curator {_SCHOOL_LIST}",
    ),
    "curator.full_name": ("ФИО куратора внедрения", f"столбец curator {_SCHOOL_LIST}"),
    "curator.position": ("должность куратора", f"столбец curator_position {_SCHOOL_LIST}"),
    "coordinator.full_name": (
        "ФИО муниципального координатора",
        f"поле coordinator_name {_MUNICIPALITY}",
    ),
    "pairs": (
        "список наставнических пар",
        "в реестре наставничества школы: «Реестр наставничества» → «Сформировать пару или "
        "группу» или «Импорт из файла»",
    ),
    "mentors": (
        "список наставников",
        "в реестре наставничества школы: «Реестр наставничества» → «Добавить наставника» "
        "или «Импорт из файла»",
    ),
    "mentees": (
        "список наставляемых",
        "в реестре наставничества школы: «Реестр наставничества» → «Добавить наставляемого» "
        "или «Импорт из файла»",
    ),
    "publish_deadline": (
        "срок публикации",
        "это срок шага: его назначает координатор на странице шага",
    ),
    "plans_deadline": ("срок планов", "это срок шага: его назначает координатор на странице шага"),
    "documents_deadline": (
        "срок документов",
        "это срок шага: его назначает координатор на странице шага",
    ),
    "agenda": ("повестка заседания", "в пунктах мероприятия в дорожной карте"),
}
_MUNICIPAL_PLACES: dict[str, tuple[str, str]] = {
    "organisation.full_name": (
        "полное название органа управления образованием",
        f"поле committee_name {_MUNICIPALITY}",
    ),
    "organisation.short_name": (
        "название органа управления образованием",
        f"поле committee_name {_MUNICIPALITY}",
    ),
    "organisation.head_name": (
        "ФИО руководителя органа управления образованием",
        f"поле head_name {_MUNICIPALITY}",
    ),
    "organisation.head_position": (
        "должность руководителя органа управления образованием",
        f"поле head_position {_MUNICIPALITY}",
    ),
}


@dataclass(frozen=True)
class DocumentOffer:
    """A document the step calls for: with a template (``spec``) or closed by evidence only."""

    kind: str
    title: str
    spec: TemplateSpec | None
    fields: list[FormField] = field(default_factory=list)

    @property
    def format_label(self) -> str:
        return self.spec.format.upper() if self.spec else ""


class DocumentFormError(Exception):
    """The form or the data is not enough to generate: errors per field (``form`` for the rest)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def step_offers(*, run: RoadmapRun, instance: StepInstance) -> list[DocumentOffer]:
    """The documents of the instance's step, in the roadmap's order.

    A template is offered where its scope fits the instance: a school's documents at a school,
    the education authority's in the municipality (the roadmap table fits both).
    """
    loaded, _ = run_definition(run)
    step = loaded.roadmap.step(instance.step_code)
    scope = "school" if instance.school_id else "municipality"
    offers = []
    for kind in step.documents:
        title = DOCUMENTS.get(kind, (kind, None))[0]
        spec = TEMPLATES.get(kind)
        if spec is not None and spec.scope != scope and kind != "roadmap":
            spec = None
        offers.append(
            DocumentOffer(
                kind=kind,
                title=title,
                spec=spec,
                fields=FORM_FIELDS.get(kind, []) if spec else [],
            )
        )
    return offers


def default_values(offer: DocumentOffer, *, today: date) -> dict[str, str]:
    """What the form shows before anyone types: today's date where a date is the act's own."""
    values = {f.html_name: today.isoformat() for f in offer.fields if f.default_today}
    if any(f.name == "academic_year" for f in offer.fields):
        start = today.year if today.month >= 7 else today.year - 1
        values["academic_year"] = f"{start}–{start + 1}"
    return values


def _form_data(offer: DocumentOffer, values: dict[str, str]) -> dict[str, Any]:
    """The entered values as the document's data (dotted names nest); field errors raise."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    for form_field in offer.fields:
        raw = visible_text(values.get(form_field.html_name, ""))
        value: Any = raw
        if not raw:
            errors[form_field.html_name] = page_message(
                "documents.form_empty", label=form_field.label
            )
            continue
        if len(raw) > 300:
            errors[form_field.html_name] = page_message("documents.form_too_long", limit=300)
            continue
        if form_field.kind == "date":
            try:
                value = date.fromisoformat(raw)
            except ValueError:
                errors[form_field.html_name] = page_message("documents.form_date")
                continue
            if value.year < 2000 or value.year > 2100:
                errors[form_field.html_name] = page_message("documents.form_year")
                continue
        elif form_field.kind == "number":
            number = whole_number(raw)
            if not number:
                errors[form_field.html_name] = page_message("documents.form_number")
                continue
            value = number
        target = data
        *parents, leaf = form_field.name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    if errors:
        raise DocumentFormError(errors)
    return data


def _missing_fields(error: NastavnikError) -> list[str]:
    """The dotted paths of the data an error says is missing (none when it is about else)."""
    if isinstance(error, MissingData):
        return list(error.fields)
    if error.code == "documents.field_missing":
        return [str(error.params["path"])]
    if error.code == "documents.template_unknown_field":
        return [str(error.params["name"])]
    return []


def missing_data_message(error: NastavnikError, *, municipal: bool) -> str | None:
    """«Не хватает данных: …» naming the datum and where it is entered, or None if not about that."""
    fields = _missing_fields(error)
    if not fields:
        return None
    places = {**_DATA_PLACES, **(_MUNICIPAL_PLACES if municipal else {})}
    parts = []
    for field_path in fields:
        name = re.sub(r"\[\d+\]", "", field_path)
        what, where = places.get(name, places.get(name.split(".")[0], (f"поле «{name}»", "")))
        if len(fields) == 1 and where:
            what = render_message("documents.missing_where", what=what, source=where)
        elif where:
            what = f"{what} ({where})"
        parts.append(what)
    return page_message("documents.missing_for_page", what="; ".join(parts))


def _russian_render_error(error: NastavnikError, *, municipal: bool) -> str:
    missing = missing_data_message(error, municipal=municipal)
    if missing is not None:
        return missing
    return page_message("documents.not_rendered", reason=error.reason)


# documents numbered in one register of the organisation: orders (the regulation is approved by an
# order, so its number is an order's) and protocols
_NUMBERED_AS = {"protocol": "protocol"}


def _document_number(data: dict[str, Any]) -> str | None:
    approval = data.get("approval")
    number = data.get("number") or (approval.get("number") if isinstance(approval, dict) else None)
    return str(number) if number else None


def _same_number(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _refuse_taken_number(
    session: Session, *, template_id: str, school_id: str | None, data: dict[str, Any]
) -> None:
    """Two documents of one organisation's register never carry the same number."""
    number = _document_number(data)
    if number is None:
        return
    register = _NUMBERED_AS.get(template_id, "order")
    query = select(GeneratedDocument).where(
        GeneratedDocument.school_id == school_id
        if school_id is not None
        else col(GeneratedDocument.school_id).is_(None)
    )
    for document in session.exec(query.order_by(col(GeneratedDocument.id))):
        if _NUMBERED_AS.get(document.template_id, "order") != register:
            continue
        taken = _document_number(document.data)
        if taken is not None and _same_number(taken, number):
            title = document_title(document.template_id)
            field_name = "approval__number" if "approval" in data else "number"
            day = format_date_ru(document.rendered_at.date()) if document.rendered_at else ""
            raise DocumentFormError(
                {
                    field_name: page_message(
                        "documents.number_taken", number=number, title=title, day=day
                    )
                }
            )


def generate_document(
    *,
    session: Session,
    run: RoadmapRun,
    instance: StepInstance,
    template_id: str,
    values: dict[str, str],
    actor: Actor,
    now: datetime,
    documents_dir: Path,
    templates_dir: Path | None = None,
) -> GeneratedDocument:
    """Render one of the step's documents into documents_dir, attach it to the instance, journal it.

    Args:
        session: the open transaction (the caller commits; on an error it rolls back and the file
            is already deleted).
        run: the instance's run (its definition snapshot gives the step and its dates).
        instance: the school's (or the municipality's) step instance.
        template_id: one of the step's documents that has a template.
        values: the form's values by ``FormField.html_name``.
        actor: who generates it and from where (journaled; ``rendered_by``).
        now: the moment (the document's date unless the form gives one).
        documents_dir: generated files go under ``documents_dir/generated/<school>/<instance>/``.
        templates_dir: the municipality's own .docx templates, if any.

    Raises:
        DocumentFormError: a field is empty or wrong, or data the database should hold is missing
            (a Russian message that names it and says where it is entered).
    """
    offer = next(
        (o for o in step_offers(run=run, instance=instance) if o.kind == template_id), None
    )
    if offer is None or offer.spec is None:
        raise DocumentFormError({"form": page_message("documents.not_offered")})
    extra = _form_data(offer, values)
    _refuse_taken_number(session, template_id=template_id, school_id=instance.school_id, data=extra)
    relative = (
        Path(GENERATED_DIR)
        / (instance.school_id or "municipality")
        / str(instance.id)
        / f"{template_id}-{secrets.token_hex(6)}.{offer.spec.format}"
    )
    return _rendered(
        session,
        out=documents_dir / relative,
        municipal=instance.school_id is None,
        template_id=template_id,
        now=now,
        actor=actor,
        documents_dir=documents_dir,
        school_id=instance.school_id,
        run=run,
        step_code=instance.step_code,
        extra=extra,
        templates_dir=templates_dir,
        step_instance_id=instance.id,
    )


def _rendered(session: Session, *, out: Path, municipal: bool, **act: Any) -> GeneratedDocument:
    """The act "generate a document" into ``out``, and its record; a failed render leaves no
    file behind and its error becomes the form's Russian message."""
    try:
        render_for_step(session=session, out=out, **act)
    except NastavnikError as error:
        out.unlink(missing_ok=True)
        raise DocumentFormError(
            {"form": _russian_render_error(error, municipal=municipal)}
        ) from None
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    document = session.exec(
        select(GeneratedDocument)
        .where(GeneratedDocument.path == str(out.resolve()))
        .order_by(col(GeneratedDocument.id).desc())
    ).first()
    assert document is not None
    return document


def generated_for(session: Session, *, instance_id: int) -> list[GeneratedDocument]:
    """The documents generated for one step instance, newest first."""
    return list(
        session.exec(
            select(GeneratedDocument)
            .where(GeneratedDocument.step_instance_id == instance_id)
            .order_by(col(GeneratedDocument.rendered_at).desc(), col(GeneratedDocument.id).desc())
        )
    )


def stored_file(document: GeneratedDocument, *, documents_dir: Path) -> Path | None:
    """The document's file if it lies under documents_dir (the only place the portal serves from)."""
    root = documents_dir.resolve()
    path = Path(document.path).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def download_name(document: GeneratedDocument, *, school_short_name: str | None, tz: str) -> str:
    """«Приказ о назначении куратора … — МАОУ СОШ № 1 — 20.05.2022.docx» (a Russian file name)."""
    title = document_title(document.template_id)
    suffix = Path(document.path).suffix or ".docx"
    parts = [title]
    if school_short_name:
        parts.append(school_short_name)
    if document.rendered_at is not None:
        parts.append(f"{document.rendered_at.astimezone(ZoneInfo(tz)):%d.%m.%Y}")
    name = " — ".join(parts)
    name = re.sub(r'[\\/:*?"<>|]+', " ", name)
    return name[:150] + suffix


def document_title(template_id: str) -> str:
    """A document kind's Russian title: the catalogue's, else its template's (the school report)."""
    if template_id in DOCUMENTS:
        return DOCUMENTS[template_id][0]
    spec = TEMPLATES.get(template_id)
    return spec.title if spec else template_id


SCHOOL_REPORT = "school_report"
SCHOOL_REPORT_DIR = "report"


def school_reports(session: Session, *, school_id: str) -> list[GeneratedDocument]:
    """The school's отчёты о выполнении generated so far, newest first."""
    return list(
        session.exec(
            select(GeneratedDocument)
            .where(
                GeneratedDocument.school_id == school_id,
                GeneratedDocument.template_id == SCHOOL_REPORT,
            )
            .order_by(col(GeneratedDocument.rendered_at).desc(), col(GeneratedDocument.id).desc())
        )
    )


def generate_school_report(
    *,
    session: Session,
    run: RoadmapRun,
    school_id: str,
    values: dict[str, str],
    actor: Actor,
    now: datetime,
    documents_dir: Path,
    templates_dir: Path | None = None,
) -> GeneratedDocument:
    """Render the school's отчёт о выполнении дорожной карты into documents_dir and record it.

    The form gives its number and date; everything else comes from the school, the run and the
    registry. Not attached to a step: it reports on all of them.

    Raises:
        DocumentFormError: a field is empty or wrong, the number is taken, or data is missing
            (a Russian message that names it and says where it is entered).
    """
    offer = DocumentOffer(
        kind=SCHOOL_REPORT,
        title=TEMPLATES[SCHOOL_REPORT].title,
        spec=TEMPLATES[SCHOOL_REPORT],
        fields=FORM_FIELDS[SCHOOL_REPORT],
    )
    extra = _form_data(offer, values)
    _refuse_taken_number(session, template_id=SCHOOL_REPORT, school_id=school_id, data=extra)
    relative = (
        Path(GENERATED_DIR)
        / school_id
        / SCHOOL_REPORT_DIR
        / f"{SCHOOL_REPORT}-{secrets.token_hex(6)}.docx"
    )
    return _rendered(
        session,
        out=documents_dir / relative,
        municipal=False,
        template_id=SCHOOL_REPORT,
        now=now,
        actor=actor,
        documents_dir=documents_dir,
        school_id=school_id,
        run=run,
        extra=extra,
        templates_dir=templates_dir,
    )
