"""Import schools from a CSV or XLSX file (coordinator): see what changes, confirm, then every
row or nothing.

The file is checked and compared with the schools in the system first (storage/schools_diff.py);
the preview page carries the file back signed, with the digest of the difference it showed, so
«Применить» applies exactly what was shown — if the schools changed meanwhile, the new difference
is shown instead.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeSerializer

from common.errors import NastavnikError
from common.messages import render_message
from storage.schools_diff import SchoolsDiff, apply_schools_import, diff_schools_import
from web import pages
from web.access import Coordinator
from web.messages import russian_reason

router = APIRouter()
MAX_FILE = 5 * 1024 * 1024


def _page(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    return pages.render(
        request, "import.html", {"title": "Импорт школ", "error": error}, status_code=status_code
    )


def _signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(pages.state(request).settings.secret_key, salt="schools-import")


@contextmanager
def _stored(name: str, data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"schools{Path(name).suffix.lower()}"
        path.write_bytes(data)
        yield path


def _preview(
    request: Request, *, name: str, data: bytes, diff: SchoolsDiff, notice: str | None = None
) -> Response:
    payload = _signer(request).dumps(
        {"name": name, "data": base64.b64encode(data).decode(), "fingerprint": diff.fingerprint()}
    )
    return pages.render(
        request,
        "import_preview.html",
        {
            "title": "Импорт школ: проверьте изменения",
            "file_name": name,
            "diff": diff,
            "payload": payload,
            "notice": notice,
        },
    )


@router.get("/import")
def import_form(request: Request, user: Coordinator) -> Response:
    return _page(request)


@router.post("/import")
def import_file(
    request: Request, user: Coordinator, file: UploadFile | None = File(None)
) -> Response:
    if file is None or not file.filename:
        return _page(request, error=render_message("upload.choose_table"), status_code=400)
    suffix = Path(file.filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return _page(request, error=render_message("schools_import.kind"), status_code=400)
    data = file.file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        return _page(request, error=render_message("schools_import.too_big"), status_code=400)
    with _stored(file.filename, data) as path:
        try:
            with pages.db(request) as session:
                diff = diff_schools_import(session=session, path=path, now=pages.now(request))
        except NastavnikError as error:
            return _page(
                request,
                error=russian_reason(error).replace(str(path), file.filename),
                status_code=400,
            )
    return _preview(request, name=file.filename, data=data, diff=diff)


@router.post("/import/apply")
def import_apply(request: Request, user: Coordinator, payload: str = Form("")) -> Response:
    by = user.email
    try:
        shown = _signer(request).loads(payload)
        name, data = str(shown["name"]), base64.b64decode(shown["data"])
        fingerprint = str(shown["fingerprint"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return _page(request, error=render_message("schools_import.stale"), status_code=400)
    now = pages.now(request)
    with _stored(name, data) as path:
        try:
            with pages.db(request) as session:
                diff = diff_schools_import(session=session, path=path, now=now)
                if diff.fingerprint() != fingerprint:
                    changed = True
                else:
                    changed = False
                    result, _ = apply_schools_import(
                        session=session, path=path, now=now, by=by, source="web"
                    )
        except NastavnikError as error:
            return _page(
                request, error=russian_reason(error).replace(str(path), name), status_code=400
            )
    if changed:
        return _preview(
            request,
            name=name,
            data=data,
            diff=diff,
            notice=render_message("schools_import.changed_meanwhile"),
        )
    emails = len(diff.admin_email_changes)
    added, altered = len(result.added), len(diff.changed)
    message = (
        render_message(
            "notice.schools_imported_emails", added=added, changed=altered, emails=emails
        )
        if emails
        else render_message("notice.schools_imported", added=added, changed=altered)
    )
    return pages.redirect(request, "/matrix", message)
