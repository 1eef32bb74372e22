"""The registry's reference data: the Group 2 catalogue (types and dated rule versions, `catalogue.load`) and
which table of the metrology library gives a type's MPE (mpe_rules.csv), loaded by `doluong manage
load_reference`. The catalogue keeps what an administrator edited and may drop rule versions it wrote earlier
that its files no longer hold (docs/catalogue.md)."""

from __future__ import annotations

import csv
from importlib import resources

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from doluong.metrology import mpe

from . import catalogue
from .models import InstrumentType


def _rows(name: str):
    with (
        resources.files("doluong.registry")
        .joinpath("data", name)
        .open(encoding="utf-8", newline="") as handle
    ):
        yield from csv.DictReader(handle)


def load(stdout=None) -> str:
    try:
        catalogue_summary = catalogue.load()
    except (catalogue.CatalogueError, ValidationError) as exc:
        raise CommandError(str(exc)) from exc
    # Which table of the metrology library gives a type's MPE: filled where empty, never over an
    # administrator's choice.
    known = set(mpe.instrument_types())
    for r in _rows("mpe_rules.csv"):
        if r["mpe_rule"] not in known:
            raise CommandError(f"mpe_rules.csv: {r['code']}: unknown MPE rule {r['mpe_rule']!r}")
        InstrumentType.objects.filter(code=r["code"], mpe_rule="").update(mpe_rule=r["mpe_rule"])
    # first line: joined into the command's "reference data: …" line; the next: printed as they are
    return f"{InstrumentType.objects.count()} instrument types\n{catalogue_summary}"
