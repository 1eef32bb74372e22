"""The province's support to the programmes, summed up per year (issue 14, items 7 and 8): what a plan target
such as Sơn La's "hướng dẫn, tư vấn cho ít nhất 30 doanh nghiệp, hợp tác xã, tổ chức, cá nhân" counts, read
from the support activities the user may view (and the `programs.MapEngagement` rows not migrated yet, as the
targets' calculators in `assurance.progress` count them).

Per year (by the activity's date), newest first, and over all the years shown:

* lượt — support activities (one row is one lượt doanh nghiệp);
* organisations guided or advised — distinct beneficiaries other than service providers (enterprises,
  co-operatives, other organisations), whatever the kind of support (the plans count guidance through
  verification, calibration, testing and method development as well as consultancy);
* of them through consultancy on the programme — distinct beneficiaries of a consultancy activity;
* providers supported — distinct verification, calibration and testing service providers;
* consultant hours — the sum of the hours entered.

The total row counts each organisation once over all the years (not the sum of the years)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from doluong.parties.choices import OrganisationKind

from .choices import FROM_MAP_KIND, SupportKind


@dataclass
class Row:
    year: int | None
    activities: int = 0
    organisations: set = field(default_factory=set)
    advised: set = field(default_factory=set)
    providers: set = field(default_factory=set)
    hours: Decimal = Decimal(0)

    def add(self, beneficiary_id, is_provider: bool, kind: str, hours) -> None:
        self.activities += 1
        if is_provider:
            self.providers.add(beneficiary_id)
        else:
            self.organisations.add(beneficiary_id)
            if kind == SupportKind.CONSULTANCY:
                self.advised.add(beneficiary_id)
        self.hours += hours or 0


def yearly(rows, legacy=None) -> tuple[list[Row], Row]:
    """(one Row per year, newest first; the total Row) of the support activities `rows` and the
    `programs.MapEngagement` rows `legacy` not migrated yet (querysets), as the plan targets count them."""
    providers = set(OrganisationKind.providers())
    years: dict[int, Row] = {}
    total = Row(None)
    found = list(rows.values_list("date", "beneficiary_id", "kind", "beneficiary__kind", "hours"))
    if legacy is not None:
        for day, beneficiary_id, kind, beneficiary_kind in legacy.filter(
            support_activity__isnull=True
        ).values_list("date", "beneficiary_id", "kind", "beneficiary__kind"):
            kind = FROM_MAP_KIND.get(kind, SupportKind.CALIBRATION_SUPPORT)
            found.append((day, beneficiary_id, kind, beneficiary_kind, None))
    for day, beneficiary_id, kind, beneficiary_kind, hours in found:
        is_provider = beneficiary_kind in providers
        years.setdefault(day.year, Row(day.year)).add(beneficiary_id, is_provider, kind, hours)
        total.add(beneficiary_id, is_provider, kind, hours)
    return [years[y] for y in sorted(years, reverse=True)], total
