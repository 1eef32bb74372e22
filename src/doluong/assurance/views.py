"""The assurance app's surfaces (every model's list, detail, edit, import/export and API) and the programme
dossier's workflow pages (advance, consultation, approval, review, revision, printing) and the confirmation's
signature."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from doluong.core.access import can
from doluong.core.scope import CHANGE, DELETE, VIEW
from doluong.core.surface import Related, Surface, nav_link, scoped_rows
from doluong.core.views import restricted_or_404

from . import actions, filtersets, forms, tables
from .api import serializers
from .models import (
    AdvisoryAssignment,
    CalibrationPlan,
    Checklist,
    ChecklistItem,
    Confirmation,
    ConfirmationPoint,
    CorrectiveAction,
    Equipment,
    EquipmentCalibration,
    ImpactItem,
    MeasurementProcess,
    OutOfToleranceCase,
    PlanLine,
    ProcessInstrument,
    Programme,
    SupportActivity,
    Survey,
    SurveyAnswer,
    SurveyEvidence,
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
        # a consultant drafts with the enterprise; the consultation and the approval are the enterprise's
        "enterprise_side": can_manage and actions.is_enterprise_side(programme, request.user),
        "consultation_form": forms.ConsultationForm(),
        "approval_form": forms.ApprovalForm(),
    }


def _confirmation_context(confirmation, request):
    return {"can_manage": confirmation.permits(request.user, CHANGE)}


class ProgrammeSurface(Surface):
    """The programme's surface: its API refuses to delete an approved version, with the reason."""

    def api_viewset(self):
        from rest_framework.exceptions import ValidationError as ApiValidationError

        from .models import DELETE_APPROVED_REFUSED

        base = super().api_viewset()

        class ProgrammeViewSet(base):
            def perform_destroy(self, instance):
                if instance.is_approved:
                    raise ApiValidationError(gettext(DELETE_APPROVED_REFUSED))
                super().perform_destroy(instance)

        ProgrammeViewSet.surface = base.surface
        return ProgrammeViewSet


programme = ProgrammeSurface(
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
            capfirst(ProcessInstrument._meta.verbose_name_plural),
            scoped_rows(ProcessInstrument, process=lambda o: o),
        ),
        Related(
            capfirst(Confirmation._meta.verbose_name_plural), scoped_rows(Confirmation, process=lambda o: o)
        ),
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
            capfirst(ConfirmationPoint._meta.verbose_name_plural),
            scoped_rows(ConfirmationPoint, confirmation=lambda o: o),
        ),
        Related(
            capfirst(CorrectiveAction._meta.verbose_name_plural),
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


def _support_links(request):
    from django.urls import reverse

    return [{"title": gettext("Figures per year"), "url": reverse("assurance:support_summary")}]


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
    list_links=_support_links,
    **COMMON,
)


def _equipment_context(item, request):
    from .calplan import suggest_interval

    return {"suggestion": suggest_interval(item)}


def _plan_context(plan, request):
    lines = list(
        PlanLine.objects.restrict(request.user)
        .filter(plan=plan)
        .select_related("equipment__instrument", "provider", "calibration", "certificate")
        .order_by("planned_on", "pk")
    )
    done = sum(1 for line in lines if line.done_on)
    return {
        "lines": lines,
        "total_cost": sum((line.cost or 0) for line in lines),
        "can_manage": plan.permits(request.user, CHANGE),
        "progress": {
            "done": done,
            "total": len(lines),
            "percent": round(100 * done / len(lines)) if lines else None,
        },
    }


def _line_context(line, request):
    from .calplan import match_providers, suggest_interval

    matches = match_providers(line)
    unchecked = sorted({note for m in matches if m.matches for note in m.unchecked})
    return {
        "suggestion": suggest_interval(line.equipment),
        "matches": matches,
        "unchecked": unchecked,
        "can_mark_done": not line.done_on and line.permits(request.user, CHANGE),
    }


equipment = Surface(
    model=Equipment,
    filterset=filtersets.EquipmentFilterSet,
    table=tables.EquipmentTable,
    form=forms.EquipmentForm,
    serializer=serializers.EquipmentSerializer,
    basename="equipment",
    route="inventory",
    nav_order=80,
    select_related=["enterprise", "instrument", "instrument_type"],
    detail_template="assurance/equipment_detail.html",
    extra_context=_equipment_context,
    related=[
        Related(
            capfirst(EquipmentCalibration._meta.verbose_name_plural),
            scoped_rows(EquipmentCalibration, equipment=lambda o: o),
        ),
        Related(capfirst(PlanLine._meta.verbose_name_plural), scoped_rows(PlanLine, equipment=lambda o: o)),
    ],
    **COMMON,
)
equipment_calibration = Surface(
    model=EquipmentCalibration,
    filterset=filtersets.EquipmentCalibrationFilterSet,
    table=tables.EquipmentCalibrationTable,
    form=forms.EquipmentCalibrationForm,
    serializer=serializers.EquipmentCalibrationSerializer,
    basename="equipmentcalibration",
    route="inventory-calibrations",
    namespace="assurance",
    select_related=["equipment", "provider"],
)
plan = Surface(
    model=CalibrationPlan,
    filterset=filtersets.CalibrationPlanFilterSet,
    table=tables.CalibrationPlanTable,
    form=forms.CalibrationPlanForm,
    serializer=serializers.CalibrationPlanSerializer,
    basename="calibrationplan",
    route="calibration-plans",
    nav_order=90,
    select_related=["enterprise"],
    detail_template="assurance/plan_detail.html",
    extra_context=_plan_context,
    **COMMON,
)
plan_line = Surface(
    model=PlanLine,
    filterset=filtersets.PlanLineFilterSet,
    table=tables.PlanLineTable,
    form=forms.PlanLineForm,
    serializer=serializers.PlanLineSerializer,
    basename="planline",
    route="plan-lines",
    namespace="assurance",
    select_related=["plan", "equipment", "provider"],
    detail_fields=[*forms.PlanLineForm._meta.fields, "done_on", "calibration", "certificate"],
    detail_template="assurance/planline_detail.html",
    extra_context=_line_context,
)


# ------------------------------------------------------------------------------------------- readiness survey


def _checklist_context(checklist, request):
    from doluong.metrology.readiness import weights_sum_ok

    items = list(checklist.items.all())
    ok, total = weights_sum_ok(i.weight for i in items)
    can_manage = checklist.permits(request.user, CHANGE)
    return {
        "items": items,
        "weights_ok": ok,
        "weights_total": total,
        "can_manage": can_manage,
        "frozen": checklist.is_frozen,
        # a published checklist used by a survey is immutable: no "Edit"/"Delete", a new version instead
        "can_change": can_manage and not checklist.is_frozen,
        "can_delete": checklist.permits(request.user, DELETE) and not checklist.is_frozen,
    }


def _survey_context(survey, request):
    from .readiness import result

    answers = list(SurveyAnswer.objects.restrict(request.user).filter(survey=survey).select_related("item"))
    files: dict[int, list] = {}
    evidence_rows = SurveyEvidence.objects.restrict(request.user).filter(answer__survey=survey)
    for evidence in evidence_rows.select_related("uploaded_by"):
        files.setdefault(evidence.answer_id, []).append(evidence)
    for a in answers:
        a.files = files.get(a.pk, [])
    return {
        "answers": answers,
        "result": result(survey),
        "can_answer": survey.permits(request.user, CHANGE),
        "file_count": sum(len(v) for v in files.values()),
    }


class ChecklistSurface(Surface):
    """The checklist's surface: its API refuses to change or delete a frozen version, with the reason."""

    def api_viewset(self):
        from rest_framework.exceptions import ValidationError as ApiValidationError

        from .readiness_models import CHECKLIST_FROZEN

        base = super().api_viewset()

        class ChecklistViewSet(base):
            def perform_destroy(self, instance):
                if instance.is_frozen:
                    raise ApiValidationError(gettext(CHECKLIST_FROZEN))
                super().perform_destroy(instance)

        ChecklistViewSet.surface = base.surface
        return ChecklistViewSet


checklist = ChecklistSurface(
    model=Checklist,
    filterset=filtersets.ChecklistFilterSet,
    table=tables.ChecklistTable,
    form=forms.ChecklistForm,
    serializer=serializers.ChecklistSerializer,
    basename="checklist",
    route="checklists",
    nav_order=100,
    detail_fields=[*forms.ChecklistForm._meta.fields, "version", "status", "published_at", "previous"],
    detail_template="assurance/checklist_detail.html",
    extra_context=_checklist_context,
    **COMMON,
)
checklist_item = Surface(
    model=ChecklistItem,
    filterset=filtersets.ChecklistItemFilterSet,
    table=tables.ChecklistItemTable,
    form=forms.ChecklistItemForm,
    serializer=serializers.ChecklistItemSerializer,
    basename="checklistitem",
    route="checklist-rows",
    namespace="assurance",
    select_related=["checklist"],
)
survey = Surface(
    model=Survey,
    filterset=filtersets.SurveyFilterSet,
    table=tables.SurveyTable,
    form=forms.SurveyForm,
    serializer=serializers.SurveySerializer,
    basename="readinesssurvey",
    route="readiness-surveys",
    nav_order=110,
    select_related=["enterprise", "checklist"],
    detail_template="assurance/survey_detail.html",
    extra_context=_survey_context,
    **COMMON,
)
answer = Surface(
    model=SurveyAnswer,
    filterset=filtersets.SurveyAnswerFilterSet,
    table=tables.SurveyAnswerTable,
    form=forms.SurveyAnswerForm,
    serializer=serializers.SurveyAnswerSerializer,
    basename="surveyanswer",
    route="survey-answers",
    namespace="assurance",
    select_related=["survey__enterprise", "item"],
    can_import=False,
    detail_fields=["survey", "item", "prefill_note", *forms.SurveyAnswerForm._meta.fields],
    related=[
        Related(
            capfirst(SurveyEvidence._meta.verbose_name_plural),
            scoped_rows(SurveyEvidence, answer=lambda o: o),
        )
    ],
)
evidence = Surface(
    model=SurveyEvidence,
    filterset=filtersets.SurveyEvidenceFilterSet,
    table=tables.SurveyEvidenceTable,
    form=forms.SurveyEvidenceForm,
    serializer=serializers.SurveyEvidenceSerializer,
    basename="surveyevidence",
    route="survey-evidence",
    namespace="assurance",
    select_related=["answer__item", "uploaded_by"],
    can_import=False,
    detail_fields=["answer", "file", "description", "uploaded_by", "uploaded_at"],
    detail_template="assurance/evidence_detail.html",
)

advisory = Surface(
    model=AdvisoryAssignment,
    filterset=filtersets.AdvisoryAssignmentFilterSet,
    table=tables.AdvisoryAssignmentTable,
    form=forms.AdvisoryAssignmentForm,
    serializer=serializers.AdvisoryAssignmentSerializer,
    basename="advisoryassignment",
    route="advisory-assignments",
    nav_order=75,
    select_related=["enterprise", "consultant", "province", "support"],
    **COMMON,
)

SURFACES = [
    programme,
    process,
    link,
    confirmation,
    point,
    corrective,
    oot_case,
    impact,
    support,
    advisory,
    equipment,
    equipment_calibration,
    plan,
    plan_line,
    checklist,
    checklist_item,
    survey,
    answer,
    evidence,
]

# the provider's requests and the confirmations its certificates feed: a page of provider staff
nav_link(
    "assurance",
    _("Calibration requests and confirmations"),
    "assurance:provider_work",
    order=5,
    visible=lambda u: bool(_provider_orgs(u)),
)

# the province's readiness overview is a page, not a model's list: a plain menu entry in the group
nav_link(
    "assurance",
    _("Readiness of the province's enterprises"),
    "assurance:readiness",
    order=115,
    visible=lambda u: can(u, Survey),
)


# ------------------------------------------------------------------------------------------- workflow pages


def _get(model, request, pk, action=VIEW):
    return restricted_or_404(model, request.user, pk, action)


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
    from django.shortcuts import redirect, render

    from doluong.core.views import ObjectDeleteView

    from .models import DELETE_APPROVED_REFUSED

    obj = _get(Programme, request, pk, DELETE)
    if obj.is_approved:
        if request.method == "POST":
            messages.error(request, gettext(DELETE_APPROVED_REFUSED))
            return redirect(obj.get_absolute_url())
        return render(
            request,
            "assurance/programme_undeletable.html",
            {"object": obj, "reason": gettext(DELETE_APPROVED_REFUSED)},
        )
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


# ------------------------------------------------------------------------------------------- calibration plan

#: the months of the calendar view
MONTHS = [
    pgettext_lazy("month", "Jan"),
    pgettext_lazy("month", "Feb"),
    pgettext_lazy("month", "Mar"),
    pgettext_lazy("month", "Apr"),
    pgettext_lazy("month", "May"),
    pgettext_lazy("month", "Jun"),
    pgettext_lazy("month", "Jul"),
    pgettext_lazy("month", "Aug"),
    pgettext_lazy("month", "Sep"),
    pgettext_lazy("month", "Oct"),
    pgettext_lazy("month", "Nov"),
    pgettext_lazy("month", "Dec"),
]


@login_required
@require_POST
def plan_generate(request, pk):
    from .calplan import generate_lines

    obj = _get(CalibrationPlan, request, pk, CHANGE)
    try:
        made, undated = generate_lines(obj, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(obj.get_absolute_url())
    messages.success(
        request, gettext("%(count)s plan lines added from the inventory's due dates.") % {"count": len(made)}
    )
    if undated:
        messages.warning(
            request,
            gettext("Without a due date (no last calibration or no interval): %(items)s")
            % {"items": ", ".join(str(i) for i in undated[:20])},
        )
    return HttpResponseRedirect(obj.get_absolute_url())


def _plan_rows(plan, user):
    return list(
        PlanLine.objects.restrict(user)
        .filter(plan=plan)
        .select_related("equipment__instrument", "equipment__instrument_type", "provider")
        .order_by("equipment__name", "equipment_id", "planned_on", "pk")
    )


@login_required
def plan_calendar(request, pk):
    from django.shortcuts import render

    from doluong.core.dates import today

    obj = _get(CalibrationPlan, request, pk, VIEW)
    rows: dict[int, dict] = {}
    on = today()
    for line in _plan_rows(obj, request.user):
        row = rows.setdefault(
            line.equipment_id, {"equipment": line.equipment, "months": [[] for _ in range(12)]}
        )
        state = "done" if line.done_on else ("late" if line.planned_on < on else "planned")
        row["months"][line.planned_on.month - 1].append({"line": line, "state": state})
    counts = [0] * 12
    for row in rows.values():
        for i, cell in enumerate(row["months"]):
            counts[i] += len(cell)
    return render(
        request,
        "assurance/plan_calendar.html",
        {"object": obj, "months": MONTHS, "rows": list(rows.values()), "counts": counts},
    )


@login_required
def plan_export(request, pk):
    from doluong.core.io import tabular_response

    obj = _get(CalibrationPlan, request, pk, VIEW)
    headers = [
        gettext("No."),
        gettext("inventory item"),
        gettext("group"),
        gettext("serial number"),
        gettext("due on"),
        gettext("planned on"),
        gettext("service provider"),
        gettext("cost (VND)"),
        gettext("done on"),
        gettext("notes"),
    ]
    rows = [
        [
            i,
            str(line.equipment),
            line.equipment.group,
            line.equipment.serial,
            line.due_on,
            line.planned_on,
            str(line.provider) if line.provider_id else "",
            int(line.cost) if line.cost is not None else None,
            line.done_on,
            line.notes,
        ]
        for i, line in enumerate(sorted(_plan_rows(obj, request.user), key=lambda r: (r.planned_on, r.pk)), 1)
    ]
    return tabular_response(str(obj), f"ke-hoach-hieu-chuan-{obj.year}-{obj.pk}", headers, rows, "xlsx")


# ------------------------------------------------------------------------------------------- readiness survey


@login_required
@require_POST
def checklist_publish(request, pk):
    obj = _get(Checklist, request, pk, CHANGE)
    return _run(
        request,
        obj,
        lambda: actions.do_publish_checklist(obj, request.user),
        gettext("The checklist version is published."),
    )


@login_required
@require_POST
def checklist_new_version(request, pk):
    obj = _get(Checklist, request, pk, VIEW)
    if not Checklist.can_add(request.user):
        raise PermissionDenied(
            gettext("You may not add %(model)s.") % {"model": Checklist._meta.verbose_name_plural}
        )
    return _run(
        request,
        obj,
        lambda: actions.do_new_checklist_version(obj, request.user),
        gettext("A new draft version is made."),
    )


@login_required
def support_summary(request):
    """The support activities the user may view, per year: lượt, distinct organisations guided or advised, of
    them through consultancy, providers supported and consultant hours (`assurance.support`)."""
    from django.shortcuts import render

    from doluong.geo.models import Province
    from doluong.programs.models import MapEngagement

    from .support import yearly

    rows = SupportActivity.objects.restrict(request.user)
    legacy = MapEngagement.objects.restrict(request.user)
    province = request.GET.get("province", "")
    seen = set(rows.order_by().values_list("province_id", flat=True).distinct())
    seen |= set(legacy.order_by().values_list("province_id", flat=True).distinct())
    provinces = list(Province.objects.filter(pk__in=seen).order_by("name"))
    if province:  # a province code as it is ("01" is Hà Nội, not 1)
        rows, legacy = rows.filter(province_id=province), legacy.filter(province_id=province)
    years, total = yearly(rows, legacy)
    return render(
        request,
        "assurance/support_summary.html",
        {"years": years, "total": total, "provinces": provinces, "province": province or ""},
    )


@login_required
def readiness_overview(request):
    """The province's enterprises with their latest readiness score, band and the change since the previous
    survey (the surveys the user may view)."""
    from django.shortcuts import render

    from .readiness import bands, province_overview

    visible = Survey.objects.restrict(request.user)
    provinces = sorted(set(visible.values_list("province_id", flat=True)))
    sections = []
    for province_id in provinces:
        from doluong.geo.models import Province

        enterprises = visible.filter(province_id=province_id).values("enterprise_id")
        rows = province_overview(province_id, enterprises=enterprises)
        deltas = [r["delta"] for r in rows if r["delta"] is not None]
        sections.append(
            {
                "province": Province.objects.get(pk=province_id),
                "rows": rows,
                "average_delta": (sum(deltas) / len(deltas)).quantize(Decimal("0.1")) if deltas else None,
            }
        )
    return render(
        request,
        "assurance/readiness_overview.html",
        {"sections": sections, "bands": bands(), "can_add": Survey.can_add(request.user)},
    )


def _provider_orgs(user) -> list[int]:
    """The organisations whose plan lines the user reads as their provider: the memberships the permission table
    grants PlanLine's view through `provided_by_own_organisation` (no role named here)."""
    from doluong.core.access import acting_scopes
    from doluong.core.scope import VIEW

    from .permissions import PROVIDED_BY_OWN

    return sorted(
        {
            s.organisation_id
            for s, grant in acting_scopes(user, PlanLine, VIEW)
            if grant.scope == PROVIDED_BY_OWN
        }
    )


@login_required
def provider_work(request):
    """The provider's own page (item 8): the calibration plan lines of the enterprises that name its
    organisation as provider (the requests: to do, then done) and the metrological confirmations fed by its
    certificates, with their verdicts. Only the user's own organisation's rows (`provided_by_own_organisation`);
    a user who is no provider's staff is refused."""
    from django.shortcuts import render

    orgs = _provider_orgs(request.user)
    if not orgs:
        raise PermissionDenied
    lines = (
        PlanLine.objects.restrict(request.user)
        .filter(provider_id__in=orgs)
        .select_related("equipment", "enterprise", "certificate", "plan")
        .order_by("done_on", "planned_on", "pk")
    )
    confirmations = (
        Confirmation.objects.restrict(request.user)
        .filter(certificate__provider_id__in=orgs)
        .select_related("enterprise", "instrument", "process", "certificate")
        .order_by("-confirmed_on", "-pk")
    )
    lines = list(lines)
    return render(
        request,
        "assurance/provider_work.html",
        {
            "open_lines": [line for line in lines if not line.done_on],
            "done_lines": [line for line in lines if line.done_on],
            "confirmations": list(confirmations[:200]),
        },
    )


# ------------------------------------------------------------------------------------------- out of tolerance


def _case_source(request, *, record=None, certificate=None):
    """The failed (not voided) record or the revoked certificate named by the request, among those the user
    may view; 404 otherwise."""
    from doluong.verification.choices import CertificateStatus, Result
    from doluong.verification.models import Certificate, VerificationRecord

    if record:
        obj = _get(VerificationRecord, request, record)
        if obj.result != Result.FAILED or obj.is_voided:
            raise Http404(gettext("The record did not fail (or is voided): nothing is out of tolerance."))
        return {"record": obj}
    if certificate:
        obj = _get(Certificate, request, certificate)
        if obj.status != CertificateStatus.REVOKED:
            raise Http404(gettext("The certificate is not revoked."))
        return {"certificate": obj}
    raise Http404(gettext("Choose either the failed calibration record or the revoked certificate."))


def _case_panel(obj, request):
    """The "Mở vụ việc sai lệch" button of a failed record's or a revoked certificate's page: shown to whoever
    the permission table lets open the case, once; once opened, a link to the case for whoever may view it."""
    from doluong.verification.choices import CertificateStatus, Result
    from doluong.verification.models import Certificate

    if isinstance(obj, Certificate):
        eligible, source, query = obj.status == CertificateStatus.REVOKED, {"certificate": obj}, "certificate"
    else:
        eligible, source, query = obj.result == Result.FAILED and not obj.is_voided, {"record": obj}, "record"
    if not eligible:
        return {"actions": []}
    case = actions.existing_case(**source)
    if case is not None:
        if not case.permits(request.user, VIEW):
            return {"actions": []}
        return {
            "case": case,
            "actions": [
                {"title": _("Out-of-tolerance case"), "url": case.get_absolute_url(), "style": "warning"}
            ],
        }
    candidate = OutOfToleranceCase(**source)
    candidate.derive()
    if not actions.may_open_case(candidate, request.user):
        return {"actions": []}
    from django.urls import reverse

    url = f"{reverse('assurance:case_open')}?{query}={obj.pk}"
    return {"actions": [{"title": _("Open an out-of-tolerance case"), "url": url, "style": "danger"}]}


def _register_case_panels():
    from doluong.core.surface import detail_panel
    from doluong.verification.models import Certificate, VerificationRecord

    for model in (VerificationRecord, Certificate):
        detail_panel(model, "assurance/partials/case_panel.html", _case_panel)


_register_case_panels()


def _evidence_panel(answer, request):
    """ "Add an evidence file" on a survey answer, for whoever may change the answer (they upload its files)."""
    from django.urls import reverse

    if not answer.permits(request.user, CHANGE):
        return {"actions": []}
    url = f"{reverse('assurance:surveyevidence_add')}?answer={answer.pk}"
    return {"actions": [{"title": _("Add an evidence file"), "url": url, "style": "success"}]}


def _register_evidence_panel():
    from doluong.core.surface import detail_panel

    detail_panel(SurveyAnswer, "assurance/partials/evidence_panel.html", _evidence_panel)


_register_evidence_panel()


@login_required
def case_open(request):
    """Open the out-of-tolerance case of a failed record or a revoked certificate (GET: what will happen; POST:
    `actions.do_open_case`). A case already open is shown instead of a second one."""
    from django.shortcuts import redirect, render

    data = request.POST if request.method == "POST" else request.GET
    source = _case_source(request, record=data.get("record"), certificate=data.get("certificate"))
    found = actions.existing_case(**source)
    if found is not None:
        if not found.permits(request.user, VIEW):
            raise PermissionDenied(
                gettext("An out-of-tolerance case is already open on this record or certificate.")
            )
        messages.info(
            request, gettext("An out-of-tolerance case is already open on this record or certificate.")
        )
        return redirect(found.get_absolute_url())
    candidate = OutOfToleranceCase(**source)
    candidate.derive()
    if not actions.may_open_case(candidate, request.user):
        raise PermissionDenied(
            gettext(
                "You may not open an out-of-tolerance case on this record (outside your organisation or area)."
            )
        )
    (source_obj,) = source.values()
    if request.method == "POST":
        try:
            case, created = actions.do_open_case(
                request.user, description=request.POST.get("description", ""), **source
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(source_obj.get_absolute_url())
        if created:
            messages.success(
                request,
                gettext("The out-of-tolerance case is open: %(count)s affected rows listed.")
                % {"count": case.items.count()},
            )
        return redirect(case.get_absolute_url())
    return render(
        request,
        "assurance/case_open.html",
        {"source": source_obj, "candidate": candidate, "field": next(iter(source))},
    )


# ------------------------------------------------------------------------------------------- readiness evidence


@login_required
def evidence_download(request, pk):
    """An evidence file of a readiness answer, to whoever may view the answer's evidence."""
    from pathlib import PurePosixPath

    from django.http import FileResponse

    item = _get(SurveyEvidence, request, pk)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(gettext("The file is missing.")) from exc
    return FileResponse(handle, as_attachment=True, filename=PurePosixPath(item.file.name).name)


# ------------------------------------------------------------------------------------------- a plan line done


@login_required
def planline_done(request, pk):
    """ "Đánh dấu đã thực hiện": pick the calibration record that fulfilled the line (GET: the candidates;
    POST: `actions.do_mark_line_done`)."""
    from django.shortcuts import redirect, render

    from doluong.verification.models import Certificate

    line = _get(PlanLine, request, pk, CHANGE)
    candidates = actions.fulfilling_records(line, request.user)
    if request.method == "POST":
        choice = request.POST.get("record", "")
        kind, _sep, key = choice.partition("-")
        picked = {
            f"{'certificate' if isinstance(c, Certificate) else 'calibration'}-{c.pk}": c for c in candidates
        }.get(choice)
        if picked is None:
            messages.error(request, gettext("Choose the calibration record that fulfilled the line."))
            return redirect(reverse_done(line))
        try:
            actions.do_mark_line_done(line, request.user, **{kind: picked})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(reverse_done(line))
        messages.success(request, gettext("The plan line is marked as done."))
        return redirect(line.get_absolute_url())
    rows = [
        {
            "key": f"{'certificate' if isinstance(c, Certificate) else 'calibration'}-{c.pk}",
            "record": c,
            "day": c.verified_on if isinstance(c, Certificate) else c.calibrated_on,
            "is_certificate": isinstance(c, Certificate),
        }
        for c in candidates
    ]
    return render(request, "assurance/planline_done.html", {"object": line, "rows": rows})


def reverse_done(line) -> str:
    from django.urls import reverse

    return reverse("assurance:planline_done", args=[line.pk])
