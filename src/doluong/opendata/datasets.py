"""The open datasets. Each one declares its columns explicitly (name, title, type) and a reader that yields one
dict per row; `publish` keeps exactly the declared columns and refuses a row with any other key, so a column that
is not declared (a person's name, a phone number, an e-mail address) can never be published by accident.

What is published: public registers (providers, their registration and scope lines; the Group 2 catalogue) and
aggregates (verifier counts by field; instrument counts and due shares by commune and type; inspection checks
by verdict; coverage by province). No person is named anywhere: verifiers and inspectors are counted, never
listed; organisations' addresses, phones and e-mails are not columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

TEXT, INTEGER, DECIMAL, DATE, CODE = "string", "integer", "decimal", "date", "code"

#: days ahead in which an instrument counts as "due soon"
DUE_SOON_DAYS = 90


@dataclass(frozen=True)
class Column:
    name: str
    title: object  # a lazy translation
    type: str = TEXT
    description: object = ""


@dataclass(frozen=True)
class Dataset:
    key: str
    title: object
    description: object
    columns: tuple[Column, ...]
    rows: Callable[[dt.date], Iterable[dict]]
    keywords: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _share(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(100) * part / whole).quantize(Decimal("0.1"), ROUND_HALF_UP))


# ------------------------------------------------------------------------------------------------ readers


def _providers(day: dt.date):
    from doluong.parties.choices import OrganisationKind
    from doluong.parties.models import RegistrationScope

    lines = (
        RegistrationScope.objects.filter(
            registration__organisation__kind__in=OrganisationKind.providers(),
            registration__organisation__is_active=True,
        )
        .select_related("registration__organisation", "instrument_type")
        .order_by("registration__organisation__province_id", "registration__organisation__name", "pk")
    )
    for line in lines.iterator(chunk_size=2000):
        reg, org, type_ = line.registration, line.registration.organisation, line.instrument_type
        valid = reg.issued_on <= day and (reg.valid_until is None or reg.valid_until >= day)
        yield {
            "province_code": org.province_id,
            "commune_code": org.commune_id or "",
            "provider": org.name,
            "tax_code": org.tax_code or "",
            "registration_number": reg.certificate_number,
            "registration_issued_on": reg.issued_on,
            "registration_valid_until": reg.valid_until,
            "registration_valid": valid,
            "activity": line.activity,
            "instrument_type_code": type_.code if type_ else "",
            "instrument_type": type_.name if type_ else line.quantity,
            "range": line.range_text,
            "accuracy": line.accuracy,
        }


def _verifiers(day: dt.date):
    from doluong.parties.models import Verifier

    rows = (
        Verifier.objects.filter(is_active=True, valid_until__gte=day, issued_on__lte=day)
        .values("organisation__province_id", "instrument_types__field")
        .annotate(n=Count("pk", distinct=True))
        .order_by("organisation__province_id", "instrument_types__field")
    )
    for row in rows:
        yield {
            "province_code": row["organisation__province_id"],
            "field": row["instrument_types__field"] or "",
            "verifiers": row["n"],
        }


def _catalogue(day: dt.date):
    from doluong.registry.models import InstrumentType

    for type_ in InstrumentType.objects.order_by("list_order", "code").prefetch_related("rules"):
        rule = type_.rule_on(day)
        yield {
            "code": type_.code,
            "name": type_.name,
            "name_en": type_.name_en,
            "field": type_.field,
            "in_catalogue": bool(rule and rule.in_catalogue),
            "type_approval": bool(rule and rule.type_approval),
            "initial_verification": bool(rule and rule.initial_verification),
            "periodic_verification": bool(rule and rule.periodic_verification),
            "after_repair_verification": bool(rule and rule.after_repair_verification),
            "cycle_status": rule.cycle_status if rule else "",
            "cycle_months": rule.cycle_months if rule else None,
            "legal_basis": rule.legal_basis if rule else "",
            "effective_from": rule.effective_from if rule else None,
        }


def _instruments(day: dt.date):
    from doluong.registry.choices import InstrumentStatus
    from doluong.registry.models import Instrument

    soon = day + dt.timedelta(days=DUE_SOON_DAYS)
    rows = (
        Instrument.objects.filter(status=InstrumentStatus.IN_USE)
        .values("province_id", "commune_id", "instrument_type__code", "instrument_type__name")
        .annotate(
            n=Count("pk"),
            dated=Count("pk", filter=Q(next_due__isnull=False)),
            overdue=Count("pk", filter=Q(next_due__lt=day)),
            due=Count("pk", filter=Q(next_due__gte=day, next_due__lte=soon)),
        )
        .order_by("province_id", "commune_id", "instrument_type__code")
    )
    for row in rows:
        yield {
            "province_code": row["province_id"],
            "commune_code": row["commune_id"] or "",
            "instrument_type_code": row["instrument_type__code"],
            "instrument_type": row["instrument_type__name"],
            "instruments": row["n"],
            "with_due_date": row["dated"],
            "overdue": row["overdue"],
            "overdue_share": _share(row["overdue"], row["dated"]),
            "due_90_days": row["due"],
            "due_90_days_share": _share(row["due"], row["dated"]),
        }


def _inspections(day: dt.date):
    from doluong.inspections.models import InstrumentCheck

    rows = (
        InstrumentCheck.objects.filter(inspection__date__lte=day)
        .values("inspection__campaign__province_id", "inspection__campaign__year", "kind", "verdict")
        .annotate(n=Count("pk"), sites=Count("inspection__site", distinct=True))
        .order_by("inspection__campaign__province_id", "inspection__campaign__year", "kind", "verdict")
    )
    for row in rows:
        yield {
            "province_code": row["inspection__campaign__province_id"],
            "year": row["inspection__campaign__year"],
            "instrument_kind": row["kind"],
            "verdict": row["verdict"],
            "checks": row["n"],
            "sites": row["sites"],
        }


def _coverage(day: dt.date):
    from doluong.coverage import data
    from doluong.geo.models import Province
    from doluong.parties.models import Organisation

    for province in Province.objects.filter(
        pk__in=Organisation.objects.values("province_id").distinct()
    ).order_by("code"):
        figures = data.current(province.pk, day)
        cap, real, version = figures["capability"], figures["realised"], figures["version"]
        yield {
            "province_code": province.pk,
            "data_date": day,
            "formula_version": version.version if version else None,
            "capability_demand": cap["demand"],
            "capability_covered": cap["covered"],
            "capability_percent": cap["percent"],
            "realised_all": real["demand"],
            "realised_local": real["covered"],
            "realised_percent": real["percent"],
        }


# ----------------------------------------------------------------------------------------------- datasets

PROVINCE = Column("province_code", _("province code"), CODE, _("2025 province code (geo master data)"))
COMMUNE = Column(
    "commune_code", _("commune code"), CODE, _("2025 commune code (geo master data); empty if none")
)
TYPE_CODE = Column(
    "instrument_type_code", _("instrument type code"), CODE, _("order number in the Group 2 list")
)
TYPE_NAME = Column("instrument_type", _("instrument type"), TEXT)

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "providers",
        _("Service providers and their registered scopes"),
        _("One row per registered scope line of each active verification, calibration or testing provider."),
        (
            PROVINCE,
            COMMUNE,
            Column("provider", _("provider"), TEXT, _("the organisation's registered name")),
            Column("tax_code", _("tax code"), CODE, _("enterprise or tax code (10 digits, or 10-3)")),
            Column("registration_number", _("registration certificate number"), TEXT),
            Column("registration_issued_on", _("issued on"), DATE),
            Column("registration_valid_until", _("valid until"), DATE, _("empty: no end date")),
            Column("registration_valid", _("valid on the release date"), "boolean"),
            Column("activity", _("activity"), CODE, _("verification, calibration or testing")),
            TYPE_CODE,
            TYPE_NAME,
            Column("range", _("range"), TEXT),
            Column("accuracy", _("accuracy"), TEXT),
        ),
        _providers,
        ("đo lường", "kiểm định", "hiệu chuẩn", "thử nghiệm"),
    ),
    Dataset(
        "verifiers-by-field",
        _("Verifiers by field"),
        _(
            "Number of verifiers with a valid card, by province of their organisation and field of the instrument "
            "types on their card (a verifier with types in two fields counts in both). No verifier is named."
        ),
        (
            PROVINCE,
            Column("field", _("field"), CODE),
            Column("verifiers", _("verifiers"), INTEGER),
        ),
        _verifiers,
        ("kiểm định viên",),
    ),
    Dataset(
        "group2-catalogue",
        _("Group 2 measuring instruments catalogue"),
        _(
            "The Group 2 instrument types with the control measures and verification cycle in force on the date."
        ),
        (
            Column("code", _("code"), CODE, _("order number in the list")),
            Column("name", _("name"), TEXT),
            Column("name_en", _("English name"), TEXT),
            Column("field", _("field"), CODE),
            Column("in_catalogue", _("in the catalogue"), "boolean"),
            Column("type_approval", _("type approval"), "boolean"),
            Column("initial_verification", _("initial verification"), "boolean"),
            Column("periodic_verification", _("periodic verification"), "boolean"),
            Column("after_repair_verification", _("verification after repair"), "boolean"),
            Column("cycle_status", _("cycle status"), CODE),
            Column("cycle_months", _("verification cycle (months)"), INTEGER),
            Column("legal_basis", _("legal basis"), TEXT),
            Column("effective_from", _("effective from"), DATE),
        ),
        _catalogue,
        ("nhóm 2", "chu kỳ kiểm định"),
    ),
    Dataset(
        "instruments-by-commune",
        _("Instruments in use by commune and type, with due shares"),
        _(
            "Counts of the instruments in use by commune and type; overdue = next verification before the release "
            "date; due = within 90 days; shares are of the instruments with a due date (%)."
        ),
        (
            PROVINCE,
            COMMUNE,
            TYPE_CODE,
            TYPE_NAME,
            Column("instruments", _("instruments in use"), INTEGER),
            Column("with_due_date", _("with a due date"), INTEGER),
            Column("overdue", _("overdue"), INTEGER),
            Column("overdue_share", _("overdue share (%)"), DECIMAL),
            Column("due_90_days", _("due within 90 days"), INTEGER),
            Column("due_90_days_share", _("due within 90 days share (%)"), DECIMAL),
        ),
        _instruments,
        ("phương tiện đo", "hạn kiểm định"),
    ),
    Dataset(
        "inspection-checks",
        _("Inspection checks by verdict"),
        _(
            "Instruments checked in state inspections, by province and year of the campaign, instrument kind and "
            "verdict, with the number of sites. No site, operator or inspector is named."
        ),
        (
            PROVINCE,
            Column("year", _("year"), INTEGER),
            Column("instrument_kind", _("instrument kind"), CODE),
            Column("verdict", _("verdict"), CODE),
            Column("checks", _("checks"), INTEGER),
            Column("sites", _("sites"), INTEGER),
        ),
        _inspections,
        ("thanh tra", "kiểm tra"),
    ),
    Dataset(
        "coverage",
        _("Coverage of the verification demand by province"),
        _(
            "Capability coverage (verifications a year the province's providers can serve ÷ the demand) and realised "
            "coverage (certificates issued by the province's providers ÷ all), under the formula version in force."
        ),
        (
            PROVINCE,
            Column("data_date", _("data date"), DATE),
            Column("formula_version", _("formula version"), INTEGER),
            Column("capability_demand", _("demand (verifications a year)"), DECIMAL),
            Column("capability_covered", _("covered (verifications a year)"), DECIMAL),
            Column("capability_percent", _("capability coverage (%)"), DECIMAL),
            Column("realised_all", _("certificates, all providers"), DECIMAL),
            Column("realised_local", _("certificates, the province's providers"), DECIMAL),
            Column("realised_percent", _("realised coverage (%)"), DECIMAL),
        ),
        _coverage,
        ("độ bao phủ",),
    ),
)

BY_KEY = {d.key: d for d in DATASETS}
