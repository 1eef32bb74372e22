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
