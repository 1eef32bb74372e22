"""The geo app's reference data: provinces, communes and old→new aliases of the 2025 reorganisation (the CSV
files in geo/data), loaded by `doluong manage load_reference` (core.plugins: `<app>/reference.py: load(stdout)`).
Idempotent: rows already present are updated in place, new rows are added."""

from __future__ import annotations

import csv
import datetime as dt
from importlib import resources

from doluong.core.models import prepare_for_bulk

from .models import Commune, CommuneAlias, Province, ProvinceAlias

EFFECTIVE_2025 = dt.date(2025, 7, 1)


def _rows(package: str, name: str):
    with resources.files(package).joinpath("data", name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _date(value: str):
    return dt.date.fromisoformat(value) if value else None


def upsert(model, objects, unique_fields, update_fields):
    """Insert `objects`, or update `update_fields` of the rows already there (by `unique_fields`)."""
    prepare_for_bulk(objects)
    model.objects.bulk_create(
        objects,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=unique_fields,
        update_fields=update_fields,
    )


def load(stdout=None) -> str:
    provinces = [
        Province(
            code=r["code"],
            name=r["name_vi"],
            type=r["type"],
            merged_from=r["merged_from"],
            effective_from=_date(r["effective_from"]),
            legal_basis=r["legal_basis"],
        )
        for r in _rows("doluong.geo", "provinces_2025.csv")
    ]
    upsert(
        Province,
        provinces,
        ["code"],
        ["name", "type", "merged_from", "effective_from", "legal_basis", "search_text"],
    )
    by_code = {p.code: p for p in provinces}
    upsert(
        Commune,
        [
            Commune(
                code=r["code"],
                name=r["name_vi"],
                type=r["type"],
                province=by_code[r["province_code"]],
                effective_from=EFFECTIVE_2025,
            )
            for r in _rows("doluong.geo", "communes_2025.csv")
        ],
        ["code"],
        ["name", "type", "province", "effective_from", "search_text"],
    )
    upsert(
        ProvinceAlias,
        [
            ProvinceAlias(
                old_code=r["old_province_code"],
                old_name=r["old_name_vi"],
                province_id=r["new_province_code"],
                merge_type=r["merge_type"],
            )
            for r in _rows("doluong.geo", "province_aliases_2025.csv")
        ],
        ["old_code", "province"],
        ["old_name", "merge_type", "search_text"],
    )
    upsert(
        CommuneAlias,
        [
            CommuneAlias(
                old_code=r["old_commune_code"],
                old_name=r["old_name_vi"],
                commune_id=r["new_commune_code"],
                merge_type=r["merge_type"],
            )
            for r in _rows("doluong.geo", "commune_aliases_2025.csv")
        ],
        ["old_code", "commune"],
        ["old_name", "merge_type", "search_text"],
    )
    return (
        f"{Province.objects.count()} provinces, {Commune.objects.count()} communes, "
        f"{ProvinceAlias.objects.count()} old provinces, {CommuneAlias.objects.count()} old communes"
    )
