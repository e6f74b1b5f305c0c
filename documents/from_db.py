"""Document data from the database: the municipality, a school, a launched roadmap and its steps.

The base data is what nastavnik holds; ``extra`` (from `--data FILE`) adds or overrides fields
(an order's number, the pairs). Whatever is still missing is reported by the renderer by field name.
Rendering for a step attaches the document to the step instance with its hash and data.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, col, select

from common.errors import NastavnikError
from common.russian import format_date_ru, format_schedule_ru
from documents.missing import merge, unflatten
from documents.registry_context import registry_document_data
from documents.render import RenderedDocument, render_document
from documents.templates import get_template
from engine.runs import run_definition
from engine.status import local_today, run_status
from storage.models import GeneratedDocument, Municipality, RoadmapRun, School, StepInstance
from storage.schools import get_municipality


def _organisation_of_school(school: School, municipality: Municipality) -> dict[str, Any]:
    return {
        "full_name": school.name,
        "short_name": school.short_name,
        "place": school.extra.get("place") or municipality.place,
        "head_position": school.extra.get("director_position", "Директор"),
        "head_name": school.director,
        "municipality": municipality.name,
    }


def _organisation_of_committee(municipality: Municipality) -> dict[str, Any]:
    return {
        "full_name": municipality.committee_name,
        "short_name": municipality.committee_name,
        "place": municipality.place,
        "head_position": municipality.head_position,
        "head_name": municipality.head_name,
        "municipality": municipality.name,
    }


def _period_text(run: RoadmapRun) -> str:
    start, end = run.period_start.year, run.period_end.year
    return f"{start} год" if start == end else f"{start}–{end} годы"


def read_extra(path: Path | None) -> dict[str, Any]:
    """`--data FILE`: JSON or YAML with fields to add; a CSV is the pairs of order_pairs."""
    if path is None:
        return {}
    if not path.exists():
        raise NastavnikError("no such file", where=str(path))
    if path.suffix.lower() == ".csv":
        from documents.pairs_csv import read_pairs_csv

        return {
            "pairs": [
                pair.__dict__ if hasattr(pair, "__dict__") else pair
                for pair in read_pairs_csv(path=path)
            ]
        }
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise NastavnikError(f"cannot read the data file: {error}", where=str(path)) from None
    if not isinstance(data, dict):
        raise NastavnikError("expected a mapping of field names to values", where=str(path))
    return data


def build_document_data(
    *,
    session: Session,
    template_id: str,
    now: datetime,
    school_id: str | None = None,
    run: RoadmapRun | None = None,
    step_code: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The data a template needs, from the database, with ``extra`` merged over it."""
    spec = get_template(template_id)
    municipality = get_municipality(session)
    today = local_today(now, municipality.timezone)
    school = None
    if school_id is not None:
        school = session.get(School, school_id)
        if school is None:
            raise NastavnikError(f"unknown school {school_id!r}", where="--school")
    if spec.scope == "school" and school is None and template_id != "roadmap":
        raise NastavnikError(
            f"{template_id} is a school's document: say which with --school", where="--school"
        )
    data: dict[str, Any] = {"date": today}
    data["organisation"] = (
        _organisation_of_school(school, municipality)
        if school is not None
        else _organisation_of_committee(municipality)
    )
    if school is not None and school.curator:
        data["curator"] = {
            "full_name": school.curator,
            "position": school.extra.get("curator_position", "заместитель директора"),
        }
    coordinator = {
        "full_name": municipality.coordinator_name,
        "position": municipality.coordinator_position,
    }
    if any(coordinator.values()):
        data["coordinator"] = {key: value for key, value in coordinator.items() if value}
    data["as_of"] = today
    if run is not None:
        loaded, schedules = run_definition(run)
        roadmap = loaded.roadmap
        data["roadmap_period"] = _period_text(run)
        data["roadmap_title"] = roadmap.title
        data["title"] = roadmap.title
        data["sections"] = [{"code": s.code, "title": s.title} for s in roadmap.sections]
        data["rows"] = [
            {
                "code": s.code,
                "title": s.title,
                "deadline": " ".join((s.deadline or "").split()),
                "dates": format_schedule_ru(schedules[s.code]),
                "responsible": s.responsible,
                "result": s.result or "",
                "section": s.section,
            }
            for s in roadmap.steps
        ]
        if template_id == "roadmap" and school is not None:
            data.update(_school_roadmap(session=session, run=run, school=school, now=now))
        if template_id == "school_report" and school is not None:
            data["roadmap_title"] = _school_roadmap_title(run, school)
            data["steps"] = _school_report_steps(session=session, run=run, school=school, now=now)
        if template_id in ("analytical_report", "analytical_report_xlsx"):
            data["schools"], data["municipal_steps"] = _report_steps(
                session=session, run=run, now=now
            )
            year = today.year
            data["indicators"] = [
                {
                    "code": i.code,
                    "title": i.title,
                    "year": t.year,
                    "target": t.value,
                    "unit": i.unit,
                }
                for i in roadmap.indicators
                for t in i.targets
                if t.year == year
            ]
        if step_code is not None:
            try:
                step = roadmap.step(step_code)
            except KeyError:
                raise NastavnikError(
                    f"roadmap {run.roadmap_id} has no step {step_code!r}", where="--step"
                ) from None
            data["agenda"] = [{"title": item} for item in (step.items or [step.title])]
            due = next((o.due for o in schedules[step_code].occurrences), None)
            for key in ("publish_deadline", "plans_deadline", "documents_deadline"):
                if due is not None:
                    data.setdefault(key, due)
    # the registry's pairs, registers and indicators; ``extra`` (--data) still overrides them
    data.update(
        registry_document_data(
            session=session,
            template_id="analytical_report"
            if template_id == "analytical_report_xlsx"
            else template_id,
            today=today,
            school_id=school_id,
            run=run,
        )
    )
    if template_id == "regulation":
        from registry.models import MentorshipForm

        forms = session.exec(
            select(MentorshipForm)
            .where(col(MentorshipForm.active).is_(True))
            .order_by(col(MentorshipForm.position))
        ).all()
        if forms:  # the municipality's forms, as the order on pairs names them
            data["forms"] = [f"«{form.title}»" for form in forms]
    if template_id == "mentor_registry":
        data.setdefault("mentors", [])  # an empty registry is a blank register to fill by hand
    if template_id == "mentee_registry":
        data.setdefault("mentees", [])
    return merge(data, unflatten(extra or {}))


def _school_dates(views: list[Any]) -> str:
    """One instance list's dates in Russian: «до 15 мая 2022 г.», «1 марта – 30 апреля …»."""
    parts = []
    for view in sorted(views, key=lambda item: item.occurrence):
        if view.due is None:
            parts.append("по отдельному графику")
            continue
        prefix = format_date_ru(view.start) + " – " if view.start else "до "
        parts.append(prefix + format_date_ru(view.due))
    return "; ".join(parts)


def _school_roadmap(
    *, session: Session, run: RoadmapRun, school: School, now: datetime
) -> dict[str, Any]:
    """The school's own roadmap: its steps with its own dates and people, and the municipal
    steps that concern it (a school-level role among their roles), under its approval stamp.

    A roadmap adopted by one school (issuer level «school») is adapted: that school's name in
    the texts becomes this school's.
    """
    from common.declension import initials_surname
    from definitions.catalogue import ROLES

    loaded, _ = run_definition(run)
    roadmap = loaded.roadmap
    status = run_status(session=session, run=run, now=now)
    views: dict[tuple[str | None, str], list[Any]] = {}
    for view in status.views:
        views.setdefault((view.school, view.code), []).append(view)
    issuer = roadmap.issuer.name if roadmap.issuer.level == "school" else None

    def own(text: str) -> str:
        return text.replace(issuer, school.short_name) if issuer else text

    def person(full_name: str) -> str:
        try:
            return initials_surname(full_name)
        except NastavnikError:
            return full_name

    people = {
        "director": f"директор {person(school.director)}",
        "curator": f"куратор {person(school.curator)}" if school.curator else "куратор",
        "school": (
            f"{school.short_name} (куратор {person(school.curator)})"
            if school.curator
            else school.short_name
        ),
    }
    rows = []
    for step in roadmap.steps:
        if step.scope == "school":
            responsible = "; ".join(
                dict.fromkeys(
                    people.get(role, ROLES.get(role, ("", role))[1]) for role in step.roles
                )
            )
            dates = _school_dates(views.get((school.id, step.code), []))
        elif any(ROLES.get(role, ("municipal", ""))[0] == "school" for role in step.roles):
            responsible = own(step.responsible)
            dates = _school_dates(views.get((None, step.code), []))
        else:
            continue
        rows.append(
            {
                "code": step.code,
                "title": own(step.title),
                "deadline": " ".join((step.deadline or "").split()),
                "dates": dates,
                "responsible": responsible,
                "result": own(step.result or ""),
                "section": step.section,
            }
        )
    used = {row["section"] for row in rows}
    return {
        "title": _school_roadmap_title(run, school),
        "rows": rows,
        "sections": [
            {"code": s.code, "title": own(s.title)} for s in roadmap.sections if s.code in used
        ],
        "approval": {"kind": "приказ", "issuer": school.short_name},
    }


def _school_roadmap_title(run: RoadmapRun, school: School) -> str:
    return (
        "План мероприятий (дорожная карта) внедрения целевой модели наставничества в "
        f"{school.short_name} на {_period_text(run)}"
    )


def _school_report_steps(
    *, session: Session, run: RoadmapRun, school: School, now: datetime
) -> list[dict[str, Any]]:
    """The school's steps for its report, each occurrence in the period a row, in roadmap order.

    The document is the evidence recorded when the step was marked done; an occurrence outside
    the roadmap's period is left out as in the справка.
    """
    status = run_status(session=session, run=run, now=now, school=school.id)
    steps = {s.code: s for s in run_definition(run)[0].roadmap.steps}
    order = {code: index for index, code in enumerate(steps)}
    municipality = get_municipality(session)
    views = sorted(
        (view for view in status.views if view.school == school.id),
        key=lambda view: (order.get(view.code, len(order)), view.occurrence),
    )
    rows = []
    for view in views:
        if view.due is not None and not (run.period_start <= view.due <= run.period_end):
            continue
        done_on = None
        if view.state in ("done", "done_late") and isinstance(view.done_at, datetime):
            done_on = local_today(view.done_at, municipality.timezone)
        step = steps.get(view.code)
        rows.append(
            {
                "code": view.code,
                "title": " ".join(step.title.split()) if step else view.code,
                "deadline": view.due,
                "done_on": done_on,
                "document": " ".join((view.evidence or "").split()),
                "not_applicable": view.state == "not_applicable",
            }
        )
    return rows


def _report_steps(
    *, session: Session, run: RoadmapRun, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The справка's steps: per school, and the municipality's own.

    Every occurrence inside the roadmap's period is reported (one outside it — a date the linter
    flags — is not the municipality's to answer for); a step marked «неприменимо» is reported as
    such, never as overdue or open.
    """
    status = run_status(session=session, run=run, now=now)
    titles = {s.code: s.title for s in run_definition(run)[0].roadmap.steps}
    municipality = get_municipality(session)
    names = {s.id: s.short_name for s in session.exec(select(School))}
    by_school: dict[str, list[dict[str, Any]]] = {}
    municipal: list[dict[str, Any]] = []
    for view in status.views:
        if view.due is not None and not (run.period_start <= view.due <= run.period_end):
            continue
        done_on = None
        if view.state in ("done", "done_late") and isinstance(view.done_at, datetime):
            done_on = local_today(view.done_at, municipality.timezone)
        step = {
            "code": view.code,
            "title": titles.get(view.code, view.code),
            "deadline": view.due,
            "done_on": done_on,
            "not_applicable": view.state == "not_applicable",
        }
        if view.school is None:
            municipal.append(step)
        else:
            by_school.setdefault(view.school, []).append(step)
    schools = [
        {"name": names.get(school, school), "steps": steps}
        for school, steps in sorted(by_school.items())
    ]
    return schools, municipal


def render_for_step(
    *,
    session: Session,
    template_id: str,
    out: Path,
    now: datetime,
    by: str,
    school_id: str | None = None,
    run: RoadmapRun | None = None,
    step_code: str | None = None,
    extra: dict[str, Any] | None = None,
    templates_dir: Path | None = None,
    step_instance_id: int | None = None,
    draft: bool = False,
) -> RenderedDocument:
    """Render a document from the database's data; with a step, attach it to the step instance.

    ``step_instance_id`` names the occurrence to attach to (the portal knows it); without it the
    step's first occurrence at the school (or the municipality) is taken.
    """
    data = build_document_data(
        session=session,
        template_id=template_id,
        now=now,
        school_id=school_id,
        run=run,
        step_code=step_code,
        extra=extra,
    )
    if draft and "date" not in (extra or {}):
        data.pop("date", None)  # a draft's date is written by hand when it is signed
    rendered = render_document(
        template_id=template_id, data=data, out=out, templates_dir=templates_dir, draft=draft
    )
    instance_id = step_instance_id
    if instance_id is None and run is not None and step_code is not None:
        unit = school_id or ""
        instance = session.exec(
            select(StepInstance)
            .where(
                StepInstance.run_id == run.id,
                StepInstance.step_code == step_code,
                col(StepInstance.unit).in_([unit, ""]),
            )
            .order_by(col(StepInstance.occurrence))
        ).first()
        instance_id = instance.id if instance else None
    session.add(
        GeneratedDocument(
            step_instance_id=instance_id,
            school_id=school_id,
            template_id=template_id,
            path=str(out.resolve()),
            sha256=rendered.sha256,
            data=json.loads(json.dumps(data, default=str, ensure_ascii=False)),
            rendered_by=by,
            rendered_at=now,
        )
    )
    session.flush()
    return rendered


def write_pairs_csv(path: Path, pairs: list[dict[str, str]]) -> Path:
    """A pairs CSV in the format `--data` accepts (used by the demo)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(pairs[0]))
        writer.writeheader()
        writer.writerows(pairs)
    return path
