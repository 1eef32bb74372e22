from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from doluong.core.admin import BaseAdmin, register

from .models import (
    Instrument,
    InstrumentType,
    InstrumentTypeRule,
    MeasurementStandard,
    ReminderContact,
    ReminderLeadTime,
    ReminderLog,
)


class RuleInline(admin.StackedInline):
    """The dated rule versions of a type, with their legal basis, sources and verification status."""

    model = InstrumentTypeRule
    extra = 0
    fields = [
        ("effective_from", "effective_to", "in_catalogue"),
        ("type_approval", "initial_verification", "periodic_verification", "after_repair_verification"),
        ("cycle_status", "cycle_months"),
        "legal_basis",
        "source_status",
        "source_url",
        "notes",
    ]


@admin.register(InstrumentType)
class InstrumentTypeAdmin(BaseAdmin):
    list_display = ["code", "name", "field", "cycle_today", "source_today"]
    list_filter = ["field", "rules__source_status", "rules__cycle_status"]
    inlines = [RuleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rules")

    @admin.display(description=_("Verification cycle"))
    def cycle_today(self, obj):
        rule = obj.rule_on()
        if rule is None:
            return _("No rule version in force today.")
        return rule.cycle_months or rule.get_cycle_status_display()

    @admin.display(description=_("source status"))
    def source_today(self, obj):
        rule = obj.rule_on()
        return rule.get_source_status_display() if rule else "—"


@admin.register(InstrumentTypeRule)
class InstrumentTypeRuleAdmin(BaseAdmin):
    list_display = [
        "instrument_type",
        "effective_from",
        "effective_to",
        "in_catalogue",
        "cycle_status",
        "cycle_months",
        "source_status",
    ]
    list_filter = ["source_status", "cycle_status", "in_catalogue", "effective_from"]
    list_select_related = ["instrument_type"]


register(Instrument, MeasurementStandard)
register(ReminderLeadTime, ReminderContact, ReminderLog)
