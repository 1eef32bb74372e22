"""Who advises which enterprise on its programme (issue 14, items 8 and 9): `AdvisoryAssignment`.

The province's officer (or the administrator) assigns a consulting organisation — a technical centre, a
service provider, a consulting firm — to an enterprise of the province, from a date and (when the engagement
ends) to a date, optionally on the province's support activity that funds it (`SupportActivity`, a consultancy
line of the plan). The members of the consulting organisation who hold the role "consultant"
(`parties.choices.Role.CONSULTANT`) see the enterprise's programme, processes, plan, confirmations and readiness
surveys while the assignment is in force (named scope `advised_enterprises`, `assurance.permissions`); once its
to-date has passed they see nothing of it any more. The person who advises is named (and may be the login that
does it); the scope is the organisation's, as every other role's is."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doluong.core.dates import today
from doluong.core.models import SearchableModel
from doluong.geo.models import Province
from doluong.parties.models import Organisation


class AdvisoryAssignment(SearchableModel):
    """A consulting organisation assigned to advise one enterprise on its programme, for a period."""

    consultant = models.ForeignKey(
        Organisation,
        models.PROTECT,
        related_name="+",
        verbose_name=_("consulting organisation"),
        help_text=_("Its members with the role “consultant” see the enterprise's programme."),
    )
    person = models.CharField(_("consultant"), max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consultant's account"),
    )
    enterprise = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    province = models.ForeignKey(
        Province, models.PROTECT, related_name="+", editable=False, verbose_name=_("province")
    )
    valid_from = models.DateField(_("advises from"))
    valid_to = models.DateField(_("advises until"), null=True, blank=True)
    support = models.ForeignKey(
        "assurance.SupportActivity",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("support activity of the province"),
    )
    notes = models.TextField(_("notes"), blank=True)

    search_fields = ("consultant__name", "enterprise__name", "person")

    class Meta:
        ordering = ["enterprise_id", "-valid_from", "-pk"]
        verbose_name = _("advisory assignment")
        verbose_name_plural = _("advisory assignments")

    def __str__(self) -> str:
        consultant = self.consultant.name if self.consultant_id else "—"
        enterprise = self.enterprise.name if self.enterprise_id else "—"
        return f"{consultant} → {enterprise}"

    @property
    def in_force(self) -> bool:
        on = today()
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)

    def clean(self):
        super().clean()
        from .models import _enterprise_clean

        enterprise = self.enterprise if self.enterprise_id else None
        _enterprise_clean(self, enterprise)
        if self.consultant_id and self.consultant_id == self.enterprise_id:
            raise ValidationError({"consultant": gettext("An enterprise does not advise itself.")})
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": gettext("The end of the assignment is before its start.")})
        if self.support_id and self.enterprise_id and self.support.beneficiary_id != self.enterprise_id:
            raise ValidationError({"support": gettext("The support activity is another organisation's.")})
        if self.user_id and self.consultant_id:
            from doluong.parties.models import Membership

            from .permissions import CONSULTANT_ROLE

            if not Membership.objects.filter(
                user_id=self.user_id, organisation_id=self.consultant_id, role=CONSULTANT_ROLE, is_active=True
            ).exists():
                raise ValidationError(
                    {"user": gettext("This account is not a consultant of the consulting organisation.")}
                )

    def save(self, *args, **kwargs):
        if self.enterprise_id:
            self.province_id = self.enterprise.province_id
        super().save(*args, **kwargs)


def in_force_q(on=None, prefix: str = "") -> Q:
    """The assignments in force on `on` (default: today)."""
    on = on or today()
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


def advised_enterprise_ids(organisation_id, on=None):
    """The enterprises the consulting organisation advises on `on` (default: today), as a subquery."""
    return AdvisoryAssignment.objects.filter(in_force_q(on), consultant_id=organisation_id).values(
        "enterprise_id"
    )
