"""Signed scans uploaded as evidence: type and size checks, storage under documents_dir."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from common.errors import NastavnikError

MAX_UPLOAD = 10 * 1024 * 1024
# (content type, extensions, magic bytes at the start of the file)
ALLOWED = (
    ("application/pdf", (".pdf",), b"%PDF-"),
    ("image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
    ("image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
)


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file that passed the checks."""

    file_name: str
    content_type: str
    data: bytes
    sha256: str


def _clean_name(name: str) -> str:
    name = Path(name.replace("\\", "/")).name
    name = re.sub(r"[^\w.\- ]+", "_", name, flags=re.UNICODE).strip(" .") or "scan"
    return name[:120]


def check_upload(*, file_name: str, data: bytes) -> CheckedFile:
    """Accept a PDF, JPEG or PNG of at most 10 MB; the content must match the extension."""
    if not data:
        raise NastavnikError(code="upload.empty", where="scan")
    if len(data) > MAX_UPLOAD:
        raise NastavnikError(
            code="upload.too_big",
            where="scan",
            size=f"{len(data) / 1024 / 1024:.1f}".replace(".", ","),
        )
    suffix = Path(file_name).suffix.lower()
    for content_type, extensions, magic in ALLOWED:
        if suffix in extensions:
            if not data.startswith(magic):
                raise NastavnikError(
                    code="upload.not_like", where="scan", format=suffix[1:].upper()
                )
            return CheckedFile(
                file_name=_clean_name(file_name),
                content_type=content_type,
                data=data,
                sha256=hashlib.sha256(data).hexdigest(),
            )
    raise NastavnikError(code="upload.kind", where="scan")


def store_upload(
    *, documents_dir: Path, school_id: str | None, instance_id: int, checked: CheckedFile
) -> str:
    """Write the file under documents_dir/uploads/…; returns its path relative to documents_dir."""
    suffix = Path(checked.file_name).suffix.lower()
    relative = (
        Path("uploads")
        / (school_id or "municipality")
        / str(instance_id)
        / f"{secrets.token_hex(8)}{suffix}"
    )
    target = documents_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(checked.data)
    return relative.as_posix()


def resolve_stored(*, documents_dir: Path, stored_path: str) -> Path:
    """The absolute path of a stored file, refusing anything outside documents_dir."""
    root = documents_dir.resolve()
    path = (root / stored_path).resolve()
    if root not in path.parents:
        raise NastavnikError(code="upload.bad_path", where="file")
    return path
