import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from doluong.core.tables import BaseTable

from .models import Instrument, InstrumentType, InstrumentTypeRule, MeasurementStandard


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
