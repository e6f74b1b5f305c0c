"""Import schools from a CSV or XLSX file (coordinator): every row valid or nothing imported."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from nastavnik.errors import NastavnikError
from storage.schools import import_schools
from web import pages
from web.auth import Forbidden
from web.messages import russian_reason

router = APIRouter()
MAX_FILE = 5 * 1024 * 1024


def _page(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    return pages.render(
        request, "import.html", {"title": "Импорт школ", "error": error}, status_code=status_code
    )


@router.get("/import")
def import_form(request: Request) -> Response:
    user = pages.require_user(request)
    if not user.is_coordinator:
        raise Forbidden("Импортирует школы координатор.")
    return _page(request)


@router.post("/import")
def import_file(request: Request, file: UploadFile | None = File(None)) -> Response:
    user = pages.require_user(request)
    if not user.is_coordinator:
        raise Forbidden("Импортирует школы координатор.")
    if file is None or not file.filename:
        return _page(request, error="Выберите файл CSV или XLSX.", status_code=400)
    suffix = Path(file.filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return _page(request, error="Нужен файл .csv или .xlsx.", status_code=400)
    data = file.file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        return _page(request, error="Файл больше 5 МБ.", status_code=400)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"schools{suffix}"
        path.write_bytes(data)
        try:
            with pages.db(request) as session:
                result = import_schools(
                    session=session, path=path, now=pages.now(request), by=user.email
                )
        except NastavnikError as error:
            return _page(
                request,
                error=russian_reason(error).replace(str(path), file.filename),
                status_code=400,
            )
    return pages.redirect(
        request,
        "/matrix",
        f"Импорт: добавлено школ — {len(result.added)}, обновлено — {len(result.updated)}.",
    )
