import django_filters
from django.utils.translation import gettext_lazy as _

from doluong.core.filtersets import BaseFilterSet
from doluong.core.text import fold
from doluong.geo.models import Province
from doluong.parties.models import Organisation

from .models import (
    Attendance,
    CommunicationItem,
    Event,
    LabAssessment,
    ManualFigure,
    MapEngagement,
    Phase,
    Plan,
    ReportingDuty,
    ReportRound,
    StandardSupport,
    Survey,
    Target,
    Task,
    Training,
    UnitReport,
    UnitReportAttachment,
    UnitReportItem,
)


class PlanFilterSet(BaseFilterSet):
    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())

    class Meta:
        model = Plan
        fields = ["province", "kind", "status"]


class PhaseFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value)

    class Meta:
        model = Phase
        fields = ["plan"]


class TargetFilterSet(BaseFilterSet):
    class Meta:
        model = Target
        fields = ["plan", "phase", "source", "unit"]


class TaskFilterSet(BaseFilterSet):
    lead_org = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    assignees = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = Task
        fields = ["plan", "phase", "status", "timeline_kind", "lead_org", "assignees"]


class ReportingDutyFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(content__icontains=value)

    class Meta:
        model = ReportingDuty
        fields = ["plan", "frequency", "reporter_kind"]


class ManualFigureFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(note__icontains=value)

    class Meta:
        model = ManualFigure
        fields = ["target", "year"]


class ActivityFilterSet(BaseFilterSet):
    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("Until"))
    targets = django_filters.ModelChoiceFilter(queryset=Target.objects.all())


def _filterset(model, extra):
    meta = type("Meta", (), {"model": model, "fields": ["province", "targets", *extra]})
    return type(f"{model.__name__}FilterSet", (ActivityFilterSet,), {"Meta": meta})


TrainingFilterSet = _filterset(Training, ["organiser"])
EventFilterSet = _filterset(Event, ["kind"])
CommunicationItemFilterSet = _filterset(CommunicationItem, ["channel", "metrology_day"])
MapEngagementFilterSet = _filterset(MapEngagement, ["kind", "beneficiary"])
StandardSupportFilterSet = _filterset(StandardSupport, ["kind"])
LabAssessmentFilterSet = _filterset(LabAssessment, ["result", "lab"])
SurveyFilterSet = _filterset(Survey, [])


class AttendanceFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(full_name__icontains=value)

    class Meta:
        model = Attendance
        fields = ["training"]


class ReportRoundFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(plan__search_text__contains=fold(value))

    class Meta:
        model = ReportRound
        fields = ["plan", "year", "status"]


class UnitReportFilterSet(BaseFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    def search(self, queryset, name, value):
        return queryset.filter(summary__icontains=value)

    class Meta:
        model = UnitReport
        fields = ["round", "organisation", "status"]


class UnitReportItemFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(result__icontains=value)

    class Meta:
        model = UnitReportItem
        fields = ["report", "status"]


class UnitReportAttachmentFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(title__icontains=value)

    class Meta:
        model = UnitReportAttachment
        fields = ["report"]
