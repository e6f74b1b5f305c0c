"""The portal's side of user messages: an error's Russian text on a page, at its form field.

The text itself comes from the catalogue (common/messages.py), the same the command line prints;
the portal only starts it with a capital letter, ends the sentence, and leaves out the place the
command line shows (a page marks the form field instead).
"""

from __future__ import annotations

from common.errors import NastavnikError
from common.messages import render_message

# the portal's form fields, by an error's ``field``; other errors are about the whole form
_FORM_FIELDS = {
    "at": "doc_date",
    "due": "due",
    "reason": "reason",
    "school": "school",
    "start": "start",
}
# the portal's own checks name their form field as ``where``
_PORTAL_PLACES = {"doc_date", "number", "reason", "scan"}


def as_sentence(text: str) -> str:
    """A catalogue text as a sentence on a page: a capital first letter and a final stop."""
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) or "\n" in text else text + "."


def russian_reason(error: NastavnikError) -> str:
    """The error's text as a sentence for a page (without the command line's ``where``)."""
    return as_sentence(error.reason)


def page_message(code: str, **params: object) -> str:
    """A message of the catalogue as a sentence for a page."""
    return as_sentence(render_message(code, **params))


def form_field(error: NastavnikError) -> str:
    """The form field an error belongs to (``form`` when it is about the whole form)."""
    if error.field is not None:
        return _FORM_FIELDS.get(error.field, "form")
    if error.where in _PORTAL_PLACES:
        return error.where
    return "form"
