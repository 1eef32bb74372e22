"""The coverage map: every commune of the province with its annual demand from the capability coverage (the same
figures as the by-commune table), the providers at their commune's cell; vendored Leaflet, no tile server."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.conf import settings

from doluong.core.dates import today
from doluong.coverage import data
from doluong.coverage import map as coverage_map
from doluong.geo.models import Commune
from doluong.parties.choices import OrganisationKind
from doluong.parties.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_grid_is_square_enough():
    assert [coverage_map.grid(n) for n in (0, 1, 2, 4, 5, 102)] == [1, 1, 2, 2, 3, 11]


def test_points_match_the_by_commune_figures_and_place_providers():
    figures = data.current("82", today())
    result = coverage_map.points("82", figures["capability"])
    communes = list(Commune.objects.filter(province_id="82").order_by("code").values_list("code", flat=True))
    assert [c["code"] for c in result["communes"]] == communes
    assert result["columns"] * result["rows"] >= len(communes)
    by_key = {row["key"]: row for row in figures["capability"]["by_commune"]}
    total = sum(Decimal(by_key[c]["demand"]) for c in communes if c in by_key)
    assert sum(Decimal(str(c["demand"])) for c in result["communes"]) == pytest.approx(total)
    assert result["peak"] == max(c["demand"] for c in result["communes"])
    cells = {(c["x"], c["y"]) for c in result["communes"]}
    assert len(cells) == len(communes)  # one cell each
    providers = Organisation.objects.filter(
        province_id="82", kind__in=OrganisationKind.providers(), is_active=True
    )
    assert len(result["providers"]) == providers.count() > 0
    cell_of = {c["code"]: (c["x"], c["y"]) for c in result["communes"]}
    for p in result["providers"]:
        if p["commune"]:
            assert (p["x"], p["y"]) == cell_of[p["commune"]]
        else:
            assert p["x"] is None and p["name"] in result["unplaced"]


def test_the_page_carries_the_map_offline(client):
    page = client.get("/open/coverage/82/")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        'id="coverage-map"' in html
        and "coverage/vendor/leaflet/leaflet.js" in html
        and "coverage/map.js" in html
    )
    assert "Sơ đồ, không theo vị trí địa lý" in html and "≥ 85 %" in html
    found = re.search(r'<script id="coverage-map-data" type="application/json">(.*?)</script>', html, re.S)
    points = json.loads(found.group(1))
    assert len(points["communes"]) == Commune.objects.filter(province_id="82").count()
    static = settings.BASE_DIR / "coverage" / "static" / "coverage"
    script = (static / "map.js").read_text(encoding="utf-8")
    assert "tileLayer" not in script and "http" not in script  # no tile server, nothing fetched
    leaflet = static / "vendor" / "leaflet"
    assert (leaflet / "leaflet.js").exists() and (leaflet / "LICENSE").exists()
    assert "sourceMappingURL" not in (leaflet / "leaflet.js").read_text(encoding="utf-8")
