"""The plans app's part of the home page: the unit reports a reporting unit owes in the open rounds (deadline,
status, a link to write or open it), for the memberships whose unit reports are their own organisation's
(the permission table: `add` of unit reports scoped to the own organisation)."""

from __future__ import annotations

from django.urls import reverse

from doluong.core.access import holds_scope
from doluong.core.dates import today
from doluong.core.scope import ADD
from doluong.core.views_home import Panel

from .choices import ReportStatus, RoundStatus
from .models import ReportRound, UnitReport
from .permissions import OWN_UNIT_SCOPES


def owed_reports(user, now) -> list[dict]:
    """One row per (open round, unit of the user) in which the unit is expected to report, soonest deadline first."""
    units = {s.organisation_id for key in OWN_UNIT_SCOPES for s in holds_scope(user, UnitReport, ADD, key)}
    if not units:
        return []
    rows = []
    rounds = ReportRound.objects.restrict(user).filter(status=RoundStatus.OPEN).select_related("plan")
    reports = {
        (r.round_id, r.organisation_id): r
        for r in UnitReport.objects.restrict(user).filter(round__in=rounds, organisation_id__in=units)
    }
    for round_ in rounds.order_by("deadline", "pk"):
        for unit in round_.expected_units().filter(pk__in=units):
            report = reports.get((round_.pk, unit.pk))
            if report is None:
                url = reverse("programs:unitreport_add") + f"?round={round_.pk}&organisation={unit.pk}"
            else:
                url = report.get_absolute_url()
            rows.append(
                {
                    "round": round_,
                    "unit": unit,
                    "report": report,
                    "submitted": report is not None and report.status == ReportStatus.SUBMITTED,
                    "url": url,
                    "days": (round_.deadline - now).days,
                }
            )
    return rows


def panels(request) -> list[Panel]:
    now = today()
    rows = owed_reports(request.user, now)
    if not rows:
        return []
    return [Panel("programs/home_reports.html", {"rows": rows}, order=5)]
