"""Form bases: NFC text, dd/mm/yyyy dates, Bootstrap widgets, choices limited to what the user may see."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .scope import VIEW, principal
from .text import nfc
from .uploads import LimitedFileField, SizeLimit
from .validators import FORMULA_MESSAGE, looks_like_formula

DATE_PLACEHOLDER = "dd/mm/yyyy"


def narrow(queryset, user):
    """Choices for a select: the rows `user` may view, narrowed to the user's provinces where it helps."""
    model = queryset.model
    manager_qs = queryset
    if hasattr(manager_qs, "restrict"):
        manager_qs = manager_qs.restrict(user, VIEW)
    narrow_hook = getattr(model, "narrow_choices", None)
    if narrow_hook is not None:
        manager_qs = narrow_hook(manager_qs, principal(user))
    return manager_qs


class StyledMixin:
    def style_fields(self):
        for field in self.fields.values():
            if (
                isinstance(field, (forms.DecimalField, forms.FloatField))
                and type(field.widget) is forms.NumberInput  # not a hidden or a custom widget
                and not field.localize
            ):
                # Vietnamese write a decimal comma: "0,5" is accepted as well as "0.5" (sanitize_separators; a
                # thousands point is not, USE_THOUSAND_SEPARATOR being off, so "1.234,5" is refused, not misread)
                # and a value is shown as Vietnamese write it. A text box: type=number shows "0,5" as empty.
                attrs = {k: v for k, v in field.widget.attrs.items() if k not in ("step", "min", "max")}
                field.localize = True
                field.widget = forms.TextInput(attrs={**attrs, "inputmode": "decimal"})
                field.widget.is_localized = True
            widget = field.widget
            if isinstance(field, forms.DateField):
                widget.format = "%d/%m/%Y"
                widget.attrs.setdefault("placeholder", DATE_PLACEHOLDER)
                widget.attrs.setdefault("autocomplete", "off")
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class BaseModelForm(StyledMixin, forms.ModelForm):
    """Every model form: pass `user=` so that foreign-key choices are scoped. A file field refuses a file above
    the limit of its upload kind (`upload_kinds` = {field: kind}; "attachment" when not named)."""

    upload_kinds: dict[str, str] = {}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            if (
                isinstance(field, (forms.ModelChoiceField, forms.ModelMultipleChoiceField))
                and user is not None
            ):
                narrowed = narrow(field.queryset, user)
                current = self._current_ids(name)
                if current:
                    # The value the record already has stays a valid choice even when the user may not view it
                    # (provider staff edit the instruments they served, which belong to other organisations).
                    narrowed = narrowed | field.queryset.filter(pk__in=current)
                field.queryset = narrowed
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(format="%d/%m/%Y")
            self._plausible(name, field)
            if isinstance(field, forms.FileField):
                field.validators = [*field.validators, SizeLimit(self.upload_kinds.get(name, "attachment"))]
        if user is not None:
            self.limit_to_writable(user)
        self.style_fields()
        self.large_choices()

    def large_choices(self) -> None:
        """A foreign key with more than MAX_SELECT choices (an administrator's 517 organisers, 3,321 communes) is
        a type-to-find box (core.lookups) instead of a drop-down nobody can read; the choices the field accepts do
        not change. A smaller one is sorted by its name."""
        from . import lookups
        from .filtersets import MAX_SELECT

        for field in self.fields.values():
            if not isinstance(field, forms.ModelChoiceField) or isinstance(
                field, forms.ModelMultipleChoiceField
            ):
                continue
            if not isinstance(field.widget, forms.Select) or field.disabled:
                continue
            queryset = field.queryset
            if queryset[: MAX_SELECT + 1].count() <= MAX_SELECT:
                if not queryset.query.order_by and "name" in {f.name for f in queryset.model._meta.fields}:
                    field.queryset = queryset.order_by("name")
                continue
            if lookups.has_lookup(queryset.model):
                field.widget = lookups.AutocompleteWidget(
                    lookups.model_lookup_name(queryset.model),
                    queryset=queryset,
                    attrs={"class": "form-control"},
                )

    def _plausible(self, name: str, field) -> None:
        """A model field with a plausible range (core.plausible) says its own message for every bad value: the
        form's generic 0 … 32767 bounds of a positive integer (and the browser's, from min/max) are dropped."""
        from django.core.validators import MaxValueValidator, MinValueValidator

        from . import plausible

        try:
            model_field = self._meta.model._meta.get_field(name)
        except Exception:  # a form field that is not a model field
            return
        own = [v for v in getattr(model_field, "validators", []) if type(v).__module__ == plausible.__name__]
        if not own:
            return
        field.validators = [
            v for v in field.validators if not isinstance(v, (MinValueValidator, MaxValueValidator))
        ] + own
        for attr in ("min", "max"):
            field.widget.attrs.pop(attr, None)

    def limit_to_writable(self, user) -> None:
        """The permission table's field rules: fields `user` may not write are shown disabled (their posted
        value is ignored), and choices limited by the table (`choices`) are narrowed."""
        from .access import field_choices, writable_fields

        model = self._meta.model
        target = self.instance if self.instance is not None and self.instance.pk is not None else model
        allowed = writable_fields(user, target)
        for name, field in self.fields.items():
            if (
                allowed is not None
                and name not in allowed
                and name in {f.name for f in model._meta.get_fields()}
            ):
                field.disabled = True
                field.required = False
            if isinstance(field, (forms.ModelChoiceField, forms.ModelMultipleChoiceField)):
                limited = field_choices(model, name, user, field.queryset)
                if limited is not field.queryset:
                    keep = Q(pk__in=limited.values("pk")) | Q(pk__in=self._current_ids(name))
                    field.queryset = field.queryset.model._default_manager.filter(keep).order_by(
                        *(field.queryset.query.order_by or ())
                    )

    def _current_ids(self, name: str) -> list:
        if self.instance is None or self.instance.pk is None or name not in self.initial:
            return []
        value = self.initial[name]
        if value is None or value == "":
            return []
        if isinstance(value, (list, tuple, set)):
            return [getattr(v, "pk", v) for v in value]
        return [getattr(value, "pk", value)]

    def save_related(self) -> None:
        """Save many-to-many choices after the instance was saved through an action."""
        self._save_m2m()

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if isinstance(value, str):
                cleaned[name] = value = nfc(value).strip()
                # free text only (a choice's code is not typed by a person); the same rule as the API and imports.
                # Text the row already holds (a plan's "- …" list loaded from the decision) is not new input: it
                # is kept as it is, and every export neutralises it (core.io.safe_cell).
                if (
                    isinstance(self.fields.get(name), forms.CharField)
                    and looks_like_formula(value)
                    and (self.instance is None or self.instance.pk is None or value != self.initial.get(name))
                ):
                    self.add_error(name, FORMULA_MESSAGE)
        return cleaned


class ImportUploadForm(StyledMixin, forms.Form):
    file = LimitedFileField(
        kind="import",
        label=_("File (XLSX or CSV, UTF-8)"),
        help_text=_("The first row holds the column names, as in the template or an export of this list."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()
