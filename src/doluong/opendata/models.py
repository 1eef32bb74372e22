"""One published release of an open dataset: its CSV and JSON as they are served, when it was built (dct:modified)
and reviewed. The datasets themselves (their columns and how their rows are read) are declared in `datasets`."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

#: a dataset whose review is older than this many months is flagged on the catalogue
REVIEW_MONTHS = 6


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day when it has no such day: 31/08 → 28/02)."""
    import calendar

    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class DatasetRelease(models.Model):
    """Not a BaseModel: no change history (a release is rebuilt whole; keeping each old CSV and JSON in a history
    table would only grow it); the previous content is the previous release's file in the backups."""

    key = models.CharField(_("dataset"), max_length=60, unique=True)
    reviewed_on = models.DateField(_("reviewed on"))
    modified = models.DateTimeField(_("modified"))
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    csv_text = models.TextField(_("CSV"), blank=True, editable=False)
    json_text = models.TextField(_("JSON"), blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256 of the JSON"), max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["key"]
        verbose_name = _("open dataset release")
        verbose_name_plural = _("open dataset releases")

    def __str__(self) -> str:
        return self.key

    def is_stale(self, day: dt.date) -> bool:
        """Whether its last review is older than six months on `day`."""
        return self.reviewed_on < months_before(day, REVIEW_MONTHS)
