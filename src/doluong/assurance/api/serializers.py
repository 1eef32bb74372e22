from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from doluong.core.api import make_serializer

from .. import forms
from ..choices import Verdict
from ..models import (
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

ProgrammeSerializer = make_serializer(
    Programme,
    [
        *forms.ProgrammeForm._meta.fields,
        "version",
        "step",
        "consulted_on",
        "approved_on",
        "approved_by",
        "reviewed_on",
    ],
    read_only=("version", "step", "consulted_on", "approved_on", "approved_by", "reviewed_on"),
)
MeasurementProcessSerializer = make_serializer(MeasurementProcess, forms.MeasurementProcessForm._meta.fields)
ProcessInstrumentSerializer = make_serializer(
    ProcessInstrument,
    [*forms.ProcessInstrumentForm._meta.fields, "capable", "capability_note"],
    read_only=("capable", "capability_note"),
)
ConfirmationSerializer = make_serializer(
    Confirmation,
    [*forms.ConfirmationForm._meta.fields, "verdict", "pfa", "label"],
    read_only=("verdict", "pfa", "label"),
)
ConfirmationPointSerializer = make_serializer(
    ConfirmationPoint,
    [*forms.ConfirmationPointForm._meta.fields, "verdict", "pfa"],
    read_only=("verdict", "pfa"),
)
CorrectiveActionSerializer = make_serializer(CorrectiveAction, forms.CorrectiveActionForm._meta.fields)
CASE_DERIVED = ("trigger", "standard", "instrument", "holder", "found_on", "last_good_on", "status")
OutOfToleranceCaseSerializer = make_serializer(
    OutOfToleranceCase, [*forms.OutOfToleranceCaseForm._meta.fields, *CASE_DERIVED], read_only=CASE_DERIVED
)
ITEM_DERIVED = (
    "case",
    "enterprise",
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
)
_ImpactItemBase = make_serializer(
    ImpactItem, [*ITEM_DERIVED, "status", "closed_on", "evidence"], read_only=ITEM_DERIVED
)


class ImpactItemSerializer(_ImpactItemBase):
    """The verdicts before and after are blank until recomputed (a revoked certificate, another unit): the
    schema says "" is a value they take."""

    verdict_before = serializers.ChoiceField(
        choices=Verdict.choices, allow_blank=True, read_only=True, label=_("verdict before")
    )
    verdict_after = serializers.ChoiceField(
        choices=Verdict.choices, allow_blank=True, read_only=True, label=_("verdict recomputed")
    )

    class Meta(_ImpactItemBase.Meta):
        pass


SupportActivitySerializer = make_serializer(SupportActivity, forms.SupportActivityForm._meta.fields)

EquipmentSerializer = make_serializer(Equipment, forms.EquipmentForm._meta.fields)


def _with_providers(serializer):
    """The provider may be any service provider (public), not only the organisations the user may view."""

    class WithProviders(serializer):
        def get_fields(self):
            fields = super().get_fields()
            if "provider" in fields and not fields["provider"].read_only:
                fields["provider"].queryset = forms.provider_choices()
            return fields

    WithProviders.__name__ = serializer.__name__
    return WithProviders


EquipmentCalibrationSerializer = _with_providers(
    make_serializer(EquipmentCalibration, forms.EquipmentCalibrationForm._meta.fields)
)
CalibrationPlanSerializer = make_serializer(CalibrationPlan, forms.CalibrationPlanForm._meta.fields)
_LINE_DONE = ("done_on", "calibration", "certificate")
PlanLineSerializer = _with_providers(
    make_serializer(PlanLine, [*forms.PlanLineForm._meta.fields, *_LINE_DONE], read_only=_LINE_DONE)
)

_CHECKLIST_STATE = ("version", "status", "published_at")
ChecklistSerializer = make_serializer(
    Checklist, [*forms.ChecklistForm._meta.fields, *_CHECKLIST_STATE], read_only=_CHECKLIST_STATE
)
ChecklistItemSerializer = make_serializer(ChecklistItem, forms.ChecklistItemForm._meta.fields)
SurveySerializer = make_serializer(Survey, forms.SurveyForm._meta.fields)
# programs has a Survey (its survey activities) too: the schema names this one apart
SurveySerializer.__name__ = SurveySerializer.__qualname__ = "ReadinessSurveySerializer"
_ANSWER_FIXED = ("survey", "item", "prefill_note")
SurveyAnswerSerializer = make_serializer(
    SurveyAnswer, [*_ANSWER_FIXED, *forms.SurveyAnswerForm._meta.fields], read_only=_ANSWER_FIXED
)
_EVIDENCE_STAMPS = ("uploaded_by", "uploaded_at")
SurveyEvidenceSerializer = make_serializer(
    SurveyEvidence, [*forms.SurveyEvidenceForm._meta.fields, *_EVIDENCE_STAMPS], read_only=_EVIDENCE_STAMPS
)
AdvisoryAssignmentSerializer = make_serializer(AdvisoryAssignment, forms.AdvisoryAssignmentForm._meta.fields)
