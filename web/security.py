"""Refuse control characters in addresses, queries and forms before anything reaches the database.

PostgreSQL refuses a NUL in text outright (the request fails and the connection is reset) and
SQLite stores it silently; neither is what a person typed. ``RefuseBadAddress`` checks the path and the
query string of every request (a middleware, before routing); ``check_form`` checks every form's fields
and file names (it runs with the CSRF check, before any view). Tab and line breaks are allowed only in form fields that may
be multi-line (textareas). The answer is a 400 page in Russian naming the field.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from common.messages import render_message
from common.text import bad_character

# fields that are one line in every form: a line break there is not typed, it is forged
SINGLE_LINE = frozenset(
    {"email", "password", "number", "doc_date", "date", "due", "start", "csrf_token", "next"}
)

FIELD_LABELS = {
    "email": "E-mail",
    "password": "Пароль",
    "number": "Номер документа",
    "doc_date": "Дата документа",
    "date": "Дата",
    "due": "Срок",
    "start": "Начало",
    "reason": "Причина",
    "school": "Школа",
    "name": "Название",
    "short_name": "Краткое название",
    "full_name": "ФИО",
    "comment": "Комментарий",
    "file": "Файл",
    "scan": "Скан",
}


class BadText(Exception):
    """A value carries a character that is never stored; ``where`` says which, in Russian."""

    def __init__(self, where: str, code: str) -> None:
        super().__init__(where, code)
        self.where = where
        self.code = code

    @property
    def message(self) -> str:
        return render_message("form.bad_character", place=self.where, character=self.code)


def _label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return render_message("form.field", label=label) if label else render_message("form.some_field")


def check_form(form: FormData) -> None:
    """Raise BadText when a field name, value or file name carries a control character."""
    for name, value in form.multi_items():
        code = bad_character(name)
        if code is not None:
            raise BadText(render_message("form.some_field"), code)
        if isinstance(value, UploadFile):
            code = bad_character(value.filename or "")
            if code is not None:
                raise BadText(render_message("form.file_name"), code)
            continue
        code = bad_character(value, multiline=name not in SINGLE_LINE)
        if code is not None:
            raise BadText(_label(name), code)


def check_address(scope: Scope) -> None:
    """Raise BadText when the path or the query string carries a control character."""
    code = bad_character(scope.get("path", ""))
    if code is not None:
        raise BadText(render_message("form.address"), code)
    query = scope.get("query_string", b"")
    if query:
        for name, value in parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True):
            code = bad_character(name) or bad_character(value)
            if code is not None:
                raise BadText(render_message("form.address"), code)


class RefuseBadAddress:
    """ASGI middleware: check_address before routing, so that no view (nor a 404) sees the value."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                check_address(scope)
            except BadText as error:
                from web.pages import error_page

                response = error_page(
                    Request(scope, receive),
                    400,
                    render_message("page.title.bad_character"),
                    error.message,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
