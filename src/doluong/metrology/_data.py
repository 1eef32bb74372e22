"""Loading of the CSV rule tables shipped in ``doluong/metrology/data`` (private).

Files are read with :mod:`importlib.resources`, so the installed package never looks
outside itself (never at the project reference folder).
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from .errors import DataError

DATA_PACKAGE = "doluong.metrology"


def data_files(prefix: str = "", suffix: str = ".csv") -> list[str]:
    """Names of the data files starting with ``prefix`` (sorted)."""
    root = resources.files(DATA_PACKAGE).joinpath("data")
    return sorted(p.name for p in root.iterdir() if p.name.startswith(prefix) and p.name.endswith(suffix))


@cache
def read_csv(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``data/<name>`` as dicts of stripped strings; comment lines start with ``#``."""
    path = resources.files(DATA_PACKAGE).joinpath("data").joinpath(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(
            f"data file {name!r} is missing from the package", code="data_file_missing", field=name
        ) from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    rows = []
    for i, row in enumerate(reader, start=2):
        if None in row:
            raise DataError(
                f"{name}: row {i} has more cells than the header",
                code="data_row_malformed",
                field=name,
                value=i,
            )
        rows.append({k.strip(): (v or "").strip() for k, v in row.items()})
    return tuple(rows)
