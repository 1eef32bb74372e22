import django_filters
from django.utils.translation import gettext_lazy as _

from doluong.core.filtersets import BaseFilterSet
from doluong.parties.models import Organisation

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


class ProgrammeFilterSet(BaseFilterSet):
    enterprise = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = Programme
        fields = ["enterprise", "step"]


class MeasurementProcessFilterSet(BaseFilterSet):
    enterprise = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = MeasurementProcess
        fields = ["enterprise"]


class ProcessInstrumentFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(process__search_text__icontains=value)

    class Meta:
        model = ProcessInstrument
        fields = ["process", "capable"]


class ConfirmationFilterSet(BaseFilterSet):
    class Meta:
        model = Confirmation
        fields = ["process", "verdict", "label", "rule"]


class ConfirmationPointFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(confirmation__search_text__icontains=value)

    class Meta:
        model = ConfirmationPoint
        fields = ["confirmation", "verdict"]


class CorrectiveActionFilterSet(BaseFilterSet):
    class Meta:
        model = CorrectiveAction
        fields = ["status"]


class OutOfToleranceCaseFilterSet(BaseFilterSet):
    class Meta:
        model = OutOfToleranceCase
        fields = ["trigger", "status"]


class ImpactItemFilterSet(BaseFilterSet):
    class Meta:
        model = ImpactItem
        fields = ["case", "changes", "status"]


class SupportActivityFilterSet(BaseFilterSet):
    beneficiary = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    #: the year of the activity (the page "per year" links its rows here)
    year = django_filters.NumberFilter(field_name="date", lookup_expr="year", label=_("year"))
    #: the consultants' names as typed on the activity
    consultant = django_filters.CharFilter(
        field_name="consultants", lookup_expr="icontains", label=_("consultant")
    )

    class Meta:
        model = SupportActivity
        fields = ["province", "kind", "funding", "beneficiary"]


class EquipmentFilterSet(BaseFilterSet):
    enterprise = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = Equipment
        fields = ["enterprise", "in_use"]


class EquipmentCalibrationFilterSet(BaseFilterSet):
    class Meta:
        model = EquipmentCalibration
        fields = ["in_tolerance"]


class CalibrationPlanFilterSet(BaseFilterSet):
    enterprise = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = CalibrationPlan
        fields = ["enterprise", "year"]


class PlanLineFilterSet(BaseFilterSet):
    class Meta:
        model = PlanLine
        fields = ["plan"]


class ChecklistFilterSet(BaseFilterSet):
    class Meta:
        model = Checklist
        fields = ["status"]


class ChecklistItemFilterSet(BaseFilterSet):
    class Meta:
        model = ChecklistItem
        fields = ["checklist", "group", "factor"]


class SurveyFilterSet(BaseFilterSet):
    enterprise = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = Survey
        fields = ["enterprise", "checklist", "status"]


class SurveyAnswerFilterSet(BaseFilterSet):
    class Meta:
        model = SurveyAnswer
        fields = ["survey", "value"]


class SurveyEvidenceFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(description__icontains=value)

    class Meta:
        model = SurveyEvidence
        fields = ["answer"]


class AdvisoryAssignmentFilterSet(BaseFilterSet):
    enterprise = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    consultant = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = AdvisoryAssignment
        fields = ["province", "enterprise", "consultant"]
