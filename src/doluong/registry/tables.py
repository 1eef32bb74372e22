import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from doluong.core.tables import BaseTable

from .models import (
    Instrument,
    InstrumentType,
    InstrumentTypeRule,
    MeasurementStandard,
    ReminderContact,
    ReminderLeadTime,
    ReminderLog,
)


class InstrumentTypeTable(BaseTable):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = InstrumentType
        fields = ["code", "name", "field"]


class InstrumentTypeRuleTable(BaseTable):
    instrument_type = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta(BaseTable.Meta):
        model = InstrumentTypeRule
        fields = [
            "instrument_type",
            "in_catalogue",
            "cycle_status",
            "cycle_months",
            "legal_basis",
            "effective_from",
            "effective_to",
            "source_status",
        ]


class InstrumentTable(BaseTable):
    instrument_type = tables.Column(linkify=lambda record: record.get_absolute_url())
    due_state = tables.Column(
        verbose_name=_("Due state"),
        accessor="get_due_state_display",
        orderable=False,
        attrs={"td": {"class": lambda record: f"due-{record.due_state}"}},
    )

    class Meta(BaseTable.Meta):
        model = Instrument
        fields = [
            "instrument_type",
            "serial",
            "owner",
            "commune",
            "last_verified_on",
            "next_due",
            "due_state",
            "status",
        ]


class MeasurementStandardTable(BaseTable):
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = MeasurementStandard
        fields = ["name", "holder", "quantity", "level", "uncertainty", "parent", "valid_until"]


class DueInstrumentTable(BaseTable):
    """The drill-down of the due list: when each instrument is due, counted from the list's date."""

    instrument_type = tables.Column(linkify=lambda record: record.get_absolute_url())
    days = tables.Column(
        verbose_name=_("Days left"),
        accessor="next_due",
        order_by="next_due",
        attrs={"td": {"class": "text-end"}},
    )

    def __init__(self, *args, on, **kwargs):
        self.on = on
        super().__init__(*args, **kwargs)

    def render_days(self, value):
        days = (value - self.on).days
        return format_html('<span class="due-overdue">{}</span>', days) if days < 0 else days

    class Meta(BaseTable.Meta):
        model = Instrument
        fields = [
            "instrument_type",
            "serial",
            "owner",
            "commune",
            "last_verified_by",
            "next_due",
            "days",
        ]


class ReminderLeadTimeTable(BaseTable):
    instrument_type = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta(BaseTable.Meta):
        model = ReminderLeadTime
        fields = ["instrument_type", "lead_days", "effective_from", "effective_to"]


class ReminderContactTable(BaseTable):
    owner = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta(BaseTable.Meta):
        model = ReminderContact
        fields = ["owner", "email", "opted_out"]


class ReminderLogTable(BaseTable):
    run_date = tables.DateColumn(format="d/m/Y", linkify=lambda record: record.get_absolute_url())

    class Meta(BaseTable.Meta):
        model = ReminderLog
        fields = ["run_date", "owner", "address", "status", "instrument_count"]
