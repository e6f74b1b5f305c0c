"""The portal's side of user messages: an error's Russian text on a page, at its form field.

The text itself comes from the catalogue (common/messages.py), the same the command line prints;
the portal only starts it with a capital letter, ends the sentence, and leaves out the place the
command line shows (a page marks the form field instead).
"""

from __future__ import annotations

from common.errors import NastavnikError

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


def russian_reason(error: NastavnikError) -> str:
    """The error's text as a sentence for a page (without the command line's ``where``)."""
    reason = error.reason.strip()
    if not reason:
        return reason
    reason = reason[:1].upper() + reason[1:]
    return reason if reason.endswith((".", "!", "?")) or "\n" in reason else reason + "."


def form_field(error: NastavnikError) -> str:
    """The form field an error belongs to (``form`` when it is about the whole form)."""
    if error.field is not None:
        return _FORM_FIELDS.get(error.field, "form")
    if error.where in _PORTAL_PLACES:
        return error.where
    return "form"
