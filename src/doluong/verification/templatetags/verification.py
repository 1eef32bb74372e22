from django import template

from ..documents import num

register = template.Library()


@register.filter
def vn_num(value):
    """A decimal in Vietnamese notation (decimal comma, no trailing zeros)."""
    return num(value)
