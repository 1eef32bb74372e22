"""The assurance app's surfaces (every model's list, detail, edit, import/export and API) and the programme
dossier's workflow pages (advance, consultation, approval, review, revision, printing) and the confirmation's
signature."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from doluong.core.scope import CHANGE, DELETE, VIEW
from doluong.core.surface import Related, Surface, scoped_rows

from . import actions, filtersets, forms, tables
from .api import serializers
from .models import (
    Confirmation,
    ConfirmationPoint,
    CorrectiveAction,
    ImpactItem,
    MeasurementProcess,
    OutOfToleranceCase,
    ProcessInstrument,
    Programme,
    SupportActivity,
)

COMMON = {"namespace": "assurance", "nav_group": "assurance"}


def _programme_context(programme, request):
    can_manage = programme.permits(request.user, CHANGE)
    return {
        # an approved version is never deleted (Programme.delete refuses it): no "Xóa" button either
        "can_delete": programme.permits(request.user, DELETE) and not programme.is_approved,
        # an approved (or superseded) version is immutable: no "Edit" button, a revision makes a new version
        "can_change": can_manage and not programme.is_approved,
        "can_manage": can_manage,
        "consultation_form": forms.ConsultationForm(),
        "approval_form": forms.ApprovalForm(),
    }


def _confirmation_context(confirmation, request):
    return {"can_manage": confirmation.permits(request.user, CHANGE)}


programme = Surface(
    model=Programme,
    filterset=filtersets.ProgrammeFilterSet,
    table=tables.ProgrammeTable,
    form=forms.ProgrammeForm,
    serializer=serializers.ProgrammeSerializer,
    basename="programme",
    route="programmes",
    nav_order=10,
    select_related=["enterprise"],
    detail_fields=[
        *forms.ProgrammeForm._meta.fields,
        "version",
        "step",
        "revision_reason",
        "consulted_on",
        "consultation",
        "approved_on",
        "approved_by",
        "reviewed_on",
    ],
    detail_template="assurance/programme_detail.html",
    extra_context=_programme_context,
    **COMMON,
)
process = Surface(
    model=MeasurementProcess,
    filterset=filtersets.MeasurementProcessFilterSet,
    table=tables.MeasurementProcessTable,
    form=forms.MeasurementProcessForm,
    serializer=serializers.MeasurementProcessSerializer,
    basename="measurementprocess",
    route="processes",
    nav_order=20,
    select_related=["enterprise"],
    related=[
        Related(
            ProcessInstrument._meta.verbose_name_plural, scoped_rows(ProcessInstrument, process=lambda o: o)
        ),
        Related(Confirmation._meta.verbose_name_plural, scoped_rows(Confirmation, process=lambda o: o)),
    ],
    **COMMON,
)
link = Surface(
    model=ProcessInstrument,
    filterset=filtersets.ProcessInstrumentFilterSet,
    table=tables.ProcessInstrumentTable,
    form=forms.ProcessInstrumentForm,
    serializer=serializers.ProcessInstrumentSerializer,
    basename="processinstrument",
    route="process-instruments",
    namespace="assurance",
    select_related=["process", "instrument"],
    detail_fields=[*forms.ProcessInstrumentForm._meta.fields, "capable", "capability_note"],
)
confirmation = Surface(
    model=Confirmation,
    filterset=filtersets.ConfirmationFilterSet,
    table=tables.ConfirmationTable,
    form=forms.ConfirmationForm,
    serializer=serializers.ConfirmationSerializer,
    basename="confirmation",
    route="confirmations",
    nav_order=30,
    select_related=["process", "instrument"],
    detail_fields=[*forms.ConfirmationForm._meta.fields, "verdict", "pfa", "label", "signed_on", "signed_by"],
    detail_template="assurance/confirmation_detail.html",
    extra_context=_confirmation_context,
    related=[
        Related(
            ConfirmationPoint._meta.verbose_name_plural,
            scoped_rows(ConfirmationPoint, confirmation=lambda o: o),
        ),
        Related(
            CorrectiveAction._meta.verbose_name_plural,
            scoped_rows(CorrectiveAction, confirmation=lambda o: o),
        ),
    ],
    **COMMON,
)
point = Surface(
    model=ConfirmationPoint,
    filterset=filtersets.ConfirmationPointFilterSet,
    table=tables.ConfirmationPointTable,
    form=forms.ConfirmationPointForm,
    serializer=serializers.ConfirmationPointSerializer,
    basename="confirmationpoint",
    route="points",
    namespace="assurance",
    select_related=["confirmation"],
    detail_fields=[*forms.ConfirmationPointForm._meta.fields, "verdict", "pfa"],
)
corrective = Surface(
    model=CorrectiveAction,
    filterset=filtersets.CorrectiveActionFilterSet,
    table=tables.CorrectiveActionTable,
    form=forms.CorrectiveActionForm,
    serializer=serializers.CorrectiveActionSerializer,
    basename="correctiveaction",
    route="corrective-actions",
    nav_order=40,
    select_related=["confirmation"],
    **COMMON,
)


def _case_context(case, request):
    from .impact import by_enterprise

    items = (
        ImpactItem.objects.restrict(request.user)
        .filter(case=case)
        .select_related("enterprise", "certificate", "instrument", "standard", "process", "confirmation")
    )
    return {"items": list(items), "per_enterprise": by_enterprise(items)}


def _item_context(item, request):
    return {"case": item.case}


oot_case = Surface(
    model=OutOfToleranceCase,
    filterset=filtersets.OutOfToleranceCaseFilterSet,
    table=tables.OutOfToleranceCaseTable,
    form=forms.OutOfToleranceCaseForm,
    serializer=serializers.OutOfToleranceCaseSerializer,
    basename="outoftolerancecase",
    route="out-of-tolerance",
    nav_order=50,
    select_related=["standard", "instrument", "holder"],
    detail_fields=[
        "trigger",
        "standard",
        "instrument",
        "holder",
        "record",
        "certificate",
        "found_on",
        "error_found",
        "unit",
        "last_good_on",
        "status",
        "description",
    ],
    detail_template="assurance/case_detail.html",
    extra_context=_case_context,
    **COMMON,
)
impact = Surface(
    model=ImpactItem,
    filterset=filtersets.ImpactItemFilterSet,
    table=tables.ImpactItemTable,
    form=forms.ImpactItemForm,
    serializer=serializers.ImpactItemSerializer,
    basename="impactitem",
    route="impacts",
    nav_order=60,
    select_related=["enterprise", "certificate", "instrument", "process", "case"],
    can_import=False,
    detail_fields=[
        "enterprise",
        "depth",
        "certificate",
        "instrument",
        "standard",
        "process",
        "confirmation",
        "verdict_before",
        "verdict_after",
        "changes",
        "note",
        "notified_on",
        "notified_to",
        "status",
        "closed_on",
        "evidence",
        "evidence_file",
    ],
    detail_template="assurance/impact_detail.html",
    extra_context=_item_context,
    **COMMON,
)

support = Surface(
    model=SupportActivity,
    filterset=filtersets.SupportActivityFilterSet,
    table=tables.SupportActivityTable,
    form=forms.SupportActivityForm,
    serializer=serializers.SupportActivitySerializer,
    basename="supportactivity",
    route="support",
    nav_order=70,
    select_related=["beneficiary", "province"],
    **COMMON,
)

SURFACES = [programme, process, link, confirmation, point, corrective, oot_case, impact, support]


# ------------------------------------------------------------------------------------------- workflow pages


def _get(model, request, pk, action=VIEW):
    try:
        return model.objects.restrict(request.user, action).get(pk=pk)
    except (model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404(
            gettext("No such %(model)s, or you may not %(action)s it.")
            % {"model": model._meta.verbose_name, "action": gettext(action)}
        ) from exc


def _run(request, obj, fn, done: str):
    try:
        result = fn()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(obj.get_absolute_url())
    except PermissionDenied:
        raise
    messages.success(request, done)
    return HttpResponseRedirect((result or obj).get_absolute_url())


def _form(request, form_class):
    form = form_class(request.POST)
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    return form.cleaned_data


@login_required
@require_POST
def programme_advance(request, pk):
    obj = _get(Programme, request, pk, CHANGE)
    return _run(
        request, obj, lambda: actions.do_advance(obj, request.user), gettext("The dossier moved on a step.")
    )


@login_required
@require_POST
def programme_consult(request, pk):
    obj = _get(Programme, request, pk, CHANGE)

    def go():
        data = _form(request, forms.ConsultationForm)
        return actions.do_record_consultation(obj, request.user, on=data["on"], record=data["record"])

    return _run(request, obj, go, gettext("The consultation is recorded."))


@login_required
@require_POST
def programme_approve(request, pk):
    obj = _get(Programme, request, pk, CHANGE)

    def go():
        data = _form(request, forms.ApprovalForm)
        return actions.do_approve(obj, request.user, on=data["on"], approver=data["approver"])

    return _run(request, obj, go, gettext("The programme is approved."))


@login_required
@require_POST
def programme_review(request, pk):
    obj = _get(Programme, request, pk, CHANGE)
    return _run(
        request, obj, lambda: actions.do_review(obj, request.user), gettext("The review is recorded.")
    )


@login_required
@require_POST
def programme_revise(request, pk):
    obj = _get(Programme, request, pk, CHANGE)
    reason = request.POST.get("reason", "")
    return _run(
        request,
        obj,
        lambda: actions.do_revise(obj, request.user, reason=reason),
        gettext("A new version is made."),
    )


@login_required
def programme_delete(request, pk):
    """The surface's delete page, except for an approved version: refused with the reason, nothing deleted."""
    from django.shortcuts import redirect

    from doluong.core.views import ObjectDeleteView

    from .models import DELETE_APPROVED_REFUSED

    obj = _get(Programme, request, pk, DELETE)
    if obj.is_approved:
        messages.error(request, gettext(DELETE_APPROVED_REFUSED))
        return redirect(obj.get_absolute_url())
    return ObjectDeleteView.as_view(surface=programme)(request, pk=str(pk))


@login_required
def programme_document(request, pk, fmt):
    from .documents import render_programme

    obj = _get(Programme, request, pk, VIEW)
    if fmt not in ("pdf", "docx"):
        raise Http404
    data, content_type = render_programme(obj, fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="chuong-trinh-dbdl-{obj.pk}-v{obj.version}.{fmt}"'
    )
    return response


@login_required
@require_POST
def confirmation_sign(request, pk):
    obj = _get(Confirmation, request, pk, CHANGE)
    signer = request.POST.get("signer", "")
    return _run(
        request,
        obj,
        lambda: actions.do_sign_confirmation(obj, request.user, signer=signer),
        gettext("The confirmation record is signed."),
    )
