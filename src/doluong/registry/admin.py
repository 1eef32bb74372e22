from doluong.core.admin import register

from .models import Instrument, InstrumentType, InstrumentTypeRule, MeasurementStandard

register(InstrumentType, InstrumentTypeRule, Instrument, MeasurementStandard)
