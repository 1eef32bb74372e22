"""The registry's part of the home page: instruments by type and commune, due within 30 days, overdue; the
user's own commune first (for those whose change of instruments is "own commune"); papers lapsing soon.

Shown to whoever the permission table lets view instruments (`core.access.can`); every figure starts from
`restrict()`, so what a role sees is its scope.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from doluong.core.access import can, holds_scope
from doluong.core.dates import today
from doluong.core.scope import CHANGE, VIEW
from doluong.core.views_home import Panel
from doluong.parties.models import Designation, Registration, Verifier

from . import tally
from .models import Instrument, MeasurementStandard

#: how far ahead the "lapsing soon" panel looks
LAPSING_DAYS = 90


def _due_counts(now, soon):
    return {
        "total": Count("pk"),
        "overdue": Count("pk", filter=Q(next_due__lt=now)),
        "due_30": Count("pk", filter=Q(next_due__gte=now, next_due__lte=soon)),
    }


def lapsing(user, now: dt.date) -> list[dict]:
    """Registrations, designations, verifier cards and standards of the user's scope that lapse within
    LAPSING_DAYS (soonest first, at most 12)."""
    until = now + dt.timedelta(days=LAPSING_DAYS)
    rows = []
    for model, kind in (
        (Registration, _("Registration")),
        (Designation, _("Designation")),
        (Verifier, _("Verifier card")),
        (MeasurementStandard, _("Measurement standard")),
    ):
        for obj in model.objects.restrict(user).filter(valid_until__gte=now, valid_until__lte=until)[:12]:
            rows.append(
                {
                    "kind": kind,
                    "object": obj,
                    "valid_until": obj.valid_until,
                    "days": (obj.valid_until - now).days,
                }
            )
    return sorted(rows, key=lambda r: r["valid_until"])[:12]


def _live_figures(instruments, now: dt.date, soon: dt.date, own_communes) -> dict:
    totals = instruments.aggregate(
        **_due_counts(now, soon), unknown=Count("pk", filter=Q(next_due__isnull=True))
    )
    by_type = list(
        instruments.values("instrument_type__name").annotate(**_due_counts(now, soon)).order_by("-total")
    )
    by_commune = list(
        instruments.values("commune_id", "commune__name")
        .annotate(**_due_counts(now, soon))
        .order_by("-overdue", "-total", "commune__name", "commune_id")[:15]
    )
    commune_totals = None
    if own_communes:
        commune_totals = instruments.filter(commune_id__in=own_communes).aggregate(**_due_counts(now, soon))
    return {"totals": totals, "by_type": by_type, "by_commune": by_commune, "commune_totals": commune_totals}


def _tallied_figures(found: tally.Tally, own_communes) -> dict:
    """The same figures from the worker's tally (registry.tally); its buckets are those of the day it counted."""

    def short(row):  # the panel's buckets: overdue and 0–30 days
        return {
            **row,
            "overdue": row["overdue"] or 0,
            "due_30": row["due_30"] or 0,
            "total": row["total"] or 0,
        }

    by_type = [short(r) for r in found.grouped("instrument_type__name").order_by("-total")]
    by_commune = [
        short(r)
        for r in found.grouped("commune_id", "commune__name").order_by(
            "-overdue", "-total", "commune__name", "commune_id"
        )[:15]
    ]
    commune_totals = found.filter(commune_id__in=own_communes).totals() if own_communes else None
    return {
        "totals": found.totals(),
        "by_type": by_type,
        "by_commune": by_commune,
        "commune_totals": commune_totals,
    }


def instruments_panel(user, now: dt.date) -> Panel:
    soon = now + dt.timedelta(days=30)
    instruments = Instrument.objects.restrict(user)
    # "your commune": the memberships that keep the inventory of one commune (their change scope is own commune)
    own_communes = sorted(
        {s.commune_id for s in holds_scope(user, Instrument, CHANGE, "own_commune") if s.commune_id}
    )
    found = tally.for_user(user, now)
    if found is None:
        figures = _live_figures(instruments, now, soon, own_communes)
    else:
        figures = _tallied_figures(found, own_communes)
    by_type = figures["by_type"]
    chart = {
        "labels": [row["instrument_type__name"] for row in by_type],
        "overdue": [row["overdue"] for row in by_type],
        "due_30": [row["due_30"] for row in by_type],
        "other": [row["total"] - row["overdue"] - row["due_30"] for row in by_type],
    }
    return Panel(
        "registry/home_instruments.html",
        {
            **figures,
            "as_of": found.as_of if found is not None else None,
            "standards_expired": MeasurementStandard.objects.restrict(user)
            .filter(valid_until__lt=now)
            .count(),
            "chart": chart,
            "own_communes": own_communes,
            "lapsing": lapsing(user, now),
            "lapsing_days": LAPSING_DAYS,
        },
        order=10,
        scripts=("vendor/chart.umd.min.js", "doluong/charts.js"),
    )


def panels(request) -> list[Panel]:
    user = request.user
    if not can(user, Instrument, VIEW):
        return []
    return [instruments_panel(user, today())]
