import django_filters

from doluong.core.filtersets import BaseFilterSet
from doluong.core.text import fold
from doluong.geo.models import Province

from .models import CoverageReport, FormulaVersion, ProviderCapacity, SurveyEstimate


class FormulaVersionFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(notes__icontains=value)

    class Meta:
        model = FormulaVersion
        fields = []


class ProviderCapacityFilterSet(BaseFilterSet):
    def search(self, queryset, name, value):
        return queryset.filter(scope_line__search_text__contains=fold(value))

    class Meta:
        model = ProviderCapacity
        fields = ["declared_on"]


class SurveyEstimateFilterSet(BaseFilterSet):
    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())

    def search(self, queryset, name, value):
        return queryset.filter(instrument_type__search_text__contains=fold(value))

    class Meta:
        model = SurveyEstimate
        fields = ["province", "year"]


class CoverageReportFilterSet(BaseFilterSet):
    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())

    def search(self, queryset, name, value):
        return queryset.filter(notes__icontains=value)

    class Meta:
        model = CoverageReport
        fields = ["province", "year"]
