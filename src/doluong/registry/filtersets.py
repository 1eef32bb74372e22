import django_filters
from django.utils.translation import gettext_lazy as _

from doluong.core.dates import today
from doluong.core.filtersets import BaseFilterSet
from doluong.geo.models import Commune, Province
from doluong.parties.models import Organisation

from .choices import DueState
from .models import Instrument, InstrumentType, InstrumentTypeRule, MeasurementStandard


class InstrumentTypeFilterSet(BaseFilterSet):
    class Meta:
        model = InstrumentType
        fields = ["field"]


class InstrumentTypeRuleFilterSet(BaseFilterSet):
    instrument_type = django_filters.ModelChoiceFilter(queryset=InstrumentType.objects.all())

    class Meta:
        model = InstrumentTypeRule
        fields = ["instrument_type", "cycle_status", "source_status", "in_catalogue"]


class InstrumentFilterSet(BaseFilterSet):
    instrument_type = django_filters.ModelChoiceFilter(queryset=InstrumentType.objects.all())
    owner = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())
    commune = django_filters.ModelChoiceFilter(queryset=Commune.objects.all())
    due = django_filters.ChoiceFilter(choices=DueState.choices, method="filter_due", label=_("Due state"))
    next_due_after = django_filters.DateFilter(field_name="next_due", lookup_expr="gte", label=_("Due from"))
    next_due_before = django_filters.DateFilter(
        field_name="next_due", lookup_expr="lte", label=_("Due until")
    )

    class Meta:
        model = Instrument
        fields = ["instrument_type", "owner", "province", "commune", "status", "due"]

    def filter_due(self, queryset, name, value):
        import datetime as dt

        now = today()
        if value == DueState.OVERDUE:
            return queryset.filter(next_due__lt=now)
        if value == DueState.UNKNOWN:
            return queryset.filter(next_due__isnull=True)
        if value == DueState.LATER:
            return queryset.filter(next_due__gt=now + dt.timedelta(days=90))
        days = {DueState.DUE_30: 30, DueState.DUE_60: 60, DueState.DUE_90: 90}[value]
        return queryset.filter(next_due__gte=now, next_due__lte=now + dt.timedelta(days=days))


class MeasurementStandardFilterSet(BaseFilterSet):
    holder = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())
    expired = django_filters.BooleanFilter(method="filter_expired", label=_("Expired"))

    class Meta:
        model = MeasurementStandard
        fields = ["holder", "province", "level", "quantity"]

    def filter_expired(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(valid_until__lt=today()) if value else queryset.filter(valid_until__gte=today())
        )
