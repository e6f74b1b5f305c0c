"""A school's registry in and out as files: import (CSV/XLSX, all or nothing) and export.

The upload is checked (type, size, content) like web/uploads.py, saved to a temporary file and
handed to ``registry.importer``; every row and column problem is shown on the page and nothing
is saved while any row is wrong. Exports carry names, so only those who see names may download
them, and ``registry.exporter`` journals each one (who, from where, what, how many rows).
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from common.errors import NastavnikError
from common.messages import render_message
from registry.exporter import export_registry
from registry.importer import import_registry_file
from web import pages
from web.access import RegistryEditor, RegistryNames
from web.views.registry_scope import (
    NotFound,
    Scope,
    context_of,
    form_text,
)

router = APIRouter()
MAX_FILE = 5 * 1024 * 1024
FileKind = Literal["mentors", "mentees", "pairs"]
KINDS: dict[str, str] = {
    "mentors": "наставники",
    "mentees": "наставляемые",
    "pairs": "пары и группы",
}
XLSX_MAGIC = b"PK\x03\x04"
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


# the file reader's messages (storage/schools.py, written for the CLI), worded for this page
def _page(
    request: Request,
    scope: Scope,
    *,
    kind: str = "",
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    summary: str | None = None,
    status_code: int = 200,
) -> Response:
    context = context_of(
        scope,
        title="Импорт реестра из файла",
        kinds=KINDS,
        kind=kind,
        errors=errors or {},
        problems=problems or [],
        summary=summary,
    )
    return pages.render(request, "registry_import.html", context, status_code=status_code)


@router.get("/schools/{school_id}/registry/import")
def import_form(request: Request, scope: RegistryNames, school_id: str) -> Response:
    return _page(request, scope)


def check_file(file_name: str, data: bytes) -> str | None:
    """Why an upload cannot be a registry file (None when it may be): type, size, content."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return render_message("notice.registry_not_table")
    if not data:
        return render_message("notice.registry_empty")
    if len(data) > MAX_FILE:
        return render_message("notice.registry_too_big")
    if suffix == ".xlsx" and not data.startswith(XLSX_MAGIC):
        return render_message("notice.registry_not_xlsx")
    if suffix == ".csv":
        if b"\x00" in data:
            return render_message("notice.registry_not_text")
        for encoding in ("utf-8-sig", "cp1251"):
            try:
                data.decode(encoding)
                return None
            except UnicodeDecodeError:
                continue
        return render_message("notice.registry_encoding")
    return None


def _reader_reason(error: NastavnikError) -> str:
    """The reason after «file.csv: »: the catalogue's text as it is (lower case after the colon)."""
    return error.reason.strip()


@router.post("/schools/{school_id}/registry/import")
def import_file(
    request: Request, scope: RegistryEditor, school_id: str, file: UploadFile | None = File(None)
) -> Response:
    kind = form_text(request).get("kind", "")
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = render_message("registry_files.kind")
    if file is None or not file.filename:
        errors["file"] = render_message("upload.choose_table")
    else:
        data = file.file.read(MAX_FILE + 1)
        reason = check_file(file.filename, data)
        if reason:
            errors["file"] = reason
    if errors:
        return _page(request, scope, kind=kind, errors=errors, status_code=400)
    assert file is not None and file.filename
    suffix = Path(file.filename).suffix.lower()
    chosen: FileKind = (
        "mentors" if kind == "mentors" else "mentees" if kind == "mentees" else "pairs"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{kind}{suffix}"
        path.write_bytes(data)
        try:
            with pages.db(request) as session:
                result = import_registry_file(
                    session=session,
                    kind=chosen,
                    school_id=school_id,
                    path=path,
                    actor=pages.actor(request, scope.user),
                    now=pages.now(request),
                )
        except NastavnikError as error:
            lines = _reader_reason(error).splitlines()
            return _page(
                request,
                scope,
                kind=kind,
                summary=f"{file.filename}: {lines[0]}",
                problems=[line.strip() for line in lines[1:] if line.strip()],
                status_code=400,
            )
        except csv.Error:  # a text file the CSV reader cannot split into rows
            return _page(
                request,
                scope,
                kind=kind,
                summary=render_message("notice.registry_csv_unreadable", file=file.filename),
                status_code=400,
            )
    message = render_message(
        "notice.registry_imported",
        kind=KINDS[kind],
        file=file.filename,
        added=result.added,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    return pages.redirect(request, scope.page, message)


@router.get("/schools/{school_id}/registry/export")
def export_file(
    request: Request,
    scope: RegistryNames,
    school_id: str,
    kind: str = "mentors",
    format: str = "xlsx",
) -> Response:
    if kind not in KINDS or format not in MEDIA:
        raise NotFound(
            render_message("page.title.no_export"),
            render_message("page.export_kinds"),
        )
    fmt: Literal["csv", "xlsx"] = "csv" if format == "csv" else "xlsx"
    chosen: FileKind = (
        "mentors" if kind == "mentors" else "mentees" if kind == "mentees" else "pairs"
    )
    with pages.db(request) as session:
        data = export_registry(
            session=session,
            viewer=scope.user,
            school_id=school_id,
            kind=chosen,
            fmt=fmt,
            now=pages.now(request),
            source="web",
            remote_addr=pages.remote_addr(request),
        )
    name = f"{KINDS[kind].replace(' ', '-')}-{school_id}-{scope.today.isoformat()}.{fmt}"
    return Response(
        data,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
