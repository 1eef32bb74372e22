"""Reading the coverage formulas' inputs from the registry (instruments, scopes, capacities, surveys,
certificates), and the figures for a province on a day. The formulas themselves are in `formula` (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django.db.models import Count, Q

from doluong.parties.choices import Activity, OrganisationKind
from doluong.parties.models import RegistrationScope
from doluong.registry.choices import CycleStatus, InstrumentStatus
from doluong.registry.models import Instrument, InstrumentType
from doluong.verification.choices import CertificateStatus, RecordKind
from doluong.verification.models import Certificate

from . import formula

#: the activities whose scope lines meet the periodic verification demand
DEMAND_ACTIVITIES = (Activity.VERIFICATION,)
#: certificates that count as a service in the realised coverage
SERVICE_KINDS = (*sorted(RecordKind.verification_kinds()), RecordKind.CALIBRATION)


def _types(ids) -> dict:
    return {t.pk: t for t in InstrumentType.objects.filter(pk__in=set(ids)).prefetch_related("rules")}


def populations(province_id: str, day: dt.date) -> list[formula.Population]:
    """Instruments in use in the province on `day`, by type and commune, with the cycle in force on `day`
    (a type whose rule has no periodic verification has no periodic demand and is left out), plus the survey
    estimates of `day`'s year."""
    from .models import SurveyEstimate

    rows = list(
        Instrument.objects.filter(
            province_id=province_id, status=InstrumentStatus.IN_USE, created__date__lte=day
        )
        .values("instrument_type_id", "commune_id")
        .annotate(n=Count("pk"))
        .order_by("instrument_type_id", "commune_id")
    )
    surveys = list(SurveyEstimate.objects.filter(province_id=province_id, year=day.year).order_by("pk"))
    types = _types([r["instrument_type_id"] for r in rows] + [s.instrument_type_id for s in surveys])
    out = []

    def cycle(type_):
        rule = type_.rule_on(day)
        if rule is None or rule.cycle_status == CycleStatus.UNKNOWN:
            return None, True
        if rule.cycle_status == CycleStatus.NO_PERIODIC:
            return None, False
        return rule.cycle_months, True

    for row in rows:
        type_ = types[row["instrument_type_id"]]
        months, demanded = cycle(type_)
        if demanded:
            out.append(
                formula.Population(
                    type_.code, type_.name, type_.field, row["commune_id"] or "", row["n"], months
                )
            )
    for survey in surveys:
        type_ = types[survey.instrument_type_id]
        months, demanded = cycle(type_)
        if demanded:
            out.append(
                formula.Population(
                    type_.code,
                    type_.name,
                    type_.field,
                    survey.commune_id or "",
                    survey.count,
                    months,
                    source="survey",
                    uncertainty=survey.uncertainty,
                )
            )
    return out


def scope_lines(province_id: str, day: dt.date):
    """Scope lines for an instrument type of the province's active providers, registration valid on `day`."""
    return (
        RegistrationScope.objects.filter(
            registration__organisation__province_id=province_id,
            registration__organisation__kind__in=OrganisationKind.providers(),
            registration__organisation__is_active=True,
            registration__issued_on__lte=day,
            activity__in=DEMAND_ACTIVITIES,
            instrument_type__isnull=False,
        )
        .filter(Q(registration__valid_until__isnull=True) | Q(registration__valid_until__gte=day))
        .select_related("instrument_type", "registration")
        .order_by("pk")
    )


def capacities(province_id: str, day: dt.date) -> list[formula.Capacity]:
    from .models import ProviderCapacity

    lines = list(scope_lines(province_id, day))
    declared: dict[int, int] = {}
    for cap in ProviderCapacity.objects.filter(
        scope_line_id__in=[x.pk for x in lines], declared_on__lte=day
    ).order_by("scope_line_id", "declared_on"):
        declared[cap.scope_line_id] = cap.annual_capacity  # the latest declaration wins
    return [
        formula.Capacity(str(x.registration.organisation_id), x.instrument_type.code, declared.get(x.pk))
        for x in lines
    ]


def services(province_id: str, start: dt.date, end: dt.date) -> list[formula.Service]:
    """Certificates of verification or calibration of the province's instruments issued in the window (revoked
    ones excluded), whoever issued them; local when the provider is of the province."""
    rows = (
        Certificate.objects.filter(
            instrument__province_id=province_id,
            issued_on__gte=start,
            issued_on__lte=end,
            kind__in=SERVICE_KINDS,
        )
        .exclude(status=CertificateStatus.REVOKED)
        .values(
            "instrument__instrument_type__code",
            "instrument__instrument_type__name",
            "instrument__instrument_type__field",
            "instrument__commune_id",
            "provider__province_id",
        )
        .annotate(n=Count("pk"))
        .order_by("instrument__instrument_type__code", "instrument__commune_id", "provider__province_id")
    )
    return [
        formula.Service(
            r["instrument__instrument_type__code"],
            r["instrument__instrument_type__name"],
            r["instrument__instrument_type__field"],
            r["instrument__commune_id"] or "",
            r["provider__province_id"] == province_id,
            r["n"],
        )
        for r in rows
    ]


def gather(province_id: str, day: dt.date, start: dt.date | None = None) -> dict:
    """The formulas' inputs on `day` (services from `start`, by default 1 January of `day`'s year)."""
    start = start or dt.date(day.year, 1, 1)
    return {
        "populations": [asdict(p) for p in populations(province_id, day)],
        "capacities": [asdict(c) for c in capacities(province_id, day)],
        "services": [asdict(s) for s in services(province_id, start, day)],
        "start": start.isoformat(),
        "day": day.isoformat(),
    }


def compute_frozen(inputs: dict, parameters: dict, added: list[formula.Capacity] = ()) -> dict:
    params = formula.Parameters.from_dict(parameters)
    pops = formula.populations_from(inputs.get("populations", []))
    caps = formula.capacities_from(inputs.get("capacities", []))
    cap = formula.what_if(pops, caps, added, params) if added else formula.capability(pops, caps, params)
    served = formula.services_from(inputs.get("services", []))
    if added:
        served = formula.what_if_realised(served, added)
    real = formula.realised(served, params)
    return {"capability": cap.as_dict(), "realised": real.as_dict()}


def current(province_id: str, day: dt.date, added: list[formula.Capacity] = (), snapshot=None) -> dict:
    """Both coverages of a province on `day` under the formula version in force that day (None if none); from
    the worker's `snapshot` of the province (coverage.snapshot) when one is given, on the snapshot's day (`day`
    in the answer is the day of the data, `as_of` when the snapshot was counted, None when read live)."""
    from .models import FormulaVersion

    if snapshot is not None:
        day, inputs = snapshot.on, snapshot.inputs
    else:
        inputs = gather(province_id, day)
    version = FormulaVersion.in_force(day)
    parameters = version.parameters if version else {}
    out = compute_frozen(inputs, parameters, added)
    out["version"] = version
    out["inputs"] = inputs
    out["day"] = day
    out["as_of"] = snapshot.computed_at if snapshot is not None else None
    return out


def freeze(report) -> None:
    """Fill a new report: its data date, the formula version in force, the inputs and the figures."""
    from .models import FormulaVersion

    day = report.period_end
    version = FormulaVersion.in_force(day)
    report.data_date = day
    report.formula_version = version
    report.parameters = dict(version.parameters)
    report.inputs = gather(report.province_id, day)
    figures = compute_frozen(report.inputs, report.parameters)
    report.figures = figures
    report.capability_percent = figures["capability"]["percent"]
    report.realised_percent = figures["realised"]["percent"]
