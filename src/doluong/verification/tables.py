import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from doluong.core.tables import BaseTable, RowLinkColumn

from .models import (
    BatchJob,
    Certificate,
    CertificateSettings,
    MeasurementPoint,
    SigningKey,
    ValidityRule,
    VerificationRecord,
)


class VerificationRecordTable(BaseTable):
    number = tables.Column(linkify=True)
    subject = tables.Column(verbose_name=_("instrument or standard"), accessor="subject", orderable=False)
    result = tables.Column(attrs={"td": {"class": lambda record: f"result-{record.result}"}})

    def render_result(self, value, record):
        if record.voided_on is not None:
            return _("Voided (%(result)s)") % {"result": value}
        return value

    class Meta(BaseTable.Meta):
        model = VerificationRecord
        fields = ["number", "kind", "subject", "owner", "provider", "performed_on", "result"]


class MeasurementPointTable(BaseTable):
    record = tables.Column(linkify=lambda record: record.record.get_absolute_url())
    position = RowLinkColumn()

    class Meta(BaseTable.Meta):
        model = MeasurementPoint
        fields = [
            "record",
            "position",
            "label",
            "nominal",
            "found",
            "error",
            "mpe",
            "uncertainty",
            "unit",
            "verdict",
        ]


class CertificateTable(BaseTable):
    number = tables.Column(linkify=True)
    subject = tables.Column(
        verbose_name=_("instrument or standard"), accessor="record__subject", orderable=False
    )
    state = tables.Column(
        verbose_name=_("status"),
        accessor="get_effective_status_display",
        orderable=False,
        attrs={"td": {"class": lambda record: f"cert-{record.effective_status}"}},
    )

    class Meta(BaseTable.Meta):
        model = Certificate
        fields = ["number", "kind", "subject", "owner", "provider", "issued_on", "valid_until", "state"]


class CertificateSettingsTable(BaseTable):
    provider = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta(BaseTable.Meta):
        model = CertificateSettings
        fields = ["provider", "number_pattern", "number_digits", "record_pattern", "head_name"]


class ValidityRuleTable(BaseTable):
    procedure = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ValidityRule
        fields = ["procedure", "provider", "instrument_type", "months", "effective_from", "effective_to"]


class SigningKeyTable(BaseTable):
    key_id = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = SigningKey
        fields = ["key_id", "provider", "activated_on", "retired_on"]


class BatchJobTable(BaseTable):
    file_name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = BatchJob
        fields = ["file_name", "provider", "created", "status", "total", "issued", "failed_records"]
