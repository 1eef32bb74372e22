from django.utils.translation import gettext_lazy as _

from doluong.core.dates import today
from doluong.core.surface import Related, Surface

from . import filtersets, forms, tables
from .api import serializers
from .models import Instrument, InstrumentType, InstrumentTypeRule, MeasurementStandard


def _standard_context(obj, request):
    return {"chain": obj.chain(), "today": today()}


def _type_context(obj, request):
    return {"rule_now": obj.rule_on()}


instrument_type = Surface(
    model=InstrumentType,
    filterset=filtersets.InstrumentTypeFilterSet,
    table=tables.InstrumentTypeTable,
    form=forms.InstrumentTypeForm,
    serializer=serializers.InstrumentTypeSerializer,
    namespace="registry",
    basename="instrumenttype",
    route="instrument-types",
    nav_group="registry",
    nav_order=30,
    prefetch_related=["rules"],
    extra_context=_type_context,
    detail_template="registry/instrumenttype_detail.html",
    related=[Related(_("Rule versions"), lambda obj, user: obj.rules.all())],
)
instrument_type_rule = Surface(
    model=InstrumentTypeRule,
    filterset=filtersets.InstrumentTypeRuleFilterSet,
    table=tables.InstrumentTypeRuleTable,
    form=forms.InstrumentTypeRuleForm,
    serializer=serializers.InstrumentTypeRuleSerializer,
    namespace="registry",
    basename="instrumenttyperule",
    route="instrument-type-rules",
    nav_group="registry",
    nav_order=40,
    select_related=["instrument_type"],
)
instrument = Surface(
    model=Instrument,
    filterset=filtersets.InstrumentFilterSet,
    table=tables.InstrumentTable,
    form=forms.InstrumentForm,
    serializer=serializers.InstrumentSerializer,
    namespace="registry",
    basename="instrument",
    route="instruments",
    nav_group="registry",
    nav_order=10,
    select_related=["instrument_type", "owner", "commune__province", "last_verified_by"],
    detail_fields=[*forms.InstrumentForm._meta.fields, "province", "next_due"],
)
standard = Surface(
    model=MeasurementStandard,
    filterset=filtersets.MeasurementStandardFilterSet,
    table=tables.MeasurementStandardTable,
    form=forms.MeasurementStandardForm,
    serializer=serializers.MeasurementStandardSerializer,
    namespace="registry",
    basename="standard",
    route="standards",
    nav_group="registry",
    nav_order=20,
    select_related=["holder", "parent"],
    prefetch_related=["instrument_types"],
    extra_context=_standard_context,
    detail_template="registry/standard_detail.html",
    related=[
        Related(
            _("Standards calibrated against it"),
            lambda obj, user: MeasurementStandard.objects.restrict(user).filter(parent=obj),
        )
    ],
)

SURFACES = [instrument, standard, instrument_type, instrument_type_rule]
