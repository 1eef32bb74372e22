"""Table base for lists (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_noop

# django-tables2's pager says "previous"/"next" through gettext and ships no Vietnamese catalogue: ours has them.
PAGER_MSGIDS = (gettext_noop("previous"), gettext_noop("next"))


class BaseTable(tables.Table):
    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle"}
        template_name = "core/table.html"
        order_by_field = "sort"


class RowLinkColumn(tables.Column):
    """The column that leads to the row's own page: its value (or, when empty, the row's name) linked to
    `record.get_absolute_url()` — never to a related object's page (a unit report's organisation) and never an
    unlinked dash (a plan without a number)."""

    empty_values = ()

    def render(self, value, record):
        from django.utils.html import format_html

        text = value if value not in (None, "") else str(record)
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), text)

    def value(self, value, record=None, **kwargs):  # exports: the plain value
        return value
