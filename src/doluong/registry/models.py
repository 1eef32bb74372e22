"""The Group 2 catalogue (versioned rules), measuring instruments and measurement standards."""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from doluong.core.dates import add_months, today
from doluong.core.models import SearchableModel
from doluong.core.plausible import YearOfManufacture
from doluong.geo.models import Commune, Province
from doluong.parties.models import Organisation

from .choices import CycleStatus, DueState, Field, InstrumentStatus, SourceStatus, StandardLevel


class InstrumentType(SearchableModel):
    """An entry of the Group 2 list of measuring instruments (Circular 23/2013/TT-BKHCN as amended).

    What the law says about it (control measures, verification cycle) lives in dated `InstrumentTypeRule`
    versions, so that a changed circular is a new version, not an edit of the past."""

    code = models.CharField(_("code"), max_length=30, unique=True, help_text=_("Order number in the list"))
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    field = models.CharField(_("field"), max_length=30, choices=Field.choices)
    mpe_rule = models.CharField(
        _("MPE rule"), max_length=60, blank=True, help_text=_("Key of the metrology library's rule table")
    )
    notes = models.TextField(_("notes"), blank=True)
    #: the entry's place in the list (1.1, 1.2, 2, … 10, 11): set by the catalogue loader from its file's order
    list_order = models.PositiveIntegerField(_("order in the list"), default=0, editable=False)

    natural_key_fields = ("code", "name")
    search_fields = ("code", "name", "name_en")

    class Meta:
        ordering = ["list_order", "code"]
        verbose_name = _("instrument type")
        verbose_name_plural = _("instrument types")

    def __str__(self) -> str:
        return self.name

    def rule_on(self, day: dt.date | None = None) -> InstrumentTypeRule | None:
        """The rule version in force on `day` (today by default)."""
        day = day or today()
        for rule in self.rules.all():  # prefetched in lists
            if rule.effective_from <= day and (rule.effective_to is None or day <= rule.effective_to):
                return rule
        return None


class InstrumentTypeRule(SearchableModel):
    """One dated version of the legal rules for an instrument type: control measures and cycle."""

    instrument_type = models.ForeignKey(
        InstrumentType, models.CASCADE, related_name="rules", verbose_name=_("instrument type")
    )
    in_catalogue = models.BooleanField(
        _("in the Group 2 list"), default=True, help_text=_("False for a version that removes the type")
    )
    type_approval = models.BooleanField(_("type approval"), default=False)
    initial_verification = models.BooleanField(_("initial verification"), default=False)
    periodic_verification = models.BooleanField(_("periodic verification"), default=False)
    after_repair_verification = models.BooleanField(_("verification after repair"), default=False)
    cycle_status = models.CharField(
        _("cycle status"), max_length=20, choices=CycleStatus.choices, default=CycleStatus.UNKNOWN
    )
    cycle_months = models.PositiveSmallIntegerField(_("verification cycle (months)"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source_status = models.CharField(
        _("source status"), max_length=20, choices=SourceStatus.choices, default=SourceStatus.UNVERIFIED
    )
    source_url = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    search_fields = ("instrument_type__code", "instrument_type__name", "legal_basis")

    class Meta:
        ordering = ["instrument_type", "-effective_from"]
        verbose_name = _("instrument type rule")
        verbose_name_plural = _("instrument type rules")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_type", "effective_from"], name="registry_rule_version"
            ),
            models.CheckConstraint(
                condition=(Q(cycle_status="known") & Q(cycle_months__gt=0))
                | (~Q(cycle_status="known") & Q(cycle_months__isnull=True)),
                name="registry_rule_cycle_consistent",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="registry_rule_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_type} ({self.effective_from:%d/%m/%Y})"

    def clean(self):
        super().clean()
        if self.cycle_status == CycleStatus.KNOWN and not self.cycle_months:
            raise ValidationError(
                {"cycle_months": _("Enter the cycle in months, or mark the cycle as unknown.")}
            )
        if self.cycle_status != CycleStatus.KNOWN and self.cycle_months:
            raise ValidationError(
                {"cycle_status": _("A cycle in months is given: set the cycle status to “Known”.")}
            )
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end date is before the start date.")})
        if self.instrument_type_id and self.effective_from:
            overlapping = InstrumentTypeRule.objects.filter(
                instrument_type_id=self.instrument_type_id
            ).exclude(pk=self.pk)
            end = self.effective_to or dt.date.max
            for other in overlapping:
                other_end = other.effective_to or dt.date.max
                if other.effective_from <= end and self.effective_from <= other_end:
                    raise ValidationError(
                        {
                            "effective_from": _("This version overlaps the version in force from %(date)s.")
                            % {"date": other.effective_from.strftime("%d/%m/%Y")}
                        }
                    )

    @property
    def control_measures(self) -> list[str]:
        names = []
        for flag in (
            "type_approval",
            "initial_verification",
            "periodic_verification",
            "after_repair_verification",
        ):
            if getattr(self, flag):
                names.append(str(self._meta.get_field(flag).verbose_name))
        return names


def due_state(next_due: dt.date | None, on: dt.date | None = None) -> str:
    if next_due is None:
        return DueState.UNKNOWN
    on = on or today()
    days = (next_due - on).days
    if days < 0:
        return DueState.OVERDUE
    for limit, state in ((30, DueState.DUE_30), (60, DueState.DUE_60), (90, DueState.DUE_90)):
        if days <= limit:
            return state
    return DueState.LATER


class Instrument(SearchableModel):
    """A measuring instrument in use: what it is, whose it is, where it is, and when it is due."""

    #: too many rows for a drop-down filter (core.filtersets renders such filters hidden)
    too_many_for_a_select = True

    instrument_type = models.ForeignKey(  # indexed by registry_instr_list_order, which leads with it
        InstrumentType,
        models.PROTECT,
        related_name="instruments",
        verbose_name=_("instrument type"),
        db_index=False,
    )
    owner = models.ForeignKey(
        Organisation, models.PROTECT, related_name="instruments", verbose_name=_("owner")
    )
    site_address = models.CharField(_("site address"), max_length=300, blank=True)
    # no index of their own: (commune, next_due) and (province, next_due) below lead with them (docs/scale.md)
    commune = models.ForeignKey(
        Commune, models.PROTECT, related_name="+", verbose_name=_("commune"), db_index=False
    )
    province = models.ForeignKey(
        Province, models.PROTECT, related_name="+", verbose_name=_("province"), editable=False, db_index=False
    )
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=150, blank=True)
    model = models.CharField(_("model"), max_length=150, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year of manufacture"), null=True, blank=True, validators=[YearOfManufacture()]
    )
    type_approval_number = models.CharField(_("type approval number"), max_length=100, blank=True)
    accuracy_class = models.CharField(_("accuracy class"), max_length=50, blank=True)
    measuring_range = models.CharField(_("measuring range"), max_length=150, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=InstrumentStatus.choices, default=InstrumentStatus.IN_USE
    )
    last_verified_on = models.DateField(_("last verified on"), null=True, blank=True)
    last_verified_by = models.ForeignKey(
        Organisation,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="served_instruments",
        verbose_name=_("last verified by"),
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    next_due = models.DateField(_("next due"), null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True, default="", editable=False)
    source_key = models.CharField(_("source key"), max_length=120, blank=True, default="", editable=False)

    search_fields = (
        "serial",
        "manufacturer",
        "model",
        "owner__name",
        "site_address",
        "instrument_type__name",
    )

    class Meta:
        # the catalogue's order (types are numbered as loaded), then the serial: one index serves it, so the
        # country's first page reads 50 index entries instead of sorting 10 million rows through a join
        ordering = ["instrument_type_id", "serial", "id"]
        verbose_name = _("measuring instrument")
        verbose_name_plural = _("measuring instruments")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_type", "manufacturer", "serial"],
                condition=~Q(serial=""),
                name="registry_instrument_serial_unique",
                violation_error_message=_(
                    "An instrument of this type and manufacturer with this serial number already exists."
                ),
            ),
            models.UniqueConstraint(
                fields=["source", "source_key"],
                condition=~Q(source_key=""),
                name="registry_instrument_source_key",
            ),
        ]
        indexes = [
            models.Index(fields=["province", "next_due"], name="registry_instr_prov_due"),
            models.Index(fields=["commune", "next_due"], name="registry_instr_comm_due"),
            models.Index(fields=["instrument_type", "serial", "id"], name="registry_instr_list_order"),
        ]

    def __str__(self) -> str:
        serial = f" {self.serial}" if self.serial else ""
        return f"{self.instrument_type}{serial}"

    def clean(self):
        super().clean()
        if self.last_verified_on and self.last_verified_on > today():
            raise ValidationError({"last_verified_on": _("The last verification date is in the future.")})
        if self.valid_until and self.last_verified_on and self.valid_until < self.last_verified_on:
            raise ValidationError({"valid_until": _("Valid-until is before the last verification date.")})

    def compute_dates(self) -> None:
        """Fill valid-until from the type's cycle in force on the verification day, and next-due from it."""
        if self.last_verified_on and not self.valid_until and self.instrument_type_id:
            rule = self.instrument_type.rule_on(self.last_verified_on)
            if rule and rule.cycle_status == CycleStatus.KNOWN:
                self.valid_until = add_months(self.last_verified_on, rule.cycle_months)
        self.next_due = self.valid_until

    def save(self, *args, **kwargs):
        if self.commune_id:
            self.province_id = self.commune.province_id
        self.compute_dates()
        super().save(*args, **kwargs)

    @property
    def due_state(self) -> str:
        return due_state(self.next_due)

    def get_due_state_display(self) -> str:
        return DueState(self.due_state).label


class MeasurementStandard(SearchableModel):
    """A measurement standard (chuẩn đo lường) held by an organisation, with its traceability link: calibrated
    either by a parent standard in the database or by an outside certificate."""

    holder = models.ForeignKey(
        Organisation, models.PROTECT, related_name="standards", verbose_name=_("holder")
    )
    province = models.ForeignKey(
        Province, models.PROTECT, related_name="+", verbose_name=_("province"), editable=False
    )
    name = models.CharField(_("name"), max_length=300)
    quantity = models.CharField(_("quantity"), max_length=100)
    measuring_range = models.CharField(_("measuring range"), max_length=150, blank=True)
    uncertainty = models.CharField(_("uncertainty or accuracy class"), max_length=150)
    level = models.CharField(_("level"), max_length=20, choices=StandardLevel.choices)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=150, blank=True)
    instrument_types = models.ManyToManyField(
        InstrumentType, blank=True, related_name="standards", verbose_name=_("used to verify")
    )
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("calibrated against standard"),
    )
    external_calibrator = models.CharField(_("calibrated by (outside)"), max_length=200, blank=True)
    external_certificate = models.CharField(_("outside certificate number"), max_length=100, blank=True)
    calibrated_on = models.DateField(_("calibrated on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    natural_key_fields = ("serial", "name")
    search_fields = ("name", "quantity", "serial", "holder__name", "external_certificate")

    class Meta:
        ordering = ["holder__name", "name"]
        verbose_name = _("measurement standard")
        verbose_name_plural = _("measurement standards")
        indexes = [models.Index(fields=["province", "valid_until"], name="registry_std_prov_valid")]

    def __str__(self) -> str:
        serial = f" ({self.serial})" if self.serial else ""
        return f"{self.name}{serial}"

    def clean(self):
        super().clean()
        if self.parent_id and (self.external_calibrator or self.external_certificate):
            raise ValidationError(
                _("A standard is traced either to a parent standard or to an outside certificate, not both.")
            )
        if self.parent_id:
            seen = {self.pk} if self.pk else set()
            node = self.parent
            while node is not None:
                if node.pk in seen:
                    raise ValidationError(
                        {"parent": _("This parent would make the traceability chain a loop.")}
                    )
                seen.add(node.pk)
                node = node.parent
        if self.valid_until and self.calibrated_on and self.valid_until < self.calibrated_on:
            raise ValidationError({"valid_until": _("Valid-until is before the calibration date.")})

    def save(self, *args, **kwargs):
        if self.holder_id:
            self.province_id = self.holder.province_id
        super().save(*args, **kwargs)

    def chain(self) -> list[MeasurementStandard]:
        """This standard and its ancestors up to the top of the chain (at most 20 links)."""
        links = [self]
        node = self.parent
        while node is not None and len(links) < 20:
            links.append(node)
            node = node.parent
        return links

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_until is not None and day <= self.valid_until


# ------------------------------------------------------------------------------------------ due-date reminders

#: lead time (days before the due date) for instrument types without a `ReminderLeadTime` in force
DEFAULT_REMINDER_LEAD_DAYS = 30


class ReminderLeadTime(SearchableModel):
    """How many days before an instrument's due date its owner is reminded, for one instrument type; dated
    versions, so a changed policy is a new version, not an edit of the past. Types without one use
    `DEFAULT_REMINDER_LEAD_DAYS`."""

    instrument_type = models.ForeignKey(
        InstrumentType, models.CASCADE, related_name="reminder_lead_times", verbose_name=_("instrument type")
    )
    lead_days = models.PositiveSmallIntegerField(
        _("reminder lead time (days)"),
        default=DEFAULT_REMINDER_LEAD_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Owners are reminded this many days before the due date."),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    search_fields = ("instrument_type__code", "instrument_type__name")

    class Meta:
        ordering = ["instrument_type__code", "-effective_from"]
        verbose_name = _("reminder lead time")
        verbose_name_plural = _("reminder lead times")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_type", "effective_from"], name="registry_lead_time_version"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="registry_lead_time_dates",
            ),
            models.CheckConstraint(
                condition=Q(lead_days__gte=1) & Q(lead_days__lte=365), name="registry_lead_time_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_type}: {self.lead_days} ({self.effective_from:%d/%m/%Y})"

    def clean(self):
        super().clean()
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end date is before the start date.")})
        if self.instrument_type_id and self.effective_from:
            end = self.effective_to or dt.date.max
            others = ReminderLeadTime.objects.filter(instrument_type_id=self.instrument_type_id).exclude(
                pk=self.pk
            )
            for other in others:
                if other.effective_from <= end and self.effective_from <= (other.effective_to or dt.date.max):
                    raise ValidationError(
                        {
                            "effective_from": _("This version overlaps the version in force from %(date)s.")
                            % {"date": other.effective_from.strftime("%d/%m/%Y")}
                        }
                    )

    @classmethod
    def lead_days_on(cls, day: dt.date) -> dict[int, int]:
        """{instrument type id: lead days} of the versions in force on `day` (types not listed: the default)."""
        rows = cls.objects.filter(effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )
        return dict(rows.values_list("instrument_type_id", "lead_days"))


class ReminderContact(SearchableModel):
    """Where an owner wants its due-date reminders sent (defaults to the organisation's e-mail), or that it
    wants none. Kept on the reminder side: the organisation record is not touched."""

    owner = models.OneToOneField(
        Organisation, models.CASCADE, related_name="reminder_contact", verbose_name=_("owner")
    )
    email = models.EmailField(
        _("reminder e-mail"), blank=True, help_text=_("Empty: the organisation's own e-mail address is used.")
    )
    opted_out = models.BooleanField(
        _("no reminders"), default=False, help_text=_("The owner asked not to be reminded.")
    )
    notes = models.TextField(_("notes"), blank=True)

    natural_key_fields = ("owner__tax_code", "owner__name")
    search_fields = ("owner__name", "owner__tax_code", "email")

    class Meta:
        ordering = ["owner__name"]
        verbose_name = _("reminder contact")
        verbose_name_plural = _("reminder contacts")

    def __str__(self) -> str:
        return f"{self.owner} — {self.address or '—'}"

    @property
    def address(self) -> str:
        return self.email or self.owner.email


class ReminderStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    NO_EMAIL = "no_email", _("Skipped: no e-mail address")
    OPTED_OUT = "opted_out", _("Skipped: owner opted out")
    FAILED = "failed", _("Sending failed")


class ReminderLog(SearchableModel):
    """One reminder run's outcome for one owner: the message sent (or why none was), to which address, and
    the instruments it listed with their due dates."""

    owner = models.ForeignKey(
        Organisation, models.PROTECT, related_name="reminder_logs", verbose_name=_("owner")
    )
    province = models.ForeignKey(
        Province, models.PROTECT, related_name="+", verbose_name=_("province"), editable=False
    )
    run_date = models.DateField(_("reminder date"))
    address = models.CharField(_("e-mail address"), max_length=254, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ReminderStatus.choices)
    instrument_count = models.PositiveIntegerField(_("instruments listed"), default=0)
    error = models.TextField(_("error"), blank=True)
    instruments = models.ManyToManyField(
        Instrument, through="ReminderItem", related_name="reminder_logs", verbose_name=_("instruments")
    )

    search_fields = ("owner__name", "owner__tax_code", "address")

    class Meta:
        ordering = ["-run_date", "owner__name"]
        verbose_name = _("reminder log")
        verbose_name_plural = _("reminder logs")
        indexes = [models.Index(fields=["province", "run_date"], name="registry_remlog_prov_date")]

    def __str__(self) -> str:
        return f"{self.owner} — {self.run_date:%d/%m/%Y} — {self.get_status_display()}"

    def save(self, *args, **kwargs):
        if self.owner_id and not self.province_id:
            self.province_id = self.owner.province_id
        super().save(*args, **kwargs)


class ReminderItem(models.Model):
    """One instrument listed in a reminder, with the due date it was reminded of. A delivered reminder for
    an (instrument, due date) pair exists at most once: the database refuses a second one."""

    log = models.ForeignKey(ReminderLog, models.CASCADE, related_name="items", verbose_name=_("reminder log"))
    instrument = models.ForeignKey(
        Instrument, models.CASCADE, related_name="reminder_items", verbose_name=_("measuring instrument")
    )
    #: the instrument's province, carried so that every large table can be distributed by province (docs/scale.md)
    province = models.ForeignKey(
        Province, models.PROTECT, related_name="+", editable=False, db_index=False, verbose_name=_("province")
    )
    due_date = models.DateField(_("due date"))
    delivered = models.BooleanField(_("delivered"), default=False)

    def save(self, *args, **kwargs):
        if not self.province_id and self.instrument_id:
            self.province_id = self.instrument.province_id
        super().save(*args, **kwargs)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("reminded instrument")
        verbose_name_plural = _("reminded instruments")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "due_date"],
                condition=Q(delivered=True),
                name="registry_reminder_once_per_due_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} — {self.due_date:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return self.instrument.get_absolute_url()


def current_pid() -> int:
    """The id of this process (a bulk job records the process that runs it)."""
    return os.getpid()


def current_host() -> str:
    """The name of this machine (a process id means something only on its own host)."""
    return socket.gethostname()[:255]


class DueTally(models.Model):
    """The due figures of one (province, commune, type, status), counted by the worker for one day (`on`):
    what the home page and the due summary read when a user's scope holds too many instruments to count per
    request (registry.tally). Derived data: rebuilt whole by `doluong manage refresh_due_tally`, never edited."""

    on = models.DateField(_("counted for"))
    computed_at = models.DateTimeField(_("counted at"))
    province = models.ForeignKey(Province, models.CASCADE, related_name="+", db_index=False)
    commune = models.ForeignKey(Commune, models.CASCADE, related_name="+", db_index=False)
    instrument_type = models.ForeignKey(InstrumentType, models.CASCADE, related_name="+", db_index=False)
    status = models.CharField(max_length=20, choices=InstrumentStatus.choices)
    total = models.PositiveIntegerField(default=0)
    unknown = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    due_30 = models.PositiveIntegerField(default=0)
    due_60 = models.PositiveIntegerField(default=0)
    due_90 = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("due tally")
        verbose_name_plural = _("due tallies")
        indexes = [
            models.Index(fields=["on", "province"], name="registry_duetally_prov"),
            models.Index(fields=["on", "commune"], name="registry_duetally_comm"),
        ]

    def __str__(self) -> str:
        return f"{self.on:%d/%m/%Y} {self.commune_id} {self.instrument_type_id} {self.status}: {self.total}"
