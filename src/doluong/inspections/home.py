"""The inspections app's part of the home page, for whoever plans or carries out state inspections (the
permission table: may change inspection campaigns — the commune and province inspection officers): this year's
inspections planned and done, the violations still to follow up, the campaign under way and the next one. An
enterprise, which may only read the inspections of its own sites, sees nothing of it."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

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
    # one aggregate per model: the home page pays a fixed number of queries per panel
    visits = Inspection.objects.restrict(user, VIEW).aggregate(
        planned=Count("pk", filter=Q(date__year=year)),
        done=Count("pk", filter=Q(date__year=year, sealed_at__isnull=False)),
    )
    targets = TargetSite.objects.restrict(user, VIEW).aggregate(
        all=Count("pk", filter=Q(campaign__year=year)),
        open=Count("pk", filter=Q(campaign__year=year, inspection__isnull=True)),
    )
    # a violation to follow up: a finding with a remedial measure not carried out yet
    pending = Remedy.objects.filter(finding=OuterRef("pk"), completed_on__isnull=True)
    findings = (
        Finding.objects.restrict(user, VIEW)
        .annotate(pending=Exists(pending))
        .aggregate(
            open=Count("pk", filter=Q(pending=True)),
            unconfirmed=Count(
                "pk", filter=Q(sanction__in=[Sanction.WARNING, Sanction.FINE], confirmed_on__isnull=True)
            ),
        )
    )
    remedies = (
        Remedy.objects.restrict(user, VIEW)
        .filter(completed_on__isnull=True)
        .select_related("finding__inspection__site", "follow_up")
        .order_by("due_date", "pk")
    )
    campaigns = Campaign.objects.restrict(user, VIEW).select_related("commune", "province")
    context = {
        "year": year,
        "planned": visits["planned"],
        "done": visits["done"],
        "to_do": visits["planned"] - visits["done"],
        "targets": targets["all"],
        "targets_open": targets["open"],
        "open_findings": findings["open"],
        "remedies": list(remedies[:5]),
        "overdue": remedies.filter(due_date__lt=day).count(),
        "unconfirmed": findings["unconfirmed"],
        "current": list(
            campaigns.filter(start_date__lte=day, end_date__gte=day).order_by("end_date", "pk")[:3]
        ),
        "next": campaigns.filter(start_date__gt=day).order_by("start_date", "pk").first(),
        "today": day,
    }
    return [Panel("inspections/home_panel.html", context, order=8)]
