"""`{{ value|vn }}`: a number on the app's pages written as its PDFs write it (metrology.inspection.vn_number: a dot
between thousands, a decimal comma, no trailing zeros)."""

from django import template

from doluong.metrology.inspection import vn_number

register = template.Library()


@register.filter
def vn(value, places=None):
    """``12500.0000`` → ``12.500``; ``0.34667|vn:3`` → ``0,347``; empty stays empty."""
    if value is None or value == "":
        return ""
    return vn_number(value, None if places in (None, "") else int(places))
