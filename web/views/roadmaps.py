"""«Дорожные карты» (coordinator): import a table or copy a roadmap, edit the draft, publish (#14).

The list shows the roadmaps of files and of the database. A draft comes from an uploaded file (the
importer, definitions/importing) or from a copy of any known roadmap; the editor shows it as a table
with each deadline's reading and every error, warning and import problem beside its step
(definitions/drafts.py), edits one step in a form, adds, removes, moves and indents steps, and
publishes a version when no error remains (storage/roadmap_versions.py). A published roadmap is
loaded with the files, so the launch page previews and launches it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import FormData

from common.errors import NastavnikError
from common.messages import render_message
from definitions.catalogue import DOCUMENTS, ROLES
from definitions.drafts import (
    SCOPES,
    add_step,
    check_draft,
    dump_draft,
    form_reading,
    header_from_form,
    indent_step,
    load_draft,
    move_step,
    outdent_step,
    remove_step,
    replace_step,
    step_from_form,
)
from definitions.importing import import_roadmap_file
from definitions.importing.readers import MAX_BYTES
from definitions.loader import RoadmapFile, load_roadmaps
from storage.roadmap_versions import (
    DRAFT,
    RoadmapVersion,
    draft_of,
    publish_draft,
    rename_draft,
    save_draft,
    stored_roadmaps,
    version_of,
    versions_of,
)
from storage.schools import get_municipality
from web import pages
from web.access import Coordinator
from web.messages import russian_reason

router = APIRouter()
_MOVES = {"up", "down", "indent", "outdent", "remove"}


def _files(request: Request) -> tuple[list[RoadmapFile], str | None]:
    """The roadmaps of the files (built-in and the municipality's folder), or the load error."""
    try:
        return load_roadmaps(pages.state(request).settings.roadmaps_dir), None
    except NastavnikError as error:
        return [], russian_reason(error)


def _taken_ids(request: Request) -> dict[str, str]:
    files, _ = _files(request)
    return {item.roadmap.id: f"файл {item.path.name}" for item in files}


def _form(request: Request) -> FormData:
    form = getattr(request.state, "form", None)
    return form if form is not None else FormData()


def _form_map(form: FormData) -> dict[str, Any]:
    """Form fields: one value each, lists for the fields chosen several times."""
    found: dict[str, Any] = {}
    for key in form.keys():
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        found[key] = values if key in ("roles", "depends_on", "documents") else (values or [""])[0]
    return found


def _list_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    files, load_error = _files(request)
    with pages.db(request) as session:
        stored = stored_roadmaps(session=session)
        municipality = get_municipality(session)
    return pages.render(
        request,
        "roadmaps.html",
        {
            "title": "Дорожные карты",
            "files": files,
            "stored": stored,
            "load_error": load_error,
            "errors": errors or {},
            "values": values or {},
            "municipality": municipality,
        },
        status_code=status_code,
    )


@router.get("/roadmaps")
def roadmaps_list(request: Request, user: Coordinator) -> Response:
    return _list_page(request)


def _free_id(session: Any, wanted: str, taken: dict[str, str]) -> str:
    """The wanted id, or with «-2», «-3», … when a file or the database already has it."""
    candidate, number = wanted, 1
    while candidate in taken or versions_of(session=session, roadmap_id=candidate):
        number += 1
        candidate = f"{wanted}-{number}"
    return candidate


@router.post("/roadmaps/import")
def roadmaps_import(
    request: Request, user: Coordinator, file: UploadFile | None = File(None), text: str = Form("")
) -> Response:
    """A file (DOCX, XLSX, ODS, PDF) or pasted text → a draft through the importer."""
    by = user.email
    if file is not None and file.filename:
        name = Path(file.filename).name
        data = file.file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            return _list_page(
                request,
                errors={
                    "file": render_message("editor.file_too_big", limit=MAX_BYTES // (1024 * 1024))
                },
                status_code=400,
            )
    elif text.strip():
        name, data = "вставленный текст.txt", text.encode("utf-8")
    else:
        return _list_page(
            request,
            errors={"file": render_message("editor.no_file")},
            status_code=400,
        )
    now = pages.now(request)
    try:
        with pages.db(request) as session:
            municipality = get_municipality(session)
            result = import_roadmap_file(
                Path(name),
                data=data,
                municipality=municipality.name,
                timezone=municipality.timezone,
            )
            definition = dict(result.definition)
            definition["id"] = _free_id(session, str(definition["id"]), _taken_ids(request))
            rows = {place: code for code, place in result.rows.items()}
            problems = [
                {"step": rows.get((p.table, p.row)), "text": str(p)} for p in result.problems
            ]
            save_draft(
                session=session,
                roadmap_id=definition["id"],
                definition=dump_draft(definition),
                by=by,
                now=now,
                change=render_message("editor.draft_from_file", name=name),
                problems=problems,
            )
    except NastavnikError as error:
        return _list_page(
            request,
            errors={
                "file": render_message(
                    "editor.file_unread", name=name, reason=russian_reason(error)
                )
            },
            status_code=400,
        )
    return pages.redirect(
        request,
        f"/roadmaps/{definition['id']}",
        render_message(
            "editor.draft_read",
            name=name,
            steps=len(definition["steps"]),
            problems=len(problems),
        ),
    )


def _source_text(request: Request, session: Any, roadmap_id: str) -> str | None:
    """The text of a known roadmap: its file, or its latest version in the database."""
    row = version_of(session=session, roadmap_id=roadmap_id, version=None) or draft_of(
        session=session, roadmap_id=roadmap_id
    )
    if row is not None:
        return row.definition
    files, _ = _files(request)
    for item in files:
        if item.roadmap.id == roadmap_id:
            return item.text
    return None


@router.post("/roadmaps/copy")
def roadmaps_copy(
    request: Request, user: Coordinator, source: str = Form(""), new_id: str = Form("")
) -> Response:
    """«Начать с копии»: a draft from any known roadmap under a new id."""
    by = user.email
    values = {"source": source, "new_id": new_id}
    errors: dict[str, str] = {}
    new_id = new_id.strip()
    with pages.db(request) as session:
        text = _source_text(request, session, source) if source else None
        if text is None:
            errors["source"] = render_message("editor.no_source")
        taken = _taken_ids(request)
        if not re.match(r"^[a-z0-9][a-z0-9\-]*$", new_id):
            errors["new_id"] = render_message("editor.bad_id")
        elif new_id in taken or versions_of(session=session, roadmap_id=new_id):
            errors["new_id"] = render_message("editor.id_in_use", roadmap=new_id)
        data: dict[str, Any] | None = None
        if not errors and text is not None:
            try:
                data = load_draft(text)
            except NastavnikError as error:
                errors["source"] = russian_reason(error)
        if data is not None:
            data["id"] = new_id
            save_draft(
                session=session,
                roadmap_id=new_id,
                definition=dump_draft(data),
                by=by,
                now=pages.now(request),
                change=render_message("editor.draft_copied", source=source),
            )
    if data is None:
        # the page opens its own session: answer after this one has ended (SQLite's write lock)
        return _list_page(request, errors=errors, values=values, status_code=400)
    return pages.redirect(
        request,
        f"/roadmaps/{new_id}",
        render_message("editor.copied", roadmap=new_id, source=source),
    )


def _not_found(request: Request, roadmap_id: str) -> Response:
    return pages.error_page(
        request,
        404,
        render_message("page.title.roadmap_missing"),
        render_message("page.no_roadmap", roadmap=roadmap_id),
    )


def _editor(
    request: Request,
    roadmap_id: str,
    *,
    error: str | None = None,
    publish_errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    with pages.db(request) as session:
        history = versions_of(session=session, roadmap_id=roadmap_id)
        shown: RoadmapVersion | None = history[0] if history else None
        stored_text = shown.definition if shown is not None else None
        problems = shown.problems if shown is not None and shown.status == DRAFT else []
    file_item = None
    if stored_text is None:
        files, _ = _files(request)
        file_item = next((f for f in files if f.roadmap.id == roadmap_id), None)
        if file_item is None:
            return _not_found(request, roadmap_id)
        stored_text = file_item.text
    try:
        data = load_draft(stored_text)
    except NastavnikError as load_error:
        return pages.error_page(
            request, 400, render_message("page.title.draft_unreadable"), russian_reason(load_error)
        )
    taken = {} if file_item is not None else _taken_ids(request)
    report = check_draft(data, problems=problems, taken_ids=taken)
    parents = {str(s.get("code")): s.get("parent") for s in data.get("steps") or []}
    depths: dict[str, int] = {}
    for code in parents:
        depth, seen, up = 0, {code}, parents.get(code)
        while up is not None and up not in seen and depth < 10:
            seen.add(up)
            depth += 1
            up = parents.get(str(up))
        depths[code] = depth
    return pages.render(
        request,
        "roadmap.html",
        {
            "title": f"Дорожная карта {roadmap_id}",
            "roadmap_id": roadmap_id,
            "data": data,
            "report": report,
            "depths": depths,
            "history": history,
            "shown": shown,
            "file_item": file_item,
            "editable": file_item is None,
            "error": error,
            "publish_errors": publish_errors,
            "roles": ROLES,
            "scopes": SCOPES,
        },
        status_code=status_code,
    )


@router.get("/roadmaps/{roadmap_id}")
def roadmap_page(request: Request, user: Coordinator, roadmap_id: str) -> Response:
    return _editor(request, roadmap_id)


@router.get("/roadmaps/{roadmap_id}/export.yaml")
def roadmap_export(
    request: Request, user: Coordinator, roadmap_id: str, version: str = ""
) -> Response:
    """The definition as YAML: a version of the database, or the roadmap's file."""
    number = int(version) if re.fullmatch(r"[0-9]{1,9}", version) else None
    with pages.db(request) as session:
        row = version_of(session=session, roadmap_id=roadmap_id, version=number)
        if row is None and number is None:
            row = draft_of(session=session, roadmap_id=roadmap_id)
        text = row.definition if row is not None else None
    if text is None and number is None:
        files, _ = _files(request)
        text = next((f.text for f in files if f.roadmap.id == roadmap_id), None)
    if text is None:
        return _not_found(request, roadmap_id)
    suffix = f"-v{row.version}" if row is not None else ""
    return Response(
        text,
        media_type="application/x-yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{roadmap_id}{suffix}.yaml"'},
    )


def _editable_data(session: Any, roadmap_id: str) -> dict[str, Any] | None:
    """The draft's mapping; a roadmap with no draft starts one from its latest version."""
    row = draft_of(session=session, roadmap_id=roadmap_id) or version_of(
        session=session, roadmap_id=roadmap_id, version=None
    )
    return load_draft(row.definition) if row is not None else None


def _save(
    session: Any, roadmap_id: str, data: dict[str, Any], *, by: str, now: Any, change: str
) -> None:
    save_draft(
        session=session,
        roadmap_id=roadmap_id,
        definition=dump_draft(data),
        by=by,
        now=now,
        change=change,
    )


@router.post("/roadmaps/{roadmap_id}/steps/{code}/move")
def roadmap_step_move(
    request: Request, user: Coordinator, roadmap_id: str, code: str, action: str = Form("")
) -> Response:
    """Move a step up or down, indent or outdent it, or remove it."""
    by = user.email
    if action not in _MOVES:
        return _editor(
            request, roadmap_id, error=render_message("editor.unknown_move"), status_code=400
        )
    with pages.db(request) as session:
        data = _editable_data(session, roadmap_id)
        if data is None:
            return _not_found(request, roadmap_id)
        try:
            if action in ("up", "down"):
                change = move_step(data, code, action)
            elif action == "indent":
                change = indent_step(data, code)
            elif action == "outdent":
                change = outdent_step(data, code)
            else:
                change = remove_step(data, code)
        except NastavnikError as error:
            failed = russian_reason(error)
        else:
            failed = ""
            _save(session, roadmap_id, data, by=by, now=pages.now(request), change=change)
    if failed:
        return _editor(request, roadmap_id, error=failed, status_code=400)
    return pages.redirect(
        request, f"/roadmaps/{roadmap_id}#step-{code}", change[:1].upper() + change[1:] + "."
    )


@router.post("/roadmaps/{roadmap_id}/steps")
def roadmap_step_add(
    request: Request, user: Coordinator, roadmap_id: str, after: str = Form("")
) -> Response:
    """A new step after the chosen one (or at the end); its form opens."""
    by = user.email
    with pages.db(request) as session:
        data = _editable_data(session, roadmap_id)
        if data is None:
            return _not_found(request, roadmap_id)
        try:
            code, change = add_step(data, after=after or None)
        except NastavnikError as error:
            failed = russian_reason(error)
        else:
            failed = ""
            _save(session, roadmap_id, data, by=by, now=pages.now(request), change=change)
    if failed:
        return _editor(request, roadmap_id, error=failed, status_code=400)
    return pages.redirect(
        request, f"/roadmaps/{roadmap_id}/steps/{code}", render_message("editor.step_added")
    )


def _step_page(
    request: Request,
    roadmap_id: str,
    data: dict[str, Any],
    code: str,
    step: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    reading: str | None = None,
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return pages.render(
        request,
        "roadmap_step.html",
        {
            "title": f"Шаг {code} — {roadmap_id}",
            "roadmap_id": roadmap_id,
            "data": data,
            "code": code,
            "step": step,
            "errors": errors or {},
            "reading": form_reading(data, step) if reading is None else reading,
            "problems": problems or [],
            "roles": ROLES,
            "documents": DOCUMENTS,
            "scopes": SCOPES,
            "others": [s for s in data.get("steps") or [] if str(s.get("code")) != code],
            "escalation": step.get("escalation") or {},
        },
        status_code=status_code,
    )


@router.get("/roadmaps/{roadmap_id}/steps/{code}")
def roadmap_step_form(request: Request, user: Coordinator, roadmap_id: str, code: str) -> Response:
    with pages.db(request) as session:
        data = _editable_data(session, roadmap_id)
        draft = draft_of(session=session, roadmap_id=roadmap_id)
        problems = [
            str(p.get("text")) for p in (draft.problems if draft else []) if p.get("step") == code
        ]
    if data is None:
        return _not_found(request, roadmap_id)
    step = next((s for s in data.get("steps") or [] if str(s.get("code")) == code), None)
    if step is None:
        return pages.error_page(
            request,
            404,
            render_message("page.title.step_missing"),
            render_message("page.no_draft_step", step=code),
        )
    return _step_page(request, roadmap_id, data, code, step, problems=problems)


@router.post("/roadmaps/{roadmap_id}/steps/{code}")
def roadmap_step_save(
    request: Request, user: Coordinator, roadmap_id: str, code: str, action: str = Form("save")
) -> Response:
    """Save the step's form; «Проверить срок» only shows how the deadline reads."""
    by = user.email
    form = _form_map(_form(request))
    with pages.db(request) as session:
        data = _editable_data(session, roadmap_id)
        if data is None:
            return _not_found(request, roadmap_id)
        if not any(str(s.get("code")) == code for s in data.get("steps") or []):
            return pages.error_page(
                request,
                404,
                render_message("page.title.step_missing"),
                render_message("page.no_draft_step", step=code),
            )
        step, errors = step_from_form(data, code, form)
        if action == "check" or errors:
            return _step_page(
                request,
                roadmap_id,
                data,
                code,
                step,
                errors=errors,
                status_code=400 if errors and action != "check" else 200,
            )
        change = replace_step(data, code, step)
        draft = draft_of(session=session, roadmap_id=roadmap_id)
        save_draft(
            session=session,
            roadmap_id=roadmap_id,
            definition=dump_draft(data),
            by=by,
            now=pages.now(request),
            change=change,
            # the step was reviewed: the import's remarks on it are settled
            problems=[p for p in (draft.problems if draft else []) if p.get("step") != code],
        )
    new_code = str(step["code"])
    return pages.redirect(
        request,
        f"/roadmaps/{roadmap_id}#step-{new_code}",
        render_message("editor.step_saved", step=new_code),
    )


def _header_page(
    request: Request,
    roadmap_id: str,
    data: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    period = data.get("period") or {}
    issuer = data.get("issuer") or {}
    values = {
        "id": data.get("id", ""),
        "title": data.get("title", ""),
        "municipality": data.get("municipality", ""),
        "issuer_name": issuer.get("name", "") if isinstance(issuer, dict) else "",
        "issuer_level": issuer.get("level", "") if isinstance(issuer, dict) else "",
        "timezone": data.get("timezone", ""),
        "period_start": period.get("start", "") if isinstance(period, dict) else "",
        "period_end": period.get("end", "") if isinstance(period, dict) else "",
    }
    for key in ("period_start", "period_end"):
        day = values[key]
        if hasattr(day, "strftime"):
            values[key] = day.strftime("%d.%m.%Y")
    return pages.render(
        request,
        "roadmap_header.html",
        {
            "title": f"Паспорт — {roadmap_id}",
            "roadmap_id": roadmap_id,
            "values": values,
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/roadmaps/{roadmap_id}/header")
def roadmap_header_form(request: Request, user: Coordinator, roadmap_id: str) -> Response:
    with pages.db(request) as session:
        data = _editable_data(session, roadmap_id)
    if data is None:
        return _not_found(request, roadmap_id)
    return _header_page(request, roadmap_id, data)


@router.post("/roadmaps/{roadmap_id}/header")
def roadmap_header_save(request: Request, user: Coordinator, roadmap_id: str) -> Response:
    """The passport: id (until the first publication), title, municipality, period, time zone."""
    by = user.email
    form = _form_map(_form(request))
    with pages.db(request) as session:
        data = _editable_data(session, roadmap_id)
        if data is None:
            return _not_found(request, roadmap_id)
        new, errors = header_from_form(data, form)
        new_id = str(new.get("id", ""))
        if not errors and new_id != roadmap_id:
            if new_id in _taken_ids(request):
                errors["id"] = render_message("editor.id_in_file", roadmap=new_id)
            else:
                try:
                    rename_draft(session=session, old_id=roadmap_id, new_id=new_id)
                except NastavnikError as error:
                    errors["id"] = russian_reason(error)
        if errors:
            return _header_page(
                request, roadmap_id, {**data, **new}, errors=errors, status_code=400
            )
        _save(
            session,
            new_id,
            new,
            by=by,
            now=pages.now(request),
            change=render_message("editor.header_changed"),
        )
    return pages.redirect(request, f"/roadmaps/{new_id}", render_message("editor.header_saved"))


@router.post("/roadmaps/{roadmap_id}/publish")
def roadmap_publish(
    request: Request, user: Coordinator, roadmap_id: str, summary: str = Form("")
) -> Response:
    """Publish the draft as a version; refused, with the errors listed, while any remain."""
    by = user.email
    with pages.db(request) as session:
        draft = draft_of(session=session, roadmap_id=roadmap_id)
        if draft is None:
            known = versions_of(session=session, roadmap_id=roadmap_id)
            problems: list[str] = [render_message("editor.nothing_to_publish")]
        else:
            known = [draft]
            data = load_draft(draft.definition)
            report = check_draft(data, taken_ids=_taken_ids(request))
            problems = report.errors
            if str(data.get("id")) != roadmap_id:
                problems.append(render_message("editor.id_mismatch"))
            if not problems:
                row = publish_draft(
                    session=session,
                    roadmap_id=roadmap_id,
                    by=by,
                    now=pages.now(request),
                    summary=summary[:2000],
                    remote_addr=pages.remote_addr(request),
                )
                version = row.version
    if not known:
        return _not_found(request, roadmap_id)
    if problems:
        return _editor(request, roadmap_id, publish_errors=problems, status_code=400)
    return pages.redirect(
        request,
        f"/roadmaps/{roadmap_id}",
        render_message("editor.published", version=version),
    )
