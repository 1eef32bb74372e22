"""Load the reference data shipped with doluong: provinces, communes, old→new aliases, the Group 2 catalogue.

Idempotent: rows already present are updated in place, new rows are added. The Group 2 catalogue keeps what an
administrator edited and may drop rule versions it wrote earlier that its files no longer hold
(`doluong.registry.catalogue`, docs/catalogue.md).
"""

from __future__ import annotations

import csv
import datetime as dt
from importlib import resources

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from doluong.core.models import prepare_for_bulk
from doluong.geo.models import Commune, CommuneAlias, Province, ProvinceAlias
from doluong.metrology import mpe
from doluong.registry import catalogue
from doluong.registry.models import InstrumentType

EFFECTIVE_2025 = dt.date(2025, 7, 1)


def _rows(package: str, name: str):
    with resources.files(package).joinpath("data", name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _date(value: str):
    return dt.date.fromisoformat(value) if value else None


def _upsert(model, objects, unique_fields, update_fields):
    prepare_for_bulk(objects)
    model.objects.bulk_create(
        objects,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=unique_fields,
        update_fields=update_fields,
    )


class Command(BaseCommand):
    help = "Load provinces, communes, aliases and the Group 2 catalogue from the data files shipped with doluong."

    @transaction.atomic
    def handle(self, *args, **options):
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
        _upsert(
            Province,
            provinces,
            ["code"],
            ["name", "type", "merged_from", "effective_from", "legal_basis", "search_text"],
        )
        by_code = {p.code: p for p in provinces}
        _upsert(
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
        _upsert(
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
        _upsert(
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

        try:
            catalogue_summary = catalogue.load()
        except (catalogue.CatalogueError, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        # Which table of the metrology library gives a type's MPE: filled where empty, never over an
        # administrator's choice.
        known = set(mpe.instrument_types())
        for r in _rows("doluong.registry", "mpe_rules.csv"):
            if r["mpe_rule"] not in known:
                raise CommandError(f"mpe_rules.csv: {r['code']}: unknown MPE rule {r['mpe_rule']!r}")
            InstrumentType.objects.filter(code=r["code"], mpe_rule="").update(mpe_rule=r["mpe_rule"])
        self.stdout.write(
            f"reference data: {Province.objects.count()} provinces, {Commune.objects.count()} communes, "
            f"{ProvinceAlias.objects.count()} old provinces, {CommuneAlias.objects.count()} old communes, "
            f"{InstrumentType.objects.count()} instrument types"
        )
        self.stdout.write(str(catalogue_summary))
