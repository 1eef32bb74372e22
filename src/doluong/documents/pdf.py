"""PDF through Typst: a template in the repository plus a JSON-able dict → PDF bytes.

The template reads its data with ``#let data = json(bytes(sys.inputs.data))`` and may import the shared
Vietnamese administrative layout with ``#import "/documents/typst/vn.typ": *``: the Typst root is the
``doluong`` package folder, so a template sees the project's own files and nothing outside them. Fonts come only from ``fonts/`` (Liberation Serif, metric-compatible with Times New
Roman, full Vietnamese coverage; Typst's own embedded fonts as fallback): system fonts are ignored so that a
certificate looks the same on every machine.

One `typst.Compiler` is kept per template file (fonts are parsed once; a page then takes milliseconds), behind a
lock because a compiler is not meant to be shared between threads.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import threading
from pathlib import Path
from typing import Any

import typst

FONTS = Path(__file__).resolve().parent / "fonts"
ROOT = Path(__file__).resolve().parent.parent

_compilers: dict[Path, tuple[typst.Compiler, threading.Lock]] = {}
_guard = threading.Lock()


class RenderError(Exception):
    """A template failed to compile (a bug in the template or data it does not expect)."""


def _default(value: Any):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, Path):
        return str(value)
    # lazy translation strings and other str-like objects
    return str(value)


def to_json(data: dict) -> str:
    """The JSON the template receives (dates as ISO strings, decimals as strings, lazy text resolved)."""
    return json.dumps(data, default=_default, ensure_ascii=False)


def _compiler(template: Path) -> tuple[typst.Compiler, threading.Lock]:
    with _guard:
        entry = _compilers.get(template)
        if entry is None:
            compiler = typst.Compiler(
                str(template),
                root=str(ROOT),
                font_paths=[str(FONTS)],
                ignore_system_fonts=True,
            )
            entry = (compiler, threading.Lock())
            _compilers[template] = entry
        return entry


def render_pdf(template: str | Path, data: dict, *, format: str = "pdf", ppi: float | None = None) -> bytes:
    """Compile ``template`` (a .typ file path) with ``data`` as ``sys.inputs.data``; returns PDF bytes (or PNG
    bytes of the first page with ``format="png"``, for previews and tests).

    ``template`` must lie inside the ``doluong`` package (the Typst root).
    """
    path = Path(template).resolve()
    if not path.is_file() or ROOT not in path.parents:
        raise RenderError(f"Typst template not found in the project: {path}")
    compiler, lock = _compiler(path)
    with lock:
        try:
            result = compiler.compile(
                format=format, ppi=ppi, sys_inputs={"data": to_json(data)}, timestamp=None
            )
        except Exception as exc:  # typst raises its own TypstError with the template's line
            raise RenderError(str(exc)) from exc
    if isinstance(result, list):  # png of a multi-page document: first page
        result = result[0]
    return result
