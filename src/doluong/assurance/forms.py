from django import forms
from django.utils.translation import gettext_lazy as _

from doluong.core.forms import BaseModelForm
from doluong.programs.forms import _activity_form

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

TEXT = {"rows": 3}


def _areas(*names):
    return {name: forms.Textarea(attrs=TEXT) for name in names}


class ProgrammeForm(BaseModelForm):
    class Meta:
        model = Programme
        fields = [
            "enterprise",
            "title",
            "period_start",
            "period_end",
            "measurement_officer",
            "state_organisation",
            "state_methods",
            "state_technical",
            "expected_effect",
            "objectives",
            "tasks",
            "solutions",
            "budget",
            "legal_basis",
            "notes",
        ]
        widgets = _areas(
            "state_organisation",
            "state_methods",
            "state_technical",
            "expected_effect",
            "objectives",
            "tasks",
            "solutions",
            "budget",
            "legal_basis",
            "notes",
        )


class MeasurementProcessForm(BaseModelForm):
    class Meta:
        model = MeasurementProcess
        fields = [
            "enterprise",
            "name",
            "characteristic",
            "unit",
            "nominal",
            "tolerance",
            "process_mpe",
            "max_uncertainty",
            "tur_target",
            "temperature_min",
            "temperature_max",
            "humidity_max",
            "method_document",
            "method_version",
            "method_validated_on",
            "method_validation",
            "owner",
            "notes",
        ]
        widgets = _areas("method_validation", "notes")


class ProcessInstrumentForm(BaseModelForm):
    class Meta:
        model = ProcessInstrument
        fields = ["process", "instrument", "certified_uncertainty"]


class ConfirmationForm(BaseModelForm):
    upload_kinds = {"certificate_file": "attachment"}

    class Meta:
        model = Confirmation
        fields = [
            "process",
            "instrument",
            "confirmed_on",
            "next_on",
            "rule",
            "pfa_target",
            "itp",
            "certificate",
            "certificate_number",
            "certificate_file",
            "calibrated_by",
            "procedure",
            "environment",
            "adjustments",
            "limitations",
            "traceability",
            "responsible_person",
        ]
        widgets = _areas("adjustments", "limitations")


class ConfirmationPointForm(BaseModelForm):
    class Meta:
        model = ConfirmationPoint
        fields = ["confirmation", "position", "nominal", "error", "uncertainty", "coverage_factor"]


class CorrectiveActionForm(BaseModelForm):
    class Meta:
        model = CorrectiveAction
        fields = ["confirmation", "description", "owner", "deadline", "status", "closed_on", "evidence"]
        widgets = _areas("description", "evidence")


class OutOfToleranceCaseForm(BaseModelForm):
    class Meta:
        model = OutOfToleranceCase
        fields = ["record", "certificate", "error_found", "unit", "description"]
        widgets = _areas("description")


class ImpactItemForm(BaseModelForm):
    upload_kinds = {"evidence_file": "attachment"}

    class Meta:
        model = ImpactItem
        fields = ["status", "closed_on", "evidence", "evidence_file"]
        widgets = _areas("evidence")


SupportActivityForm = _activity_form(
    SupportActivity, ["beneficiary", "kind", "programme", "consultants", "hours", "funding"]
)


class ConsultationForm(forms.Form):
    on = forms.DateField(label=_("consulted on"), input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    record = forms.CharField(label=_("consultation record"), widget=forms.Textarea(attrs=TEXT))


class ApprovalForm(forms.Form):
    on = forms.DateField(label=_("approved on"), input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    approver = forms.CharField(label=_("approved by (head of the enterprise)"), max_length=150)


class EquipmentForm(BaseModelForm):
    class Meta:
        model = Equipment
        fields = [
            "enterprise",
            "instrument",
            "name",
            "instrument_type",
            "quantity",
            "serial",
            "unit",
            "range_min",
            "range_max",
            "required_uncertainty",
            "interval_months",
            "last_calibrated_on",
            "reliability_target",
            "in_use",
            "notes",
        ]
        widgets = _areas("notes")


def provider_choices():
    """The service providers an enterprise may name on its plan and history: every provider and laboratory
    (their names and registrations are public); the matching on the plan line says which cover the item."""
    from doluong.parties.choices import OrganisationKind
    from doluong.parties.models import Organisation

    return Organisation.objects.filter(kind__in=OrganisationKind.providers()).order_by("province_id", "name")


class _ProviderChoice:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "provider" in self.fields and not self.fields["provider"].disabled:
            self.fields["provider"].queryset = provider_choices()


class EquipmentCalibrationForm(_ProviderChoice, BaseModelForm):
    class Meta:
        model = EquipmentCalibration
        fields = ["equipment", "calibrated_on", "in_tolerance", "provider", "certificate_number", "notes"]


class CalibrationPlanForm(BaseModelForm):
    class Meta:
        model = CalibrationPlan
        fields = ["enterprise", "year", "title", "prepared_by", "notes"]
        widgets = _areas("notes")


class PlanLineForm(_ProviderChoice, BaseModelForm):
    class Meta:
        model = PlanLine
        fields = ["plan", "equipment", "due_on", "planned_on", "provider", "cost", "notes"]


class ChecklistForm(BaseModelForm):
    class Meta:
        model = Checklist
        fields = ["name", "legal_basis", "source_verified", "notes"]
        widgets = _areas("legal_basis", "notes")


class ChecklistItemForm(BaseModelForm):
    class Meta:
        model = ChecklistItem
        fields = [
            "checklist",
            "position",
            "code",
            "group",
            "group_title",
            "factor",
            "text",
            "weight",
            "prefill",
            "source_verified",
            "note",
        ]
        widgets = _areas("text", "note")


class SurveyForm(BaseModelForm):
    class Meta:
        model = Survey
        fields = ["enterprise", "checklist", "surveyed_on", "surveyor", "status", "notes"]
        widgets = _areas("notes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .choices import ChecklistStatus

        if "checklist" in self.fields:
            self.fields["checklist"].queryset = self.fields["checklist"].queryset.filter(
                status=ChecklistStatus.PUBLISHED
            )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input: each is cleaned (and validated: extension, size limit) on its own."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _evidence_help():
    from doluong.core.uploads import format_size, limit

    from .readiness_models import EVIDENCE_EXTENSIONS

    return _("%(types)s; at most %(limit)s each.") % {
        "types": ", ".join(e.upper() for e in EVIDENCE_EXTENSIONS),
        "limit": format_size(limit("attachment")),
    }


class SurveyAnswerForm(BaseModelForm):
    """The answer's edit page, which also uploads new evidence files (`SurveyEvidence`, one row per file, saved
    through `core.actions.save_object` after the answer: the same scope as the answer's)."""

    new_files = MultipleFileField(label=_("Add evidence files"), required=False)
    new_files_description = forms.CharField(
        label=_("Description of the files added"), required=False, max_length=300
    )

    class Meta:
        model = SurveyAnswer
        fields = ["value", "evidence", "gap", "cause", "proposed_task", "owner", "deadline"]
        widgets = _areas("evidence", "gap", "cause", "proposed_task")

    def __init__(self, *args, **kwargs):
        from .readiness_models import evidence_extension_validator

        super().__init__(*args, **kwargs)
        field = self.fields["new_files"]
        field.validators = [evidence_extension_validator(), *field.validators]
        field.help_text = _evidence_help()

    def save_related(self) -> None:
        from doluong.core.actions import save_object

        from .readiness_models import SurveyEvidence

        super().save_related()
        description = self.cleaned_data.get("new_files_description", "")
        for upload in self.cleaned_data.get("new_files") or []:
            save_object(
                SurveyEvidence(
                    answer=self.instance, file=upload, description=description, uploaded_by=self.user
                ),
                self.user,
                change_reason="upload",
            )


class SurveyEvidenceForm(BaseModelForm):
    upload_kinds = {"file": "attachment"}

    class Meta:
        model = SurveyEvidence
        fields = ["answer", "file", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            self.fields["file"].help_text = _evidence_help()
        if "answer" in self.fields:
            # "A1: Đáp ứng (1)" alone does not say which survey: the survey's enterprise and date come first
            field = self.fields["answer"]
            field.queryset = field.queryset.select_related("survey__enterprise", "item")
            field.label_from_instance = lambda a: f"{a.survey} · {a}"


class AdvisoryAssignmentForm(BaseModelForm):
    class Meta:
        model = AdvisoryAssignment
        fields = ["enterprise", "consultant", "person", "user", "valid_from", "valid_to", "support", "notes"]
        widgets = _areas("notes")
