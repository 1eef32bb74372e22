from doluong.core.forms import BaseModelForm

from .models import (
    Instrument,
    InstrumentType,
    InstrumentTypeRule,
    MeasurementStandard,
    ReminderContact,
    ReminderLeadTime,
    ReminderLog,
)


class InstrumentTypeForm(BaseModelForm):
    class Meta:
        model = InstrumentType
        fields = ["code", "name", "name_en", "field", "mpe_rule", "notes"]


class InstrumentTypeRuleForm(BaseModelForm):
    class Meta:
        model = InstrumentTypeRule
        fields = [
            "instrument_type",
            "in_catalogue",
            "type_approval",
            "initial_verification",
            "periodic_verification",
            "after_repair_verification",
            "cycle_status",
            "cycle_months",
            "legal_basis",
            "effective_from",
            "effective_to",
            "source_status",
            "source_url",
            "notes",
        ]


class InstrumentForm(BaseModelForm):
    class Meta:
        model = Instrument
        fields = [
            "instrument_type",
            "owner",
            "site_address",
            "commune",
            "serial",
            "manufacturer",
            "model",
            "year",
            "type_approval_number",
            "accuracy_class",
            "measuring_range",
            "status",
            "last_verified_on",
            "last_verified_by",
            "valid_until",
            "notes",
        ]


class MeasurementStandardForm(BaseModelForm):
    class Meta:
        model = MeasurementStandard
        fields = [
            "holder",
            "name",
            "quantity",
            "measuring_range",
            "uncertainty",
            "level",
            "serial",
            "manufacturer",
            "instrument_types",
            "parent",
            "external_calibrator",
            "external_certificate",
            "calibrated_on",
            "valid_until",
            "notes",
        ]


class ReminderLeadTimeForm(BaseModelForm):
    class Meta:
        model = ReminderLeadTime
        fields = ["instrument_type", "lead_days", "effective_from", "effective_to", "notes"]


class ReminderContactForm(BaseModelForm):
    class Meta:
        model = ReminderContact
        fields = ["owner", "email", "opted_out", "notes"]


class ReminderLogForm(BaseModelForm):
    """Read-only in practice (only the send_reminders command writes logs); it names the columns."""

    class Meta:
        model = ReminderLog
        fields = ["owner", "run_date", "address", "status", "instrument_count", "error"]
