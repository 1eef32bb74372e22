"""QR codes (segno) as SVG text for Typst and HTML, or PNG bytes for DOCX."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str, *, scale: int = 4, border: int = 2) -> str:
    """An SVG document of ``text`` (error correction M; raises ValueError for data too long for a QR code)."""
    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, border=border, xmldecl=False, svgns=True)
    return out.getvalue().decode("ascii")


def qr_png(text: str, *, scale: int = 6, border: int = 2) -> bytes:
    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=border)
    return out.getvalue()
