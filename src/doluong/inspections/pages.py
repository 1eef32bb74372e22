"""The inspections app's own pages beside the surfaces: seal an inspection, verify its seal, download its
evidence bundle."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from doluong.core.scope import CHANGE, VIEW

from . import seal as sealing
from .models import Inspection


def _get(request, pk, action=VIEW) -> Inspection:
    try:
        return Inspection.objects.restrict(request.user, action).select_related("site", "campaign").get(pk=pk)
    except (Inspection.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404(
            gettext("No such %(model)s, or you may not %(action)s it.")
            % {"model": Inspection._meta.verbose_name, "action": gettext(action)}
        ) from exc


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

    try:
        lot = (
            PrepackageLot.objects.restrict(request.user, VIEW)
            .select_related("inspection__campaign")
            .get(pk=pk)
        )
    except (PrepackageLot.DoesNotExist, ValueError) as exc:
        raise Http404(
            gettext("No such %(model)s, or you may not %(action)s it.")
            % {"model": PrepackageLot._meta.verbose_name, "action": gettext(VIEW)}
        ) from exc
    response = HttpResponse(render_lot(lot), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="phieu-kiem-tra-lo-{lot.pk}.pdf"'
    return response
