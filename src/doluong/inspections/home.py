"""The inspections app's part of the home page, for whoever plans or carries out state inspections (the
permission table: may change inspection campaigns — the commune and province inspection officers): this year's
inspections planned and done, the violations still to follow up, the campaign under way and the next one. An
enterprise, which may only read the inspections of its own sites, sees nothing of it."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from doluong.core.access import can
from doluong.core.dates import today
from doluong.core.scope import CHANGE, VIEW
from doluong.core.views_home import Panel

from .models import Campaign, Finding, Inspection, Remedy, Sanction, TargetSite


def panels(request):
    user = request.user
    if not user.is_authenticated or not can(user, Campaign, CHANGE):
        return []
    day = today()
    year = day.year
    visits = Inspection.objects.restrict(user, VIEW).filter(date__year=year)
    planned = visits.count()
    done = visits.filter(sealed_at__isnull=False).count()
    campaigns = Campaign.objects.restrict(user, VIEW).select_related("commune", "province")
    targets = TargetSite.objects.restrict(user, VIEW).filter(campaign__year=year)
    # a violation to follow up: a finding with a remedial measure not carried out yet
    pending = Remedy.objects.filter(finding=OuterRef("pk"), completed_on__isnull=True)
    open_findings = (
        Finding.objects.restrict(user, VIEW)
        .filter(Exists(pending))
        .select_related("inspection__site")
        .order_by("inspection__date", "pk")
    )
    remedies = (
        Remedy.objects.restrict(user, VIEW)
        .filter(completed_on__isnull=True)
        .select_related("finding__inspection__site", "follow_up")
        .order_by("due_date", "pk")
    )
    unconfirmed = (
        Finding.objects.restrict(user, VIEW)
        .filter(sanction__in=[Sanction.WARNING, Sanction.FINE], confirmed_on__isnull=True)
        .count()
    )
    context = {
        "year": year,
        "planned": planned,
        "done": done,
        "to_do": planned - done,
        "targets": targets.count(),
        "targets_open": targets.filter(inspection__isnull=True).count(),
        "open_findings": open_findings.count(),
        "remedies": list(remedies[:5]),
        "overdue": remedies.filter(due_date__lt=day).count(),
        "unconfirmed": unconfirmed,
        "current": list(
            campaigns.filter(start_date__lte=day, end_date__gte=day).order_by("end_date", "pk")[:3]
        ),
        "next": campaigns.filter(start_date__gt=day).order_by("start_date", "pk").first(),
        "today": day,
    }
    return [Panel("inspections/home_panel.html", context, order=8)]
