from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from doluong.core.forms import BaseModelForm, StyledMixin, narrow
from doluong.core.scope import ADD
from doluong.parties.choices import OrganisationKind
from doluong.parties.models import Organisation, Verifier
from doluong.registry.models import Instrument, MeasurementStandard

from .choices import RecordKind
from .models import (
    BatchJob,
    Certificate,
    CertificateSettings,
    MeasurementPoint,
    SigningKey,
    ValidityRule,
    VerificationRecord,
)
from .permissions import provider_q, servable_instruments


class VerificationRecordForm(BaseModelForm):
    """What may still change on a record once written: who reviewed it, the place, notes."""

    class Meta:
        model = VerificationRecord
        fields = ["place", "reviewer_name", "notes"]


class MeasurementPointForm(BaseModelForm):
    class Meta:
        model = MeasurementPoint
        fields = ["label"]


class CertificateForm(BaseModelForm):
    """Only the notes: what the certificate says is signed and cannot be edited (revoke and re-verify)."""

    class Meta:
        model = Certificate
        fields = ["notes"]


class CertificateSettingsForm(BaseModelForm):
    pades_passphrase = forms.CharField(
        label=_("passphrase of the signing certificate"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the passphrase already saved."),
    )

    # size limits of the uploads (core.uploads)
    upload_kinds = {"docx_template": "template", "pades_certificate": "template"}

    class Meta:
        model = CertificateSettings
        fields = [
            "provider",
            "number_pattern",
            "number_digits",
            "record_pattern",
            "parent_body",
            "place_name",
            "head_title",
            "head_name",
            "docx_template",
            "pades_certificate",
            "pades_passphrase",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = self.fields["provider"].queryset.filter(
            kind__in=OrganisationKind.providers()
        )

    def clean_pades_passphrase(self):
        value = self.cleaned_data.get("pades_passphrase")
        if not value and self.instance.pk:
            return self.instance.pades_passphrase
        return value or ""


class ValidityRuleForm(BaseModelForm):
    class Meta:
        model = ValidityRule
        fields = [
            "provider",
            "procedure",
            "instrument_type",
            "months",
            "legal_basis",
            "effective_from",
            "effective_to",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = self.fields["provider"].queryset.filter(
            kind__in=OrganisationKind.providers()
        )


class SigningKeyForm(BaseModelForm):
    """Nothing of a key is edited: its history changes only through the administrator's actions (rotate,
    retire), each endorsed by the root key."""

    class Meta:
        model = SigningKey
        fields: list[str] = []


class BatchJobForm(BaseModelForm):
    class Meta:
        model = BatchJob
        fields = ["file_name"]


def providers_for(user, action: str = ADD):
    """Providers for which `user` may record verifications (ADD) or issue certificates (CHANGE), per the
    permission table (verification.permissions.provider_q)."""
    qs = Organisation.objects.filter(kind__in=OrganisationKind.providers())
    q = provider_q(user, action)
    return qs if q is None else qs.filter(q)


class RecordCreateForm(StyledMixin, forms.Form):
    """A new verification record; the points come from `PointFormSet`."""

    kind = forms.ChoiceField(label=_("kind"), choices=RecordKind.choices)
    provider = forms.ModelChoiceField(label=_("service provider"), queryset=Organisation.objects.none())
    instrument = forms.CharField(
        label=_("measuring instrument"),
        required=False,
        help_text=_("ID or serial number of the instrument (leave empty for a standard)"),
    )
    standard = forms.ModelChoiceField(
        label=_("measurement standard"),
        queryset=MeasurementStandard.objects.none(),
        required=False,
        help_text=_("Only for the calibration of a standard"),
    )
    verifier = forms.ModelChoiceField(label=_("verifier"), queryset=Verifier.objects.none(), required=False)
    performed_on = forms.DateField(label=_("date of verification"))
    place = forms.CharField(label=_("place"), required=False)
    procedure = forms.CharField(label=_("procedure"), required=False, help_text=_("e.g. ĐLVN 30:2019"))
    accuracy_class = forms.CharField(
        label=_("accuracy class"), required=False, help_text=_("Leave empty to use the instrument's class")
    )
    mpe_params = forms.CharField(
        label=_("instrument parameters"),
        required=False,
        help_text=_(
            "For the MPE rule, e.g. “e=0.1; Max=60” for a balance or “Q3=2.5; R=80” for a water meter"
        ),
    )
    standards = forms.ModelMultipleChoiceField(
        label=_("standards used"), queryset=MeasurementStandard.objects.none()
    )
    temperature = forms.DecimalField(label=_("temperature (°C)"), required=False)
    humidity = forms.DecimalField(label=_("relative humidity (%)"), required=False)
    environment_notes = forms.CharField(label=_("other conditions"), required=False)
    visual_check_passed = forms.BooleanField(
        label=_("visual inspection passed"), required=False, initial=True
    )
    technical_check_passed = forms.BooleanField(
        label=_("technical inspection passed"), required=False, initial=True
    )
    reviewer_name = forms.CharField(label=_("reviewed by"), required=False)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        providers = providers_for(user)
        self.fields["provider"].queryset = providers
        self.fields["verifier"].queryset = Verifier.objects.filter(organisation__in=providers).select_related(
            "person"
        )
        standards = MeasurementStandard.objects.filter(holder__in=providers)
        self.fields["standards"].queryset = standards
        self.fields["standard"].queryset = narrow(MeasurementStandard.objects.all(), user)
        if providers.count() == 1:
            self.fields["provider"].initial = providers.first().pk
        self.fields["performed_on"].widget = forms.DateInput(format="%d/%m/%Y")
        self.style_fields()

    def clean_instrument(self):
        text = (self.cleaned_data.get("instrument") or "").strip()
        if not text:
            return None
        # only the instruments the chosen provider (or, before one is chosen, any of the user's providers) may
        # serve: an instrument outside them is "not found", whatever it is — the message shows nothing of it
        provider = self.cleaned_data.get("provider")
        providers = [provider] if provider is not None else list(self.fields["provider"].queryset[:20])
        qs = Instrument.objects.none()
        for each in providers:
            qs = qs | servable_instruments(each)
        qs = Instrument.objects.filter(pk__in=qs.values("pk")).select_related("instrument_type", "owner")
        matches = list(qs.filter(serial=text)[:3])
        if not matches and text.isdigit():
            matches = list(qs.filter(pk=int(text)))
        if not matches:
            raise forms.ValidationError(
                _("No instrument with ID or serial number “%(text)s” that this provider may verify.")
                % {"text": text}
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                _("Several instruments have serial number “%(text)s”: enter the instrument's ID.")
                % {"text": text}
            )
        return matches[0]

    def clean_mpe_params(self):
        text = (self.cleaned_data.get("mpe_params") or "").strip()
        params = {}
        for part in filter(None, (p.strip() for p in text.replace(",", ";").split(";"))):
            name, sep, value = part.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise forms.ValidationError(
                    _("Write the parameters as name=value, separated by semicolons: “%(part)s”.")
                    % {"part": part}
                )
            params[name.strip()] = value.strip()
        return params

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("instrument") and not cleaned.get("standard"):
            self.add_error("instrument", _("Enter the instrument, or choose the standard calibrated."))
        if cleaned.get("instrument") and cleaned.get("standard"):
            self.add_error("standard", _("A record is about one instrument or one standard."))
        return cleaned


class PointForm(StyledMixin, forms.Form):
    label = forms.CharField(label=_("test point"), required=False)
    nominal = forms.CharField(label=_("nominal value"), required=False)
    found = forms.CharField(label=_("value found"), required=False)
    unit = forms.CharField(label=pgettext_lazy("measurement", "unit"), required=False)
    mpe = forms.CharField(label=_("MPE"), required=False)
    uncertainty = forms.CharField(label=_("expanded uncertainty"), required=False)
    conditions = forms.CharField(
        label=_("conditions"), required=False, help_text=_("e.g. flow_rate=2.5; temperature=20")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any((data.get(k) or "").strip() for k in self.fields)

    def as_point(self) -> dict:
        data = self.cleaned_data
        conditions = {}
        for part in filter(None, (p.strip() for p in (data.get("conditions") or "").split(";"))):
            name, _sep, value = part.partition("=")
            value = value.strip()
            try:
                conditions[name.strip()] = float(value.replace(",", "."))
            except ValueError:
                conditions[name.strip()] = value
        return {
            "label": data.get("label") or "",
            "nominal": data.get("nominal"),
            "found": data.get("found"),
            "unit": data.get("unit") or "",
            "mpe": data.get("mpe") or None,
            "uncertainty": data.get("uncertainty") or None,
            "conditions": conditions,
        }


PointFormSet = forms.formset_factory(PointForm, extra=6, max_num=60)


class IssueForm(StyledMixin, forms.Form):
    stamp_number = forms.CharField(label=_("stamp number"), required=False)
    issued_on = forms.DateField(label=_("issued on"), required=False, help_text=_("Today if empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issued_on"].widget = forms.DateInput(format="%d/%m/%Y")
        self.style_fields()


class RevokeForm(StyledMixin, forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


class VoidForm(StyledMixin, forms.Form):
    reason = forms.CharField(label=_("reason for voiding"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


class PublicCheckForm(StyledMixin, forms.Form):
    n = forms.CharField(label=_("certificate number"), max_length=80)
    s = forms.CharField(required=False, widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()
