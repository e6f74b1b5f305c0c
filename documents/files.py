"""Where the built-in templates live, and byte-stable zip files (DOCX and XLSX are zips)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

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
