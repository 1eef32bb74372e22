"""The landing dashboard: instruments by type and commune, due within 30 days, overdue — within the user's scope."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render

from .dates import today
from .scope import principal


@login_required
def home(request):
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
        },
    )
