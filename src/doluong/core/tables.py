"""Table base for lists (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables


class BaseTable(tables.Table):
    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle"}
        template_name = "core/table.html"
        order_by_field = "sort"
