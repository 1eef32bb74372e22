"""State metrological inspection (Circular 28/2013 as amended by 10/2022): dated reference tables of limits and
sanction provisions, campaigns, sites, inspections and the instruments checked there.

Rows that a phone will create offline carry a client-generated `uuid` and a `version` counter, so that a sync can
match them and detect a conflicting edit (the offline field app: field.py)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from doluong.core.models import BaseModel, SearchableModel
from doluong.core.text import fold
from doluong.geo.models import Commune, Province
from doluong.metrology import inspection as calc
from doluong.metrology import inspection_risk as risk
from doluong.metrology.errors import MetrologyError, OutOfRange
from doluong.metrology.inspection import vn_number
from doluong.parties.models import Organisation
from doluong.programs.models import Attendance
from doluong.registry.models import Instrument


def _coordinate(label, bound: int) -> models.DecimalField:
    """A GPS coordinate (WGS 84 degrees, 6 decimals ≈ 0.1 m), optional, within ±`bound`: sites, checks, photos."""
    return models.DecimalField(
        label,
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-bound), MaxValueValidator(bound)],
    )


class InstrumentKind(models.TextChoices):
    SCALE = "nawi", _("Non-automatic scale")
    FUEL = "fuel_dispenser", _("Fuel dispenser")


def check_kind_for(instrument) -> str:
    """The check a new instrument check of `instrument` starts with, from its registry type's MPE rule
    (`InstrumentType.mpe_rule`): a scale ("nawi") is weighed with check weights, a fuel dispenser
    ("fuel_dispenser") delivers into a standard capacity measure; any other type (or no registered instrument)
    has no kind of its own: "" — the officer chooses."""
    rule = getattr(getattr(instrument, "instrument_type", None), "mpe_rule", "") or ""
    return rule if rule in InstrumentKind.values else ""


class Verdict(models.TextChoices):
    PASS = "pass", pgettext_lazy("inspection verdict", "Conforming")
    FAIL = "fail", pgettext_lazy("inspection verdict", "Nonconforming")


class Dated(SearchableModel):
    """A reference row in force from `effective_from` to `effective_to` (inclusive; empty: still in force)."""

    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    article = models.CharField(_("article"), max_length=150, blank=True)
    source_url = models.TextField(_("source"), blank=True)
    confidence = models.TextField(_("confidence"), blank=True)

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end of validity is before its start.")})


class LimitRule(Dated):
    """One version of the in-service limit applied by inspectors to a kind of instrument: the limit is `factor` ×
    the MPE of the instrument at initial verification (scales: 2, TT 09/2017 Art. 5(2)) or × its positive MPE
    (fuel dispensers: 1.5, TT 15/2015 Art. 6(3))."""

    code = models.CharField(_("code"), max_length=50)
    instrument_kind = models.CharField(_("instrument kind"), max_length=20, choices=InstrumentKind.choices)
    description = models.CharField(_("description"), max_length=500)
    factor = models.DecimalField(
        _("factor"), max_digits=6, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )

    search_fields = ("code", "description", "legal_basis")
    natural_key_fields = ("code",)

    class Meta:
        verbose_name = _("inspection limit rule")
        verbose_name_plural = _("inspection limit rules")
        ordering = ["instrument_kind", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["code"], name="inspections_limitrule_code")]

    def __str__(self) -> str:
        return f"{self.code} ({self.effective_from:%d/%m/%Y})"

    @classmethod
    def in_force(cls, kind: str, day):
        """The version in force on `day` for `kind`, or None."""
        return (
            cls.objects.filter(instrument_kind=kind, effective_from__lte=day)
            .filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=day))
            .order_by("-effective_from")
            .first()
        )


class SanctionProvision(Dated):
    """A sanction provision (Decree 119/2017 as amended by 126/2021) with its fine band, from the sources named
    in the row. A candidate only: a legal officer confirms any fine; the software never applies one."""

    code = models.CharField(_("code"), max_length=50)
    behaviour = models.TextField(_("violation"))
    fine_min = models.PositiveBigIntegerField(_("minimum fine (VND)"), null=True, blank=True)
    fine_max = models.PositiveBigIntegerField(_("maximum fine (VND)"), null=True, blank=True)
    subject_note = models.CharField(_("applies to"), max_length=300, blank=True)
    remedy = models.CharField(_("remedial measure"), max_length=500, blank=True)

    search_fields = ("code", "behaviour", "legal_basis")
    natural_key_fields = ("code",)

    class Meta:
        verbose_name = _("sanction provision")
        verbose_name_plural = _("sanction provisions")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["code"], name="inspections_sanction_code")]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        super().clean()
        if self.fine_min is not None and self.fine_max is not None and self.fine_min > self.fine_max:
            raise ValidationError({"fine_max": _("The maximum fine is below the minimum fine.")})


class CampaignKind(models.TextChoices):
    YEARLY = "yearly", _("Yearly plan")
    THEMATIC = "thematic", _("Thematic campaign")
    UNANNOUNCED = "unannounced", _("Unannounced inspection")


#: the words a training course's title holds when it is the state-inspection training
TRAINING_WORDS = ("kiem tra nha nuoc",)


def is_inspection_training(attendance: Attendance) -> bool:
    return any(w in fold(attendance.training.title) for w in TRAINING_WORDS)


class Campaign(SearchableModel):
    """A yearly inspection plan of a province or a commune, or a thematic or unannounced campaign (the fields of
    Circular 28/2013 Art. 8: object, content, time, place, team)."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", verbose_name=_("province"))
    commune = models.ForeignKey(
        Commune, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CampaignKind.choices)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("title"), max_length=300)
    objects_inspected = models.TextField(_("objects inspected"), blank=True)
    content = models.TextField(_("inspection content"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    leader_name = models.CharField(_("team leader"), max_length=150)
    leader_training = models.ForeignKey(
        Attendance,
        models.PROTECT,
        related_name="+",
        verbose_name=_("team leader's state-inspection training"),
    )
    members = models.TextField(_("team members"), blank=True)

    search_fields = ("title", "leader_name", "content")

    class Meta:
        verbose_name = _("inspection campaign")
        verbose_name_plural = _("inspection campaigns")
        ordering = ["-year", "-start_date"]

    def __str__(self) -> str:
        return f"{self.year} · {self.title}"

    def clean(self):
        super().clean()
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date is before the start date.")
        if self.commune_id and self.province_id and self.commune.province_id != self.province_id:
            errors["commune"] = _("The commune is not in the campaign's province.")
        if self.leader_training_id:
            att = self.leader_training
            if not is_inspection_training(att):
                errors["leader_training"] = _(
                    "The team leader has no state-inspection training: the course chosen is not a state "
                    "metrological inspection training."
                )
            elif fold(att.full_name) != fold(self.leader_name or ""):
                errors["leader_training"] = _(
                    "The training record chosen is of another person than the team leader."
                )
        if errors:
            raise ValidationError(errors)


class SiteKind(models.TextChoices):
    MARKET = "market", _("Market")
    STALL = "stall", _("Market stall")
    PETROL = "petrol", _("Petrol station")
    SHOP = "shop", _("Shop")
    PACKER = "packer", _("Packer")


class Site(SearchableModel):
    """A place inspected: a market (with its stalls), a petrol station, a shop, a packer."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=SiteKind.choices)
    name = models.CharField(_("name"), max_length=300)
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="stalls", verbose_name=_("market")
    )
    operator = models.ForeignKey(
        Organisation, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("operator")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    commune = models.ForeignKey(Commune, models.PROTECT, related_name="+", verbose_name=_("commune"))
    province = models.ForeignKey(
        Province, models.PROTECT, related_name="+", verbose_name=_("province"), editable=False
    )
    latitude = _coordinate(_("latitude"), 90)
    longitude = _coordinate(_("longitude"), 180)

    search_fields = ("name", "address")

    class Meta:
        verbose_name = _("inspection site")
        verbose_name_plural = _("inspection sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.parent_id and self.parent.kind != SiteKind.MARKET:
            raise ValidationError({"parent": _("A stall belongs to a market.")})
        if self.kind == SiteKind.STALL and not self.parent_id:
            raise ValidationError({"parent": _("A stall belongs to a market.")})

    def save(self, *args, **kwargs):
        if self.commune_id:
            self.province_id = self.commune.province_id
        super().save(*args, **kwargs)


class Inspection(SearchableModel):
    """One visit of a site within a campaign."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    campaign = models.ForeignKey(
        Campaign, models.PROTECT, related_name="inspections", verbose_name=_("campaign")
    )
    site = models.ForeignKey(Site, models.PROTECT, related_name="inspections", verbose_name=_("site"))
    date = models.DateField(_("date"))
    inspector = models.CharField(_("inspector"), max_length=150)
    person_present = models.CharField(_("person inspected"), max_length=150, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    follow_up_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
    )
    # the seal (seal.py): set once, when the inspection is completed
    sealed_at = models.DateTimeField(_("sealed at"), null=True, editable=False)
    sealed_by = models.CharField(_("sealed by"), max_length=150, editable=False, blank=True)
    seal_hash = models.CharField(_("seal (SHA-256)"), max_length=64, editable=False, blank=True)

    search_fields = ("site__name", "inspector", "notes")

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} · {self.site}"

    def clean(self):
        if self._sealed_in_db():
            raise SealedError(sealed_message())
        super().clean()
        if self.campaign_id and self.site_id:
            c = self.campaign
            if self.site.province_id != c.province_id or (
                c.commune_id and self.site.commune_id != c.commune_id
            ):
                raise ValidationError({"site": _("The site is outside the campaign's area.")})
            if self.date and not c.start_date <= self.date <= c.end_date:
                raise ValidationError({"date": _("The inspection date is outside the campaign's period.")})
        if self.follow_up_of_id:
            first = self.follow_up_of
            if first.site_id != self.site_id:
                raise ValidationError({"follow_up_of": _("A follow-up inspection is of the same site.")})
            if self.date and self.date < first.date:
                raise ValidationError({"date": _("A follow-up inspection comes after the first visit.")})

    @property
    def is_sealed(self) -> bool:
        return self.sealed_at is not None

    def _sealed_in_db(self) -> bool:
        return bool(self.pk) and type(self).objects.filter(pk=self.pk, sealed_at__isnull=False).exists()

    def save(self, *args, **kwargs):
        if self._sealed_in_db():
            raise SealedError(sealed_message())
        if self.pk:
            self.version += 1
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._sealed_in_db():
            raise models.ProtectedError(str(sealed_message()), {self})
        return super().delete(*args, **kwargs)


# ------------------------------------------------------------------------------------ sealing (guards)


class SealedError(ValidationError):
    """A change to a sealed inspection or one of its rows."""


def sealed_message():
    return _(
        "This inspection is sealed: its record can no longer be changed. Add a correction instead "
        "(corrections are appended, never edited)."
    )


class SealGuard(models.Model):
    """A row of an inspection (check, lot, finding, photo): refused once the inspection is sealed."""

    class Meta:
        abstract = True

    def _inspection_sealed(self) -> bool:
        ids = {self.inspection_id}
        if self.pk:
            ids.add(type(self).objects.filter(pk=self.pk).values_list("inspection_id", flat=True).first())
        return Inspection.objects.filter(pk__in=[i for i in ids if i], sealed_at__isnull=False).exists()

    def clean(self):
        if self._inspection_sealed():
            raise SealedError(sealed_message())
        super().clean()

    def save(self, *args, **kwargs):
        if self._inspection_sealed():
            raise SealedError(sealed_message())
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._inspection_sealed():
            raise models.ProtectedError(str(sealed_message()), {self})
        return super().delete(*args, **kwargs)


class LocationStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded by the phone")
    ABSENT = "absent", _("No position (the phone gave none)")


class InstrumentCheck(SealGuard, SearchableModel):
    """One instrument checked during an inspection: its registry record (or a description of an instrument found
    unregistered, "phát hiện mới", for the officer to review), the stamp, certificate and seal, and a test whose
    error is judged by the in-service limit of the rule version in force on the inspection's day."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    inspection = models.ForeignKey(
        Inspection, models.CASCADE, related_name="checks", verbose_name=_("inspection")
    )
    instrument = models.ForeignKey(
        Instrument,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered instrument"),
    )
    found_unregistered = models.CharField(
        _("newly found instrument (not registered)"), max_length=300, blank=True
    )
    kind = models.CharField(
        _("instrument kind"),
        max_length=20,
        choices=InstrumentKind.choices,
        blank=True,
        help_text=_("left empty: the kind of the registered instrument's type (a scale or a fuel dispenser)"),
    )
    stamp_ok = models.BooleanField(_("verification stamp valid"), default=False)
    certificate_ok = models.BooleanField(_("verification certificate valid"), default=False)
    seal_ok = models.BooleanField(_("seal intact"), default=False)
    accuracy_class = models.CharField(_("accuracy class"), max_length=10, blank=True)
    e = models.DecimalField(
        _("verification interval e (g)"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    max_capacity = models.DecimalField(_("Max (g)"), max_digits=14, decimal_places=4, null=True, blank=True)
    reference = models.DecimalField(
        _("reference value (g or L)"),
        max_digits=14,
        decimal_places=4,
        help_text=_("test load or measure volume"),
    )
    indicated = models.DecimalField(_("indication (g or L)"), max_digits=14, decimal_places=4)
    dispenser_mpe_percent = models.DecimalField(
        _("dispenser MPE (%)"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    # where the check was made, from the phone's positioning (field app): recorded as given, or recorded as absent
    # (no positioning on the device, refused, failed) with nothing invented
    location_status = models.CharField(
        _("GPS position"), max_length=12, choices=LocationStatus.choices, blank=True, default=""
    )
    latitude = _coordinate(_("latitude"), 90)
    longitude = _coordinate(_("longitude"), 180)
    location_accuracy = models.DecimalField(
        _("GPS accuracy (m)"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    located_at = models.DateTimeField(_("position taken at"), null=True, blank=True)
    location_note = models.CharField(_("why there is no GPS position"), max_length=200, blank=True)
    # computed on save
    error = models.DecimalField(
        _("error (g or %)"), max_digits=16, decimal_places=6, editable=False, null=True
    )
    limit = models.DecimalField(
        _("in-service limit"), max_digits=16, decimal_places=6, editable=False, null=True
    )
    verdict = models.CharField(
        _("inspection verdict"), max_length=10, choices=Verdict.choices, editable=False, blank=True
    )
    rule = models.ForeignKey(
        LimitRule,
        models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("rule version used"),
    )
    explanation = models.TextField(_("explanation"), editable=False, blank=True)

    search_fields = ("found_unregistered", "instrument__serial")

    class Meta:
        verbose_name = _("instrument check")
        verbose_name_plural = _("instrument checks")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return f"{self.inspection} · {self.instrument or self.found_unregistered}"

    def clean(self):
        super().clean()
        if not self.instrument_id and not self.found_unregistered:
            raise ValidationError(
                {
                    "instrument": _(
                        "Choose the registered instrument or describe the instrument found unregistered."
                    )
                }
            )
        if not self.kind:
            self.kind = check_kind_for(self.instrument) if self.instrument_id else ""
        if not self.kind:
            raise ValidationError(
                {"kind": _("Choose the kind of instrument checked (a scale or a fuel dispenser).")}
            )
        self._clean_location()
        if not self.inspection_id or self.reference is None or self.indicated is None or not self.kind:
            return
        day = self.inspection.date
        rule = LimitRule.in_force(self.kind, day)
        if rule is None:
            raise ValidationError(
                _(
                    "No inspection limit rule is in force on %(day)s for this kind of instrument: no verdict can be given."
                )
                % {"day": day.strftime("%d/%m/%Y")}
            )
        try:
            if self.kind == InstrumentKind.SCALE:
                if not self.accuracy_class or self.e is None or self.max_capacity is None:
                    raise ValidationError(_("A scale needs its accuracy class, e and Max."))
                s = calc.scale_mpe(self.accuracy_class, self.e, self.max_capacity, self.reference, "g")
                limit = rule.factor * s.initial
                err = self.indicated - self.reference
                ok = abs(err) <= limit
                expl = _("Error %(err)s g, limit %(factor)s × %(mpe)s g = %(limit)s g (%(rule)s).") % {
                    "err": vn_number(err),
                    "factor": vn_number(rule.factor),
                    "mpe": vn_number(s.initial),
                    "limit": vn_number(limit),
                    "rule": rule.code,
                }
            else:
                f = calc.fuel_delivery(self.indicated, self.reference, mpe_percent=self.dispenser_mpe_percent)
                limit = rule.factor * f.mpe_percent
                err = f.error_percent
                ok = err <= limit
                expl = _("Error %(err)s %%, limit %(factor)s × %(mpe)s %% = %(limit)s %% (%(rule)s).") % {
                    "err": vn_number(err, 3),
                    "factor": vn_number(rule.factor),
                    "mpe": vn_number(f.mpe_percent, 3),
                    "limit": vn_number(limit, 3),
                    "rule": rule.code,
                }
        except OutOfRange as exc:
            if exc.code == "load_above_max":
                raise ValidationError({"reference": _("The test load is above Max of the scale.")}) from None
            raise ValidationError(_("The test point is outside the range of the rule table.")) from None
        except MetrologyError:
            raise ValidationError(_("The test values are not valid for this instrument.")) from None
        self.rule, self.limit, self.error = rule, limit, round(err, 6)
        self.verdict = Verdict.PASS if ok else Verdict.FAIL
        self.explanation = str(expl)

    def _clean_location(self):
        has = self.latitude is not None or self.longitude is not None
        if self.location_status == LocationStatus.RECORDED:
            if self.latitude is None or self.longitude is None:
                raise ValidationError(
                    {"latitude": _("A recorded GPS position needs both its latitude and its longitude.")}
                )
        elif has or self.location_accuracy is not None:
            raise ValidationError(
                {"latitude": _("A GPS position is given only when the phone recorded one.")}
            )

    def save(self, *args, **kwargs):
        if self.pk:
            self.version += 1
        super().save(*args, **kwargs)


class LotPlace(models.TextChoices):
    PRODUCER = "producer", _("At the producer (one hour's output)")
    IMPORTER = "importer", _("At import (the consignment)")
    MARKET = "market", _("On the market (the stock on hand)")


class QuantityKind(models.TextChoices):
    MASS = "mass", _("Mass")
    VOLUME = "volume", _("Volume")


#: TT 21/2014/TT-BKHCN Art. 3(12): a lot has at most 100 000 units
MAX_LOT = 100_000


def parse_values(text: str) -> list[Decimal]:
    """The sample's measured net quantities: numbers separated by spaces, semicolons or new lines (a decimal
    comma is accepted)."""
    out = []
    for token in (text or "").replace(";", " ").split():
        try:
            out.append(Decimal(token.replace(",", ".")))
        except ArithmeticError:
            raise ValidationError({"sample": _("“%(value)s” is not a number.") % {"value": token}}) from None
    return out


class PrepackageLot(SealGuard, SearchableModel):
    """A lot of pre-packaged goods checked during an inspection (TT 21/2014/TT-BKHCN, OIML R 87): the sampling
    plan from the lot size, the measured net quantities of the sample, T1/T2 and the mean criterion, and the
    verdict explained in words."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    inspection = models.ForeignKey(
        Inspection, models.CASCADE, related_name="lots", verbose_name=_("inspection")
    )
    product = models.CharField(_("product"), max_length=300)
    place = models.CharField(_("place of the check"), max_length=20, choices=LotPlace.choices)
    quantity_kind = models.CharField(_("quantity"), max_length=10, choices=QuantityKind.choices)
    unit = models.CharField(_("unit"), max_length=10, help_text=_("g, kg, mL or L"))
    nominal = models.DecimalField(_("nominal quantity Qn"), max_digits=14, decimal_places=4)
    lot_size = models.PositiveIntegerField(_("lot size"), validators=[MinValueValidator(1)])
    sample = models.TextField(_("measured net quantities of the sample"))
    # computed on save
    sample_size = models.PositiveIntegerField(_("sample size of the plan"), editable=False, null=True)
    mean = models.DecimalField(_("mean"), max_digits=16, decimal_places=6, editable=False, null=True)
    accepted = models.BooleanField(_("lot accepted"), editable=False, null=True)
    explanation = models.TextField(_("explanation"), editable=False, blank=True)

    search_fields = ("product",)

    class Meta:
        verbose_name = _("pre-packaged lot")
        verbose_name_plural = _("pre-packaged lots")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return f"{self.product} · {self.nominal} {self.unit}"

    def clean(self):
        super().clean()
        from doluong.metrology import prepackage
        from doluong.metrology.errors import SampleTooSmall

        if self.lot_size is None or self.nominal is None or not self.quantity_kind or not self.unit:
            return
        if self.lot_size > MAX_LOT:
            raise ValidationError({"lot_size": _("A lot has at most 100,000 units (TT 21/2014 Art. 3(12)).")})
        values = parse_values(self.sample)
        try:
            plan = prepackage.sampling_plan(self.lot_size)
            if len(values) < plan.sample_size:
                raise ValidationError(
                    {
                        "sample": _(
                            "The sampling plan for a lot of %(lot)s units asks for %(n)s measured units; "
                            "only %(got)s were given."
                        )
                        % {
                            "lot": vn_number(self.lot_size),
                            "n": vn_number(plan.sample_size),
                            "got": vn_number(len(values)),
                        }
                    }
                )
            if len(values) > plan.sample_size:
                raise ValidationError(
                    {
                        "sample": _(
                            "The sampling plan for a lot of %(lot)s units asks for exactly %(n)s measured units; %(got)s were given."
                        )
                        % {
                            "lot": vn_number(self.lot_size),
                            "n": vn_number(plan.sample_size),
                            "got": vn_number(len(values)),
                        }
                    }
                )
            v = prepackage.inspect_lot(
                float(self.nominal), self.quantity_kind, self.unit, self.lot_size, [float(x) for x in values]
            )
        except SampleTooSmall:
            raise ValidationError({"sample": _("The sample is smaller than the sampling plan.")}) from None
        except MetrologyError:
            raise ValidationError(
                _("The lot values are not valid (nominal quantity, unit or sample).")
            ) from None
        self.sample_size = plan.sample_size
        self.mean = round(Decimal(str(v.mean)), 6)
        self.accepted = v.accepted
        self.explanation = explain_lot(v)

    def save(self, *args, **kwargs):
        if self.pk:
            self.version += 1
        super().save(*args, **kwargs)


def explain_lot(v) -> str:
    """The lot verdict in Vietnamese words, one line per criterion."""
    words = {
        "mean": _("Mean %(value)s %(unit)s, required at least %(limit)s %(unit)s"),
        "t1": _("%(value)s unit(s) short by more than T, at most %(limit)s allowed"),
        "t2": _("%(value)s unit(s) short by more than 2T, none allowed"),
    }
    head = _("Lot of %(lot)s, sample of %(n)s, Qn = %(qn)s %(unit)s (T = %(t)s %(unit)s): %(verdict)s.") % {
        "lot": vn_number(v.plan.lot_size),
        "n": vn_number(v.plan.sample_size),
        "qn": vn_number(v.nominal, digits=6),
        "unit": v.unit,
        "t": vn_number(v.tolerance.t, digits=6),
        "verdict": _("lot accepted") if v.accepted else _("lot rejected"),
    }
    lines = [str(head)]
    for c in v.criteria:
        text = words.get(c.name)
        if text is None:
            continue
        mark = _("met") if c.passed else _("not met")
        shown = {"value": vn_number(c.value, digits=6), "limit": vn_number(c.limit, digits=6), "unit": v.unit}
        lines.append(f"- {text % shown}: {mark}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ findings and remedies


class FindingCode(models.TextChoices):
    NOT_VERIFIED = (
        "not_verified",
        _("Group 2 instrument in use without verification (no stamp or certificate)"),
    )
    EXPIRED = "expired", _("Verification certificate or stamp expired")
    SEAL_BROKEN = "seal_broken", _("Verification stamp or seal broken or removed")
    ERROR_SCALE = "error_scale", _("Scale error beyond the in-service limit (short weighing)")
    ERROR_FUEL = "error_fuel", _("Fuel dispenser error beyond 1.5 × its positive MPE")
    TAMPERING = "tampering", _("Instrument or result tampered with")
    PREPACK_SHORT = "prepack_short", _("Pre-packaged lot short of its nominal quantity")
    PREPACK_LABEL = "prepack_label", _("Pre-packaged goods: quantity statement missing or wrong")
    OTHER = "other", _("Other nonconformity")


#: the sanction table's codes that may apply to each kind of finding (candidates; a legal officer decides)
CANDIDATES = {
    FindingCode.NOT_VERIFIED: ("V10-1", "V10-2", "V10-3", "V10-4", "V10-5+"),
    FindingCode.EXPIRED: ("V10-1", "V10-2", "V10-3", "V10-4", "V10-5+"),
    FindingCode.SEAL_BROKEN: ("V-SEAL",),
    FindingCode.ERROR_SCALE: ("V14-2-1", "V14-2-2", "V14-2-3", "V14-2-4", "V14-2-5", "V14-1b"),
    FindingCode.ERROR_FUEL: ("V-FUEL", "V14-2-1", "V14-2-2", "V14-2-3", "V14-2-4", "V14-2-5"),
    FindingCode.TAMPERING: ("V-FRAUD",),
    FindingCode.PREPACK_SHORT: ("V-PREPACK-SHORT",),
    FindingCode.PREPACK_LABEL: ("V-PREPACK-LABEL",),
    FindingCode.OTHER: (),
}

#: the table's row holding the field's maximum fine (for an individual), and the commune chairman's share of it
#: (NĐ 189/2025/NĐ-CP Art. 5(1): up to 50 % of the field's maximum; row AUTH-XA)
FIELD_MAX_CODE = "AUTH-MAX"
COMMUNE_SHARE = Decimal("0.5")


class Offender(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    ORGANISATION = "organisation", _("Organisation")


class Sanction(models.TextChoices):
    NONE = "none", pgettext_lazy("sanction", "None (remedy only)")
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")


class Competent(models.TextChoices):
    COMMUNE = "commune_chairman", _("Chairman of the commune People's Committee")
    PROVINCE = "province_chairman", _("Chairman of the provincial People's Committee")


def provisions_in_force(day):
    return SanctionProvision.objects.filter(effective_from__lte=day).filter(
        models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=day)
    )


def commune_ceiling(day, offender: str) -> int | None:
    """The highest fine a commune chairman may impose on `day`: half the field's maximum of the table's
    AUTH-MAX row (an individual's; an organisation's is twice, Law on Handling Administrative Violations
    Art. 24(2)); None when the table has no maximum in force."""
    row = provisions_in_force(day).filter(code=FIELD_MAX_CODE).first()
    if row is None or row.fine_max is None:
        return None
    ceiling = Decimal(row.fine_max) * COMMUNE_SHARE
    if offender == Offender.ORGANISATION:
        ceiling *= 2
    return int(ceiling)


class Finding(SealGuard, SearchableModel):
    """A nonconformity found during an inspection, coded; the candidate provisions of the dated sanction table
    with their fine band; a proposed sanction that a legal officer confirms (the software never imposes one)."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    inspection = models.ForeignKey(
        Inspection, models.CASCADE, related_name="findings", verbose_name=_("inspection")
    )
    instrument_check = models.ForeignKey(
        InstrumentCheck,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("instrument check"),
    )
    lot = models.ForeignKey(
        PrepackageLot,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("pre-packaged lot"),
    )
    code = models.CharField(_("nonconformity"), max_length=20, choices=FindingCode.choices)
    description = models.TextField(_("what was found"))
    offender = models.CharField(
        _("offender"), max_length=20, choices=Offender.choices, default=Offender.INDIVIDUAL
    )
    provision = models.ForeignKey(
        SanctionProvision,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("candidate provision"),
    )
    sanction = models.CharField(
        _("proposed sanction"), max_length=10, choices=Sanction.choices, default=Sanction.NONE
    )
    proposed_fine = models.PositiveBigIntegerField(_("proposed fine (VND)"), null=True, blank=True)
    competent = models.CharField(
        _("competent official"), max_length=30, choices=Competent.choices, editable=False, blank=True
    )
    legal_officer = models.CharField(_("legal officer who confirmed"), max_length=150, blank=True)
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)

    search_fields = ("description", "code")

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = pgettext_lazy("inspection", "findings")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return f"{self.inspection} · {self.get_code_display()}"

    @property
    def confirmed(self) -> bool:
        return bool(self.legal_officer and self.confirmed_on)

    def candidates(self):
        """The provisions of the sanction table in force on the inspection's day that may apply."""
        if not self.inspection_id or not self.code:
            return SanctionProvision.objects.none()
        return provisions_in_force(self.inspection.date).filter(code__in=CANDIDATES.get(self.code, ()))

    def clean(self):
        super().clean()
        errors = {}
        if self.instrument_check_id and self.instrument_check.inspection_id != self.inspection_id:
            errors["check"] = _("The instrument check is of another inspection.")
        if self.lot_id and self.lot.inspection_id != self.inspection_id:
            errors["lot"] = _("The lot is of another inspection.")
        if errors:
            raise ValidationError(errors)
        if not self.inspection_id:
            return
        day = self.inspection.date
        if self.provision_id and not provisions_in_force(day).filter(pk=self.provision_id).exists():
            raise ValidationError(
                {
                    "provision": _("This provision is not in force on the inspection's day (%(day)s).")
                    % {"day": day.strftime("%d/%m/%Y")}
                }
            )
        if self.sanction == Sanction.FINE:
            if not self.provision_id:
                raise ValidationError({"provision": _("A fine needs the provision it is proposed under.")})
            p = self.provision
            if p.fine_min is None or p.fine_max is None:
                raise ValidationError(
                    {
                        "proposed_fine": _(
                            "The sanction table has no fine band for %(code)s: the amount cannot be proposed here; "
                            "the legal officer sets it from the decree."
                        )
                        % {"code": p.code}
                    }
                )
            if self.proposed_fine is None or not p.fine_min <= self.proposed_fine <= p.fine_max:
                raise ValidationError(
                    {
                        "proposed_fine": _(
                            "The fine must be within the band of %(code)s: from %(low)s to %(high)s VND."
                        )
                        % {
                            "code": p.code,
                            "low": f"{p.fine_min:,}".replace(",", "."),
                            "high": f"{p.fine_max:,}".replace(",", "."),
                        }
                    }
                )
        elif self.proposed_fine is not None:
            raise ValidationError(
                {"proposed_fine": _("A fine amount is given only when the sanction is a fine.")}
            )
        if bool(self.legal_officer) != bool(self.confirmed_on):
            raise ValidationError(
                {"legal_officer": _("A confirmation needs both the legal officer's name and the date.")}
            )
        if self.confirmed_on and self.confirmed_on < day:
            raise ValidationError({"confirmed_on": _("The confirmation is dated before the inspection.")})
        self.competent = ""
        if self.sanction == Sanction.WARNING:
            self.competent = Competent.COMMUNE
        elif self.sanction == Sanction.FINE:
            ceiling = commune_ceiling(day, self.offender)
            self.competent = (
                Competent.COMMUNE
                if ceiling is not None and self.proposed_fine <= ceiling
                else Competent.PROVINCE
            )


class RemedyKind(models.TextChoices):
    REVERIFY = "reverify", _("Have the instrument re-verified")
    STOP_USE = "stop_use", _("Stop using the instrument and seal it")
    RELABEL = "relabel", _("Relabel the lot")
    WITHDRAW = "withdraw", _("Withdraw the lot from sale")
    OTHER = "other", _("Other remedial measure")


class Remedy(SearchableModel):
    """A remedial measure ordered for a finding, with its deadline (N days after the inspection). Ordering one
    schedules the follow-up inspection of the site on the latest deadline (one follow-up per inspection)."""

    finding = models.ForeignKey(Finding, models.CASCADE, related_name="remedies", verbose_name=_("finding"))
    kind = models.CharField(_("remedial measure"), max_length=20, choices=RemedyKind.choices)
    days = models.PositiveSmallIntegerField(
        _("within (days)"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    due_date = models.DateField(pgettext_lazy("task deadline", "deadline"), editable=False, null=True)
    notes = models.TextField(_("notes"), blank=True)
    completed_on = models.DateField(_("carried out on"), null=True, blank=True)
    follow_up = models.ForeignKey(
        Inspection,
        models.SET_NULL,
        null=True,
        editable=False,
        related_name="remedies_checked",
        verbose_name=_("follow-up inspection"),
    )

    search_fields = ("notes",)

    class Meta:
        verbose_name = _("remedial measure")
        verbose_name_plural = _("remedial measures")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} · {self.due_date:%d/%m/%Y}"
            if self.due_date
            else self.get_kind_display()
        )

    @property
    def instrument(self):
        check = self.finding.instrument_check if self.finding_id else None
        return check.instrument if check else None

    def clean(self):
        super().clean()
        if not self.finding_id or not self.days or not self.kind:
            return
        f = self.finding
        if self.kind in (RemedyKind.REVERIFY, RemedyKind.STOP_USE) and not f.instrument_check_id:
            raise ValidationError(
                {"kind": _("This measure concerns an instrument: the finding names no instrument check.")}
            )
        if self.kind in (RemedyKind.RELABEL, RemedyKind.WITHDRAW) and not f.lot_id:
            raise ValidationError(
                {"kind": _("This measure concerns a lot: the finding names no pre-packaged lot.")}
            )
        visit = f.inspection
        self.due_date = visit.date + dt.timedelta(days=self.days)
        if self.due_date > visit.campaign.end_date:
            raise ValidationError(
                {
                    "days": _(
                        "The deadline (%(due)s) falls after the campaign's end (%(end)s): no follow-up inspection "
                        "can be scheduled in it. Shorten the deadline or extend the campaign."
                    )
                    % {
                        "due": self.due_date.strftime("%d/%m/%Y"),
                        "end": visit.campaign.end_date.strftime("%d/%m/%Y"),
                    }
                }
            )
        if self.completed_on and self.completed_on < visit.date:
            raise ValidationError({"completed_on": _("The measure is dated before the inspection.")})

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.follow_up_id is None and self.due_date:
            visit = self.finding.inspection
            follow = Inspection.objects.filter(follow_up_of=visit).order_by("pk").first()
            if follow is None:
                follow = Inspection(
                    campaign=visit.campaign,
                    site=visit.site,
                    date=self.due_date,
                    inspector=visit.inspector,
                    follow_up_of=visit,
                    notes=str(
                        _("Follow-up inspection of the remedial measures ordered on %(day)s.")
                        % {"day": visit.date.strftime("%d/%m/%Y")}
                    ),
                )
                follow._history_user = getattr(self, "_history_user", None)
                follow.save()
            elif follow.sealed_at is None and follow.date < self.due_date:
                follow.date = self.due_date
                follow.save()
            type(self).objects.filter(pk=self.pk).update(follow_up=follow)
            self.follow_up = follow


# ------------------------------------------------------------------------------------ photos and corrections

PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PHOTO_MAX = 10 * 1024 * 1024


class Photo(SealGuard, BaseModel):
    """A photo taken during an inspection (of an instrument, a stamp, a label): its bytes' SHA-256 is taken at
    upload and again by the seal."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    inspection = models.ForeignKey(
        Inspection, models.CASCADE, related_name="photos", verbose_name=_("inspection")
    )
    instrument_check = models.ForeignKey(
        InstrumentCheck,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("instrument check"),
    )
    caption = models.CharField(_("caption"), max_length=300)
    file = models.FileField(_("photo"), upload_to="inspections/photos/%Y/")
    content_type = models.CharField(_("image type"), max_length=30, editable=False, blank=True)
    sha256 = models.CharField(_("SHA-256 at upload"), max_length=64, editable=False, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = _coordinate(_("latitude"), 90)
    longitude = _coordinate(_("longitude"), 180)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return self.caption

    def read_bytes(self) -> bytes:
        with self.file.open("rb") as fh:
            return fh.read()

    def clean(self):
        super().clean()
        if self.instrument_check_id and self.instrument_check.inspection_id != self.inspection_id:
            raise ValidationError({"check": _("The instrument check is of another inspection.")})
        if not self.file:
            return
        if getattr(self.file, "_committed", False):
            return  # a stored photo's file is not re-read
        from PIL import Image, UnidentifiedImageError

        f = self.file
        if getattr(f, "size", 0) > PHOTO_MAX:
            raise ValidationError({"file": _("A photo of at most 10 MB.")})
        f.seek(0)
        data = f.read()
        f.seek(0)
        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError({"file": _("The file is not an image (JPEG, PNG or WebP).")}) from None
        if fmt not in PHOTO_TYPES:
            raise ValidationError({"file": _("The file is not an image (JPEG, PNG or WebP).")})
        self.content_type = PHOTO_TYPES[fmt]
        self.sha256 = hashlib.sha256(data).hexdigest()


class SignerRole(models.TextChoices):
    INSPECTOR = "inspector", _("Inspector")
    INSPECTED = "inspected", _("Person inspected")


SIGNATURE_MAX = 1024 * 1024


class Signature(SealGuard, BaseModel):
    """A signature drawn on the phone's screen (the field app's canvas) by the inspector or by the person
    inspected: the PNG as drawn, who, their role in the inspection and when; sent by the sync under the phone's
    id (idempotent) and covered by the seal by the SHA-256 of its bytes."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    inspection = models.ForeignKey(
        Inspection, models.CASCADE, related_name="signatures", verbose_name=_("inspection")
    )
    role = models.CharField(_("role in the inspection"), max_length=20, choices=SignerRole.choices)
    signer = models.CharField(_("signed by"), max_length=150)
    signed_at = models.DateTimeField(_("signed at"))
    image = models.FileField(_("signature (PNG)"), upload_to="inspections/signatures/%Y/")
    sha256 = models.CharField(_("SHA-256 at upload"), max_length=64, editable=False, blank=True)

    class Meta:
        verbose_name = _("signature drawn on the screen")
        verbose_name_plural = _("signatures drawn on the screen")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.signer}"

    def read_bytes(self) -> bytes:
        with self.image.open("rb") as fh:
            return fh.read()

    def clean(self):
        super().clean()
        if not self.image or getattr(self.image, "_committed", False):
            return
        from PIL import Image, UnidentifiedImageError

        f = self.image
        if getattr(f, "size", 0) > SIGNATURE_MAX:
            raise ValidationError({"image": _("A signature image of at most 1 MB.")})
        f.seek(0)
        data = f.read()
        f.seek(0)
        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            fmt = None
        if fmt != "PNG":
            raise ValidationError({"image": _("The signature is not a PNG image.")})
        self.sha256 = hashlib.sha256(data).hexdigest()


class Correction(BaseModel):
    """A correction of a sealed inspection's record: appended, never edited or deleted; the seal stays as it was
    and the record is read with its corrections."""

    inspection = models.ForeignKey(
        Inspection, models.PROTECT, related_name="corrections", verbose_name=_("inspection")
    )
    text = models.TextField(_("correction"))
    reason = models.TextField(_("reason"))
    author = models.CharField(_("author"), max_length=150, editable=False, blank=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return f"{self.inspection} · {self.created:%d/%m/%Y %H:%M}" if self.created else str(self.inspection)

    def clean(self):
        super().clean()
        if self.pk:
            raise ValidationError(_("A correction is never edited: add another correction."))
        if (
            self.inspection_id
            and not Inspection.objects.filter(pk=self.inspection_id, sealed_at__isnull=False).exists()
        ):
            raise ValidationError(
                {"inspection": _("The inspection is not sealed yet: edit its record directly.")}
            )

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValidationError(_("A correction is never edited: add another correction."))
        user = getattr(self, "_history_user", None)
        if user is not None and not self.author:
            self.author = (user.get_full_name() or user.get_username())[:150]
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise models.ProtectedError(str(_("A correction is never deleted.")), {self})


# ------------------------------------------------------------------------------------ public complaints


class ComplaintStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("complaint", "New")
    HANDLING = "handling", _("Being handled")
    CLOSED = "closed", pgettext_lazy("finding status", "Closed")


class Complaint(SearchableModel):
    """A complaint sent from the public form (an instrument's public check page or the statistics page), routed
    to the commune where the instrument is registered (or the commune the sender names)."""

    commune = models.ForeignKey(Commune, models.PROTECT, related_name="+", verbose_name=_("commune"))
    province = models.ForeignKey(
        Province, models.PROTECT, related_name="+", verbose_name=_("province"), editable=False
    )
    certificate_number = models.CharField(_("certificate number"), max_length=80, blank=True, editable=False)
    instrument = models.ForeignKey(
        Instrument,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("measuring instrument"),
    )
    place = models.CharField(_("where (market, shop, station)"), max_length=300, editable=False)
    text = models.TextField(_("what happened"), editable=False)
    contact = models.CharField(_("contact (optional)"), max_length=150, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.NEW
    )
    handling = models.TextField(_("handling"), blank=True)

    search_fields = ("place", "text", "certificate_number")

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.place[:60]}"

    def save(self, *args, **kwargs):
        if self.commune_id:
            self.province_id = self.commune.province_id
        super().save(*args, **kwargs)


# ------------------------------------------------------------------------------------ risk-ranked targets


@functools.cache
def provisional_weight_codes() -> frozenset[str]:
    """The codes of the risk weight versions that data/risk_weights.csv marks provisional."""
    from .reference import _rows

    return frozenset(r["code"] for r in _rows("risk_weights.csv") if r.get("provisional") == "1")


class RiskWeights(BaseModel):
    """One dated version of the weights of the risk score that ranks a campaign's target sites
    (metrology.inspection_risk): reference data loaded from data/risk_weights.csv, editable by the
    administrator; the version used is stored with each target."""

    code = models.CharField(_("code"), max_length=50)
    valid_from = models.DateField(_("valid from"))
    violation = models.DecimalField(_("weight of a past violation"), max_digits=8, decimal_places=3)
    certificate = models.DecimalField(
        _("weight of an expired or missing certificate"), max_digits=8, decimal_places=3
    )
    complaint = models.DecimalField(_("weight of a complaint"), max_digits=8, decimal_places=3)
    instrument = models.DecimalField(_("weight of an instrument"), max_digits=8, decimal_places=3)
    year_since_visit = models.DecimalField(
        _("weight of a year since the last visit"), max_digits=8, decimal_places=3
    )
    days_cap = models.PositiveIntegerField(
        _("longest time counted (days)"), default=730, validators=[MinValueValidator(1)]
    )
    source = models.TextField(_("source"), blank=True)

    natural_key_fields = ("code",)

    class Meta:
        verbose_name = _("risk score weights")
        verbose_name_plural = _("risk score weights")
        ordering = ["-valid_from"]
        constraints = [models.UniqueConstraint(fields=["code"], name="inspections_riskweights_code")]

    def __str__(self) -> str:
        return f"{self.code} ({self.valid_from:%d/%m/%Y})"

    def clean(self):
        super().clean()
        for name in ("violation", "certificate", "complaint", "instrument", "year_since_visit"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValidationError({name: _("A weight is a number of at least 0.")})

    @classmethod
    def in_force(cls, day):
        return cls.objects.filter(valid_from__lte=day).order_by("-valid_from", "-pk").first()

    @property
    def provisional(self) -> bool:
        """Whether these are weights the project proposed (marked provisional in data/risk_weights.csv), which wait
        for the competent authority's decision. The authority's weights are a new version (a new code and the day
        it applies from) that the administrator adds; targets generated from that day are ranked with it."""
        return self.code in provisional_weight_codes()

    def as_weights(self) -> risk.RiskWeights:
        return risk.RiskWeights(
            violation=self.violation,
            certificate=self.certificate,
            complaint=self.complaint,
            instrument=self.instrument,
            year_since_visit=self.year_since_visit,
            days_cap=self.days_cap,
        )


class TargetCategory(models.TextChoices):
    MARKET = "market", _("Market")
    PETROL = "petrol", _("Petrol station")
    SHOP = "shop", _("Shop")
    PACKER = "packer", _("Packer or importer")
    PROVIDER = "provider", _("Verification provider")


class TargetSite(BaseModel):
    """A site a campaign should inspect, ranked by its risk score (inspections.ranking.generate_targets): an
    inspection site of the registry, or a verification provider of the campaign's area; the score's inputs and
    the weights version used are stored with it, so that the page shows how the score was reached."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="targets", verbose_name=_("campaign"))
    category = models.CharField(_("kind"), max_length=20, choices=TargetCategory.choices)
    site = models.ForeignKey(
        Site, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("inspection site")
    )
    organisation = models.ForeignKey(
        Organisation,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verification provider"),
    )
    name = models.CharField(_("name"), max_length=300)
    commune = models.ForeignKey(Commune, models.PROTECT, related_name="+", verbose_name=_("commune"))
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", verbose_name=_("province"))
    rank = models.PositiveIntegerField(_("rank"))
    score = models.DecimalField(_("risk score"), max_digits=12, decimal_places=2)
    violations = models.PositiveIntegerField(_("past violations"), default=0)
    bad_certificates = models.PositiveIntegerField(_("expired or missing certificates"), default=0)
    complaints = models.PositiveIntegerField(_("complaints"), default=0)
    instruments = models.PositiveIntegerField(_("instruments"), default=0)
    last_visit = models.DateField(_("last visit"), null=True, blank=True)
    days_used = models.PositiveIntegerField(_("days since the last visit (counted)"), default=0)
    reference_day = models.DateField(_("computed as of"))
    weights = models.ForeignKey(
        RiskWeights, models.PROTECT, related_name="+", verbose_name=_("weights version used")
    )
    #: the campaign's inspection made from this target (actions.open_target_inspection): set once, so pressing
    #: the button again opens it instead of making a second one
    inspection = models.ForeignKey(
        Inspection,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("inspection made from the target"),
    )

    class Meta:
        verbose_name = _("target site")
        verbose_name_plural = _("target sites")
        ordering = ["campaign", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "site"],
                name="inspections_target_site",
                condition=models.Q(site__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["campaign", "organisation"],
                name="inspections_target_org",
                condition=models.Q(organisation__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.name}"


# ------------------------------------------------------------------------------------ numbers as the PDFs print them

#: the numeric fields of the app written the Vietnamese way on its pages, exactly as its PDFs write them
#: (metrology.inspection.vn_number: a dot between thousands, a decimal comma, no trailing zeros — "12.500",
#: "5.000.000", "0,347"): core's detail page and the app's tables read a model's ``get_<name>_display``. A year,
#: a rank or a count of days is not listed (2026 is not "2.026").
VN_NUMBER_FIELDS = {
    LimitRule: ("factor",),
    SanctionProvision: ("fine_min", "fine_max"),
    InstrumentCheck: (
        "e",
        "max_capacity",
        "reference",
        "indicated",
        "dispenser_mpe_percent",
        "error",
        "limit",
        "location_accuracy",
    ),
    PrepackageLot: ("nominal", "lot_size", "sample_size", "mean"),
    Finding: ("proposed_fine",),
    RiskWeights: ("violation", "certificate", "complaint", "instrument", "year_since_visit"),
    TargetSite: ("score",),
}


def _vn_display(name: str):
    def display(self) -> str:
        return vn_number(getattr(self, name))

    display.__name__ = f"get_{name}_display"
    display.__doc__ = f"{name} written the Vietnamese way (metrology.inspection.vn_number)."
    return display


for _model, _names in VN_NUMBER_FIELDS.items():
    for _name in _names:
        setattr(_model, f"get_{_name}_display", _vn_display(_name))
