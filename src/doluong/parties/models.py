"""Organisations, their registrations and designations, people, verifiers and user memberships."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from doluong.core.models import RestrictedQuerySet, SearchableModel
from doluong.core.validators import normalise_tax_code, validate_tax_code
from doluong.geo.models import Commune, Province

from .choices import COMMUNE_ROLES, ROLE_KINDS, Activity, OrganisationKind, Ownership, Role, Sector, SizeClass


class Organisation(SearchableModel):
    """Any organisation the plans name: agencies, service providers and labs, enterprises, cooperatives,
    household businesses and associations."""

    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    tax_code = models.CharField(
        _("tax code"),
        max_length=14,
        blank=True,
        validators=[validate_tax_code],
        help_text=_(
            "10 digits; or 10 digits, “-” and a 3-digit branch number; or a 12-digit personal ID number"
        ),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    province = models.ForeignKey(Province, models.PROTECT, verbose_name=_("province"), related_name="+")
    commune = models.ForeignKey(
        Commune, models.PROTECT, null=True, blank=True, verbose_name=_("commune"), related_name="+"
    )
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices, blank=True)
    ownership = models.CharField(_("ownership"), max_length=20, choices=Ownership.choices, blank=True)
    size_class = models.CharField(_("size class"), max_length=10, choices=SizeClass.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    parent = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="branches", verbose_name=_("parent")
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    natural_key_fields = ("tax_code", "name", "short_name")
    search_fields = ("name", "short_name", "tax_code", "address", "commune__name")

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code"], condition=~Q(tax_code=""), name="parties_organisation_tax_code_unique"
            )
        ]
        indexes = [models.Index(fields=["province", "kind"])]

    def __str__(self) -> str:
        return self.short_name or self.name

    def clean(self):
        super().clean()
        self.tax_code = normalise_tax_code(self.tax_code)
        if self.commune_id and self.province_id and self.commune.province_id != self.province_id:
            raise ValidationError(
                {
                    "commune": _("Commune %(commune)s is not in %(province)s.")
                    % {"commune": self.commune.name, "province": self.province}
                }
            )
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("An organisation cannot be its own parent.")})

    def save(self, *args, **kwargs):
        self.tax_code = normalise_tax_code(self.tax_code)
        if self.commune_id and not self.province_id:
            self.province_id = self.commune.province_id
        super().save(*args, **kwargs)

    @property
    def is_provider(self) -> bool:
        return self.kind in OrganisationKind.providers()


class Registration(SearchableModel):
    """A provider's certificate of registration for verification, calibration or testing services."""

    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="registrations", verbose_name=_("organisation")
    )
    certificate_number = models.CharField(_("certificate number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    verification = models.BooleanField(_("verification"), default=False)
    calibration = models.BooleanField(_("calibration"), default=False)
    testing = models.BooleanField(_("testing"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    natural_key_fields = ("certificate_number",)
    search_fields = ("certificate_number", "issuer", "organisation__name")

    class Meta:
        ordering = ["-issued_on"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "certificate_number"], name="parties_registration_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("issued_on")),
                name="parties_registration_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_number} — {self.organisation}"

    def clean(self):
        super().clean()
        if not (self.verification or self.calibration or self.testing):
            raise ValidationError(
                _("A registration covers at least one activity: verification, calibration or testing.")
            )
        if self.valid_until and self.issued_on and self.valid_until < self.issued_on:
            raise ValidationError({"valid_until": _("The end date is before the issue date.")})


class RegistrationScope(SearchableModel):
    """One line of a registration's scope: an activity on an instrument type or quantity, range and accuracy."""

    registration = models.ForeignKey(
        Registration, models.CASCADE, related_name="scope_lines", verbose_name=_("registration")
    )
    activity = models.CharField(_("activity"), max_length=20, choices=Activity.choices)
    instrument_type = models.ForeignKey(
        "registry.InstrumentType",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instrument type"),
    )
    quantity = models.CharField(_("quantity or instrument"), max_length=200, blank=True)
    range_text = models.CharField(_("range"), max_length=200, blank=True)
    accuracy = models.CharField(_("accuracy"), max_length=200, blank=True)

    search_fields = (
        "registration__certificate_number",
        "registration__organisation__name",
        "quantity",
        "instrument_type__name",
    )

    class Meta:
        ordering = ["registration", "activity", "pk"]
        verbose_name = _("registration scope line")
        verbose_name_plural = _("registration scope lines")

    def __str__(self) -> str:
        what = self.instrument_type or self.quantity
        return f"{self.get_activity_display()}: {what} {self.range_text}".strip()

    def clean(self):
        super().clean()
        if not self.instrument_type_id and not self.quantity:
            raise ValidationError(_("A scope line names an instrument type or a quantity."))


class Designation(SearchableModel):
    """A provider's designation to verify Group 2 instruments (decision, dates, instrument types)."""

    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="designations", verbose_name=_("organisation")
    )
    decision_number = models.CharField(_("decision number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    instrument_types = models.ManyToManyField(
        "registry.InstrumentType", related_name="designations", verbose_name=_("instrument types"), blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    natural_key_fields = ("decision_number",)
    search_fields = ("decision_number", "issuer", "organisation__name")

    class Meta:
        ordering = ["-issued_on"]
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "decision_number"], name="parties_designation_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="parties_designation_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision_number} — {self.organisation}"

    def clean(self):
        super().clean()
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The end date is before the start date.")})


class Person(SearchableModel):
    """A person working for an organisation (verifiers, officers, contacts)."""

    full_name = models.CharField(_("full name"), max_length=150)
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, related_name="people", verbose_name=_("organisation")
    )
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("user account"),
    )

    natural_key_fields = ("full_name",)
    search_fields = ("full_name", "position", "organisation__name")

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name


class Verifier(SearchableModel):
    """A verifier's card (thẻ kiểm định viên): number, validity and the instrument types it covers."""

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="verifier_cards", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, related_name="verifiers", verbose_name=_("organisation")
    )
    card_number = models.CharField(_("card number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    instrument_types = models.ManyToManyField(
        "registry.InstrumentType", related_name="verifiers", verbose_name=_("instrument types"), blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    natural_key_fields = ("card_number",)
    search_fields = ("card_number", "person__full_name", "organisation__name")

    class Meta:
        ordering = ["person__full_name"]
        verbose_name = _("verifier")
        verbose_name_plural = _("verifiers")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "card_number"], name="parties_verifier_card_unique"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("issued_on")), name="parties_verifier_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.card_number})"

    def clean(self):
        super().clean()
        if self.valid_until and self.issued_on and self.valid_until < self.issued_on:
            raise ValidationError({"valid_until": _("The end date is before the issue date.")})
        if self.person_id and self.organisation_id and self.person.organisation_id != self.organisation_id:
            raise ValidationError({"person": _("This person does not work for the selected organisation.")})

    def covers(self, instrument_type, on_date) -> bool:
        """Whether this card is valid on `on_date` and covers `instrument_type`."""
        return (
            self.is_active
            and self.issued_on <= on_date <= self.valid_until
            and self.instrument_types.filter(pk=instrument_type.pk).exists()
        )


class MembershipQuerySet(RestrictedQuerySet):
    def annotate_scope(self):
        return self.annotate(
            province_id=F("organisation__province_id"), commune_id=F("organisation__commune_id")
        )


class Membership(SearchableModel):
    """A user account's role in an organisation: the basis of what the user may see and change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    objects = MembershipQuerySet.as_manager()

    search_fields = ("user__username", "user__first_name", "user__last_name", "organisation__name")

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="parties_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organisation}"

    ROLE_KINDS = ROLE_KINDS

    def clean(self):
        super().clean()
        if self.organisation_id and self.role:
            allowed = self.ROLE_KINDS.get(self.role, set())
            if self.organisation.kind not in allowed:
                raise ValidationError(
                    {
                        "role": _("The role “%(role)s” does not fit an organisation of kind “%(kind)s”.")
                        % {"role": self.get_role_display(), "kind": self.organisation.get_kind_display()}
                    }
                )
        if self.role in COMMUNE_ROLES and self.organisation_id and not self.organisation.commune_id:
            raise ValidationError(
                {"organisation": _("A commune officer's organisation must have a commune.")}
            )
