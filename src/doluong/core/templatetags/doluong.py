"""Template helpers: render a model field's value the way an official reads it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.db import models
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def field_value(obj, name):
    model_field = type(obj)._meta.get_field(name)
    if isinstance(model_field, models.ManyToManyField):
        items = list(getattr(obj, name).all())
        if not items:
            return "—"
        return format_html_join(", ", '<a href="{}">{}</a>', ((o.get_absolute_url(), o) for o in items))
    value = getattr(obj, name)
    if value is None or value == "" or (isinstance(value, dict | list) and not value):
        return "—"
    # a model may say how a value reads (get_<name>_display, as Django's choices do): a library key or a
    # JSON value is shown as words, never as a code or a Python literal
    shown = getattr(obj, f"get_{name}_display", None)
    if callable(shown):
        return shown() or "—"
    if isinstance(model_field, models.ForeignKey):
        url = value.get_absolute_url() if hasattr(value, "get_absolute_url") else ""
        return format_html('<a href="{}">{}</a>', url, value) if url else str(value)
    if isinstance(model_field, models.BooleanField):
        return _("Yes") if value else _("No")
    if getattr(model_field, "choices", None):
        return getattr(obj, f"get_{name}_display")()
    if isinstance(value, dt.datetime | dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(model_field, models.URLField):
        return format_html('<a href="{}" rel="noopener">{}</a>', value, value)
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        # 10,08 rather than 10.08000000: the language's decimal separator, no trailing zeros
        exact = Decimal(str(value))
        exact = exact.quantize(Decimal(1)) if exact == exact.to_integral() else exact.normalize()
        return formats.number_format(exact, use_l10n=True)
    if isinstance(value, dict):
        return "; ".join(f"{key} = {item}" for key, item in value.items())
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return value


@register.filter
def num(value):
    """A whole number with Vietnamese (or English) digit grouping, e.g. 20.000."""
    try:
        return formats.number_format(int(value), use_l10n=True, force_grouping=True)
    except (TypeError, ValueError):
        return value


@register.filter
def verbose(field):
    # capfirst, not str.capitalize(): "nhiệt độ (°C)" must not become "Nhiệt độ (°c)", nor "MPE" "Mpe"
    return capfirst(str(field.verbose_name))
