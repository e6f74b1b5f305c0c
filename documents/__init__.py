"""Documents from templates: orders, the Положение, the roadmap, the справка, protocols, registers.

Public API: ``list_templates()``, ``render_document(template_id=, data=, out=, templates_dir=)``,
``read_pairs_csv(path=)``; the data each template needs is documented in ``documents.context``.
"""

from documents.pairs_csv import read_pairs_csv
from documents.render import RenderedDocument, render_document
from documents.templates import get_template, list_templates

__all__ = [
    "RenderedDocument",
    "get_template",
    "list_templates",
    "read_pairs_csv",
    "render_document",
]
