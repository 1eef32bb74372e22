"""The coverage map's data: each commune of the province with its annual demand (capability coverage, by commune)
and how much of it is covered, and the province's service providers placed at their commune.

The database holds no coordinates of communes (geo.Commune has a code, a name and a province, nothing more; the
reference list of 2025 communes has none either), so the map is a SCHEMATIC: the communes are cells of a grid in
the order of their codes, not their places on the ground — the page says so. Circles: area proportional to the
commune's annual demand; markers: providers. No tile server is used (there is nothing geographic to lay tiles
under), so the map works offline."""

from __future__ import annotations

import math
from decimal import Decimal

from doluong.geo.models import Commune
from doluong.parties.choices import OrganisationKind
from doluong.parties.models import Organisation


def grid(n: int) -> int:
    """Columns of the grid for `n` cells (a square, or as close as a whole number allows)."""
    return max(1, math.ceil(math.sqrt(n)))


def points(province_id: str, capability: dict) -> dict:
    demand = {row["key"]: row for row in capability.get("by_commune", [])}
    communes = list(
        Commune.objects.filter(province_id=province_id).order_by("code").values_list("code", "name")
    )
    columns = grid(len(communes))
    cells = {}
    rows = []
    for index, (code, name) in enumerate(communes):
        x, y = index % columns, index // columns
        cells[code] = (x, y)
        line = demand.get(code)
        rows.append(
            {
                "code": code,
                "name": name,
                "x": x,
                "y": y,
                "demand": float(Decimal(line["demand"])) if line else 0.0,
                "covered": float(Decimal(line["covered"])) if line else 0.0,
                "percent": line["percent"] if line else None,
            }
        )
    providers = []
    for org in (
        Organisation.objects.filter(
            province_id=province_id, kind__in=OrganisationKind.providers(), is_active=True
        )
        .order_by("name")
        .values("pk", "name", "commune_id")
    ):
        cell = cells.get(org["commune_id"])
        providers.append(
            {
                "name": org["name"],
                "commune": org["commune_id"] or "",
                "x": cell[0] if cell else None,
                "y": cell[1] if cell else None,
            }
        )
    peak = max((r["demand"] for r in rows), default=0.0)
    return {
        "columns": columns,
        "rows": math.ceil(len(communes) / columns) if communes else 0,
        "communes": rows,
        "providers": providers,
        "peak": peak,
        "unplaced": [p["name"] for p in providers if p["x"] is None],
    }
