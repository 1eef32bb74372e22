"""Verification and calibration records, their measurement points, certificates, certificate numbering, the
providers' signing keys, validity rules and certificate settings (Word template, PAdES certificate), and batch
jobs.

State changes go through `verification.actions` (record, void, issue, revoke, reinstate, make and rotate keys,
batch issue); the models keep invariants and derived values. Numbered rows (records, certificates, status
statements) are never deleted: `refuse_delete` stops the model's delete, the queryset's and the admin's.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from doluong.core.dates import today
from doluong.core.models import BaseModel, SearchableModel
from doluong.core.text import nfc
from doluong.documents.sandbox import check_format_pattern, format_pattern
from doluong.geo.models import Commune, Province
from doluong.parties.choices import Role
from doluong.parties.models import Organisation, Verifier
from doluong.registry.models import Instrument, InstrumentType, MeasurementStandard

from . import display
from .choices import CertificateStatus, JobStatus, RecordKind, Result, Series, Verdict

R = Role


class VerificationRecord(SearchableModel):
    """A verification (initial, periodic, after repair), calibration or test of one instrument or standard: the
    biên bản. Written by `actions.do_record_verification`, which checks the provider's scope, the verifier's card
    and the standards used; the result follows from the points and the visual and technical checks."""

    #: too many rows for a drop-down filter (core.filtersets renders such filters hidden)
    too_many_for_a_select = True

    number = models.CharField(_("record number"), max_length=60, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    instrument = models.ForeignKey(
        Instrument,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="verification_records",
        verbose_name=_("measuring instrument"),
    )
    standard = models.ForeignKey(
        MeasurementStandard,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="verification_records",
        verbose_name=_("measurement standard"),
    )
    provider = models.ForeignKey(
        Organisation, models.PROTECT, related_name="verification_records", verbose_name=_("service provider")
    )
    verifier = models.ForeignKey(
        Verifier, models.PROTECT, null=True, blank=True, related_name="records", verbose_name=_("verifier")
    )
    performed_on = models.DateField(_("date of verification"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    procedure = models.CharField(
        _("procedure"),
        max_length=100,
        blank=True,
        help_text=_("Verification or calibration procedure (ĐLVN code)"),
    )
    accuracy_class = models.CharField(_("accuracy class"), max_length=50, blank=True)
    mpe_rule = models.CharField(
        _("MPE rule"), max_length=60, blank=True, help_text=_("Key of the metrology library's rule table")
    )
    mpe_params = models.JSONField(
        _("instrument parameters"), default=dict, blank=True, help_text=_("e.g. e and Max of a balance")
    )
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    humidity = models.DecimalField(
        _("relative humidity (%)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    environment_notes = models.CharField(_("other conditions"), max_length=300, blank=True)
    visual_check_passed = models.BooleanField(_("visual inspection passed"), default=True)
    technical_check_passed = models.BooleanField(_("technical inspection passed"), default=True)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, editable=False)
    reviewer_name = models.CharField(_("reviewed by"), max_length=150, blank=True)
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    commune = models.ForeignKey(
        Commune,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("commune"),
    )
    owner = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", editable=False, verbose_name=_("owner")
    )
    standards = models.ManyToManyField(
        MeasurementStandard,
        through="RecordStandard",
        related_name="used_in_records",
        blank=True,
        verbose_name=_("standards used"),
    )
    notes = models.TextField(_("notes"), blank=True)
    voided_on = models.DateTimeField(_("voided on"), null=True, blank=True, editable=False)
    void_reason = models.TextField(_("reason for voiding"), blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("voided by"),
    )

    search_fields = (
        "number",
        "instrument__serial",
        "instrument__instrument_type__name",
        "standard__name",
        "standard__serial",
        "owner__name",
        "provider__name",
        "procedure",
    )

    class Meta:
        ordering = ["-performed_on", "-pk"]
        verbose_name = _("verification record")
        verbose_name_plural = _("verification records")
        constraints = [
            models.CheckConstraint(
                condition=(Q(instrument__isnull=False) & Q(standard__isnull=True))
                | (Q(instrument__isnull=True) & Q(standard__isnull=False)),
                name="verification_record_one_subject",
                violation_error_message=_("A record is about one instrument or one standard."),
            ),
            models.UniqueConstraint(fields=["provider", "number"], name="verification_record_number_unique"),
        ]
        indexes = [
            models.Index(fields=["province", "performed_on"], name="verif_record_prov_date"),
            models.Index(fields=["provider", "performed_on"], name="verif_record_provider_date"),
            models.Index(fields=["owner"], name="verif_record_owner"),
            # the list's order: its first page is read from the index, not sorted out of 20M rows (docs/scale.md)
            models.Index(fields=["-performed_on", "-id"], name="verif_record_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.subject}"

    def get_mpe_rule_display(self) -> str:
        """The instrument type's name for the library key (``water_meter`` → Đồng hồ nước)."""
        if not self.mpe_rule:
            return ""
        itype = self.instrument.instrument_type if self.instrument_id else None
        if itype is None or itype.mpe_rule != self.mpe_rule:
            itype = InstrumentType.objects.filter(mpe_rule=self.mpe_rule).order_by("code").first()
        return itype.name if itype is not None else self.mpe_rule

    def get_mpe_params_display(self) -> str:
        """``Q3 = 2,5 m³/h; R = 80`` rather than a dict."""
        point = self.points.order_by("position").first() if self.pk else None
        return display.quantities(self.mpe_params, point.unit if point else None)

    def save(self, *args, **kwargs):
        if self.instrument_id and not self.commune_id:
            self.commune_id = self.instrument.commune_id  # carried for the by-commune dashboards
        super().save(*args, **kwargs)

    @property
    def subject(self):
        return self.instrument or self.standard

    @property
    def subject_type(self) -> InstrumentType | None:
        return self.instrument.instrument_type if self.instrument_id else None

    @property
    def is_verification(self) -> bool:
        return self.kind in RecordKind.verification_kinds()

    @property
    def is_voided(self) -> bool:
        return self.voided_on is not None

    def delete(self, *args, **kwargs):
        refuse_delete(type(self), self)


class RecordStandard(BaseModel):
    """A standard used in a record, with its validity as it was that day (the traceability link)."""

    record = models.ForeignKey(VerificationRecord, models.CASCADE, related_name="standard_links")
    #: the record's province (see MeasurementPoint.province)
    province = models.ForeignKey(
        Province, models.PROTECT, related_name="+", editable=False, db_index=False, verbose_name=_("province")
    )
    standard = models.ForeignKey(
        MeasurementStandard, models.PROTECT, related_name="record_links", verbose_name=_("standard")
    )
    standard_valid_until = models.DateField(_("standard valid until"), null=True)
    standard_certificate = models.CharField(
        _("calibration certificate of the standard"), max_length=200, blank=True
    )
    traceability = models.CharField(_("traceability"), max_length=500, blank=True)

    def save(self, *args, **kwargs):
        if not self.province_id and self.record_id:
            self.province_id = self.record.province_id
        super().save(*args, **kwargs)

    class Meta:
        ordering = ["record", "pk"]
        verbose_name = _("standard used")
        verbose_name_plural = _("standards used")
        constraints = [
            models.UniqueConstraint(fields=["record", "standard"], name="verification_record_standard")
        ]

    def __str__(self) -> str:
        return str(self.standard)


class MeasurementPoint(BaseModel):
    """One row of the results table: nominal (reference) value, value found, error, MPE and verdict from the
    metrology library, and the expanded uncertainty of a calibration."""

    record = models.ForeignKey(
        VerificationRecord, models.CASCADE, related_name="points", verbose_name=_("verification record")
    )
    #: the record's province, carried so that every large table can be distributed by province (docs/scale.md §4)
    province = models.ForeignKey(
        Province, models.PROTECT, related_name="+", editable=False, db_index=False, verbose_name=_("province")
    )
    position = models.PositiveSmallIntegerField(_("no."), default=1)
    label = models.CharField(_("test point"), max_length=150, blank=True)
    unit = models.CharField(pgettext_lazy("measurement", "unit"), max_length=20)
    nominal = models.DecimalField(_("nominal value"), max_digits=20, decimal_places=8)
    found = models.DecimalField(_("value found"), max_digits=20, decimal_places=8)
    error = models.DecimalField(pgettext_lazy("measurement", "error"), max_digits=20, decimal_places=8)
    mpe = models.DecimalField(
        _("maximum permissible error"), max_digits=20, decimal_places=8, null=True, blank=True
    )
    uncertainty = models.DecimalField(
        _("expanded uncertainty"), max_digits=20, decimal_places=8, null=True, blank=True
    )
    coverage_factor = models.DecimalField(_("coverage factor k"), max_digits=4, decimal_places=2, default=2)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, blank=True)
    rule = models.CharField(_("rule applied"), max_length=300, blank=True)

    def save(self, *args, **kwargs):
        if not self.province_id and self.record_id:
            self.province_id = self.record.province_id
        super().save(*args, **kwargs)

    class Meta:
        ordering = ["record", "position"]
        verbose_name = _("measurement point")
        verbose_name_plural = _("measurement points")

    def __str__(self) -> str:
        return f"{self.record.number} #{self.position}: {display.number(self.nominal)} {self.unit}"

    def get_conditions_display(self) -> str:
        """``lưu lượng = 0,032 m³/h; nhiệt độ = 20 °C`` rather than a dict."""
        return display.quantities(self.conditions, self.unit)

    def get_rule_display(self) -> str:
        """The rule behind the verdict in Vietnamese (the stored text is the library's English clause)."""
        return display.rule_description(self.rule)

    @classmethod
    def can_add(cls, user) -> bool:
        return False  # points are written with their record (actions.do_record_verification)


#: the fields a number pattern may hold
PATTERN_FIELDS = ("n", "yy", "yyyy")


class CertificateSettings(BaseModel):
    """A provider's certificate settings: its own number pattern, the names on the signature block, its Word
    template and an optional PAdES signing certificate (PKCS#12)."""

    provider = models.OneToOneField(
        Organisation, models.CASCADE, related_name="certificate_settings", verbose_name=_("service provider")
    )
    number_pattern = models.CharField(
        _("certificate number pattern"),
        max_length=80,
        default="{n} - {yy}",
        help_text=_(
            "{n} is the yearly sequence, {yy} and {yyyy} the year, e.g. “{n} - {yy} (YB)” gives 4111 - 26 (YB)"
        ),
    )
    number_digits = models.PositiveSmallIntegerField(
        _("digits of the sequence"), default=1, help_text=_("The sequence is padded with zeros to this width")
    )
    record_pattern = models.CharField(
        _("record number pattern"), max_length=80, default="BB {n}/{yyyy}", help_text=_("Same placeholders")
    )
    parent_body = models.CharField(_("governing body"), max_length=200, blank=True)
    place_name = models.CharField(_("place name on documents"), max_length=100, blank=True)
    head_title = models.CharField(_("title of the head"), max_length=100, default="GIÁM ĐỐC")
    head_name = models.CharField(_("name of the head"), max_length=150, blank=True)
    docx_template = models.FileField(_("Word template"), upload_to="verification/templates/", blank=True)
    pades_certificate = models.FileField(
        _("signing certificate (PKCS#12)"), upload_to="verification/pades/", blank=True
    )
    #: sealed with the KEK (`signing.seal_text`, "kek:…"); read it with `passphrase()`
    pades_passphrase = models.CharField(
        _("passphrase of the signing certificate"), max_length=1000, blank=True
    )

    class Meta:
        verbose_name = _("certificate settings")
        verbose_name_plural = _("certificate settings")

    def __str__(self) -> str:
        return str(self.provider)

    def clean(self):
        super().clean()
        for name in ("number_pattern", "record_pattern"):
            value = getattr(self, name) or ""
            try:
                bad = check_format_pattern(value, PATTERN_FIELDS)
            except ValueError:
                bad = [value]
            if bad:  # no attribute, index, conversion or width: a pattern is text and three plain fields
                raise ValidationError(
                    {name: _("Only {n}, {yy} and {yyyy} may appear between braces.")}
                ) from None
            if value.count("{n}") != 1:
                raise ValidationError({name: _("The pattern must contain {n} (the sequence) once.")})
        if self.docx_template:
            from .documents import check_docx_template

            problem = check_docx_template(self.docx_template)
            if problem:
                raise ValidationError({"docx_template": problem})

    def save(self, *args, **kwargs):
        from .signing import seal_text

        self.pades_passphrase = seal_text(self.pades_passphrase)
        super().save(*args, **kwargs)

    def passphrase(self) -> str:
        """The PAdES passphrase in clear (raises signing.SealError if the KEK cannot open it)."""
        from .signing import unseal_text

        return unseal_text(self.pades_passphrase)

    def _format(self, pattern: str, sequence: int, year: int, digits: int) -> str:
        # never str.format on the provider's text: a stored "{n.__class__…}" or "{n:>999999999}" is refused here
        try:
            return format_pattern(
                pattern, {"n": str(sequence).zfill(digits), "yy": f"{year % 100:02d}", "yyyy": str(year)}
            )
        except ValueError:
            raise ValidationError(
                _(
                    "The number pattern “%(pattern)s” holds fields other than {n}, {yy} and {yyyy}: correct it in "
                    "the certificate settings."
                )
                % {"pattern": pattern[:80]}
            ) from None

    def format_number(self, sequence: int, year: int) -> str:
        return self._format(self.number_pattern or "{n} - {yy}", sequence, year, self.number_digits or 1)

    def format_record_number(self, sequence: int, year: int) -> str:
        return self._format(self.record_pattern or "BB {n}/{yyyy}", sequence, year, 1)


class NumberCounter(models.Model):
    """The last number used in a provider's yearly series. Allocation locks this row (select_for_update on
    PostgreSQL; SQLite's IMMEDIATE transactions serialise writers) in the transaction that writes the document,
    so numbers are gap-free and unique even under concurrent issuing."""

    provider = models.ForeignKey(Organisation, models.CASCADE, related_name="+")
    series = models.CharField(max_length=20, choices=Series.choices)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "series", "year"], name="verification_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}/{self.series}/{self.year}: {self.last_value}"


class CheckCount(models.Model):
    """Public checks per client address and minute: the rate limit of `/verify/` and `/api/public/`, shared by
    every web worker. One upsert per check (`public.rate_limited`); rows older than the previous minute are
    deleted as new minutes start. On PostgreSQL the table is UNLOGGED (migration 0003): its writes skip the WAL,
    so a check does not wait for a disk flush, and the counts start again from zero after a crash."""

    client = models.CharField(max_length=64)
    minute = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "minute"], name="verification_checkcount_unique")
        ]
        indexes = [models.Index(fields=["minute"], name="verification_checkcount_min")]

    def __str__(self) -> str:
        return f"{self.client} @ {self.minute}: {self.count}"


class ValidityRule(BaseModel):
    """A provider's own validity rule per procedure (e.g. ĐLVN code → months), used where the law gives no cycle
    (calibration, or a type whose cycle is unknown) or to set a shorter one. Never longer than the legal cycle."""

    provider = models.ForeignKey(
        Organisation, models.CASCADE, related_name="validity_rules", verbose_name=_("service provider")
    )
    procedure = models.CharField(_("procedure"), max_length=100, help_text=_("ĐLVN code, as on the records"))
    instrument_type = models.ForeignKey(
        InstrumentType,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instrument type"),
    )
    months = models.PositiveSmallIntegerField(_("validity (months)"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    class Meta:
        ordering = ["provider", "procedure", "-effective_from"]
        verbose_name = _("validity rule")
        verbose_name_plural = _("validity rules")

    def __str__(self) -> str:
        return f"{self.procedure}: {self.months}"

    def clean(self):
        super().clean()
        if self.months is not None and not 1 <= self.months <= 120:
            raise ValidationError({"months": _("A validity is between 1 and 120 months.")})
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end date is before the start date.")})


class SigningKey(BaseModel):
    """A provider's Ed25519 key. The newest active key signs; retired keys stay to verify what they signed. The
    private key is stored sealed with the key-encryption key (never SECRET_KEY); the public keys are published.

    The rows of a provider form its signed key history: `sequence` 1, 2, …; each record (`signing.key_record`:
    provider, sequence, key id, public key, valid from, the previous record's hash) is endorsed by the site root
    key, and so is each retirement. Only an administrator makes keys (`actions.do_rotate_signing_key`)."""

    provider = models.ForeignKey(
        Organisation, models.CASCADE, related_name="signing_keys", verbose_name=_("service provider")
    )
    key_id = models.CharField(_("key ID"), max_length=32, unique=True)
    public_key = models.CharField(_("public key (base64)"), max_length=100)
    private_key = models.TextField(editable=False)
    activated_on = models.DateField(_("in use from"))
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("no. in the key history"), default=0, editable=False)
    activated_at = models.DateTimeField(_("valid from"), null=True, editable=False)
    retired_at = models.DateTimeField(_("valid until"), null=True, blank=True, editable=False)
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    root_id = models.CharField(_("root key"), max_length=16, blank=True, editable=False)
    endorsement = models.CharField(max_length=100, blank=True, editable=False)
    retirement = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["provider", "-activated_on", "-pk"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self) -> str:
        return f"{self.provider} · {self.key_id}"

    @property
    def is_active(self) -> bool:
        return self.retired_on is None

    @property
    def fingerprint(self) -> str:
        from .signing import fingerprint, grouped

        return grouped(fingerprint(self.public_key))

    @classmethod
    def can_add(cls, user) -> bool:
        return False  # keys are made by actions.do_rotate_signing_key (administrators only)


class Certificate(SearchableModel):
    """A verification or calibration certificate (giấy chứng nhận), issued by `actions.do_issue_certificate`.

    `snapshot` keeps what the paper shows about the instrument, its owner and the provider on the day of issue;
    together with the certificate's own fields it is the signed payload (`signing.payload`). Status changes
    (superseded, revoked) are not part of the payload; "expired" follows from the date."""

    #: too many rows for a drop-down filter (core.filtersets renders such filters hidden)
    too_many_for_a_select = True

    number = models.CharField(_("certificate number"), max_length=80)
    lookup_key = models.CharField(max_length=80, editable=False, db_index=True)
    record = models.OneToOneField(
        VerificationRecord, models.PROTECT, related_name="certificate", verbose_name=_("verification record")
    )
    provider = models.ForeignKey(
        Organisation, models.PROTECT, related_name="issued_certificates", verbose_name=_("service provider")
    )
    instrument = models.ForeignKey(
        Instrument,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("measuring instrument"),
    )
    standard = models.ForeignKey(
        MeasurementStandard,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("measurement standard"),
    )
    owner = models.ForeignKey(
        Organisation, models.PROTECT, related_name="certificates", verbose_name=_("owner")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    issued_on = models.DateField(_("issued on"))
    verified_on = models.DateField(_("date of verification"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    stamp_number = models.CharField(_("stamp number"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("superseded by")
    )
    snapshot = models.JSONField(editable=False, default=dict)
    signature = models.CharField(_("signature"), max_length=200, editable=False)
    key = models.ForeignKey(
        SigningKey, models.PROTECT, related_name="certificates", verbose_name=_("signing key")
    )
    notes = models.TextField(_("notes"), blank=True)

    search_fields = (
        "number",
        "stamp_number",
        "instrument__serial",
        "instrument__instrument_type__name",
        "standard__name",
        "owner__name",
        "provider__name",
    )

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "number"], name="verification_certificate_number_unique"
            ),
        ]
        indexes = [
            # the list's order (see VerificationRecord)
            models.Index(fields=["-issued_on", "-id"], name="verif_cert_recent"),
            models.Index(fields=["province", "issued_on"], name="verif_cert_prov_date"),
            models.Index(fields=["owner", "issued_on"], name="verif_cert_owner_date"),
            models.Index(fields=["instrument", "status"], name="verif_cert_instr_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def can_add(cls, user) -> bool:
        return False  # issued from a record (actions.do_issue_certificate)

    @staticmethod
    def lookup_key_for(number: str) -> str:
        """The number as people type it back: spaces ignored, case folded (“4111-26(yb)” = “4111 - 26 (YB)”)."""
        return "".join(nfc(number or "").split()).upper()[:80]

    def save(self, *args, **kwargs):
        self.lookup_key = self.lookup_key_for(self.number)
        super().save(*args, **kwargs)

    @property
    def effective_status(self) -> str:
        return effective_status(self.status, self.valid_until)

    def get_effective_status_display(self) -> str:
        return CertificateStatus(self.effective_status).label

    @property
    def short_signature(self) -> str:
        from .signing import short

        return short(self.signature)

    def public_url(self) -> str:
        from .signing import public_check_url

        return public_check_url(self.number, self.signature)

    def delete(self, *args, **kwargs):
        refuse_delete(type(self), self)


class StatusStatement(BaseModel):
    """A signed change of a certificate's status: revoked, superseded (by a newer certificate) or valid again
    (reinstated), with the reason, the moment it takes effect and the hash of the previous link of the chain —
    the certificate's own signature for the first statement (`signing.status_payload`). Signed by the provider's
    active key; written only by the actions; never changed or deleted. The public check believes the status
    column only when it is the status of the latest valid statement."""

    certificate = models.ForeignKey(
        Certificate, models.PROTECT, related_name="statements", verbose_name=_("certificate")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False, db_index=False)
    sequence = models.PositiveIntegerField(_("no."))
    status = models.CharField(_("status"), max_length=20, choices=CertificateStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    effective_at = models.DateTimeField(_("effective from"))
    superseded_by_number = models.CharField(_("superseded by"), max_length=80, blank=True)
    previous = models.CharField(max_length=64)
    key = models.ForeignKey(
        SigningKey, models.PROTECT, related_name="statements", verbose_name=_("signing key")
    )
    signature = models.CharField(_("signature"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["certificate", "sequence"]
        verbose_name = _("status statement")
        verbose_name_plural = _("status statements")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "sequence"], name="verification_statement_seq")
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} #{self.sequence}: {self.status}"

    def delete(self, *args, **kwargs):
        refuse_delete(type(self), self)

    @classmethod
    def can_add(cls, user) -> bool:
        return False  # written by the actions (revoke, supersede, reinstate)


NEVER_DELETED = (VerificationRecord, Certificate, StatusStatement)


def refuse_delete(sender, instance=None, **kwargs):
    """Numbered and signed rows are voided or revoked, never deleted — not even by a superuser."""
    raise PermissionDenied(
        _("%(model)s “%(object)s” is numbered: it is voided with a reason, never deleted.")
        % {"model": sender._meta.verbose_name, "object": instance}
    )


for _model in NEVER_DELETED:
    pre_delete.connect(refuse_delete, sender=_model, dispatch_uid=f"never-delete-{_model.__name__}")


def effective_status(status: str, valid_until: dt.date | None, on: dt.date | None = None) -> str:
    if status == CertificateStatus.VALID and valid_until is not None and valid_until < (on or today()):
        return CertificateStatus.EXPIRED
    return status


class BatchJob(BaseModel):
    """Certificates issued from a provider's spreadsheet in one job: all rows or none — the record of the issue
    (provider, mapping, counts, errors). It runs as a background job (`job`, a `core.Job` of kind
    "certificates", run by `doluong worker`), whose row holds the progress, the worker and its heartbeat."""

    provider = models.ForeignKey(
        Organisation, models.CASCADE, related_name="certificate_jobs", verbose_name=_("service provider")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    file_name = models.CharField(_("file"), max_length=300)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    issued = models.PositiveIntegerField(_("certificates issued"), default=0)
    failed_records = models.PositiveIntegerField(_("failed verifications (records only)"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    #: the background job that runs it (core.jobs: queued for `doluong worker`, its progress and heartbeat)
    job = models.OneToOneField(
        "core.Job",
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("background job"),
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("batch issue")
        verbose_name_plural = _("batch issues")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created:%d/%m/%Y %H:%M})" if self.created else self.file_name

    @classmethod
    def can_add(cls, user) -> bool:
        from .forms import providers_for

        return providers_for(user, "change").exists()
