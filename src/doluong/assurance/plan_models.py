"""The enterprise's inventory of measuring equipment and its yearly calibration plan (issue 14, item 4).

* `Equipment`: one item of the inventory — a Group 2 instrument of the registry (its legal verification cycle
  comes from the type's rule in force; an internal interval may be shorter, never longer) or the enterprise's
  own Group 1 equipment with its internal calibration interval;
* `EquipmentCalibration`: the item's own calibration history (in or out of tolerance as found), which with the
  registry's verification records of a Group 2 instrument feeds the RP-1 A3 interval suggestion
  (`assurance.calplan.suggest_interval`);
* `CalibrationPlan` + `PlanLine`: the year's plan of one enterprise, its lines generated from the due dates of
  both sources (`assurance.calplan.generate_lines`), each with its provider, cost and planned date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from doluong.core.dates import add_months
from doluong.core.models import SearchableModel
from doluong.geo.models import Province
from doluong.parties.models import Organisation
from doluong.registry.models import Instrument, InstrumentType

D = dict(max_digits=20, decimal_places=8, null=True, blank=True)


def _enterprise_check(enterprise) -> None:
    from .models import _enterprise_kinds

    if enterprise is not None and enterprise.kind not in _enterprise_kinds():
        raise ValidationError({"enterprise": gettext("Choose an enterprise or a co-operative.")})


class Equipment(SearchableModel):
    """An item of the enterprise's inventory of measuring equipment (Group 2 from the registry, or Group 1)."""

    enterprise = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    instrument = models.ForeignKey(
        Instrument,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Group 2 instrument (registry)"),
        help_text=_("Empty for the enterprise's own Group 1 equipment."),
    )
    name = models.CharField(
        _("name"), max_length=200, blank=True, help_text=_("If empty, the instrument type's name.")
    )
    instrument_type = models.ForeignKey(
        InstrumentType,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instrument type"),
        help_text=_("For a Group 2 instrument, its registry type."),
    )
    quantity = models.CharField(
        _("quantity measured"), max_length=200, blank=True, help_text=_("e.g. mass, temperature, pressure")
    )
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    unit = models.CharField(pgettext_lazy("measurement", "unit"), max_length=20, blank=True)
    range_min = models.DecimalField(_("range from"), **D)
    range_max = models.DecimalField(_("range to"), **D)
    required_uncertainty = models.DecimalField(
        _("required calibration uncertainty U"),
        **D,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("The largest expanded uncertainty a provider's calibration may have."),
    )
    interval_months = models.PositiveSmallIntegerField(
        _("internal interval (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Required for Group 1 equipment; for a Group 2 instrument at most its legal cycle."),
    )
    last_calibrated_on = models.DateField(
        _("last calibrated on"),
        null=True,
        blank=True,
        help_text=_("For a Group 2 instrument, if empty, its last verification in the registry."),
    )
    reliability_target = models.DecimalField(
        _("reliability target"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.95"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.9999"))],
        help_text=_("In-tolerance probability sought at the end of the interval (RP-1)."),
    )
    in_use = models.BooleanField(_("in use"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    search_fields = ("name", "serial", "quantity", "instrument__serial", "instrument_type__name")

    class Meta:
        ordering = ["enterprise_id", "name", "pk"]
        verbose_name = _("inventory item")
        verbose_name_plural = _("inventory of measuring equipment")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "instrument"],
                condition=models.Q(instrument__isnull=False),
                name="assurance_equipment_instrument_unique",
                violation_error_message=_("This instrument is already in the enterprise's inventory."),
            )
        ]

    def __str__(self) -> str:
        label = self.name or (str(self.instrument_type) if self.instrument_type_id else "")
        serial = self.serial or (self.instrument.serial if self.instrument_id else "")
        return f"{label} {serial}".strip() or f"#{self.pk}"

    @property
    def group(self) -> int:
        return 2 if self.instrument_id else 1

    def get_group_display(self) -> str:
        return gettext("Group 2") if self.instrument_id else gettext("Group 1")

    def legal_cycle_months(self, day: dt.date | None = None) -> int | None:
        """The legal verification cycle of a Group 2 instrument's type in force on `day` (None if unknown)."""
        from doluong.registry.choices import CycleStatus

        if not self.instrument_id:
            return None
        rule = self.instrument.instrument_type.rule_on(day)
        return rule.cycle_months if rule and rule.cycle_status == CycleStatus.KNOWN else None

    def interval(self) -> int | None:
        """The interval in force, in months: the internal one (never longer than the legal cycle), else the
        legal cycle."""
        legal = self.legal_cycle_months()
        if self.interval_months and legal:
            return min(self.interval_months, legal)
        return self.interval_months or legal

    def last_date(self, on: dt.date | None = None) -> dt.date | None:
        """The latest calibration known: the date typed, the item's calibration history, the plan lines
        done, and for a Group 2 instrument its last verification in the registry; with `on`, the latest made
        on or before that day."""
        dates = [self.last_calibrated_on]
        if self.instrument_id:
            dates.append(self.instrument.last_verified_on)
        if self.pk is not None:
            by = {} if on is None else {"calibrated_on__lte": on}
            dates.append(self.calibrations.filter(**by).aggregate(m=models.Max("calibrated_on"))["m"])
            by = {} if on is None else {"done_on__lte": on}
            dates.append(self.plan_lines.filter(**by).aggregate(m=models.Max("done_on"))["m"])
        dates = [d for d in dates if d and (on is None or d <= on)]
        return max(dates) if dates else None

    def next_due(self, on: dt.date | None = None) -> dt.date | None:
        """The next calibration or verification due: the last date plus the interval in force; for a Group 2
        instrument never after the registry's own due date. With `on`, as it stood that day: only the
        calibrations made by then, and the registry's due date only if its last verification was by then."""
        last, months = self.last_date(on), self.interval()
        due = add_months(last, months) if last and months else None
        if self.instrument_id and self.instrument.next_due:
            verified = self.instrument.last_verified_on
            if on is None or verified is None or verified <= on:
                due = min(due, self.instrument.next_due) if due else self.instrument.next_due
        return due

    def clean(self):
        super().clean()
        _enterprise_check(self.enterprise if self.enterprise_id else None)
        if self.instrument_id:
            if self.enterprise_id and self.instrument.owner_id != self.enterprise_id:
                raise ValidationError(
                    {"instrument": gettext("The instrument is not the enterprise's (registry owner).")}
                )
            self.instrument_type_id = self.instrument.instrument_type_id
            legal = self.legal_cycle_months()
            if self.interval_months and legal and self.interval_months > legal:
                raise ValidationError(
                    {
                        "interval_months": gettext(
                            "The internal interval (%(internal)s months) is longer than the legal verification "
                            "cycle of a Group 2 instrument (%(legal)s months): it may be shorter, never longer."
                        )
                        % {"internal": self.interval_months, "legal": legal}
                    }
                )
        else:
            errors = {}
            if not (self.name or "").strip():
                errors["name"] = gettext("Name the Group 1 equipment.")
            if not self.interval_months:
                errors["interval_months"] = gettext(
                    "Give the internal calibration interval of Group 1 equipment."
                )
            if errors:
                raise ValidationError(errors)
        if self.range_min is not None and self.range_max is not None and self.range_min > self.range_max:
            raise ValidationError(
                {"range_max": gettext("The upper end of the range is below the lower end.")}
            )

    def save(self, *args, **kwargs):
        if self.enterprise_id:
            self.province_id = self.enterprise.province_id
        if self.instrument_id:
            self.instrument_type_id = self.instrument.instrument_type_id
            if not self.serial:
                self.serial = self.instrument.serial
        super().save(*args, **kwargs)


class EquipmentCalibration(SearchableModel):
    """One calibration of an inventory item, as found (in or out of tolerance) — its own history."""

    equipment = models.ForeignKey(
        Equipment, models.CASCADE, related_name="calibrations", verbose_name=_("inventory item")
    )
    enterprise = models.ForeignKey(Organisation, models.PROTECT, related_name="+", editable=False)
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    calibrated_on = models.DateField(_("calibrated on"))
    in_tolerance = models.BooleanField(
        _("in tolerance as found"), default=True, help_text=_("Before any adjustment.")
    )
    provider = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service provider"),
    )
    certificate_number = models.CharField(_("certificate number"), max_length=80, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    search_fields = ("certificate_number", "equipment__name", "equipment__serial")

    class Meta:
        ordering = ["equipment_id", "calibrated_on", "pk"]
        verbose_name = _("calibration of an inventory item")
        verbose_name_plural = _("calibrations of inventory items")
        constraints = [
            models.UniqueConstraint(
                fields=["equipment", "calibrated_on"],
                name="assurance_equipment_calibration_day",
                violation_error_message=_("This item already has a calibration on that day."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.equipment} · {self.calibrated_on:%d/%m/%Y}" if self.calibrated_on else str(self.pk)

    def clean(self):
        super().clean()
        from doluong.core.dates import today

        if self.calibrated_on and self.calibrated_on > today():
            raise ValidationError({"calibrated_on": gettext("The calibration date is in the future.")})
        if self.provider_id and self.provider.kind not in _provider_kinds():
            raise ValidationError({"provider": gettext("Choose a service provider.")})

    def save(self, *args, **kwargs):
        if self.equipment_id:
            self.enterprise_id = self.equipment.enterprise_id
            self.province_id = self.equipment.province_id
        super().save(*args, **kwargs)


def _provider_kinds():
    from doluong.parties.choices import OrganisationKind

    return OrganisationKind.providers()


class CalibrationPlan(SearchableModel):
    """The yearly calibration and verification plan of one enterprise."""

    enterprise = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    prepared_by = models.CharField(_("prepared by"), max_length=150, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    search_fields = ("title", "enterprise__name")

    class Meta:
        ordering = ["enterprise_id", "-year"]
        verbose_name = _("calibration plan")
        verbose_name_plural = _("calibration plans")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                name="assurance_plan_year_unique",
                violation_error_message=_("The enterprise already has a calibration plan for this year."),
            )
        ]

    def __str__(self) -> str:
        return self.title or gettext("Calibration plan %(year)s") % {"year": self.year}

    def clean(self):
        super().clean()
        _enterprise_check(self.enterprise if self.enterprise_id else None)

    def save(self, *args, **kwargs):
        if self.enterprise_id:
            self.province_id = self.enterprise.province_id
        super().save(*args, **kwargs)

    def progress(self) -> dict:
        """The plan's lines done (marked done from the record that fulfilled them) out of all its lines."""
        total = self.lines.count()
        done = self.lines.filter(done_on__isnull=False).count()
        return {"done": done, "total": total, "percent": round(100 * done / total) if total else None}


class PlanLine(SearchableModel):
    """One planned calibration (or verification) of an inventory item in the year's plan."""

    plan = models.ForeignKey(
        CalibrationPlan, models.CASCADE, related_name="lines", verbose_name=_("calibration plan")
    )
    equipment = models.ForeignKey(
        Equipment, models.PROTECT, related_name="plan_lines", verbose_name=_("inventory item")
    )
    enterprise = models.ForeignKey(Organisation, models.PROTECT, related_name="+", editable=False)
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    due_on = models.DateField(_("due on"))
    planned_on = models.DateField(_("planned on"))
    provider = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service provider"),
    )
    cost = models.DecimalField(
        _("cost (VND)"),
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    done_on = models.DateField(
        _("done on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set by “Mark as done”, from the calibration record that fulfilled the line."),
    )
    calibration = models.ForeignKey(
        EquipmentCalibration,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_lines",
        editable=False,
        verbose_name=_("fulfilled by the calibration"),
    )
    certificate = models.ForeignKey(
        "verification.Certificate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("fulfilled by the certificate"),
    )
    reminded_on = models.DateField(_("reminder sent on"), null=True, blank=True, editable=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    search_fields = ("equipment__name", "equipment__serial", "provider__name")

    class Meta:
        ordering = ["plan_id", "planned_on", "pk"]
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "equipment", "due_on"],
                name="assurance_planline_due_unique",
                violation_error_message=_("This item is already planned for that due date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.equipment} · {self.planned_on:%d/%m/%Y}" if self.planned_on else str(self.equipment)

    @property
    def fulfilled_by(self):
        """The calibration record that fulfilled the line (the inventory's own, or a doluong certificate)."""
        return (
            self.calibration if self.calibration_id else (self.certificate if self.certificate_id else None)
        )

    def clean(self):
        super().clean()
        if self.plan_id and self.equipment_id and self.equipment.enterprise_id != self.plan.enterprise_id:
            raise ValidationError(
                {"equipment": gettext("The item is not in the plan's enterprise's inventory.")}
            )
        if self.plan_id and self.planned_on and self.planned_on.year != self.plan.year:
            raise ValidationError(
                {
                    "planned_on": gettext("The planned date is not in the plan's year (%(year)s).")
                    % {"year": self.plan.year}
                }
            )
        if self.provider_id and self.provider.kind not in _provider_kinds():
            raise ValidationError({"provider": gettext("Choose a service provider.")})

    def save(self, *args, **kwargs):
        if self.plan_id:
            self.enterprise_id = self.plan.enterprise_id
            self.province_id = self.plan.province_id
        super().save(*args, **kwargs)
