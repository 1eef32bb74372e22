from django.utils.translation import gettext_lazy as _

from doluong.core.access import can
from doluong.core.dates import today
from doluong.core.surface import Related, Surface, nav_link
from doluong.parties.views import organisation

from . import filtersets, forms, tables
from .api import serializers
from .models import (
    Instrument,
    InstrumentType,
    InstrumentTypeRule,
    MeasurementStandard,
    ReminderContact,
    ReminderItem,
    ReminderLeadTime,
    ReminderLog,
)


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
    detail_template="registry/instrumenttype_detail.html",  # lists the rule versions with their sources
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
    # the due state on top; verification adds the records, the certificates and "record a verification"
    detail_template="registry/instrument_detail.html",
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

reminder_lead_time = Surface(
    model=ReminderLeadTime,
    filterset=filtersets.ReminderLeadTimeFilterSet,
    table=tables.ReminderLeadTimeTable,
    form=forms.ReminderLeadTimeForm,
    serializer=serializers.ReminderLeadTimeSerializer,
    namespace="registry",
    basename="reminderleadtime",
    route="reminder-lead-times",
    nav_group="registry",
    nav_order=60,
    select_related=["instrument_type"],
)
reminder_contact = Surface(
    model=ReminderContact,
    filterset=filtersets.ReminderContactFilterSet,
    table=tables.ReminderContactTable,
    form=forms.ReminderContactForm,
    serializer=serializers.ReminderContactSerializer,
    namespace="registry",
    basename="remindercontact",
    route="reminder-contacts",
    nav_group="registry",
    nav_order=70,
    select_related=["owner"],
)
reminder_log = Surface(
    model=ReminderLog,
    filterset=filtersets.ReminderLogFilterSet,
    table=tables.ReminderLogTable,
    form=forms.ReminderLogForm,
    serializer=serializers.ReminderLogSerializer,
    namespace="registry",
    basename="reminderlog",
    route="reminder-logs",
    nav_group="registry",
    nav_order=80,
    select_related=["owner", "province"],
    prefetch_related=["instruments"],
    detail_fields=[*forms.ReminderLogForm._meta.fields, "province"],
    can_import=False,
    related=[
        Related(
            _("Instruments listed"),
            lambda obj, user: ReminderItem.objects.filter(log=obj).select_related(
                "instrument__instrument_type"
            ),
        )
    ],
)

SURFACES = [
    instrument,
    standard,
    instrument_type,
    instrument_type_rule,
    reminder_lead_time,
    reminder_contact,
    reminder_log,
]


# ------------------------------------------------------------------------------------------ the due-list page

# The due lists are pages, not a model's list: a plain menu entry in the "registry" group.
nav_link(
    "registry", _("Due for verification"), "registry:due", order=15, visible=lambda u: can(u, Instrument)
)

# The organisation page (parties) lists what the registry holds about the organisation: added here, since the
# registry sits above parties (parties imports nothing of the registry).
organisation.related = [
    *organisation.related,
    Related(
        _("Measurement standards"),
        lambda o, user: MeasurementStandard.objects.restrict(user).filter(holder=o),
    ),
    Related(
        _("Instruments owned"),
        lambda o, user: Instrument.objects.restrict(user).filter(owner=o).select_related("instrument_type"),
    ),
]
