from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from doluong.core import lookups, plausible
from doluong.core.dates import today
from doluong.core.forms import BaseModelForm, StyledMixin, narrow
from doluong.core.scope import ADD
from doluong.parties.choices import OrganisationKind
from doluong.parties.models import Organisation, Verifier
from doluong.registry.models import Instrument, MeasurementStandard

from . import presets
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


def recordable_instruments(user, provider=None):
    """The instruments `user` may record for: those `provider` (or, before one is chosen, any of the user's
    providers) may serve — the rows the record form's instrument box finds and accepts."""
    providers = [provider] if provider is not None else list(providers_for(user)[:20])
    qs = Instrument.objects.none()
    for each in providers:
        qs = qs | servable_instruments(each)
    return Instrument.objects.filter(pk__in=qs.values("pk")).select_related("instrument_type", "owner")


def _lookup_instruments(user, request):
    provider = providers_for(user).filter(pk=request.GET.get("provider") or None).first()
    return recordable_instruments(user, provider).order_by("serial", "pk")


lookups.register(
    "verification.instrument", _lookup_instruments, template="verification/partials/instrument_card.html"
)


class RecordCreateForm(StyledMixin, forms.Form):
    """A new verification record; the points come from `PointFormSet`.

    The choices accept what the action may judge (its messages are the authoritative ones); `guide()` narrows
    what is shown to what is valid on the day for the instrument's type, and says what it left out."""

    kind = forms.ChoiceField(label=_("kind"), choices=RecordKind.choices)
    provider = forms.ModelChoiceField(label=_("service provider"), queryset=Organisation.objects.none())
    instrument = forms.CharField(
        label=_("measuring instrument"),
        required=False,
        help_text=_(
            "Type the serial number, the owner or the type and pick the instrument (empty for a standard)"
        ),
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
        label=_("standards used"),
        queryset=MeasurementStandard.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    temperature = forms.DecimalField(
        label=_("temperature (°C)"), required=False, validators=[plausible.AMBIENT_TEMPERATURE]
    )
    humidity = forms.DecimalField(
        label=_("relative humidity (%)"), required=False, validators=[plausible.RELATIVE_HUMIDITY]
    )
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
        self.guidance: dict[str, list[str]] = {}
        providers = providers_for(user)
        self.fields["provider"].queryset = providers
        self.fields["verifier"].queryset = Verifier.objects.filter(organisation__in=providers).select_related(
            "person"
        )
        standards = MeasurementStandard.objects.filter(holder__in=providers)
        self.fields["standards"].queryset = standards
        self.fields["standard"].queryset = narrow(MeasurementStandard.objects.all(), user)
        self.fields["instrument"].widget = lookups.AutocompleteWidget(
            "verification.instrument",
            queryset=recordable_instruments(user),
            text_name="instrument_text",
            card_template="verification/partials/instrument_card.html",
        )
        if providers.count() == 1:
            self.fields["provider"].initial = providers.first().pk
        self.fields["performed_on"].widget = forms.DateInput(format="%d/%m/%Y")
        self.fields["performed_on"].initial = today()
        self.style_fields()
        self.fields["standards"].widget.attrs["class"] = "form-check-input"

    # ------------------------------------------------------------ guidance (what is shown, not what is accepted)
    def _raw(self, name):
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        value = self.initial.get(name, self.fields[name].initial)
        return getattr(value, "pk", value)

    def chosen_provider(self):
        try:
            return self.fields["provider"].queryset.filter(pk=self._raw("provider") or None).first()
        except (ValueError, TypeError):
            return None

    def chosen_day(self):
        value = self._raw("performed_on")
        if isinstance(value, dt.date):
            return value
        try:
            return self.fields["performed_on"].to_python(value) or today()
        except forms.ValidationError:
            return today()

    def chosen_instrument(self):
        pk = self._raw("instrument")
        text = self.data.get("instrument_text") if self.is_bound else self.initial.get("instrument_text")
        qs = recordable_instruments(self.user, self.chosen_provider())
        if pk:
            try:
                return qs.filter(pk=pk).first()
            except (ValueError, TypeError):
                return None
        if text:
            matches = list(qs.filter(serial=text.strip())[:2])
            return matches[0] if len(matches) == 1 else None
        return None

    def guide(self):
        """Show only the verifier cards and standards valid on the record's day (and covering the instrument's
        type, for a verification); `notes[field]` says how many were left out and why. The action checks all of
        it again on saving."""
        day = self.chosen_day()
        provider = self.chosen_provider()
        instrument = self.chosen_instrument()
        itype = instrument.instrument_type if instrument is not None else None
        kind = self._raw("kind") or RecordKind.choices[0][0]
        cards = self.fields["verifier"].queryset
        if provider is not None:
            cards = cards.filter(organisation=provider)
        if kind in RecordKind.verification_kinds():
            notes = []
            withdrawn = cards.filter(is_active=False).count()
            dated = cards.filter(is_active=True).exclude(issued_on__lte=day, valid_until__gte=day).count()
            valid = cards.filter(is_active=True, issued_on__lte=day, valid_until__gte=day)
            if withdrawn:
                notes.append(
                    ngettext(
                        "%(n)s withdrawn verifier card is not listed.",
                        "%(n)s withdrawn verifier cards are not listed.",
                        withdrawn,
                    )
                    % {"n": withdrawn}
                )
            if dated:
                notes.append(
                    ngettext(
                        "%(n)s verifier card not valid on %(day)s is not listed.",
                        "%(n)s verifier cards not valid on %(day)s are not listed.",
                        dated,
                    )
                    % {"n": dated, "day": day.strftime("%d/%m/%Y")}
                )
            if itype is not None:
                covering = valid.filter(instrument_types=itype)
                uncovered = valid.count() - covering.count()
                if uncovered:
                    notes.append(
                        ngettext(
                            "%(n)s card that does not cover %(type)s is not listed.",
                            "%(n)s cards that do not cover %(type)s are not listed.",
                            uncovered,
                        )
                        % {"n": uncovered, "type": itype.name}
                    )
                valid = covering
            cards = valid
            self.guidance["verifier"] = notes
        self.fields["verifier"].queryset = cards.order_by("person__full_name")
        standards = self.fields["standards"].queryset
        if provider is not None:
            standards = standards.filter(holder=provider)
        usable = standards.filter(valid_until__gte=day).exclude(calibrated_on__gt=day)
        left_out = standards.count() - usable.count()
        self.guidance["standards"] = (
            [
                ngettext(
                    "%(n)s standard without a calibration valid on %(day)s is not listed.",
                    "%(n)s standards without a calibration valid on %(day)s are not listed.",
                    left_out,
                )
                % {"n": left_out, "day": day.strftime("%d/%m/%Y")}
            ]
            if left_out
            else []
        )
        if itype is not None:
            # the standards declared for the type first
            usable = usable.annotate(
                for_type=Count("instrument_types", filter=Q(instrument_types=itype))
            ).order_by("-for_type", "name")
        else:
            usable = usable.order_by("name")
        self.fields["standards"].queryset = usable
        self.instrument_chosen = instrument
        return self

    def preset_points(self) -> list[dict]:
        instrument = self.chosen_instrument()
        if instrument is None:
            return []
        try:
            params = self.clean_params_text(self._raw("mpe_params") or "")
        except forms.ValidationError:
            params = {}
        return presets.preset_points(instrument.instrument_type, params)

    # ------------------------------------------------------------ cleaning
    def clean_instrument(self):
        picked = (self.data.get(self.add_prefix("instrument")) or "").strip()
        text = (self.data.get("instrument_text") or "").strip() if not picked else picked
        if not text:
            return None
        # only the instruments the chosen provider (or, before one is chosen, any of the user's providers) may
        # serve: an instrument outside them is "not found", whatever it is — the message shows nothing of it
        qs = recordable_instruments(self.user, self.cleaned_data.get("provider"))
        matches = [] if picked else list(qs.filter(serial=text)[:3])
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

    @staticmethod
    def clean_params_text(text: str) -> dict:
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

    def clean_mpe_params(self):
        return self.clean_params_text((self.cleaned_data.get("mpe_params") or "").strip())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("instrument") and not cleaned.get("standard") and "instrument" not in self.errors:
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

    #: a row is a measurement when one of these is filled; label, unit and conditions alone are a preset
    VALUES = ("nominal", "found", "mpe", "uncertainty")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"

    def is_blank(self) -> bool:
        """An empty row, or a preset row (label, unit, conditions) left without any value: ignored on saving."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any((data.get(k) or "").strip() for k in self.VALUES)

    def clean_conditions(self):
        text = self.cleaned_data.get("conditions") or ""
        errors = plausible.condition_errors(_parse_conditions(text))
        if errors:
            raise forms.ValidationError(errors)
        return text

    def as_point(self) -> dict:
        data = self.cleaned_data
        return {
            "label": data.get("label") or "",
            "nominal": data.get("nominal"),
            "found": data.get("found"),
            "unit": data.get("unit") or "",
            "mpe": data.get("mpe") or None,
            "uncertainty": data.get("uncertainty") or None,
            "conditions": _parse_conditions(data.get("conditions") or ""),
        }


def _parse_conditions(text: str) -> dict:
    conditions = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _sep, value = part.partition("=")
        value = value.strip()
        try:
            conditions[name.strip()] = float(value.replace(",", "."))
        except ValueError:
            conditions[name.strip()] = value
    return conditions


#: rows of an empty results table (no preset for the type); "add a row" adds more (JavaScript, or the
#: form's "more rows" button without it)
BLANK_ROWS = 3
#: empty rows under the preset rows
EXTRA_ROWS = 1


def point_formset(extra: int = BLANK_ROWS):
    return forms.formset_factory(PointForm, extra=extra, max_num=60, absolute_max=60)


PointFormSet = point_formset()


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
