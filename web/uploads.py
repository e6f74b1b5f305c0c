"""Signed scans uploaded as evidence: type and size checks, storage under documents_dir."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from common.errors import NastavnikError
from engine.actions import Actor, InstanceRef, journal_entry
from storage.models import StepInstance
from web.models import Upload

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


def attach_scan(
    *,
    session: Session,
    instance: StepInstance | InstanceRef,
    checked: CheckedFile,
    actor: Actor,
    now: datetime,
    documents_dir: Path,
) -> Path:
    """The act "attach a scan to a step": store the checked file, record it and journal it
    (``upload``) in the caller's transaction. Returns the written file, which the caller deletes
    if the transaction fails."""
    assert instance.id is not None  # a stored instance
    relative = store_upload(
        documents_dir=documents_dir,
        school_id=instance.school_id,
        instance_id=instance.id,
        checked=checked,
    )
    written = resolve_stored(documents_dir=documents_dir, stored_path=relative)
    session.add(
        Upload(
            step_instance_id=instance.id,
            school_id=instance.school_id,
            file_name=checked.file_name,
            stored_path=relative,
            content_type=checked.content_type,
            size=len(checked.data),
            sha256=checked.sha256,
            uploaded_by=actor.email,
            uploaded_at=now,
        )
    )
    session.add(
        journal_entry(
            instance=instance,
            actor=actor,
            now=now,
            action="upload",
            details={
                "file": checked.file_name,
                "size": len(checked.data),
                "sha256": checked.sha256,
            },
        )
    )
    return written
