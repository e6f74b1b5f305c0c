"""Uploaded scans, served only to those who may see the school."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from common.errors import NastavnikError
from common.messages import render_message
from web import pages
from web.access import UploadReader
from web.models import Upload
from web.uploads import resolve_stored

router = APIRouter()


@router.get("/uploads/{upload_id}")
def upload_file(request: Request, _user: UploadReader, upload_id: pages.RowId) -> Response:
    with pages.db(request) as session:
        upload = session.get(Upload, upload_id)
    if upload is None:
        return pages.error_page(
            request,
            404,
            render_message("page.title.file_missing"),
            render_message("page.no_such_file"),
        )
    try:
        path = resolve_stored(
            documents_dir=pages.state(request).settings.documents_dir,
            stored_path=upload.stored_path,
        )
    except NastavnikError:
        return pages.error_page(
            request,
            404,
            render_message("page.title.file_missing"),
            render_message("page.file_unavailable"),
        )
    if not path.is_file():
        return pages.error_page(
            request,
            404,
            render_message("page.title.file_missing"),
            render_message("page.file_removed"),
        )
    disposition = f"attachment; filename*=UTF-8''{quote(upload.file_name)}"
    return FileResponse(
        path, media_type=upload.content_type, headers={"Content-Disposition": disposition}
    )
