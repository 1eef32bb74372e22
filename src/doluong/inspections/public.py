"""The inspections app's public side: the notice it adds to the public certificate check (an instrument whose
use an inspection stopped shows "đình chỉ sử dụng" until a newer certificate exists)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from doluong.core.precompiled import Precompiled
from doluong.verification.models import Certificate

from .models import Remedy, RemedyKind


def _stop_orders(kind, instrument_ids):
    return (
        Remedy.objects.filter(kind=kind, finding__instrument_check__instrument_id__in=instrument_ids)
        .values("finding__instrument_check__instrument_id", "finding__inspection__date")
        .order_by("finding__inspection__date")
    )


#: compiled once per process (core.precompiled): the public check is a hot path, and compiling this four-table
#: join cost ten times running it
_STOP_ORDERS = Precompiled(_stop_orders)


def stopped_instruments(instruments: dict[str, int]) -> dict[str, tuple[int, object]]:
    """Certificate number → (instrument id, inspection day) of the stop-use order in force for the certificate's
    instrument ({number: instrument id}, as the public check gives them): the latest order for which no certificate
    of the instrument verified after the inspection's day exists (a newer certificate lifts it). One query over
    the inspection tables when no order concerns the instruments (the common case): the certificates' table, 20M
    rows at national scale, is read only for instruments under an order."""
    orders = _STOP_ORDERS.rows(RemedyKind.STOP_USE.value, sorted(set(instruments.values())))
    # by date: the last, the latest order, wins
    latest = {r["finding__instrument_check__instrument_id"]: r["finding__inspection__date"] for r in orders}
    if not latest:
        return {}
    newest = dict(
        Certificate.objects.filter(instrument_id__in=latest)
        .order_by()
        .values("instrument_id")
        .annotate(last=Max("verified_on"))
        .values_list("instrument_id", "last")
    )
    return {
        number: (iid, latest[iid])
        for number, iid in instruments.items()
        if iid in latest and (iid not in newest or newest[iid] <= latest[iid])
    }


def notices(instruments: dict[str, int]) -> dict[str, list[dict]]:
    """The public check's notices ({number: instrument id} of the genuine certificates shown): the complaint
    link, and the stop-use order in force."""
    stopped = stopped_instruments(instruments)
    out: dict[str, list[dict]] = {}
    for number in instruments:
        out[number] = [
            {
                "level": "light",
                "title": "",
                "text": _("Something wrong with this instrument (short weight, broken seal)?"),
                "url": reverse("inspections_public:complaint") + "?" + urlencode({"n": number}),
                "link": _("Send a complaint to the commune"),
            }
        ]
        if number in stopped:
            out[number].insert(
                0,
                {
                    "level": "danger",
                    "title": _("Use stopped"),
                    "text": _(
                        "A state inspection on %(day)s stopped the use of this instrument and sealed it, until it "
                        "is verified again: a new certificate lifts the order."
                    )
                    % {"day": stopped[number][1].strftime("%d/%m/%Y")},
                    "stopped": True,
                },
            )
    return out


# ------------------------------------------------------------------------------------ statistics


def statistics(province_id: str, year: int) -> list[dict]:
    """Per commune of the province, the year's completed (sealed) inspections: sites, instruments and lots
    checked, the share of instruments conforming at the first visit and at the follow-up visit, warnings and
    fines proposed and confirmed by a legal officer (count and total). Aggregates only: no names."""
    from django.db.models import Count, Q, Sum

    from .models import Finding, Inspection, InstrumentCheck, PrepackageLot, Sanction

    visits = Inspection.objects.filter(
        site__province_id=province_id, date__year=year, sealed_at__isnull=False
    )
    rows: dict[str, dict] = {}

    def row(cid, name):
        return rows.setdefault(
            cid,
            {
                "commune": name,
                "inspections": 0,
                "sites": 0,
                "instruments": 0,
                "lots": 0,
                "first_total": 0,
                "first_pass": 0,
                "follow_total": 0,
                "follow_pass": 0,
                "warnings": 0,
                "fines": 0,
                "fine_total": 0,
            },
        )

    for r in visits.values("site__commune_id", "site__commune__name").annotate(
        n=Count("pk"), sites=Count("site", distinct=True)
    ):
        x = row(r["site__commune_id"], r["site__commune__name"])
        x["inspections"], x["sites"] = r["n"], r["sites"]
    for r in (
        InstrumentCheck.objects.filter(inspection__in=visits)
        .values("inspection__site__commune_id", "inspection__site__commune__name")
        .annotate(
            n=Count("pk"),
            first_total=Count("pk", filter=Q(inspection__follow_up_of__isnull=True)),
            first_pass=Count("pk", filter=Q(inspection__follow_up_of__isnull=True, verdict="pass")),
            follow_total=Count("pk", filter=Q(inspection__follow_up_of__isnull=False)),
            follow_pass=Count("pk", filter=Q(inspection__follow_up_of__isnull=False, verdict="pass")),
        )
    ):
        x = row(r["inspection__site__commune_id"], r["inspection__site__commune__name"])
        x["instruments"] = r["n"]
        for k in ("first_total", "first_pass", "follow_total", "follow_pass"):
            x[k] = r[k]
    for r in (
        PrepackageLot.objects.filter(inspection__in=visits)
        .values("inspection__site__commune_id", "inspection__site__commune__name")
        .annotate(n=Count("pk"))
    ):
        row(r["inspection__site__commune_id"], r["inspection__site__commune__name"])["lots"] = r["n"]
    confirmed = Q(legal_officer__gt="", confirmed_on__isnull=False)
    for r in (
        Finding.objects.filter(inspection__in=visits)
        .values("inspection__site__commune_id", "inspection__site__commune__name")
        .annotate(
            warnings=Count("pk", filter=Q(sanction=Sanction.WARNING) & confirmed),
            fines=Count("pk", filter=Q(sanction=Sanction.FINE) & confirmed),
            fine_total=Sum("proposed_fine", filter=Q(sanction=Sanction.FINE) & confirmed),
        )
    ):
        x = row(r["inspection__site__commune_id"], r["inspection__site__commune__name"])
        x["warnings"], x["fines"], x["fine_total"] = r["warnings"], r["fines"], r["fine_total"] or 0
    out = sorted(rows.values(), key=lambda x: x["commune"])
    for x in out:
        x["first_rate"] = round(100 * x["first_pass"] / x["first_total"]) if x["first_total"] else None
        x["follow_rate"] = round(100 * x["follow_pass"] / x["follow_total"]) if x["follow_total"] else None
    return out
