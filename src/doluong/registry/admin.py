from doluong.core.admin import register

from .models import (
    Instrument,
    InstrumentType,
    InstrumentTypeRule,
    MeasurementStandard,
    ReminderContact,
    ReminderLeadTime,
    ReminderLog,
)

register(InstrumentType, InstrumentTypeRule, Instrument, MeasurementStandard)
register(ReminderLeadTime, ReminderContact, ReminderLog)
