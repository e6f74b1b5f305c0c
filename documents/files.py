"""Where the built-in templates live, and byte-stable zip files (DOCX and XLSX are zips)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from docx.document import Document as DocumentObject
from docx.opc.pkgwriter import PackageWriter

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip (docx, xlsx) with fixed entry timestamps: the bytes depend on content only."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, source.read(info.filename), compresslevel=6)
    return out.getvalue()


class _StableZipWriter:
    """python-docx's physical-package writer interface, with fixed entry timestamps."""

    def __init__(self, target: io.BytesIO) -> None:
        # Level 1: the parts are small XML; higher levels cost time and save little.
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)

    def write(self, pack_uri: Any, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=(1980, 1, 1, 0, 0, 0))
        # a picture is compressed already: deflating it again costs time and saves nothing
        info.compress_type = (
            zipfile.ZIP_STORED
            if pack_uri.membername.endswith((".png", ".jpeg", ".jpg"))
            else zipfile.ZIP_DEFLATED
        )
        info.external_attr = 0o600 << 16
        self._zip.writestr(info, blob)

    def close(self) -> None:
        self._zip.close()


def docx_package_bytes(document: DocumentObject) -> bytes:
    """A python-docx document as byte-stable .docx bytes, written once (no re-zip).

    Mirrors ``OpcPackage.save`` but hands python-docx's ``PackageWriter`` steps a zip writer
    with fixed timestamps; saving and then normalising would compress every part twice.
    """
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    target = io.BytesIO()
    writer = _StableZipWriter(target)
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)  # type: ignore[arg-type]
    writer.close()
    return target.getvalue()
