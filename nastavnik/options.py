"""The command line's options for the inputs an error can be about (``NastavnikError.field``)."""

from __future__ import annotations

from common.errors import NastavnikError

OPTIONS = {
    "at": "--at",
    "clear": "--clear",
    "mentor_category": "--mentor",
    "coordinator": "--coordinator",
    "due": "--due",
    "head": "--head",
    "municipality": "--municipality",
    "occurrence": "--occurrence",
    "reason": "--reason",
    "role": "--role",
    "roadmap": "--roadmap",
    "school": "--school",
    "schools": "--schools",
    "start": "--start",
    "timezone": "--tz",
    "step": "--step",
    "out": "--out",
    "password": "--password",
}


def error_text(error: NastavnikError | str) -> str:
    """An error as the command line prints it: its place, or the option it is about, first."""
    if isinstance(error, NastavnikError) and error.where is None and error.field in OPTIONS:
        return f"{OPTIONS[error.field]}: {error.reason}"
    return str(error)
