"""DOCX from a Word template with docxtpl (Jinja2 placeholders: ``{{ field }}``, ``{%tr for row in rows %}``).

A provider or the Department uploads its own template, so a template is user input: it is rendered only in
the sandbox of :mod:`doluong.documents.sandbox`, with the placeholders its caller documents and nothing else.

* `check_template` reads every text docxtpl will render (the body, headers, footers and footnotes as docxtpl
  prepares them, runs split by Word joined again, and the document properties) and returns the refused tags
  (:class:`~doluong.documents.sandbox.Problem`), so an upload is refused with the offending placeholder named;
* `render_docx` fills a template in a fresh :class:`~doluong.documents.sandbox.TemplateEnvironment`, which
  checks again every text it compiles: a template stored before the check existed raises
  :class:`~doluong.documents.sandbox.TemplateRefused` and is never run. The context is reduced to plain
  values first (:func:`~doluong.documents.sandbox.plain_context`).
* `template_fields` lists the top-level names a template uses.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import IO

from docx import Document
from docx.oxml import parse_xml
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateSyntaxError, meta

from . import sandbox
from .sandbox import Placeholders, Problem, TemplateRefused

__all__ = [
    "TemplateError",
    "TemplateRefused",
    "check_template",
    "render_docx",
    "template_fields",
    "template_sources",
]

Source = str | Path | bytes | IO[bytes]

_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # what docxtpl renders


class TemplateError(Exception):
    """The uploaded file is not a Word template docxtpl can fill (not a .docx, broken Jinja, …)."""


def _bytes(template: Source) -> bytes:
    if isinstance(template, bytes):
        return template
    if isinstance(template, str | Path):
        return Path(template).read_bytes()
    data = template.read()
    if hasattr(template, "seek"):
        template.seek(0)
    return data


def _open(data: bytes) -> DocxTemplate:
    try:
        return DocxTemplate(io.BytesIO(data))
    except Exception as exc:  # not a zip, not a docx
        raise TemplateError(str(exc)) from exc


def template_sources(template: Source) -> list[tuple[str, str]]:
    """(part, Jinja source) of every text docxtpl renders, prepared exactly as docxtpl prepares it."""
    data = _bytes(template)
    tpl = _open(data)
    try:
        doc = Document(io.BytesIO(data))
    except Exception as exc:
        raise TemplateError(str(exc)) from exc
    out = [("body", tpl.patch_xml(tpl.xml_to_string(doc._element.body)))]
    for uri, label in ((tpl.HEADER_URI, "header"), (tpl.FOOTER_URI, "footer")):
        for rel in doc.part.rels.values():
            if rel.reltype == uri and rel.target_part.blob:
                out.append((label, tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob)))))
    for part in doc.part.package.parts:
        if part.content_type == _FOOTNOTES:
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            out.append(("footnotes", tpl.patch_xml(blob)))
    for prop in _PROPERTIES:
        value = getattr(doc.core_properties, prop) or ""
        if value:
            out.append((f"properties.{prop}", value))
    # docxtpl puts each paragraph on its own line before compiling; do the same so line numbers agree
    return [(label, re.sub(r"<w:p([ >])", r"\n<w:p\1", text)) for label, text in out]


def _parse_all(template: Source, allowed: Placeholders):
    env = sandbox.environment(allowed)
    trees = []
    for label, text in template_sources(template):
        try:
            trees.append((label, env.parse(text)))
        except TemplateSyntaxError as exc:
            raise TemplateError(f"{label}: {exc.message}") from exc
    return trees


def check_template(template: Source, allowed: Placeholders) -> list[Problem]:
    """Every tag of the template that ``allowed`` does not permit (``[]`` when it may be rendered).

    Raises:
        TemplateError: not a Word document, or a placeholder with broken Jinja syntax.
    """
    problems: list[Problem] = []
    for _label, tree in _parse_all(template, allowed):
        problems.extend(sandbox.check_tree(tree, allowed))
    return problems


def template_fields(template: Source) -> set[str]:
    """Top-level names the template uses (``certificate``, ``points`` …), loop variables excluded."""
    allowed = Placeholders.of(())
    names: set[str] = set()
    for _label, tree in _parse_all(template, allowed):
        names |= meta.find_undeclared_variables(tree)
    return names


def render_docx(
    template: Source,
    context: dict,
    *,
    allowed: Placeholders,
    images: dict[str, tuple[bytes, float]] | None = None,
) -> bytes:
    """Fill ``template`` with the plain values of ``context`` that ``allowed`` documents; ``images`` maps an
    image name of ``allowed`` to (PNG bytes, width in mm), e.g. the QR code: ``images={"qr": (png, 30)}``
    and ``{{ qr }}`` in the template.

    Raises:
        TemplateRefused: the template uses something outside ``allowed`` (nothing of it was run).
        TemplateError: not a Word template, broken Jinja, or docxtpl could not fill it.
    """
    doc = _open(_bytes(template))
    ctx = sandbox.plain_context(context, allowed)
    for name, (png, width_mm) in (images or {}).items():
        if name in allowed.images:
            ctx[name] = InlineImage(doc, io.BytesIO(png), width=Mm(width_mm))
    env = sandbox.environment(allowed, autoescape=True)
    try:
        doc.render(ctx, jinja_env=env, autoescape=False)  # the environment escapes; docxtpl must not swap it
    except TemplateRefused:
        raise
    except Exception as exc:
        raise TemplateError(str(exc)) from exc
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
