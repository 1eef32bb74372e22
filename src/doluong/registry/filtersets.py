import django_filters
from django.utils.translation import gettext_lazy as _

from doluong.core.dates import today
from doluong.core.filtersets import BaseFilterSet
from doluong.geo.models import Commune, Province
from doluong.parties.models import Organisation

from .choices import DueState, Field, InstrumentStatus
from .models import (
    Instrument,
    InstrumentType,
    InstrumentTypeRule,
    MeasurementStandard,
    ReminderContact,
    ReminderLeadTime,
    ReminderLog,
    ReminderStatus,
)


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


# ------------------------------------------------------------------------------------------ due lists and reminders


class DueFilterSet(BaseFilterSet):
    """Filters shared by the due-date summary and its drill-down list (both start from restrict())."""

    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all(), label=_("Province"))
    commune = django_filters.ModelChoiceFilter(queryset=Commune.objects.all(), label=_("Commune"))
    owner = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all(), label=_("Owner"))
    instrument_type = django_filters.ModelChoiceFilter(
        queryset=InstrumentType.objects.all(), label=_("Instrument type")
    )
    field = django_filters.ChoiceFilter(
        field_name="instrument_type__field", choices=Field.choices, label=_("Measurement field")
    )
    status = django_filters.ChoiceFilter(choices=InstrumentStatus.choices, label=_("Status"))

    class Meta:
        model = Instrument
        fields = ["province", "commune", "owner", "instrument_type", "field", "status"]


class ReminderLeadTimeFilterSet(BaseFilterSet):
    instrument_type = django_filters.ModelChoiceFilter(queryset=InstrumentType.objects.all())

    class Meta:
        model = ReminderLeadTime
        fields = ["instrument_type"]


class ReminderContactFilterSet(BaseFilterSet):
    owner = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = ReminderContact
        fields = ["owner", "opted_out"]


class ReminderLogFilterSet(BaseFilterSet):
    owner = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())
    status = django_filters.ChoiceFilter(choices=ReminderStatus.choices)
    run_date_after = django_filters.DateFilter(field_name="run_date", lookup_expr="gte", label=_("From"))
    run_date_before = django_filters.DateFilter(field_name="run_date", lookup_expr="lte", label=_("Until"))

    class Meta:
        model = ReminderLog
        fields = ["owner", "province", "status"]
