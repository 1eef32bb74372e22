"""Coverage of the verification demand: the versioned formula and its parameters, the capacity a provider declares
per registered scope line, survey estimates of unregistered instruments, and frozen yearly reports.

A report freezes its inputs (the populations, capacities and services read from the registry on its data date)
with the formula version in force, so that it recomputes to the same figures whatever changes later."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from doluong.core.dates import today
from doluong.core.models import BaseModel
from doluong.geo.models import Commune, Province

from . import formula


def _check_parameters(value):
    try:
        formula.Parameters.from_dict(value if isinstance(value, dict) else None)
    except (ValueError, ArithmeticError, TypeError) as exc:
        raise ValidationError(_("The parameters are not valid: %(error)s") % {"error": exc}) from exc
    if not isinstance(value, dict):
        raise ValidationError(_("The parameters are an object of named values."))


class FormulaVersion(BaseModel):
    """One version of the coverage formulas' parameters, in force from a date. A version used by a report is never
    changed: a new parameter set is a new version."""

    # DRF's Vietnamese catalogue leaves "version" untranslated and comes first: a context of our own
    version = models.PositiveIntegerField(pgettext_lazy("coverage formula", "version"))
    effective_from = models.DateField(_("effective from"))
    parameters = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        validators=[_check_parameters],
        help_text=_(
            "undeclaredCapacity: unlimited or none; includeSurveys: true or false; fees: fee of one "
            "verification by instrument type code (VND)"
        ),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-effective_from", "-version"]
        verbose_name = _("coverage formula version")
        verbose_name_plural = _("coverage formula versions")
        constraints = [models.UniqueConstraint(fields=["version"], name="coverage_formula_version_unique")]

    def __str__(self) -> str:
        return str(
            _("Version %(n)s (from %(date)s)")
            % {"n": self.version, "date": f"{self.effective_from:%d/%m/%Y}"}
        )

    @property
    def params(self) -> formula.Parameters:
        return formula.Parameters.from_dict(self.parameters)

    def clean(self):
        super().clean()
        if self.pk and CoverageReport.objects.filter(formula_version_id=self.pk).exists():
            old = FormulaVersion.objects.get(pk=self.pk)
            if (old.parameters, old.effective_from) != (self.parameters, self.effective_from):
                raise ValidationError(
                    _("A report was computed with this version: add a new version instead of changing it.")
                )

    def parameter_rows(self) -> list[tuple[str, str]]:
        """The parameters in words, one (name, value) row each, for the pages (never the raw JSON)."""
        from .templatetags.coverage_tags import dec

        data = dict(self.parameters or {})
        policy = data.pop("undeclaredCapacity", formula.UNLIMITED)
        surveys = data.pop("includeSurveys", True)
        fees = data.pop("fees", None) or {}
        rows = [
            (
                str(_("Scope line without a declared capacity")),
                str(_("counts as unlimited") if policy == formula.UNLIMITED else _("counts as zero")),
            ),
            (
                str(_("Survey estimates of unregistered instruments")),
                str(_("included") if surveys else _("left out")),
            ),
        ]
        if fees:
            shown = "; ".join(f"{code}: {dec(fee)} đ" for code, fee in sorted(fees.items()))
        else:
            shown = str(_("none (no figures by fee value)"))
        rows.append((str(_("Fee of one verification by type")), shown))
        rows += [(str(key), str(value)) for key, value in sorted(data.items())]
        return rows

    @classmethod
    def in_force(cls, day: dt.date) -> FormulaVersion | None:
        return cls.objects.filter(effective_from__lte=day).order_by("-effective_from", "-version").first()


class ProviderCapacity(BaseModel):
    """The annual capacity (verifications a year) a provider declares for one line of its registered scope, from a
    date; the latest declaration on or before a day is the one in force."""

    scope_line = models.ForeignKey(
        "parties.RegistrationScope",
        models.CASCADE,
        related_name="+",
        verbose_name=_("registration scope line"),
    )
    annual_capacity = models.PositiveIntegerField(
        _("annual capacity"), validators=[MaxValueValidator(10_000_000)], help_text=_("Services a year")
    )
    declared_on = models.DateField(_("declared on"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["scope_line_id", "-declared_on"]
        verbose_name = _("provider capacity")
        verbose_name_plural = _("provider capacities")
        constraints = [
            models.UniqueConstraint(fields=["scope_line", "declared_on"], name="coverage_capacity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope_line} — {self.annual_capacity}/{_('year')}"

    def clean(self):
        super().clean()
        if self.declared_on and self.declared_on > today():
            raise ValidationError({"declared_on": _("The declaration date is in the future.")})
        if self.scope_line_id and not self.scope_line.instrument_type_id:
            raise ValidationError(
                {"scope_line": _("Capacity is declared for a scope line that names an instrument type.")}
            )


class SurveyEstimate(BaseModel):
    """Instruments in use that the registry does not hold, estimated by a survey, with their uncertainty."""

    province = models.ForeignKey(Province, models.PROTECT, related_name="+", verbose_name=_("province"))
    commune = models.ForeignKey(
        Commune, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    instrument_type = models.ForeignKey(
        "registry.InstrumentType", models.PROTECT, related_name="+", verbose_name=_("instrument type")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    count = models.PositiveIntegerField(_("estimated instruments"))
    uncertainty = models.PositiveIntegerField(
        _("uncertainty (± instruments)"), default=0, help_text=_("Standard uncertainty of the estimate")
    )
    method = models.CharField(_("survey method"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["province_id", "-year", "instrument_type_id"]
        verbose_name = _("survey estimate")
        verbose_name_plural = _("survey estimates")

    def __str__(self) -> str:
        return f"{self.instrument_type} {self.year}: {self.count} ± {self.uncertainty}"

    def clean(self):
        super().clean()
        if self.commune_id and self.province_id and self.commune.province_id != self.province_id:
            raise ValidationError(
                {
                    "commune": _("Commune %(commune)s is not in %(province)s.")
                    % {"commune": self.commune.name, "province": self.province}
                }
            )


class CoverageReport(BaseModel):
    """A province's coverage for a year, frozen: the inputs read on the data date, the formula version in force and
    the figures. `recompute()` gives the same figures from the frozen inputs alone."""

    province = models.ForeignKey(Province, models.PROTECT, related_name="+", verbose_name=_("province"))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    notes = models.TextField(_("notes"), blank=True)
    data_date = models.DateField(_("data date"), editable=False)
    formula_version = models.ForeignKey(
        FormulaVersion,
        models.PROTECT,
        related_name="reports",
        editable=False,
        verbose_name=_("formula version"),
    )
    parameters = models.JSONField(_("parameters"), default=dict, editable=False)
    inputs = models.JSONField(_("inputs"), default=dict, editable=False)
    capability_percent = models.DecimalField(
        _("capability coverage (%)"), max_digits=5, decimal_places=1, null=True, editable=False
    )
    realised_percent = models.DecimalField(
        _("realised coverage (%)"), max_digits=5, decimal_places=1, null=True, editable=False
    )
    figures = models.JSONField(_("figures"), default=dict, editable=False)

    class Meta:
        ordering = ["province_id", "-year", "-created"]
        verbose_name = _("coverage report")
        verbose_name_plural = _("coverage reports")

    def __str__(self) -> str:
        return str(_("Coverage %(year)s · %(province)s") % {"year": self.year, "province": self.province})

    def clean(self):
        super().clean()
        if self.year and self.year > today().year:
            raise ValidationError({"year": _("The year has not begun.")})
        if self.year and not self.pk and FormulaVersion.in_force(self.period_end) is None:
            raise ValidationError(_("No coverage formula version is in force on that date."))

    @property
    def period_end(self) -> dt.date:
        return min(dt.date(self.year, 12, 31), today())

    def save(self, *args, **kwargs):
        if not self.inputs:
            from .data import freeze

            freeze(self)
        super().save(*args, **kwargs)

    def recompute(self) -> dict:
        """The figures from the frozen inputs and parameters alone (no read of the registry)."""
        from .data import compute_frozen

        return compute_frozen(self.inputs, self.parameters)


class CoverageSnapshot(models.Model):
    """The coverage inputs of one province (populations, capacities, services: what `data.gather` reads from the
    registry) counted by the worker for one day, which the public coverage pages read for a province too large to
    read per request (coverage.snapshot). Derived data: rebuilt whole by `doluong manage refresh_coverage`, never
    edited; the frozen yearly reports are `CoverageReport`."""

    province = models.OneToOneField(Province, models.CASCADE, related_name="+", primary_key=True)
    on = models.DateField(_("counted for"))
    computed_at = models.DateTimeField(_("counted at"))
    seconds = models.FloatField(_("seconds"), default=0)
    instruments = models.PositiveIntegerField(_("instruments in use"), default=0)
    inputs = models.JSONField(_("inputs"), default=dict)

    class Meta:
        verbose_name = _("coverage snapshot")
        verbose_name_plural = _("coverage snapshots")

    def __str__(self) -> str:
        return f"{self.province_id} {self.on:%d/%m/%Y}: {self.instruments}"
