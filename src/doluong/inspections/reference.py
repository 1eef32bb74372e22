"""The inspections app's reference data (data/limit_rules.csv, data/sanctions.csv, data/risk_weights.csv: copied from the project's legal
reference notes, each row with its source and confidence), loaded by `doluong manage load_reference`. Idempotent:
rows are matched by code and updated in place; an administrator may edit or close (effective_to) a row later."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from importlib import resources

from .models import LimitRule, RiskWeights, SanctionProvision


def _rows(name: str):
    with (
        resources.files("doluong.inspections").joinpath("data", name).open(encoding="utf-8", newline="") as fh
    ):
        yield from csv.DictReader(fh)


def _date(value: str):
    return dt.date.fromisoformat(value) if value else None


def _int(value: str):
    return int(value) if value else None


def load(stdout=None) -> str:
    n_rules = n_sanctions = 0
    for r in _rows("limit_rules.csv"):
        LimitRule.objects.update_or_create(
            code=r["code"],
            defaults=dict(
                instrument_kind=r["instrument_kind"],
                description=r["description"],
                factor=Decimal(r["factor"]),
                effective_from=_date(r["effective_from"]),
                effective_to=_date(r["effective_to"]),
                legal_basis=r["legal_basis"],
                article=r["article"],
                source_url=r["source_url"],
                confidence=r["confidence"],
            ),
        )
        n_rules += 1
    for r in _rows("sanctions.csv"):
        SanctionProvision.objects.update_or_create(
            code=r["code"],
            defaults=dict(
                behaviour=r["behaviour"],
                article=r["article"][:150],
                fine_min=_int(r["fine_min"]),
                fine_max=_int(r["fine_max"]),
                subject_note=r["subject_note"][:300],
                remedy=r["remedy"][:500],
                legal_basis=r["legal_basis"][:300],
                source_url=r["source_url"],
                confidence=r["confidence"],
                effective_from=_date(r["effective_from"]),
            ),
        )
        n_sanctions += 1
    n_weights = 0
    for r in _rows("risk_weights.csv"):
        RiskWeights.objects.update_or_create(
            code=r["code"],
            defaults=dict(
                valid_from=_date(r["valid_from"]),
                violation=Decimal(r["violation"]),
                certificate=Decimal(r["certificate"]),
                complaint=Decimal(r["complaint"]),
                instrument=Decimal(r["instrument"]),
                year_since_visit=Decimal(r["year_since_visit"]),
                days_cap=int(r["days_cap"]),
                source=r["source"],
            ),
        )
        n_weights += 1
    return f"inspections: {n_rules} limit rules, {n_sanctions} sanction provisions, {n_weights} risk weight versions"
