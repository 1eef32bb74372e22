"""The landing dashboard: instruments by type and commune, due within 30 days, overdue — within the user's scope.

What a role sees follows from its scope (every figure starts from `restrict()`), plus: a commune officer's own
commune first; the papers that lapse soon (registrations, designations, verifier cards, standards) for those who
hold or oversee them; and panels contributed by other apps (`<app>/home.py: panels(request) -> list[Panel]`).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .dates import today
from .scope import principal

#: how far ahead the "lapsing soon" panel looks
LAPSING_DAYS = 90


@dataclass
class Panel:
    """A block of the dashboard contributed by an app: a template and its context, in `order`."""

    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


def app_panels(request) -> list[Panel]:
    panels: list[Panel] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("doluong.") or config.name == "doluong.core":
            continue
        if importlib.util.find_spec(f"{config.name}.home") is None:
            continue
        panels.extend(importlib.import_module(f"{config.name}.home").panels(request))
    return sorted(panels, key=lambda p: p.order)


def lapsing(user, now: dt.date) -> list[dict]:
    """Registrations, designations, verifier cards and standards of the user's scope that lapse within
    LAPSING_DAYS (soonest first, at most 12)."""
    from doluong.parties.models import Designation, Registration, Verifier
    from doluong.registry.models import MeasurementStandard

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


@login_required
def home(request):
    from doluong.parties.choices import Role
    from doluong.registry.models import Instrument, MeasurementStandard

    now = today()
    soon = now + dt.timedelta(days=30)
    instruments = Instrument.objects.restrict(request.user)
    totals = instruments.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(next_due__lt=now)),
        due_30=Count("pk", filter=Q(next_due__gte=now, next_due__lte=soon)),
        unknown=Count("pk", filter=Q(next_due__isnull=True)),
    )
    by_type = list(
        instruments.values("instrument_type__name")
        .annotate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(next_due__lt=now)),
            due_30=Count("pk", filter=Q(next_due__gte=now, next_due__lte=soon)),
        )
        .order_by("-total")
    )
    by_commune = list(
        instruments.values("commune_id", "commune__name")
        .annotate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(next_due__lt=now)),
            due_30=Count("pk", filter=Q(next_due__gte=now, next_due__lte=soon)),
        )
        .order_by("-overdue", "-total")[:15]
    )
    standards_expired = MeasurementStandard.objects.restrict(request.user).filter(valid_until__lt=now).count()
    chart = {
        "labels": [row["instrument_type__name"] for row in by_type],
        "overdue": [row["overdue"] for row in by_type],
        "due_30": [row["due_30"] for row in by_type],
        "other": [row["total"] - row["overdue"] - row["due_30"] for row in by_type],
    }
    who = principal(request.user)
    own_communes = sorted(
        {s.commune_id for s in who.scopes if s.role == Role.COMMUNE_OFFICER and s.commune_id}
    )
    commune_totals = None
    if own_communes:
        commune_totals = instruments.filter(commune_id__in=own_communes).aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(next_due__lt=now)),
            due_30=Count("pk", filter=Q(next_due__gte=now, next_due__lte=soon)),
        )
    memberships = list(request.user.memberships.select_related("organisation").filter(is_active=True))
    return render(
        request,
        "core/home.html",
        {
            "totals": totals,
            "by_type": by_type,
            "by_commune": by_commune,
            "standards_expired": standards_expired,
            "chart": chart,
            "memberships": memberships,
            "is_admin": who.is_admin,
            "today": now,
            "own_communes": own_communes,
            "commune_totals": commune_totals,
            "lapsing": lapsing(request.user, now),
            "lapsing_days": LAPSING_DAYS,
            "panels": app_panels(request),
        },
    )
