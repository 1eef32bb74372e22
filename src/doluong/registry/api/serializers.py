from doluong.core.api import make_serializer

from ..forms import InstrumentForm, InstrumentTypeForm, InstrumentTypeRuleForm, MeasurementStandardForm
from ..models import Instrument, InstrumentType, InstrumentTypeRule, MeasurementStandard

InstrumentTypeSerializer = make_serializer(InstrumentType, InstrumentTypeForm._meta.fields)
InstrumentTypeRuleSerializer = make_serializer(InstrumentTypeRule, InstrumentTypeRuleForm._meta.fields)
InstrumentSerializer = make_serializer(
    Instrument, [*InstrumentForm._meta.fields, "province", "next_due"], read_only=["province", "next_due"]
)
MeasurementStandardSerializer = make_serializer(
    MeasurementStandard, [*MeasurementStandardForm._meta.fields, "province"], read_only=["province"]
)
