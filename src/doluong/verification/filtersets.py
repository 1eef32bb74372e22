import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doluong.core.dates import today
from doluong.core.filtersets import BaseFilterSet
from doluong.core.text import fold
from doluong.parties.models import Organisation
from doluong.registry.models import InstrumentType

from .choices import CertificateStatus, RecordKind, Result
from .models import (
    BatchJob,
    Certificate,
    CertificateSettings,
    MeasurementPoint,
    SigningKey,
    ValidityRule,
    VerificationRecord,
)


class VerificationRecordFilterSet(BaseFilterSet):
    kind = django_filters.ChoiceFilter(choices=RecordKind.choices)
    result = django_filters.ChoiceFilter(choices=Result.choices)
    provider = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    owner = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    instrument_type = django_filters.ModelChoiceFilter(
        queryset=InstrumentType.objects.all(),
        field_name="instrument__instrument_type",
        label=_("instrument type"),
    )
    performed_after = django_filters.DateFilter(field_name="performed_on", lookup_expr="gte", label=_("From"))
    performed_before = django_filters.DateFilter(
        field_name="performed_on", lookup_expr="lte", label=_("Until")
    )

    class Meta:
        model = VerificationRecord
        fields = ["kind", "result", "provider", "owner", "instrument_type", "instrument", "standard"]


class MeasurementPointFilterSet(BaseFilterSet):
    class Meta:
        model = MeasurementPoint
        fields = ["record", "verdict"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(label__icontains=value) | Q(record__number__icontains=value))


class CertificateFilterSet(BaseFilterSet):
    kind = django_filters.ChoiceFilter(choices=RecordKind.choices)
    state = django_filters.ChoiceFilter(
        choices=CertificateStatus.choices, method="filter_state", label=_("status")
    )
    provider = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    owner = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    issued_after = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label=_("Issued from")
    )
    issued_before = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label=_("Issued until")
    )

    class Meta:
        model = Certificate
        fields = ["kind", "state", "provider", "owner", "instrument", "standard", "number"]

    def filter_state(self, queryset, name, value):
        now = today()
        if value == CertificateStatus.VALID:
            return queryset.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=now), status=value)
        if value == CertificateStatus.EXPIRED:
            return queryset.filter(
                Q(status=CertificateStatus.EXPIRED) | Q(status=CertificateStatus.VALID, valid_until__lt=now)
            )
        return queryset.filter(status=value)


class CertificateSettingsFilterSet(BaseFilterSet):
    class Meta:
        model = CertificateSettings
        fields = ["provider"]

    def search(self, queryset, name, value):
        return queryset.filter(provider__search_text__contains=fold(value))


class ValidityRuleFilterSet(BaseFilterSet):
    class Meta:
        model = ValidityRule
        fields = ["provider", "instrument_type"]

    def search(self, queryset, name, value):
        return queryset.filter(procedure__icontains=value)


class SigningKeyFilterSet(BaseFilterSet):
    class Meta:
        model = SigningKey
        fields = ["provider"]

    def search(self, queryset, name, value):
        return queryset.filter(key_id__icontains=value)


class BatchJobFilterSet(BaseFilterSet):
    class Meta:
        model = BatchJob
        fields = ["provider", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(file_name__icontains=value)
