"""Template helpers: render a model field's value the way an official reads it."""

from __future__ import annotations

import datetime as dt

from django import template
from django.db import models
from django.utils import formats
from django.utils.html import format_html, format_html_join
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
    if value is None or value == "":
        return "—"
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
    return str(field.verbose_name).capitalize()
