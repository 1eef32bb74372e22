"""The public list of providers: what anybody may read, without an account, about the organisations designated
or registered for verification, calibration or testing.

This is the ONLY anonymous reading of parties' rows, and it goes through these explicit querysets, never through
`restrict()` (which gives an anonymous user nothing): a provider (`OrganisationKind.providers()`, active) with
at least one designation or registration, and of it only public facts — its name, short name, address, province
and website; the decisions' and certificates' numbers, issuers, dates, instrument types and scope lines. Never
its tax code, phone, e-mail or notes, nor anything about its people (`Person`, `Verifier`, `Membership`).

Territory: a provider's designation or registration applies to the province of the organisation (the province
that issued it) — `territory` below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from doluong.core.text import fold

from .choices import OrganisationKind
from .models import Designation, Organisation, Registration, RegistrationScope

#: the organisation's columns the public list reads (and shows)
ORGANISATION_FIELDS = (
    "id",
    "name",
    "short_name",
    "address",
    "province_id",
    "province__name",
    "website",
    "kind",
)


def designation_in_force(today: dt.date) -> Q:
    return Q(valid_from__lte=today) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def registration_in_force(today: dt.date) -> Q:
    return Q(issued_on__lte=today) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def public_designations(today: dt.date, *, include_expired: bool = False) -> QuerySet[Designation]:
    rows = Designation.objects.filter(
        organisation__kind__in=OrganisationKind.providers(), organisation__is_active=True
    )
    if not include_expired:
        rows = rows.filter(designation_in_force(today))
    return rows.only(
        "id", "organisation_id", "decision_number", "issuer", "issued_on", "valid_from", "valid_until"
    )


def public_registrations(today: dt.date, *, include_expired: bool = False) -> QuerySet[Registration]:
    rows = Registration.objects.filter(
        organisation__kind__in=OrganisationKind.providers(), organisation__is_active=True
    )
    if not include_expired:
        rows = rows.filter(registration_in_force(today))
    return rows.only(
        "id",
        "organisation_id",
        "certificate_number",
        "issuer",
        "issued_on",
        "valid_until",
        "verification",
        "calibration",
        "testing",
    )


@dataclass
class Filters:
    """What the page and the API filter by: folded search text, province code, instrument type id."""

    q: str = ""
    province: str = ""
    instrument_type: int | None = None
    include_expired: bool = False


def public_providers(today: dt.date, filters: Filters | None = None) -> QuerySet[Organisation]:
    """The providers to list, by name, with their public designations and registrations prefetched (in force
    only, unless `include_expired`). Three queries for a page, whatever its length (four with scope lines)."""
    filters = filters or Filters()
    designations = public_designations(today, include_expired=filters.include_expired)
    registrations = public_registrations(today, include_expired=filters.include_expired)
    if filters.instrument_type:
        type_id = filters.instrument_type
        designations = designations.filter(instrument_types=type_id)
        registrations = registrations.filter(scope_lines__instrument_type=type_id)
    key = fold(filters.q)
    rows = Organisation.objects.filter(kind__in=OrganisationKind.providers(), is_active=True)
    if filters.province:
        rows = rows.filter(province_id=filters.province)
    if key:
        rows = rows.filter(
            Q(search_text__contains=key)
            | Exists(designations.filter(organisation=OuterRef("pk"), search_text__contains=key))
            | Exists(registrations.filter(organisation=OuterRef("pk"), search_text__contains=key))
        )
    rows = rows.filter(
        Exists(designations.filter(organisation=OuterRef("pk")))
        | Exists(registrations.filter(organisation=OuterRef("pk")))
    )
    lines = RegistrationScope.objects.select_related("instrument_type").only(
        "id",
        "registration_id",
        "activity",
        "instrument_type__code",
        "instrument_type__name",
        "quantity",
        "range_text",
        "accuracy",
    )
    return (
        rows.select_related("province")
        .only(*[f for f in ORGANISATION_FIELDS if f != "province__name"], "province__name")
        .order_by("name", "pk")
        .prefetch_related(
            Prefetch(
                "designations",
                queryset=public_designations(today, include_expired=filters.include_expired)
                .prefetch_related("instrument_types")
                .order_by("-valid_from", "pk"),
                to_attr="public_designations",
            ),
            Prefetch(
                "registrations",
                queryset=public_registrations(today, include_expired=filters.include_expired)
                .prefetch_related(Prefetch("scope_lines", queryset=lines))
                .order_by("-issued_on", "pk"),
                to_attr="public_registrations",
            ),
        )
    )


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def entry(org: Organisation, today: dt.date) -> dict:
    """One provider as the page and the API show it (public facts only)."""
    from .choices import Activity

    designations = []
    for d in org.public_designations:
        designations.append(
            {
                "decision_number": d.decision_number,
                "issuer": d.issuer,
                "issued_on": _day(d.issued_on),
                "valid_from": _day(d.valid_from),
                "valid_until": _day(d.valid_until),
                "in_force": d.valid_from <= today and (d.valid_until is None or d.valid_until >= today),
                "instrument_types": [
                    {"code": t.code, "name": t.name}
                    for t in sorted(d.instrument_types.all(), key=lambda t: (t.list_order, t.code))
                ],
            }
        )
    registrations = []
    for r in org.public_registrations:
        activities = [
            str(label)
            for flag, label in (
                (r.verification, Activity.VERIFICATION.label),
                (r.calibration, Activity.CALIBRATION.label),
                (r.testing, Activity.TESTING.label),
            )
            if flag
        ]
        registrations.append(
            {
                "certificate_number": r.certificate_number,
                "issuer": r.issuer,
                "issued_on": _day(r.issued_on),
                "valid_until": _day(r.valid_until),
                "in_force": r.issued_on <= today and (r.valid_until is None or r.valid_until >= today),
                "activities": activities,
                "scope": [
                    {
                        "activity": str(line.get_activity_display()),
                        "instrument_type": line.instrument_type.name if line.instrument_type_id else "",
                        "quantity": line.quantity,
                        "range": line.range_text,
                        "accuracy": line.accuracy,
                    }
                    for line in r.scope_lines.all()
                ],
            }
        )
    return {
        "id": org.pk,
        "name": org.name,
        "short_name": org.short_name,
        "kind": str(org.get_kind_display()),
        "address": org.address,
        "website": org.website,
        "province": {"code": org.province_id, "name": org.province.name},
        "territory": org.province.name,
        "designations": designations,
        "registrations": registrations,
    }
