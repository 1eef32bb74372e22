"""The enterprise's Measurement Assurance Program (Decision 510/QĐ-BKHCN of 17/03/2021; ISO 10012:2003).

* `Programme`: the programme dossier, one per enterprise and period, versioned; its steps are state changes
  made by `assurance.actions` (an approved version's content is frozen: a revision is a new version);
* `MeasurementProcess`: what a measurement must achieve (characteristic, tolerance, required capability,
  environment, method document) and `ProcessInstrument`: the instruments that serve it;
* `Confirmation` + `ConfirmationPoint`: the metrological confirmation of an instrument for a process — each
  calibration point compared with the requirement by `metrology.confirmation`; `CorrectiveAction`: what a
  failed confirmation opens.

Verdicts, labels and capability notes are derived (never typed): `evaluate()` recomputes them, and a change of a
process's requirement re-evaluates every confirmation of the process.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from doluong.core.dates import add_months, today
from doluong.core.models import BaseModel, SearchableModel
from doluong.geo.models import Province
from doluong.metrology import confirmation as mc
from doluong.metrology.errors import InvalidInput
from doluong.parties.models import Organisation
from doluong.programs.models import Activity
from doluong.registry.models import Instrument

from .choices import (
    APPROVED_STEPS,
    LABEL_FOR,
    ActionStatus,
    Funding,
    Label,
    Rule,
    Step,
    SupportKind,
    Trigger,
    Verdict,
)

LEGAL_BASIS = "Quyết định số 510/QĐ-BKHCN ngày 17/03/2021 của Bộ Khoa học và Công nghệ; TCVN ISO 10012:2007"
#: a programme not reviewed for this many months is reminded
REVIEW_MONTHS = 12
DELETE_APPROVED_REFUSED = (
    "An approved version cannot be deleted: it stays in the dossier; make a revision to change it."
)
#: days given to a corrective action opened by a failed confirmation
CORRECTIVE_DAYS = 30

D = dict(max_digits=20, decimal_places=8, null=True, blank=True)


def _enterprise_clean(obj, enterprise) -> None:
    if enterprise is not None and enterprise.kind not in _enterprise_kinds():
        raise ValidationError({"enterprise": gettext("Choose an enterprise or a co-operative.")})


def _enterprise_kinds():
    from doluong.parties.choices import OrganisationKind as K

    return {K.ENTERPRISE, K.COOPERATIVE, K.HOUSEHOLD, K.ASSOCIATION}


# ------------------------------------------------------------------------------------------- programme


class Programme(SearchableModel):
    """A programme dossier (hồ sơ Chương trình đảm bảo đo lường) of one enterprise for one period."""

    CONTENT = (
        "enterprise",
        "title",
        "period_start",
        "period_end",
        "state_organisation",
        "state_methods",
        "state_technical",
        "expected_effect",
        "objectives",
        "tasks",
        "solutions",
        "budget",
        "measurement_officer",
        "legal_basis",
    )

    enterprise = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    title = models.CharField(_("title"), max_length=300)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    version = models.PositiveSmallIntegerField(
        pgettext_lazy("programme", "version"), default=1, editable=False
    )
    previous = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="revision",
        editable=False,
        verbose_name=_("revised version"),
    )
    revision_reason = models.TextField(_("reason for the revision"), blank=True, editable=False)
    step = models.CharField(
        _("step"), max_length=20, choices=Step.choices, default=Step.RECEPTION, editable=False
    )
    measurement_officer = models.CharField(_("measurement officer"), max_length=150, blank=True)
    state_organisation = models.TextField(_("current state: organisation"), blank=True)
    state_methods = models.TextField(_("current state: measurement methods"), blank=True)
    state_technical = models.TextField(_("current state: technical means"), blank=True)
    expected_effect = models.TextField(_("expected effect"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    tasks = models.TextField(_("tasks"), blank=True)
    solutions = models.TextField(_("solutions"), blank=True)
    budget = models.TextField(_("budget"), blank=True)
    legal_basis = models.TextField(_("legal basis"), default=LEGAL_BASIS)
    consulted_on = models.DateField(_("consulted on"), null=True, blank=True, editable=False)
    consultation = models.TextField(_("consultation record"), blank=True, editable=False)
    approved_on = models.DateField(_("approved on"), null=True, blank=True, editable=False)
    approved_by = models.CharField(
        _("approved by (head of the enterprise)"), max_length=150, blank=True, editable=False
    )
    reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True, editable=False)
    review_reminded_for = models.DateField(
        _("review reminder sent for"), null=True, blank=True, editable=False
    )
    notes = models.TextField(_("notes"), blank=True)

    search_fields = ("title", "enterprise__name")

    class Meta:
        ordering = ["enterprise_id", "-period_start", "-version"]
        verbose_name = _("measurement assurance programme")
        verbose_name_plural = _("measurement assurance programmes")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "period_start", "version"], name="assurance_programme_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_approved(self) -> bool:
        return self.step in APPROVED_STEPS

    @property
    def stored(self):
        if self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).first()

    def clean(self):
        super().clean()
        _enterprise_clean(self, getattr(self, "enterprise", None) if self.enterprise_id else None)
        if (
            self.period_start
            and self.period_end
            and add_months(self.period_start, 12) > self.period_end + dt.timedelta(days=1)
        ):
            raise ValidationError(
                {"period_end": gettext("The programme's period must be at least 12 months.")}
            )
        before = self.stored
        if before is not None and before.is_approved:
            changed = [n for n in (*self.CONTENT, "notes") if getattr(before, n) != getattr(self, n)]
            if changed:
                raise ValidationError(
                    gettext(
                        "An approved version cannot be edited: make a revision (a new version with its reason)."
                    )
                )

    def save(self, *args, **kwargs):
        if self.enterprise_id:
            self.province_id = self.enterprise.province_id
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_approved_delete(self)
        return super().delete(*args, **kwargs)

    @property
    def review_due(self) -> dt.date | None:
        """When the programme is to be reviewed again (12 months after its last review or approval)."""
        last = self.reviewed_on or self.approved_on
        return add_months(last, REVIEW_MONTHS) if last else None


def _refuse_approved_delete(programme) -> None:
    """An approved (or superseded) version is never deleted: ProtectedError with the reason. The stored step
    decides, so an in-memory change of `step` does not open the door."""
    from django.db.models.deletion import ProtectedError

    step = type(programme).objects.filter(pk=programme.pk).values_list("step", flat=True).first()
    if step in APPROVED_STEPS:
        raise ProtectedError(gettext(DELETE_APPROVED_REFUSED), {programme})


@receiver(pre_delete, sender=Programme, dispatch_uid="assurance_programme_approved_never_deleted")
def _guard_programme_delete(sender, instance, **kwargs):
    """The same refusal for a queryset delete and a cascade, which do not call `Programme.delete`."""
    _refuse_approved_delete(instance)


# ------------------------------------------------------------------------------------------- processes


class MeasurementProcess(SearchableModel):
    """A measurement process (quá trình đo) of the enterprise and what it requires of its instruments."""

    REQUIREMENT = ("tolerance", "process_mpe", "max_uncertainty", "tur_target")

    enterprise = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    name = models.CharField(_("name"), max_length=200)
    characteristic = models.CharField(_("product or process characteristic"), max_length=200)
    unit = models.CharField(_("unit of measurement"), max_length=20)
    nominal = models.DecimalField(_("nominal value"), **D)
    tolerance = models.DecimalField(
        _("tolerance (±)"), **D, help_text=_("Half-width of the characteristic's tolerance.")
    )
    process_mpe = models.DecimalField(
        _("maximum permissible error of the process (±)"),
        **D,
        help_text=_("If empty, the tolerance is used."),
    )
    max_uncertainty = models.DecimalField(
        _("maximum expanded uncertainty U"), **D, help_text=_("If empty, MPE / TUR target.")
    )
    tur_target = models.DecimalField(
        _("TUR target"),
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("TUR = MPE / U. If empty, MPE / maximum U."),
    )
    temperature_min = models.DecimalField(
        _("temperature from (°C)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    temperature_max = models.DecimalField(
        _("temperature to (°C)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    humidity_max = models.DecimalField(
        _("maximum relative humidity (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    method_document = models.CharField(_("measurement method document"), max_length=200, blank=True)
    method_version = models.CharField(_("method version"), max_length=40, blank=True)
    method_validated_on = models.DateField(_("method validated on"), null=True, blank=True)
    method_validation = models.TextField(_("method validation record"), blank=True)
    owner = models.CharField(_("person responsible"), max_length=150, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    search_fields = ("name", "characteristic", "enterprise__name")

    class Meta:
        ordering = ["enterprise_id", "name"]
        verbose_name = _("measurement process")
        verbose_name_plural = _("measurement processes")

    def __str__(self) -> str:
        return self.name

    def requirement(self) -> mc.Requirement:
        def f(v):
            return None if v is None else float(v)

        return mc.derive_requirement(
            tolerance=f(self.tolerance),
            mpe=f(self.process_mpe),
            u_max=f(self.max_uncertainty),
            tur=f(self.tur_target),
        )

    def clean(self):
        super().clean()
        _enterprise_clean(self, self.enterprise if self.enterprise_id else None)
        try:
            self.requirement()
        except InvalidInput as exc:
            messages = {
                "missing_requirement": (
                    "process_mpe",
                    gettext(
                        "Give a tolerance or a required capability (process MPE, or maximum U with a TUR target)."
                    ),
                ),
                "uncertainty_too_large": (
                    "max_uncertainty",
                    gettext("The maximum uncertainty is larger than the tolerance or the process MPE."),
                ),
            }
            field, text = messages.get(
                exc.code, (None, gettext("Every value of the requirement must be positive."))
            )
            raise ValidationError({field: text} if field else text) from exc
        if (
            self.temperature_min is not None
            and self.temperature_max is not None
            and self.temperature_min > self.temperature_max
        ):
            raise ValidationError(
                {"temperature_max": gettext("The upper temperature is below the lower one.")}
            )

    def save(self, *args, **kwargs):
        if self.enterprise_id:
            self.province_id = self.enterprise.province_id
        before = (
            None
            if self.pk is None
            else type(self).objects.filter(pk=self.pk).values(*self.REQUIREMENT).first()
        )
        with transaction.atomic():
            super().save(*args, **kwargs)
            if before is not None and any(before[n] != getattr(self, n) for n in self.REQUIREMENT):
                for confirmation in self.confirmations.all():
                    confirmation.evaluate()
                for link in self.links.all():
                    link.save()


def certified_uncertainty(instrument) -> float | None:
    """The largest expanded uncertainty of the points of the instrument's latest doluong certificate."""
    from doluong.verification.models import Certificate, MeasurementPoint

    cert = Certificate.objects.filter(instrument=instrument).order_by("-issued_on", "-pk").first()
    if cert is None:
        return None
    values = [
        p.uncertainty
        for p in MeasurementPoint.objects.filter(record_id=cert.record_id)
        if p.uncertainty is not None
    ]
    return float(max(values)) if values else None


class ProcessInstrument(BaseModel):
    """An instrument that serves a measurement process; whether its certified uncertainty can meet the
    process's requirement is derived (`capability_note`)."""

    process = models.ForeignKey(
        MeasurementProcess, models.CASCADE, related_name="links", verbose_name=_("measurement process")
    )
    instrument = models.ForeignKey(
        Instrument, models.PROTECT, related_name="+", verbose_name=_("measuring instrument")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    certified_uncertainty = models.DecimalField(
        _("certified expanded uncertainty U"),
        **D,
        help_text=_("If empty, taken from the instrument's latest certificate."),
    )
    capable = models.BooleanField(_("meets the requirement"), null=True, editable=False)
    capability_note = models.CharField(_("capability"), max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["process_id", "pk"]
        verbose_name = _("instrument serving a process")
        verbose_name_plural = _("instruments serving processes")
        constraints = [
            models.UniqueConstraint(fields=["process", "instrument"], name="assurance_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.process} · {self.instrument}"

    def clean(self):
        super().clean()
        if self.process_id and self.instrument_id and self.instrument.owner_id != self.process.enterprise_id:
            raise ValidationError(
                {"instrument": gettext("The instrument is not the process's enterprise's.")}
            )

    def assess(self) -> None:
        u = float(self.certified_uncertainty) if self.certified_uncertainty is not None else None
        if u is None and self.instrument_id:
            u = certified_uncertainty(self.instrument)
        try:
            req = self.process.requirement()
        except InvalidInput:
            req = None
        if u is None or req is None:
            self.capable, self.capability_note = None, gettext("No certified uncertainty known.")
            return
        limit = req.u_max if req.u_max is not None else req.mpe
        self.capable = u <= limit
        if self.capable:
            self.capability_note = gettext("U = %(u)s ≤ %(limit)s: meets the requirement.") % {
                "u": f"{u:g}",
                "limit": f"{limit:g}",
            }
        else:
            self.capability_note = gettext(
                "U = %(u)s > %(limit)s: the certified uncertainty cannot meet the process's requirement."
            ) % {"u": f"{u:g}", "limit": f"{limit:g}"}

    def save(self, *args, **kwargs):
        if self.process_id:
            self.province_id = self.process.province_id
        self.assess()
        super().save(*args, **kwargs)


# ------------------------------------------------------------------------------------------- confirmation


def _is_certificate_file(upload) -> bool:
    head = upload.read(8)
    upload.seek(0)
    return head.startswith(b"%PDF") or head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff")


class Confirmation(SearchableModel):
    """The metrological confirmation record of one instrument for one process (ISO 10012:2003, 7.1.4)."""

    process = models.ForeignKey(
        MeasurementProcess,
        models.PROTECT,
        related_name="confirmations",
        verbose_name=_("measurement process"),
    )
    instrument = models.ForeignKey(
        Instrument, models.PROTECT, related_name="+", verbose_name=_("measuring instrument")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    enterprise = models.ForeignKey(Organisation, models.PROTECT, related_name="+", editable=False)
    confirmed_on = models.DateField(_("date of confirmation"))
    next_on = models.DateField(_("next confirmation"), null=True, blank=True)
    rule = models.CharField(_("decision rule"), max_length=20, choices=Rule.choices, default=Rule.SIMPLE)
    pfa_target = models.DecimalField(
        _("false-accept target"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.02"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("0.5"))],
    )
    itp = models.DecimalField(
        _("in-tolerance probability of the process"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.95"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.9999"))],
    )
    certificate = models.ForeignKey(
        "verification.Certificate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("doluong certificate"),
    )
    certificate_number = models.CharField(_("certificate number"), max_length=80, blank=True)
    certificate_file = models.FileField(
        _("certificate file"),
        upload_to="assurance/certificates/%Y/",
        blank=True,
        validators=[FileExtensionValidator(["pdf", "png", "jpg", "jpeg"])],
    )
    calibrated_by = models.CharField(_("calibrated by"), max_length=200, blank=True)
    procedure = models.CharField(_("confirmation procedure"), max_length=200, blank=True)
    environment = models.CharField(_("environmental conditions"), max_length=200, blank=True)
    adjustments = models.TextField(_("adjustments and repairs"), blank=True)
    limitations = models.TextField(_("limitations of use"), blank=True)
    traceability = models.CharField(_("traceability"), max_length=300, blank=True)
    responsible_person = models.CharField(_("person responsible"), max_length=150, blank=True)
    verdict = models.CharField(
        _("verdict"), max_length=20, choices=Verdict.choices, blank=True, editable=False
    )
    pfa = models.FloatField(_("largest false-accept risk"), null=True, blank=True, editable=False)
    label = models.CharField(
        _("internal status label"), max_length=10, choices=Label.choices, blank=True, editable=False
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True, editable=False)
    signed_by = models.CharField(_("signed by"), max_length=150, blank=True, editable=False)

    search_fields = ("process__name", "instrument__serial", "certificate_number")

    class Meta:
        ordering = ["-confirmed_on", "-pk"]
        verbose_name = _("metrological confirmation")
        verbose_name_plural = _("metrological confirmations")

    def __str__(self) -> str:
        return f"{self.process} · {self.instrument} · {self.confirmed_on:%d/%m/%Y}"

    def clean(self):
        super().clean()
        if self.process_id and self.instrument_id and self.instrument.owner_id != self.process.enterprise_id:
            raise ValidationError(
                {"instrument": gettext("The instrument is not the process's enterprise's.")}
            )
        if (
            self.certificate_id
            and self.instrument_id
            and self.certificate.instrument_id != self.instrument_id
        ):
            raise ValidationError({"certificate": gettext("The certificate is of another instrument.")})
        if self.certificate_file and not _is_certificate_file(self.certificate_file):
            raise ValidationError(
                {"certificate_file": gettext("The file is not a certificate (a PDF or an image).")}
            )
        if self.next_on and self.confirmed_on and self.next_on <= self.confirmed_on:
            raise ValidationError({"next_on": gettext("The next confirmation must come after this one.")})

    def save(self, *args, **kwargs):
        if self.process_id:
            self.province_id = self.process.province_id
            self.enterprise_id = self.process.enterprise_id
        if self.certificate_id and not self.certificate_number:
            self.certificate_number = self.certificate.number
        super().save(*args, **kwargs)

    def evaluate(self) -> str | None:
        """Recompute each point's verdict and the confirmation's; a nonconforming result opens a corrective
        action (one open at a time)."""
        req = self.process.requirement()
        results = []
        for point in self.points.all():
            r = point.judge(req)
            ConfirmationPoint.objects.filter(pk=point.pk).update(verdict=r.verdict, pfa=round(r.pfa, 6))
            results.append(r)
        verdict = mc.worst(r.verdict for r in results)
        pfa = max((round(r.pfa, 6) for r in results), default=None)
        label = LABEL_FOR[verdict] if verdict else ""
        type(self).objects.filter(pk=self.pk).update(verdict=verdict or "", pfa=pfa, label=label)
        self.verdict, self.pfa, self.label = verdict or "", pfa, label
        if verdict == Verdict.NONCONFORMING and not self.actions.filter(status=ActionStatus.OPEN).exists():
            action = CorrectiveAction(
                confirmation=self,
                description=gettext(
                    "Nonconforming confirmation of %(instrument)s for %(process)s: %(reason)s"
                )
                % {
                    "instrument": self.instrument,
                    "process": self.process,
                    "reason": "; ".join(r.reason for r in results if r.verdict == Verdict.NONCONFORMING),
                },
                owner=self.process.owner or self.responsible_person or "",
                deadline=today() + dt.timedelta(days=CORRECTIVE_DAYS),
            )
            action.save()
        return verdict


class ConfirmationPoint(BaseModel):
    """One calibration point of a confirmation: nominal, observed error and its expanded uncertainty."""

    confirmation = models.ForeignKey(
        Confirmation, models.CASCADE, related_name="points", verbose_name=_("confirmation")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    position = models.PositiveSmallIntegerField(_("no."), default=1)
    nominal = models.DecimalField(_("nominal value"), max_digits=20, decimal_places=8)
    error = models.DecimalField(_("observed error"), max_digits=20, decimal_places=8)
    uncertainty = models.DecimalField(
        _("expanded uncertainty U"),
        max_digits=20,
        decimal_places=8,
        validators=[MinValueValidator(Decimal(0))],
    )
    coverage_factor = models.DecimalField(
        _("coverage factor k"),
        max_digits=4,
        decimal_places=2,
        default=2,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    verdict = models.CharField(
        _("verdict"), max_length=20, choices=Verdict.choices, blank=True, editable=False
    )
    pfa = models.FloatField(_("false-accept risk"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["confirmation_id", "position", "pk"]
        verbose_name = _("confirmation point")
        verbose_name_plural = _("confirmation points")

    def __str__(self) -> str:
        return f"{self.confirmation} · {self.position}"

    def judge(self, req: mc.Requirement) -> mc.PointResult:
        c = self.confirmation
        return mc.confirm_point(
            float(self.error),
            float(self.uncertainty),
            req,
            rule=c.rule,
            k=float(self.coverage_factor),
            itp=float(c.itp),
            pfa_target=float(c.pfa_target),
        )

    def save(self, *args, **kwargs):
        if self.confirmation_id:
            self.province_id = self.confirmation.province_id
        super().save(*args, **kwargs)
        if self.confirmation_id:
            self.confirmation.evaluate()

    def delete(self, *args, **kwargs):
        confirmation = self.confirmation
        result = super().delete(*args, **kwargs)
        confirmation.evaluate()
        return result


class CorrectiveAction(SearchableModel):
    """A corrective action opened by a nonconforming confirmation, with its owner and deadline."""

    confirmation = models.ForeignKey(
        Confirmation, models.PROTECT, related_name="actions", verbose_name=_("confirmation")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    enterprise = models.ForeignKey(Organisation, models.PROTECT, related_name="+", editable=False)
    description = models.TextField(_("description"))
    owner = models.CharField(_("person responsible"), max_length=150, blank=True)
    deadline = models.DateField(pgettext_lazy("task deadline", "deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    evidence = models.TextField(_("evidence of closure"), blank=True)

    search_fields = ("description", "owner")

    class Meta:
        ordering = ["status", "deadline", "pk"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")

    def __str__(self) -> str:
        return f"{self.confirmation.instrument} · {self.deadline:%d/%m/%Y}"

    def clean(self):
        super().clean()
        if self.status == ActionStatus.CLOSED and not (self.closed_on and self.evidence):
            raise ValidationError(
                {"evidence": gettext("A closed action needs its closing date and evidence.")}
            )

    def save(self, *args, **kwargs):
        if self.confirmation_id:
            self.province_id = self.confirmation.province_id
            self.enterprise_id = self.confirmation.enterprise_id
        super().save(*args, **kwargs)


# ------------------------------------------------------------------------------------------- out of tolerance


class OutOfToleranceCase(SearchableModel):
    """A standard or an instrument found out of tolerance — a failed calibration with its as-found values, or a
    revoked certificate — and its impact across organisations (`ImpactItem`, built by `assurance.impact` when
    the case is saved): every certificate issued with the standard since its last good calibration, the
    instruments they cover, the processes those serve, their enterprises, and whether each confirmation's
    verdict changes once recomputed with the error found."""

    TRIGGER_FIELDS = ("record", "certificate", "error_found", "unit")

    record = models.ForeignKey(
        "verification.VerificationRecord",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("failed calibration record"),
    )
    certificate = models.ForeignKey(
        "verification.Certificate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked certificate"),
    )
    trigger = models.CharField(_("found by"), max_length=20, choices=Trigger.choices, editable=False)
    standard = models.ForeignKey(
        "registry.MeasurementStandard",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("measurement standard"),
    )
    instrument = models.ForeignKey(
        Instrument,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("measuring instrument"),
    )
    holder = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", editable=False, verbose_name=_("holder")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    found_on = models.DateField(_("found out of tolerance on"), editable=False)
    error_found = models.DecimalField(
        _("error found (as found)"),
        **D,
        help_text=_("If empty, the largest error of the failed calibration's points."),
    )
    unit = models.CharField(pgettext_lazy("measurement", "unit"), max_length=20, blank=True)
    last_good_on = models.DateField(_("last good calibration"), null=True, blank=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN, editable=False
    )
    search_fields = ("standard__name", "standard__serial", "instrument__serial", "holder__name")

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("out-of-tolerance case")
        verbose_name_plural = _("out-of-tolerance cases")

    def __str__(self) -> str:
        return f"{self.subject} · {self.found_on:%d/%m/%Y}" if self.found_on else str(self.subject or "")

    @property
    def subject(self):
        return self.standard or self.instrument

    def clean(self):
        from doluong.verification.choices import CertificateStatus, Result

        super().clean()
        if bool(self.record_id) == bool(self.certificate_id):
            raise ValidationError(
                gettext("Choose either the failed calibration record or the revoked certificate.")
            )
        if self.record_id:
            record = self.record
            if record.result != Result.FAILED or record.is_voided:
                raise ValidationError(
                    {
                        "record": gettext(
                            "The record did not fail (or is voided): nothing is out of tolerance."
                        )
                    }
                )
        if self.certificate_id and self.certificate.status != CertificateStatus.REVOKED:
            raise ValidationError({"certificate": gettext("The certificate is not revoked.")})
        if self.error_found is not None and self.error_found == 0:
            raise ValidationError({"error_found": gettext("An error found of zero is not out of tolerance.")})
        if self.pk is None and (self.record_id or self.certificate_id):
            source = (
                {"record_id": self.record_id} if self.record_id else {"certificate_id": self.certificate_id}
            )
            if type(self).objects.filter(**source).exists():
                raise ValidationError(
                    gettext("An out-of-tolerance case is already open on this record or certificate.")
                )
        if self.pk is not None:
            before = (
                type(self)
                .objects.filter(pk=self.pk)
                .values(*[f"{n}_id" if n in ("record", "certificate") else n for n in self.TRIGGER_FIELDS])
                .first()
            )
            now = {
                "record_id": self.record_id,
                "certificate_id": self.certificate_id,
                "error_found": self.error_found,
                "unit": self.unit,
            }
            if before and any(before[k] != v for k, v in now.items()):
                raise ValidationError(
                    gettext("What was found cannot be changed once the impact is listed: open a new case.")
                )
        self.derive()

    def derive(self) -> None:
        """Subject, holder, province, date and (if not typed) the error found, from the record or certificate."""
        source = self.record if self.record_id else (self.certificate if self.certificate_id else None)
        if source is None:
            return
        self.trigger = Trigger.FAILED_CALIBRATION if self.record_id else Trigger.REVOKED_CERTIFICATE
        self.standard_id, self.instrument_id = source.standard_id, source.instrument_id
        subject = source.standard if source.standard_id else source.instrument
        self.holder_id = subject.holder_id if source.standard_id else subject.owner_id
        self.province_id = subject.province_id
        self.found_on = source.performed_on if self.record_id else source.verified_on
        if self.record_id and self.error_found is None:
            points = [p for p in self.record.points.all() if p.error is not None]
            if points:
                worst_point = max(points, key=lambda p: abs(p.error))
                self.error_found = abs(worst_point.error)
                self.unit = self.unit or worst_point.unit

    def save(self, *args, **kwargs):
        self.derive()
        new = self.pk is None
        with transaction.atomic():
            super().save(*args, **kwargs)
            if new:
                from .impact import build_items

                build_items(self)

    def refresh_status(self) -> None:
        items = self.items.all()
        status = (
            ActionStatus.CLOSED
            if items.exists() and not items.filter(status=ActionStatus.OPEN).exists()
            else ActionStatus.OPEN
        )
        if status != self.status:
            type(self).objects.filter(pk=self.pk).update(status=status)
            self.status = status


class ImpactItem(SearchableModel):
    """One affected certificate × instrument × process of an out-of-tolerance case, with its enterprise: the
    confirmation's verdict before and recomputed with the error found, the notification, and the enterprise's
    closure with evidence. Built by `assurance.impact`; the enterprise writes only the closure."""

    CLOSURE = ("status", "closed_on", "evidence", "evidence_file")

    case = models.ForeignKey(
        OutOfToleranceCase, models.CASCADE, related_name="items", verbose_name=_("out-of-tolerance case")
    )
    enterprise = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", editable=False, verbose_name=_("enterprise")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    case_province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    case_holder = models.ForeignKey(Organisation, models.PROTECT, related_name="+", editable=False)
    depth = models.PositiveSmallIntegerField(_("link in the chain"), default=1, editable=False)
    certificate = models.ForeignKey(
        "verification.Certificate",
        models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("certificate"),
    )
    instrument = models.ForeignKey(
        Instrument,
        models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("measuring instrument"),
    )
    standard = models.ForeignKey(
        "registry.MeasurementStandard",
        models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("measurement standard"),
    )
    process = models.ForeignKey(
        MeasurementProcess,
        models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("measurement process"),
    )
    confirmation = models.ForeignKey(
        Confirmation,
        models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("confirmation"),
    )
    verdict_before = models.CharField(
        _("verdict before"), max_length=20, choices=Verdict.choices, blank=True, editable=False
    )
    verdict_after = models.CharField(
        _("verdict recomputed"), max_length=20, choices=Verdict.choices, blank=True, editable=False
    )
    changes = models.BooleanField(_("verdict changes"), null=True, editable=False)
    note = models.CharField(_("assessment"), max_length=300, blank=True, editable=False)
    notified_on = models.DateField(_("notified on"), null=True, blank=True, editable=False)
    notified_to = models.CharField(_("notified to"), max_length=254, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    evidence = models.TextField(_("evidence of closure"), blank=True)
    evidence_file = models.FileField(
        _("evidence file"),
        upload_to="assurance/impact/%Y/",
        blank=True,
        validators=[FileExtensionValidator(["pdf", "png", "jpg", "jpeg"])],
    )

    search_fields = ("enterprise__name", "instrument__serial", "certificate__number", "process__name")

    class Meta:
        ordering = ["case_id", "enterprise_id", "depth", "pk"]
        verbose_name = _("out-of-tolerance impact")
        verbose_name_plural = _("out-of-tolerance impacts")

    def __str__(self) -> str:
        what = self.instrument or self.standard
        return f"{self.certificate or '—'} · {what} · {self.process or '—'}"

    @classmethod
    def can_add(cls, user) -> bool:
        return False  # built by assurance.impact when a case is opened

    def clean(self):
        super().clean()
        if self.status == ActionStatus.CLOSED and not (
            self.closed_on and ((self.evidence or "").strip() or self.evidence_file)
        ):
            raise ValidationError({"evidence": gettext("A closed item needs its closing date and evidence.")})
        if self.closed_on and self.closed_on > today():
            raise ValidationError({"closed_on": gettext("The closing date is in the future.")})
        if self.evidence_file and not _is_certificate_file(self.evidence_file):
            raise ValidationError({"evidence_file": gettext("The evidence file must be a PDF or an image.")})

    def save(self, *args, **kwargs):
        if self.status == ActionStatus.OPEN:
            self.closed_on = None
        super().save(*args, **kwargs)
        self.case.refresh_status()


# ------------------------------------------------------------------------------------------- province support


class SupportActivity(Activity):
    """Support the province gives an enterprise (or a service provider) for its programme: consultancy,
    training, calibration support, method development, pre-package control, with the consultants, their hours
    and the funding source. One row is one lượt doanh nghiệp of the plan targets it advances (the MAP
    calculators, `assurance.progress`). Rows migrated from `programs.MapEngagement` keep a link to it."""

    beneficiary = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("supported organisation")
    )
    kind = models.CharField(_("kind of support"), max_length=20, choices=SupportKind.choices)
    programme = models.ForeignKey(
        Programme,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="support",
        verbose_name=_("measurement assurance programme"),
    )
    consultants = models.CharField(_("consultants"), max_length=300, blank=True)
    hours = models.DecimalField(
        _("consultant hours"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10000))],
    )
    funding = models.CharField(
        _("funding source"), max_length=20, choices=Funding.choices, default=Funding.STATE
    )
    engagement = models.OneToOneField(
        "programs.MapEngagement",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_activity",
        editable=False,
        verbose_name=_("migrated from MAP engagement"),
    )

    search_fields = ("title", "beneficiary__name", "consultants", "notes")

    class Meta(Activity.Meta):
        verbose_name = _("programme support activity")
        verbose_name_plural = _("programme support activities")

    def clean(self):
        super().clean()
        if self.beneficiary_id and self.province_id and self.beneficiary.province_id != self.province_id:
            raise ValidationError(
                {"beneficiary": gettext("The supported organisation is not in this province.")}
            )
        if self.programme_id and self.beneficiary_id and self.programme.enterprise_id != self.beneficiary_id:
            raise ValidationError({"programme": gettext("The programme is another organisation's.")})


def send_review_reminders(on: dt.date | None = None, *, dry_run: bool = False) -> list[Programme]:
    """E-mail each enterprise whose approved programme has not been reviewed for 12 months, once per due date
    (`review_reminded_for`): run it daily."""
    from django.core.mail import send_mail

    sent = []
    for programme in programmes_due_for_review(on):
        if programme.review_reminded_for == programme.review_due:
            continue
        sent.append(programme)
        if dry_run:
            continue
        if programme.enterprise.email:
            send_mail(
                gettext("Measurement assurance programme to review: %(title)s") % {"title": programme.title},
                gettext(
                    "The programme %(title)s (version %(version)s) has not been reviewed since %(day)s. "
                    "Review it (monitoring and report) or make a revision."
                )
                % {
                    "title": programme.title,
                    "version": programme.version,
                    "day": (programme.reviewed_on or programme.approved_on).strftime("%d/%m/%Y"),
                },
                None,
                [programme.enterprise.email],
            )
        Programme.objects.filter(pk=programme.pk).update(review_reminded_for=programme.review_due)
    return sent


def programmes_due_for_review(on: dt.date | None = None):
    """Approved, current programmes whose last review (or approval) is 12 months old or more."""
    on = on or today()
    rows = Programme.objects.filter(step__in=[Step.APPROVED, Step.IMPLEMENTATION, Step.MONITORING])
    return [p for p in rows.select_related("enterprise") if p.review_due and p.review_due <= on]


__all__ = [
    "Confirmation",
    "ConfirmationPoint",
    "CorrectiveAction",
    "ImpactItem",
    "MeasurementProcess",
    "OutOfToleranceCase",
    "ProcessInstrument",
    "Programme",
    "SupportActivity",
    "programmes_due_for_review",
    "send_review_reminders",
]


# the inventory and the yearly calibration plan (issue 14, item 4)
from .plan_models import CalibrationPlan, Equipment, EquipmentCalibration, PlanLine  # noqa: E402

__all__ += ["CalibrationPlan", "Equipment", "EquipmentCalibration", "PlanLine"]

# the current-state analysis and readiness survey (issue 14, item 2)
from .readiness_models import Checklist, ChecklistItem, Survey, SurveyAnswer, SurveyEvidence  # noqa: E402

__all__ += ["Checklist", "ChecklistItem", "Survey", "SurveyAnswer", "SurveyEvidence"]

# who advises which enterprise (issue 14, items 8 and 9)
from .advisory_models import AdvisoryAssignment  # noqa: E402

__all__ += ["AdvisoryAssignment"]
