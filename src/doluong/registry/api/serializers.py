from doluong.core.api import make_serializer

from ..forms import (
    InstrumentForm,
    InstrumentTypeForm,
    InstrumentTypeRuleForm,
    MeasurementStandardForm,
    ReminderContactForm,
    ReminderLeadTimeForm,
    ReminderLogForm,
)
from ..models import (
    Instrument,
    InstrumentType,
    InstrumentTypeRule,
    MeasurementStandard,
    ReminderContact,
    ReminderLeadTime,
    ReminderLog,
)

InstrumentTypeSerializer = make_serializer(InstrumentType, InstrumentTypeForm._meta.fields)
InstrumentTypeRuleSerializer = make_serializer(InstrumentTypeRule, InstrumentTypeRuleForm._meta.fields)
InstrumentSerializer = make_serializer(
    Instrument, [*InstrumentForm._meta.fields, "province", "next_due"], read_only=["province", "next_due"]
)
MeasurementStandardSerializer = make_serializer(
    MeasurementStandard, [*MeasurementStandardForm._meta.fields, "province"], read_only=["province"]
)
ReminderLeadTimeSerializer = make_serializer(ReminderLeadTime, ReminderLeadTimeForm._meta.fields)
ReminderContactSerializer = make_serializer(ReminderContact, ReminderContactForm._meta.fields)
ReminderLogSerializer = make_serializer(
    ReminderLog,
    [*ReminderLogForm._meta.fields, "province", "instruments"],
    read_only=[*ReminderLogForm._meta.fields, "province", "instruments"],
)
