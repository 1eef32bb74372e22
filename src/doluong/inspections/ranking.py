"""The target sites of a campaign, ranked by the risk score (metrology.inspection_risk) with the weights version
in force on the day of the computation.

Candidates, from the registry, in the campaign's commune (or in every commune of its province when the campaign
names no commune): the inspection sites (markets — with their stalls —, petrol stations, shops, packers and
importers; a stall is counted with its market, not ranked alone) and the verification providers
(parties.Organisation of a provider kind) that have a commune.

Inputs of a target, counted on the day `day` (the computation's day):

* past violations: findings of the inspections of the site (and its stalls; for a provider: of the sites it
  operates) dated up to `day`;
* instruments: the registered instruments in use of the site's operators (for a provider: its own) in the site's
  commune; expired or missing certificates: those of them with no validity date or one before `day`;
* complaints: those about one of these instruments, or naming the site in the place of a complaint of its
  commune, received up to `day`;
* days since the last visit: from the latest inspection of the site up to `day` (never visited: the cap).

`generate_targets` is idempotent: each candidate's row is updated in place (matched by site or provider), new
candidates are added and rows of candidates no longer in the registry removed; running it twice gives the same
rows, the same ranks and the same scores.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from doluong.core.dates import today
from doluong.core.text import fold
from doluong.geo.models import Commune
from doluong.metrology import inspection_risk as risk
from doluong.parties.choices import OrganisationKind
from doluong.parties.models import Organisation
from doluong.registry.choices import InstrumentStatus
from doluong.registry.models import Instrument

from .models import (
    Campaign,
    Complaint,
    Finding,
    Inspection,
    RiskWeights,
    Site,
    SiteKind,
    TargetCategory,
    TargetSite,
)

_CATEGORY = {
    SiteKind.MARKET: TargetCategory.MARKET,
    SiteKind.PETROL: TargetCategory.PETROL,
    SiteKind.SHOP: TargetCategory.SHOP,
    SiteKind.PACKER: TargetCategory.PACKER,
}


def area_communes(campaign: Campaign):
    if campaign.commune_id:
        return Commune.objects.filter(pk=campaign.commune_id)
    return Commune.objects.filter(province_id=campaign.province_id)


def target_inputs(*, sites, operator_ids, commune_id, name: str, day: dt.date):
    """The score's inputs of one target (see the module's list) and the date of its last visit."""
    site_ids = [s.pk for s in sites]
    violations = Finding.objects.filter(inspection__site_id__in=site_ids, inspection__date__lte=day).count()
    instruments = Instrument.objects.filter(
        owner_id__in=[o for o in operator_ids if o], commune_id=commune_id, status=InstrumentStatus.IN_USE
    )
    n_instruments = instruments.count()
    bad = instruments.filter(Q(valid_until__isnull=True) | Q(valid_until__lt=day)).count()
    complaints = (
        Complaint.objects.filter(created__date__lte=day)
        .filter(Q(instrument__in=instruments) | Q(commune_id=commune_id, search_text__contains=fold(name)))
        .distinct()
        .count()
    )
    last = Inspection.objects.filter(site_id__in=site_ids, date__lte=day).aggregate(m=Max("date"))["m"]
    inputs = risk.RiskInputs(
        violations=violations,
        bad_certificates=bad,
        complaints=complaints,
        instruments=n_instruments,
        days_since_visit=None if last is None else (day - last).days,
    )
    return inputs, last


def candidates(campaign: Campaign):
    """(key, category, name, commune_id, site, organisation, sites, operator ids) of each candidate target."""
    communes = area_communes(campaign)
    out = []
    sites = (
        Site.objects.filter(commune__in=communes, parent__isnull=True)
        .exclude(kind=SiteKind.STALL)
        .prefetch_related("stalls")
        .order_by("pk")
    )
    for s in sites:
        group = [s, *s.stalls.all()]
        out.append(
            dict(
                category=_CATEGORY.get(s.kind, TargetCategory.SHOP),
                name=s.name,
                commune_id=s.commune_id,
                site=s,
                organisation=None,
                sites=group,
                operator_ids={x.operator_id for x in group},
            )
        )
    providers = Organisation.objects.filter(
        kind__in=OrganisationKind.providers(), commune__in=communes
    ).order_by("pk")
    for org in providers:
        out.append(
            dict(
                category=TargetCategory.PROVIDER,
                name=org.name,
                commune_id=org.commune_id,
                site=None,
                organisation=org,
                sites=list(Site.objects.filter(operator=org)),
                operator_ids={org.pk},
            )
        )
    return out


@transaction.atomic
def generate_targets(campaign: Campaign, day: dt.date | None = None) -> list[TargetSite]:
    """Build (or rebuild, idempotently) the campaign's ranked target sites; returns them in rank order. Refused
    (ValidationError, nothing written) when no weights version is in force on `day`."""
    day = day or today()
    weights_row = RiskWeights.in_force(day)
    if weights_row is None:
        raise ValidationError(
            _("No risk score weights are in force on %(day)s: the targets cannot be ranked.")
            % {"day": day.strftime("%d/%m/%Y")}
        )
    weights = weights_row.as_weights()
    scored = []
    for c in candidates(campaign):
        inputs, last = target_inputs(
            sites=c["sites"],
            operator_ids=c["operator_ids"],
            commune_id=c["commune_id"],
            name=c["name"],
            day=day,
        )
        result = risk.risk_score(inputs, weights)
        scored.append((c, inputs, last, result))
    scored.sort(key=lambda t: (-t[3].score, fold(t[0]["name"]), t[0]["commune_id"]))
    existing = {
        ("s", t.site_id) if t.site_id else ("o", t.organisation_id): t
        for t in TargetSite.objects.filter(campaign=campaign)
    }
    commune_province = dict(
        Commune.objects.filter(pk__in={t[0]["commune_id"] for t in scored}).values_list("pk", "province_id")
    )
    kept = []
    for rank, (c, inputs, last, result) in enumerate(scored, start=1):
        key = ("s", c["site"].pk) if c["site"] is not None else ("o", c["organisation"].pk)
        row = existing.pop(key, None) or TargetSite(campaign=campaign)
        row.category = c["category"]
        row.site = c["site"]
        row.organisation = c["organisation"]
        row.name = c["name"][:300]
        row.commune_id = c["commune_id"]
        row.province_id = commune_province[c["commune_id"]]
        row.rank = rank
        row.score = result.score
        row.violations = inputs.violations
        row.bad_certificates = inputs.bad_certificates
        row.complaints = inputs.complaints
        row.instruments = inputs.instruments
        row.last_visit = last
        row.days_used = result.days_used
        row.reference_day = day
        row.weights = weights_row
        row.save()
        kept.append(row)
    for gone in existing.values():
        gone.delete()
    return kept


def terms(target: TargetSite):
    """The score's terms of a stored target, recomputed from its stored inputs and weights version (the page
    shows them; they add up to the stored score)."""
    inputs = risk.RiskInputs(
        violations=target.violations,
        bad_certificates=target.bad_certificates,
        complaints=target.complaints,
        instruments=target.instruments,
        days_since_visit=None
        if target.last_visit is None
        else (target.reference_day - target.last_visit).days,
    )
    return risk.risk_score(inputs, target.weights.as_weights())
