"""Numbers of the coverage pages the way an official reads them (Vietnamese: 8.400; 43,3), and a formula
version's parameters as a table of words."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def dec(value):
    """A figure stored as text ("8400.00", "43.3") or a number, with the language's digit grouping and decimal
    separator and no trailing zeros: 8.400; 43,3; 0,5. None and text that is no number are returned unchanged."""
    if value is None or isinstance(value, bool):
        return value
    try:
        exact = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    if not exact.is_finite():
        return value
    exact = exact.quantize(Decimal(1)) if exact == exact.to_integral() else exact.normalize()
    return formats.number_format(exact, use_l10n=True, force_grouping=True)


@register.simple_tag
def parameter_rows(version):
    """The version's parameters as (name, value) rows in words."""
    return version.parameter_rows() if version else []


@register.filter
def pct(value):
    """A percentage stored as text with its decimals ("97.0", "43.3"), shown with them and the language's
    separators: 97,0; 43,3. None is returned unchanged."""
    if value is None or isinstance(value, bool):
        return value
    try:
        exact = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    if not exact.is_finite():
        return value
    places = max(0, -exact.as_tuple().exponent)
    return formats.number_format(exact, decimal_pos=places, use_l10n=True, force_grouping=True)
