"""The inspections app's own pages beside the surfaces: seal an inspection, verify its seal, download its
evidence bundle; the campaign's risk-ranked target sites."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from doluong.core.dates import today
from doluong.core.scope import CHANGE, VIEW
from doluong.core.views import restricted_or_404
from doluong.metrology.inspection import vn_number

from . import seal as sealing
from .models import Inspection


def _get(request, pk, action=VIEW) -> Inspection:
    return restricted_or_404(Inspection, request.user, pk, action, related=("site", "campaign"))


@login_required
@require_POST
def inspection_seal(request, pk):
    obj = _get(request, pk, CHANGE)
    try:
        sealing.seal(obj, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, gettext("The inspection is completed and sealed."))
    return HttpResponseRedirect(obj.get_absolute_url())


@login_required
def inspection_verify(request, pk):
    obj = _get(request, pk)
    return render(request, "inspections/verify.html", {"object": obj, "result": sealing.verify(obj)})


@login_required
def inspection_bundle(request, pk):
    obj = _get(request, pk)
    if not obj.is_sealed:
        raise Http404(gettext("The inspection is not sealed yet: it has no evidence bundle."))
    response = HttpResponse(sealing.bundle(obj), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="kiem-tra-{obj.pk}-chung-cu.zip"'
    return response


@login_required
def inspection_record_pdf(request, pk):
    from .documents import render_record

    obj = _get(request, pk)
    response = HttpResponse(render_record(obj), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-ban-kiem-tra-{obj.pk}.pdf"'
    return response


@login_required
def lot_sheet_pdf(request, pk):
    from .documents import render_lot
    from .models import PrepackageLot

    lot = restricted_or_404(PrepackageLot, request.user, pk, related=("inspection__campaign",))
    response = HttpResponse(render_lot(lot), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="phieu-kiem-tra-lo-{lot.pk}.pdf"'
    return response


@login_required
def finding_violation_pdf(request, pk):
    """The draft violation record of a finding (documents.render_violation): "Dự thảo — mức phạt do cán bộ pháp
    chế xác nhận" on every page."""
    from .documents import render_violation
    from .models import Finding

    finding = restricted_or_404(
        Finding,
        request.user,
        pk,
        related=(
            "inspection__campaign__province",
            "inspection__campaign__commune",
            "inspection__site__commune",
            "inspection__site__operator",
            "instrument_check__instrument",
            "lot",
            "provision",
        ),
    )
    response = HttpResponse(render_violation(finding), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="du-thao-bien-ban-vi-pham-{finding.pk}.pdf"'
    return response


# ------------------------------------------------------------------------------------ risk-ranked targets


def _campaign(request, pk, action):
    from .models import Campaign

    return restricted_or_404(Campaign, request.user, pk, action, related=("province", "commune"))


def _term_labels() -> dict:
    return {
        "violations": gettext("past violations"),
        "bad_certificates": gettext("expired or missing certificates"),
        "complaints": gettext("complaints"),
        "instruments": gettext("instruments"),
        "years_since_visit": gettext("years since the last visit"),
    }


@login_required
def campaign_targets(request, pk):
    """The campaign's target sites ranked by risk score, with the formula and each row's inputs; POST
    (re)generates them from the registry (idempotent)."""
    from .actions import generate_campaign_targets
    from .models import RiskWeights, TargetSite
    from .ranking import terms

    if request.method == "POST":
        campaign = _campaign(request, pk, CHANGE)
        try:
            rows = generate_campaign_targets(campaign, request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request,
                gettext("Target list generated: %(n)s sites ranked by risk score.") % {"n": len(rows)},
            )
        return HttpResponseRedirect(request.path)
    campaign = _campaign(request, pk, VIEW)
    targets = list(
        TargetSite.objects.restrict(request.user, VIEW)
        .filter(campaign=campaign)
        .select_related("commune", "weights", "site", "organisation", "inspection")
        .order_by("rank")
    )
    labels = _term_labels()
    rows = []
    for t in targets:
        result = terms(t)
        rows.append(
            {
                "target": t,
                "terms": [
                    {
                        "label": labels[x.name],
                        "value": vn_number(x.value),
                        "weight": vn_number(x.weight),
                        "points": x.points,
                    }
                    for x in result.terms
                ],
                "never": t.last_visit is None,
            }
        )
    weights = targets[0].weights if targets else RiskWeights.in_force(today())
    shown = (
        {
            k: vn_number(getattr(weights, k))
            for k in ("violation", "certificate", "complaint", "instrument", "year_since_visit")
        }
        if weights
        else {}
    )
    can_change = campaign.permits(request.user, CHANGE)
    can_generate = can_change and TargetSite.can_add(request.user)
    # the same question as the action asks (actions.open_target_inspection), so no button answers "refused"
    can_inspect = can_change and Inspection.can_add(request.user)
    return render(
        request,
        "inspections/campaign_targets.html",
        {
            "campaign": campaign,
            "rows": rows,
            "weights": weights,
            "w": shown,
            "can_generate": can_generate,
            "can_inspect": can_inspect,
        },
    )


@login_required
@require_POST
def target_inspection(request, pk, target):
    """ "Lập cuộc kiểm tra" on a target row: the campaign's inspection at that site (actions.open_target_inspection),
    made once; then its page. A campaign or target outside the user's area is 404."""
    from .actions import open_target_inspection
    from .models import TargetSite

    campaign = _campaign(request, pk, CHANGE)
    row = TargetSite.objects.restrict(request.user, CHANGE).filter(campaign=campaign, pk=target).first()
    if row is None:
        raise Http404(
            gettext("No such %(model)s, or you may not %(action)s it.")
            % {"model": TargetSite._meta.verbose_name, "action": gettext(CHANGE)}
        )
    try:
        visit, created = open_target_inspection(row, request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return HttpResponseRedirect(reverse("inspections:campaign_targets", args=[campaign.pk]))
    if created:
        messages.success(request, gettext("Inspection of “%(site)s” opened.") % {"site": row.name})
    else:
        messages.info(request, gettext("This target already has its inspection: here it is."))
    return HttpResponseRedirect(visit.get_absolute_url())
