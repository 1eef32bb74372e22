"""The inspections app's public side: the notice it adds to the public certificate check (an instrument whose
use an inspection stopped shows "đình chỉ sử dụng" until a newer certificate exists)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from doluong.verification.models import Certificate

from .models import Remedy, RemedyKind


def stopped_instruments(instrument_ids) -> dict[int, Remedy]:
    """Instrument id → the stop-use order in force: the latest order for which no certificate of the instrument
    verified after the inspection's day exists (a newer certificate lifts it)."""
    orders = (
        Remedy.objects.filter(
            kind=RemedyKind.STOP_USE, finding__instrument_check__instrument_id__in=list(instrument_ids)
        )
        .select_related("finding__inspection", "finding__instrument_check")
        .order_by("finding__inspection__date", "pk")
    )
    latest: dict[int, Remedy] = {}
    for order in orders:
        latest[order.finding.instrument_check.instrument_id] = order
    if not latest:
        return {}
    newest = {}
    for iid, verified_on in Certificate.objects.filter(instrument_id__in=list(latest)).values_list(
        "instrument_id", "verified_on"
    ):
        if iid not in newest or verified_on > newest[iid]:
            newest[iid] = verified_on
    return {
        iid: order
        for iid, order in latest.items()
        if iid not in newest or newest[iid] <= order.finding.inspection.date
    }


def notices(numbers: list[str]) -> dict[str, list[dict]]:
    by_number = dict(
        Certificate.objects.filter(number__in=numbers, instrument__isnull=False).values_list(
            "number", "instrument_id"
        )
    )
    stopped = stopped_instruments(set(by_number.values()))
    out: dict[str, list[dict]] = {}
    for number, iid in by_number.items():
        order = stopped.get(iid)
        if order is None:
            continue
        out.setdefault(number, []).append(
            {
                "level": "danger",
                "title": _("Use stopped"),
                "text": _(
                    "A state inspection on %(day)s stopped the use of this instrument and sealed it, until it is "
                    "verified again: a new certificate lifts the order."
                )
                % {"day": order.finding.inspection.date.strftime("%d/%m/%Y")},
                "stopped": True,
            }
        )
    return out
