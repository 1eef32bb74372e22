"""DOCX from a Word template with docxtpl (Jinja2 placeholders: ``{{ field }}``, ``{%tr for row in rows %}``).

A provider or the Department uploads its own template; `render_docx` fills it. `template_fields` lists the
placeholders a template uses, so an upload can be checked against the fields the caller provides before it is
accepted (an unknown placeholder is an error the user sees, not a blank in a certificate).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage


class TemplateError(Exception):
    """The uploaded file is not a Word template docxtpl can fill."""


def _open(template: str | Path | bytes | IO[bytes]) -> DocxTemplate:
    source = io.BytesIO(template) if isinstance(template, bytes) else template
    try:
        return DocxTemplate(source)
    except Exception as exc:  # not a zip, not a docx
        raise TemplateError(str(exc)) from exc


def template_fields(template: str | Path | bytes | IO[bytes]) -> set[str]:
    """Undeclared Jinja variables of the template (top-level names such as ``certificate``, ``points``)."""
    doc = _open(template)
    try:
        return set(doc.get_undeclared_template_variables())
    except Exception as exc:  # Jinja syntax error inside the document
        raise TemplateError(str(exc)) from exc


def render_docx(
    template: str | Path | bytes | IO[bytes],
    context: dict,
    *,
    images: dict[str, tuple[bytes, float]] | None = None,
) -> bytes:
    """Fill ``template`` with ``context``; ``images`` maps a context name to (PNG bytes, width in mm), e.g. the
    QR code: ``images={"qr": (qr_png(url), 30)}`` and ``{{ qr }}`` in the template."""
    doc = _open(template)
    ctx = dict(context)
    for name, (png, width_mm) in (images or {}).items():
        ctx[name] = InlineImage(doc, io.BytesIO(png), width=Mm(width_mm))
    try:
        doc.render(ctx, autoescape=True)
    except Exception as exc:
        raise TemplateError(str(exc)) from exc
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
